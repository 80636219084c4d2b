"""The daily invitation: when to ask "would you like to do your reflection now?".

``invitation_due(settings, now, history)`` is a pure function of the settings, the wall-clock
time and the invitations (and sessions) of the past, so every rule can be tested without waiting:

- only on the configured days, from ``time`` until ``window_minutes`` later, never in quiet hours;
- not on a day a session was already done (``skip_if_done_today``);
- once a day, plus one more time after each "not now", at most ``max_snoozes`` of them,
  ``snooze_minutes`` apart; "no" or silence lets it go until the next day.

``InvitationLog`` keeps that history in a small JSON file (times and outcomes only, never words).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import Enum
from pathlib import Path

from voicecoach.config import WEEKDAYS, ReminderSettings
from voicecoach.files import private_folder, write_private

log = logging.getLogger(__name__)

KEEP_DAYS = 14
"""Days of history kept in the log."""


class Outcome(Enum):
    """What came of an invitation (or a session begun by the person)."""

    ACCEPTED = "accepted"
    SNOOZED = "snoozed"
    DECLINED = "declined"
    UNANSWERED = "unanswered"
    SELF_STARTED = "self-started"
    """Not an invitation: a session started by the wake phrase or the button."""


@dataclass(frozen=True)
class Invitation:
    """One entry of the history."""

    at: datetime
    """Local wall-clock time it happened."""
    outcome: Outcome


@dataclass(frozen=True)
class Decision:
    """Whether to invite now, and why (for logs and tests)."""

    due: bool
    reason: str


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def in_quiet_hours(settings: ReminderSettings, moment: time) -> bool:
    """Quiet hours may run past midnight; equal (or empty) ends mean none."""
    if not settings.quiet_start or not settings.quiet_end:
        return False
    start, end = _clock(settings.quiet_start), _clock(settings.quiet_end)
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def invitation_due(
    settings: ReminderSettings, now: datetime, history: Sequence[Invitation]
) -> Decision:
    """Should the coach invite the person now?"""
    if not settings.time:
        return Decision(False, "no reminder time set")
    if WEEKDAYS[now.weekday()] not in settings.days:
        return Decision(False, "not a reminder day")
    scheduled = datetime.combine(now.date(), _clock(settings.time), tzinfo=now.tzinfo)
    if now < scheduled:
        return Decision(False, "before the reminder time")
    if now >= scheduled + timedelta(minutes=settings.window_minutes):
        return Decision(False, "the reminder window has passed")
    if in_quiet_hours(settings, now.time()):
        return Decision(False, "quiet hours")
    day_start = datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)
    today = sorted((i for i in history if day_start <= i.at <= now), key=lambda i: i.at)
    if settings.skip_if_done_today and any(i.outcome is Outcome.SELF_STARTED for i in today):
        return Decision(False, "a session was done today")
    invitations = [i for i in today if i.outcome is not Outcome.SELF_STARTED]
    if not invitations:
        return Decision(True, "reminder time")
    last = invitations[-1]
    if last.outcome is not Outcome.SNOOZED:
        return Decision(False, f"already invited today ({last.outcome.value})")
    if len(invitations) > settings.max_snoozes:
        return Decision(False, "snoozed as often as allowed")
    if now < last.at + timedelta(minutes=settings.snooze_minutes):
        return Decision(False, "snoozed")
    return Decision(True, "after a snooze")


class InvitationLog:
    """The history, kept in a small owner-only JSON file (or only in memory)."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self.entries: list[Invitation] = self._load()

    def _load(self) -> list[Invitation]:
        if self._path is None or not self._path.exists():
            return []
        try:
            doc = json.loads(self._path.read_text())
            return [
                Invitation(datetime.fromisoformat(e["at"]), Outcome(e["outcome"]))
                for e in doc.get("invitations", [])
            ]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("%s: unreadable, starting a new invitation history (%s)", self._path, exc)
            return []

    def add(self, at: datetime, outcome: Outcome) -> Invitation:
        entry = Invitation(at, outcome)
        cutoff = at - timedelta(days=KEEP_DAYS)
        self.entries = [e for e in self.entries if e.at >= cutoff] + [entry]
        self._save()
        return entry

    def _save(self) -> None:
        if self._path is None:
            return
        doc = {
            "invitations": [
                {"at": e.at.isoformat(), "outcome": e.outcome.value} for e in self.entries
            ]
        }
        try:
            private_folder(self._path.parent)
            write_private(self._path, json.dumps(doc, indent=1).encode())
        except OSError as exc:
            log.warning("%s: cannot save the invitation history (%s)", self._path, exc)
