"""File locks for the journal: one guarding shard rewrites, one per running session.

Both are ``fcntl.flock`` locks, so the kernel drops them when their process dies: a session lock
that can be taken without blocking belongs to a session whose process is gone.

    journal/.write.lock          held for the few milliseconds a month file is rewritten
    journal/running/<id>.lock    held for as long as session <id> runs
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import threading
import time
from pathlib import Path
from types import TracebackType

from voicecoach.errors import JournalError
from voicecoach.files import open_private

WRITE_LOCK_NAME = ".write.lock"
"""File in the journal folder whose flock guards every month file rewrite."""


def display_path(path: Path) -> str:
    """Name a journal file the way messages show it: ``journal/2026-11.json``."""
    return f"{path.parent.name}/{path.name}"


def open_error(path: Path, exc: OSError, doing: str, link_fix: str) -> JournalError:
    """The one line for a journal file that could not be opened: a symbolic link (never
    followed) with ``link_fix``, else what failed (``doing``: "open", "read") and why."""
    if exc.errno == errno.ELOOP:
        return JournalError(f"{display_path(path)} is a symbolic link; {link_fix}")
    return JournalError(f"cannot {doing} {display_path(path)}: {exc.strerror}")


class WriteLock:
    """An exclusive flock on ``journal/.write.lock``; re-entrant within one object and thread-safe.

    Waits at most ``timeout`` seconds for another process to let go, then raises JournalError.
    """

    def __init__(self, path: Path, timeout: float = 10.0) -> None:
        self.path = path
        """The lock file."""
        self.timeout = timeout
        """Seconds to wait for another process before giving up."""
        self._mutex = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock (again, if this thread already holds it)."""
        self._mutex.acquire()
        if self._depth == 0:
            try:
                self._fd = self._lock_file()
            except BaseException:
                self._mutex.release()
                raise
        self._depth += 1

    def release(self) -> None:
        """Let go once; the flock is dropped when the outermost holder lets go."""
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            os.close(self._fd)  # closing the only descriptor drops the flock
            self._fd = None
        self._mutex.release()

    def __enter__(self) -> WriteLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def _lock_file(self) -> int:
        try:
            fd = open_private(self.path, os.O_RDWR | os.O_CREAT)
        except OSError as exc:
            fix = "remove it (voicecoach makes it again)"
            raise open_error(self.path, exc, "open", fix) from exc
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise JournalError(
                        f"{display_path(self.path)} has been held by another voicecoach process "
                        f"for over {self.timeout:g} s; try again"
                    ) from None
                time.sleep(0.005)


class SessionLock:
    """The flock on ``running/<id>.lock`` held while a session runs (or taken over once dead).

    The file holds ``{"id", "month", "pid"}`` so recovery finds the record's shard directly.
    """

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        """The lock file."""
        self._fd: int | None = fd

    @classmethod
    def take(cls, folder: Path, session_id: str, month: str) -> SessionLock:
        """Create and lock ``folder/<session_id>.lock`` for a session that starts now.

        The file is locked before it gets its name, so no one ever sees it unlocked while its
        session is alive. Raises JournalError when a live process already runs that session.
        """
        path = folder / f"{session_id}.lock"
        tmp = folder / f".{session_id}.{os.urandom(4).hex()}.tmp"
        fd = open_private(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            info = {"id": session_id, "month": month, "pid": os.getpid()}
            os.write(fd, json.dumps(info).encode())
            try:
                os.link(tmp, path)  # fails when the name exists, unlike a rename
            except FileExistsError:
                try:
                    stale = cls.claim(path)
                except FileNotFoundError:
                    stale = None  # it went away meanwhile
                else:
                    if stale is None:
                        raise JournalError(
                            f"session {session_id} is already running in another process"
                        ) from None
                    stale.release(remove=True)  # left behind by a dead process
                os.link(tmp, path)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        os.unlink(tmp)
        return cls(path, fd)

    @classmethod
    def claim(cls, path: Path) -> SessionLock | None:
        """Take over the lock at ``path`` when no live process holds it.

        Returns None while its session's process is alive; raises FileNotFoundError when
        there is no such lock file.
        """
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise FileNotFoundError(path) from exc  # not ours: never a session's lock
            raise
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if not same:  # its owner removed it between our open and our flock
            os.close(fd)
            raise FileNotFoundError(path)
        return cls(path, fd)

    def month(self) -> str | None:
        """The month of the session's shard as written in the file, or None if unreadable."""
        if self._fd is None:
            return None
        try:
            info = json.loads(os.pread(self._fd, 4096, 0))
        except (OSError, ValueError):
            return None
        month = info.get("month") if isinstance(info, dict) else None
        return month if isinstance(month, str) else None

    def release(self, *, remove: bool) -> None:
        """Let go of the lock; with ``remove`` delete the file first (while still holding it)."""
        if self._fd is None:
            return
        if remove:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
        os.close(self._fd)
        self._fd = None
