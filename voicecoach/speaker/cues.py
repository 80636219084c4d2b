"""Short sounds that mark "I'm listening" (rising) and "done" (falling)."""

from __future__ import annotations

import numpy as np

from voicecoach.frames import SAMPLE_RATE

NOTE_S = 0.12
"""Length of one note."""
LOW_HZ = 660.0
HIGH_HZ = 880.0


def _note(freq: float, volume: float) -> np.ndarray:
    t = np.arange(int(NOTE_S * SAMPLE_RATE)) / SAMPLE_RATE
    envelope = np.minimum(1.0, np.minimum(t, NOTE_S - t) / 0.015)
    result: np.ndarray = np.sin(2 * np.pi * freq * t) * envelope * volume
    return result


def tone(freqs: tuple[float, ...], volume: float = 0.3) -> bytes:
    """Notes in a row, as 16 kHz mono int16 PCM."""
    samples = np.concatenate([_note(f, volume) for f in freqs])
    return (samples * 32767).astype("<i2").tobytes()


LISTENING = tone((LOW_HZ, HIGH_HZ))
"""Rising: the coach is listening."""
DONE = tone((HIGH_HZ, LOW_HZ))
"""Falling: done, back to waiting."""
