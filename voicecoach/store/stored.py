"""A session record as it is kept on disk: plain listing metadata beside one sealed content blob.

    {"id": …, "schema": 1, "topic": …, "started_at": …, "ended_at": …, "status": …,
     "codec": "plain", "content": {"engine": …, "turns": […], "mood_before": …, …}}

Everything the person said or felt (answers, words, moods, the coach's lines that echo them,
the safety flag) is in ``content`` and goes through the codec; the rest is what a listing shows.
Records written before this layout (every field at the top level, no ``codec``) are read as
they are and written in this layout the next time their month is rewritten.

A session whose process died is filed by whoever finds it, which may be a process without the
secret (a speaker recording unattended): its write-ahead entries then go into the month file as
they are, each still sealed, in place of ``content``:

    {"id": …, "schema": 1, …, "status": "interrupted", "entries": [{"n": 0, …}, …]}

and are replayed like the write-ahead file whenever the record is read; the next rewrite of the
month by a process that can unseal stores it with one ``content`` again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from voicecoach.errors import JournalError
from voicecoach.store.codec import PLAIN, Codec, DamagedContent, JournalLocked, codec_named
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


def what_is_wrong(exc: BaseException, session_id: object = None) -> str:
    """Why a stored record cannot be decoded (one of ``UNREADABLE``, or a JournalError), in a
    few words that hold nothing the person said: a DamagedContent or JournalError message as it
    is (without the session it names), else what kind of fault it is."""
    if isinstance(exc, DamagedContent | JournalError):
        return str(exc).removeprefix(f"session {session_id}: ")
    if isinstance(exc, KeyError) and exc.args:
        return f"the field {exc.args[0]!r} is missing"
    if isinstance(exc, RecursionError):
        return "it is nested too deeply"
    if isinstance(exc, ValueError):
        return "a field holds a value that is not valid"
    return "a field holds the wrong kind of value"


class NewerJournal(JournalError):
    """A file or record written by a later voicecoach; never read around, never rewritten."""


def newer_schema(
    name: str, schema: int, *, known: int = SCHEMA_VERSION, what: str = ""
) -> NewerJournal:
    """The error for a file or record ``name`` written by a later version: its ``what``
    (``"file format"``, else the records' schema) is ``schema``, past the ``known`` one."""
    kind = what or "record schema"
    return NewerJournal(
        f"{name} was written by a newer voicecoach: its {kind} is {schema}, and this one reads "
        f"up to {known}; upgrade voicecoach to read it"
    )


def upgrade(doc: dict[str, Any], name: str) -> dict[str, Any]:
    """Bring a flat record to SCHEMA_VERSION; JournalError when a newer voicecoach wrote it."""
    version = doc.get("schema", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise DamagedContent("its schema is not a version number")
    if version > SCHEMA_VERSION:
        raise newer_schema(name, version)
    while version < SCHEMA_VERSION:
        doc = MIGRATIONS[version](doc)
        version += 1
    return doc


def flat(doc: dict[str, Any], name: str = "the journal") -> dict[str, Any]:
    """The record's fields in one dict (content unsealed); ValueError/JournalError if unreadable."""
    if "entries" in doc:
        entries = doc["entries"]
        if not isinstance(entries, list):
            raise DamagedContent("its entries are not a list")
        replayed = replay(entries, doc["id"], name)
        if replayed is None:
            raise DamagedContent("none of its entries can be read")
        content = replayed[0]
    elif "codec" not in doc:
        return doc
    else:
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
        raise DamagedContent("it is not a JSON object")
    record = SessionRecord.from_record(upgrade(flat(doc, name), name))
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
        raise DamagedContent(
            f"session {session_id}: started_at is not an ISO 8601 time: {started_at!r}"
        ) from None
    return f"{started.year:04d}-{started.month:02d}"


def replay(
    entries: list[Any], session_id: str, name: str
) -> tuple[dict[str, Any], SessionRecord] | None:
    """The flat record the last whole entry of a write-ahead file leaves (and it decoded),
    or None.

    Entries are applied in order; one that is damaged, or needs turns the entries before it no
    longer hold, is skipped, so the last save that reads back whole is what survives. An entry
    of the older layout (no ``content``: a whole record) replaces everything before it.
    JournalLocked when the entries are sealed with a codec whose secret is not here.
    """
    state: dict[str, Any] | None = None
    last: SessionRecord | None = None
    for entry in entries:
        try:
            if not isinstance(entry, dict):
                continue
            old = "content" not in entry
            candidate = upgrade(entry, name) if old else _apply(state, entry)
            record = decode(candidate, name)
        except JournalLocked:
            raise
        except (*UNREADABLE, JournalError):
            continue  # cut short by a crash, damaged, or needing a line that was lost
        if record.id == session_id:
            state, last = candidate, record
    return None if state is None or last is None else (state, last)


def _apply(state: dict[str, Any] | None, entry: dict[str, Any]) -> dict[str, Any]:
    """The flat record after one entry; ValueError when the entry needs turns not held."""
    content = codec_named(entry["codec"]).unseal(entry["content"])
    start, count = int(content["from"]), int(content["count"])
    turns = list(state["turns"]) if state is not None else []
    if start > len(turns):
        raise ValueError("the entry continues turns this file does not hold")
    turns = turns[:start] + list(content["turns"])
    if len(turns) != count:
        raise ValueError("the entry's turns do not add up")
    doc = dict(content["fields"])
    doc.update(entry["meta"])
    doc["id"] = entry["id"]
    doc["turns"] = turns
    return doc
