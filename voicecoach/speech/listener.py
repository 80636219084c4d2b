"""One listening turn: frames in, a Partial while speaking, then a Final or a NoAnswer.

The end of an answer is decided here, not by the engine: trailing silence (a cheap voice
activity detector over 20 ms frames) counted in audio time, with a cap on the answer's length
and a timeout for no answer at all.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from voicecoach.frames import AudioChunk, samples_to_seconds, seconds_to_samples
from voicecoach.speech.events import Final, ListenEvent, NoAnswer, Partial
from voicecoach.speech.recognizer import Recognizer

VAD_FRAME_S = 0.02
"""Length of one voice-activity decision."""

VOICED_SHARE = 0.5
"""Share of a frame's 20 ms decisions that must be speech for the frame to count as voiced."""

ONSET_FRAMES = 2
"""Consecutive voiced 100 ms frames that start an answer (shorter sounds are clicks)."""

PREROLL_FRAMES = 5
"""Frames before the detected start of speech that are decoded with it (soft first sounds)."""

HANGOVER_FRAMES = 5
"""Frames of silence after speech decoded straight away; a longer pause waits to see."""


@dataclass(frozen=True)
class ListenTiming:
    """Listening limits, in samples of audio time."""

    end_silence: int
    """Silence after speech that ends an answer."""
    no_answer: int
    """Wait for a first word before giving up."""
    max_answer: int
    """Longest answer."""

    @classmethod
    def from_seconds(cls, end_silence: float, no_answer: float, max_answer: float) -> ListenTiming:
        return cls(
            end_silence=seconds_to_samples(end_silence),
            no_answer=seconds_to_samples(no_answer),
            max_answer=seconds_to_samples(max_answer),
        )


class VoiceActivity:
    """Is there speech in a frame? PocketSphinx's WebRTC-derived detector."""

    def __init__(self, mode: int) -> None:
        import pocketsphinx

        self._vad = pocketsphinx.Vad(mode, 16000, VAD_FRAME_S)
        self._step = self._vad.frame_bytes

    def voiced(self, pcm: bytes) -> bool:
        decisions = [
            self._vad.is_speech(pcm[i : i + self._step])
            for i in range(0, len(pcm) - self._step + 1, self._step)
        ]
        return bool(decisions) and sum(decisions) >= VOICED_SHARE * len(decisions)


class Listener:
    """Turns the frames of one listening turn into recognizer events.

    Only speech (with a little audio either side) reaches the recognizer: frames before the
    first word are held in a short pre-roll, and a pause longer than the hangover is held back
    and given to the recognizer only if speech resumes. The recognizer so sees each answer as
    one contiguous stretch of audio, and silence costs almost nothing to decode.
    """

    def __init__(self, recognizer: Recognizer, timing: ListenTiming, vad_mode: int = 2) -> None:
        self.recognizer = recognizer
        self.timing = timing
        self._vad = VoiceActivity(vad_mode)
        self._active = False
        self._turn_start = 0
        self._utt_start: int | None = None
        """Audio time of the first sample the recognizer got for the current utterance."""
        self._onset: int | None = None
        self._voiced_run = 0
        self._last_voiced = 0
        self._held: deque[AudioChunk] = deque()
        """Frames not yet decoded: the pre-roll before speech, or a long pause inside it."""

    @property
    def active(self) -> bool:
        """True between start() and the turn's Final or NoAnswer."""
        return self._active

    def start(self, at: int) -> None:
        """Begin a turn whose first frame is at audio time ``at`` (samples)."""
        self.recognizer.reset()
        self._active = True
        self._turn_start = at
        self._new_utterance()

    def _new_utterance(self) -> None:
        self._utt_start = None
        self._onset = None
        self._voiced_run = 0
        self._held.clear()

    def cancel(self) -> None:
        """Abandon the turn (the coach interrupts itself, or the session ends)."""
        if self._active:
            self.recognizer.reset()
        self._active = False
        self._held.clear()

    def feed(self, chunk: AudioChunk) -> ListenEvent | None:
        """Take one frame of the turn; return what it decided, if anything."""
        if not self._active or chunk.start < self._turn_start:
            return None
        voiced = self._vad.voiced(chunk.pcm)
        if voiced:
            self._voiced_run += 1
            self._last_voiced = chunk.end
        else:
            self._voiced_run = 0
        self._held.append(chunk)
        if self._onset is None:
            if self._voiced_run < ONSET_FRAMES:
                while len(self._held) > PREROLL_FRAMES + ONSET_FRAMES:
                    self._held.popleft()
                if chunk.end - self._turn_start >= self.timing.no_answer:
                    return self._give_up(chunk.end)
                return None
            self._onset = chunk.end - self._voiced_run * chunk.samples
        partial = None
        if voiced or chunk.end - self._last_voiced <= HANGOVER_FRAMES * chunk.samples:
            partial = self._decode_held()
        if chunk.end - self._onset >= self.timing.max_answer:
            return self._final(capped=True)
        if chunk.end - self._last_voiced >= self.timing.end_silence:
            return self._final(capped=False)
        return Partial(partial) if partial else None

    def _decode_held(self) -> str | None:
        """Give every held frame to the recognizer; the newest running transcript, if any."""
        partial = None
        while self._held:
            chunk = self._held.popleft()
            if self._utt_start is None:
                self._utt_start = chunk.start
            partial = self.recognizer.accept(chunk.pcm) or partial
        return partial

    def _final(self, capped: bool) -> ListenEvent | None:
        start = self._utt_start if self._utt_start is not None else self._turn_start
        utterance = self.recognizer.finish(offset=samples_to_seconds(start))
        if utterance.is_empty and not capped:
            # A cough or a door: nothing was said. Keep listening for a real answer.
            self._new_utterance()
            return None
        self._active = False
        self._held.clear()
        return Final(utterance=utterance, capped=capped)

    def _give_up(self, now: int) -> NoAnswer:
        self.recognizer.reset()
        self._active = False
        self._held.clear()
        return NoAnswer(waited=samples_to_seconds(now - self._turn_start))
