"""A session record as it is kept on disk: plain listing metadata beside one sealed content blob.

    {"id": …, "schema": 1, "topic": …, "started_at": …, "ended_at": …, "status": …,
     "codec": "plain", "content": {"engine": …, "turns": […], "mood_before": …, …}}

Everything the person said or felt (answers, words, moods, the coach's lines that echo them,
the safety flag) is in ``content`` and goes through the codec; the rest is what a listing shows.
Records written before this layout (every field at the top level, no ``codec``) are read as
they are and written in this layout the next time their month is rewritten.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from voicecoach.errors import JournalError
from voicecoach.store.codec import PLAIN, Codec, codec_named
from voicecoach.store.records import SCHEMA_VERSION, SessionRecord

META_KEYS = ("id", "schema", "topic", "started_at", "ended_at", "status")
"""Top-level keys readable without the codec, in the order they are written."""

Migration = Callable[[dict[str, Any]], dict[str, Any]]
"""Turns a flat record of schema n into one of schema n + 1, without mutating its input."""


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

UNREADABLE = (KeyError, ValueError, TypeError, AttributeError, RecursionError)
"""What decoding a damaged record raises."""


class NewerJournal(JournalError):
    """A file or record written by a later voicecoach; never read around, never rewritten."""


def newer_schema(name: str, schema: int) -> NewerJournal:
    """The error for a file written by a later version."""
    return NewerJournal(
        f"{name} was written by a newer voicecoach (schema {schema}); upgrade voicecoach"
    )


def upgrade(doc: dict[str, Any], name: str) -> dict[str, Any]:
    """Bring a flat record to SCHEMA_VERSION; JournalError when a newer voicecoach wrote it."""
    version = doc.get("schema", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ValueError("invalid schema")
    if version > SCHEMA_VERSION:
        raise newer_schema(name, version)
    while version < SCHEMA_VERSION:
        doc = MIGRATIONS[version](doc)
        version += 1
    return doc


def flat(doc: dict[str, Any]) -> dict[str, Any]:
    """The record's fields in one dict (content unsealed); ValueError/JournalError if unreadable."""
    if "codec" not in doc:
        return doc
    content = codec_named(doc["codec"]).unseal(doc["content"])
    out = {k: v for k, v in content.items() if k not in META_KEYS}
    out.update({k: doc[k] for k in META_KEYS if k in doc})
    return out


def decode(doc: Any, name: str) -> SessionRecord:
    """A stored document as a record; one of ``UNREADABLE`` if it is damaged.

    ``started_at`` must be an ISO 8601 time (the record's month and order depend on it).
    JournalError when a newer voicecoach wrote it or its codec is not available.
    """
    if not isinstance(doc, dict):
        raise TypeError("a record is not a JSON object")
    record = SessionRecord.from_record(upgrade(flat(doc), name))
    month_of(record)
    return record


def encode(record: SessionRecord, codec: Codec = PLAIN) -> dict[str, Any]:
    """The stored document: listing metadata, then the content sealed by ``codec``."""
    every = record.to_record()
    stored = {k: every.pop(k) for k in META_KEYS}
    stored["codec"] = codec.name
    stored["content"] = codec.seal(every)
    return stored


def month_of(record: SessionRecord) -> str:
    """The month file a record lives in: the year and month of its local ``started_at``."""
    return month_of_time(record.started_at, record.id)


def month_of_time(started_at: str, session_id: str = "?") -> str:
    """ "YYYY-MM" of an ISO 8601 start time; ValueError naming the session when it is not one."""
    try:
        started = datetime.fromisoformat(started_at)
    except (ValueError, TypeError):
        raise ValueError(
            f"session {session_id}: started_at is not an ISO 8601 time: {started_at!r}"
        ) from None
    return f"{started.year:04d}-{started.month:02d}"
