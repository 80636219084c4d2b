"""The cepstral mean a PocketSphinx decoder carries from one utterance to the next, kept in step
with how loudly the person speaks.

Features are normalised live: each utterance is decoded against the mean learnt on the ones
before it. Its first coefficient (c0) follows the level of the speech: measured on the session
fixtures turned down 0, 12, 24 and 36 dB, the mean's c0 was 57.5, 44.1, 32.2 and 20.3, about one
unit a decibel. After soft answers (the person far from the microphone) a normal "stop" was
decoded against a c0 some 36 units too low and came out as "die" or nothing; after normal ones,
a soft answer's words fell apart. When an utterance's level differs from the level the mean
was learnt on by ``LEVEL_JUMP_DB`` or more, its c0 is moved by the difference before the
utterance is decoded (again); the other coefficients, which carry the voice and the room, are
kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voicecoach.speech.vad import mean_level

C0_PER_DB = 1.0
"""Units of the cepstral mean's c0 per decibel of speech level (measured: 1.04, see above)."""

LEVEL_JUMP_DB = 10.0
"""A change of speech level from which the mean is moved before decoding. Answers of one
voice at one distance vary by a few decibels (the fixtures: -21.6 to -12.3 dBFS)."""

SPEECH_SPAN_DB = 30.0
"""Blocks of an utterance within this of its loudest block count as its speech (the rest are
the silences around and between the words)."""

OVER_FLOOR_DB = 12.0
"""Speech stands this far above the utterance's quietest block (its floor: room noise, or an
echo canceller's near silence); audio with no block that far up is no speech to judge."""

MIN_SPEECH_BLOCKS = 3
"""Blocks above the floor needed to judge a level (300 ms of 100 ms blocks)."""


def speech_level(levels: Sequence[float]) -> float | None:
    """The speech level (dBFS) of an utterance from the RMS levels (dBFS) of its blocks of equal
    length: the power mean of those within ``SPEECH_SPAN_DB`` of the loudest; None when fewer
    than ``MIN_SPEECH_BLOCKS`` stand ``OVER_FLOOR_DB`` above the quietest (noise alone, or
    speech with no pause to tell it from the noise)."""
    if not levels:
        return None
    floor = min(levels)
    if sum(level >= floor + OVER_FLOOR_DB for level in levels) < MIN_SPEECH_BLOCKS:
        return None
    loudest = max(levels)
    return mean_level([level for level in levels if level >= loudest - SPEECH_SPAN_DB])


def moved(cmn: str, by_db: float) -> str:
    """A cepstral mean as PocketSphinx writes it ("57.5,9.47,…") with c0 moved for speech
    ``by_db`` decibels louder (negative: softer). Raises ValueError for a mean it cannot read."""
    values = [float(v) for v in cmn.split(",")]
    values[0] += by_db * C0_PER_DB
    return ",".join(f"{v:.4f}" for v in values)


@dataclass
class LevelTracker:
    """The speech level the decoder's cepstral mean was learnt on."""

    learnt_dbfs: float | None = None
    """None until an utterance with speech was decoded (or when the last one's level could not
    be judged)."""

    def jump(self, level: float | None) -> float:
        """How far (dB) an utterance of speech ``level`` is from the learnt level, when that is
        ``LEVEL_JUMP_DB`` or more; else 0.0."""
        if level is None or self.learnt_dbfs is None:
            return 0.0
        by = level - self.learnt_dbfs
        return by if abs(by) >= LEVEL_JUMP_DB else 0.0

    def learn(self, level: float | None) -> None:
        """The decoder's mean now holds an utterance of speech ``level`` (None: a level that
        could not be judged; nothing is moved until one is learnt again)."""
        self.learnt_dbfs = level
