"""The example script of docs/session-scripts.md, run as a real session, and how its `say` step
(a line the coach says without listening) reads in every view of the journal: `show`,
`export` (md, txt, json), `review`, and the count of questions asked."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import DataTable

from tests.conftest import STREAMING_WORDS, CliResult, fixture_wav
from tests.test_review import shown
from voicecoach.review.app import ReviewApp
from voicecoach.store.journal import Journal
from voicecoach.store.records import SessionRecord, Status

ROOT = Path(__file__).resolve().parents[1]
BREATH = "Let's take one slow breath together."
NEW_MOMENT = "All right. Tell me about that moment. What happened?"


def documented_example() -> str:
    doc = (ROOT / "docs" / "session-scripts.md").read_text()
    found = re.search(r"## An example\n\n```toml\n(.*?)```", doc, re.S)
    assert found is not None
    return found.group(1)


@pytest.fixture(scope="module")
def practised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home whose journal holds one session of the documented example: a moment, the
    breath, "yes" to another, the new moment, the breath again, then an answer that ends it."""
    home = tmp_path_factory.mktemp("practised")
    (home / "sessions").mkdir()
    (home / "sessions" / "my-practice.toml").write_text(documented_example())
    (home / "config.toml").write_text(STREAMING_WORDS)
    names = ("mood-1", "safe-1", "reply-yes", "safe-8", "safe-3", "mood-3")
    done = subprocess.run(
        [sys.executable, "-m", "voicecoach", "session", "my-practice", "--answers",
         *[str(fixture_wav(n)) for n in names], "--fast", "--engine", "pocketsphinx"],
        env={**os.environ, "VOICECOACH_HOME": str(home)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=400,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return home


def the_session(home: Path) -> SessionRecord:
    with Journal(home / "journal") as journal:
        (record,) = journal.records()
    return record


def test_the_documented_example_passes_the_check_and_runs_as_shown(
    practised: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICECOACH_HOME", str(practised))
    checked = cli("sessions", "check", practised / "sessions" / "my-practice.toml")
    assert checked.code == 0, checked.err
    record = the_session(practised)
    assert [t.prompt_id for t in record.turns] == [
        "mood-before", "moment", "breath", "again", "again.yes", "breath", "again", "mood-after",
    ]  # fmt: skip
    # The follow-up asks for the new moment, and its answer is that moment, filed under it;
    # the moment's question is not asked a second time.
    new_moment = record.turns[4]
    assert new_moment.prompt == NEW_MOMENT
    assert new_moment.answer is not None and "leave the room" in new_moment.answer.text
    asked = [line for t in record.turns for line in t.coach_lines]
    assert asked.count("Think of a moment this week when you felt hurt. What happened?") == 1
    assert record.mood_before == 7 and record.mood_after == 8


def test_a_say_step_is_kept_as_a_line_said_without_listening(practised: Path) -> None:
    record = the_session(practised)
    said = [t for t in record.turns if t.prompt_id == "breath"]
    assert [(t.listened, t.answer, t.coach_lines) for t in said] == [(False, None, (BREATH,))] * 2
    assert all(t.listened for t in record.turns if t.prompt_id != "breath")


def test_show_gives_a_say_step_as_a_coach_line_with_no_you_line(
    practised: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICECOACH_HOME", str(practised))
    record = the_session(practised)
    out = cli("show", record.id).out
    assert "(no answer)" not in out
    lines = [line for line in out.splitlines() if line.strip()]
    at = [n for n, line in enumerate(lines) if line == f"coach {BREATH}"]
    assert len(at) == 2
    assert all(lines[n + 1].startswith("coach Would you like to look at") for n in at), out


def test_export_gives_a_say_step_as_the_coachs_line_in_every_format(
    practised: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICECOACH_HOME", str(practised))
    record = the_session(practised)
    md = cli("export", record.id, "--format", "md").out
    assert "no answer" not in md and f"### {BREATH}" not in md
    assert md.count(f"\n*{BREATH}*\n") == 2
    assert f"### {NEW_MOMENT}" in md
    txt = cli("export", record.id, "--format", "txt").out
    assert "no answer" not in txt
    assert txt.count(f"coach: {BREATH}\n\ncoach: Would you like") == 2
    doc = json.loads(cli("export", record.id, "--format", "json").out)
    breaths = [t for t in doc["turns"] if t["prompt_id"] == "breath"]
    assert [(t["listened"], t["answer"]) for t in breaths] == [(False, None)] * 2
    assert all("listened" not in t for t in doc["turns"] if t["prompt_id"] != "breath")


def test_review_shows_a_say_step_as_a_coach_line_and_counts_only_questions(
    practised: Path,
) -> None:
    app = ReviewApp(Journal(practised / "journal"), export_dir=practised)

    async def run() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.pause()
            text = shown(app)
            assert "(no answer)" not in text
            assert f"coach {BREATH}" in text
            table = app.query_one("#sessions", DataTable)
            row = table.get_row_at(table.row_count - 1)
            assert str(row[-1]) == "6/6"  # six questions, all answered; the breaths are none

    asyncio.run(asyncio.wait_for(run(), timeout=60))


def test_a_say_step_stored_before_turns_said_whether_the_coach_listened_reads_as_said(
    practised: Path, home: Path, cli: Callable[..., CliResult]
) -> None:
    record = the_session(practised)
    # As an earlier version stored it: no turn says whether the coach listened; the second
    # question ("again") got no answer, and the session was stopped at the last one.
    turns = [replace(t, listened=True) for t in record.turns]
    turns[3] = replace(turns[3], answer=None, events=("reprompt", "no-answer"))
    turns[-1] = replace(turns[-1], answer=None, events=(), coach_lines=(turns[-1].prompt,))
    old = replace(record, turns=tuple(turns), status=Status.STOPPED)
    assert all("listened" not in t for t in old.to_record()["turns"])  # stored as before
    with Journal(home / "journal") as journal:
        journal.save(old)
        read = journal.get(record.id)
    assert [t.listened for t in read.turns] == [True, True, False, True, True, False, True, True]
    doc = json.loads(cli("export", record.id, "--format", "json").out)
    assert [t.get("listened", True) for t in doc["turns"]] == [t.listened for t in read.turns]
    out = cli("show", record.id).out
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines[lines.index(f"coach {BREATH}") + 1].startswith("coach Would you like to look")
    assert out.count("(no answer)") == 2  # the two questions: "again", and the one stopped at
    txt = cli("export", record.id, "--format", "txt").out
    assert txt.count("you:   (no answer)") == 1 and txt.count("you:   (stopped here)") == 1
