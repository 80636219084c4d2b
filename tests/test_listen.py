"""`voicecoach listen` headless: a room recording with a wake phrase, scripted replies, journal."""

from __future__ import annotations

import random
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import FIXTURES, STREAMING_WORDS, CliResult, fixture_wav
from tests.test_journal import make_record
from tests.virtual_audio import FAST_CONFIG, write_mini_home
from voicecoach.audio.wavfile import read_wav
from voicecoach.speaker import cues
from voicecoach.speaker.replies import (
    CHOOSE_QUESTION,
    NOT_CHOSEN,
    PRACTICES,
    Reply,
    choose_practice,
    invitation_reply,
)
from voicecoach.speaker.sources import NEXT_ANSWER_AFTER_S, USED_UP_AFTER_S
from voicecoach.store.journal import Journal
from voicecoach.store.records import Status

Cli = Callable[..., CliResult]
OFFERED = tuple(PRACTICES)


@pytest.fixture
def room(tmp_path: Path) -> Path:
    """Two seconds of a quiet room, "let's reflect", then two more seconds."""
    out = tmp_path / "room.wav"
    quiet = tmp_path / "quiet.wav"
    subprocess.run(
        ["sox", FIXTURES / "silence-10s.wav", quiet, "trim", "0", "2"], check=True, timeout=30
    )
    subprocess.run(
        ["sox", quiet, fixture_wav("wake-lets-reflect"), quiet, out], check=True, timeout=30
    )
    return out


def listen(cli: Cli, answers: list[str], *args: str | Path) -> CliResult:
    wavs = [fixture_wav(name) for name in answers]
    result = cli(
        "listen", *(["--answers", *wavs] if wavs else []), "--fast", "--engine", "pocketsphinx",
        "--json", "--show-words", *args,
    )  # fmt: skip
    assert result.code == 0, result.err
    return result


def test_the_wake_phrase_starts_the_chosen_practice_and_the_answers_are_kept(
    cli: Cli, home: Path, room: Path, tmp_path: Path
) -> None:
    write_mini_home(home, STREAMING_WORDS)
    voice = tmp_path / "coach.wav"
    answers = ["choose-patience", "patience-1", "patience-2"]
    result = listen(cli, answers, "--mic-file", room, "--once", "--speaker-file", voice)
    report = result.json()
    assert report["wakes"] == [{"phrase": "let's reflect", "at_s": pytest.approx(3.8, abs=0.6)}]
    (session_id,) = report["sessions"]
    record = cli("show", session_id, "--json").json()
    assert record["topic"] == "patience" and record["status"] == "completed"
    assert "partner" in record["turns"][0]["answer"]["text"]
    assert "chest" in record["turns"][1]["answer"]["text"]
    said = read_wav(voice)
    assert said.find(cues.LISTENING) >= 0 and said.find(cues.DONE) > said.find(cues.LISTENING)
    assert CHOOSE_QUESTION in result.err


def test_nothing_is_heard_or_kept_without_the_wake_phrase(cli: Cli, home: Path) -> None:
    write_mini_home(home, STREAMING_WORDS)
    noise = FIXTURES / "noise-10s.wav"
    report = listen(cli, [], "--mic-file", noise, "--loop-mic-file", "--max-seconds", "60").json()
    assert report == {
        "audio_s": pytest.approx(60, abs=0.2),
        "wakes": [],
        "sessions": [],
        "invitations": [],
        "device_losses": 0,
        "overflows": 0,
    }
    assert not (home / "journal").exists() or not any((home / "journal").glob("*.json"))


def test_a_run_on_files_ends_when_they_are_used_up(cli: Cli, home: Path) -> None:
    """No --once, no --max-seconds: a recording ends the run once it is over (and quiet for
    USED_UP_AFTER_S); with answers alone, the first one is the wake phrase."""
    write_mini_home(home, STREAMING_WORDS)
    report = listen(cli, [], "--mic-file", FIXTURES / "silence-10s.wav").json()
    assert report["audio_s"] == pytest.approx(10 + USED_UP_AFTER_S, abs=0.2)
    answers = ["wake-lets-reflect", "choose-patience", "patience-1", "patience-2"]
    report = listen(cli, answers).json()
    assert [w["phrase"] for w in report["wakes"]] == ["let's reflect"]
    (session_id,) = report["sessions"]
    record = cli("show", session_id, "--json").json()
    assert record["topic"] == "patience"
    assert "partner" in record["turns"][0]["answer"]["text"]


