"""Does an answer speak of self-harm, suicide, or being in danger or abused?

Patterns over the normalised transcript, written wide on purpose: a false alarm costs a kind
interruption, a miss can cost far more. They tolerate common recogniser slips ("my self",
"kill my shelf", "suicide" heard as "sue aside") and both "I'm" and "I am".
The check is a safety net for a practice tool, not an assessment.

Negation (English only, kept small on purpose). A cue the person denies right before it ("I'm
not afraid of him", "he never hits me", "he would never hurt me", "I'm not going to hurt
myself") is still a match, marked ``negated``: the coach then asks gently whether the person is
safe instead of stopping the exercise. A cue counts as denied when one of ``NEGATORS`` (not,
never, don't, doesn't, didn't, won't, wouldn't, isn't, wasn't, aren't, ain't) comes right
before it, with at most two of ``BRIDGES`` between ("going to", "want to", "thinking of",
"really", "that", …; "not going to kill myself"). The cue is where the match begins, or its
harm word (``HARM_WORD``: "he *never hits* me"). Anything else between them ("I don't know, he
hits me", "not sure but he hits me", "she never stops hurting me") leaves a full alarm, and so
does any other match in the answer that is not denied. Patterns whose danger is itself a
negation ("I'm not safe", "I don't want to live", "I can't go on", "he won't let me leave";
``NEGATIVE_CUES``) are never softened, whatever comes before them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from voicecoach.text import normalise


class Concern(StrEnum):
    """What kind of danger an answer spoke of."""

    SELF_HARM = "self-harm"
    DANGER = "danger"


SELF = r"(?:my ?self|my ?shelf|my ?selves|my ?sell)"
PERSON = (
    r"(?:he|she|they|him|her|partner|husband|wife|boyfriend|girlfriend|ex|dad|father|mum|mom|"
    r"mother|brother|sister|someone|somebody|he's|she's|they're|he'd|she'd)"
)
HARM_VERBS = (
    r"(?:hit|hits|hitting|beat|beats|beating|beaten|punch|punched|punches|slap|slapped|slaps|"
    r"kick|kicked|kicks|choke|choked|chokes|choking|strangle|strangled|strangles|shove|shoved|"
    r"push|pushed|pushes|hurt|hurts|hurting|harm|harms|harmed|rape|raped|rapes|attack|attacked|"
    r"abuse|abused|abuses|threaten|threatened|threatens|grab|grabbed|grabs|burn|burned|burnt)"
)

PATTERNS: dict[Concern, tuple[str, ...]] = {
    Concern.SELF_HARM: (
        r"\bsuicid\w*",
        r"\b(?:sue|sioux|soo) ?(?:aside|a side|side)\b",
        rf"\b(?:kill|killing|killed|hurt|hurting|harm|harming|cut|cutting|cuts|burn|burning|"
        rf"starve|starving|punish|punishing) {SELF}\b",
        r"\b(?:kill|killing|hurt|hurting|harm|harming|cut|cutting) my (?:own )?(?:self|body)\b",
        r"\bself ?harm\w*",
        r"\b(?:end|ending|ended|take|taking) (?:my|my own) li(?:fe|ves)\b",
        r"\bend(?:ing)? it all\b",
        r"\b(?:(?:want|wanted|wanting|wish|wished|going|planning|plan) to|wanna) die\b",
        r"\bwish (?:i|i'd) (?:was|were|had) (?:dead|never been born)\b",
        r"\b(?:don't|do not|didn't|never) (?:want to|wanna) "
        r"(?:live|be alive|be here|exist|wake up)\b",
        r"\b(?:not|no longer) (?:want(?:ing)? to|wanna) (?:live|be alive|be here|exist)\b",
        r"\bbetter off (?:dead|without me|if i (?:was|were)n't here)\b",
        r"\b(?:no|any) (?:reason|point) (?:to|in) (?:live|living|go on|going on)\b",
        r"\bcan't go on\b|\bcannot go on\b",
        r"\boverdos\w*",
        r"\b(?:take|taking|took|swallow|swallowing|swallowed) (?:all|a lot of|a bunch of|every) "
        r"(?:of )?(?:my |the |those )?(?:pills|tablets|medication|meds)\b",
        r"\b(?:hang|hanging|drown|drowning|shoot|shooting) (?:my ?self|myself)\b",
        r"\bdisappear forever\b|\bnot be around anymore\b",
        r"죽고 ?싶|자살|자해|해치고 ?싶|살고 ?싶지 ?않|죽어 ?버리",
    ),
    Concern.DANGER: (
        rf"\b{PERSON} (?:[\w']+ ){{0,2}}{HARM_VERBS} me\b",
        rf"\b{HARM_VERBS} me (?:again|every|when|if|last|so|hard|until)\b",
        r"\b(?:will|would|might|going to|gonna|could|wants to|said he'd|said she'd|threatens to|"
        r"threatened to) (?:\w+ )?(?:hurt|kill|hit|beat|harm) (?:me|my kids|my children|us)\b",
        r"\b(?:don't|do not|never|no longer|not) feel safe\b",
        r"\bnot safe (?:at home|with|here|around)\b|\bunsafe\b",
        r"\b(?:i'm|i am|i|im|we're|we are|i feel|i felt) (?:not|never) (?:really )?safe\b",
        r"\b(?:afraid|scared|frightened|terrified) (?:to go home|of (?:him|her|them|my partner|"
        r"my husband|my wife|my boyfriend|my girlfriend)|for my life|he'll|she'll|he will|"
        r"she will|they will)\b",
        r"\bin danger\b",
        r"\babus(?:e|ed|es|ive|ing|er)\b",
        r"\bdomestic violence\b|\bviolent (?:with|towards|to) me\b",
        r"\b(?:raped|rape|sexual(?:ly)? assault\w*|molest\w*)\b",
        r"\bpushed me against\b|\bthrew (?:me|things at me)\b|\blocks? me (?:in|up)\b",
        r"\b(?:won't|will not|doesn't|does not) let me (?:leave|go out|see)\b",
        r"때려|때리|맞았|안전하지 ?않|위험해|죽이겠|폭력",
    ),
}
"""Patterns per concern, matched anywhere in the normalised transcript."""

_COMPILED = {concern: [re.compile(p) for p in pats] for concern, pats in PATTERNS.items()}

NEGATORS = r"(?:not|never|don't|doesn't|didn't|won't|wouldn't|isn't|wasn't|aren't|ain't)"
"""Words that deny the cue right after them."""
BRIDGES = (
    r"(?:going to|gonna|want to|wanna|wanting to|thinking of|thinking about|planning to|"
    r"trying to|really|ever|even|been|that|so|too|very|at all|feel|feeling)"
)
"""Words that may stand between a negator and the cue it denies (at most two of them)."""
HARM_WORD = re.compile(rf"\b(?:{HARM_VERBS}|kill)\b")
"""A harm word inside a match: a cue of its own ("he never *hits* me")."""
_DENIED = re.compile(rf"(?:^| ){NEGATORS} (?:{BRIDGES} ){{0,2}}$")
"""A negator (and bridges) ending right where a cue begins."""
_SPELLS_A_NEGATION = re.compile(
    r"(?<![a-z])(?:not|never|no|don't|do not|didn't|doesn't|does not|can't|cannot|won't|"
    r"will not)(?![a-z])"
)
NEGATIVE_CUES: frozenset[str] = frozenset(
    p
    for pats in PATTERNS.values()
    for p in pats
    if _SPELLS_A_NEGATION.search(p.replace(r"\b", " "))
)
"""Patterns whose danger is itself a negation ("don't want to live"): never softened."""


@dataclass(frozen=True)
class SafetyCheck:
    """A concern found in an answer."""

    concern: Concern
    """Self-harm or danger."""
    pattern: str
    """The pattern that matched (kept for tuning; never the words themselves)."""
    negated: bool = False
    """Every match was denied right before it ("not afraid of him"): ask, do not alarm."""


def check_safety(text: str) -> SafetyCheck | None:
    """The first concern an answer speaks of, or None.

    A match that is not denied wins over denied ones; only when every match in the answer is
    denied (see the module's description) is the result ``negated``.
    """
    said = normalise(text)
    if not said:
        return None
    denied: SafetyCheck | None = None
    for concern, patterns in _COMPILED.items():
        for pattern in patterns:
            for match in pattern.finditer(said):
                if pattern.pattern in NEGATIVE_CUES or not _is_denied(said, match):
                    return SafetyCheck(concern=concern, pattern=pattern.pattern)
                if denied is None:
                    denied = SafetyCheck(concern=concern, pattern=pattern.pattern, negated=True)
    return denied


def _is_denied(said: str, match: re.Match[str]) -> bool:
    """Is a negator right before the match, or right before a harm word inside it?"""
    cues = [match.start()]
    cues += [match.start() + m.start() for m in HARM_WORD.finditer(match.group())]
    return any(_DENIED.search(said, 0, cue) for cue in cues)


_UNSAFE = re.compile(
    r"\bnot (?:safe|okay|ok|fine|really|sure|good|well)\b|^(?:no|nope|nah)\b|\bhelp\b|\bscared\b"
)
_SAFE = re.compile(
    r"\b(?:yes|yeah|yep|yup|i am|i'm safe|i am safe|safe|i'm okay|i'm ok|i'm fine|i'm alright|"
    r"i'm all right|fine|okay|of course|misheard|you misheard)\b"
)


def says_safe(text: str) -> bool | None:
    """A reply to "are you safe right now?": True (safe), False (not safe), None (unclear)."""
    said = normalise(text)
    if not said:
        return None
    if _UNSAFE.search(said):
        return False
    if _SAFE.search(said):
        return True
    return None


def uncertain(words: Sequence[float], sure: float) -> bool:
    """Were the words heard too doubtfully (mean confidence below ``sure``) to trust a match?"""
    return bool(words) and sum(words) / len(words) < sure
