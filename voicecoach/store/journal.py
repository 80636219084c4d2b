"""The journal: one record per session, written as it happens, sharded by month.

    journal/
      2026-11.json                  TinyDB file for sessions started that month ("sessions", "meta")
      2026-11.json.bak              the previous good version of that shard
      2026-11.json.corrupt-<UTC>    a damaged shard, set aside and never overwritten
      running/<id>.lock             flocked by the process running session <id>
      .write.lock                   flocked while any shard is rewritten

``begin()`` stores a running record and takes its session lock, ``save()`` after each final
answer rewrites only that month's shard, ``finish()`` stores the end and lets the lock go. A
record left ``running`` by a process that died is marked ``interrupted`` when the journal is
next opened. Folders are 0700 and files 0600.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import re
import threading
from collections.abc import Callable, MutableMapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, cast

from tinydb import TinyDB
from tinydb.table import Document

from voicecoach.errors import JournalError
from voicecoach.store.locks import (
    DIR_MODE,
    FILE_MODE,
    WRITE_LOCK_NAME,
    SessionLock,
    WriteLock,
    display_path,
)
from voicecoach.store.records import SCHEMA_VERSION, SessionRecord, Status, Turn
from voicecoach.store.storage import AtomicJSONStorage, Tables

log = logging.getLogger(__name__)

SESSIONS_TABLE = "sessions"
META_TABLE = "meta"
RUNNING_DIR = "running"
_MONTH = re.compile(r"\d{4}-\d{2}")
_SESSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")

Migration = Callable[[dict[str, Any]], dict[str, Any]]
"""Turns a stored record of schema n into one of schema n + 1, without mutating its input."""


def _schema0_to_1(doc: dict[str, Any]) -> dict[str, Any]:
    """Schema 0 records had no "schema" key, no turn events/coach lines, moods or safety flag."""
    new = {
        "mood_before": None,
        "mood_after": None,
        "safety_flag": False,
        "opening_lines": [],
        "closing_lines": [],
        **doc,
    }
    new["turns"] = [{"events": [], "coach_lines": [], **turn} for turn in doc.get("turns", [])]
    new["schema"] = 1
    return new


MIGRATIONS: dict[int, Migration] = {0: _schema0_to_1}
"""``MIGRATIONS[n]`` upgrades a schema-n record to n + 1; applied in turn when records are read."""


def _newer(shard: str, schema: int) -> str:
    return f"{shard} was written by a newer voicecoach (schema {schema}); upgrade voicecoach"


def upgrade(doc: dict[str, Any], shard: str) -> dict[str, Any]:
    """Bring a stored record to SCHEMA_VERSION; JournalError when a newer voicecoach wrote it."""
    version = doc.get("schema", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ValueError("invalid schema")
    if version > SCHEMA_VERSION:
        raise JournalError(_newer(shard, version))
    while version < SCHEMA_VERSION:
        doc = MIGRATIONS[version](doc)
        version += 1
    return doc


def month_of(record: SessionRecord) -> str:
    """The shard a record lives in: the year and month of its local ``started_at``."""
    try:
        started = datetime.fromisoformat(record.started_at)
    except ValueError:
        raise ValueError(
            f"session {record.id}: started_at is not an ISO 8601 time: {record.started_at!r}"
        ) from None
    return f"{started.year:04d}-{started.month:02d}"


def _order(record: SessionRecord) -> tuple[float, str]:
    try:
        return datetime.fromisoformat(record.started_at).timestamp(), record.id
    except ValueError:
        return float("inf"), record.id


def _replacing(doc: dict[str, Any]) -> Callable[[MutableMapping[Any, Any]], None]:
    def replace(stored: MutableMapping[Any, Any]) -> None:
        stored.clear()
        stored.update(doc)

    return replace


class Shard:
    """One month's TinyDB file and its decoded records, re-decoded only when the file changed.

    Methods that write expect the caller to hold the journal's write lock.
    """

    def __init__(self, path: Path, month: str, lock: WriteLock, notices: list[str]) -> None:
        self.month = month
        """"YYYY-MM"."""
        self.name = display_path(path)
        """How messages name the file."""
        self.db = TinyDB(path, storage=AtomicJSONStorage, lock=lock, notices=notices)
        self.storage = cast(AtomicJSONStorage, self.db.storage)
        self._sessions = self.db.table(SESSIONS_TABLE, cache_size=0)
        self._meta = self.db.table(META_TABLE, cache_size=0)
        self._notices = notices
        self._generation = -1
        self._schema = 0
        self._records: dict[int, SessionRecord] = {}
        self._ids: dict[str, int] = {}

    def records(self) -> list[SessionRecord]:
        """The shard's readable records, upgraded to the current schema."""
        self._refresh()
        return list(self._records.values())

    def find(self, session_id: str) -> SessionRecord | None:
        """The record with exactly this id, or None."""
        self._refresh()
        doc_id = self._ids.get(session_id)
        return None if doc_id is None else self._records.get(doc_id)

    def put(self, record: SessionRecord) -> None:
        """Insert or replace the record with ``record.id`` in one atomic rewrite."""
        tables = self._refresh()
        if self._schema < SCHEMA_VERSION:
            self._write(lambda: self._meta.upsert(Document({"schema": SCHEMA_VERSION}, 1)))
            self._schema = SCHEMA_VERSION
        doc = record.to_record()
        doc_id = self._ids.get(record.id)
        if doc_id is None:
            doc_id = max(map(int, tables.get(SESSIONS_TABLE, {})), default=0) + 1
            new = Document(doc, doc_id)
            in_step = self._write(lambda: self._sessions.insert(new))
        else:
            in_step = self._write(lambda: self._sessions.update(_replacing(doc), doc_ids=[doc_id]))
        if in_step:
            self._records[doc_id] = record
            self._ids[record.id] = doc_id

    def remove(self, session_id: str) -> None:
        """Delete the record for good: from the shard and from its ``.bak``."""
        self._refresh()
        doc_id = self._ids.get(session_id)
        if doc_id is None:
            return
        if self._write(lambda: self._sessions.remove(doc_ids=[doc_id])):
            self._records.pop(doc_id, None)
            self._ids.pop(session_id, None)
        self.storage.forget_backup()

    def mark_interrupted(self, session_id: str) -> bool:
        """Rewrite a still-running record as interrupted; False when it is not running (now)."""
        record = self.find(session_id)
        if record is None or record.status is not Status.RUNNING:
            return False
        self.put(dataclasses.replace(record, status=Status.INTERRUPTED))
        return True

    def _refresh(self) -> Tables:
        tables = self.storage.read()
        if self.storage.generation != self._generation:
            self._decode(tables)
        return tables

    def _decode(self, tables: Tables) -> None:
        schemas = [doc.get("schema", 0) for doc in tables.get(META_TABLE, {}).values()]
        schema = max((s for s in schemas if isinstance(s, int)), default=0)
        if schema > SCHEMA_VERSION:
            raise JournalError(_newer(self.name, schema))
        records: dict[int, SessionRecord] = {}
        ids: dict[str, int] = {}
        for key, doc in tables.get(SESSIONS_TABLE, {}).items():
            doc_id = int(key)
            if isinstance(doc.get("id"), str):
                ids[doc["id"]] = doc_id
            try:
                records[doc_id] = SessionRecord.from_record(upgrade(doc, self.name))
            except (KeyError, ValueError, TypeError, AttributeError) as exc:
                self._skip(doc_id, exc)
        self._schema, self._records, self._ids = schema, records, ids
        self._generation = self.storage.generation
        self.storage.drop_cache()  # the records hold it all; a write re-reads this one file

    def _write(self, op: Callable[[], object]) -> bool:
        """Run one TinyDB write; True when the decoded cache can be patched rather than redone."""
        before = self.storage.generation
        in_step = before == self._generation
        op()
        if in_step and self.storage.generation == before + 1:
            self._generation = self.storage.generation
            return True
        return False

    def _skip(self, doc_id: int, exc: Exception) -> None:
        line = (f"{self.name}: record {doc_id} cannot be read ({type(exc).__name__}); "
                "left in the file and skipped")
        if line not in self._notices:
            self._notices.append(line)
            log.warning("%s", line)


