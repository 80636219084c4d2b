"""One listening turn: frames in, a Partial while speaking, then a Final or a NoAnswer.

The end of an answer is decided here, not by the engine: trailing silence (the voice activity
detector of ``speech/vad.py``: speech from someone near, so a TV or steady noise does not hold
the turn) counted in audio time, with a cap on the answer's length and a timeout for no answer
at all. Words decoded from frames that were only background (far speech heard before the
person's level was known) are not kept. When the engine offers it, the finished utterance is
decoded again whole off the reply's path (``Final.better``). Under steady noise close to the
voice in the speech band, the recognizer hears the audio with the noise subtracted
(``speech/denoise.py``, learned from the frames between answers). Optionally:

- a pause after a word that announces more ("and", "because", "um") may run to the longer
  ``thinking_pause`` before the answer is taken as finished; the words are those decoded up to
  the pause (``HANGOVER_FRAMES`` after the last voiced frame), asked of the engine then, and
  the announcing word must still end them once the end-of-answer silence has been decoded (in
  noise the decoder makes words of the silence: "… young man who"; a word not yet settled
  turns into another: "… yelling and" into "… yelling and happier"). When the engine's second
  decoder is there, the last seconds before the pause are also decoded with a lattice as the
  pause begins, and a word announcing more at the end of any of the best few hypotheses counts
  too (the streaming words are biased against such a last word: "… did not call and" is heard as
  "… did not tell hands");
- at the cap, a person still speaking is let finish the sentence (up to ``cap_grace`` more);
- a short utterance is decoded a second time by a phrase checker (a grammar of the voice
  commands), and its Final carries that second opinion; with a rating checker, also a way to
  ask the rating grammar about it (decoded only when asked: a question expecting a mood), and
  the tone grammar (harsh self-talk and feelings: decoded only when the transcript alone reads
  as a full or very short answer).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from functools import partial

from voicecoach.frames import (
    FRAME_SAMPLES,
    SAMPLE_WIDTH,
    AudioChunk,
    samples_to_seconds,
    seconds_to_samples,
)
from voicecoach.speech.denoise import NoiseSuppressor
from voicecoach.speech.events import Final, ListenEvent, NoAnswer, Partial, Utterance
from voicecoach.speech.grammar import Hearing, Once, PhraseChecker, RecheckedFinal
from voicecoach.speech.nearwords import Heard, filtered, near_words
from voicecoach.speech.recognizer import Recognizer
from voicecoach.speech.timing import ListenTiming as ListenTiming
from voicecoach.speech.vad import Activity, VoiceActivity

log = logging.getLogger(__name__)

ONSET_FRAMES = 2
"""Consecutive voiced 100 ms frames that start an answer (shorter sounds are clicks)."""

PREROLL_FRAMES = 5
"""Frames before the detected start of speech that are decoded with it (soft first sounds)."""

HANGOVER_FRAMES = 3
"""Frames of silence after speech decoded straight away (at least; see ``Listener._hangover``);
a longer pause waits to see."""

SENTENCE_GAP_FRAMES = 3
"""Silent frames that count as the end of a sentence when an answer runs past its cap."""

TAIL_FRAMES = 30
"""Decoded frames (3 s, up to the pause) whose last word the second decoder checks."""

TAIL_AFTER_S = 0.1
"""Audio after the last voiced frame that the tail check hears: enough to close the last word,
little of the noise after it."""

TAIL_ALTERNATIVES = 3
"""Hypotheses of the tail whose last words are checked for one announcing more (the 5th of a
hum-ended answer's five was an "and"; the pause after "and" gives it as the 3rd)."""

WORDS_MARGIN_S = 0.3
"""Audio either side of a short utterance's words that its phrase grammars hear (soft first
and last sounds; the rest of the decoded audio is not theirs: see ``Listener._words_audio``)."""

TAIL_WAIT_S = 10.0
"""Longest wait (wall time) for the tail check once the end-of-answer silence is reached: only
a stuck or starved child takes that long. The check is asked for as the pause begins (and not
while the second decoder is still busy with an earlier answer), so a live answer seldom waits
at all. Without it, the streaming words decide."""


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
        vad: VoiceActivity | None = None,
        checker: PhraseChecker | None = None,
        unfinished: Callable[[str], bool] | None = None,
        redecode: bool = True,
        continued: Callable[[str], bool] | None = None,
        rating_checker: PhraseChecker | None = None,
        tone_checker: Callable[[bytes, float], Hearing] | None = None,
    ) -> None:
        self.recognizer = recognizer
        self.timing = timing
        self.checker = checker
        """Hears short utterances again with a grammar of phrases (None = never)."""
        self.rating_checker = rating_checker
        """Hears a short utterance again with a grammar of ratings, when asked (None = never)."""
        self.tone_checker = tone_checker
        """Hears a short utterance again with the grammar of harsh self-talk and feelings, when
        asked: (audio, its session time in seconds) → what it heard (None = never)."""
        self.unfinished = unfinished
        """Whether a running transcript announces more to come (None = never)."""
        self.continued = continued if continued is not None else unfinished
        """Whether a word announces more even as a runner-up of the tail check (a conjunction
        or a filler: a runner-up "the" is often a short last word misheard)."""
        self.second_pass = recognizer.second_pass if redecode else None
        """Decodes each finished answer again whole, for the journal (None = never)."""
        self.vad = vad if vad is not None else VoiceActivity()
        """The voice-activity detector (one per listener: it keeps the person's level from turn
        to turn)."""
        self.denoiser = NoiseSuppressor()
        """Takes the room's steady noise out of the audio decoded (learned across turns)."""
        self._active = False
        self._turn_start = 0
        self._no_answer = timing.no_answer
        """The no-answer wait of the current turn."""
        self._running = ""
        """The newest running transcript of the current utterance."""
        self._at_pause: str | None = None
        """What the engine had decoded when the current pause began: the speech and
        ``HANGOVER_FRAMES`` after it (None: no pause yet)."""
        self._tail: Future[tuple[str, ...]] | None = None
        """The second decoder's last words of the speech before the current pause."""
        self._tail_asked = False
        """The current pause has been looked at for a tail check (and its words read)."""
        self._tail_read = False
        """The tail check's answer for the current pause has been read."""
        self._at_end: str | None = None
        """What the engine had decoded once the pause reached the end-of-answer silence, when
        the pause was decoded (None: not yet, or not decoded)."""
        self._tail_words: tuple[str, ...] | None = None
        """Those last words, once read (None: no tail check, or it failed)."""
        self._audio: list[bytes] = []
        """Decoded audio of the current utterance."""
        self._audio_samples = 0
        self._heard: list[Heard] = []
        """The detector's view of each decoded frame of the current utterance."""
        self._utt_start: int | None = None
        """Audio time of the first sample the recognizer got for the current utterance."""
        self._onset: int | None = None
        self._voiced_run = 0
        self._last_voiced = 0
        self._held: deque[tuple[AudioChunk, Activity]] = deque()
        """Frames not yet decoded: the pre-roll before speech, or a long pause inside it."""

    @property
    def active(self) -> bool:
        """True between start() and the turn's Final or NoAnswer."""
        return self._active

    @property
    def in_speech(self) -> bool:
        """True once the current utterance has begun (speech heard), until its Final."""
        return self._active and self._onset is not None

    def start(self, at: int, no_answer: int | None = None) -> None:
        """Begin a turn whose first frame is at audio time ``at`` (samples).

        ``no_answer`` replaces the usual wait for a first word for this turn (samples).
        """
        self.recognizer.reset()
        self.vad.reset()
        if self.second_pass is not None and self._tail_checks():
            self.second_pass.warm()  # loaded while the question is still being asked
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
        self._at_pause = self._at_end = None
        self._tail = None
        self._tail_asked = self._tail_read = False
        self._tail_words = None
        self._audio = []
        self._audio_samples = 0
        self._heard = []

    def cancel(self) -> None:
        """Abandon the turn (the coach interrupts itself, or the session ends)."""
        if self._active:
            self.recognizer.reset()
        self._active = False
        self._held.clear()

    def cut_short(self) -> Final | None:
        """End the utterance in progress now (the session is being stopped): what was said so
        far, decoded without a second pass; None when nothing was being said. Ends the turn."""
        if not self.in_speech:
            self.cancel()
            return None
        self._decode_held()
        self._flush()
        start = self._utt_start if self._utt_start is not None else self._turn_start
        said = self.recognizer.finish(offset=samples_to_seconds(start))
        utterance = near_words(said, self._heard, self.vad.near_level)
        self.cancel()
        return None if utterance.is_empty else Final(utterance=utterance)

    def feed(self, chunk: AudioChunk) -> ListenEvent | None:
        """Take one frame of the turn; return what it decided, if anything."""
        if not self._active or chunk.start < self._turn_start:
            return None
        activity = self.vad.classify(chunk.pcm)
        if activity.speech:
            self._voiced_run += 1
            self._last_voiced = chunk.end
            self._at_pause = self._at_end = None
            self._tail = None
            self._tail_asked = self._tail_read = False
            self._tail_words = None
        else:
            self._voiced_run = 0
            # Past the hangover (a soft word ending is not noise), the room teaches the denoiser.
            if (
                not activity.background
                and chunk.start - self._last_voiced >= HANGOVER_FRAMES * chunk.samples
            ):
                self.denoiser.learn(chunk.pcm)
        self._held.append((chunk, activity))
        if self._onset is None:
            if self._voiced_run < ONSET_FRAMES:
                while len(self._held) > PREROLL_FRAMES + ONSET_FRAMES:
                    self._held.popleft()
                if chunk.end - self._turn_start >= self._no_answer:
                    return self._give_up(chunk.end)
                return None
            self._onset = chunk.end - self._voiced_run * chunk.samples
        partial = None
        silence = chunk.end - self._last_voiced
        if activity.speech or silence <= max(HANGOVER_FRAMES * chunk.samples, self._hangover()):
            partial = self._decode_held()
            self._running = partial or self._running
        if self._capped(chunk):
            return self._final(capped=True)
        if not self._tail_asked and silence >= HANGOVER_FRAMES * chunk.samples:
            self._tail_asked = True
            # Every frame up to here is decoded, the last word included: read the words before
            # the decoder hears more of the room (it makes words of noise: "... young man who").
            self._at_pause = self.recognizer.hypothesis()
            self._tail = self._check_tail()
        if silence >= self.timing.end_silence:
            if not self._tail_read:
                self._tail_read = True
                self._tail_words = self._tail_last_words()
                if self._hangover():  # the pause so far was decoded: are the words the same?
                    self._at_end = self.recognizer.hypothesis()
            if silence >= self._end_silence():
                return self._final(capped=False)
        return Partial(partial) if partial else None

    def _hangover(self) -> int:
        """Silence after speech decoded as it comes: up to the end-of-answer silence, so the
        last word has settled when the thinking pause is decided (longer pauses are held)."""
        return self.timing.end_silence if self.timing.thinking_pause else 0

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
        """The silence that ends this answer: longer when the words so far announce more, unless
        the noise is loud enough to be filtered (a resumed answer still joins it: see loop).

        With the tail check's last words, the turn is held when the best of them announces
        more, a runner-up is a conjunction or a filler (the best is biased against them: "… did
        not call and" ends "command", "hands", "and"), or the streaming words end on a word
        announcing more that the tail ends on too. A streaming word alone does not hold it: at
        the end of an utterance the streaming decoder drops a short last word ("… to do for
        them" ends "… to do for"; the tail: "fun", "the", "them").
        """
        if self.unfinished is None or not self._may_hold():
            return self.timing.end_silence
        said = self._at_pause if self._at_pause is not None else self._running
        held = self.unfinished(said)
        if self._at_end is not None:  # a settled last word: the decoder, having heard the
            held = held and self.unfinished(self._at_end)  # pause, kept it last
            said = self._at_end
        tail = self._tail_words
        if tail:
            words = said.split()
            agreed = held and bool(words) and words[-1] in tail
            best, runners_up = tail[0], tail[1:]
            continued = self.continued if self.continued is not None else self.unfinished
            held = agreed or self.unfinished(best) or any(map(continued, runners_up))
        return self.timing.thinking_pause if held else self.timing.end_silence

    def _check_tail(self) -> Future[tuple[str, ...]] | None:
        """As a pause begins: the second decoder's look at the last words, when it can change
        the decision (a thinking pause is set, and the pause may hold the turn)."""
        if (
            self.second_pass is None
            or self.second_pass.busy  # behind a long answer's decode it would come too late
            or not self._may_hold()
        ):
            return None
        return self.second_pass.last_words(self._tail_audio(), TAIL_ALTERNATIVES)

    def _tail_audio(self) -> bytes:
        """The decoded audio up to ``TAIL_AFTER_S`` past the last voiced frame, its last 3 s."""
        audio = b"".join(self._audio)
        start = self._utt_start if self._utt_start is not None else self._turn_start
        end = (self._last_voiced - start + seconds_to_samples(TAIL_AFTER_S)) * SAMPLE_WIDTH
        end = max(0, min(len(audio), end))
        frame = len(self._audio[-1]) if self._audio else 0
        return audio[max(0, end - TAIL_FRAMES * frame) : end]

    def _tail_checks(self) -> bool:
        """Whether pauses are checked at all: a thinking pause is set, and a rule for it."""
        return self.unfinished is not None and self.timing.thinking_pause > self.timing.end_silence

    def _may_hold(self) -> bool:
        """Whether this utterance's last words may hold the turn for the thinking pause: not in
        noise loud enough to be filtered, which the decoder makes words of ("… young man to
        whom")."""
        return self._tail_checks() and not self.denoiser.filtering

    def _tail_last_words(self) -> tuple[str, ...] | None:
        """The tail check's last words (None if there was none, it failed, or it took longer
        than ``TAIL_WAIT_S``: the streaming words decide)."""
        if self._tail is None:
            return None
        try:
            return self._tail.result(timeout=TAIL_WAIT_S)
        except Exception as exc:  # slow or failed: the streaming words decide
            log.debug("no tail check for this pause (%s)", type(exc).__name__)
            return None

    def _decode_held(self) -> str | None:
        """Give every held frame to the recognizer; the newest running transcript, if any."""
        partial = None
        while self._held:
            chunk, activity = self._held.popleft()
            if self._utt_start is None:
                self._utt_start = chunk.start
                self.denoiser.begin(self.vad.near_level)
            pcm = self.denoiser.process(chunk.pcm)
            partial = (self.recognizer.accept(pcm) if pcm else None) or partial
            self._audio.append(pcm)
            self._audio_samples += chunk.samples
            self._heard.append(
                Heard(
                    start=samples_to_seconds(chunk.start),
                    end=samples_to_seconds(chunk.end),
                    level=activity.level,
                    speechlike=activity.speech or activity.background,
                )
            )
        return partial

    def _flush(self) -> None:
        """Give the recognizer the noise suppressor's last samples of the utterance."""
        rest = self.denoiser.flush()
        if rest:
            self.recognizer.accept(rest)
            self._audio.append(rest)

    def _final(self, capped: bool) -> ListenEvent | None:
        self._flush()
        start = self._utt_start if self._utt_start is not None else self._turn_start
        offset = samples_to_seconds(start)
        heard, near = self._heard, self.vad.near_level
        utterance = near_words(self.recognizer.finish(offset=offset), heard, near)
        if utterance.is_empty and not capped:
            # A cough, a door or the TV: nothing was said. Keep listening for a real answer.
            self._new_utterance()
            return None
        self._active = False
        self._held.clear()
        audio = b"".join(self._audio)
        better = None
        if self.second_pass is not None:
            better = filtered(self.second_pass.submit(audio, offset), heard, near)
        checker = self.checker
        if (checker is not None or self.tone_checker is not None) and (
            not capped and self._short_enough()
        ):
            words = self._words_audio(audio, utterance, start)
            recheck = checker.check(words, utterance.text) if checker is not None else None
            ask = self.rating_checker
            rating = Once(partial(ask.check, words, utterance.text)) if ask is not None else None
            hear = self.tone_checker
            tone = Once(partial(hear, audio, offset)) if hear is not None else None
            return RecheckedFinal(
                utterance, capped, better, recheck=recheck, rating=rating, tone=tone
            )
        return Final(utterance=utterance, capped=capped, better=better)

    @staticmethod
    def _words_audio(audio: bytes, utterance: Utterance, start: int) -> bytes:
        """The part of an utterance's decoded ``audio`` (its first sample at audio time
        ``start``) that its words span, ``WORDS_MARGIN_S`` either side: what a phrase grammar
        hears. A grammar must explain all it hears as one phrase, so sound before the words
        that the transcript did not keep (the coach's echo as the person began) turned the
        phrase into another ("that's enough for today" into "no thanks")."""
        if utterance.is_empty:
            return audio
        margin = seconds_to_samples(WORDS_MARGIN_S)
        lo = max(0, seconds_to_samples(utterance.start) - margin - start)
        hi = max(lo, seconds_to_samples(utterance.end) + margin - start)
        return audio[lo * SAMPLE_WIDTH : hi * SAMPLE_WIDTH]

    def _short_enough(self) -> bool:
        """Short enough to be a phrase, for the phrase checker: the audio decoded up to
        ``HANGOVER_FRAMES`` after the last voiced frame, the pre-roll included. The silence
        decoded after that while the turn waits to end (up to the end-of-answer silence) does
        not count: it left a command joined with a little sound before it (the coach's echo
        as the person began) over the limit with 1.4 s of speech, where 3 s are allowed."""
        start = self._utt_start if self._utt_start is not None else self._turn_start
        spoken = self._last_voiced - start + HANGOVER_FRAMES * FRAME_SAMPLES
        return 0 < min(self._audio_samples, spoken) <= self.timing.phrase_max

    def _give_up(self, now: int) -> NoAnswer:
        self.recognizer.reset()
        self._active = False
        self._held.clear()
        return NoAnswer(waited=samples_to_seconds(now - self._turn_start))
