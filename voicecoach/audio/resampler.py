"""Sample-rate conversion, whole or one block at a time with flat memory."""

from __future__ import annotations

import numpy as np

TAPS = 63
"""Length of the anti-aliasing FIR filter (odd: its delay is a whole number of samples)."""


def _kernel(cutoff: float, taps: int = TAPS) -> np.ndarray:
    """Windowed-sinc low-pass; cutoff is a fraction of the sampling rate (0–0.5)."""
    n = np.arange(taps) - (taps - 1) / 2
    kernel = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(taps)
    return np.asarray(kernel / kernel.sum())


def resample(samples: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Band-limited resampling of a whole signal (float samples; rates in Hz)."""
    if src_rate == dst_rate or samples.size == 0:
        return samples
    stream = StreamResampler(src_rate, dst_rate, samples.size)
    return np.concatenate([stream.feed(samples), stream.finish()])


class StreamResampler:
    """Resamples a signal fed in blocks; output equals resampling the whole signal at once.

    Downsampling low-passes first (windowed sinc at 0.45 of the new rate), then every output
    sample is linearly interpolated. Memory is one block plus the filter's history.
    ``total_in`` (input samples) fixes the output length: round(total_in × dst / src).
    """

    def __init__(self, src_rate: int, dst_rate: int, total_in: int) -> None:
        self._step = src_rate / dst_rate
        """Input samples per output sample."""
        self._count = int(round(total_in / self._step)) if total_in else 0
        self._kernel = _kernel(0.45 * dst_rate / src_rate) if dst_rate < src_rate else None
        self._delay = (TAPS - 1) // 2 if self._kernel is not None else 0
        self._history = np.zeros(TAPS - 1)
        self._to_skip = self._delay
        """Filtered samples still to drop at the start (the filter's delay)."""
        self._fed = 0
        """Input samples fed so far."""
        self._buffer = np.zeros(0)
        """Filtered samples not yet passed, starting at input index ``_base``."""
        self._base = 0
        self._made = 0
        """Output samples produced so far."""

    def _filter(self, block: np.ndarray) -> np.ndarray:
        if self._kernel is None:
            return block
        padded = np.concatenate([self._history, block])
        self._history = padded[-(TAPS - 1) :]
        out = np.convolve(padded, self._kernel, mode="valid")
        if self._to_skip:
            dropped = min(self._to_skip, out.size)
            out = out[dropped:]
            self._to_skip -= dropped
        return out

    def feed(self, block: np.ndarray) -> np.ndarray:
        """Float samples in (any length); the output samples they complete."""
        self._fed += block.size
        return self._interpolate(self._filter(block), final=False)

    def finish(self) -> np.ndarray:
        """The last output samples, once every input sample was fed."""
        tail = self._filter(np.zeros(self._delay)) if self._delay else np.zeros(0)
        return self._interpolate(tail[: max(0, self._fed - self._base - self._buffer.size)], True)

    def _interpolate(self, filtered: np.ndarray, final: bool) -> np.ndarray:
        buffer = np.concatenate([self._buffer, filtered])
        if buffer.size == 0:
            return np.zeros(0)
        last = self._base + buffer.size - 1
        if final:
            end = self._count
        else:
            # an output sample needs the input sample after its position
            end = min(self._count, int(np.floor((last - 1) / self._step)) + 1)
            end = max(end, self._made)
        positions = np.arange(self._made, end) * self._step - self._base
        out = np.interp(positions, np.arange(buffer.size), buffer)
        self._made = end
        keep_from = int(np.floor(self._made * self._step)) - self._base
        keep_from = min(max(0, keep_from), buffer.size - 1)
        self._buffer = buffer[keep_from:]
        self._base += keep_from
        return np.asarray(out)
