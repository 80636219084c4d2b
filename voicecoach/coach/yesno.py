"""Reading the reply to the coach's yes-or-no questions about what it heard ("Did you want me to
forget your last answer?", "Did you say 6?").

A reply to such a question leads with its answer. A short reply that begins with yes ("yes",
"yeah, do it") is a yes; a reply that begins with no ("no", "no, I meant the kitchen", "not
really", "you misheard") is a no. Anything else is neither: a sentence of its own is the
person's answer, whatever words it holds further on ("I think I was really scared …" holds
"scared", which the safety check reads as "not safe", and "I am …", which it reads as "I am
safe"; neither says yes or no here). A yes must be short because acting on it can erase an
answer: "yeah I was so tired that …" is an answer, not a yes.

The safety check's own question ("are you safe right now?") is read by ``safety.says_safe``.
"""

from __future__ import annotations

import re

from voicecoach.text import normalise

YES_MAX_WORDS = 4
"""The most words a yes may have, its lead word included ("yes please forget it")."""

LEAD_FILLERS = frozenset({"oh", "um", "uh", "er", "erm", "ah", "hmm", "mm", "well"})
"""Sounds before the answer that do not change it ("oh yes", "um no")."""

_YES = re.compile(
    r"^(?:yes|yeah|yea|yep|yup|sure|right|correct|exactly|absolutely|definitely|please|"
    r"of course|i do|i did|that's right|that is right|go ahead|do it|okay|ok|alright|"
    r"all right|uh huh|mm hmm)\b"
)
_NO = re.compile(
    r"^(?:no|nope|nah|not really|not at all|not now|not that|never mind|nevermind|"
    r"i don't|i do not|i didn't|i did not|don't|do not|that's not|that is not|wrong|"
    r"you misheard|misheard)\b"
)


def yes_or_no(text: str) -> bool | None:
    """True for a yes, False for a no, None for neither (see the module's rules). ``text``
    is a transcript; fillers before the first word are passed over."""
    words = normalise(text).split()
    while words and words[0] in LEAD_FILLERS:
        words = words[1:]
    said = " ".join(words)
    if not said:
        return None
    if _NO.match(said):
        return False
    if _YES.match(said) and len(words) <= YES_MAX_WORDS:
        return True
    return None


COURTESY = frozenset({
    "thank", "thanks", "you", "please", "sorry", "i", "it", "that", "do", "did", "don't",
    "didn't", "not", "was", "wasn't", "is", "isn't", "no", "yes",
})  # fmt: skip
"""Words around a yes or a no that add no answer of their own ("no, thank you", "no I didn't",
"yes please")."""


def only_yes_or_no(text: str) -> bool:
    """The reply is a yes or a no and nothing more ("no", "no, thank you", "no I didn't"): it
    holds no words of an answer of its own."""
    words = [w for w in normalise(text).split() if w not in LEAD_FILLERS]
    return yes_or_no(text) is not None and all(w in COURTESY for w in words[1:])
