"""Steady background noise taken out of what the recognizer hears.

Power spectral subtraction (Boll, 1979) over a short-time Fourier transform: each 32 ms window
keeps, per frequency bin, the share of its power that stands above the room's noise spectrum.
The noise spectrum is learned from the frames the voice-activity detector hears as no speech
(the room between and before answers), averaged over about a second, so a fan, a hum or pink
or brown noise is learned within a second and followed as it changes.

Why in front of the recognizer: PocketSphinx's acoustic model is trained on clean read speech
and its own noise removal is off by default. Under pink noise 10 dB below the voice, a session
stored "he was not an ill disposed young man" as "ellis good yeah then if" (its first three
words lost); with the noise subtracted, as "that he was not fun illness those young man it".
The detector itself hears the raw audio (Silero is robust to steady noise on its own).

Only when the noise is close to the voice where speech is heard: the utterance is filtered
when the noise in the speech band (``BAND_HZ``) is less than ``MAX_SNR_DB`` below the person's
speech level. Otherwise it passes untouched, sample for sample: in a quiet room, under a hum
or brown noise (their power lies below the band), and under milder noise the recognizer
already hears as well without the filter, and more cheaply (subtraction leaves a flickering
"musical" residue that makes PocketSphinx's search work up to twice as hard). The decision is
taken once per utterance, as it begins, so one utterance is never half filtered.
"""

from __future__ import annotations

import numpy as np

from voicecoach.audio.wavfile import to_pcm16
from voicecoach.frames import SAMPLE_WIDTH

WINDOW = 512
"""Samples per analysis window (32 ms at 16 kHz: the usual frame of speech enhancement)."""

HOP = WINDOW // 2
"""Window step: half a window, where the square-root Hann windows add back up to exactly 1."""

NOISE_TIME_S = 1.0
"""Time constant of the noise spectrum's running average, seconds of noise-only audio."""

GAIN_FLOOR = 0.1
"""Least amplitude gain of a bin (−20 dB): a floor of residual noise is left rather than
holes, which the recognizer hears as "musical" chirps and words."""

BAND_HZ = (300.0, 4000.0)
"""The band where the recognizer hears speech (PocketSphinx's features weigh it most)."""

MAX_SNR_DB = 15.0
"""Filter only when the noise in ``BAND_HZ`` is less than this far below the person's speech
level (as the detector has learned it when the answer begins). Measured in the room tests on
the LibriVox clips (the voice at -22 dBFS RMS, learned as about -24 dBFS as it begins): pink
noise 10 dB below the voice lies 11 dB below it in the band, and subtraction turned the stored
words from nonsense into the answer; brown noise at -10 dB (19 dB in the band) and pink at
-20 dB (20 dB) were heard as well unfiltered, at about half the decoding time."""

_FULL_SCALE = 32768.0
_WINDOW_FN = np.sqrt(0.5 - 0.5 * np.cos(2 * np.pi * np.arange(WINDOW) / WINDOW))
"""Square-root periodic Hann: applied before and after, its square sums to 1 at ``HOP``."""


def _floats(pcm: bytes) -> np.ndarray:
    usable = len(pcm) - len(pcm) % SAMPLE_WIDTH
    return np.frombuffer(pcm[:usable], dtype="<i2").astype(np.float64) / _FULL_SCALE


