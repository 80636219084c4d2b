"""Who is speaking to the speaker: a profile's name heard after the wake phrase.

With two profiles or more, the person names theirs ("it's Sam", or "Alex" when the coach asks
"who is this?"). The reply is heard the way commands are: the open transcript, and a second
decoder whose grammar holds only the profile names (alone or after "it's", "this is", "I'm")
and the ways of saying "not me". A name is taken when the transcript holds it, or when the
grammar heard it and the transcript sounds like it (``MIN_AGREEMENT``, stricter than for
commands: a session kept in the wrong person's journal costs more than asking again).

The reply is used for the match only, never kept or shown; the coach says a name back only as
the profile's own name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from voicecoach.errors import UsageError
from voicecoach.frames import seconds_to_samples
from voicecoach.speech.events import Final
from voicecoach.speech.grammar import PhraseChecker, RecheckedFinal
from voicecoach.speech.listener import Listener
from voicecoach.speech.recognizer import Recognizer
from voicecoach.speech.timing import ListenTiming
from voicecoach.speech.vad import VoiceActivity
from voicecoach.text import normalise

GRAMMAR = "profile-names"
"""The name of the names' grammar beside the commands' on the recogniser."""

LEAD_INS = ("it's", "it is", "this is", "i'm", "i am", "it's me")
"""Words said before one's name."""

NOT_ME = ("not me", "not now", "stop", "nobody", "never mind", "cancel", "no one")
"""Replies that end the question: nobody to keep a session for."""

MIN_AGREEMENT = 0.6
"""How closely the open transcript must sound like the name the grammar heard (0.0–1.0)."""

NAME_WAIT_S = 2.5
"""Right after the wake: how long a name may take to come before the coach asks for it."""

PHRASE_MAX_S = 3.0
"""Longest reply the names' grammar hears again."""

WHO_IS_THIS = "Who is this?"
WHO_AGAIN = "Sorry, I didn't catch your name. Who is this?"
NAME_NOT_CAUGHT = "I didn't catch the name, so I won't keep anything. I'm here when you need me."
NOT_YOU = "All right. I'm here when you need me."


def spoken(profile: str) -> str:
    """How a profile's name is said: "sam-lee" → "sam lee"."""
    return " ".join(profile.replace("-", " ").replace("_", " ").split())


def check_spoken_name(profile: str) -> str:
    """``profile`` when its name, said after a wake, can be told from a "not me" reply; else
    UsageError naming those replies: a name that is one of them or of their words ("stop",
    "nobody", "me", "no-one") would be taken for the other, keeping a session nobody asked for
    or none for the person who named themselves."""
    name = spoken(profile)
    if any(_holds(phrase.split(), name) for phrase in NOT_ME):
        replies = ", ".join(f'"{phrase}"' for phrase in NOT_ME)
        raise UsageError(
            f"profile {profile!r}: the speaker takes {replies} and each of their words as "
            "nobody to keep a session for, so these names are reserved; choose another name"
        )
    return profile


def greeting(profile: str) -> str:
    """What the coach says once it knows who it is (the profile's name, never what was heard)."""
    return f"Hi {spoken(profile)}."


def name_phrases(profiles: tuple[str, ...]) -> list[str]:
    """The names' grammar: each name alone and after each lead-in, then the "not me" replies."""
    phrases = []
    for profile in profiles:
        name = spoken(profile)
        phrases += [name, *(f"{lead} {name}" for lead in LEAD_INS)]
    return [*phrases, *NOT_ME]


class Answer(Enum):
    """What a reply to "who is this?" was, other than a name."""

    NOT_ME = "not me"
    UNCLEAR = "unclear"


@dataclass(frozen=True)
class Identified:
    """The profile a reply names, or why there is none."""

    profile: str | None = None
    answer: Answer = Answer.UNCLEAR


def _holds(words: list[str], phrase: str) -> bool:
    """``phrase`` occurs in ``words`` as whole words, in order."""
    wanted = phrase.split()
    return any(words[i : i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1))


