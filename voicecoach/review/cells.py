"""Cells of the journal's tables as plain text (dates, search hits), for a pipe or a file:
nothing here imports Rich."""

from __future__ import annotations

from datetime import datetime

from voicecoach.store.records import Status
from voicecoach.store.summary import SearchHit, SessionSummary

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


def duration(seconds: float | None) -> str:
    """ "6 min", "45 s" or "—"."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"


def mood(before: int | None, after: int | None) -> str:
    """ "4→7", "4→?", "?→7" or "—"."""
    if before is None and after is None:
        return "—"
    return f"{'?' if before is None else before}→{'?' if after is None else after}"


def counted(n: int, word: str, many: str | None = None) -> str:
    """``"1 step"``, ``"3 steps"``; ``many`` for a plural that is not ``word`` + s
    (``counted(2, "copy", "copies")``)."""
    return f"{n} {word}" if n == 1 else f"{n} {many or word + 's'}"


NO_ANSWERS = "no answers"
"""Shown instead of "completed" for a session that ran to its end without one answer."""


PRIVATE_SHORT = "private"
"""Shown beside the status of a private session in a table."""
PRIVATE_NOTE = "private: only the moods and the date were kept"
"""Shown beside the status of a private session in its heading (`show`, `export`)."""


def status_word(status: Status, answered: int, private: bool = False) -> str:
    """How a session's outcome reads: its status, except ``NO_ANSWERS`` for a session that ran
    to its end with nothing said (``answered``: answers holding words); a ``private`` one
    keeps no answers by choice, so it reads as its status."""
    if private:
        return status.value
    if status is Status.UNANSWERED or (status is Status.COMPLETED and answered == 0):
        return NO_ANSWERS  # filed as unanswered, or by a version that filed it as completed
    return status.value


def kept_private(summary: SessionSummary) -> bool:
    """Whether the session was private: it ran (completed or stopped) and its record keeps no
    question, only the moods and the date. Not for a listing read without the passphrase,
    which may count no questions."""
    return summary.questions == 0 and summary.status in (Status.COMPLETED, Status.STOPPED)


def answered(summary: SessionSummary) -> int:
    """How many answers of a session hold words."""
    return sum(1 for a in summary.answers if a.text.strip())


LOCKED = "locked"
"""Shown for what an encrypted journal keeps from a listing read without its passphrase."""


SAFETY_MARK = "⚠ crisis help given"
"""Shown beside a session in which the coach gave crisis resources (words, not only colour)."""
SAFETY_SHORT = "⚠ crisis help"
"""The same, in a table's status column."""

COLUMNS = ("id", "date", "topic", "length", "mood", "status")
"""The columns of ``history``'s table."""
LENGTH_RIGHT = frozenset({COLUMNS.index("length")})
"""The columns of ``history``'s table set to the right (the length)."""


def session_cells(summary: SessionSummary, locked: bool = False) -> tuple[str, ...]:
    """A session's row of ``history``'s table (``COLUMNS``), as plain text."""
    private = not locked and kept_private(summary)
    word = status_word(summary.status, 1 if locked else answered(summary), private)
    if private:
        word += f" ({PRIVATE_SHORT})"
    return (
        summary.id,
        when(summary.started_at),
        summary.topic,
        duration(summary.length_s),
        LOCKED if locked else mood(summary.mood_before, summary.mood_after),
        f"{word} {SAFETY_SHORT}" if summary.safety_flag else word,
    )
