"""`voicecoach stats`: how often, how long, how many words, and mood before and after, over time.

Figures come from the session summaries (no word timings are read); the charts are drawn with
block characters so they work in any terminal, over SSH too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import mean
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from voicecoach.review.cells import counted
from voicecoach.store.records import Status
from voicecoach.store.summary import SessionSummary

BAR = "█"
BEFORE_BAR = "░"
"""Mood before: a lighter shade, so before and after differ without colour (NO_COLOR, pipes)."""
AFTER_BAR = "█"
BEFORE_STYLE = "blue"
AFTER_STYLE = "green"


@dataclass(frozen=True)
class Week:
    """One week, Monday to Sunday."""

    start: date
    """Its Monday."""
    sessions: int
    """Sessions started that week."""
    mood_before: float | None
    """Average mood said at the start of its sessions, or None."""
    mood_after: float | None
    """Average mood said at the end, or None."""


@dataclass(frozen=True)
class JournalStats:
    """The figures `stats` shows."""

    sessions: int
    """Sessions in the journal."""
    weeks: tuple[Week, ...]
    """The last weeks, oldest first, the current one last."""
    streak_days: int
    """Days in a row with a session practised (``practised``), up to today (or yesterday, if
    none yet today)."""
    longest_streak_days: int
    """The longest such run ever."""
    minutes_spoken: float
    """Minutes of speech in all answers."""
    minutes_in_sessions: float
    """Minutes from start to end of all sessions."""
    words_spoken: int
    """Words in all answers."""

    def to_json(self) -> dict[str, Any]:
        return {
            "sessions": self.sessions,
            "streak_days": self.streak_days,
            "longest_streak_days": self.longest_streak_days,
            "minutes_spoken": round(self.minutes_spoken, 1),
            "minutes_in_sessions": round(self.minutes_in_sessions, 1),
            "words_spoken": self.words_spoken,
            "weeks": [
                {
                    "week": w.start.isoformat(),
                    "sessions": w.sessions,
                    "mood_before": _round(w.mood_before),
                    "mood_after": _round(w.mood_after),
                }
                for w in self.weeks
            ],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def streaks(days: set[date], today: date) -> tuple[int, int]:
    """(current, longest) runs of consecutive days in ``days``; the current one may end
    yesterday when today has no session yet."""
    longest = run = 0
    previous: date | None = None
    for day in sorted(days):
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    end = today if today in days else today - timedelta(days=1)
    current = 0
    while end - timedelta(days=current) in days:
        current += 1
    return current, longest


def practised(session: SessionSummary) -> bool:
    """Whether a session is a day of practice: something was said in it (an answer or a
    mood), or it ran to its end. Nobody answering, or a stop before a word (Ctrl-C as the
    welcome plays), is none; both still count as sessions."""
    if session.status is Status.UNANSWERED:
        return False
    said = session.answers or session.mood_before is not None or session.mood_after is not None
    return bool(said) or session.status is Status.COMPLETED


def compute(sessions: Sequence[SessionSummary], today: date, weeks: int = 12) -> JournalStats:
    """The figures for these sessions, with ``weeks`` weeks of history ending this week."""
    days = {s.day for s in sessions if practised(s)}
    current, longest = streaks(days, today)
    first = _monday(today) - timedelta(weeks=weeks - 1)
    per_week: dict[date, list[SessionSummary]] = {
        first + timedelta(weeks=n): [] for n in range(weeks)
    }
    for s in sessions:
        bucket = per_week.get(_monday(s.day))
        if bucket is not None:
            bucket.append(s)
    return JournalStats(
        sessions=len(sessions),
        weeks=tuple(
            Week(
                start=monday,
                sessions=len(group),
                mood_before=_mean([s.mood_before for s in group]),
                mood_after=_mean([s.mood_after for s in group]),
            )
            for monday, group in per_week.items()
        ),
        streak_days=current,
        longest_streak_days=longest,
        minutes_spoken=sum(s.spoken_s for s in sessions) / 60,
        minutes_in_sessions=sum(s.length_s or 0.0 for s in sessions) / 60,
        words_spoken=sum(s.words for s in sessions),
    )


def _mean(values: Sequence[int | None]) -> float | None:
    known = [v for v in values if v is not None]
    return mean(known) if known else None


def _minutes(value: float) -> str:
    return f"{value:.1f}" if value < 10 else f"{value:,.0f}"


def figures(stats: JournalStats) -> Table:
    """The totals, as a two-column table."""
    table = Table.grid(padding=(0, 2))
    table.add_row("sessions", str(stats.sessions))
    table.add_row(
        "streak",
        f"{counted(stats.streak_days, 'day')} (longest {stats.longest_streak_days})",
    )
    table.add_row("minutes spoken", _minutes(stats.minutes_spoken))
    table.add_row("minutes in sessions", _minutes(stats.minutes_in_sessions))
    table.add_row("words spoken", f"{stats.words_spoken:,}")
    return table


def sessions_chart(stats: JournalStats, width: int = 40) -> Text:
    """A bar per week: how many sessions."""
    most = max((w.sessions for w in stats.weeks), default=0) or 1
    text = Text()
    for week in stats.weeks:
        bar = BAR * round(week.sessions / most * width) if week.sessions else ""
        text.append(f"{week.start:%d %b}  ")
        text.append(bar, style="cyan")
        text.append(f" {week.sessions}\n" if week.sessions else " ·\n", style="dim")
    return text


def mood_chart(stats: JournalStats) -> Text:
    """Average mood before (left) and after (right) each week, as columns 1–10."""
    text = Text()
    for level in range(10, 0, -1):
        text.append(f"{level:>3} ", style="dim")
        for week in stats.weeks:
            for value, bar, style in (
                (week.mood_before, BEFORE_BAR, BEFORE_STYLE),
                (week.mood_after, AFTER_BAR, AFTER_STYLE),
            ):
                filled = value is not None and round(value) >= level
                text.append(bar if filled else " ", style=style)
            text.append(" ")
        text.append("\n")
    text.append_text(week_axis(stats.weeks))
    text.append("\n    ")
    text.append(f"{BEFORE_BAR} before", style=BEFORE_STYLE)
    text.append("  ")
    text.append(f"{AFTER_BAR} after", style=AFTER_STYLE)
    text.append("   (weekly average; blank = not said)", style="dim")
    return text


def week_axis(weeks: Sequence[Week]) -> Text:
    """Two lines under the mood columns (3 characters a week): the day each week starts, and
    the month's name under the first week of each month (and under the first week shown)."""
    days, months = Text("    "), Text("    ")
    previous: int | None = None
    for week in weeks:
        days.append(f"{week.start:%d} ", style="dim")
        label = f"{week.start:%b}"[:3] if week.start.month != previous else ""
        months.append(f"{label:<3}", style="dim")
        previous = week.start.month
    months.rstrip()
    return Text("\n").join([days, months])


def render(stats: JournalStats) -> RenderableType:
    """Everything `stats` prints."""
    has_mood = any(w.mood_before is not None or w.mood_after is not None for w in stats.weeks)
    parts: list[RenderableType] = [
        figures(stats),
        Text(f"\nSessions per week (last {len(stats.weeks)})", style="bold"),
        sessions_chart(stats),
    ]
    if has_mood:
        parts += [Text("Mood before and after", style="bold"), mood_chart(stats)]
    else:
        parts.append(Text("No moods said in these weeks yet.", style="dim"))
    return Group(*parts)
