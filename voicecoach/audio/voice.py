"""The coach's voice: text → rendered speech (trailing silence trimmed) → the sink, scheduled in
audio time, with a record of what is heard when.

The voice knows exactly what it played and when, so other stages can ask it: is the coach
audible at this audio time, and which line, at which sample (``speaking``)? When will it be
quiet (``quiet_from``)? What did the speaker send out over a span of audio time (``played``,
the reference an echo check compares the microphone with)?
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from voicecoach.audio.sink import AudioSink
from voicecoach.errors import VoiceCoachError
from voicecoach.frames import SAMPLE_WIDTH, AudioChunk, seconds_to_samples
from voicecoach.speech.tts import TextToSpeech
from voicecoach.stop import urgent

log = logging.getLogger(__name__)

RATE_RANGE = (80, 300)
"""Speaking rates (words per minute) "slower" and "faster" stay within."""

SILENCE_LEVEL = 64
"""Samples quieter than this (about -54 dBFS) at the end of a rendered line are trimmed."""

KEEP_AFTER_S = 0.03
"""Sound kept after the last audible sample (the voice's own release)."""

PREPARE_TRIES = 3
"""pyttsx3's espeak driver now and then renders a line empty: preparing tries it again."""

HISTORY_S = 5.0
"""How long lines are remembered after they were heard (echo arrives at most this late)."""


def trim_trailing_silence(pcm: bytes) -> bytes:
    """The audio up to its last audible sample (plus ``KEEP_AFTER_S``); b"" when all silent."""
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % SAMPLE_WIDTH], dtype="<i2")
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > SILENCE_LEVEL)
    if not loud.size:
        return b""
    end = min(samples.size, int(loud[-1]) + 1 + seconds_to_samples(KEEP_AFTER_S))
    return pcm[: end * SAMPLE_WIDTH]


@dataclass(frozen=True)
class Line(AudioChunk):
    """One line the coach says (or a cue): its audio, placed in audio time as it is heard
    (``start`` is when its first sample is audible)."""

    text: str = ""
    """The words ("" for a tone)."""


@dataclass(frozen=True)
class Speaking:
    """The coach is audible: which line, and which of its samples, at a given audio time."""

    line: Line
    offset: int
    """Sample of the line being heard (0 = its first)."""


