"""Sessions whose process died: found by their session lock, closed as interrupted.

A session's lock (``running/<id>.lock``) is flocked by its process for as long as it runs; one
that can be taken belongs to a dead process. Its write-ahead file then becomes a record marked
``interrupted`` in its month file. When the disk refuses that move (full, read-only), the
session is still listed as interrupted, from its write-ahead file, and the move is left for the
next process that can write.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
from collections.abc import Callable
from pathlib import Path

from voicecoach.errors import JournalError
from voicecoach.store.locks import SessionLock
from voicecoach.store.months import MonthFiles
from voicecoach.store.records import SessionRecord, Status
from voicecoach.store.stored import month_of, month_of_time
from voicecoach.store.writeahead import SUFFIX, RunningFile

log = logging.getLogger(__name__)


def running_ids(folder: Path) -> set[str]:
    """Ids of the sessions that have a write-ahead file or a session lock in ``folder``."""
    try:
        names = os.listdir(folder)
    except OSError:
        return set()
    ids = set()
    for name in names:
        if name.startswith("."):
            continue
        for suffix in (SUFFIX, ".lock"):
            if name.endswith(suffix):
                ids.add(name[: -len(suffix)])
    return ids


class Recovery:
    """Finds the running sessions under ``running/`` and closes those whose process died."""

    def __init__(
        self,
        running: Path,
        months: MonthFiles,
        run_file: Callable[[str], RunningFile],
        held_here: Callable[[str], bool],
    ) -> None:
        self.running = running
        """``journal/running``."""
        self._months = months
        self._run_file = run_file
        self._held_here = held_here

    def live(self, session_id: str) -> bool:
        """True when a live process (maybe this one) holds the session's lock."""
        if self._held_here(session_id):
            return True
        try:
            claimed = SessionLock.claim(self.running / f"{session_id}.lock")
        except FileNotFoundError:
            return False
        except OSError:
            return True  # cannot tell: leave it alone
        if claimed is None:
            return True
        claimed.release(remove=False)
        return False

    def sweep(self) -> dict[str, SessionRecord]:
        """Close every dead session; the records of sessions still running (here or elsewhere),
        and of dead ones the disk would not let move (shown as interrupted)."""
        out = {}
        self._sweep_temp_locks()
        for session_id in sorted(running_ids(self.running)):
            if self.live(session_id):
                record = self._run_file(session_id).read()
                if record is not None:
                    out[session_id] = record
                continue
            left = self.recover(session_id)
            if left is not None:
                out[session_id] = left
        return out

    def _sweep_temp_locks(self) -> None:
        """A lock being made is flocked before it is named: one nobody holds was left by a
        crash."""
        try:
            names = [
                n for n in os.listdir(self.running) if n.startswith(".") and n.endswith(".tmp")
            ]
        except OSError:
            return
        for name in names:
            with contextlib.suppress(OSError):
                stale = SessionLock.claim(self.running / name)
                if stale is not None:
                    stale.release(remove=True)

    def recover(self, session_id: str) -> SessionRecord | None:
        """Move a dead session into its month file, interrupted.

        Returns the interrupted record when the disk refused the move (else None).
        """
        try:
            claimed = SessionLock.claim(self.running / f"{session_id}.lock")
        except FileNotFoundError:
            claimed = None
        except OSError as exc:
            self._months.cannot_tidy(exc)
            return self._as_interrupted(session_id)
        else:
            if claimed is None:
                return None  # it came alive meanwhile (a new process with that id)
        done = False
        try:
            with self._months.lock:
                self._move(self._run_file(session_id))
            done = True
        except (OSError, JournalError) as exc:
            self._months.cannot_tidy(exc)
            return self._as_interrupted(session_id)
        finally:
            if claimed is not None:
                with contextlib.suppress(OSError):
                    claimed.release(remove=done)
        return None

    def _move(self, run: RunningFile) -> None:
        """Under the write lock: the write-ahead file becomes an interrupted record."""
        if not run.exists():
            return
        record = run.read()
        if record is None and not self._months.codec.unlocked:
            self._move_sealed(run)
            return
        if record is None:
            notice = run.set_aside("holds no readable session")
            if notice is not None:
                self._months.notices.add(notice)
            return
        interrupted = dataclasses.replace(record, status=Status.INTERRUPTED)
        kept = self._months.find(month_of(interrupted), record.id)
        if kept is None or kept.status is Status.RUNNING:
            self._months.put(interrupted)  # else it had finished just before it died
            log.info("session %s had stopped without finishing; marked interrupted", record.id)
        run.remove()

    def _move_sealed(self, run: RunningFile) -> None:
        """Without the secret: the write-ahead entries go into the month file as they are."""
        doc = run.sealed_record()
        try:
            month = None if doc is None else month_of_time(doc["started_at"], run.session_id)
        except ValueError:
            month = None
        if doc is None or month is None:
            notice = run.set_aside("holds no readable session")
            if notice is not None:
                self._months.notices.add(notice)
            return
        kept = self._months.stored(month, run.session_id)
        if kept is None or kept.get("status") == Status.RUNNING.value:
            self._months.put_sealed(month, doc)  # else it had finished just before it died
            log.info("session %s had stopped without finishing; marked interrupted", doc["id"])
        run.remove()

    def _as_interrupted(self, session_id: str) -> SessionRecord | None:
        record = self._run_file(session_id).read()
        if record is None:
            return None
        return dataclasses.replace(record, status=Status.INTERRUPTED)
