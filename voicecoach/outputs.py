"""Files the user names for output (`export -o`, `--speaker-file`): checked first, written safely.

- ``-`` is standard output.
- A regular file (or a new name) is written through ``files.atomic_writer``: a temporary file
  beside it (0600), synced, renamed over it: a reader never sees half a file, and a failed
  write leaves no temp file.
- Anything else that can be written (a device such as /dev/null, a FIFO, a terminal) is written
  in place: it is never replaced by a regular file.
- A folder, a missing folder, or a symbolic link to a regular file is refused: renaming over the
  link would replace the link, and writing through it would replace the file it points to.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from voicecoach.errors import OutputError, UsageError
from voicecoach.files import atomic_writer

STDOUT = "-"


def _is_stdout(path: Path | str) -> bool:
    return str(path) == STDOUT


def _in_place(mode: int) -> bool:
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def check_output(path: Path | str, what: str = "") -> None:
    """Raise OutputError (one line naming the path) unless ``path`` can be written as output.

    ``what`` names the option for the message, e.g. "--speaker-file". Nothing is written.
    """
    if _is_stdout(path):
        return
    path = Path(path)
    label = f"{what}: {path}" if what else str(path)
    try:
        link = path.lstat()
    except FileNotFoundError:
        link = None
    except OSError as exc:
        raise OutputError(f"{label}: cannot be used ({exc.strerror})") from exc
    if link is not None and stat.S_ISLNK(link.st_mode):
        try:
            target = path.stat()
        except OSError as exc:
            raise OutputError(f"{label}: a symbolic link to nothing usable") from exc
        if not _in_place(target.st_mode):
            real = path.resolve()
            raise OutputError(f"{label}: a symbolic link; give the file it points to ({real})")
        link = target
    if link is not None and stat.S_ISDIR(link.st_mode):
        raise OutputError(f"{label} is a folder; give a file name")
    if link is not None and _in_place(link.st_mode):
        if not os.access(path, os.W_OK):
            raise OutputError(f"{label}: not writable")
        return
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(f"{folder}: no such folder" + (f" for {what}" if what else ""))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{label}: cannot write in {folder}")


def check_speaker_file(path: Path, inputs: Sequence[Path] = ()) -> None:
    """Raise one line unless ``path`` can take the coach's voice: UsageError when a file is
    not named ``.wav`` (a wrong ending, as for `export -o`); OutputError unless it is a usable
    output (``check_output``) and none of the run's ``inputs`` (the recordings it reads:
    writing there would destroy one)."""
    path = Path(path)
    try:
        mode: int | None = path.stat().st_mode
    except OSError:
        mode = None
    if (mode is None or stat.S_ISREG(mode)) and path.suffix.lower() != ".wav":
        raise UsageError(
            f"--speaker-file: {path}: the coach's voice is written as WAV; give a name ending "
            "in .wav"
        )
    check_output(path, "--speaker-file")
    for recording in inputs:
        with contextlib.suppress(OSError):
            if mode is not None and os.path.samefile(path, recording):
                raise OutputError(
                    f"--speaker-file: {path} is also read as {recording}; give another file"
                )


@contextlib.contextmanager
def write_output(path: Path | str, binary: bool = False, what: str = "") -> Iterator[IO[Any]]:
    """A handle to write the output to; on leaving, the output is complete or untouched.

    Raises OutputError naming the path when it is not a usable output or a write fails.
    """
    check_output(path, what)
    label = f"{what}: {path}" if what else str(path)
    if _is_stdout(path):
        stream: IO[Any] = sys.stdout.buffer if binary else sys.stdout
        yield stream
        try:
            stream.flush()
        except OSError as exc:
            raise OutputError(f"{label}: cannot write ({exc.strerror})") from exc
        return
    path = Path(path)
    try:
        in_place = path.exists() and _in_place(path.stat().st_mode)
    except OSError:
        in_place = False
    if in_place:
        with _in_place_writer(path, binary, label) as handle:
            yield handle
        return
    with _atomic_writer(path, binary, label) as handle:
        yield handle


@contextlib.contextmanager
def _in_place_writer(path: Path, binary: bool, label: str) -> Iterator[IO[Any]]:
    try:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise OutputError(f"{label}: cannot open ({exc.strerror})") from exc
    handle = os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8")
    try:
        with handle:
            yield handle
    except OSError as exc:
        raise OutputError(f"{label}: cannot write ({exc.strerror})") from exc


@contextlib.contextmanager
def _atomic_writer(path: Path, binary: bool, label: str) -> Iterator[IO[Any]]:
    try:
        with atomic_writer(path) as raw:
            if binary:
                yield raw
            else:
                text = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
                yield text
                text.flush()
                text.detach()
    except OSError as exc:
        raise OutputError(f"{label}: cannot write ({exc.strerror})") from exc
