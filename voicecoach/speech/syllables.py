"""How many syllables a wake phrase has, and the advice for short ones.

A short wake phrase ("hey") is heard in other speech and wakes the coach when nobody asked.
Syllables are counted from the pronouncing dictionary PocketSphinx ships (the one the wake
spotter and the command grammars look words up in): one per vowel phone. A word it lacks is
counted by its groups of vowel letters, a Hangul block being one syllable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from voicecoach.text import normalise

MIN_WAKE_SYLLABLES = 3
"""Fewer syllables than this and a wake phrase is woken by other speech too often."""
ADVICE = (
    f'a wake phrase of {MIN_WAKE_SYLLABLES} syllables or more (such as "let\'s reflect") '
    "is less often heard in other speech"
)
"""What to do about a short wake phrase."""
BUILT_IN = ("hey coach",)
"""Short phrases among the built-in wake phrases, not warned about (the README says what they
miss)."""

_VOWEL_PHONE = re.compile(r"[AEIOU]")
"""ARPAbet vowels (AA, AE, AH, …, ER, …, UW) start with a vowel letter; consonants never do."""
_VOWEL_LETTERS = re.compile(r"[aeiouyàáâäèéêëìíîïòóôöùúûü]+")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def dictionary_path() -> Path | None:
    """PocketSphinx's US-English pronouncing dictionary; None without PocketSphinx."""
    try:
        import pocketsphinx
    except ImportError:
        return None
    found = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"
    return found if found.is_file() else None


def pronunciations(words: Iterable[str], dictionary: Path | None) -> dict[str, list[str]]:
    """The first pronunciation (its phones) of each of ``words`` the dictionary holds."""
    wanted = set(words)
    found: dict[str, list[str]] = {}
    if dictionary is None or not wanted:
        return found
    try:
        with dictionary.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                word, _, phones = line.partition(" ")
                if word in wanted and word not in found:
                    found[word] = phones.split()
                    if len(found) == len(wanted):
                        break
    except OSError:
        return found
    return found


def letter_syllables(word: str) -> int:
    """Syllables of a word no dictionary holds: Hangul blocks, else groups of vowel letters
    (at least one for a word with letters)."""
    blocks = len(_HANGUL.findall(word))
    if blocks:
        return blocks
    groups = len(_VOWEL_LETTERS.findall(word))
    return max(groups, 1 if any(c.isalpha() for c in word) else 0)


def syllables(phrase: str, known: dict[str, list[str]]) -> int:
    """The syllables of ``phrase`` (normalised), from ``known`` pronunciations where it has the
    word (see `pronunciations`), else from its letters."""
    count = 0
    for word in normalise(phrase).split():
        phones = known.get(word)
        if phones is None:
            count += letter_syllables(word)
        else:
            count += sum(1 for p in phones if _VOWEL_PHONE.match(p))
    return count


def short_wake_phrases(phrases: Iterable[str]) -> list[tuple[str, int]]:
    """The phrases (with their syllables) below ``MIN_WAKE_SYLLABLES``, apart from the built-in
    ``BUILT_IN`` ones, in the order given."""
    chosen = [p for p in phrases if normalise(p) not in BUILT_IN]
    words = {w for p in chosen for w in normalise(p).split()}
    known = pronunciations(words, dictionary_path() if words else None)
    counted = [(p, syllables(p, known)) for p in chosen]
    return [(p, n) for p, n in counted if n < MIN_WAKE_SYLLABLES]


def described(short: list[tuple[str, int]]) -> str:
    """``"hey" has 1 syllable``, ``"hi" has 1 syllable, "wake up" 2``: for messages."""
    from voicecoach.config import toml_value

    first, *rest = short
    said = [f"{toml_value(first[0])} has {first[1]} syllable{'' if first[1] == 1 else 's'}"]
    said += [f"{toml_value(p)} {n}" for p, n in rest]
    return ", ".join(said)
