"""Is a final utterance a voice command? The open transcript and the phrase recogniser decide
together.

- The open transcript is exactly a command phrase (polite words at the edges allowed): a
  command, unless the phrase recogniser clearly heard a *different* command.
- Otherwise the phrase recogniser's choice is taken when the open transcript sounds like it
  (agreement at least ``min_agreement``): "ricky" for "repeat", "and tenure" for "continue".
- A one- or two-word utterance weighs the phrase recogniser more: its choice is taken from a
  lower agreement (``short_agreement``), and between that and ``unsure_floor`` the command is
  *unsure*: the coach asks before acting ("Did you want to skip this one?").
- For a one-word command the open transcript heard as two words ("ah us" for slt's "pause"),
  the two are also compared with it as one word (``Recheck.split``, phones and their sound
  classes): close enough, the command is *unsure*, never sure on that alone.
- An unsure command in a one-word utterance is checked against a grammar of the
  one-word commands alone (``Recheck.single``): when the command that grammar hears sounds
  more like the open transcript, it is the one asked about (the whole grammar chose "hang on"
  for en-us+f3's "help", heard "hail"). It only changes which command is asked about.
- A one- or two-word utterance whose open transcript holds only words of no reading of their
  own ("the", "i'm a": ``PhraseBook.says_nothing``) says nothing against the phrase recogniser:
  a one-word command it heard there is *unsure* whatever the agreement, and any unsure command
  heard there is *weak*: asked about, never acted on unasked, not even while paused (a number
  said to a paused coach, heard as "i", must not resume it). Through PocketSphinx a one-word
  "repeat" came out as "the" in every espeak-ng voice, "slower" as "i'm a".
- A command heard by the phrase recogniser alone in an utterance of more words than its phrase
  is *unsure*: a short answer forced onto a phrase ("it's all my fault", heard "it's all all",
  came out as "too slow") is asked about, never acted on.
- Anything longer than a command, or heard only by one of the two, is an answer.
- A command that ends, skips or erases something (``CONFIRM_UNLESS_SAID``) heard only through
  the phrase recogniser (the open transcript is not itself the phrase) is always unsure: a
  false "stop" ends the session ("I'm so stupid" heard as "and says stupid", sounding like
  "stop it"), while asking first costs one short question. (Not with ``min_agreement`` 0,
  where the open transcript is too weak to say any phrase.)
- An open transcript that is harsh self-talk or names a feeling ("i'm so stupid", "i'm so
  tired") is an answer, whatever the phrase recogniser made of it ("i'm done for today"): its
  own words carry what the person meant, and "Did you want to end the session?" is the wrong
  reply to them. Only a transcript that holds the phrase itself ("i'm so tired, stop") may be
  a command there. The same holds for harsh self-talk or a feeling the tone grammar heard
  where the transcript sounds like it (``coach.tone.understood``), asked only about a command
  that would be asked about: slt's "I'm so stupid", heard "and says stupid", is no "stop".
- Speech begun over the coach's voice, outside a pause, is never heard by the grammar as a
  command nobody says to a speaker that is talking ("go on": ``NOT_OVER_COACH``); the same
  audio is then heard by the grammar without those phrases (``CommandSpotter.over_coach``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from voicecoach.coach.answers import AnswerClass, classify
from voicecoach.coach.intents import NOT_OVER_COACH, Command, PhraseBook
from voicecoach.coach.tone import understood
from voicecoach.speech.events import Final
from voicecoach.speech.grammar import Recheck, RecheckedFinal
from voicecoach.text import normalise

MIN_AGREEMENT = 0.45
"""Default: how closely the open transcript must sound like the phrase recogniser's choice."""
SHORT_AGREEMENT = 0.4
"""For one or two words heard: the agreement from which the phrase recogniser is trusted."""
UNSURE_FLOOR = 0.2
"""For one or two words heard: below ``SHORT_AGREEMENT`` but at least this, ask first."""
SHORT_UTTERANCE = 2
"""Words in an utterance short enough to weigh the phrase recogniser more."""
CONFIRM_UNLESS_SAID = frozenset({Command.STOP, Command.SKIP, Command.FORGET, Command.PRIVATE})
"""Commands that lose something when acted on by mistake: asked about first unless the open
transcript says the phrase itself."""
MEANT = frozenset({AnswerClass.HARSH, AnswerClass.FEELING, AnswerClass.UNSURE})
"""Answer classes whose words say what the person meant: never taken as a command the phrase
recogniser alone heard. "No idea", heard word for word through PocketSphinx adapted to en-us
and kdl, was asked "Did you want to go on?"."""


@dataclass(frozen=True)
class Spotted:
    """A command heard in an utterance."""

    command: Command
    """Which command."""
    sure: bool = True
    """False: it only may be the command; the coach asks before acting on it."""
    guarded: bool = False
    """Heard clearly by the phrase grammar, but a command that loses something whose words
    the transcript does not hold (``CONFIRM_UNLESS_SAID``): unsure only for that reason."""
    weak: bool = False
    """Heard by the phrase grammar alone, the open transcript holding no words of its own
    ("the"): asked about, never acted on unasked (not even while paused)."""


