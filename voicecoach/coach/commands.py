"""Is a final utterance a voice command? The open transcript and the phrase recogniser decide
together.

- The open transcript is exactly a command phrase (polite words at the edges allowed): a
  command, unless the phrase recogniser clearly heard a *different* command.
- Otherwise the phrase recogniser's choice is taken when the open transcript sounds like it
  (agreement at least ``min_agreement``): "ricky" for "repeat", "and tenure" for "continue".
- Anything longer than a command, or heard only by one of the two, is an answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.coach.intents import Command, PhraseBook
from voicecoach.speech.events import Final
from voicecoach.speech.grammar import Recheck, RecheckedFinal

MIN_AGREEMENT = 0.45
"""Default: how closely the open transcript must sound like the phrase recogniser's choice."""


@dataclass(frozen=True)
class CommandSpotter:
    """Decides whether a final utterance is a command."""

    book: PhraseBook
    """The phrases of every command."""
    min_agreement: float = MIN_AGREEMENT
    """0.0–1.0; 0 trusts the phrase recogniser alone (for a model whose open transcript is
    weak), 1.0 only an exact transcript."""

    def command(self, final: Final) -> Command | None:
        """The command a final utterance is, or None for an answer."""
        if final.capped:
            return None
        recheck = final.recheck if isinstance(final, RecheckedFinal) else None
        return self.decide(final.utterance.text, recheck)

    def decide(self, text: str, recheck: Recheck | None) -> Command | None:
        said = self.book.match(text)
        heard = self.book.command_of(recheck.phrase) if recheck and recheck.phrase else None
        if said is not None:
            if heard is not None and heard != said and recheck and recheck.agreement < 0.5:
                return None
            return said
        if heard is not None and recheck is not None and recheck.agreement >= self.min_agreement:
            return heard
        return None
