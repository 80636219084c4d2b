"""`voicecoach stats`: sessions per week, streak, minutes and words spoken, mood over time."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from rich.console import Console

from tests.conftest import CliResult
from tests.test_journal import make_record
from tests.test_journal_cli import kept
from voicecoach.review.stats import compute, mood_chart, render, streaks
from voicecoach.store.records import SessionRecord, Status
from voicecoach.store.summary import summarize

Cli = Callable[..., CliResult]
TODAY = date(2026, 11, 26)  # a Thursday


def on(day: date, n: int = 0, before: int | None = None, after: int | None = None) -> SessionRecord:
    started = datetime(day.year, day.month, day.day, 20, n).astimezone()
    record = make_record(
        f"{day:%Y%m%d}-20{n:02d}00-test", started.isoformat(), turns=2, status=Status.COMPLETED
    )
    return dataclasses.replace(
        record,
        ended_at=(started + timedelta(minutes=6)).isoformat(),
        mood_before=before,
        mood_after=after,
    )


def test_streaks() -> None:
    days = {TODAY - timedelta(days=d) for d in (1, 2, 3, 7, 8)}
    assert streaks(days, TODAY) == (3, 3)  # none yet today: the run up to yesterday counts
    assert streaks(days | {TODAY}, TODAY) == (4, 4)
    assert streaks({TODAY - timedelta(days=2)}, TODAY) == (0, 1)
    assert streaks(set(), TODAY) == (0, 0)


def test_figures_per_week_and_mood() -> None:
    records = [
        on(TODAY, 0, 4, 6),
        on(TODAY, 1, 6, None),
        on(TODAY - timedelta(days=1), 0, 2, 5),
        on(TODAY - timedelta(days=5), 0),  # the Saturday before: last week
        on(TODAY - timedelta(days=200), 0, 9, 9),  # long ago: totals only
    ]
    stats = compute([summarize(r) for r in records], TODAY, weeks=4)
    assert [w.start for w in stats.weeks] == [
        date(2026, 11, 2),
        date(2026, 11, 9),
        date(2026, 11, 16),
        date(2026, 11, 23),
    ]
    assert [w.sessions for w in stats.weeks] == [0, 0, 1, 3]
    this_week = stats.weeks[-1]
    assert (this_week.mood_before, this_week.mood_after) == (4, 5.5)
    assert (stats.weeks[-2].mood_before, stats.weeks[-2].mood_after) == (None, None)
    assert (stats.sessions, stats.streak_days, stats.longest_streak_days) == (5, 2, 2)
    assert stats.words_spoken == 5 * 2 * 9
    assert round(stats.minutes_spoken * 60, 6) == 5 * 2 * 3.5
    assert stats.minutes_in_sessions == 5 * 6

    chart = mood_chart(stats).plain.splitlines()
    assert chart[0].startswith(" 10")
    assert chart[9].startswith("  1")
    # This week's columns are the last pair: before 4 (rows 1-4), after 5.5 → 6 (rows 1-6).
    columns = [line[4:] for line in chart[:10]]
    assert [c[9:11] for c in columns] == ["  "] * 4 + [" █"] * 2 + ["░█"] * 4


def test_stats_command(home: Path, cli: Cli) -> None:
    today = date.today()
    kept(home, on(today, 0, 3, 7), on(today - timedelta(days=1), 0, 5, 6))
    figures = cli("stats", "--json", "--weeks", "2").json()
    assert figures["sessions"] == 2 and figures["streak_days"] == 2
    assert figures["words_spoken"] == 36
    assert sum(w["sessions"] for w in figures["weeks"]) == 2
    assert len(figures["weeks"]) == 2
    plain = cli("stats")
    assert plain.code == 0
    for label in (
        "sessions",
        "streak",
        "minutes spoken",
        "words spoken",
        "Sessions per week",
        "Mood before and after",
        "░ before",
        "█ after",
    ):
        assert label in plain.out, label
    assert all(len(line) <= 80 for line in plain.out.splitlines())


def test_stats_render_without_moods() -> None:
    stats = compute([summarize(on(TODAY))], TODAY)
    console = Console(width=80, record=True)
    console.print(render(stats))
    assert "No moods said in these weeks yet." in console.export_text()


def test_stats_charts_at_most_260_weeks(home: Path, cli: Cli) -> None:
    kept(home, on(date.today(), 0, 3, 7))
    figures = cli("stats", "--json", "--weeks", "260").json()
    assert len(figures["weeks"]) == 260 and figures["weeks"][-1]["sessions"] == 1
    result = cli("stats", "--weeks", "200000")
    assert result.code == 2 and result.out == ""
    assert result.err == (
        "voicecoach: error: Invalid value for '--weeks': expected at most 260, got '200000'; "
        "see `voicecoach stats --help`\n"
    )


def test_stats_of_an_empty_journal(home: Path, cli: Cli) -> None:
    figures = cli("stats", "--json").json()
    assert figures["sessions"] == 0 and figures["streak_days"] == 0
    assert len(figures["weeks"]) == 12


def test_a_session_nobody_answered_is_no_day_of_practice() -> None:
    """A session that ended because nobody answered counts as a session, not toward the
    streak: nobody practised that day."""
    silent = dataclasses.replace(on(TODAY, 0), status=Status.UNANSWERED)
    spoken = [on(TODAY - timedelta(days=d)) for d in (1, 2)]
    stats = compute([summarize(r) for r in [silent, *spoken]], TODAY)
    assert (stats.sessions, stats.streak_days, stats.longest_streak_days) == (3, 2, 2)
    stopped = dataclasses.replace(on(TODAY, 0), status=Status.STOPPED)  # stopped after answers
    stats = compute([summarize(r) for r in [stopped, *spoken]], TODAY)
    assert (stats.sessions, stats.streak_days) == (3, 3)
    # stopped before a word was said (Ctrl-C over the welcome): a session, but no practice
    unsaid = dataclasses.replace(
        on(TODAY, 0), status=Status.STOPPED, turns=(), mood_before=None, mood_after=None
    )
    stats = compute([summarize(r) for r in [unsaid, *spoken]], TODAY)
    assert (stats.sessions, stats.streak_days) == (3, 2)
    mood_only = dataclasses.replace(unsaid, mood_before=5)  # a mood said, then stopped
    stats = compute([summarize(r) for r in [mood_only, *spoken]], TODAY)
    assert (stats.sessions, stats.streak_days) == (3, 3)
