"""Spoken mood ratings: "seven", "about a six", "eight out of ten", "7/10", "I don't know".

``parse_mood`` returns the rating 1–10 a person gave, or None when they gave none (declined,
or said something that holds no rating). Recogniser slips on short number words ("for" for
"four", "won" for "one", "ate" for "eight") are read as numbers only where a number is
expected: in a short reply, or in the frame "N out of ten".
"""

from __future__ import annotations

import re

from voicecoach.text import normalise

LOW, HIGH = 1, 10
"""The scale of the mood check-in."""

NUMBER_WORDS: dict[str, int] = {
    "zero": 0, "nought": 0, "naught": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
    "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
    "thousand": 1000, "million": 1000000,
}  # fmt: skip
"""Number words a rating is said with, and those of numbers beyond the scale ("eleven",
"none", "a hundred"): said as a rating, they are heard as a number that is no mood."""

TIMES = frozenset({"hundred", "thousand", "million"})
"""Number words that multiply the number before them ("five hundred")."""

NEGATIVE = frozenset({"minus", "negative"})
"""Words that make the number after them negative ("minus one")."""

SOUND_ALIKES: dict[str, int] = {
    "won": 1, "to": 2, "too": 2, "tree": 3, "free": 3, "for": 4, "fore": 4, "fife": 5,
    "sex": 6, "sick": 6, "sicks": 6, "seben": 7, "ate": 8, "nein": 9, "tin": 10, "tan": 10,
}  # fmt: skip
"""What a recogniser may write for a number word; trusted only where a number is expected."""

SHORT_REPLY = 4
"""Words in a reply short enough that a lone number-like word is taken as the rating."""

DECLINED = re.compile(
    r"\b(don't know|do not know|dunno|not sure|no idea|can't say|cannot say|rather not|"
    r"hard to say|no comment|pass|skip)\b"
)
"""Replies that give no rating on purpose."""

RATING_CUES = frozenset(
    {
        "a", "about", "around", "maybe", "probably", "like", "say", "said", "feel", "feeling",
        "i'm", "im", "it's", "its", "solid", "roughly", "perhaps", "guess", "honestly",
        "definitely", "only", "just"
    }
)  # fmt: skip
"""Words that often come right before a rating ("about a six", "I'd say seven"). Not "at": "I'm
at a four" has its "a", and "the kids woke me up at four" is a time."""

FILLERS = frozenset({"um", "uh", "er", "erm", "hmm", "oh", "ah", "well", "so"})
"""Sounds around a rating that say nothing themselves."""

LEADS = RATING_CUES | FILLERS | frozenset(
    {"i", "i'd", "id", "i'll", "think", "would", "at", "the", "it", "is", "am", "really",
     "pretty", "today", "now", "right", "okay", "ok", "yeah", "hmm", "overall"}
)  # fmt: skip
"""Words a reply may open with before its rating ("I think I'm at a six")."""

CLOSINGS = FILLERS | frozenset(
    {"today", "tonight", "now", "right", "i", "think", "guess", "suppose", "really", "honestly",
     "probably", "maybe", "at", "the", "moment", "so", "out", "of", "ten", "overall",
     "please", "thanks", "thank", "you", "okay", "ok"}
)  # fmt: skip
"""Words a rating may end with ("six right now", "seven I think"); "five or so" too."""

BREAKS = frozenset({"because", "cause", "'cause", "since", "but", "though", "and", "as"})
"""Words that begin a new clause after a rating ("seven, because work went well")."""

_OUT_OF = re.compile(r"(?<![\w-])(-?\w+) (?:out of|outta|of|over|on) (?:ten|10)\b")
_SLASH = re.compile(r"\b(\d{1,2}) ?/ ?10\b")
_HALF = re.compile(r"\band a half\b|\bpoint five\b|\.5\b")


def _value(word: str, loose: bool) -> int | None:
    if word.lstrip("-").isdigit():
        return int(word)
    if word in NUMBER_WORDS:
        return NUMBER_WORDS[word]
    if loose and word in SOUND_ALIKES:
        return SOUND_ALIKES[word]
    return None


def _only_cues_besides(words: list[str]) -> bool:
    """Are the words around a number-like one only cues and fillers ("maybe a for", "um for")?
    A slip such as "to" in "and ah to do" is no rating: the other words say it is no number."""
    besides = [w for w in words if w not in SOUND_ALIKES]
    return all(w in RATING_CUES or w in FILLERS for w in besides)


def _in_scale(value: int | None) -> int | None:
    return value if value is not None and LOW <= value <= HIGH else None


def _ends_the_rating(after: list[str]) -> bool:
    """Do the words after a number leave it a rating: nothing, closing words ("right now"), or a
    new clause ("because …")? Not "hundred", "slow breaths", "o'clock", "or seven"."""
    for index, word in enumerate(after):
        if word in BREAKS:
            return True
        if word not in CLOSINGS and after[index : index + 2] != ["or", "so"]:
            return False
    return True


