"""The command line's two Rich consoles, made on first use, and what writes to the terminal
without them: a command that only writes plain lines to a pipe or a file never imports Rich.

A reader that goes away (`voicecoach session … 2>&1 | head`) ends nothing: what would have
been written to it goes nowhere from then on (``reader_gone``), and the command carries on.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

_CONSOLES: dict[bool, Console] = {}


def _console(stderr: bool) -> Console:
    made = _CONSOLES.get(stderr)
    if made is None:
        from voicecoach.cli.lasting import LastingConsole

        made = _CONSOLES[stderr] = LastingConsole(stderr=stderr, soft_wrap=True, emoji=False)
    return made


def reader_gone(stream: IO[Any] | None) -> None:
    """The reader of ``stream`` (stdout or stderr) went away, as a pipe closed early does:
    its file descriptor is pointed at /dev/null, so later writes, and the flush at exit, go
    nowhere instead of failing. A stream with no file descriptor is left as it is."""
    try:
        fd = stream.fileno() if stream is not None else -1
    except (OSError, ValueError):
        return
    if fd < 0:
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


@contextlib.contextmanager
def unless_reader_gone(stream: IO[Any] | None) -> Iterator[None]:
    """Write to ``stream``; when its reader has gone away (BrokenPipeError), what was being
    written is dropped and the stream points at /dev/null from then on (``reader_gone``)."""
    try:
        yield
    except BrokenPipeError:
        reader_gone(stream)


def stdout_console() -> Console:
    """The Rich console of results (stdout), made on first use: a command that writes only
    plain lines (a table piped to a file) never imports Rich. ``out_console`` is the same."""
    return _console(False)


def stderr_console() -> Console:
    """The Rich console of progress and messages (stderr), made on first use.
    ``err_console`` is the same."""
    return _console(True)


def stdout_is_terminal() -> bool:
    """Whether stdout is a terminal, as Rich's console decides it (``TTY_COMPATIBLE``,
    ``FORCE_COLOR``, else ``isatty``), without importing Rich until the console exists."""
    return _is_terminal(stderr=False)


def _is_terminal(stderr: bool) -> bool:
    if stderr in _CONSOLES:
        return _CONSOLES[stderr].is_terminal
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    force = os.environ.get("FORCE_COLOR")
    if force is not None:
        return force != ""
    try:
        return (sys.stderr if stderr else sys.stdout).isatty()
    except (AttributeError, ValueError):
        return False


def tell(message: str, style: str = "") -> None:
    """One message on stderr exactly as written (no markup), ``style``d on a terminal; off a
    terminal it is written directly (what Rich would write there), without importing Rich."""
    if _is_terminal(stderr=True):
        stderr_console().print(message, style=style, markup=False, highlight=False)
    elif sys.stderr is not None:  # (None when started with stderr closed)
        with unless_reader_gone(sys.stderr):
            sys.stderr.write(message + "\n")
            sys.stderr.flush()


def write_lines(lines: Sequence[str]) -> None:
    """Lines of plain text on stdout (through the Rich console when it exists, else directly)."""
    write_pieces(["".join(line + "\n" for line in lines)])


def write_pieces(pieces: Iterable[str]) -> None:
    """Text on stdout piece by piece as it is made (a long JSON list, an export), each flushed
    at once. When the reader goes away (`| head`), the rest is neither made nor written and
    stdout points at /dev/null from then on (``reader_gone``): the command ends as usual.
    OutputError when stdout cannot be written (`> /dev/full`)."""
    out = _CONSOLES[False].file if False in _CONSOLES else sys.stdout
    if out is None:  # started with stdout closed
        return
    with unless_reader_gone(out):
        for piece in pieces:
            _write(out, piece)


def _write(out: IO[Any], piece: str) -> None:
    """``piece`` written and flushed; OutputError for a failed write other than a reader gone
    (BrokenPipeError, left to ``unless_reader_gone``)."""
    try:
        out.write(piece)
        out.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        from voicecoach.errors import OutputError

        reader_gone(out)  # what is still buffered goes nowhere at exit
        raise OutputError(f"stdout: cannot write ({exc.strerror})") from exc
