"""The one way transcripts, phrases and references are made comparable."""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
_NOT_WORD = re.compile(r"[^\w']+")
_LOOSE_APOSTROPHE = re.compile(r"(?<!\w)'|'(?!\w)")


def normalise(text: str) -> str:
    """Lower case (NFKC), apostrophes inside words kept, every other mark a space, single spaces.

    Letters of every script are kept (Hangul as well as Latin): ``"That’s  enough, TODAY!"`` →
    ``"that's enough today"``.
    """
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()
    text = _NOT_WORD.sub(" ", text)
    text = _LOOSE_APOSTROPHE.sub(" ", text)
    return " ".join(text.replace("_", " ").split())


def words(text: str) -> list[str]:
    """The normalised words of a text, in order."""
    return normalise(text).split()