class NoiseSuppressor:
    """Learns the room's noise from non-speech frames and subtracts it from an utterance.

    Audio is 16 kHz mono int16 PCM. ``learn`` takes frames heard as no speech; ``begin``
    starts an utterance (and decides whether it is filtered); ``process`` returns the filtered
    audio so far (it lags the input by up to one window, 32 ms); ``flush`` returns the rest,
    so that an utterance's output has exactly as many samples as its input, each at the same
    place in time.
    """

    def __init__(self) -> None:
        self.noise: np.ndarray | None = None
        """Noise power per frequency bin (``WINDOW // 2 + 1`` values), once learned."""
        self._filtering = False
        self._pending = np.zeros(0)
        """Input not yet analysed (starts ``HOP`` zeros early, see ``begin``)."""
        self._overlap = np.zeros(WINDOW)
        """Output windows added up, not yet complete past the first ``HOP`` samples."""
        self._taken = 0
        self._given = 0
        self._skip = 0

    @property
    def noise_dbfs(self) -> float:
        """RMS level of the learned noise, dBFS (−120.0 before any was learned)."""
        return self.band_dbfs(0.0, 8000.0)

    def band_dbfs(self, low_hz: float, high_hz: float) -> float:
        """RMS level of the learned noise between two frequencies, dBFS (−120.0 if none)."""
        if self.noise is None:
            return -120.0
        bins = np.fft.rfftfreq(WINDOW, 1 / 16000)
        weight = np.where((bins > 0) & (bins < 8000), 2.0, 1.0)  # both halves of the spectrum
        band = (bins >= low_hz) & (bins <= high_hz)
        # Parseval over one window: the mean power of a windowed frame, per sample.
        power = float(np.sum(weight[band] * self.noise[band])) / WINDOW
        power /= float(np.sum(_WINDOW_FN**2))
        return max(-120.0, 10.0 * float(np.log10(max(power, 1e-12))))

    def learn(self, pcm: bytes) -> None:
        """Take a frame heard as no speech (any length) into the noise spectrum."""
        samples = _floats(pcm)
        starts = range(0, len(samples) - WINDOW + 1, HOP)
        if not starts:
            return
        frames = np.stack([samples[at : at + WINDOW] for at in starts]) * _WINDOW_FN
        power = np.mean(np.abs(np.fft.rfft(frames, axis=1)) ** 2, axis=0)
        if self.noise is None:
            self.noise = power
            return
        weight = min(1.0, len(samples) / 16000 / NOISE_TIME_S)
        self.noise += weight * (power - self.noise)

    def begin(self, speech_dbfs: float | None) -> None:
        """Start an utterance: filtered when the noise in the speech band is within
        ``MAX_SNR_DB`` of ``speech_dbfs`` (the person's level, dBFS; None: not known, not
        filtered), else passed through."""
        self._filtering = (
            self.noise is not None
            and speech_dbfs is not None
            and speech_dbfs - self.band_dbfs(*BAND_HZ) < MAX_SNR_DB
        )
        # HOP zeros before the first sample: every real sample then lies under two windows.
        self._pending = np.zeros(HOP)
        self._overlap = np.zeros(WINDOW)
        self._taken = self._given = 0
        self._skip = HOP

    @property
    def filtering(self) -> bool:
        """Whether the current utterance is filtered."""
        return self._filtering

    def process(self, pcm: bytes) -> bytes:
        """The filtered audio of the utterance that is ready (all of it when passing through)."""
        if not self._filtering:
            return pcm
        samples = _floats(pcm)
        self._taken += len(samples)
        self._pending = np.concatenate((self._pending, samples))
        return self._emit(self._run())

    def flush(self) -> bytes:
        """The rest of the utterance (ends ``process``'s lag); nothing when passing through."""
        if not self._filtering or self._given >= self._taken:
            return b""
        self._pending = np.concatenate((self._pending, np.zeros(WINDOW)))
        return self._emit(self._run())

    def _run(self) -> np.ndarray:
        """Analyse every whole window pending; the output samples completed by them."""
        assert self.noise is not None
        done: list[np.ndarray] = []
        while len(self._pending) >= WINDOW:
            spectrum = np.fft.rfft(self._pending[:WINDOW] * _WINDOW_FN)
            power = np.abs(spectrum) ** 2
            gain = np.sqrt(np.maximum(1.0 - self.noise / np.maximum(power, 1e-20), GAIN_FLOOR**2))
            self._overlap += np.fft.irfft(spectrum * gain, WINDOW) * _WINDOW_FN
            done.append(self._overlap[:HOP].copy())
            self._overlap = np.concatenate((self._overlap[HOP:], np.zeros(HOP)))
            self._pending = self._pending[HOP:]
        return np.concatenate(done) if done else np.zeros(0)

    def _emit(self, out: np.ndarray) -> bytes:
        """Drop the leading ``HOP`` of priming, never give more than was taken."""
        if self._skip:
            cut = min(self._skip, len(out))
            out, self._skip = out[cut:], self._skip - cut
        out = out[: max(0, self._taken - self._given)]
        self._given += len(out)
        return to_pcm16(out)
