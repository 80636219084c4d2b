"""The coach's own voice, taken back out of the microphone: a playback-aware echo check.

The voice knows what it played and when (``Voice.played``). For each microphone frame the
played signal of the last ``MAX_DELAY_S`` is searched for the delay and gain that explain the
frame best (normalised cross-correlation, by FFT); a short filter around that delay (``TAPS``,
least squares) then takes in the fraction of a sample and the colouring a sound path adds; while
a person speaks over the coach, the filter of the last frame of the coach alone is used. That
fitted echo is subtracted, and each 20 ms piece of the frame that the echo explains to within
``PIECE_DB`` is silence to everything downstream: a person who starts speaking part-way through
a frame keeps the pieces they speak in, even the soft first consonant of "stop" under the
coach's louder voice, and the pieces after it (``HOLD_S``) with what is left of the echo taken
out frequency by frequency (``LEFT_SHARE``). A person's voice is not a filtered copy of the
coach's waveform (even when they repeat its words), so it survives.

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

PIECE_SAMPLES = 320
"""The piece (20 ms at 16 kHz) each frame is judged in: a consonant's length."""

PIECE_DB = 14.0
"""A piece whose residual (the microphone less the fitted echo) is at least this far below the
piece is the coach's alone. On the virtual sound card the coach's echo alone leaves 17 dB or
more (99 % of pieces: 26 dB); a command said over it leaves 10 dB or less in its louder pieces."""

HOLD_S = 0.3
"""After a piece that is more than the coach's echo, how long every piece is kept (its echo
subtracted, not silenced): the gaps between a word's sounds, where the echo is louder."""

ONSET_PIECES = 2
"""Pieces before a piece that is more than the coach's echo that are kept with it (40 ms): a
word's soft start (the burst of "p", the "s" of "stop") can lie 15-20 dB under the coach's
echo and be explained by it to within ``PIECE_DB``. Within one frame only: a frame already
passed on is not taken back. On microphone recordings of the virtual sound card with a
command mixed into the coach's echo (27 per run: 9 recordings × stop, pause, repeat, decoded
by the session's listener), "pause" was heard in 6/9 instead of 2/9."""

DIVERGED = 2.0
"""A piece whose residual (the microphone less the fitted echo) has more than this times the
microphone's energy (+3 dB) was not that echo: the speakers dropped or slipped audio the voice
had played (a loaded machine), so taking it out would add the coach's voice instead. Such a
piece is passed as heard and is no sign of a voice (it starts no hold)."""

TAPS = 8
"""Length of the filter fitted around the echo's delay (samples, half before, half after)."""

ALONE_SHARE = 0.01
"""A frame the fitted filter explains to within this share of its energy (20 dB) is the
coach's voice alone, and its filter is the echo path's. A frame that is more than that (a
person speaking over the coach) keeps the last such filter: fitted afresh, the person's voice
would bend it (on the virtual sound card a command 6-12 dB over the echo left the echo only
8-24 dB down, against 30-50 dB with the filter of the frame before)."""

LEFT_SHARE = 0.1
"""What is left of the echo in a piece a voice is heard in, at most, as a share of the fitted
echo's power, frequency by frequency (-10 dB; measured: -20 dB on the virtual sound card while
a command is said, where the echo path drifts by a fraction of a sample from frame to frame).
That much is taken out of each frequency as well (spectral subtraction): in the quiet gap
inside a word ("re-p-eat"), what the subtraction left was as loud as the word, and the
recogniser heard nothing."""

ECHO_SHARE = 0.5
"""Until the echo path's filter is known, a frame whose energy the best single-delay fit
explains at least this share of is the coach's alone (the whole frame is judged)."""

SURE_SHARE = 0.8
"""A fit this good, anywhere in the delay window, finds (or moves) the echo path."""

