"""The journal: one record per session, written as it happens, kept by month.

    journal/
      2026-11.json                  TinyDB file of the sessions started that month
      2026-11.json.bak              the previous good version of that shard
      2026-11.json.corrupt-<UTC>    a damaged file, set aside and never overwritten
      running/<id>.jsonl            session <id> while it runs: one line per save (write-ahead)
      running/<id>.lock             flocked by the process running session <id>
      index/2026-11.json            summaries of that month (derived; see index.py)
      audio/<id>/<n>.wav            answer audio, only when save_audio is on
      .write.lock                   flocked while any journal file is rewritten

``begin()`` starts the running file and takes the session lock; ``save()`` after each final
answer appends to that file only (one fdatasync), so its cost does not depend on the journal;
``finish()`` moves the record into its month's shard and lets the lock go. A session whose
process died is moved there marked ``interrupted`` when the journal is next opened or read.
Folders are 0700 and files 0600.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import os
import re
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType

from voicecoach.errors import JournalError
from voicecoach.store.index import INDEX_DIR, SummaryIndex
from voicecoach.store.locks import (
    DIR_MODE,
    FILE_MODE,
    WRITE_LOCK_NAME,
    SessionLock,
    WriteLock,
)
from voicecoach.store.records import SessionRecord, Status, Turn
from voicecoach.store.running import RunningFile, running_ids
from voicecoach.store.shard import (
    META_TABLE,
    MIGRATIONS,
    SESSIONS_TABLE,
    Migration,
    Shard,
    month_of,
    upgrade,
)
from voicecoach.store.summary import SearchHit, SessionSummary, order, summarize

__all__ = [
    "AUDIO_DIR",
    "META_TABLE",
    "MIGRATIONS",
    "SESSIONS_TABLE",
    "Journal",
    "Migration",
    "month_of",
    "upgrade",
]

log = logging.getLogger(__name__)

RUNNING_DIR = "running"
AUDIO_DIR = "audio"
DECODED_MONTHS = 12
"""Months whose decoded records stay in memory (the most recently used)."""
_MONTH = re.compile(r"\d{4}-\d{2}")
_SESSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


@dataclasses.dataclass
class _Held:
    """A session this object began and has not finished."""

    lock: SessionLock
    file: RunningFile
    month: str


class Journal:
    """Every session record under one folder; see the module docstring for the layout.

    One object may be shared by threads; several processes may open the same folder at once.
    """

    def __init__(self, folder: Path, *, lock_timeout: float = 10.0) -> None:
        """Open (create) ``folder`` and move sessions whose process died into their shard."""
        self.folder = Path(folder)
        """The journal folder, e.g. ``~/.local/share/voicecoach/journal``."""
        self.notices: list[str] = []
        """One line per damaged file set aside or record skipped; the CLI prints them."""
        self._running = self.folder / RUNNING_DIR
        self._open_folders()
        self._lock = WriteLock(self.folder / WRITE_LOCK_NAME, timeout=lock_timeout)
        self._index = SummaryIndex(self.folder / INDEX_DIR)
        self._shards: dict[str, Shard] = {}
        self._decoded: OrderedDict[str, None] = OrderedDict()
        self._runs: dict[str, RunningFile] = {}
        self._held: dict[str, _Held] = {}
        self._mutex = threading.RLock()
        with self._lock:
            self._remove_temp_files()
        for session_id in sorted(running_ids(self._running)):
            self._recover(session_id, None)

    # -- a running session ---------------------------------------------------------------------

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
            try:
                lock = SessionLock.take(self._running, record.id, month)
            except OSError as exc:
                raise JournalError(
                    f"cannot create {RUNNING_DIR}/{record.id}.lock: {exc.strerror}"
                ) from exc
            try:
                with self._lock:
                    run = self._run(record.id)
                    if run.exists():  # left by a dead process with the same id: keep it
                        self._move_to_shard(run)
                        raise JournalError(f"a session with id {record.id} is already kept")
                    if self._shard(month).has(record.id):
                        raise JournalError(f"a session with id {record.id} is already kept")
                    run.write(record)
            except BaseException:
                lock.release(remove=True)
                raise
            self._held[record.id] = _Held(lock, run, month)

    def save(self, record: SessionRecord) -> None:
        """Insert or replace the record with ``record.id``; durable when this returns.

        A session begun here is appended to its running file (one fdatasync, nothing else is
        rewritten). Any other record is written into the shard of ``record.started_at``'s month,
        so ``started_at`` must never change.
        """
        month = month_of(record)
        with self._mutex:
            held = self._held.get(record.id)
            if held is not None:
                if month != held.month:
                    raise ValueError(f"session {record.id}: started_at must not change")
                held.file.write(record)
                return
            with self._lock:
                self._put(self._shard(month), record)

    def finish(self, record: SessionRecord) -> None:
        """Store the ended record (completed or stopped) in its shard; the session lock goes."""
        if record.status is Status.RUNNING:
            raise ValueError("finish() needs the session's final status, not running")
        with self._mutex:
            held = self._held.get(record.id)
            if held is None:
                self.save(record)
                return
            if month_of(record) != held.month:
                raise ValueError(f"session {record.id}: started_at must not change")
            with self._lock:
                self._put(self._shard(held.month), record)
                held.file.remove()
            del self._held[record.id]
            held.lock.release(remove=True)

    # -- reading -------------------------------------------------------------------------------

    def summaries(self) -> list[SessionSummary]:
        """Every readable session in brief, oldest first; reads no word timings."""
        with self._mutex:
            found = self._all_summaries()
            stale = [
                s
                for s in found.values()
                if s.status is Status.RUNNING
                and s.id not in self._held
                and not self._live_run(s.id)
            ]
            if stale and any([self._recover(s.id, s.month) for s in stale]):
                found = self._all_summaries()
            return sorted(found.values(), key=order)

    def records(self) -> list[SessionRecord]:
        """Every readable record in full, oldest first (by ``started_at``, then id)."""
        return self.load(self.summaries())

    def load(self, summaries: Iterable[SessionSummary]) -> list[SessionRecord]:
        """The full records of these sessions, in the same order; any gone since are left out."""
        with self._mutex:
            out = []
            for summary in summaries:
                record = self._load(summary)
                if record is not None:
                    out.append(record)
            self._evict()
            return out

    def get(self, session_id: str) -> SessionRecord:
        """The record with this id, or with the only id starting with it."""
        with self._mutex:
            record = self._load(self.resolve(session_id))
            self._evict()
        if record is None:
            raise JournalError(f"session {session_id} was removed meanwhile")
        return record

    def resolve(self, session_id: str) -> SessionSummary:
        """The session with this id, or with the only id starting with it; else JournalError."""
        summaries = self.summaries()
        for summary in summaries:
            if summary.id == session_id:
                return summary
        matches = [s for s in summaries if session_id and s.id.startswith(session_id)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            shown = ", ".join(s.id for s in matches[:5]) + (", …" if len(matches) > 5 else "")
            raise JournalError(
                f"id {session_id} matches {len(matches)} sessions ({shown}); give more of it"
            )
        raise JournalError(f"no session with id {session_id}; see `voicecoach history`")

    def hits(self, text: str) -> list[SearchHit]:
        """Every answer containing ``text`` (case-insensitive), oldest first; "" finds none."""
        needle = text.casefold()
        if not needle.strip():
            return []
        return [
            SearchHit(summary, answer)
            for summary in self.summaries()
            for answer in summary.answers
            if needle in answer.text.casefold()
        ]

    def search(self, text: str) -> list[tuple[SessionRecord, Turn]]:
        """Like ``hits()``, with each hit's whole record and turn."""
        found = self.hits(text)
        records = {r.id: r for r in self.load({h.session.id: h.session for h in found}.values())}
        pairs = []
        for hit in found:
            record = records.get(hit.session.id)
            if record is not None and hit.answer.turn <= len(record.turns):
                pairs.append((record, record.turns[hit.answer.turn - 1]))
        return pairs

    # -- removing ------------------------------------------------------------------------------

    def delete(self, session_id: str) -> SessionRecord:
        """Remove a session for good (``get()`` rules for the id); returns what was removed."""
        with self._mutex:
            summary = self.resolve(session_id)
            record = self._load(summary)
            self.remove([summary])
        if record is None:
            raise JournalError(f"session {session_id} was removed meanwhile")
        return record

    def remove(self, sessions: Iterable[SessionSummary]) -> list[SessionSummary]:
        """Remove these sessions for good, with their audio; one rewrite per month touched.

        Refuses (removing nothing) when one of them is running in another process.
        """
        with self._mutex:
            chosen = {s.id: s for s in sessions}
            busy = [
                s.id
                for s in chosen.values()
                if s.status is Status.RUNNING and s.id not in self._held and self._live_run(s.id)
            ]
            if busy:
                raise JournalError(
                    f"session {busy[0]} is running in another process; stop it first"
                )
            by_month: dict[str, list[str]] = {}
            for summary in chosen.values():
                by_month.setdefault(summary.month, []).append(summary.id)
            with self._lock:
                for month, ids in by_month.items():
                    if (self.folder / f"{month}.json").exists():
                        shard = self._shard(month)
                        self._change(
                            shard, functools.partial(shard.remove, ids), dict.fromkeys(ids)
                        )
                for sid in chosen:
                    held = self._held.pop(sid, None)
                    if held is not None:
                        held.file.remove()
                        held.lock.release(remove=True)
                    self._remove_audio(sid)
            self._evict()
            return list(chosen.values())

    def damaged_copies(self) -> list[Path]:
        """Files set aside as damaged (``*.corrupt-*``); they may still hold old answers."""
        found = [p for folder in (self.folder, self._running) for p in folder.glob("*.corrupt-*")]
        return sorted(found)

    # -- closing -------------------------------------------------------------------------------

    def close(self) -> None:
        """Let go of every session lock still held; those sessions will count as interrupted."""
        with self._mutex:
            for held in self._held.values():
                held.lock.release(remove=False)  # the file keeps the month for cheap recovery
            self._held.clear()

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals -----------------------------------------------------------------------------

    def _open_folders(self) -> None:
        try:
            if self.folder.exists() and not self.folder.is_dir():
                raise JournalError(f"the journal folder {self.folder} is a file, not a folder")
            for folder in (self.folder, self._running, self.folder / INDEX_DIR):
                folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
                os.chmod(folder, DIR_MODE)
            for entry in os.scandir(self.folder):
                if entry.is_file(follow_symlinks=False) and entry.stat().st_mode & 0o077:
                    os.chmod(entry.path, FILE_MODE)
        except OSError as exc:
            raise JournalError(
                f"cannot open the journal folder {self.folder}: {exc.strerror or exc}"
            ) from exc

    def _remove_temp_files(self) -> None:
        """Under the write lock, any temp file in the folder is left over from a crash."""
        for folder in (self.folder, self.folder / INDEX_DIR):
            for path in folder.glob(".*.tmp"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
        for path in self._running.glob(".*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                stale = SessionLock.claim(path)  # a lock being made is flocked before it is
                if stale is not None:  # named, and a running file is written under our lock
                    stale.release(remove=True)

    def _shard(self, month: str) -> Shard:
        shard = self._shards.get(month)
        if shard is None:
            path = self.folder / f"{month}.json"
            shard = self._shards[month] = Shard(path, month, self._lock, self.notices)
        return shard

    def _run(self, session_id: str) -> RunningFile:
        run = self._runs.get(session_id)
        if run is None:
            run = self._runs[session_id] = RunningFile(self._running, session_id, self.notices)
        return run

    def _months(self) -> list[str]:
        try:
            names = sorted(os.listdir(self.folder))
        except OSError as exc:
            raise JournalError(
                f"cannot read the journal folder {self.folder}: {exc.strerror}"
            ) from exc
        return [n[:7] for n in names if n.endswith(".json") and _MONTH.fullmatch(n[:-5])]

    def _month_summaries(self, month: str) -> list[SessionSummary]:
        """From the index while it matches the shard; else read the shard and index it again."""
        shard = self._shard(month)
        found = self._index.load(month, shard.storage.on_disk())
        if found is not None:
            return found
        with self._lock:  # so that what is indexed is the shard as it is
            was_decoded = shard.decoded
            summaries = [summarize(r) for r in shard.records()]
            self._index.store(month, shard.storage.signature, summaries)
            if not was_decoded and month not in self._decoded:
                shard.drop()
        return summaries

    def _running_records(self) -> dict[str, SessionRecord]:
        """Records of sessions running now, here or in other processes."""
        ids = running_ids(self._running)
        for gone in set(self._runs) - ids - set(self._held):
            del self._runs[gone]
        records = {}
        for session_id in ids:
            record = self._run(session_id).read()
            if record is not None:
                records[session_id] = record
        return records

    def _all_summaries(self) -> dict[str, SessionSummary]:
        running = self._running_records()
        for session_id in [sid for sid in running if not self._live_run(sid)]:
            self._recover(session_id, None)  # its process died: into its shard, interrupted
            del running[session_id]
        found = {s.id: s for m in self._months() for s in self._month_summaries(m)}
        for session_id, record in running.items():
            kept = found.get(session_id)
            if kept is None or kept.status is Status.RUNNING:
                found[session_id] = summarize(record)
        return found

    def _live_run(self, session_id: str) -> bool:
        """True when a live process (maybe this one) holds the session's lock."""
        if session_id in self._held:
            return True
        try:
            claimed = SessionLock.claim(self._running / f"{session_id}.lock")
        except FileNotFoundError:
            return False
        if claimed is None:
            return True
        claimed.release(remove=False)
        return False

    def _load(self, summary: SessionSummary) -> SessionRecord | None:
        if summary.status is Status.RUNNING:
            run = self._runs.get(summary.id)
            record = run.read() if run is not None else None
            if record is not None:
                return record
        shard = self._shard(summary.month)
        record = shard.find(summary.id)
        self._decoded[summary.month] = None
        self._decoded.move_to_end(summary.month)
        return record

    def _evict(self) -> None:
        while len(self._decoded) > DECODED_MONTHS:
            month, _ = self._decoded.popitem(last=False)
            self._shard(month).drop()

    def _put(self, shard: Shard, record: SessionRecord) -> None:
        self._change(shard, lambda: shard.put(record), {record.id: record})

    def _change(
        self, shard: Shard, op: Callable[[], object], changes: Mapping[str, SessionRecord | None]
    ) -> None:
        """Under the write lock: change a shard, then bring its index entry up to date."""
        before = shard.storage.on_disk()
        indexed = [] if before is None else self._index.load(shard.month, before)
        op()
        if indexed is None:
            summaries = [summarize(r) for r in shard.records()]
        else:
            merged = {s.id: s for s in indexed}
            for session_id, record in changes.items():
                if record is None:
                    merged.pop(session_id, None)
                else:
                    merged[session_id] = summarize(record)
            summaries = list(merged.values())
        self._index.store(shard.month, shard.storage.signature, summaries)

    def _recover(self, session_id: str, month: str | None) -> bool:
        """Close a running session as interrupted unless a live process holds its lock."""
        try:
            claimed = SessionLock.claim(self._running / f"{session_id}.lock")
        except FileNotFoundError:
            claimed = None
        else:
            if claimed is None:
                return False  # its process is alive
            month = claimed.month() or month
        changed = done = False
        try:
            with self._lock:
                run = self._run(session_id)
                if run.exists():
                    changed = self._move_to_shard(run)
                else:
                    changed = self._interrupt_in_shard(session_id, month)
            done = True
        finally:
            if claimed is not None:
                claimed.release(remove=done)
            self._runs.pop(session_id, None)
        if changed:
            log.info("session %s had stopped without finishing; marked interrupted", session_id)
        return changed

    def _move_to_shard(self, run: RunningFile) -> bool:
        """Under the write lock: a dead session's running file becomes an interrupted record."""
        record = run.read()
        if record is None:
            run.set_aside("holds no readable session")
            return False
        shard = self._shard(month_of(record))
        kept = shard.find(record.id)
        changed = kept is None or kept.status is Status.RUNNING
        if changed:  # else the process died after finishing: the shard has the end already
            self._put(shard, dataclasses.replace(record, status=Status.INTERRUPTED))
        run.remove()
        return changed

    def _interrupt_in_shard(self, session_id: str, month: str | None) -> bool:
        """Under the write lock: a running record kept in a shard (older layout) is interrupted."""
        months = [month] if month and _MONTH.fullmatch(month) else []
        for m in months + self._months():
            if not (self.folder / f"{m}.json").exists():
                continue
            if any(s.id == session_id for s in self._month_summaries(m)):
                shard = self._shard(m)
                record = shard.find(session_id)
                if record is None or record.status is not Status.RUNNING:
                    return False
                self._put(shard, dataclasses.replace(record, status=Status.INTERRUPTED))
                return True
        return False

    def _remove_audio(self, session_id: str) -> None:
        folder = self.folder / AUDIO_DIR / session_id
        try:
            shutil.rmtree(folder)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise JournalError(
                f"cannot remove the audio of session {session_id}: {exc.strerror}"
            ) from exc
