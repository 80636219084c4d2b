"""Saving a session while it runs: ``begin``, ``save`` after every final answer, ``finish``.

``begin()`` takes the session's lock and starts its write-ahead file; ``save()`` appends to that
file only (one fdatasync), so its cost does not depend on the journal's size; ``finish()``
moves the record into its month file and lets the lock go. When the disk refuses any of these,
``SaveError`` says so: what was saved before stays, and the session should stop.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable
from pathlib import Path

from voicecoach.errors import JournalError, SaveError
from voicecoach.files import private_folder
from voicecoach.store.locks import SessionLock
from voicecoach.store.months import MonthFiles
from voicecoach.store.records import SessionRecord, Status
from voicecoach.store.stored import month_of
from voicecoach.store.writeahead import RunningFile

_SESSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


@dataclasses.dataclass
class _Held:
    """A session begun here and not finished."""

    lock: SessionLock
    file: RunningFile
    month: str


class SessionWriter:
    """Begins, saves and finishes the sessions run by this process."""

    def __init__(
        self,
        folder: Path,
        months: MonthFiles,
        run_file: Callable[[str], RunningFile],
        prepare: Callable[[], None],
    ) -> None:
        self.running = folder
        """``journal/running``."""
        self._months = months
        self._run_file = run_file
        self._prepare = prepare
        self._held: dict[str, _Held] = {}
        self._mutex = threading.RLock()

    def holds(self, session_id: str) -> bool:
        """True while this object runs the session."""
        return session_id in self._held

    def begin(self, record: SessionRecord) -> None:
        """Store a new running record durably and hold its session lock until ``finish()``."""
        if record.status is not Status.RUNNING:
            raise ValueError(f"begin() needs a running record, not {record.status.value}")
        if not _SESSION_ID.fullmatch(record.id):
            raise ValueError(f"session id {record.id!r} may hold only letters, digits, . _ -")
        month = month_of(record)
        with self._mutex:
            if record.id in self._held:
                raise JournalError(f"session {record.id} has already begun")
            self._prepare()
            try:
                private_folder(self.running)
                lock = SessionLock.take(self.running, record.id, month)
            except OSError as exc:
                raise SaveError(
                    f"cannot start the session: cannot create running/{record.id}.lock "
                    f"({exc.strerror or exc})"
                ) from exc
            try:
                with self._months.lock:
                    run = self._run_file(record.id)
                    kept = run.exists() or self._months.stored(month, record.id) is not None
                    if kept:
                        raise JournalError(f"a session with id {record.id} is already kept")
                    self._write(run, record)
            except BaseException:
                lock.release(remove=True)
                raise
            self._held[record.id] = _Held(lock, run, month)

    def save(self, record: SessionRecord) -> None:
        """Insert or replace the record with ``record.id``; durable when this returns.

        A session begun here is appended to its write-ahead file. Any other record is written
        into its month file, so ``started_at`` must never change.
        """
        month = month_of(record)
        with self._mutex:
            held = self._held.get(record.id)
            if held is None:
                self._prepare()
                self._put(record)
                return
            if month != held.month:
                raise ValueError(f"session {record.id}: started_at must not change")
            self._write(held.file, record)

    def forget(self, record: SessionRecord) -> None:
        """Store ``record``, which lost something an earlier save held (an answer forgotten),
        so that no file keeps it: a session begun here has its write-ahead file rewritten
        whole; any other record replaces its month file entry. SaveError when the disk
        refuses."""
        with self._mutex:
            held = self._begun_here(record)
            if held is None:
                return
            try:
                held.file.rewrite(record)
            except JournalError as exc:
                raise self._cannot_save(exc) from exc

    def finish(self, record: SessionRecord) -> None:
        """Store the ended record (completed, unanswered or stopped) in its month file; the
        lock goes."""
        if record.status is Status.RUNNING:
            raise ValueError("finish() needs the session's final status, not running")
        with self._mutex:
            held = self._begun_here(record)
            if held is None:
                return
            with self._months.lock:
                self._put(record)
                held.file.remove()
            del self._held[record.id]
            held.lock.release(remove=True)

    def _begun_here(self, record: SessionRecord) -> _Held | None:
        """The session's write-ahead file and lock when it was begun here; otherwise the record
        is saved the ordinary way and None returned. ValueError if its month changed."""
        held = self._held.get(record.id)
        if held is None:
            self.save(record)
            return None
        if month_of(record) != held.month:
            raise ValueError(f"session {record.id}: started_at must not change")
        return held

    def drop(self, session_id: str) -> None:
        """Forget a session begun here (it was removed): its file and lock go."""
        with self._mutex:
            held = self._held.pop(session_id, None)
            if held is not None:
                held.file.remove()
                held.lock.release(remove=True)

    def close(self) -> None:
        """Let go of every session lock still held; those sessions will count as interrupted."""
        with self._mutex:
            for held in self._held.values():
                held.lock.release(remove=False)
            self._held.clear()

    def _cannot_save(self, exc: Exception) -> SaveError:
        """The one line that says a save failed, and what to fix."""
        return SaveError(
            f"cannot save the session: {exc} (the journal folder {self.running.parent} must be "
            "writable, on a disk with free space)"
        )

    def _write(self, run: RunningFile, record: SessionRecord) -> None:
        try:
            run.write(record)
        except JournalError as exc:
            raise self._cannot_save(exc) from exc

    def _put(self, record: SessionRecord) -> None:
        try:
            self._months.put(record)
        except SaveError:
            raise
        except JournalError as exc:
            raise self._cannot_save(exc) from exc
