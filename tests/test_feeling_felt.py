"""A feeling is said back only when the person says they felt it.

The real classifier (``answers.classify``), the tone grammar's second opinion on words timed as
PocketSphinx gives them, the concern check, and a session machine on a real journal."""

from __future__ import annotations

import pytest

from tests.test_dialogue import replies_after
from tests.test_machine import session
from voicecoach.coach.answers import AnswerClass, Heard, classify
from voicecoach.coach.concern import check_concern
from voicecoach.coach.script import find_script
from voicecoach.coach.tone import second_opinion
from voicecoach.speech.events import Utterance, Word
from voicecoach.speech.grammar import Hearing
from voicecoach.store.journal import Journal


@pytest.mark.parametrize(
    "said",
    [
        "nine bass calm me during dinner and i hung up on him",
        "i want it to send him an angry message right away",
        "it was a calm evening at home",
        "the content of his letter",
        "we sat in a quiet and calm room",
        "my boss came home calm and i hung up",
    ],
)
def test_a_feeling_word_not_said_as_felt_is_no_feeling(said: str) -> None:
    assert classify(said) == Heard(AnswerClass.FULL), said


@pytest.mark.parametrize(
    ("said", "heard"),
    [
        ("i felt afraid that he would leave", Heard(AnswerClass.FEELING, "afraid")),
        ("mostly i felt lonely", Heard(AnswerClass.FEELING, "lonely")),
        ("i get anxious when he is late", Heard(AnswerClass.FEELING, "anxious")),
        ("i was really angry", Heard(AnswerClass.FEELING, "angry")),
        ("he made me so angry", Heard(AnswerClass.FEELING, "angry")),
        ("it made him angry", Heard(AnswerClass.FEELING, "angry", "he")),
        ("her words made me feel small and hurt", Heard(AnswerClass.FEELING, "hurt")),
        ("not only angry but scared", Heard(AnswerClass.FEELING, "scared")),
        ("i felt a lot of anger", Heard(AnswerClass.FEELING, "angry")),
        ("she's tired after work", Heard(AnswerClass.FEELING, "tired", "she")),
        ("angry", Heard(AnswerClass.FEELING, "angry")),
        ("um scared and alone", Heard(AnswerClass.FEELING, "scared")),
    ],
)
def test_a_feeling_said_as_felt_is_still_one(said: str, heard: Heard) -> None:
    assert classify(said) == heard


def _phones(word: str) -> list[str]:
    return list(word.upper())


def _said(*timed: tuple[str, float, float]) -> tuple[Word, ...]:
    return tuple(Word(w, start, end, 1.0) for w, start, end in timed)


def _heard(text: str) -> Utterance:
    """``text`` timed one word per 0.3 s, as the grammar's words below are."""
    words = _said(*((w, 0.3 * i, 0.3 * (i + 1)) for i, w in enumerate(text.split())))
    return Utterance(text, words, 0.0, words[-1].end)


FELT_TIRED = Hearing(_said(("my", 0.0, 0.3), ("felt", 0.6, 0.9), ("tired", 0.9, 1.2)), _phones)
"""The tone grammar's hearing of "my chest felt ...": it knows only feelings after "felt"."""


def test_a_word_that_is_no_feeling_is_not_overruled_by_the_grammar() -> None:
    """slt's "My chest felt tight and I wanted to shout.": the open transcript heard "tight"
    (which sounds like "tired" well enough); the grammar, which can only hear a feeling after
    "felt", heard "felt tired". The transcript's word stands."""
    tight = _heard("my chest felt tight and i want it to shout")
    assert classify(tight.text).kind is AnswerClass.FULL
    assert second_opinion(tight, FELT_TIRED) is None
    misheard = _heard("my chest felt tied and i want it to shout")  # a sound-alike of "tired"
    assert second_opinion(misheard, FELT_TIRED) == Heard(AnswerClass.FEELING, "tired")


@pytest.mark.parametrize(
    ("said", "feeling"),
    [
        ("i feel worried when you come home late and i need a message", True),
        ("i feel unheard when you look at your phone and i need you to look at me", True),
        ("i get frustrated when you are late and i need a message", True),
        ("when i get home you are on your phone and i need a hug", False),
        ("i feel like you never listen when i talk and i need you to look at me", False),
        ("i got a message from him when i was out and i need to know", False),
        ("my boss came home calm when i need help", False),
    ],
)
def test_the_concern_check_hears_a_feeling_only_when_one_is_said(said: str, feeling: bool) -> None:
    assert check_concern(said).feeling is feeling, said


def test_a_session_does_not_reflect_a_feeling_word_not_said_as_felt(journal: Journal) -> None:
    patience = find_script("patience", None)
    s = session(journal, mood_checkin=False)
    reply = replies_after(s, "nine bass calm me during dinner and i hung up on him")
    assert reply[0] == patience.steps[0].acknowledge, reply
    reply = replies_after(s, "i was really angry")
    assert reply[0].startswith("It sounds like you felt angry."), reply
    answers = [t.answer.text for t in s.record.turns if t.answer is not None]
    assert answers[0] == "nine bass calm me during dinner and i hung up on him"
