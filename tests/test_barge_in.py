"""Speaking over the coach, through the real loop on file sources in audio time: a command said
while the coach is still talking stops its voice at once and is acted on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from tests.conftest import CliResult, fixture_wav
from tests.virtual_audio import write_mini_home
from voicecoach.audio.voice import trim_trailing_silence
from voicecoach.audio.wavfile import read_wav, write_wav
from voicecoach.coach.options import STOPPED
from voicecoach.frames import SAMPLE_RATE
from voicecoach.speech.tts import TextToSpeech

SPEAKS_AT_S = 0.5
"""When the person says "stop": while the coach is still saying "Hello." and its question."""


def test_stop_said_over_the_coach_cuts_it_short_and_ends_the_session(
    home: Path, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    write_mini_home(home)
    said = read_wav(fixture_wav("cmd-stop"))
    mic = tmp_path / "room.wav"
    write_wav(mic, bytes(int(SPEAKS_AT_S * SAMPLE_RATE) * 2) + said + bytes(8 * SAMPLE_RATE * 2))
    speaker = tmp_path / "coach.wav"
    result = cli(
        "session", "patience", "--mic-file", mic, "--speaker-file", speaker,
        "--fast", "--engine", "pocketsphinx", "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    record = result.json()
    assert record["status"] == "stopped"
    (turn,) = record["turns"]
    assert turn["answer"] is None and "command:stop" in turn["events"]
    tts = TextToSpeech(home / "cache" / "voice")
    full = sum(len(trim_trailing_silence(tts.render(t))) // 2 for t in ("Hello.", "What happened?"))
    heard = np.frombuffer(read_wav(speaker), dtype="<i2")
    block = SAMPLE_RATE // 20
    quiet = [i for i in range(0, full, block) if not np.abs(heard[i : i + block]).max(initial=0)]
    cut = quiet[0] / SAMPLE_RATE  # the first 50 ms of silence: the coach fell silent there
    onset = SPEAKS_AT_S + 0.3  # the fixture's speech begins 0.3 s in
    assert 0.0 < cut - onset <= 0.35, cut - onset
    stop_line = len(trim_trailing_silence(tts.render(STOPPED))) // 2
    rest = heard[quiet[0] : len(heard) - stop_line]
    assert len(rest) and not rest.any()  # nothing more of the question, then why it stops


def test_a_question_cut_before_it_was_heard_is_not_kept_or_shown(
    home: Path, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    """Speech over the reply continues the answer; the next question, already queued but not
    yet begun, was never said: it is asked once, shown once and kept once."""
    write_mini_home(home)
    silence = bytes(SAMPLE_RATE * 2)  # a second
    first, more = read_wav(fixture_wav("safe-6")), read_wav(fixture_wav("dialogue-feeling-1"))
    mic = tmp_path / "room.wav"
    # the answer 7 s in (after the first-run note, the opening and the question); the rest 1.4 s
    # after it ends, while the coach replies to it
    gap = bytes(int(1.4 * SAMPLE_RATE) * 2)
    write_wav(mic, silence * 7 + first + gap + more + silence * 10)
    result = cli(
        "session", "patience", "--mic-file", mic, "--speaker-file", tmp_path / "coach.wav",
        "--fast", "--engine", "pocketsphinx", "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    one, two = result.json()["turns"]
    assert one["events"] == ["continued"] and "afraid" in one["answer"]["text"]
    assert two["coach_lines"].count("What did you feel?") == 1
    assert result.err.count("coach What did you feel?") == 1