def _said_as_rating(words: list[str], index: int) -> bool:
    """Is the number at ``words[index]`` said as a rating? It must end the reply, a clause or
    closing words, and either open the reply (only lead words before it: "I'd say seven") or
    follow a rating cue ("… and I feel like a six"). In a short reply any words may come before
    it ("okay seven") but a time or a count ("up at four", "count to ten") is none."""
    if not _ends_the_rating(words[index + 1 :]):
        return False
    before = words[:index]
    if words[index] == "one" and before and before[-1] in _ONE_AS_A_PRONOUN_AFTER:
        return False  # "that one", "the one": a thing pointed at, not a rating
    if all(w in LEADS for w in before):
        return True
    if before and before[-1] in RATING_CUES:
        return True
    short = len(words) <= SHORT_REPLY
    return short and before[-1] not in _NOT_A_RATING_BEFORE


_NOT_A_RATING_BEFORE = frozenset(
    {"at", "to", "until", "till", "by", "past", "after", "before", "of", "in", "on", "with",
     "for", "than", "or", "count", "counted", "take", "took", "have", "had", "got"}
)  # fmt: skip
"""Words after which a number in a short reply is a time or a count, not a rating."""


_ONE_AS_A_PRONOUN_AFTER = frozenset(
    {"that", "this", "the", "which", "each", "every", "no", "any", "some", "another", "other",
     "next", "last", "same"}
)  # fmt: skip
"""Words after which "one" stands for a thing ("that one"), not the number: en-gb+m3's "I'd
say seven", heard "i'd like that one", was kept as a 1."""


def parse_mood(text: str, strict: bool = False) -> int | None:
    """The rating 1–10 of a reply that gives one ("seven", "about a six", "I'd say seven",
    "seven out of ten", "I feel like a six today"), or None: declined, no number, a number
    that is no rating ("I will take three slow breaths", "the kids woke me up at four"), a
    number beyond the scale ("eleven", "five hundred": see ``beyond_scale``) or two of them
    ("six or seven": see ``either_of``). ``strict`` reads number words and digits only (no
    recogniser slips such as "for" for "four")."""
    return _in_scale(said_number(text, strict))


def beyond_scale(text: str) -> bool:
    """Does the reply give a number as its rating that is outside 1–10 ("eleven", "zero", "a
    hundred", "five hundred", "minus one", "eleven out of ten", "11/10")? Number words only,
    read as ``parse_mood`` reads a rating (not "the kids woke me up at twelve")."""
    said = said_number(text, strict=True)
    return said is not None and _in_scale(said) is None


def said_number(text: str, strict: bool = False) -> int | None:
    """The number a reply gives as its rating, in the scale or beyond it ("five hundred" →
    500, "minus one" → -1), or None (see ``parse_mood``)."""
    raw = text.lower()
    slash = _SLASH.search(raw)
    if slash:
        return int(slash.group(1))
    said = " ".join(_joined(normalise(_HALF.sub(" ", raw)).split()))
    if not said:
        return None
    framed = _OUT_OF.search(said)
    if framed:
        return _value(framed.group(1), loose=not strict)
    if DECLINED.search(said) or either_of(said) is not None:
        return None
    words = said.split()
    loose = len(words) <= SHORT_REPLY and not strict and _only_cues_besides(words)
    values = {
        value
        for index, word in enumerate(words)
        if (value := _value(word, loose)) is not None and _said_as_rating(words, index)
    }
    return values.pop() if len(values) == 1 else None


def _joined(words: list[str]) -> list[str]:
    """The words with each number said in several words made one, in digits: "twenty five" →
    "25", "five hundred" → "500", "minus one" → "-1"; a number of one word is left as it is."""
    out: list[str] = []
    for word in words:
        value = NUMBER_WORDS.get(word)
        last = out[-1] if out else ""
        before = _value(last, loose=False)
        if value is None:
            out.append(word)
        elif last in NEGATIVE:
            out[-1] = str(-value)
        elif before is None:
            out.append(word)
        elif word in TIMES:
            out[-1] = str(before * value)
        elif before in range(20, 100, 10) and value < 10:
            out[-1] = str(before + value)
        else:
            out.append(word)
    return out


_EITHER = re.compile(r"\b(\w+) or (?:a |maybe |maybe a )?(\w+)\b")


def either_of(text: str) -> tuple[int, int] | None:
    """Two ratings offered as a choice ("six or seven", "a five or a six"), else None: not two
    numbers in a sentence ("I'll take two or three breaths"), read as ``parse_mood`` reads one."""
    said = normalise(text)
    match = _EITHER.search(said)
    if match is None:
        return None
    around = [*said[: match.start()].split(), match.group(0), *said[match.end() :].split()]
    if not _said_as_rating(around, len(said[: match.start()].split())):
        return None
    loose = len(said.split()) <= SHORT_REPLY + 2
    first = _in_scale(_value(match.group(1), loose))
    second = _in_scale(_value(match.group(2), loose))
    if first is None or second is None or first == second:
        return None
    return first, second


def number_word(phrase: str) -> str:
    """The word of a rating phrase that says the number ("four" of "about a four"); the whole
    phrase when none does ("not sure")."""
    words = normalise(phrase).split()
    return next((w for w in words if w in NUMBER_WORDS or w.isdigit()), " ".join(words))


def declined(text: str) -> bool:
    """Does the reply give no rating on purpose ("I don't know", "I'd rather not")?"""
    return bool(DECLINED.search(normalise(text)))
