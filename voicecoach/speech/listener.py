"""One listening turn: frames in, a Partial while speaking, then a Final or a NoAnswer.

The end of an answer is decided here, not by the engine: trailing silence (a cheap voice
activity detector, ``speech/vad.py``) counted in audio time, with a cap on the answer's length
and a timeout for no answer at all. Optionally:

- a pause after a word that announces more ("and", "because", "um") may run to the longer
  ``thinking_pause`` before the answer is taken as finished;
- at the cap, a person still speaking is let finish the sentence (up to ``cap_grace`` more);
- a short utterance is decoded a second time by a phrase checker (a grammar of the voice
  commands), and its Final carries that second opinion.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from voicecoach.frames import AudioChunk, samples_to_seconds, seconds_to_samples
from voicecoach.speech.events import Final, ListenEvent, NoAnswer, Partial
from voicecoach.speech.grammar import PhraseChecker, RecheckedFinal
from voicecoach.speech.recognizer import Recognizer
from voicecoach.speech.vad import VoiceActivity

ONSET_FRAMES = 2
"""Consecutive voiced 100 ms frames that start an answer (shorter sounds are clicks)."""

PREROLL_FRAMES = 5
"""Frames before the detected start of speech that are decoded with it (soft first sounds)."""

HANGOVER_FRAMES = 3
"""Frames of silence after speech decoded straight away; a longer pause waits to see."""

SENTENCE_GAP_FRAMES = 3
"""Silent frames that count as the end of a sentence when an answer runs past its cap."""


@dataclass(frozen=True)
class ListenTiming:
    """Listening limits, in samples of audio time."""

    end_silence: int
    """Silence after speech that ends an answer."""
    no_answer: int
    """Wait for a first word before giving up."""
    max_answer: int
    """Longest answer."""
    thinking_pause: int = 0
    """Silence that ends an answer whose last word announces more (0 = end_silence)."""
    cap_grace: int = 0
    """Past the cap, how long a person still speaking may go on to finish the sentence."""
    phrase_max: int = 0
    """Longest utterance (decoded audio) the phrase checker hears again (0 = none)."""

    @classmethod
    def from_seconds(
        cls,
        end_silence: float,
        no_answer: float,
        max_answer: float,
        thinking_pause: float = 0.0,
        cap_grace: float = 0.0,
        phrase_max: float = 0.0,
    ) -> ListenTiming:
        return cls(
            end_silence=seconds_to_samples(end_silence),
            no_answer=seconds_to_samples(no_answer),
            max_answer=seconds_to_samples(max_answer),
            thinking_pause=seconds_to_samples(thinking_pause),
            cap_grace=seconds_to_samples(cap_grace),
            phrase_max=seconds_to_samples(phrase_max),
        )


class Listener:
    """Turns the frames of one listening turn into recognizer events.

    Only speech (with a little audio either side) reaches the recognizer: frames before the
    first word are held in a short pre-roll, and a pause longer than the hangover is held back
    and given to the recognizer only if speech resumes. The recognizer so sees each answer as
    one contiguous stretch of audio, and silence costs almost nothing to decode.
    """

    def __init__(
        self,
        recognizer: Recognizer,
        timing: ListenTiming,
        vad_mode: int = 2,
        checker: PhraseChecker | None = None,
        unfinished: Callable[[str], bool] | None = None,
    ) -> None:
        self.recognizer = recognizer
        self.timing = timing
        self.checker = checker
        """Hears short utterances again with a grammar of phrases (None = never)."""
        self.unfinished = unfinished
        """Whether a running transcript announces more to come (None = never)."""
        self._vad = VoiceActivity(vad_mode)
        self._active = False
        self._turn_start = 0
        self._no_answer = timing.no_answer
        """The no-answer wait of the current turn."""
        self._running = ""
        """The newest running transcript of the current utterance."""
        self._audio: list[bytes] | None = []
        """Decoded audio of the current utterance, while short enough to check (else None)."""
        self._audio_samples = 0
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

    def start(self, at: int, no_answer: int | None = None) -> None:
        """Begin a turn whose first frame is at audio time ``at`` (samples).

        ``no_answer`` replaces the usual wait for a first word for this turn (samples).
        """
        self.recognizer.reset()
        self._active = True
        self._turn_start = at
        self._no_answer = self.timing.no_answer if no_answer is None else no_answer
        self._new_utterance()

    def _new_utterance(self) -> None:
        self._utt_start = None
        self._onset = None
        self._voiced_run = 0
        self._held.clear()
        self._running = ""
        self._audio = [] if self.checker is not None and self.timing.phrase_max else None
        self._audio_samples = 0

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
                if chunk.end - self._turn_start >= self._no_answer:
                    return self._give_up(chunk.end)
                return None
            self._onset = chunk.end - self._voiced_run * chunk.samples
        partial = None
        if voiced or chunk.end - self._last_voiced <= HANGOVER_FRAMES * chunk.samples:
            partial = self._decode_held()
            self._running = partial or self._running
        if self._capped(chunk):
            return self._final(capped=True)
        if chunk.end - self._last_voiced >= self._end_silence():
            return self._final(capped=False)
        return Partial(partial) if partial else None

    def _capped(self, chunk: AudioChunk) -> bool:
        """Past the cap: at once, or (with a grace) at the next gap between sentences."""
        onset = self._onset if self._onset is not None else chunk.end
        over = chunk.end - onset - self.timing.max_answer
        if over < 0:
            return False
        if over >= self.timing.cap_grace:
            return True
        return chunk.end - self._last_voiced >= SENTENCE_GAP_FRAMES * chunk.samples

    def _end_silence(self) -> int:
        longer = self.timing.thinking_pause
        if longer > self.timing.end_silence and self.unfinished and self.unfinished(self._running):
            return longer
        return self.timing.end_silence

    def _decode_held(self) -> str | None:
        """Give every held frame to the recognizer; the newest running transcript, if any."""
        partial = None
        while self._held:
            chunk = self._held.popleft()
            if self._utt_start is None:
                self._utt_start = chunk.start
            partial = self.recognizer.accept(chunk.pcm) or partial
            self._keep_audio(chunk)
        return partial

    def _keep_audio(self, chunk: AudioChunk) -> None:
        if self._audio is None:
            return
        self._audio_samples += chunk.samples
        if self._audio_samples > self.timing.phrase_max:
            self._audio = None  # too long to be a phrase: nothing to check
        else:
            self._audio.append(chunk.pcm)

    def _final(self, capped: bool) -> ListenEvent | None:
        start = self._utt_start if self._utt_start is not None else self._turn_start
        utterance = self.recognizer.finish(offset=samples_to_seconds(start))
        if utterance.is_empty and not capped:
            # A cough or a door: nothing was said. Keep listening for a real answer.
            self._new_utterance()
            return None
        self._active = False
        self._held.clear()
        if self.checker is not None and self._audio and not capped:
            recheck = self.checker.check(b"".join(self._audio), utterance.text)
            self._audio = None
            return RecheckedFinal(utterance=utterance, capped=capped, recheck=recheck)
        return Final(utterance=utterance, capped=capped)

    def _give_up(self, now: int) -> NoAnswer:
        self.recognizer.reset()
        self._active = False
        self._held.clear()
        return NoAnswer(waited=samples_to_seconds(now - self._turn_start))
