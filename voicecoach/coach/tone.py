"""A second opinion on harsh self-talk and named feelings, from a grammar of their forms.

Through PocketSphinx, espeak-ng voices' answers are often misheard in the one word that tells
what they are ("I was really angry" → "i was really a pre", "I always ruin things" → "i always
root the"). The answer's audio is then decoded again with a grammar (``grammar()``) that holds
the general forms of harsh self-talk (``HARSH_FORMS``) and a lead word before each curated
feeling word ("felt afraid", "really angry"), with filler words around them, so a form can be
found inside a longer answer. The grammar forces any audio onto some path, so its finding is
taken only when the open transcript *sounds* like it where it was heard (``understood``), or
heard nothing there:

- harsh self-talk: the open transcript's words in the time the form was heard sound like the
  form (dictionary phones, ``HARSH_AGREEMENT``); or the open transcript *lost* that time (its
  words fill less than ``LOST_SHARE`` of it) and the few sounds it kept there are sounds of the
  form, in order (en-gb's "I'm useless at this" heard as "you so to the": "you" of
  "useless", nothing where "i'm" and "-less" were);
- a feeling: the open transcript's words in the time the feeling word was heard sound like it
  (``FEELING_AGREEMENT``), and a lead word ("felt", "was", "really") stands right before them
  in the open transcript too: a feeling is named after a verb or an intensifier, while a
  sound-alike inside a full answer ("that's a matter" for "so mad") is not. Where the open
  transcript heard a word there that is said after "felt" and is no feeling (``NOT_FEELINGS``:
  "my chest felt tight", which the grammar can only hear as "felt tired"), that word stands.

Neither is taken where the open transcript denies it: a negator in its words there that the
form lacks, or one before them in their clause ("i was not angry at all", ``answers.negated``),
so a denied feeling or denied self-talk cannot come back through the grammar.

A lost stretch is one the open model heard as silence; the grammar, which may hear silence
too, chose the form there for speech it fits, and nothing heard says otherwise. Where the open
transcript heard other words, they decide.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence

from voicecoach.coach.answers import (
    FEELINGS,
    AnswerClass,
    Heard,
    classify,
    is_negator,
    negated,
)
from voicecoach.speech.events import Utterance, Word
from voicecoach.speech.grammar import Hearing, similarity

HARSH_FORMS: tuple[str, ...] = (
    "it's all my fault", "it's my fault", "it was my fault", "it was all my fault",
    "that's my fault", "i'm so stupid", "i'm stupid", "i'm so useless", "i'm useless",
    "i'm worthless", "i'm hopeless", "i'm pathetic", "i'm an idiot", "i'm such an idiot",
    "i'm a failure", "i'm such a failure", "i'm a mess", "i'm the worst",
    "i'm not good enough", "i always ruin things", "i always ruin everything",
    "i ruin everything", "i always mess up", "i always mess things up", "i always screw up",
    "i always get it wrong", "i hate myself", "i can't do anything right",
    "what's wrong with me", "no one could love me",
)  # fmt: skip
"""General forms of harsh self-talk the grammar holds (each one the answer classifier reads as
harsh self-talk, so an agreeing finding reads the same as a well-heard answer)."""

LEADS: tuple[str, ...] = (
    "felt", "feel", "feeling", "feels", "was", "am", "i'm", "get", "got", "so", "really",
    "very", "more", "became", "were",
)  # fmt: skip
"""Words that stand right before a feeling word in the grammar ("felt afraid", "so angry")."""

TRANSCRIPT_LEADS = frozenset(LEADS) - {"more"}
"""The lead words that, in the open transcript before where the grammar heard a feeling, let it
be taken: not "more", which leads nouns as often as feelings ("he needed more time", heard by
the grammar as "more tired": the coach said "It sounds like you felt tired.")."""

FILLERS: tuple[str, ...] = (
    "a", "the", "i", "and", "it", "to", "of", "that", "he", "she", "was", "is", "in", "when",
    "so", "really", "just", "my", "me", "for", "this", "at", "on", "but", "oh", "ah", "um",
    "uh", "you", "we", "they", "do", "be",
)  # fmt: skip
"""Words the grammar may hear around a form: short, common words that absorb the rest of an
answer."""

NOT_FEELINGS = frozenset({
    "tight", "heavy", "sick", "hot", "cold", "warm", "numb", "weak", "shaky", "dizzy", "faint",
    "stiff", "sore", "sweaty", "empty", "full", "strange", "weird", "odd", "off", "good", "bad",
    "fine", "okay", "ok", "better", "worse", "right", "wrong", "small", "big", "stuck", "busy",
    "quiet", "silly", "slow", "fast", "like", "nothing", "something",
})  # fmt: skip
"""Words said after "felt", "so" or "really" that are not feelings: sensations in the body
("my chest felt tight"), plain states and judgments ("it felt wrong"). Heard by the open
transcript where the grammar heard a feeling, they are what was said."""

HARSH_AGREEMENT = 0.6
"""How closely the open transcript's words where a form was heard must sound like it ("it's
all alt" for "it's all my fault": 0.74; "you" for "i'm useless": 0.40)."""
FEELING_AGREEMENT = 0.4
"""How closely the open transcript's words where a feeling word was heard must sound like it
("a pre" for "angry": 0.44)."""
LEAD_REACH = 2
"""Open-transcript words before the feeling's time searched for a lead word."""
LOST_SHARE = 0.5
"""The open transcript lost the time a form was heard in when its words fill less than this
share of it."""
LOST_KEPT = 0.7
"""The share of the sounds the open transcript kept in a lost form's time that must be the
form's own, in order ("you so" where "i'm useless" was heard: 0.75, the "so" only half inside
it)."""


