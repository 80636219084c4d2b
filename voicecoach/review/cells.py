"""Cells of the journal's tables as plain text (dates, search hits), for a pipe or a file:
nothing here imports Rich."""

from __future__ import annotations

from datetime import datetime

from voicecoach.store.summary import SearchHit

HIT_COLUMNS = ("id", "date", "#", "answer")
"""The columns of a search's table."""
HIT_RIGHT = frozenset({2})
"""The columns of a search's table set to the right (the answer's number)."""


def when(started_at: str) -> str:
    """ "2026-11-26 20:30" in the session's own local time."""
    try:
        return datetime.fromisoformat(started_at).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return started_at


def hit_cells(hit: SearchHit) -> tuple[str, str, str, str]:
    """A search hit's row: the session's id, its date, the answer's number and its text."""
    return hit.session.id, when(hit.session.started_at), str(hit.answer.turn), hit.answer.text
