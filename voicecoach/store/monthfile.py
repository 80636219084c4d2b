"""The bytes of a month file: a TinyDB database written one record per line.

    {"meta": {"1": {"format": 2, "schema": 1}}, "sessions": {
    "1": {"id": "20261126-203000-ab12", "schema": 1, "topic": …, "codec": "plain", "content": …},
    "2": {"id": …},
    }}

(the last record line has no comma). The whole file is one JSON object, so stock TinyDB opens
it; each record is also one line, so a reader can stream the file, find one record by its id
without parsing the rest, and salvage every whole line of a damaged file. Files of format 1
(the whole database on one line) are read as they are; salvage finds their records by scanning.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from voicecoach.store.records import SCHEMA_VERSION
from voicecoach.store.stored import newer_schema

FORMAT = 2
"""Layout of a month file written by this code."""
SESSIONS_TABLE = "sessions"
META_TABLE = "meta"
_HEAD = b'{"meta": {"1": '
_OPEN = b', "sessions": {'
_TAIL = b"}}"
_TABLE_KEY = re.compile(r'"(\d+)"\s*:\s*\{')


@dataclass
class MonthRead:
    """What could be read from a month file's bytes."""

    docs: list[dict[str, Any]] = field(default_factory=list)
    """The stored documents (still sealed), in file order."""
    damage: str | None = None
    """Why the file is not whole (a few words), or None when every byte made sense."""
    lost: int = 0
    """Record lines that could not be read (format 2 only; unknown for format 1)."""
    old_format: bool = False
    """True for a format-1 file: it is rewritten in the current format when next written."""
    lines: dict[str, int] = field(default_factory=dict)
    """The line of the file (from 1) each record is on, by id (format 2 only)."""


def encode_month(docs: Iterable[dict[str, Any]]) -> bytes:
    """The month file holding ``docs`` (numbered from 1, in order)."""
    meta = json.dumps({"format": FORMAT, "schema": SCHEMA_VERSION})
    lines = [_HEAD + meta.encode() + b"}" + _OPEN]
    body = [
        f'"{n}": '.encode() + json.dumps(doc, ensure_ascii=False).encode("utf-8")
        for n, doc in enumerate(docs, start=1)
    ]
    lines.append(b",\n".join(body))
    return b"\n".join(lines).rstrip(b"\n") + b"\n" + _TAIL + b"\n"


def parse_month(raw: bytes, name: str) -> MonthRead:
    """Every stored document that can be read from ``raw``; never raises for damage.

    JournalError when a newer voicecoach wrote the file.
    """
    if not raw.strip():
        return MonthRead(damage="the file is empty")
    head = raw[: raw.find(b"\n")] if b"\n" in raw else raw
    if head.startswith(_HEAD) and head.endswith(b"}" + _OPEN):
        return _parse_lines(raw, name)
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return MonthRead(docs=_scan(raw), damage="not valid JSON", old_format=True)
    if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
        return MonthRead(damage="not a TinyDB database", old_format=True)
    _check_meta(data.get(META_TABLE, {}).values(), name)
    table = data.get(SESSIONS_TABLE, {})
    docs = [doc for _, doc in sorted(table.items(), key=_doc_order) if isinstance(doc, dict)]
    damage = None if len(docs) == len(table) else "a record in it is not a JSON object"
    return MonthRead(docs=docs, damage=damage, old_format=True)


def find_doc(raw: bytes, session_id: str) -> dict[str, Any] | None:
    """The stored document with this id, parsing only its line (format 2); else None."""
    if not raw.startswith(_HEAD):
        return None
    needle = b'{"id": ' + json.dumps(session_id).encode() + b","
    for line in raw.split(b"\n")[1:]:
        start = line.find(b": ")
        if start > 0 and line.startswith(needle, start + 2):
            doc = _line_doc(line)
            if doc is not None:
                return doc
    return None


def _parse_lines(raw: bytes, name: str) -> MonthRead:
    lines = raw.split(b"\n")
    head, body = lines[0], lines[1:]
    damage = None
    try:
        framed = head.endswith(b"}" + _OPEN)
        meta = json.loads(head[len(_HEAD) : -len(_OPEN) - 1]) if framed else None
    except ValueError:
        meta = None
    if not isinstance(meta, dict):
        damage = "its first line is damaged"
    else:
        _check_meta([meta], name)
    while body and not body[-1].strip():
        body.pop()
    if not body or body[-1] != _TAIL:
        damage = damage or "it was cut short"
    else:
        body.pop()
    out = MonthRead(damage=damage)
    for n, line in enumerate(body, start=1):
        doc = _line_doc(line)
        if doc is None or (not line.endswith(b",") and n != len(body)):
            out.lost += doc is None
            out.damage = out.damage or "a record line in it is damaged"
        if doc is not None:
            out.docs.append(doc)
            if isinstance(doc.get("id"), str):
                out.lines[doc["id"]] = n + 1
    return out


def _line_doc(line: bytes) -> dict[str, Any] | None:
    """The document on one record line (``"n": {…},``), or None when the line is damaged."""
    try:
        item = json.loads(b"{" + line.rstrip().rstrip(b",") + b"}")
    except (ValueError, RecursionError):
        return None
    if not isinstance(item, dict) or len(item) != 1:
        return None
    key, doc = next(iter(item.items()))
    return doc if key.isdecimal() and isinstance(doc, dict) else None


def _scan(raw: bytes) -> list[dict[str, Any]]:
    """Salvage from a damaged format-1 file: every ``"n": {…}`` that decodes on its own."""
    text = raw.decode("utf-8", errors="replace")
    decoder = json.JSONDecoder()
    docs, end = [], 0
    for match in _TABLE_KEY.finditer(text):
        if match.start() < end:
            continue
        try:
            doc, stop = decoder.raw_decode(text, match.end() - 1)
        except (ValueError, RecursionError):
            continue
        if isinstance(doc, dict) and isinstance(doc.get("id"), str):
            docs.append(doc)
            end = stop
    return docs


def _check_meta(metas: Iterable[Any], name: str) -> None:
    for meta in metas:
        if not isinstance(meta, dict):
            continue
        for key, known, what in (
            ("format", FORMAT, "file format"),
            ("schema", SCHEMA_VERSION, "record schema"),
        ):
            value = meta.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value > known:
                raise newer_schema(name, value, known=known, what=what)


def _doc_order(item: tuple[str, Any]) -> int:
    return int(item[0]) if item[0].isdecimal() else 0
