"""Second opinions on a short final utterance: its audio heard again by grammars of phrases.

A short utterance may be a voice command or a rating, which an open-vocabulary model mishears
("skip" → "scan"); the grammars of ``speech/grammar.py`` cannot mishear them as other words. The
listener decides which utterances are short enough; this module builds their ``RecheckedFinal``:
the phrase checker (the voice commands) is asked at once, the rating grammar and the tone
grammar (harsh self-talk and feelings) only when the session machine asks (a question expecting
a mood; an answer the transcript alone reads as a full or very short one).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial

from voicecoach.frames import SAMPLE_WIDTH, samples_to_seconds, seconds_to_samples
from voicecoach.speech.events import Utterance
from voicecoach.speech.grammar import Hearing, Once, PhraseChecker, RecheckedFinal

WORDS_MARGIN_S = 0.3
"""Audio either side of a short utterance's words that its phrase grammars hear (soft first
and last sounds; the rest of the decoded audio is not theirs: see ``words_audio``)."""


def words_audio(audio: bytes, utterance: Utterance, start: int) -> bytes:
    """The part of an utterance's decoded ``audio`` (16 kHz mono int16 PCM, its first sample at
    audio time ``start``, in samples) that its words span, ``WORDS_MARGIN_S`` either side: what
    a phrase grammar hears; all of ``audio`` when the utterance has no words.

    A grammar must explain all it hears as one phrase, so sound before the words that the
    transcript did not keep (the coach's echo as the person began) turned the phrase into
    another ("that's enough for today" into "no thanks")."""
    if utterance.is_empty:
        return audio
    margin = seconds_to_samples(WORDS_MARGIN_S)
    lo = max(0, seconds_to_samples(utterance.start) - margin - start)
    hi = max(lo, seconds_to_samples(utterance.end) + margin - start)
    return audio[lo * SAMPLE_WIDTH : hi * SAMPLE_WIDTH]


@dataclass(frozen=True)
class SecondOpinions:
    """The grammars that hear a listener's short utterances again (each None = never)."""

    checker: PhraseChecker | None = None
    """Hears short utterances again with a grammar of phrases (the voice commands)."""
    rating_checker: PhraseChecker | None = None
    """Hears a short utterance again with a grammar of ratings, when asked."""
    tone_checker: Callable[[bytes, float], Hearing] | None = None
    """Hears a short utterance again with the grammar of harsh self-talk and feelings, when
    asked: (audio, its session time in seconds) → what it heard."""

    @property
    def wanted(self) -> bool:
        """Whether a short utterance gets second opinions at all (a phrase or tone grammar)."""
        return self.checker is not None or self.tone_checker is not None

    def final(
        self,
        utterance: Utterance,
        better: Future[Utterance] | None,
        audio: bytes,
        start: int,
        level: float | None = None,
    ) -> RecheckedFinal:
        """The Final of a short ``utterance`` (not capped) whose decoded ``audio`` began at audio
        time ``start`` (samples), spoken at ``level`` (``Final.level``): the phrase checker's
        opinion now, the rating and tone grammars' when asked (each at most once). Errors of
        the phrase checker propagate."""
        words = words_audio(audio, utterance, start)
        checker = self.checker
        recheck = checker.check(words, utterance.text) if checker is not None else None
        ask = self.rating_checker
        rating = Once(partial(ask.check, words, utterance.text)) if ask is not None else None
        hear = self.tone_checker
        offset = samples_to_seconds(start)
        tone = Once(partial(hear, audio, offset)) if hear is not None else None
        return RecheckedFinal(
            utterance, False, better, level, recheck=recheck, rating=rating, tone=tone
        )