def _target(phrase: str, profiles: tuple[str, ...]) -> Identified:
    """The profile (or "not me") a phrase of the grammar stands for."""
    if phrase in NOT_ME:
        return Identified(answer=Answer.NOT_ME)
    for profile in profiles:
        name = spoken(profile)
        if phrase == name or any(phrase == f"{lead} {name}" for lead in LEAD_INS):
            return Identified(profile)
    return Identified()


def identify(final: Final, profiles: tuple[str, ...]) -> Identified:
    """Which of ``profiles`` a reply names, if any (see the module's docstring)."""
    words = normalise(final.utterance.text).split()
    said = [p for p in profiles if _holds(words, spoken(p))]
    # "sam lee" names sam-lee, not also sam
    said = [
        p for p in said if not any(q != p and _holds(spoken(q).split(), spoken(p)) for q in said)
    ]
    if len(said) == 1:
        return Identified(said[0])
    if not said and any(_holds(words, phrase) for phrase in NOT_ME):
        return Identified(answer=Answer.NOT_ME)
    recheck = final.recheck if isinstance(final, RecheckedFinal) else None
    if said or recheck is None or not recheck.phrase or recheck.agreement < MIN_AGREEMENT:
        return Identified()  # two names at once, or nothing heard clearly enough
    return _target(recheck.phrase, profiles)


def ask_who(
    profiles: tuple[str, ...],
    say: Callable[[str], None],
    hear: Callable[[int | None], Final | None],
    stopped: Callable[[], bool],
    asked: bool = False,
) -> str | None:
    """The profile named right after the wake, or when asked "who is this?" (once more when not
    heard); None when no name was heard (the coach says so) or the person said "not me".
    ``asked``: the coach has just spoken (an invitation), so the question comes at once.

    ``hear(wait)`` listens for one reply (``wait``: samples of silence before giving up, None:
    the usual) and returns it or None; ``stopped()`` tells a stop or the button from silence.
    """
    for question in ("", WHO_IS_THIS, WHO_AGAIN)[1 if asked else 0 :]:
        if question:
            say(question)
        final = hear(None if question else seconds_to_samples(NAME_WAIT_S))
        if final is None and stopped():
            return None
        found = identify(final, profiles) if final is not None else Identified()
        if found.profile is not None:
            say(greeting(found.profile))
            return found.profile
        if found.answer is Answer.NOT_ME:
            say(NOT_YOU)
            return None
    say(NAME_NOT_CAUGHT)
    return None


class NameHearing:
    """A listener of short replies whose second opinion is a grammar of the current names
    (rebuilt when the profiles change: they may be added while the speaker runs for months)."""

    def __init__(self, recognizer: Recognizer, timing: ListenTiming, vad_mode: int) -> None:
        self.recognizer = recognizer
        self.timing = ListenTiming(
            end_silence=timing.end_silence,
            no_answer=timing.no_answer,
            max_answer=timing.max_answer,
            phrase_max=max(timing.phrase_max, seconds_to_samples(PHRASE_MAX_S)),
        )
        self.vad_mode = vad_mode
        self._profiles: tuple[str, ...] | None = None
        self._listener: Listener | None = None
        self._checker: PhraseChecker | None = None

    def listener(self, profiles: tuple[str, ...]) -> Listener:
        """The listener for replies naming one of ``profiles``."""
        if self._listener is None or profiles != self._profiles:
            self.close()
            self._checker = self.recognizer.phrase_checker(name_phrases(profiles), GRAMMAR)
            self._listener = Listener(
                self.recognizer,
                self.timing,
                VoiceActivity(self.vad_mode),
                checker=self._checker,
                redecode=False,
            )
            self._profiles = profiles
        return self._listener

    def close(self) -> None:
        if self._checker is not None:
            self._checker.close()
        self._checker = self._listener = None
