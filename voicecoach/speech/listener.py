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
  ``thinking_pause`` before the answer is taken as finished (``speech/endpoint.py``);
- at the cap, a person still speaking is let finish the sentence (up to ``cap_grace`` more);
- a short utterance is heard again by grammars of phrases (``speech/second_opinion.py``): the
  voice commands, and when asked, the ratings and the tone of what was said.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from voicecoach.frames import FRAME_SAMPLES, AudioChunk, samples_to_seconds, seconds_to_samples
from voicecoach.speech.denoise import NoiseSuppressor
from voicecoach.speech.endpoint import HANGOVER_FRAMES, EndOfAnswer
from voicecoach.speech.events import Final, ListenEvent, NoAnswer, Partial
from voicecoach.speech.grammar import Hearing, PhraseChecker
from voicecoach.speech.nearwords import Heard, filtered, near_words
from voicecoach.speech.recognizer import Recognizer
from voicecoach.speech.second_opinion import SecondOpinions
from voicecoach.speech.timing import ListenTiming
from voicecoach.speech.vad import Activity, VoiceActivity, mean_level

ONSET_FRAMES = 2
"""Consecutive voiced 100 ms frames that start an answer (shorter sounds are clicks)."""

PREROLL_FRAMES = 5
"""Frames before the detected start of speech that are decoded with it (soft first sounds)."""

SENTENCE_GAP_FRAMES = 3
"""Silent frames that count as the end of a sentence when an answer runs past its cap."""

WORDLESS_SPEECH_FRAMES = 3
"""Voiced frames an utterance that gave no words needs for its level to be told with the
turn's ``NoAnswer`` (someone speaking too softly to make out; a click or a cough is shorter)."""

FAR_SPEECH_FRAMES = 5
"""Background speech frames (half a second: a word or two) a turn with no answer needs before
it tells of them (``NoAnswer.far``): the person, heard before, may have answered from across
the room, 20 dB under their own level, where the voice detector takes speech for background."""

