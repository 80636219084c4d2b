"""What a short spoken reply means: which practice, or yes / not now / no to an invitation.

Replies are matched on words (the recogniser may hear "patients" for "patience"); the text is
used for the match only, never kept.
"""

from __future__ import annotations

import random
import re
from enum import Enum

from voicecoach.text import words as words_of

PRACTICES: dict[str, tuple[str, ...]] = {
    "patience": ("patience", "patient", "patients"),
    "self-compassion": ("compassion", "compassionate", "self", "kindness"),
    "communication": ("communication", "communicate", "communicating", "talking"),
    "where-it-comes-from": ("where", "comes", "past", "origin"),
    "saying-a-concern": ("concern", "concerns", "rehearse", "saying"),
    "supporting-a-partner": ("supporting", "support", "partner", "partners"),
    "small-wins": ("wins", "win", "small"),
}
"""The practices offered, each with words that choose it."""

SURPRISE = ("surprise", "surprised", "anything", "any", "random", "whatever", "choose", "pick")
"""Words that leave the choice to the coach."""

CHOOSE_QUESTION = (
    "Which practice would you like: patience, self-compassion or communication? Or say surprise me."
)
CHOOSE_AGAIN = "Sorry, I didn't catch that. Patience, self-compassion or communication?"
NOT_CHOSEN = "All right, maybe later. I'm here when you need me."
INVITATION = "Would you like to do your reflection now?"
SNOOZED = "Okay, I'll ask again a little later."
DECLINED = "Okay. Have a good evening."


class Reply(Enum):
    """An answer to the daily invitation."""

    YES = "yes"
    NOT_NOW = "not now"
    NO = "no"
    UNCLEAR = "unclear"


_NOT_NOW = re.compile(r"\b(not now|not yet|later|in a (bit|minute|while)|snooze|wait)\b")
_NO = re.compile(r"\b(no|nope|not today|skip|don't|do not)\b")
_YES = re.compile(r"\b(yes|yeah|yep|yup|sure|okay|ok|alright|please|let's|of course|go)\b")


def choose_practice(text: str, offered: tuple[str, ...], rng: random.Random) -> str | None:
    """The practice a reply chooses ("surprise me" picks one), or None when it names none."""
    words = set(words_of(text))
    for practice in offered:
        if words & set(PRACTICES.get(practice, (practice,))):
            return practice
    if words & set(SURPRISE):
        return rng.choice(offered) if offered else None
    return None


def invitation_reply(text: str) -> Reply:
    """How a reply to "would you like to do your reflection now?" is taken."""
    said = " ".join(words_of(text))
    if not said:
        return Reply.UNCLEAR
    if _NOT_NOW.search(said):
        return Reply.NOT_NOW
    if _NO.search(said):
        return Reply.NO
    if _YES.search(said):
        return Reply.YES
    return Reply.UNCLEAR
