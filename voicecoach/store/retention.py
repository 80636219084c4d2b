"""Erasing sessions for good: by hand (`forget`) or by ``[journal] keep_days`` at start-up.

A session is erased from its month file and that file's ``.bak``, from the index, with its
kept audio and the step of it kept readable beside an encrypted journal. ``keep_days`` looks
only at the months old enough to hold expired sessions.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from voicecoach.errors import JournalError
from voicecoach.store.laststeps import drop_sessions
from voicecoach.store.months import MonthFiles
from voicecoach.store.records import Status
from voicecoach.store.shard import Unreadable
from voicecoach.store.stored import NewerJournal
from voicecoach.store.summary import SessionSummary

if TYPE_CHECKING:
    from voicecoach.store.journal import Journal

log = logging.getLogger(__name__)

AUDIO_DIR = "audio"
"""Sub-folder of the journal holding kept answer audio, one folder per session."""


def erase(
    folder: Path,
    months: MonthFiles,
    sessions: Sequence[SessionSummary],
    drop_running: Callable[[str], None],
) -> None:
    """Remove ``sessions`` for good: one rewrite per month touched, then their audio and any
    step of theirs kept readable (``laststeps.py``).

    ``drop_running`` lets go of a session this process is running. Raises JournalError.
    """
    by_month: dict[str, set[str]] = {}
    for summary in sessions:
        by_month.setdefault(summary.month, set()).add(summary.id)
    with months.lock:
        for month, ids in by_month.items():
            if (folder / f"{month}.json").exists():
                months.remove(month, ids)
        for summary in sessions:
            drop_running(summary.id)
            remove_audio(folder, summary.id)
        drop_sessions(folder, {summary.id for summary in sessions})


def erase_unreadable(folder: Path, months: MonthFiles, records: Sequence[Unreadable]) -> None:
    """Remove records that cannot be decoded: by id, and those without one as every
    undecodable record of their month; then any audio and readable step kept under their ids.
    Raises JournalError."""
    by_month: dict[str, list[Unreadable]] = {}
    for record in records:
        by_month.setdefault(record.month, []).append(record)
    ids = {r.id for r in records if r.id is not None}
    with months.lock:
        for month, group in by_month.items():
            anonymous = any(r.id is None for r in group)
            months.remove(month, {r.id for r in group if r.id is not None}, unreadable=anonymous)
        for session_id in ids:
            remove_audio(folder, session_id)
        drop_sessions(folder, ids)


def remove_audio(folder: Path, session_id: str) -> None:
    """Delete ``audio/<session id>/`` if it is there. JournalError when the disk refuses."""
    try:
        shutil.rmtree(folder / AUDIO_DIR / session_id)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise JournalError(
            f"cannot remove the audio of session {session_id}: {exc.strerror}"
        ) from exc


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

    A month file a newer voicecoach wrote is left as it is, told once in ``journal.notices``.

    Only the number is logged, never what the sessions held.
    """
    if keep_days <= 0:
        return 0
    now = now or datetime.now().astimezone()
    last = (now - timedelta(days=keep_days) + timedelta(days=1)).strftime("%Y-%m")
    old: list[SessionSummary] = []
    for month in journal.months():
        if month > last:
            continue
        try:
            old += expired(journal.month_listing(month), keep_days, now)
        except NewerJournal as exc:  # never read around: the other months are still tidied
            journal.notices.add(f"{exc} ([journal] keep_days leaves its sessions as they are)")
    if not old:
        return 0
    try:
        journal.remove(old)
    except JournalError as exc:  # a full or read-only disk: erased next time
        journal.cannot_tidy(exc)
        return 0
    log.info("removed %d session(s) older than %d days ([journal] keep_days)", len(old), keep_days)
    return len(old)


def retention_note(count: int, keep_days: int) -> str:
    """The line shown after a clean-up."""
    sessions = "session" if count == 1 else "sessions"
    return f"erased {count} {sessions} older than {keep_days} days ([journal] keep_days)"
