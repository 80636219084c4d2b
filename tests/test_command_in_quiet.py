"""Commands heard one after another in the near silence an echo canceller leaves between words
(about -90 dBFS), through one session's listener and PocketSphinx recognizer: the cepstral mean
carried from one utterance to the next is not pulled away from speech by that silence (it was:
after the first command, none was heard any more). In room noise the mean is still learned."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pytest

from tests.conftest import fixture_wav
from voicecoach.audio.source import FRAME_BYTES
from voicecoach.audio.wavfile import read_wav
from voicecoach.coach.intents import Command
from voicecoach.config import Settings
from voicecoach.frames import SAMPLE_RATE, AudioChunk
from voicecoach.speech.events import Final
from voicecoach.speech.sphinx_engine import SphinxRecognizer
from voicecoach.wiring import coach_options, session_listener

LEAD_S = 0.3
"""Digital silence at either end of a command fixture (left out here)."""

COMMANDS = ("stop", "pause", "repeat")


@pytest.fixture(scope="module")
def sphinx() -> Iterator[SphinxRecognizer]:
    recognizer = SphinxRecognizer()
    yield recognizer
    recognizer.close()


def noise(seconds: float, dbfs: float, rng: np.random.Generator) -> np.ndarray:
    scale = 32768.0 * 10 ** (dbfs / 20)
    return np.round(rng.normal(0.0, scale, int(seconds * SAMPLE_RATE))).astype("<i2")


def command_in(command: str, dbfs: float, rng: np.random.Generator) -> bytes:
    said = np.frombuffer(read_wav(fixture_wav(f"cmd-{command}")), dtype="<i2")
    lead = int(LEAD_S * SAMPLE_RATE)
    audio = np.concatenate((noise(1.0, dbfs, rng), said[lead:-lead], noise(6.0, dbfs, rng)))
    return audio.tobytes()


def test_commands_in_near_silence_are_heard_one_after_another(sphinx: SphinxRecognizer) -> None:
    settings = Settings()
    settings = replace(settings, speech=replace(settings.speech, second_decode=False))
    coach = coach_options(settings, None)
    listener = session_listener(sphinx, settings, coach)
    rng = np.random.default_rng(5)
    heard = []
    for command in COMMANDS * 2:
        pcm = command_in(command, -90.0, rng)
        listener.start(0)
        spotted = None
        for offset in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES):
            event = listener.feed(AudioChunk(pcm[offset : offset + FRAME_BYTES], offset // 2))
            if isinstance(event, Final):
                spotted = coach.spotter.spot(event)
                break
        heard.append(spotted.command if spotted is not None else None)
    assert heard == [Command(c) for c in COMMANDS * 2]


def decode(recognizer: SphinxRecognizer, pcm: bytes) -> None:
    for offset in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES):
        recognizer.accept(pcm[offset : offset + FRAME_BYTES])
    recognizer.finish(offset=0.0)


def test_room_noise_still_moves_the_carried_mean(sphinx: SphinxRecognizer) -> None:
    rng = np.random.default_rng(6)
    sphinx.reset()
    before = sphinx._decoder.get_cmn(False)
    decode(sphinx, command_in("stop", -55.0, rng))
    learned = sphinx._decoder.get_cmn(False)
    assert learned != before
    decode(sphinx, command_in("stop", -90.0, rng))
    assert sphinx._decoder.get_cmn(False) == learned
