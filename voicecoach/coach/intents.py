"""Voice commands: the families of phrasings, and whether an utterance is one.

A command is recognised only when it is the whole utterance, give or take a few polite words at
its edges ("okay, skip please"): "I need to stop judging myself" is an answer, never "stop".
The phrases of each command depend on the coach's language and can be replaced in config.toml
(``[commands]``). This module works on text only; ``coach.commands`` combines it with what the
grammar-restricted recogniser heard.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from voicecoach.text import normalise


class Command(StrEnum):
    """What a person can say to steer the session."""

    REPEAT = "repeat"
    SKIP = "skip"
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"
    HELP = "help"
    SLOWER = "slower"
    FASTER = "faster"
    FORGET = "forget"
    """Erase the last answer (its words and its audio) at once."""
    PRIVATE = "private"
    """Said at the start: keep nothing of this session but the moods and the date."""


ENGLISH: dict[Command, tuple[str, ...]] = {
    Command.REPEAT: (
        "repeat", "repeat that", "repeat the question", "say that again", "say it again",
        "can you say that again", "what was the question", "what was that", "come again",
        "pardon", "one more time",
    ),
    Command.SKIP: (
        "skip", "skip it", "skip this", "skip this one", "skip that", "skip this question",
        "next", "next question", "next one", "pass", "i'll pass", "move on",
    ),
    Command.PAUSE: (
        "pause", "hold on", "wait", "wait a moment", "wait a minute", "wait a second",
        "one moment", "just a moment", "give me a moment", "give me a minute", "hang on",
    ),
    Command.RESUME: (
        "continue", "resume", "i'm ready", "ready", "go on", "go ahead", "carry on",
        "keep going", "i'm back",
    ),
    Command.STOP: (
        "stop", "end the session", "end session", "stop the session", "that's enough for today",
        "that's enough", "enough for today", "quit", "goodbye", "i'm done",
        "i'm done for today", "stop here",
    ),
    Command.HELP: ("help", "help please", "what can i say", "what can i do", "commands"),
    Command.SLOWER: (
        "slower", "speak slower", "please speak slower", "talk slower", "slow down",
        "more slowly", "you're too fast", "too fast",
    ),
    Command.FASTER: (
        "faster", "speak faster", "please speak faster", "talk faster", "speed up",
        "you're too slow", "too slow",
    ),
    Command.FORGET: (
        "forget that", "forget my last answer", "don't keep that", "forget my answer",
        "forget the last answer", "forget what i said", "delete that", "erase that",
        "don't save that", "please forget that",
    ),
    Command.PRIVATE: (
        "private session", "this is a private session", "keep this private",
        "make this private", "make it private", "keep this session private",
    ),
}  # fmt: skip
"""The built-in English phrasings of every command."""

KOREAN: dict[Command, tuple[str, ...]] = {
    Command.REPEAT: ("다시", "다시 말해 주세요"),
    Command.SKIP: ("다음", "다음 질문"),
    Command.PAUSE: ("잠깐", "잠시만요"),
    Command.RESUME: ("계속",),
    Command.STOP: ("그만", "멈춰"),
    Command.HELP: ("도움말",),
    Command.SLOWER: ("천천히",),
    Command.FASTER: ("빠르게", "빨리"),
    Command.FORGET: ("지워", "삭제"),
    Command.PRIVATE: ("비공개", "비밀"),
}
"""Korean phrasings (words the small Korean Vosk model knows)."""

BUILT_IN: dict[str, dict[Command, tuple[str, ...]]] = {"en": ENGLISH, "ko": KOREAN}
"""Phrases by language (the first part of coach.language, e.g. "en" for "en-gb")."""

_NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_RATING_FRAMES = (
    "{n}", "a {n}", "about {n}", "about a {n}", "maybe {n}", "maybe a {n}", "around {n}",
    "{n} out of ten", "i'd say {n}", "probably {n}", "like a {n}", "i feel like a {n}",
)  # fmt: skip
_SHORT_REPLIES = (
    "i don't know", "not sure", "i'm not sure", "yes", "no", "not now", "okay", "maybe",
    "thank you", "thanks", "i'm fine", "i'm okay", "good", "fine", "not bad", "nothing",
    "i guess", "sure", "yeah", "no thanks", "no idea",
)  # fmt: skip

OTHER_REPLIES: dict[str, tuple[str, ...]] = {
    "en": tuple(f.format(n=n) for n in _NUMBERS for f in _RATING_FRAMES) + _SHORT_REPLIES,
    "ko": ("네", "아니요", "몰라요", "좋아요", "하나", "둘", "셋", "다섯", "일곱", "열"),
}
"""Short replies that are not commands (mood ratings, yes, no): the command grammar holds them
too, so that a short answer is heard as itself instead of being forced onto a command."""

EMPTY_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        {
            "the", "a", "an", "oh", "ah", "uh", "um", "er", "i", "i'm", "it", "you", "and",
            "to", "of", "is", "was", "in", "on",
        }
    ),
}  # fmt: skip
"""Words the open model writes for a short sound it cannot place: a one-word "repeat" came
out as "the" in every espeak-ng voice, "slower" as "i'm a". A transcript of these words only
says nothing of its own."""

EDGE_WORDS: tuple[str, ...] = (
    "please", "okay", "ok", "alright", "all right", "um", "uh", "er", "erm", "hmm", "oh", "ah",
    "well", "so", "hey", "coach", "just", "now", "sorry", "thanks", "thank you", "can you",
    "could you", "would you", "can we", "could we", "let's", "i said", "actually", "yes", "yeah",
)  # fmt: skip
"""Polite or filler words allowed before or after a command phrase ("okay, skip please")."""

_EDGE_SEQUENCES = sorted((tuple(w.split()) for w in EDGE_WORDS), key=len, reverse=True)


_EDGE_REVERSED = [tuple(reversed(seq)) for seq in _EDGE_SEQUENCES]


def _edge_prefixes(words: tuple[str, ...], sequences: list[tuple[str, ...]]) -> list[bool]:
    """For each k in 0..len(words): can ``words[:k]`` be read as polite words only ("okay",
    "thank you", "can you"), given as word ``sequences``? One pass, O(len(words) x
    len(sequences))."""
    fits = [True] + [False] * len(words)
    for end in range(1, len(words) + 1):
        fits[end] = any(
            len(seq) <= end and fits[end - len(seq)] and words[end - len(seq) : end] == seq
            for seq in sequences
        )
    return fits


def cores(text: str) -> list[str]:
    """Every reading of an utterance with polite words cut from its edges, longest first.

    Linear in the utterance's length apart from the readings themselves: a two-minute answer
    of 300 words is read in about a millisecond, not the third of a second the reply waited
    for when every cut was checked afresh."""
    words = tuple(normalise(text).split())
    starts = _edge_prefixes(words, _EDGE_SEQUENCES)
    backwards = _edge_prefixes(tuple(reversed(words)), _EDGE_REVERSED)
    ends = [backwards[len(words) - k] for k in range(len(words) + 1)]
    found = []
    for start in range(len(words)):
        if not starts[start]:
            continue
        for end in range(len(words), start, -1):
            if ends[end]:
                found.append((end - start, " ".join(words[start:end])))
    return [core for _, core in sorted(found, key=lambda f: -f[0])]


NOT_OVER_COACH = frozenset({Command.RESUME})
"""Commands nobody says over the coach's voice: it is already going on. With the coach's echo
left inside a word, the whole command grammar heard "pause" said over a question as "go on" in
4 of 13 mixes (``benchmarks/bench_echo_mix.py``)."""


@dataclass(frozen=True)
class PhraseBook:
    """Every command's phrasings, normalised; the one place phrase → command is looked up."""

    commands: Mapping[Command, tuple[str, ...]]
    """Phrases of each command (a command without phrases cannot be said)."""
    others: tuple[str, ...] = ()
    """Short replies that are not commands, for the command grammar."""
    empty: frozenset[str] = frozenset()
    """Words that, alone, are no reading of their own (``EMPTY_WORDS``)."""

    @classmethod
    def build(
        cls, language: str = "en", overrides: Mapping[Command, Iterable[str]] | None = None
    ) -> PhraseBook:
        """The built-in phrases for a language, with any command's list replaced."""
        code = language.split("-")[0].lower()
        base = BUILT_IN.get(code, {})
        merged: dict[Command, tuple[str, ...]] = {}
        for command in Command:
            given = tuple((overrides or {}).get(command, ()))
            phrases = given or base.get(command, ())
            merged[command] = tuple(dict.fromkeys(p for p in map(normalise, phrases) if p))
        said = {p for phrases in merged.values() for p in phrases}
        others = tuple(p for p in map(normalise, OTHER_REPLIES.get(code, ())) if p not in said)
        return cls(commands=merged, others=others, empty=EMPTY_WORDS.get(code, frozenset()))

    def phrases(self) -> list[str]:
        """Every phrase, each once (a phrase listed under two commands belongs to the first)."""
        return list(self._lookup())

    def _lookup(self) -> dict[str, Command]:
        table: dict[str, Command] = {}
        for command, phrases in self.commands.items():
            for phrase in phrases:
                table.setdefault(phrase, command)
        return table

    def single_words(self) -> list[str]:
        """The command phrases of one word ("skip", "pause"): a short utterance is heard again
        with these alone when the whole grammar is unsure of it."""
        return [p for p in self.phrases() if " " not in p]

    def grammar(self) -> list[str]:
        """What the command grammar holds: every command phrase, then the other replies."""
        return [*self.phrases(), *self.others]

    def over_coach_grammar(self) -> list[str]:
        """The command grammar less the phrases of commands nobody says over the coach's voice
        (``NOT_OVER_COACH``): what speech begun while it spoke is heard again with."""
        unsaid = {p for c in NOT_OVER_COACH for p in self.commands.get(c, ())}
        return [p for p in self.grammar() if p not in unsaid]

    def command_of(self, phrase: str) -> Command | None:
        """The command a phrase belongs to (exactly, once normalised)."""
        return self._lookup().get(normalise(phrase))

    def match(self, text: str) -> Command | None:
        """The command a whole utterance is, or None when it is anything else."""
        table = self._lookup()
        return next((table[core] for core in cores(text) if core in table), None)

    def holds(self, text: str, command: Command) -> bool:
        """Does a transcript hold one of ``command``'s phrases as whole words, with other words
        around it ("continue to")?"""
        said = f" {normalise(text)} "
        return any(f" {phrase} " in said for phrase in self.commands.get(command, ()))

    def says_nothing(self, text: str) -> bool:
        """Is a transcript made of words that, alone, are no reading of their own ("the")?"""
        words = normalise(text).split()
        return bool(words) and all(word in self.empty for word in words)

    def help_words(self) -> list[str]:
        """The first phrasing of each command that has one, for the spoken help line."""
        return [phrases[0] for phrases in self.commands.values() if phrases]