PATH_SLACK_S = 0.03
"""A frame judged whole is fitted only this close to the echo path's delay."""

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
    """Frames taken as the coach's own voice alone (every piece silenced)."""
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
        self.stats = EchoStats()
        self.slack = seconds_to_samples(PATH_SLACK_S)
        self.hold = seconds_to_samples(HOLD_S)
        self._held = 0
        """Samples from the next frame on that are kept (a voice was heard over the echo)."""
        self._filter: tuple[int, np.ndarray] | None = None
        """The echo path's delay and filter, from the last frame of the coach's voice alone."""

    def clean(self, chunk: AudioChunk) -> AudioChunk:
        """The frame with the coach's echo subtracted, silent in each piece that was only that."""
        reference = self.playback.played(chunk.start - self.max_delay, chunk.end + self.lead)
        if not reference.size or float(np.mean(reference * reference)) < QUIET:
            return chunk
        mic = np.frombuffer(chunk.pcm, dtype="<i2").astype(np.float64) / 32768.0
        energy = float(np.dot(mic, mic))
        if energy <= 0.0:
            return chunk
        self.stats.checked += 1
        ref = reference.astype(np.float64)
        echo, share, best = fit_echo(mic, ref, lead=self.lead)
        if share >= SURE_SHARE and energy > QUIET * mic.size:
            self.stats.delay = best  # (a near-silent frame fits some other delay as well)
        elif self.stats.delay is None:
            return chunk  # no echo path known, and this frame shows none
        delay = self.stats.delay  # the path's: a voice over the echo can pull the best fit
        columns = echo_columns(ref, span_offset(mic, ref, self.lead, delay), mic.size)
        weights = np.linalg.lstsq(columns, mic, rcond=None)[0]
        left = mic - columns @ weights
        moved = abs(best - delay) > TAPS // 2 and share >= ECHO_SHARE
        if float(np.dot(left, left)) <= ALONE_SHARE * energy:
            self._filter = (delay, weights)  # the coach's voice alone: the path as it is now
        elif self._filter is None or abs(self._filter[0] - delay) > TAPS // 2 or moved:
            # the path is not known this well (or the echo came by another delay): the frame
            # is judged whole, the best fit near the path taken out
            self._held = 0
            if abs(best - delay) > self.slack:
                echo, share, best = fit_echo(mic, ref, self.lead, near=delay, slack=self.slack)
            if share >= ECHO_SHARE:
                self.stats.silenced += 1
                return AudioChunk(pcm=bytes(len(chunk.pcm)), start=chunk.start)
            return AudioChunk(
                pcm=to_pcm16(as_heard_where_diverged(mic, mic - echo)), start=chunk.start
            )
        path, frozen = self._filter  # a voice over the echo would bend a fresh fit; a path
        if path != delay:  # found a sample or two off (jitter) is the same path
            columns = echo_columns(ref, span_offset(mic, ref, self.lead, path), mic.size)
        echo = columns @ frozen
        out, silent, self._held = silence_echo(mic, echo, self._held, self.hold)
        if silent == -(-mic.size // PIECE_SAMPLES):
            self.stats.silenced += 1
        return AudioChunk(pcm=to_pcm16(out), start=chunk.start)


def span_offset(mic: np.ndarray, reference: np.ndarray, lead: int, delay: int) -> int:
    """Where in ``reference`` (laid out as for ``fit_echo``) the echo of ``delay`` begins."""
    return reference.size - mic.size - lead - delay


def echo_columns(reference: np.ndarray, offset: int, n: int, taps: int = TAPS) -> np.ndarray:
    """The ``taps`` stretches of ``reference`` a filter around ``offset`` weighs, as columns.

    ``offset`` is where the best single delay's stretch begins (``span_offset``); the filter
    spans ``taps // 2`` samples before it to ``taps - taps // 2 - 1`` after. Returns an
    (``n``, ``taps``) array; stretches outside ``reference`` count as silence.
    """
    columns = np.zeros((n, taps))
    for k in range(taps):
        start = offset + k - taps // 2
        lo, hi = max(0, start), min(reference.size, start + n)
        if lo < hi:
            columns[lo - start : hi - start, k] = reference[lo:hi]
    return columns


def silence_echo(
    mic: np.ndarray, echo: np.ndarray, held: int = 0, hold: int = 0
) -> tuple[np.ndarray, int, int]:
    """``mic`` less ``echo``, with each piece the echo explains to within ``PIECE_DB`` silenced.

    A piece that is more than echo keeps the ``hold`` samples after it too (and ``held``
    samples at the start are kept already), so a voice over the echo is never cut into bits:
    silence inside a word is heard as no word at all; it also keeps the ``ONSET_PIECES`` before
    it in this stretch (a word's soft start). A piece the fitted echo does not match
    (``DIVERGED``) is passed as heard. Returns the cleaned samples (float, ``mic``'s shape),
    how many pieces were silenced, and how many samples past the end of this stretch are still
    to be kept.
    """
    residual = mic - echo
    share = 10.0 ** (-PIECE_DB / 10.0)
    left, heard = piece_energy(residual), piece_energy(mic)
    diverged = left > DIVERGED * heard
    voiced = (left > share * heard) & ~diverged
    starts = range(0, mic.size, PIECE_SAMPLES)
    keep = [False] * voiced.size
    for n, start in enumerate(starts):
        if voiced[n]:
            held = max(held, start + PIECE_SAMPLES + hold)
            keep[max(0, n - ONSET_PIECES) : n] = [True] * min(n, ONSET_PIECES)
        keep[n] = keep[n] or start < held
    silent = 0
    for n, start in enumerate(starts):
        piece = slice(start, start + PIECE_SAMPLES)
        if diverged[n]:
            residual[piece] = mic[piece]
        elif keep[n]:
            residual[piece] = suppress_residual(residual[piece], echo[piece])
        else:
            residual[piece] = 0.0
            silent += 1
    return residual, silent, max(0, held - mic.size)


def piece_energy(x: np.ndarray) -> np.ndarray:
    """Energy of each ``PIECE_SAMPLES`` piece of ``x`` (the last may be shorter)."""
    padded = np.zeros(-(-x.size // PIECE_SAMPLES) * PIECE_SAMPLES)
    padded[: x.size] = x
    pieces = padded.reshape(-1, PIECE_SAMPLES)
    return np.einsum("ij,ij->i", pieces, pieces)


def as_heard_where_diverged(mic: np.ndarray, residual: np.ndarray) -> np.ndarray:
    """``residual`` (same shape as ``mic``) with each piece the fitted echo did not match
    (``DIVERGED``) replaced by ``mic``'s."""
    diverged = piece_energy(residual) > DIVERGED * piece_energy(mic)
    for n in np.flatnonzero(diverged):
        piece = slice(n * PIECE_SAMPLES, (n + 1) * PIECE_SAMPLES)
        residual[piece] = mic[piece]
    return residual


def suppress_residual(piece: np.ndarray, echo: np.ndarray) -> np.ndarray:
    """``piece`` (echo already subtracted) with up to ``LEFT_SHARE`` of ``echo``'s power taken
    out of each frequency (a gain from 0 to 1 per FFT bin); same shape as ``piece``."""
    heard, fitted = np.fft.rfft(piece), np.fft.rfft(echo)
    power = np.maximum(np.abs(heard) ** 2, 1e-20)
    gain = np.maximum(0.0, 1.0 - LEFT_SHARE * np.abs(fitted) ** 2 / power)
    return np.asarray(np.fft.irfft(heard * gain, n=piece.size))


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
