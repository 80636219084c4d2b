"""The safety check on text: every phrasing of danger we know of, recogniser slips, and heavy
answers that are not danger. A miss is worse than a false alarm: the tests lean that way."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import fixture_table
from voicecoach.coach.safety import NEGATIVE_CUES, Concern, check_safety

TABLE = fixture_table()


def texts(*groups: str) -> list[str]:
    return [e["text"] for e in TABLE.values() if e["group"] in groups]


@pytest.mark.parametrize("text", texts("safety", "safety-extra", "ko-safety"))
def test_every_safety_fixture_is_flagged(text: str) -> None:
    assert check_safety(text) is not None


@pytest.mark.parametrize(
    "text",
    texts("safe", "safe-extra", "patience", "self-compassion", "communication", "nocmd", "mood"),
)
def test_heavy_but_safe_answers_are_not_flagged(text: str) -> None:
    assert check_safety(text) is None


RECOGNISER_SLIPS = [
    "i want to kill my self",
    "i want to kill my shelf",
    "i have been thinking about sue aside",
    "sometimes i think about ending my life",
    "i been cutting my self",
    "i don't wanna be alive anymore",
    "i do not want to live any more",
    "everyone would be better off without me",
    "he hit me",
    "my boyfriend hits me when he drinks",
    "she threatened to hurt me",
    "i am scared of him",
    "i'm afraid to go home",
    "i don't feel safe at home",
    "i feel unsafe",
    "he's abusive",
    "i want to die",
    "i wish i was dead",
    "i can't go on",
    "i took all my pills",
    "he won't let me leave the house",
]


@pytest.mark.parametrize("text", RECOGNISER_SLIPS)
def test_varied_phrasings_and_recogniser_slips_are_flagged(text: str) -> None:
    assert check_safety(text) is not None


def test_the_concern_says_which_kind() -> None:
    self_harm = check_safety("I want to hurt myself.")
    danger = check_safety("My husband beats me.")
    assert self_harm is not None and self_harm.concern is Concern.SELF_HARM
    assert danger is not None and danger.concern is Concern.DANGER


DANGER = [
    "i want to kill myself",
    "he hits me",
    "i don't feel safe at home",
    "i have been thinking about suicide",
    "she said she would hurt me",
]
FILLER = ["well", "you know", "honestly", "lately", "at night", "and", "i think", "sometimes"]


@given(
    st.sampled_from(DANGER),
    st.lists(st.sampled_from(FILLER), max_size=3),
    st.lists(st.sampled_from(FILLER), max_size=3),
    st.sampled_from([str.lower, str.upper, str.capitalize]),
)
@settings(max_examples=200, deadline=None)
def test_danger_said_inside_a_longer_answer_is_still_flagged(
    danger: str, before: list[str], after: list[str], case: object
) -> None:
    text = " ".join([*before, danger, *after]) + "."
    assert check_safety(case(text)) is not None  # type: ignore[operator]


DENIED = [
    "I'm not afraid of him, I just want him to listen.",
    "i not afraid of him i just want him to listen",  # as PocketSphinx heard it
    "he never hits me",
    "he would never hurt me",
    "my husband never really hits me",
    "I'm not thinking of hurting myself",
    "I'm not going to kill myself",
    "I would never hurt myself",
    "I'm not suicidal, just tired",
    "he has never been abusive",
    "i am not that scared of her",
]


@pytest.mark.parametrize("text", DENIED)
def test_a_cue_denied_right_before_it_is_a_negated_match(text: str) -> None:
    found = check_safety(text)
    assert found is not None, "still a match: the coach asks whether the person is safe"
    assert found.negated


NEGATION_IS_THE_DANGER = [
    "I'm not safe",
    "i not safe at all",
    "I don't feel safe at home",
    "I don't want to live",
    "i do not want to be alive anymore",
    "I can't go on",
    "there's no reason to live",
    "he won't let me leave the house",
    "i wish i had never been born",
    "i'm not saying i don't want to live",  # a negation before a negative cue: still an alarm
    "no i don't want to live",
]


@pytest.mark.parametrize("text", NEGATION_IS_THE_DANGER)
def test_a_negation_that_makes_the_danger_is_a_full_alarm(text: str) -> None:
    found = check_safety(text)
    assert found is not None and not found.negated
    assert found.pattern in NEGATIVE_CUES


NOT_DENIED = [
    "no he hits me",  # "no" answers the question before; it denies nothing
    "i don't know he hits me",  # the negation belongs to another phrase
    "not sure but he hits me",
    "she never stops hurting me",
    "i'm not afraid of him but he hits me",  # one cue denied, another not
    "i am not scared of him i am scared for my life",
    "he never hits me but he threatened to kill me",
    "i don't want him to hurt me",
    "he hit me, not once but twice",  # the negation after the cue
    "he won't stop hitting me",  # a word with an apostrophe between the person and the harm
    "she can't stop hurting me",
]


@pytest.mark.parametrize("text", NOT_DENIED)
def test_a_cue_not_denied_right_before_it_is_a_full_alarm(text: str) -> None:
    found = check_safety(text)
    assert found is not None and not found.negated


@pytest.mark.parametrize("text", texts("safety", "safety-extra"))
def test_no_safety_fixture_is_softened(text: str) -> None:
    found = check_safety(text)
    assert found is not None and not found.negated


@given(st.sampled_from(DANGER), st.sampled_from(["not", "never", "don't", "didn't"]))
@settings(max_examples=50, deadline=None)
def test_a_denied_answer_with_a_plain_cue_after_it_is_a_full_alarm(
    danger: str, negator: str
) -> None:
    plain = check_safety(f"i'm {negator} sure what to say {danger}")
    assert plain is not None and not plain.negated
    found = check_safety(f"i'm {negator} afraid of him but {danger}")
    assert found is not None and not found.negated
