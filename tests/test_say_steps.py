"""The example script of docs/session-scripts.md, run as a real session."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import STREAMING_WORDS, CliResult, fixture_wav
from voicecoach.store.journal import Journal
from voicecoach.store.records import SessionRecord

ROOT = Path(__file__).resolve().parents[1]
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
