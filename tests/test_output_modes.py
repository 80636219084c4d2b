"""Every way the journal is printed, piped (as the `cli` fixture runs it), in a narrow terminal
and without colour: nothing cut, nothing padded, nothing told by colour alone."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from tests.conftest import CliResult
from tests.test_journal import make_turn
from tests.test_journal_cli import A, B, C, kept
from tests.test_stats import on
from voicecoach.review.stats import AFTER_BAR, BEFORE_BAR, compute, mood_chart
from voicecoach.review.views import sessions_table
from voicecoach.speech.events import Utterance, Word
from voicecoach.store.summary import summarize

Cli = Callable[..., CliResult]
LONG = " ".join(["I kept my promise to call when I was running late"] * 4)
"""An answer of 200 characters: longer than any terminal line."""
FLAGGED = dataclasses.replace(C, safety_flag=True)


def rendered(renderable: object, width: int, no_color: bool = False) -> str:
    with open(os.devnull, "w") as sink:
        console = Console(width=width, file=sink, record=True, no_color=no_color)
        console.print(renderable)
    return console.export_text(styles=False)


def test_piped_show_is_neither_wrapped_nor_padded(home: Path, cli: Cli) -> None:
    long = dataclasses.replace(B, turns=(*B.turns, make_turn(2, LONG)))
    kept(home, A, long)
    result = cli("show", B.id)
    assert result.code == 0
    lines = result.out.splitlines()
    assert f"you   {LONG}" in lines  # one line, however long
    assert all(line == line.rstrip() for line in lines)
    assert max(len(line) for line in lines) > 80


def test_piped_history_and_search_cut_nothing(home: Path, cli: Cli) -> None:
    long_topic = dataclasses.replace(A, topic="self-compassion-and-patience-together")
    kept(home, long_topic, B, FLAGGED)
    history = cli("history").out
    assert "self-compassion-and-patience-together" in history
    assert "…" not in history
    for record in (A, B, C):
        assert record.id in history
    assert all(line == line.rstrip() for line in history.splitlines())
    found = cli("search", "promise").out
    assert B.id in found and "Promise" in found


def test_sixty_columns_keep_ids_whole() -> None:
    summaries = [summarize(r) for r in (A, B, FLAGGED)]
    text = rendered(sessions_table(summaries, width=60), width=60)
    assert all(len(line) <= 60 for line in text.splitlines())
    for record in (A, B, C):
        assert record.id in text
    assert "…" not in text


def test_safety_flag_in_history_and_show(home: Path, cli: Cli) -> None:
    kept(home, A, FLAGGED)
    history = cli("history").out.splitlines()
    flagged = next(line for line in history if C.id in line)
    assert "crisis help" in flagged
    assert "crisis" not in next(line for line in history if A.id in line)
    shown = cli("show", C.id).out.splitlines()
    assert "crisis help given" in shown[0]  # in the heading, not only at the end


def test_stats_before_and_after_differ_without_colour(home: Path, cli: Cli) -> None:
    today = date.today()
    kept(home, on(today, 0, 3, 7), on(today - timedelta(days=8), 0, 5, 6))
    for env in ({}, {"NO_COLOR": "1"}):
        os.environ.update(env)
        try:
            out = cli("stats").out
        finally:
            for key in env:
                del os.environ[key]
        assert f"{BEFORE_BAR} before" in out and f"{AFTER_BAR} after" in out
        assert BEFORE_BAR != AFTER_BAR
        chart = out.split("Mood before and after")[1]
        assert BEFORE_BAR in chart and AFTER_BAR in chart
    stats = compute([summarize(on(today, 0, 3, 7))], today, weeks=2)
    plain = rendered(mood_chart(stats), width=80, no_color=True)
    assert BEFORE_BAR in plain and AFTER_BAR in plain


def test_week_axis_names_the_months() -> None:
    today = date(2026, 11, 26)
    sessions = [summarize(on(today - timedelta(days=d), 0, 4, 6)) for d in (0, 30, 60)]
    chart = mood_chart(compute(sessions, today, weeks=12)).plain
    axis = chart.splitlines()[10:12]
    assert axis[0].split()[:2] == ["07", "14"]  # the Mondays' days
    assert axis[1].split() == ["Sep", "Oct", "Nov"]
    assert axis[1].index("Oct") == 4 + 3 * axis[0].split().index("05")


def test_fast_file_run_length_is_audio_time_not_wall_time() -> None:
    words = (Word("late", 170.0, 170.5, 0.9), Word("again", 171.0, 172.0, 0.9))
    answer = Utterance("late again", words, 170.0, 172.0)
    turn = dataclasses.replace(make_turn(0), answer=answer)
    started = datetime(2026, 11, 26, 20, 30, tzinfo=datetime.now().astimezone().tzinfo)
    record = dataclasses.replace(
        A,
        turns=(turn,),
        started_at=started.isoformat(),
        ended_at=(started + timedelta(seconds=3)).isoformat(),  # 3 s on the clock at --fast
    )
    assert summarize(record).length_s == pytest.approx(172.0)
    live = dataclasses.replace(record, ended_at=(started + timedelta(seconds=240)).isoformat())
    assert summarize(live).length_s == 240.0


def test_markup_in_messages_is_printed_as_is(home: Path, cli: Cli) -> None:
    kept(home, A)
    result = cli("search", "[journal]")
    assert "Nothing found for '[journal]'." in result.err
    result = cli("show", A.id, "--play", "1")
    assert "[journal] save_audio" in result.err


def test_other_piped_tables_cut_nothing(home: Path, cli: Cli) -> None:
    listed = cli("sessions", "list").out
    for line in listed.splitlines():
        assert line == line.rstrip()
    summaries = [s["summary"] for s in cli("sessions", "list", "--json").json()]
    assert summaries and all(summary in listed for summary in summaries)  # each on one line
    models = cli("models", "list")
    assert "…" not in models.out
    for model in cli("models", "list", "--json").json()["installed"]:
        assert model["path"] in models.out
    stats = cli("stats").out
    assert all(line == line.rstrip() for line in stats.splitlines())