def grammar(knows: Callable[[str], bool]) -> str:
    """The JSGF grammar of harsh self-talk and feelings, fillers either side; only forms and
    words whose every word the model ``knows``."""

    def kept(phrases: Iterable[str]) -> str:
        return " | ".join(p for p in phrases if all(map(knows, p.split())))

    feelings = kept(sorted(FEELINGS))
    return (
        "#JSGF V1.0;\ngrammar tone;\n"
        "public <tone> = <filler>* [<core> <filler>*];\n"
        f"<filler> = {kept(FILLERS)};\n"
        "<core> = <feeling> | <harsh>;\n"
        f"<feeling> = ({kept(LEADS)}) ({feelings});\n"
        f"<harsh> = {kept(HARSH_FORMS)};\n"
    )


def understood(utterance: Utterance, hearing: Callable[[], Hearing] | None) -> Heard:
    """The class of an answer: its transcript's (``answers.classify``); for a full or very
    short answer, harsh self-talk or a feeling the tone grammar heard where the transcript
    sounds like it. ``hearing`` decodes the grammar when called (None: no grammar)."""
    heard = classify(utterance.text)
    if hearing is None or heard.kind not in (AnswerClass.FULL, AnswerClass.SHORT):
        return heard
    return second_opinion(utterance, hearing()) or heard


def second_opinion(utterance: Utterance, hearing: Hearing) -> Heard | None:
    """Harsh self-talk or a feeling the grammar heard and the transcript agrees with, else
    None."""
    said = hearing.words
    names = [w.word for w in said]
    for form in sorted(HARSH_FORMS, key=len, reverse=True):
        at = _find(names, form.split())
        if at is None:
            continue
        span = said[at : at + len(form.split())]
        start, end = span[0].start, span[-1].end
        inside = _inside(utterance.words, start, end)
        if _denied(utterance.words, inside, form.split()):
            return None
        if _agreement(inside, form.split(), hearing.phones) >= HARSH_AGREEMENT:
            return Heard(AnswerClass.HARSH)
        if _lost(utterance.words, start, end) and (
            _kept(inside, form.split(), hearing.phones) >= LOST_KEPT
        ):
            return Heard(AnswerClass.HARSH)
        return None
    for index, word in enumerate(said):
        if word.word not in FEELINGS or index == 0 or names[index - 1] not in LEADS:
            continue
        inside = _inside(utterance.words, word.start, word.end)
        if not inside or any(w.word in NOT_FEELINGS for w in inside):
            return None
        if _agreement(inside, [word.word], hearing.phones) < FEELING_AGREEMENT:
            return None
        first = utterance.words.index(inside[0])
        before = [w.word for w in utterance.words[max(0, first - LEAD_REACH) : first]]
        if not set(before) & TRANSCRIPT_LEADS or _denied(utterance.words, inside, []):
            return None
        return Heard(AnswerClass.FEELING, FEELINGS[word.word])
    return None


def _denied(words: Sequence[Word], inside: Sequence[Word], form: Sequence[str]) -> bool:
    """Does the open transcript deny what was heard in ``inside``: a negator among those words
    that the form itself lacks ("it's not my fault" where the grammar heard "it's my fault"),
    or one before them in their clause ("i was not angry", ``answers.negated``)?"""
    if not inside:
        return False
    if any(is_negator(w.word) and w.word not in form for w in inside):
        return True
    return negated([w.word for w in words], words.index(inside[0]))


def _find(words: Sequence[str], phrase: Sequence[str]) -> int | None:
    for at in range(len(words) - len(phrase) + 1):
        if list(words[at : at + len(phrase)]) == list(phrase):
            return at
    return None


def _inside(words: Sequence[Word], start: float, end: float) -> list[Word]:
    """The words at least half of whose time lies within ``start``–``end``, or that span it."""
    return [
        w
        for w in words
        if min(w.end, end) - max(w.start, start) >= 0.5 * (w.end - w.start)
        or (w.start <= start and w.end >= end)
    ]


def _overlap(word: Word, start: float, end: float) -> float:
    return max(0.0, min(word.end, end) - max(word.start, start))


def _lost(words: Sequence[Word], start: float, end: float) -> bool:
    """The open transcript's words fill less than ``LOST_SHARE`` of ``start``–``end``."""
    return sum(_overlap(w, start, end) for w in words) < LOST_SHARE * (end - start)


def _kept(
    inside: Sequence[Word], phrase: Sequence[str], phones: Callable[[str], list[str]]
) -> float:
    """The share of the sounds of ``inside`` that are sounds of ``phrase``, in order (1.0 when
    nothing was kept)."""
    heard = [p for w in inside for p in phones(w.word)]
    if not heard:
        return 1.0
    wanted = [p for w in phrase for p in phones(w)]
    blocks = difflib.SequenceMatcher(None, heard, wanted, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) / len(heard)


def _agreement(
    inside: Sequence[Word], phrase: Sequence[str], phones: Callable[[str], list[str]]
) -> float:
    heard = [p for w in inside for p in phones(w.word)]
    wanted = [p for w in phrase for p in phones(w)]
    return similarity(heard, wanted) if heard else 0.0
