"""The one small protocol every speech-to-text engine implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from voicecoach.speech.events import EngineInfo, Utterance
from voicecoach.speech.grammar import Focus, PhraseChecker

if TYPE_CHECKING:
    from voicecoach.speech.redecode import Redecoder


class Recognizer(Protocol):
    """Streaming speech to text over 16 kHz mono int16 audio.

    One recognizer lives for a whole session; each answer is one utterance:
    ``accept()`` the answer's frames in order, then ``finish()`` (or ``reset()`` to drop it).
    """

    info: EngineInfo
    """Engine name and model, as stored in the journal."""

    second_pass: Redecoder | None
    """Decodes a finished utterance again whole, off the reply's path (None: streaming words
    are already as good as the engine's)."""

    def accept(self, pcm: bytes) -> str | None:
        """Decode more audio; return the running transcript when it changed, else None."""
        ...

    def hypothesis(self) -> str:
        """The best transcript of everything accepted in this utterance, brought up to date
        now (not the last partial, which may lag the audio)."""
        ...

    def finish(self, offset: float) -> Utterance:
        """End the current utterance and return it, ready for the next one.

        ``offset`` is the audio time (seconds) of the first sample given to ``accept`` since the
        last finish/reset; word times in the result are in session audio time.
        """
        ...

    def reset(self) -> None:
        """Drop whatever was accepted since the last finish."""
        ...

    def phrase_checker(
        self,
        phrases: Sequence[str],
        grammar: str = "commands",
        focus: Focus | None = None,
        singles: Sequence[str] = (),
        over_coach: Sequence[str] = (),
    ) -> PhraseChecker | None:
        """A second decoder of short utterances restricted to ``phrases``, sharing this engine's
        model; None when the engine offers none (or no phrase is given). Checkers of different
        ``grammar`` names live side by side; a new one of the same name replaces the old.
        ``focus``: the part of each phrase its agreement is about (``grammar.focused``).
        ``singles``: one-word phrases a short utterance may be heard again with, on their own
        (``Recheck.single``), where the engine offers that. ``over_coach``: the phrases said
        over the coach's voice, a grammar speech begun while it spoke may be heard again with
        (``Recheck.over_coach``), where the engine offers that."""
        ...

    def close(self) -> None:
        """Free the engine."""
        ...


def utterance_from_words(words: list[tuple[str, float, float, float]], offset: float) -> Utterance:
    """Build an Utterance from (word, start, end, conf) tuples relative to the utterance start."""
    from voicecoach.speech.events import Word

    shifted = tuple(
        Word(word=w, start=round(offset + s, 3), end=round(offset + e, 3), conf=round(c, 3))
        for (w, s, e, c) in words
    )
    text = " ".join(w.word for w in shifted)
    if shifted:
        return Utterance(text=text, words=shifted, start=shifted[0].start, end=shifted[-1].end)
    return Utterance(text="", words=(), start=offset, end=offset)