UNFINISHED_WORDS = frozenset(
    {
        "and", "but", "because", "so", "or", "um", "uh", "er", "erm", "the", "a", "an", "to",
        "of", "that", "like", "if", "when", "my", "i", "then", "with", "was", "is", "for",
        "about", "which", "who", "than", "as"
    }
)  # fmt: skip
"""Words an English answer rarely ends on: after them a pause means the person is thinking."""


CONTINUING_WORDS = frozenset({"and", "but", "because", "so", "or", "um", "uh", "er", "erm"})
"""The words of ``UNFINISHED_WORDS`` that join or fill (conjunctions, fillers): they announce more
even where a decoder ranks them second (see ``seems_continued``)."""


def seems_continued(text: str) -> bool:
    """True when the transcript ends on a conjunction or a filler (``CONTINUING_WORDS``)."""
    return _ends_on(text, CONTINUING_WORDS)


def seems_unfinished(text: str) -> bool:
    """True when the running transcript ends on a word that announces more to come."""
    return _ends_on(text, UNFINISHED_WORDS)


def _ends_on(text: str, last_words: frozenset[str]) -> bool:
    words = normalise(text).split()
    return bool(words) and words[-1] in last_words


_GO_ON = re.compile(r"\b(continue|go on|carry on|keep going|resume|next question)\b")
_NO = re.compile(r"^(no|nope|nah|not now|not yet)\b")
_DISTRESS = re.compile(r"\bnot (okay|ok|fine|safe|good|well|alright|all right)\b")


def wants_to_end(text: str) -> bool:
    """A reply to "would you like to end here?": True unless it clearly asks to go on.

    An unclear reply ends the session: after a safety concern, ending gently is the safer
    mistake.
    """
    said = normalise(text)
    if _DISTRESS.search(said):
        return True
    return not (_GO_ON.search(said) or _NO.search(said))