class Journal:
    """Every session record under one folder; see the module docstring for the layout.

    One object may be shared by threads; several processes may open the same folder at once.
    """

    def __init__(self, folder: Path, *, lock_timeout: float = 10.0) -> None:
        """Open (create) ``folder`` and mark sessions whose process died as interrupted."""
        self.folder = Path(folder)
        """The journal folder, e.g. ``~/.local/share/voicecoach/journal``."""
        self.notices: list[str] = []
        """One line per damaged file set aside or record skipped; the CLI prints them."""
        self._running = self.folder / RUNNING_DIR
        self._open_folders()
        self._lock = WriteLock(self.folder / WRITE_LOCK_NAME, timeout=lock_timeout)
        self._shards: dict[str, Shard] = {}
        self._held: dict[str, SessionLock] = {}
        self._mutex = threading.RLock()
        with self._lock:
            self._remove_temp_files()
        for path in sorted(self._running.glob("*.lock")):
            self._recover(path.stem, None)

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
                    shard = self._shard(month)
                    if shard.find(record.id) is not None:
                        raise JournalError(f"a session with id {record.id} is already kept")
                    shard.put(record)
            except BaseException:
                lock.release(remove=True)
                raise
            self._held[record.id] = lock

    def save(self, record: SessionRecord) -> None:
        """Insert or replace the record with ``record.id``; durable when this returns.

        Only ``record.started_at``'s month is rewritten, so ``started_at`` must never change.
        """
        month = month_of(record)
        with self._mutex, self._lock:
            self._shard(month).put(record)

    def finish(self, record: SessionRecord) -> None:
        """Save the ended record (completed or stopped) and let its session lock go."""
        if record.status is Status.RUNNING:
            raise ValueError("finish() needs the session's final status, not running")
        with self._mutex:
            self.save(record)
            lock = self._held.pop(record.id, None)
            if lock is not None:
                lock.release(remove=True)

    def get(self, session_id: str) -> SessionRecord:
        """The record with this id, or with the only id starting with it."""
        records = self.records()
        for record in records:
            if record.id == session_id:
                return record
        matches = [r.id for r in records if session_id and r.id.startswith(session_id)]
        if len(matches) == 1:
            return next(r for r in records if r.id == matches[0])
        if matches:
            shown = ", ".join(matches[:5]) + (", …" if len(matches) > 5 else "")
            raise JournalError(
                f"id {session_id} matches {len(matches)} sessions ({shown}); give more of it"
            )
        raise JournalError(f"no session with id {session_id}; see `voicecoach history`")

    def records(self) -> list[SessionRecord]:
        """Every readable record, oldest first (by ``started_at``, then id)."""
        with self._mutex:
            found = self._collect()
            stale = [(m, r.id) for m, r in found
                     if r.status is Status.RUNNING and r.id not in self._held]
            if stale and any([self._recover(sid, month) for month, sid in stale]):
                found = self._collect()
            return sorted((r for _, r in found), key=_order)

    def search(self, text: str) -> list[tuple[SessionRecord, Turn]]:
        """Every answer containing ``text`` (case-insensitive), oldest first; "" finds none."""
        needle = text.casefold()
        if not needle.strip():
            return []
        return [
            (record, turn)
            for record in self.records()
            for turn in record.turns
            if turn.answer is not None and needle in turn.answer.text.casefold()
        ]

    def delete(self, session_id: str) -> SessionRecord:
        """Remove a session for good (``get()`` rules for the id); returns what was removed."""
        with self._mutex:
            record = self.get(session_id)
            if record.status is Status.RUNNING and record.id not in self._held:
                raise JournalError(
                    f"session {record.id} is running in another process; stop it first"
                )
            with self._lock:
                self._shard(month_of(record)).remove(record.id)
            lock = self._held.pop(record.id, None)
            if lock is not None:
                lock.release(remove=True)
            return record

    def close(self) -> None:
        """Let go of every session lock still held; those sessions will count as interrupted."""
        with self._mutex:
            for lock in self._held.values():
                lock.release(remove=False)  # the file keeps the month for cheap recovery
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
            for folder in (self.folder, self._running):
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
        for path in self.folder.glob(".*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
        for path in self._running.glob(".*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                stale = SessionLock.claim(path)
                if stale is not None:
                    stale.release(remove=True)

    def _shard(self, month: str) -> Shard:
        shard = self._shards.get(month)
        if shard is None:
            path = self.folder / f"{month}.json"
            shard = self._shards[month] = Shard(path, month, self._lock, self.notices)
        return shard

    def _months(self) -> list[str]:
        try:
            names = sorted(os.listdir(self.folder))
        except OSError as exc:
            raise JournalError(
                f"cannot read the journal folder {self.folder}: {exc.strerror}"
            ) from exc
        return [n[:7] for n in names if n.endswith(".json") and _MONTH.fullmatch(n[:-5])]

    def _collect(self) -> list[tuple[str, SessionRecord]]:
        return [(m, r) for m in self._months() for r in self._shard(m).records()]

    def _recover(self, session_id: str, month: str | None) -> bool:
        """Mark a running session interrupted unless a live process holds its lock."""
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
                shards = [self._shard(month)] if month and _MONTH.fullmatch(month) else []
                for shard in shards + [self._shard(m) for m in self._months()]:
                    if shard.find(session_id) is not None:
                        changed = shard.mark_interrupted(session_id)
                        break
            done = True
        finally:
            if claimed is not None:
                claimed.release(remove=done)
        if changed:
            log.info("session %s had stopped without finishing; marked interrupted", session_id)
        return changed