class Voice:
    """Speaks lines through a sink without blocking, and remembers when each is heard."""

    def __init__(self, tts: TextToSpeech, sink: AudioSink) -> None:
        self.tts = tts
        self.sink = sink
        self._lines: deque[Line] = deque()
        self._unannounced: deque[tuple[Line, Callable[[str], None]]] = deque()
        self.quiet_from = 0
        """Audio time (samples) from which the coach is silent (the end of the last line)."""

    def say(
        self,
        text: str,
        now: int,
        announce: Callable[[str], None] | None = None,
        pause: float = 0.0,
        personal: bool = False,
        end_not_before: int | None = None,
    ) -> Line:
        """Render ``text`` and queue it after what is being said; returns it placed in time.

        ``announce`` (e.g. printing the line) is called with the text once it begins to be
        heard (see ``heard_until``). A ``personal`` line (made from the person's own words) is
        rendered without the voice cache. ``end_not_before`` (audio time, samples): the line
        starts late enough to be audible until then (a longer pause before a short line).
        """
        pcm = trim_trailing_silence(self.tts.render(text, personal=personal))
        if pause and self.quiet_from:  # after another line: a pause between the two
            now = max(now, self.quiet_from + seconds_to_samples(pause) - self.sink.latency)
        if end_not_before is not None:
            now = max(now, end_not_before - len(pcm) // SAMPLE_WIDTH - self.sink.latency)
        line = self._queue(text, pcm, now)
        if announce is not None:
            self._unannounced.append((line, announce))
        return line

    def heard_until(self, at: int) -> None:
        """Audio up to ``at`` has been heard: announce the lines that began before it (after
        moving what the speakers fell behind with to where it is heard)."""
        slips = getattr(self.sink, "slips", None)
        for sent, gap in slips() if slips is not None else ():
            self._slipped(sent + self.sink.latency, gap)
        while self._unannounced and self._unannounced[0][0].start < at:
            line, announce = self._unannounced.popleft()
            announce(line.text)

    def announce_all(self) -> None:
        """Announce every line not yet announced (the run ends while they play out)."""
        self.heard_until(self.quiet_from + 1)
        while self._unannounced:
            line, announce = self._unannounced.popleft()
            announce(line.text)

    def cue(self, pcm: bytes, now: int) -> Line:
        """Play a short sound (a tone) after what is being said."""
        return self._queue("", pcm, now)

    def prepare(self, lines: list[str]) -> None:
        """Render lines ahead of time (they come from the voice cache when said); a line that
        will not render is tried again when it is said."""
        for text in lines:
            for attempt in range(1, PREPARE_TRIES + 1):
                try:
                    self.tts.render(text)
                    break
                except VoiceCoachError as exc:
                    if attempt == PREPARE_TRIES:
                        log.warning("could not prepare a line in advance (%s)", exc)

    def _queue(self, text: str, pcm: bytes, now: int) -> Line:
        if urgent():  # SIGTERM or a second Ctrl-C: nothing more is said
            return Line(text=text, pcm=b"", start=max(now, self.quiet_from))
        sent = self.sink.play(pcm, max(now, self.quiet_from - self.sink.latency))
        line = Line(text=text, pcm=pcm, start=max(sent + self.sink.latency, self.quiet_from))
        self.quiet_from = line.end
        self._lines.append(line)
        self._forget(now)
        return line

    def _forget(self, now: int) -> None:
        horizon = now - seconds_to_samples(HISTORY_S)
        while self._lines and self._lines[0].end < horizon:
            self._lines.popleft()

    def _slipped(self, where: int, gap: int) -> None:
        """The speakers played ``gap`` samples of silence they were not sent at audio time
        ``where`` (an underrun): what was to be heard from there on is heard that much later.
        A line under way gets that silence inside it, so what it played stays true."""
        moved: dict[int, Line] = {}
        for line in self._lines:
            if line.end <= where:
                continue
            if line.start >= where:
                moved[id(line)] = Line(text=line.text, pcm=line.pcm, start=line.start + gap)
            else:
                cut = (where - line.start) * SAMPLE_WIDTH
                pcm = line.pcm[:cut] + bytes(gap * SAMPLE_WIDTH) + line.pcm[cut:]
                moved[id(line)] = Line(text=line.text, pcm=pcm, start=line.start)
        self._lines = deque(moved.get(id(line), line) for line in self._lines)
        self._unannounced = deque(
            (moved.get(id(line), line), announce) for line, announce in self._unannounced
        )
        if self.quiet_from > where:
            self.quiet_from += gap

    def speaking(self, at: int) -> Speaking | None:
        """What is audible at audio time ``at`` (None: the coach is silent)."""
        if at >= self.quiet_from:
            return None
        for line in self._lines:
            if line.start <= at < line.end:
                return Speaking(line=line, offset=at - line.start)
        return None

    def stop(self, now: int) -> tuple[str, ...]:
        """Fall silent at ``now``: what was not yet sent out is dropped (the person spoke).

        What the sink had already sent out is still heard: the lines end where it falls
        silent (``now`` at the earliest), so ``played`` holds the echo still to come. Returns
        the words of the lines dropped whole (never heard, never announced)."""
        if now >= self.quiet_from:
            return ()
        now = max(now, self.sink.stop(now - self.sink.latency) + self.sink.latency)
        unheard = tuple(line.text for line in self._lines if line.start >= now and line.text)
        self._unannounced = deque(item for item in self._unannounced if item[0].start < now)
        kept: deque[Line] = deque()
        for line in self._lines:
            if line.start >= now:
                continue
            if line.end > now:
                cut = (now - line.start) * SAMPLE_WIDTH
                line = Line(text=line.text, pcm=line.pcm[:cut], start=line.start)
            kept.append(line)
        self._lines = kept
        self.quiet_from = now
        return unheard

    def played(self, start: int, end: int) -> np.ndarray:
        """What the speaker sent out over audio time [start, end), as float samples (0 = quiet)."""
        out = np.zeros(max(0, end - start), dtype=np.float32)
        for line in self._lines:
            lo, hi = max(start, line.start), min(end, line.end)
            if lo >= hi:
                continue
            pcm = line.pcm[(lo - line.start) * SAMPLE_WIDTH : (hi - line.start) * SAMPLE_WIDTH]
            out[lo - start : hi - start] = np.frombuffer(pcm, dtype="<i2") / 32768.0
        return out

    def change_rate(self, step: int) -> bool:
        """Speak ``step`` words per minute faster (negative: slower), within 80–300."""
        rate = min(RATE_RANGE[1], max(RATE_RANGE[0], self.tts.rate + step))
        changed = rate != self.tts.rate
        self.tts.rate = rate
        return changed
