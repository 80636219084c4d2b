"""The cepstral mean follows the person's level: after soft answers (far from the microphone)
a normal "stop" is heard, and a soft answer after normal ones keeps its words, through the real
PocketSphinx decoders (streaming, and whole-utterance) on the session fixtures."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import fixture_text, fixture_wav
from voicecoach.audio.wavfile import read_wav
from voicecoach.frames import SAMPLE_RATE
from voicecoach.speech import cepstral_mean
from voicecoach.speech.cepstral_mean import LevelTracker, moved, speech_level
from voicecoach.speech.scoring import word_error_rate
from voicecoach.speech.sphinx_engine import SphinxRecognizer, decode_whole, whole_decoder

SOFT_DB = -36.0
"""The far, soft speaker of the speak-up tests: the fixtures turned down 36 dB."""


def clip(name: str, gain_db: float = 0.0) -> bytes:
    """A fixture's audio turned by ``gain_db``, with 0.5 s of silence after it."""
    pcm = np.frombuffer(read_wav(fixture_wav(name)), dtype=np.int16).astype(np.float64)
    pcm = np.clip(np.round(pcm * 10 ** (gain_db / 20)), -32768, 32767).astype(np.int16)
    return pcm.tobytes() + bytes(SAMPLE_RATE)


def streamed(recognizer: SphinxRecognizer, pcm: bytes) -> str:
    """What the streaming decoder made of ``pcm``, fed in 100 ms blocks as the loop does."""
    step = SAMPLE_RATE // 10 * 2
    for start in range(0, len(pcm), step):
        recognizer.accept(pcm[start : start + step])
    return recognizer.finish(0.0).text


@pytest.fixture
def recognizer() -> SphinxRecognizer:
    """A fresh streaming decoder (what it heard before moves the mean) without its child."""
    sphinx = SphinxRecognizer()
    assert sphinx.second_pass is not None
    sphinx.second_pass.close()
    sphinx.second_pass = None
    return sphinx


def test_only_c0_moves_about_a_unit_a_decibel() -> None:
    assert moved("57.5,9.47,-3.5", -36.0) == "21.5000,9.4700,-3.5000"
    with pytest.raises(ValueError):
        moved("", 3.0)


def test_the_speech_level_leaves_out_the_silence_around_the_words() -> None:
    assert speech_level([]) is None
    level = speech_level([-90.0, -20.0, -20.0, -95.0, -40.0])
    assert level is not None and -22.0 < level < -21.5  # -40 is within 30 dB: counted
    tracker = LevelTracker()
    assert tracker.jump(-20.0) == 0.0  # nothing learnt yet
    tracker.learn(-20.0)
    assert tracker.jump(-25.0) == 0.0  # the same voice, a little softer
    assert tracker.jump(-56.0) == -36.0


def test_normal_commands_after_soft_answers_are_heard(
    recognizer: SphinxRecognizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two answers at -36 dB, then the person comes closer: "stop" and "repeat" came out as
    "die" and "right", decoded against a mean learnt on the soft voice."""

    def session() -> list[str]:
        streamed(recognizer, clip("patience-3"))
        for name in ("patience-1", "patience-2"):
            streamed(recognizer, clip(name, SOFT_DB))
        return [streamed(recognizer, clip(name)) for name in ("cmd-stop", "cmd-repeat")]

    assert session() == ["stop", "repeat"]
    monkeypatch.setattr(cepstral_mean, "LEVEL_JUMP_DB", float("inf"))  # the mean never moved
    assert session() != ["stop", "repeat"]


def test_a_soft_answer_after_normal_ones_keeps_its_words(recognizer: SphinxRecognizer) -> None:
    """A long answer at -36 dB after a normal one: the streaming decoder starts it again once
    it has heard a second of it (WER 0.43 with the mean learnt on the normal voice)."""
    streamed(recognizer, clip("communication-1"))
    heard = streamed(recognizer, clip("communication-2", SOFT_DB))
    assert word_error_rate(fixture_text("communication-2"), heard) <= 0.15, heard


def test_the_whole_utterance_decoder_moves_the_mean_before_it_decodes() -> None:
    decoder, levels = whole_decoder(), LevelTracker()
    for name in ("patience-1", "patience-2"):
        decode_whole(decoder, clip(name, SOFT_DB), 0.0, levels)
    assert levels.learnt_dbfs is not None and levels.learnt_dbfs < -45.0
    assert decode_whole(decoder, clip("cmd-stop"), 0.0, levels).text == "stop"
    assert levels.learnt_dbfs > -30.0


def test_noise_alone_has_no_level_to_judge() -> None:
    assert speech_level([-55.0] * 10) is None
    assert speech_level([-90.0] * 10 + [-20.0, -18.0]) is None  # 200 ms: too little to judge
    level = speech_level([-90.0] * 10 + [-20.0] * 3)
    assert level is not None and abs(level + 20.0) < 0.01
    tracker = LevelTracker(-20.0)
    tracker.learn(None)
    assert tracker.learnt_dbfs is None and tracker.jump(-60.0) == 0.0
