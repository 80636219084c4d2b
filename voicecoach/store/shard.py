"""One month of the journal: a TinyDB file of finished sessions, and the record schema's history.

A shard is parsed only when its file changed and decoded into records only when a caller needs
whole records (listing and searching use the summary index instead, see ``index.py``).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Collection, MutableMapping
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from tinydb import TinyDB
from tinydb.table import Document

from voicecoach.errors import JournalError
from voicecoach.store.locks import WriteLock, display_path
from voicecoach.store.records import SCHEMA_VERSION, SessionRecord, Status
from voicecoach.store.storage import AtomicJSONStorage, Tables

log = logging.getLogger(__name__)

SESSIONS_TABLE = "sessions"
META_TABLE = "meta"

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


def newer_schema(name: str, schema: int) -> str:
    """The message for a file written by a later version."""
    return f"{name} was written by a newer voicecoach (schema {schema}); upgrade voicecoach"


def upgrade(doc: dict[str, Any], shard: str) -> dict[str, Any]:
    """Bring a stored record to SCHEMA_VERSION; JournalError when a newer voicecoach wrote it."""
    version = doc.get("schema", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ValueError("invalid schema")
    if version > SCHEMA_VERSION:
        raise JournalError(newer_schema(shard, version))
    while version < SCHEMA_VERSION:
        doc = MIGRATIONS[version](doc)
        version += 1
    return doc


def decode(doc: dict[str, Any], name: str) -> SessionRecord:
    """A stored document as a record; KeyError/ValueError/TypeError/AttributeError if unreadable."""
    return SessionRecord.from_record(upgrade(doc, name))


UNREADABLE = (KeyError, ValueError, TypeError, AttributeError)
"""What decoding a damaged record raises."""


def month_of(record: SessionRecord) -> str:
    """The shard a record lives in: the year and month of its local ``started_at``."""
    return month_of_time(record.started_at, record.id)


def month_of_time(started_at: str, session_id: str = "?") -> str:
    """ "YYYY-MM" of an ISO 8601 start time; ValueError naming the session when it is not one."""
    try:
        started = datetime.fromisoformat(started_at)
    except ValueError:
        raise ValueError(
            f"session {session_id}: started_at is not an ISO 8601 time: {started_at!r}"
        ) from None
    return f"{started.year:04d}-{started.month:02d}"


def _replacing(doc: dict[str, Any]) -> Callable[[MutableMapping[Any, Any]], None]:
    def replace(stored: MutableMapping[Any, Any]) -> None:
        stored.clear()
        stored.update(doc)

    return replace


class Shard:
    """One month's TinyDB file; its records are decoded on demand and kept until dropped.

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
        self._ids: dict[str, int] = {}
        self._records: dict[int, SessionRecord] | None = None

    @property
    def decoded(self) -> bool:
        """True while decoded records are held in memory."""
        return self._records is not None

    def records(self) -> list[SessionRecord]:
        """The shard's readable records, upgraded to the current schema."""
        return list(self._sync(decode=True).values())

    def find(self, session_id: str) -> SessionRecord | None:
        """The record with exactly this id, or None."""
        self._sync(decode=False)
        doc_id = self._ids.get(session_id)
        return None if doc_id is None else self._sync(decode=True).get(doc_id)

    def has(self, session_id: str) -> bool:
        """True when a document with this id is stored, readable or not."""
        self._sync(decode=False)
        return session_id in self._ids

    def put(self, record: SessionRecord) -> None:
        """Insert or replace the record with ``record.id`` in one atomic rewrite."""
        self._sync(decode=False)
        if self._schema < SCHEMA_VERSION:
            self._write(lambda: self._meta.upsert(Document({"schema": SCHEMA_VERSION}, 1)))
            self._schema = SCHEMA_VERSION
        doc = record.to_record()
        doc_id = self._ids.get(record.id)
        if doc_id is None:
            tables = self.storage.read()
            doc_id = max(map(int, tables.get(SESSIONS_TABLE, {})), default=0) + 1
            new = Document(doc, doc_id)
            in_step = self._write(lambda: self._sessions.insert(new))
        else:
            in_step = self._write(lambda: self._sessions.update(_replacing(doc), doc_ids=[doc_id]))
        if in_step:
            self._ids[record.id] = doc_id
            if self._records is not None:
                self._records[doc_id] = record

    def remove(self, session_ids: Collection[str]) -> list[str]:
        """Delete records for good, from the shard and from its ``.bak``; the ids removed."""
        self._sync(decode=False)
        doc_ids = {self._ids[sid]: sid for sid in session_ids if sid in self._ids}
        if not doc_ids:
            return []
        if self._write(lambda: self._sessions.remove(doc_ids=list(doc_ids))):
            for doc_id, sid in doc_ids.items():
                self._ids.pop(sid, None)
                if self._records is not None:
                    self._records.pop(doc_id, None)
        self.storage.forget_backup()
        return list(doc_ids.values())

    def mark_interrupted(self, session_id: str) -> SessionRecord | None:
        """Rewrite a still-running record as interrupted; the new record, or None if not running."""
        record = self.find(session_id)
        if record is None or record.status is not Status.RUNNING:
            return None
        record = dataclasses.replace(record, status=Status.INTERRUPTED)
        self.put(record)
        return record

    def drop(self) -> None:
        """Free the decoded records (and parsed file); they are decoded again when needed."""
        self._records = None
        self.storage.drop_cache()

    def _sync(self, *, decode: bool) -> dict[int, SessionRecord]:
        """Catch up with the file (one stat when it has not changed); decode if asked."""
        current = self._generation == self.storage.generation and self.storage.is_current()
        if current and (not decode or self._records is not None):
            return self._records or {}
        tables = self.storage.read()
        if self.storage.generation != self._generation:
            self._scan(tables)
        if decode and self._records is None:
            self._records = self._decode(tables)
            self.storage.drop_cache()  # the records hold it all; a write re-reads this one file
        return self._records or {}

    def _scan(self, tables: Tables) -> None:
        schemas = [doc.get("schema", 0) for doc in tables.get(META_TABLE, {}).values()]
        schema = max((s for s in schemas if isinstance(s, int)), default=0)
        if schema > SCHEMA_VERSION:
            raise JournalError(newer_schema(self.name, schema))
        ids: dict[str, int] = {}
        for key, doc in tables.get(SESSIONS_TABLE, {}).items():
            if isinstance(doc.get("id"), str):
                ids[doc["id"]] = int(key)
        self._schema, self._ids, self._records = schema, ids, None
        self._generation = self.storage.generation

    def _decode(self, tables: Tables) -> dict[int, SessionRecord]:
        records: dict[int, SessionRecord] = {}
        for key, doc in tables.get(SESSIONS_TABLE, {}).items():
            try:
                records[int(key)] = decode(doc, self.name)
            except UNREADABLE as exc:
                self._skip(int(key), exc)
        return records

    def _write(self, op: Callable[[], object]) -> bool:
        """Run one TinyDB write; True when the cached ids can be patched rather than redone."""
        before = self.storage.generation
        in_step = before == self._generation
        op()
        if in_step and self.storage.generation == before + 1:
            self._generation = self.storage.generation
            return True
        return False

    def _skip(self, doc_id: int, exc: Exception) -> None:
        line = (
            f"{self.name}: record {doc_id} cannot be read ({type(exc).__name__}); "
            "left in the file and skipped"
        )
        if line not in self._notices:
            self._notices.append(line)
            log.warning("%s", line)
