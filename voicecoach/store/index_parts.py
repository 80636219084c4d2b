"""The pieces of an index file's sealed parts that need no index object: a provisional
listing row from a stored record's plain metadata, and a part's content checked and several
parts joined into one (see ``index.py`` for the layout)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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


def checked(content: dict[str, Any], count: int) -> tuple[list[list[Any]], str, str]:
    """A part's moods, answers and folded text; ValueError when they do not fit together."""
    moods, answers, folded = content["moods"], content["answers"], content["fold"]
    if not (isinstance(moods, list) and len(moods) == count):
        raise ValueError("the listing does not match the moods")
    if not (isinstance(answers, str) and isinstance(folded, str)):
        raise ValueError("the answers are not text")
    if answers.count("\n") != folded.count("\n") or bool(answers) != bool(folded):
        raise ValueError("the folded text does not match the answers")
    for mood in moods:
        if not (isinstance(mood, list) and len(mood) == 5):
            raise ValueError("a mood row is damaged")
    return moods, answers, folded


def merged(
    ids: list[str], parts: list[dict[str, Any]], contents: list[dict[str, Any]]
) -> tuple[list[list[Any]], str, str]:
    """Several parts as one: each answer line renumbered to its session's row."""
    at = {sid: n for n, sid in enumerate(ids)}
    moods = [list(NO_MOODS) for _ in ids]
    said: list[str] = []
    folds: list[str] = []
    for part, content in zip(parts, contents, strict=True):
        names = part["ids"]
        part_moods, answers, folded = checked(content, len(names))
        for k, sid in enumerate(names):
            if sid in at:
                moods[at[sid]] = part_moods[k]
        if not answers:
            continue
        for line, line_fold in zip(answers.split("\n"), folded.split("\n"), strict=True):
            cut = line.index(",")
            sid = names[int(line[1:cut])]
            if sid in at:
                said.append(f"[{at[sid]}{line[cut:]}")
                folds.append(line_fold)
    return moods, "\n".join(said), "\n".join(folds)
