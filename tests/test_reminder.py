"""The daily invitation: a pure schedule, its history file, the listen loop on a driven clock."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, STREAMING_WORDS, CliResult, fixture_wav
from tests.virtual_audio import write_mini_home
from voicecoach.config import ReminderSettings
from voicecoach.speaker.reminder import (
    Invitation,
    InvitationLog,
    Outcome,
    in_quiet_hours,
    invitation_due,
)
from voicecoach.store.journal import Journal

EVENING = ReminderSettings(time="20:00", quiet_start="22:30", quiet_end="07:00")
MONDAY = datetime(2025, 1, 6)


def at(hour: int, minute: int = 0, day: datetime = MONDAY) -> datetime:
    return day.replace(hour=hour, minute=minute)


def test_no_time_means_no_invitation() -> None:
    assert not invitation_due(ReminderSettings(), at(20), []).due


def test_due_from_the_time_until_the_window_closes() -> None:
    assert not invitation_due(EVENING, at(19, 59), []).due
    assert invitation_due(EVENING, at(20, 0), []).due
    assert invitation_due(EVENING, at(20, 59), []).due
    assert invitation_due(EVENING, at(21, 0), []).reason == "the reminder window has passed"


def test_only_on_the_chosen_days() -> None:
    weekends = ReminderSettings(time="20:00", days=("sat", "sun"))
    assert not invitation_due(weekends, at(20), []).due
    assert invitation_due(weekends, at(20, day=MONDAY + timedelta(days=5)), []).due


def test_quiet_hours_win_over_the_time_and_may_cross_midnight() -> None:
    late = ReminderSettings(time="23:00", quiet_start="22:30", quiet_end="07:00")
    assert invitation_due(late, at(23), []).reason == "quiet hours"
    assert in_quiet_hours(late, at(3).time()) and not in_quiet_hours(late, at(12).time())
    none = ReminderSettings(time="23:00", quiet_start="08:00", quiet_end="08:00")
    assert invitation_due(none, at(23), []).due


def test_once_a_day_unless_snoozed() -> None:
    for outcome in (Outcome.ACCEPTED, Outcome.DECLINED, Outcome.UNANSWERED):
        history = [Invitation(at(20), outcome)]
        assert not invitation_due(EVENING, at(20, 30), history).due
    yesterday = [Invitation(at(20) - timedelta(days=1), Outcome.DECLINED)]
    assert invitation_due(EVENING, at(20, 1), yesterday).due


def test_not_now_asks_again_after_the_snooze_at_most_max_snoozes_times() -> None:
    snoozed = [Invitation(at(20), Outcome.SNOOZED)]
    assert invitation_due(EVENING, at(20, 9), snoozed).reason == "snoozed"
    assert invitation_due(EVENING, at(20, 10), snoozed).due
    twice = [*snoozed, Invitation(at(20, 10), Outcome.SNOOZED)]
    assert invitation_due(EVENING, at(20, 30), twice).reason == "snoozed as often as allowed"
    patient = ReminderSettings(time="20:00", max_snoozes=2, snooze_minutes=5)
    assert invitation_due(patient, at(20, 15), twice).due


def test_a_session_done_that_day_means_no_invitation() -> None:
    history = [Invitation(at(9), Outcome.SELF_STARTED)]
    assert invitation_due(EVENING, at(20), history).reason == "a session was done today"
    keen = ReminderSettings(time="20:00", skip_if_done_today=False)
    assert invitation_due(keen, at(20), history).due


def test_the_history_file_keeps_outcomes_only_and_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "invitations.json"
    log = InvitationLog(path)
    log.add(at(20) - timedelta(days=30), Outcome.DECLINED)
    log.add(at(20), Outcome.SNOOZED)
    again = InvitationLog(path)
    assert again.entries == [Invitation(at(20), Outcome.SNOOZED)]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    path.write_text("{not json")
    assert InvitationLog(path).entries == []


@pytest.fixture
def evening_home(home: Path) -> Path:
    return write_mini_home(
        home, '\n[reminder]\ntime = "20:00"\nsnooze_minutes = 1\n' + STREAMING_WORDS
    )


SILENCE = FIXTURES / "silence-10s.wav"


def listen(cli: Callable[..., CliResult], *args: str | Path) -> CliResult:
    result = cli(
        "listen", "--fast", "--engine", "pocketsphinx", "--json", "--show-words", "--clock-start",
        "2025-01-06T19:59:50", *args,
    )  # fmt: skip
    assert result.code == 0, result.err
    return result


def test_the_invitation_comes_at_its_time_and_yes_starts_a_session(
    cli: Callable[..., CliResult], evening_home: Path
) -> None:
    answers = [fixture_wav(n) for n in ("reply-yes", "choose-patience", "patience-1", "patience-2")]
    result = listen(cli, "--answers", *answers, "--mic-file", SILENCE, "--once")
    report = result.json()
    assert report["wakes"] == []
    assert [i["outcome"] for i in report["invitations"]] == ["accepted"]
    assert report["invitations"][0]["at"] == "2025-01-06T20:00:00"
    assert len(report["sessions"]) == 1
    assert "Would you like to do your reflection now?" in result.err
    stored = json.loads((evening_home / "invitations.json").read_text())
    assert [e["outcome"] for e in stored["invitations"]] == ["accepted"]
    # The session is dated by the same clock as the invitation it came from, not today's.
    with Journal(evening_home / "journal") as journal:
        (record,) = journal.records()
    assert record.id == report["sessions"][0] and record.id.startswith("20250106-2000")
    started = datetime.fromisoformat(record.started_at).replace(tzinfo=None)
    assert datetime(2025, 1, 6, 20, 0) < started < datetime(2025, 1, 6, 20, 1)
    assert record.ended_at is not None
    ended = datetime.fromisoformat(record.ended_at).replace(tzinfo=None)
    assert started < ended < datetime(2025, 1, 6, 20, 3)


def test_not_now_snoozes_once_then_silence_lets_it_go(
    cli: Callable[..., CliResult], evening_home: Path
) -> None:
    not_now = fixture_wav("reply-not-now")
    result = listen(cli, "--answers", not_now, "--mic-file", SILENCE, "--max-seconds", "200")
    report = result.json()
    assert [i["outcome"] for i in report["invitations"]] == ["snoozed", "unanswered"]
    first, second = (datetime.fromisoformat(i["at"]) for i in report["invitations"])
    assert timedelta(minutes=1) <= second - first < timedelta(minutes=1, seconds=30)
    assert report["sessions"] == []
    assert result.err.count("Would you like to do your reflection now?") == 2
