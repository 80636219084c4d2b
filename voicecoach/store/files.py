"""Private files written whole: a temp file beside the target, fsync, rename, folder fsync."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from voicecoach.store.locks import DIR_MODE, fsync_dir, open_private


def private_folder(path: Path) -> Path:
    """Create ``path`` (and parents) if needed; the folder itself ends up mode 0700."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)
    return path


def temp_name(target: Path) -> Path:
    """A fresh hidden temp name beside ``target`` (``.<name>.<pid>.<hex>.tmp``)."""
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def write_private(path: Path, payload: bytes, *, durable: bool = True) -> None:
    """Replace ``path`` with ``payload`` atomically; the file is 0600 from its first instant.

    Readers see the old content or the new, never a mix. ``durable`` also fsyncs the data and
    the folder, so the new content survives a power cut once this returns. Raises OSError.
    """
    tmp = temp_name(path)
    fd = open_private(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
            out.flush()
            if durable:
                os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if durable:
        fsync_dir(path.parent)


def remove_files(*paths: Path) -> int:
    """Unlink whichever of ``paths`` exist and fsync their folders; how many were removed."""
    removed = 0
    folders = set()
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            continue
        removed += 1
        folders.add(path.parent)
    for folder in folders:
        fsync_dir(folder)
    return removed
