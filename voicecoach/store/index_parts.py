"""The pieces of an index file's sealed parts that need no index object: a provisional
listing row from a stored record's plain metadata, and a part's content checked and several
parts joined into one (see ``index.py`` for the layout)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from voicecoach.store.index_file import Text
from voicecoach.store.records import Status

NO_MOODS = (None, None, False, 0.0, 0)
"""The moods of a session whose content is not at hand."""

_STATUSES = {s.value for s in Status}


def row_of(doc: dict[str, Any]) -> list[Any] | None:
    """A provisional listing row from a stored document's plain metadata; None if damaged."""
    sid, topic, started, ended, status = (doc.get(k) for k in _ROW_KEYS)
    if not (isinstance(sid, str) and isinstance(started, str) and status in _STATUSES):
        return None
    length = None
    try:
        if isinstance(ended, str):
            span = datetime.fromisoformat(ended) - datetime.fromisoformat(started)
            length = max(0.0, span.total_seconds())
    except (ValueError, TypeError):
        length = None
    return [sid, str(topic), started, ended if isinstance(ended, str) else None, status, length, 0]


_ROW_KEYS = ("id", "topic", "started_at", "ended_at", "status")


def checked(content: dict[str, Any], count: int) -> tuple[list[list[Any]], Text, Text]:
    """A part's moods, answers and folded text (UTF-8: where a plain part's lie in its file,
    or encoded from the strings of a sealed one); ValueError when they do not fit together.

    The two texts' line counts are compared where they are read whole (``MonthEntry``), not
    here: search reads only the lines it needs."""
    moods = content["moods"]
    answers, folded = _utf8(content["answers"]), _utf8(content["fold"])
    if not (isinstance(moods, list) and len(moods) == count):
        raise ValueError("the listing does not match the moods")
    if bool(answers) != bool(folded):
        raise ValueError("the folded text does not match the answers")
    for mood in moods:
        if not (isinstance(mood, list) and len(mood) == 5):
            raise ValueError("a mood row is damaged")
    return moods, answers, folded


def _utf8(text: object) -> Text:
    if isinstance(text, Text):
        return text
    if isinstance(text, bytes | str):
        return Text.of(text if isinstance(text, bytes) else text.encode())
    raise ValueError("the answers are not text")


def merged(
    ids: list[str], parts: list[dict[str, Any]], contents: list[dict[str, Any]]
) -> tuple[list[list[Any]], Text, Text]:
    """Several parts as one: each answer line renumbered to its session's row."""
    at = {sid: n for n, sid in enumerate(ids)}
    moods = [list(NO_MOODS) for _ in ids]
    said: list[bytes] = []
    folds: list[bytes] = []
    for part, content in zip(parts, contents, strict=True):
        names = part["ids"]
        part_moods, texts, folds_of = checked(content, len(names))
        answers, folded = texts.bytes(), folds_of.bytes()
        for k, sid in enumerate(names):
            if sid in at:
                moods[at[sid]] = part_moods[k]
        if not answers:
            continue
        for line, line_fold in zip(answers.split(b"\n"), folded.split(b"\n"), strict=True):
            cut = line.index(b",")
            sid = names[int(line[1:cut])]
            if sid in at:
                said.append(b"[%d%s" % (at[sid], line[cut:]))
                folds.append(line_fold)
    return moods, Text.of(b"\n".join(said)), Text.of(b"\n".join(folds))
