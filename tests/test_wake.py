"""Wake phrase spotting on real audio: PocketSphinx keyphrases and a Vosk grammar (real models)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, fixture_wav, group
from voicecoach.audio.wavfile import read_wav
from voicecoach.errors import ConfigError
from voicecoach.frames import FRAME_SAMPLES, AudioChunk
from voicecoach.speaker.wake import SphinxPhrases, VoskPhrases, WakeSpotter

PHRASES = ("hey coach", "let's reflect")


def frames(pcm: bytes, lead_s: float = 1.0, tail_s: float = 1.0) -> Iterator[AudioChunk]:
    pcm = bytes(int(32000 * lead_s)) + pcm + bytes(int(32000 * tail_s))
    for i, start in enumerate(range(0, len(pcm) - 3199, 3200)):
        yield AudioChunk(pcm[start : start + 3200], i * FRAME_SAMPLES)


def heard(spotter: WakeSpotter, pcm: bytes) -> list[str]:
    return [w.phrase for chunk in frames(pcm) if (w := spotter.feed(chunk)) is not None]


@pytest.fixture(scope="module")
def sphinx() -> Iterator[WakeSpotter]:
    spotter = WakeSpotter(SphinxPhrases(PHRASES, threshold=1e-20))
    yield spotter
    spotter.close()


def test_pocketsphinx_hears_lets_reflect_said_on_its_own(sphinx: WakeSpotter) -> None:
    found = heard(sphinx, read_wav(fixture_wav("wake-lets-reflect")))
    assert found == ["let's reflect"]


@pytest.mark.parametrize("name", group("patience") + group("command") + group("choose"))
def test_pocketsphinx_does_not_wake_on_other_speech(sphinx: WakeSpotter, name: str) -> None:
    assert heard(sphinx, read_wav(fixture_wav(name))) == []


def test_silence_and_noise_never_reach_the_decoder() -> None:
    spotter = WakeSpotter(SphinxPhrases(PHRASES, threshold=1e-20))
    assert heard(spotter, read_wav(FIXTURES / "silence-10s.wav")) == []
    assert spotter.stats.decoded == 0 and spotter.stats.frames > 100
    assert heard(spotter, read_wav(FIXTURES / "noise-10s.wav")) == []


def test_long_speech_is_not_decoded_past_the_longest_phrase() -> None:
    spotter = WakeSpotter(SphinxPhrases(PHRASES, threshold=1e-20), max_phrase_s=1.5)
    speech = read_wav(fixture_wav("patience-1"))
    assert heard(spotter, speech) == []
    assert spotter.stats.decoded < 0.5 * len(speech) / 3200


def test_a_word_pocketsphinx_does_not_know_is_named() -> None:
    with pytest.raises(ConfigError, match='wake.phrases.*"zzyzxq"'):
        SphinxPhrases(("hey zzyzxq",), threshold=1e-20)


def espeak_ko(word: str, folder: Path) -> bytes:
    if shutil.which("espeak-ng") is None:
        pytest.skip("needs espeak-ng")
    wav = folder / "word.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(wav), word], check=True, timeout=30)
    return read_wav(wav)


def test_vosk_grammar_hears_its_phrase_and_not_long_speech(
    korean_model: Any, tmp_path: Path
) -> None:
    spotter = WakeSpotter(VoskPhrases(korean_model, ("보내세요", "영화"), min_confidence=0.6))
    assert heard(spotter, espeak_ko("보내세요", tmp_path)) == ["보내세요"]
    assert heard(spotter, espeak_ko("감사합니다", tmp_path)) == []
    assert heard(spotter, read_wav(fixture_wav("ko-3"))) == []
    assert heard(spotter, read_wav(FIXTURES / "silence-10s.wav")) == []


def test_vosk_wake_phrases_the_model_cannot_know_are_named(
    korean_model: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(ConfigError, match=r"wake.phrases: the Vosk model knows none"):
        VoskPhrases(korean_model, PHRASES, min_confidence=0.6)
    caplog.clear()
    with caplog.at_level("WARNING", logger="voicecoach.speech.grammar"):
        spotter = VoskPhrases(korean_model, ("영화", "hey coach"), min_confidence=0.6)
    assert spotter.phrases == ("영화",)
    assert [r.getMessage() for r in caplog.records] == [
        "the Vosk model does not know every word of the wake phrases: hey coach"
    ]
