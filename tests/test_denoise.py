"""The noise suppressor in front of the recognizer: untouched in a quiet room, in time, and
steady noise taken out without taking the voice with it."""

from __future__ import annotations

import numpy as np

from tests import room
from voicecoach.speech.denoise import NoiseSuppressor
from voicecoach.speech.vad import level_dbfs

FRAME = 1600
"""Samples in one 100 ms frame, as the listener gives them."""


def pcm(samples: np.ndarray) -> bytes:
    return np.clip(np.round(samples * 32767), -32768, 32767).astype("<i2").tobytes()


def floats(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<i2").astype(np.float64) / 32768.0


SPEECH_DBFS = -24.0
"""The person's level as the detector has learned it when an answer begins (voice at -22)."""


def run(suppressor: NoiseSuppressor, data: bytes, speech_dbfs: float = SPEECH_DBFS) -> bytes:
    """One utterance through the suppressor, 100 ms at a time."""
    suppressor.begin(speech_dbfs)
    out = [suppressor.process(data[at : at + 2 * FRAME]) for at in range(0, len(data), 2 * FRAME)]
    return b"".join(out) + suppressor.flush()


def learned(kind: str, dbfs: float) -> NoiseSuppressor:
    suppressor = NoiseSuppressor()
    bed = pcm(room.noise(kind, 2.0, seed=3) * 10 ** (dbfs / 20))
    for at in range(0, len(bed), 2 * FRAME):
        suppressor.learn(bed[at : at + 2 * FRAME])
    return suppressor


def test_a_quiet_room_passes_untouched() -> None:
    speech = pcm(room.at_level(room.real_clip("he was not").pcm, room.SPEECH_DBFS))
    quiet = learned("pink", -75.0)
    assert quiet.noise_dbfs < -70.0
    assert run(quiet, speech) == speech
    assert not quiet.filtering
    assert run(NoiseSuppressor(), speech) == speech  # nothing learned yet
    assert run(learned("pink", -32.0), speech, speech_dbfs=None) == speech  # nobody heard yet


def test_noise_below_the_speech_band_passes_untouched() -> None:
    speech = pcm(room.at_level(room.real_clip("he was not").pcm, room.SPEECH_DBFS))
    for kind in ("brown", "hum"):
        suppressor = learned(kind, room.SPEECH_DBFS - 10.0)
        assert run(suppressor, speech) == speech, kind
    suppressor = learned("pink", room.SPEECH_DBFS - 20.0)  # in the band, but far below
    assert run(suppressor, speech) == speech
    assert not suppressor.filtering


def test_the_learned_level_is_the_noise_level() -> None:
    for kind in ("pink", "brown", "hum"):
        assert abs(learned(kind, -32.0).noise_dbfs - -32.0) < 1.5, kind


def test_noise_is_taken_out_and_the_voice_stays_in_time() -> None:
    clip = room.at_level(room.real_clip("he was not").pcm, room.SPEECH_DBFS)
    seconds = len(clip) / room.RATE + 1.0
    bed = room.noise("pink", seconds, seed=11) * 10 ** ((room.SPEECH_DBFS - 10.0) / 20)
    mixed = bed.copy()
    mixed[room.RATE // 2 : room.RATE // 2 + len(clip)] += clip
    suppressor = learned("pink", room.SPEECH_DBFS - 10.0)
    out = run(suppressor, pcm(mixed))
    assert suppressor.filtering
    assert len(out) == len(pcm(mixed))  # every sample back, none added
    cleaned = floats(out)
    # Before the voice: the noise is quieter (plain power subtraction takes ~5 dB off random
    # noise: the bins where it happens to stand above its mean keep most of their power).
    before = slice(0, room.RATE // 2 - 512)
    assert level_dbfs(pcm(cleaned[before])) < level_dbfs(pcm(mixed[before])) - 3.0
    # The voice: still at its level, and where it was (no delay).
    voice = slice(room.RATE // 2, room.RATE // 2 + len(clip))
    assert abs(level_dbfs(pcm(cleaned[voice])) - room.SPEECH_DBFS) < 2.0
    lags = np.arange(-400, 401)
    match = [float(np.dot(cleaned[voice], np.roll(mixed, lag)[voice])) for lag in lags]
    assert abs(int(lags[int(np.argmax(match))])) <= 1