def test_answers_that_wake_nothing_are_followed_by_the_next_one(cli: Cli, home: Path) -> None:
    """With answers alone, one that is no wake phrase (an answer, or a cough with no speech in
    it) is followed by the next once NEXT_ANSWER_AFTER_S have passed: the run went on forever
    at full speed with the later wake phrase never said."""
    write_mini_home(home, STREAMING_WORDS)
    answers = ["patience-1", "wake-lets-reflect", "choose-patience", "patience-1", "patience-2"]
    report = listen(cli, answers).json()
    assert [w["phrase"] for w in report["wakes"]] == ["let's reflect"]
    first = fixture_duration("patience-1") + NEXT_ANSWER_AFTER_S
    assert report["wakes"][0]["at_s"] == pytest.approx(first + 1.5, abs=1.5)
    (session_id,) = report["sessions"]
    assert cli("show", session_id, "--json").json()["topic"] == "patience"
    # nothing but answers that wake nothing: all said in turn, then the run ends
    report = listen(cli, ["patience-1", "patience-2"]).json()
    assert report["wakes"] == [] and report["sessions"] == []
    spoken = fixture_duration("patience-1") + NEXT_ANSWER_AFTER_S + fixture_duration("patience-2")
    assert report["audio_s"] == pytest.approx(spoken + USED_UP_AFTER_S, abs=1.0)


def fixture_duration(name: str) -> float:
    """Seconds of a fixture WAV (16 kHz int16)."""
    return len(read_wav(fixture_wav(name))) / 2 / 16000


def test_a_short_wake_phrase_is_one_warning_line_when_listen_starts(cli: Cli, home: Path) -> None:
    """`phrases = ["hey"]` was taken silently and woke on other speech: `listen` names the key,
    its line and the advice in one line on stderr, and goes on; the built-in phrases give none."""
    silence = FIXTURES / "silence-10s.wav"
    assert FAST_CONFIG.rstrip().splitlines()[-2] == "[wake]"
    write_mini_home(home, 'phrases = ["Hey!", "let\'s reflect", "wake up"]\n')
    result = listen(cli, [], "--mic-file", silence, "--max-seconds", "1")
    warned = [line for line in result.err.splitlines() if "warning" in line]
    line = len(FAST_CONFIG.splitlines()) + 1
    assert warned == [
        f'voicecoach: warning: {home / "config.toml"}: wake.phrases: "Hey!" has 1 syllable, '
        '"wake up" 2; a wake phrase of 3 syllables or more (such as "let\'s reflect") is less '
        f"often heard in other speech (line {line})"
    ]
    assert result.json()["audio_s"] == pytest.approx(1, abs=0.2)
    write_mini_home(home)
    assert "warning" not in listen(cli, [], "--mic-file", silence, "--max-seconds", "1").err


def test_a_wake_word_pocketsphinx_lacks_is_one_line_spelled_as_in_the_file(
    cli: Cli, home: Path
) -> None:
    write_mini_home(home, 'phrases = ["hey zorblax"]\n')  # short too: the error alone is said
    result = cli("listen", "--mic-file", FIXTURES / "silence-10s.wav", "--fast", "--once",
                 "--engine", "pocketsphinx")  # fmt: skip
    assert (result.code, result.out) == (1, "")
    line = len(FAST_CONFIG.splitlines()) + 1
    assert result.err.splitlines()[-1] == (
        f"voicecoach: error: {home / 'config.toml'}: wake.phrases: PocketSphinx does not know "
        f'the word(s) "zorblax"; choose other phrases (line {line})'
    )
    assert "warning" not in result.err


def test_a_reply_that_names_no_practice_is_asked_once_more_then_let_go(
    cli: Cli, home: Path, room: Path
) -> None:
    write_mini_home(home, STREAMING_WORDS)
    result = listen(cli, ["reply-not-now", "reply-yes"], "--mic-file", room, "--once")
    assert result.json()["sessions"] == []
    assert NOT_CHOSEN in result.err


