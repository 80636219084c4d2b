"""The bytes of an index file: one JSON line (the header), then the plain parts' texts.

    {"format": 5, …, "parts": [{"ids": […], "codec": "plain",
                                "content": {"moods": […], "answers": [0, 5120],
                                            "fold": [5120, 4870]}}]}\\n
    <answers as UTF-8><fold as UTF-8>

A text of a plain part (``answers``, ``fold``) is stored after the header as raw UTF-8, and the
header holds ``[offset, size]`` in bytes from the end of the header's newline. Reading a month
for search then parses only the small header: the texts are searched as bytes and only the
lines that match are decoded. Sealed content (a string of ciphertext) stays in the header.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

TEXTS = ("answers", "fold")
"""The keys of a plain part's content stored after the header."""


@dataclass(frozen=True, slots=True)
class Text:
    """UTF-8 text lying in ``data[start:stop]`` (an index file read whole): searched where it
    lies, copied only when asked for."""

    data: bytes
    start: int
    stop: int

    @classmethod
    def of(cls, value: bytes) -> Text:
        """All of ``value``."""
        return cls(value, 0, len(value))

    def bytes(self) -> bytes:
        """The text on its own (a copy unless it is all of ``data``)."""
        if self.start == 0 and self.stop == len(self.data):
            return self.data
        return self.data[self.start : self.stop]

    def lines(self) -> int:
        """How many lines the text has (0 when it is empty), counted where it lies."""
        return self.data.count(b"\n", self.start, self.stop) + 1 if self else 0

    def __bool__(self) -> bool:
        return self.stop > self.start


def pack(doc: dict[str, Any]) -> bytes:
    """The file's bytes for ``doc``; a plain part's ``answers`` and ``fold`` given as bytes or
    ``Text`` go after the header (the values in ``doc`` are left as they are)."""
    tail: list[bytes] = []
    at = 0
    parts = []
    for part in doc["parts"]:
        content = part["content"]
        if isinstance(content, dict) and any(
            isinstance(content.get(k), bytes | Text) for k in TEXTS
        ):
            content = dict(content)
            for key in TEXTS:
                value = content[key]
                text = value.bytes() if isinstance(value, Text) else value
                content[key] = [at, len(text)]
                tail.append(text)
                at += len(text)
            part = {**part, "content": content}
        parts.append(part)
    header = json.dumps({**doc, "parts": parts}, separators=(",", ":")).encode()
    return b"".join([header, b"\n", *tail])


def unpack(raw: bytes) -> dict[str, Any]:
    """The header with each plain part's texts back as ``Text`` (no copy made).

    Raises ValueError when the bytes are not such a file (no header line, a text out of
    bounds); the caller rebuilds the index then."""
    end = raw.find(b"\n")
    if end < 0:
        raise ValueError("an index file has no header line")
    doc: dict[str, Any] = json.loads(raw[:end])
    base = end + 1
    for part in doc["parts"]:
        content = part["content"]
        if not isinstance(content, dict):
            continue
        for key in TEXTS:
            span = content.get(key)
            if isinstance(span, list):
                start, size = (int(x) for x in span)
                if start < 0 or size < 0 or base + start + size > len(raw):
                    raise ValueError("an index text lies outside its file")
                content[key] = Text(raw, base + start, base + start + size)
    return doc
