"""`--answers a.wav b.wav …`: several values after one option, wherever it stands on the line."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import STREAMING_WORDS, fixture_wav
from voicecoach.cli import expand_multi_value
from voicecoach.errors import UsageError


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["session", "--answers", "a.wav", "b.wav", "--fast"],
            ["session", "--answers", "a.wav", "--answers", "b.wav", "--fast"],
        ),
        (
            ["session", "patience", "--fast", "--answers", "a.wav"],
            ["session", "patience", "--fast", "--answers", "a.wav"],
        ),
        (
            ["session", "--answers", "a.wav", "--answers", "b.wav"],
            ["session", "--answers", "a.wav", "--answers", "b.wav"],
        ),
        (["history", "--json"], ["history", "--json"]),
        # A word that is no WAV file ends the list: it is the practice.
        (
            ["session", "--answers", "a.wav", "B.WAV", "communication", "--fast"],
            ["session", "--answers", "a.wav", "--answers", "B.WAV", "communication", "--fast"],
        ),
        # The first value is always the option's, whatever its name.
        (["session", "--answers", "take1"], ["session", "--answers", "take1"]),
        # A word ending like a sound file is an answer (then told it is no WAV), not a practice.
        (
            ["session", "--answers", "a.wav", "b.mp3", "--fast"],
            ["session", "--answers", "a.wav", "--answers", "b.mp3", "--fast"],
        ),
    ],
)
def test_expand_multi_value(argv: list[str], expected: list[str]) -> None:
    assert expand_multi_value(argv) == expected


@pytest.mark.parametrize("argv", [["session", "--answers", "--fast"], ["session", "--answers"]])
def test_answers_without_a_file_is_refused(argv: list[str]) -> None:
    with pytest.raises(UsageError, match="^--answers needs at least one WAV file$"):
        expand_multi_value(argv)


def test_answers_then_the_practice_runs_that_practice(cli: Any, home: Path) -> None:
    # Mood check-in off so one WAV covers the only listening turn that matters; the rest is silence.
    config = home.parent / "config.toml"
    config.write_text(
        "[coach]\nmood_checkin = false\n\n[listen]\nreprompts = 0\n" + STREAMING_WORDS
    )
    began = time.monotonic()
    result = cli(
        "session", "--fast", "--json", "--config", config,
        "--answers", fixture_wav("patience-1"), "communication",
    )  # fmt: skip
    took = time.monotonic() - began
    assert result.code == 0, result.err
    record = result.json()
    assert record["topic"] == "communication"
    # A fast run lasts its audio time in the journal, not the few seconds the clock saw.
    span = datetime.fromisoformat(record["ended_at"]) - datetime.fromisoformat(record["started_at"])
    last_word = max(turn["answer"]["end"] for turn in record["turns"] if turn["answer"])
    assert span.total_seconds() >= last_word and span.total_seconds() > took + 10
    answered = [turn for turn in record["turns"] if turn["answer"] is not None]
    assert len(answered) == 1
    assert "partner" in answered[0]["answer"]["text"]


def test_answers_with_no_value_is_named(cli: Any) -> None:
    result = cli("session", "patience", "--fast", "--answers")
    assert result.code != 0
    assert "--answers" in result.err