@dataclass(frozen=True)
class CommandSpotter:
    """Decides whether a final utterance is a command."""

    book: PhraseBook
    """The phrases of every command."""
    min_agreement: float = MIN_AGREEMENT
    """0.0–1.0; 0 trusts the phrase recogniser alone (for a model whose open transcript is
    weak), 1.0 only an exact transcript."""

    def over_coach(self, final: Final) -> Final:
        """A final utterance begun over the coach's voice, outside a pause: when the whole
        grammar heard a command nobody says over it (``NOT_OVER_COACH``: "go on"), the same
        audio as the grammar of what is said over it hears it, and when that hears no command
        in a one-word utterance, as the one-word commands alone hear it (then taken as any
        short utterance is: asked about unless the transcript sounds like it); else ``final``
        unchanged."""
        if not isinstance(final, RecheckedFinal) or final.recheck is None:
            return final
        recheck = final.recheck
        if recheck.over_coach is None or self.book.command_of(recheck.phrase) not in NOT_OVER_COACH:
            return final
        over = recheck.over_coach()
        if self.book.command_of(over.phrase) is None and over.single is not None:
            alone = over.single()  # "god": heard "go on", then "not now"; alone, "pause"
            if alone.phrase:
                over = replace(alone, single=over.single)
        return replace(final, recheck=over)

    def command(self, final: Final) -> Command | None:
        """The command a final utterance surely is, or None for an answer (or an unsure one)."""
        spotted = self.spot(final)
        return spotted.command if spotted is not None and spotted.sure else None

    def spot(self, final: Final) -> Spotted | None:
        """The command a final utterance is or may be, or None for an answer."""
        if final.capped:
            return None
        recheck = final.recheck if isinstance(final, RecheckedFinal) else None
        text = final.utterance.text
        if self._meant_otherwise(text, recheck):
            return None  # "i'm so stupid" is no "i'm done for today", however it sounds
        spotted = self._spotted(text, recheck)
        if spotted is None:
            return None
        guard = spotted.sure and spotted.command in CONFIRM_UNLESS_SAID
        # with min_agreement 0 the transcript is too weak to say the phrase: no guard
        if guard and self.min_agreement != 0.0 and self.book.match(text) != spotted.command:
            spotted = Spotted(spotted.command, sure=False, guarded=True)
        if not spotted.sure and self._tone_says_otherwise(final):
            return None
        return spotted

    def _tone_says_otherwise(self, final: Final) -> bool:
        """The tone grammar heard harsh self-talk or a feeling in an utterance whose
        transcript does not hold the command phrase: an answer, not a command to ask about."""
        tone = final.tone if isinstance(final, RecheckedFinal) else None
        if tone is None or self.book.match(final.utterance.text) is not None:
            return False
        return understood(final.utterance, tone).kind in MEANT

    def _meant_otherwise(self, text: str, recheck: Recheck | None) -> bool:
        """Harsh self-talk or a feeling whose words hold no command phrase: an answer."""
        if self.book.match(text) is not None or classify(text).kind not in MEANT:
            return False
        said = f" {normalise(text)} "
        phrase = normalise(recheck.phrase) if recheck is not None else ""
        return not phrase or f" {phrase} " not in said

    def _spotted(self, text: str, recheck: Recheck | None) -> Spotted | None:
        sure = self.decide(text, recheck)
        if sure is None:
            return self._short(text, recheck)
        if recheck is not None and self._more_than_heard(text, recheck.phrase):
            return Spotted(sure, sure=False)
        return Spotted(sure)

    def _more_than_heard(self, text: str, phrase: str) -> bool:
        """The open transcript has more words than the phrase the grammar alone heard in it: it
        may be a short answer forced onto a phrase ("it's all my fault", heard "it's all all",
        was taken as "too slow")."""
        if self.min_agreement == 0.0 or self.book.match(text) is not None:
            return False
        return len(normalise(text).split()) > len(normalise(phrase).split())

    def _short(self, text: str, recheck: Recheck | None) -> Spotted | None:
        """A one- or two-word utterance the phrase recogniser heard as a command."""
        words = normalise(text).split()
        if not words or len(words) > SHORT_UTTERANCE or recheck is None or not recheck.phrase:
            return None
        if normalise(text) in self.book.others:
            return None  # a short reply the grammar also holds ("no", "maybe") is an answer
        heard = self.book.command_of(recheck.phrase)
        if heard is None:
            return None
        empty = self.book.says_nothing(text)
        if recheck.agreement >= min(self.min_agreement, SHORT_AGREEMENT):
            return Spotted(heard)
        closeness = max(recheck.agreement, recheck.split)
        if closeness >= UNSURE_FLOOR:
            return self._closer_single(Spotted(heard, sure=False, weak=empty), closeness, recheck)
        if len(recheck.phrase.split()) == 1 and empty:
            return Spotted(heard, sure=False, weak=True)
        return None

    def _closer_single(self, spotted: Spotted, closeness: float, recheck: Recheck) -> Spotted:
        """An unsure command, or the one-word command that the grammar of one-word commands
        alone heard in the same audio, when the open transcript sounds more like that one:
        the whole grammar took en-us+f3's "help", heard "hail", for "hang on" (0.25), where
        "help" agrees 0.71. Which command is asked about changes; it is still asked about."""
        if recheck.single is None:
            return spotted
        alone = recheck.single()
        command = self.book.command_of(alone.phrase) if alone.phrase else None
        if command is None or command is spotted.command:
            return spotted
        if max(alone.agreement, alone.split) <= closeness:
            return spotted
        return Spotted(command, sure=False, weak=spotted.weak)

    def decide(self, text: str, recheck: Recheck | None) -> Command | None:
        said = self.book.match(text)
        heard = self.book.command_of(recheck.phrase) if recheck and recheck.phrase else None
        if said is not None:
            if heard is not None and heard != said and recheck and recheck.agreement < 0.5:
                return None
            return said
        if heard is not None and recheck is not None and recheck.agreement >= self.min_agreement:
            longest = max((len(p.split()) for p in self.book.phrases()), default=0)
            if len(normalise(text).split()) <= longest + 2:  # never inside a real answer
                return heard
        return None
