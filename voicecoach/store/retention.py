"""``[journal] keep_days``: sessions older than that are erased when voicecoach starts."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from voicecoach.store.journal import Journal
from voicecoach.store.records import Status
from voicecoach.store.summary import SessionSummary

log = logging.getLogger(__name__)


def expired(
    sessions: Sequence[SessionSummary], keep_days: int, now: datetime
) -> list[SessionSummary]:
    """Finished sessions that started more than ``keep_days`` days before ``now``."""
    if keep_days <= 0:
        return []
    cutoff = now - timedelta(days=keep_days)
    return [s for s in sessions if s.status is not Status.RUNNING and s.started < cutoff]


def apply_retention(journal: Journal, keep_days: int, now: datetime | None = None) -> int:
    """Erase the sessions ``keep_days`` lets go (with their audio); how many there were.

    Only the number is logged, never what the sessions held.
    """
    if keep_days <= 0:
        return 0
    old = expired(journal.summaries(), keep_days, now or datetime.now().astimezone())
    if not old:
        return 0
    journal.remove(old)
    log.info("removed %d session(s) older than %d days ([journal] keep_days)", len(old), keep_days)
    return len(old)


def retention_note(count: int, keep_days: int) -> str:
    """The line shown after a clean-up."""
    sessions = "session" if count == 1 else "sessions"
    return f"erased {count} {sessions} older than {keep_days} days ([journal] keep_days)"
