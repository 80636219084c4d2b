"""Audio frames: the one thing every audio source yields.

All audio inside voicecoach is 16 kHz mono signed 16-bit little-endian PCM. Time is counted in
samples of that stream ("audio time"), never in wall-clock time, so a file played faster than
real time behaves exactly like a live microphone.
"""

from __future__ import annotations

from dataclasses import dataclass

SAMPLE_RATE = 16_000
"""Samples per second of every frame."""

SAMPLE_WIDTH = 2
"""Bytes per sample (int16)."""

FRAME_SAMPLES = 1_600
"""Samples in one frame a source yields: 100 ms."""


def seconds_to_samples(seconds: float) -> int:
    """Audio time in seconds → whole samples."""
    return int(round(seconds * SAMPLE_RATE))


def samples_to_seconds(samples: int) -> float:
    """Whole samples → audio time in seconds."""
    return samples / SAMPLE_RATE


@dataclass(frozen=True)
class AudioChunk:
    """One block of 16 kHz mono int16 audio and where it sits in audio time."""

    pcm: bytes
    """Little-endian int16 samples."""
    start: int
    """Audio time of the first sample, in samples since the stream began."""

    @property
    def samples(self) -> int:
        """Number of samples in the block."""
        return len(self.pcm) // SAMPLE_WIDTH

    @property
    def end(self) -> int:
        """Audio time just after the last sample, in samples."""
        return self.start + self.samples

    @property
    def seconds(self) -> float:
        """Length of the block in seconds."""
        return samples_to_seconds(self.samples)