FAR_ONSET_S = 0.5
"""Background speech that begins this long after a turn opens was not already going on as the
question ended (as a TV's is); see ``Listener._far_speech``."""


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
        """``checker``, ``rating_checker``, ``tone_checker``: as in ``SecondOpinions``;
        ``unfinished``, ``continued``: as in ``EndOfAnswer``; ``redecode``: decode each
        finished answer again whole when the engine offers it."""
        self.recognizer = recognizer
        self.timing = timing
        self.opinions = SecondOpinions(checker, rating_checker, tone_checker)
        """The grammars that hear short utterances again."""
        self.second_pass = recognizer.second_pass if redecode else None
        """Decodes each finished answer again whole, for the journal (None = never)."""
        self.vad = vad if vad is not None else VoiceActivity()
        """The voice-activity detector (one per listener: it keeps the person's level from turn
        to turn)."""
        self.denoiser = NoiseSuppressor()
        """Takes the room's steady noise out of the audio decoded (learned across turns)."""
        self.end = EndOfAnswer(recognizer, timing, self.denoiser, unfinished, continued)
        """Decides the silence that ends each answer (the thinking pause)."""
        self._active = False
        self._turn_start = 0
        self._no_answer = timing.no_answer
        """The no-answer wait of the current turn."""
        self._running = ""
        """The newest running transcript of the current utterance."""
        self._audio: list[bytes] = []
        """Decoded audio of the current utterance."""
        self._audio_samples = 0
        self._heard: list[Heard] = []
        """The detector's view of each decoded frame of the current utterance."""
        self._voiced_levels: list[float] = []
        """Levels (dBFS) of the decoded frames of the current utterance taken for the person's
        speech: its ``Final.level``."""
        self._wordless: float | None = None
        """The level of this turn's last utterance that gave no words (``NoAnswer.level``)."""
        self._far: list[float] = []
        """Levels (dBFS) of the background speech frames heard in this turn outside any
        utterance (``NoAnswer.far``)."""
        self._far_start = 0
        """Audio time (samples) of the first of them."""
        self._far_end = 0
        """Audio time (samples) just after the last of them."""
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
        if self.second_pass is not None and self.end.checks_pauses:
            self.second_pass.warm()  # loaded while the question is still being asked
        self._active = True
        self._turn_start = at
        self._no_answer = self.timing.no_answer if no_answer is None else no_answer
        self._wordless = None
        self._far = []
        self._new_utterance()

    def _new_utterance(self) -> None:
        self._utt_start = None
        self._onset = None
        self._voiced_run = 0
        self._held.clear()
        self._running = ""
        self.end.reset()
        self._audio = []
        self._audio_samples = 0
        self._heard = []
        self._voiced_levels = []

    def _first(self) -> int:
        """Audio time (samples) of the current utterance's first decoded sample (the turn's
        start before any)."""
        return self._utt_start if self._utt_start is not None else self._turn_start

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
        said = self.recognizer.finish(offset=samples_to_seconds(self._first()))
        utterance = near_words(said, self._heard, self.vad.near_level)
        level = mean_level(self._voiced_levels)
        self.cancel()
        return None if utterance.is_empty else Final(utterance=utterance, level=level)

    def feed(self, chunk: AudioChunk) -> ListenEvent | None:
        """Take one frame of the turn; return what it decided, if anything."""
        if not self._active or chunk.start < self._turn_start:
            return None
        activity = self.vad.classify(chunk.pcm)
        if activity.speech:
            self._voiced_run += 1
            self._last_voiced = chunk.end
            self.end.reset()
        else:
            self._voiced_run = 0
            # Past the hangover (a soft word ending is neither noise nor someone else), the
            # room teaches the denoiser, and someone else's speech is noted in the pause.
            if chunk.start - self._last_voiced >= HANGOVER_FRAMES * chunk.samples:
                if not activity.background:
                    self.denoiser.learn(chunk.pcm)
                elif self._onset is not None:
                    self.end.background_heard()
        if activity.background and self._onset is None:
            if not self._far:
                self._far_start = chunk.start
            self._far.append(activity.level)
            self._far_end = chunk.end
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
        if activity.speech or silence <= max(HANGOVER_FRAMES * chunk.samples, self.end.hangover):
            partial = self._decode_held()
            self._running = partial or self._running
        if self._capped(chunk):
            return self._final(capped=True)
        if silence >= HANGOVER_FRAMES * chunk.samples:
            self.end.pause_begins(self.second_pass, self._audio, self._first(), self._last_voiced)
        if silence >= self.timing.end_silence:
            self.end.pause_reaches_end()
            if silence >= self.end.silence(self._running):
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
            if activity.speech:
                self._voiced_levels.append(activity.level)
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
        start = self._first()
        offset = samples_to_seconds(start)
        heard, near = self._heard, self.vad.near_level
        utterance = near_words(self.recognizer.finish(offset=offset), heard, near)
        level = mean_level(self._voiced_levels)
        if utterance.is_empty and not capped:
            # A cough, a door or the TV: nothing was said. Keep listening for a real answer,
            # remembering how loud it was when it sounded like speech (spoken too softly).
            if len(self._voiced_levels) >= WORDLESS_SPEECH_FRAMES:
                self._wordless = level
            self._new_utterance()
            return None
        self._active = False
        self._held.clear()
        audio = b"".join(self._audio)
        better = None
        if self.second_pass is not None:
            better = filtered(self.second_pass.submit(audio, offset), heard, near)
        if self.opinions.wanted and not capped and self._short_enough():
            return self.opinions.final(utterance, better, audio, start, level)
        return Final(utterance=utterance, capped=capped, better=better, level=level)

    def _short_enough(self) -> bool:
        """Short enough to be a phrase, for the phrase checker: the audio decoded up to
        ``HANGOVER_FRAMES`` after the last voiced frame, the pre-roll included. The silence
        decoded after that while the turn waits to end (up to the end-of-answer silence) does
        not count: it left a command joined with a little sound before it (the coach's echo
        as the person began) over the limit with 1.4 s of speech, where 3 s are allowed."""
        spoken = self._last_voiced - self._first() + HANGOVER_FRAMES * FRAME_SAMPLES
        return 0 < min(self._audio_samples, spoken) <= self.timing.phrase_max

    def _give_up(self, now: int) -> NoAnswer:
        self.recognizer.reset()
        self._active = False
        self._held.clear()
        waited = samples_to_seconds(now - self._turn_start)
        return NoAnswer(waited=waited, level=self._wordless, far=self._far_speech(now))

    def _far_speech(self, now: int) -> float | None:
        """The level (dBFS) of the speech this turn set aside as background, when it may have
        been the person answering from further away: at least ``FAR_SPEECH_FRAMES`` of it,
        after the person was heard at all (a TV left on with nobody there is not asked to
        come closer), and not speech going on from the turn's opening to its end (a TV
        talking on): it began after ``FAR_ONSET_S`` or ended the end-of-answer silence before
        the wait ran out. None otherwise."""
        if len(self._far) < FAR_SPEECH_FRAMES or self.vad.near_level is None:
            return None
        began_after = self._far_start - self._turn_start >= seconds_to_samples(FAR_ONSET_S)
        if not began_after and now - self._far_end < self.timing.end_silence:
            return None
        return mean_level(self._far)