def test_surprise_me_picks_one_of_the_practices(cli: Cli, home: Path, room: Path) -> None:
    write_mini_home(home, STREAMING_WORDS)
    result = listen(cli, ["choose-surprise"], "--mic-file", room, "--once", "--max-seconds", "40")
    (session_id,) = result.json()["sessions"]
    assert cli("show", session_id, "--json").json()["topic"] in OFFERED


def test_a_bad_clock_start_is_one_clear_line(cli: Cli, home: Path) -> None:
    result = cli("listen", "--mic-file", FIXTURES / "silence-10s.wav", "--clock-start", "8pm")
    assert result.code == 2
    assert result.err.strip() == (
        "voicecoach: error: --clock-start: expected a time like 2025-01-31T19:59, got '8pm'"
    )


@pytest.mark.parametrize("option", ["--mic-file", "--answers"])
@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "no such file"),
        (b"hello\n", "not a readable PCM WAV file: no RIFF/WAVE header in its 6 bytes"),
        (b"", "the file is empty (0 bytes); give a WAV recording"),
    ],
)
def test_a_bad_input_file_is_the_one_line_before_anything_starts(
    cli: Cli, home: Path, tmp_path: Path, option: str, content: bytes | None, problem: str
) -> None:
    bad = tmp_path / "bad.wav"
    if content is not None:
        bad.write_bytes(content)
    result = cli("listen", option, bad, "--fast", "--once")
    assert result.code == 1 and result.out == ""
    assert result.err.startswith(f"voicecoach: error: {bad}: {problem}"), result.err
    assert len(result.err.splitlines()) == 1, result.err  # no "speaking with …" before it
    assert not home.exists()


@pytest.mark.parametrize(
    ("said", "practice"),
    [
        ("patients", "patience"),
        ("self compassion", "self-compassion"),
        ("communication please", "communication"),
        ("the weather", None),
        ("", None),
    ],
)
def test_choosing_a_practice_by_its_words(said: str, practice: str | None) -> None:
    assert choose_practice(said, OFFERED, random.Random(1)) == practice


def test_surprise_me_chooses_among_the_offered_only() -> None:
    picks = {choose_practice("surprise me", OFFERED, random.Random(seed)) for seed in range(20)}
    assert picks == set(OFFERED)
    assert choose_practice("surprise me", (), random.Random(1)) is None


@pytest.mark.parametrize(
    ("said", "reply"),
    [
        ("yes", Reply.YES),
        ("yep sure", Reply.YES),
        ("not now", Reply.NOT_NOW),
        ("maybe later", Reply.NOT_NOW),
        ("no thanks", Reply.NO),
        ("the weather", Reply.UNCLEAR),
        ("", Reply.UNCLEAR),
    ],
)
def test_replies_to_the_invitation(said: str, reply: Reply) -> None:
    assert invitation_reply(said) is reply


def test_listen_keeps_answer_audio_and_applies_keep_days(
    cli: Cli, home: Path, room: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_mini_home(home, "\n[journal]\nsave_audio = true\nkeep_days = 30\n" + STREAMING_WORDS)
    now = datetime.now().astimezone().replace(microsecond=0)
    journal = Journal(home / "journal")
    journal.save(
        make_record(
            "old-1", (now - timedelta(days=45)).isoformat(), turns=1, status=Status.COMPLETED
        )
    )
    journal.close()
    answers = ["choose-patience", "patience-1", "patience-2"]
    report = listen(cli, answers, "--mic-file", room, "--once").json()
    (session_id,) = report["sessions"]
    journal = Journal(home / "journal")  # read directly: `history` would apply keep_days itself
    assert [s.id for s in journal.summaries()] == [session_id]
    journal.close()
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("voicecoach")]
    assert "removed 1 session(s) older than 30 days ([journal] keep_days)" in logged
    assert "wake phrase heard" in logged
    assert not [line for line in logged if "partner" in line or "chest" in line]
    folder = home / "journal" / "audio" / session_id
    assert sorted(p.name for p in folder.glob("*.wav")) == ["1.wav", "2.wav"]
    # The kept audio is the answer itself (the quiet room around it aside).
    kept = np.trim_zeros(np.frombuffer(read_wav(folder / "1.wav"), dtype="<i2")).tobytes()
    said = read_wav(fixture_wav("patience-1"))
    assert len(kept) > len(said) * 0.7 and said.find(kept) >= 0
