"""A rule-based check of a concern said out loud: "I feel … when … and I need …".

``check_concern`` looks for the three parts of a clear concern (a feeling, the situation, a
request) and for words that turn a concern into a charge ("always", "never", "you always").
``feedback`` says back what was there and what could be added, plainly and without grading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voicecoach.coach.answers import feeling_named
from voicecoach.text import normalise

_FEELING = re.compile(
    r"\bi (?:feel|felt|am feeling|was feeling)(?: so| really| very| a bit| quite)? "
    r"(?!(?:like|that|as|if|you|he|she|they|we|it|it's|i|this|the|a|an|my|your|about)\b)\w+|"
    r"\bi(?:'m| am| get| got) (?:so |really |very |a bit |quite )?"
    r"(?!(?:used|supposed|married|asked|told|called|paid|invited|involved|allowed)\b)\w+ed\b"
)
"""A feeling said with "I feel" (any word: "I feel unheard"), or "I'm / I get … -ed" ("I get
frustrated"); "I feel like you never listen" is a thought, "when I get home" no feeling."""
_SITUATION = re.compile(r"\b(?:when|whenever|if|after|because|every time|while)\b")
_REQUEST = re.compile(
    r"\b(?:i need|i'd like|i would like|i want|i'm asking|i ask|could you|can you|would you|"
    r"will you|please|it would help|would it be possible|i'd love|i would love)\b"
)
_ABSOLUTE = re.compile(r"\b(?:you always|you never|always|never|every single time|constantly)\b")


@dataclass(frozen=True)
class ConcernCheck:
    """What a concern, said out loud, holds."""

    feeling: bool
    """It names a feeling ("I feel worried")."""
    situation: bool
    """It says when or in what situation ("when you come home late")."""
    request: bool
    """It asks for something ("and I need a message")."""
    absolutes: tuple[str, ...]
    """"always" / "never" / "you always" … as said (empty when none)."""

    @property
    def complete(self) -> bool:
        return self.feeling and self.situation and self.request and not self.absolutes


def check_concern(text: str) -> ConcernCheck:
    """The parts of a concern found in a transcript."""
    said = normalise(text)
    feeling = bool(feeling_named(said)) or bool(_FEELING.search(said))
    absolutes = tuple(dict.fromkeys(m.group(0) for m in _ABSOLUTE.finditer(said)))
    return ConcernCheck(
        feeling=feeling,
        situation=bool(_SITUATION.search(said)),
        request=bool(_REQUEST.search(said)),
        absolutes=absolutes,
    )


_PARTS = (("feeling", "a feeling"), ("situation", "when it happens"), ("request", "what you need"))


def feedback(check: ConcernCheck, reflection: str = "") -> str:
    """What the coach says back about a concern: what is there, what could be added.
    ``reflection``: the feeling said back in the person's own word ("It sounds like you felt
    angry."), said in place of "I heard a feeling"."""
    have = [name for key, name in _PARTS if getattr(check, key)]
    missing = [name for key, name in _PARTS if not getattr(check, key)]
    lines: list[str] = []
    if reflection and check.feeling:
        lines.append(reflection)
        lines.append(f"You could add {_join(missing)}." if missing else "That is clear and kind.")
    elif not missing:
        lines.append(
            "I heard a feeling, when it happens, and what you need. That is clear and kind."
        )
    elif have:
        lines.append(f"I heard {_join(have)}. You could add {_join(missing)}.")
    else:
        lines.append(
            "Thank you. It can help to name a feeling, when it happens, and what you need."
        )
    if check.absolutes:
        word = check.absolutes[0]
        lines.append(
            f"I noticed the word {word}. Words like always and never can make the other person "
            "defend themselves; describing one time usually lands more gently."
        )
    return " ".join(lines)


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
