"""The coach's own voice, taken back out of the microphone: a playback-aware echo check.

The voice knows what it played and when (``Voice.played``). For each microphone frame the
played signal of the last ``MAX_DELAY_S`` is searched for the delay and gain that explain the
frame best (normalised cross-correlation, by FFT). That fitted echo is subtracted; a frame the
echo explains almost entirely is silence to everything downstream. A person's voice is not a
delayed copy of the coach's waveform (even when they repeat its words), so it survives.

With echo cancellation in the sound system (PulseAudio's ``module-echo-cancel``) the microphone
holds little of the coach and this check rarely finds anything to take out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from voicecoach.audio.wavfile import to_pcm16
from voicecoach.frames import AudioChunk, seconds_to_samples

MAX_DELAY_S = 1.0
"""Longest speaker → microphone delay looked for (output latency plus the room)."""

LEAD_S = 0.3
"""How much earlier than the voice placed it a line may be heard: a negative delay. A stream's
first line can come out before the stream's nominal output latency has built up, and the
microphone's and speakers' clocks start apart by a different amount each run."""

ECHO_SHARE = 0.5
"""A frame whose energy the fitted echo explains at least this share of is the coach's alone."""

SURE_SHARE = 0.8
"""A fit this good, anywhere in the delay window, finds (or moves) the echo path."""

PATH_SLACK_S = 0.03
"""Once the echo path is known, fits are looked for only this close to its delay."""

QUIET = 1e-7
"""Mean power (float samples) below which the played signal is taken as silence."""


class Playback(Protocol):
    """What the speaker sent out, by audio time (the coach's voice)."""

    def played(self, start: int, end: int) -> np.ndarray:
        """Float samples played over audio time [start, end) (zeros where nothing played)."""
        ...


@dataclass
class EchoStats:
    """What the echo check did so far."""

    checked: int = 0
    """Frames heard while something had been played within the delay window."""
    silenced: int = 0
    """Frames taken as the coach's own voice alone."""
    delay: int | None = None
    """Delay (samples) of the echo path, once found."""


class EchoGuard:
    """Removes the coach's own voice from microphone frames (see the module docstring)."""

    def __init__(
        self, playback: Playback, max_delay_s: float = MAX_DELAY_S, lead_s: float = LEAD_S
    ) -> None:
        self.playback = playback
        self.max_delay = seconds_to_samples(max_delay_s)
        self.lead = seconds_to_samples(lead_s)
        self.slack = seconds_to_samples(PATH_SLACK_S)
        self.stats = EchoStats()

    def clean(self, chunk: AudioChunk) -> AudioChunk:
        """The frame with the coach's echo subtracted (silence when it was only that)."""
        reference = self.playback.played(chunk.start - self.max_delay, chunk.end + self.lead)
        if not reference.size or float(np.mean(reference * reference)) < QUIET:
            return chunk
        mic = np.frombuffer(chunk.pcm, dtype="<i2").astype(np.float64) / 32768.0
        energy = float(np.dot(mic, mic))
        if energy <= 0.0:
            return chunk
        self.stats.checked += 1
        ref = reference.astype(np.float64)
        echo, share, delay = fit_echo(mic, ref, lead=self.lead)
        if share >= SURE_SHARE and energy > QUIET * mic.size:
            self.stats.delay = delay  # (a near-silent frame fits some other delay as well)
        elif self.stats.delay is None:
            return chunk  # no echo path known, and this frame shows none
        elif abs(delay - self.stats.delay) > self.slack:
            echo, share, delay = fit_echo(
                mic, ref, lead=self.lead, near=self.stats.delay, slack=self.slack
            )
        if share >= ECHO_SHARE:
            self.stats.silenced += 1
            return AudioChunk(pcm=bytes(len(chunk.pcm)), start=chunk.start)
        return AudioChunk(pcm=to_pcm16(mic - echo), start=chunk.start)


def fit_echo(
    mic: np.ndarray,
    reference: np.ndarray,
    lead: int = 0,
    near: int | None = None,
    slack: int = 0,
) -> tuple[np.ndarray, float, int]:
    """The delayed, scaled stretch of ``reference`` closest to ``mic``.

    ``reference`` holds the played samples from ``len(reference) - len(mic) - lead`` samples
    before the frame up to ``lead`` samples after its end (delays from that many samples down
    to ``-lead`` are tried); ``near`` (with ``slack``) limits the delays tried. Returns the
    fitted echo (same length as ``mic``), the share of the frame's energy it explains (0–1) and
    its delay in samples (negative: heard before the voice placed it).
    """
    n = mic.size
    span = reference.size - n
    size = 1 << int(np.ceil(np.log2(reference.size + n)))
    corr = np.fft.irfft(np.fft.rfft(reference, size) * np.conj(np.fft.rfft(mic, size)), size)
    dots = corr[: span + 1]
    power = np.concatenate(([0.0], np.cumsum(reference * reference)))
    window = power[n : n + span + 1] - power[: span + 1]
    usable = window > QUIET * n
    if near is not None:
        delays = span - lead - np.arange(span + 1)
        usable &= np.abs(delays - near) <= slack
    if not usable.any():
        return np.zeros(n), 0.0, 0
    score = np.where(usable, dots * dots / np.maximum(window, 1e-12), 0.0)
    offset = int(np.argmax(score))
    gain = dots[offset] / window[offset]
    echo = gain * reference[offset : offset + n]
    share = float(score[offset] / float(np.dot(mic, mic)))
    return echo, min(1.0, share), span - lead - offset
