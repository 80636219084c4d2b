"""Private files and folders: the one way voicecoach writes a file whole or makes a folder.

Every file it writes is mode 0600 from its first instant and every folder it makes is 0700,
whatever the umask. A file is replaced atomically (temp file beside it, fsync, rename, folder
fsync), so a reader sees the old content or the new, never half of one, and a power cut leaves
one of the two. Nothing here changes a mode through a symbolic link: files are opened with
``O_NOFOLLOW`` and modes are set on the open descriptor.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

FILE_MODE = 0o600
"""Every file voicecoach writes is readable and writable by its owner only."""
DIR_MODE = 0o700
"""Every folder voicecoach makes is usable by its owner only."""


def open_private(path: Path, flags: int) -> int:
    """Open ``path`` (never through a symlink: OSError ELOOP); a file it creates is 0600.

    An existing file keeps its owner bits and loses any group/other bits.
    """
    fd = os.open(path, flags | os.O_CLOEXEC | os.O_NOFOLLOW, FILE_MODE)
    try:
        st = os.fstat(fd)
        mode = st.st_mode & 0o777
        new = flags & os.O_EXCL or (flags & os.O_CREAT and st.st_size == 0)
        if new and mode != FILE_MODE:
            os.fchmod(fd, FILE_MODE)  # the umask may have taken owner bits away
        elif mode & 0o077:
            os.fchmod(fd, mode & 0o700)
    except OSError:
        os.close(fd)
        raise
    return fd


def fsync_dir(folder: Path) -> None:
    """Make renames and new names in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_CLOEXEC | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_name(target: Path) -> Path:
    """A fresh hidden temp name beside ``target`` (``.<name>.<pid>.<hex>.tmp``)."""
    return target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")


@contextlib.contextmanager
def atomic_writer(path: Path, *, durable: bool = True) -> Iterator[BinaryIO]:
    """A binary file that replaces ``path`` atomically when the ``with`` block ends well.

    The temp file is 0600 from its first instant; ``durable`` fsyncs it and the folder, so the
    new content survives a power cut once the block has ended. If the block raises, ``path``
    is untouched and the temp file is gone. A symlink at ``path`` is replaced, never followed.
    Raises OSError.
    """
    tmp = temp_name(path)
    fd = open_private(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
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


def write_private(path: Path, payload: bytes, *, durable: bool = True) -> None:
    """Replace ``path`` with ``payload`` atomically (see ``atomic_writer``). Raises OSError."""
    with atomic_writer(path, durable=durable) as out:
        out.write(payload)


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


def tighten_folder(path: Path) -> None:
    """Take group/other bits off an existing folder; never adds a bit, never follows a symlink.

    (A folder the owner made read-only, e.g. 0500, stays read-only.) Raises OSError.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        if os.path.islink(path):
            return  # the owner pointed it elsewhere: use it, never chmod through it
        raise exc
    try:
        mode = os.fstat(fd).st_mode & 0o7777
        if mode & 0o077:
            os.fchmod(fd, mode & 0o700)
    finally:
        os.close(fd)


def private_folder(path: Path) -> Path:
    """Create ``path`` and any missing parents, each 0700 whatever the umask; returns ``path``.

    Folders that already exist lose group/other bits but gain none (``tighten_folder``); a
    symlinked folder is used as it is. Raises OSError (FileExistsError when a file is in the
    way).
    """
    missing: list[Path] = []
    at = path
    while not at.exists():
        if at.is_symlink():  # a dangling link: nothing to create through it
            raise FileNotFoundError(2, "a symbolic link to nowhere", str(at))
        missing.append(at)
        if at.parent == at:
            break
        at = at.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, DIR_MODE)
        except FileExistsError:
            if not folder.is_dir():
                raise
            continue  # made meanwhile by someone else: tightened below like any other
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            os.fchmod(fd, DIR_MODE)  # the umask may have taken owner bits away
        finally:
            os.close(fd)
    if not path.is_dir():
        raise FileExistsError(17, "not a folder", str(path))
    if not missing:
        tighten_folder(path)
    return path


def read_only_mount(folder: Path) -> bool:
    """Whether the file system holding ``folder`` is mounted read-only (no owner can write
    there); False when that cannot be told."""
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False
