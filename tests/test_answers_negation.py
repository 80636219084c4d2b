"""A denied feeling or denied self-talk is not one; a feeling given for a step is no step.

The real classifier (``answers.classify``), the tone grammar's second opinion on words timed as
PocketSphinx gives them, a session machine on a real journal, and the look back read from it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.test_dialogue import history_of, replies_after
from tests.test_machine import ANSWER, Session
from voicecoach.coach import answers
from voicecoach.coach.answers import (
    AnswerClass,
    Heard,
    classify,
    names_something_to_do,
    only_a_feeling,
)
from voicecoach.coach.continuity import last_step
from voicecoach.coach.options import CoachOptions
from voicecoach.coach.script import (
    FollowUp,
    SessionScript,
    SessionScriptError,
    Step,
    find_script,
    load_script,
)
from voicecoach.coach.tone import second_opinion
from voicecoach.speech.events import Utterance, Word
from voicecoach.speech.grammar import Hearing
from voicecoach.store.journal import Journal
from voicecoach.store.records import Status

STEP_PRACTICES = {
    "patience": "next-time",
    "communication": "promise",
    "small-wins": "next-step",
    "supporting-a-partner": "promise",
    "self-compassion": "need",
}
"""Every built-in practice whose look back is a step to take, and that step."""


@pytest.mark.parametrize(
    "said",
    [
        "i was not angry at all i just stayed quiet",
        "I wasn't afraid of him, I just want him to listen.",
        "I never felt lonely with her.",
        "I didn't feel hurt when she laughed, it was funny.",
        "I'm not really anxious about it anymore.",
        "I was not at all angry with my sister.",
        "I don't think I was angry, I was just tired of waiting.",
        "It didn't make me angry, I was only surprised by it.",
        "I wasn't so angry about the dinner.",
    ],
)
def test_a_denied_feeling_is_no_feeling(said: str) -> None:
    heard = classify(said)
    assert heard.kind is not AnswerClass.FEELING or heard.feeling in ("tired",), heard
    assert heard.feeling not in ("angry", "afraid", "lonely", "hurt", "anxious")


@pytest.mark.parametrize(
    ("said", "feeling"),
    [
        ("I felt afraid that he would leave.", "afraid"),
        ("I was really angry.", "angry"),
        ("Not only angry but scared.", "scared"),
        ("I wasn't angry, I was scared.", "scared"),
        ("Not really, I was angry.", "angry"),
        ("No, I was really angry.", "angry"),
        ("I've never felt so alone.", "alone"),
        ("I couldn't be more angry.", "angry"),
        ("I can't stop feeling anxious.", "anxious"),
        ("I don't know why, but I felt so lonely.", "lonely"),
    ],
)
def test_a_feeling_that_is_not_denied_is_reflected(said: str, feeling: str) -> None:
    assert classify(said) == Heard(AnswerClass.FEELING, feeling)


@pytest.mark.parametrize(
    "said",
    [
        "It's not my fault.",
        "It's not all my fault, he was late too.",
        "It isn't all my fault.",
        "I'm not stupid.",
        "I'm not a failure, I just had a bad week.",
        "I don't always ruin things.",
        "I don't think I always ruin things.",
        "I don't think I'm stupid.",
        "I never ruin things on purpose.",
        "I always get it right in the end.",
    ],
)
def test_denied_self_talk_gets_no_reframe(said: str) -> None:
    assert classify(said).kind is not AnswerClass.HARSH, said


@pytest.mark.parametrize(
    "said",
    [
        "It's all my fault.",
        "I'm so stupid.",
        "I always ruin things.",
        "I never do anything right.",
        "I'm not stupid, I'm useless.",
        "I don't know, I'm such an idiot.",
        "I'm not good enough.",
    ],
)
def test_harsh_self_talk_still_gets_a_reframe(said: str) -> None:
    assert classify(said).kind is AnswerClass.HARSH, said


def _phones(word: str) -> list[str]:
    return list(word.upper())


def _said(*timed: tuple[str, float, float]) -> tuple[Word, ...]:
    return tuple(Word(w, start, end, 1.0) for w, start, end in timed)


def test_the_tone_grammar_cannot_bring_a_denied_feeling_back() -> None:
    """slt's "I was not angry at all, I just stayed quiet": the grammar heard "i'm angry" where
    the open transcript heard "not angry"; the "not" denies it (the finding had been "you felt
    angry")."""
    hearing = Hearing(_said(("i", 0.3, 0.4), ("i'm", 0.6, 0.8), ("angry", 0.8, 1.2)), _phones)
    denied = _said(("i", 0.3, 0.4), ("was", 0.4, 0.6), ("not", 0.6, 0.8), ("angry", 0.8, 1.2))
    utterance = Utterance("i was not angry", denied, 0.3, 1.2)
    assert classify(utterance.text).kind is AnswerClass.SHORT
    assert second_opinion(utterance, hearing) is None
    felt = _said(("i", 0.3, 0.4), ("was", 0.4, 0.6), ("so", 0.6, 0.8), ("angry", 0.8, 1.2))
    assert second_opinion(Utterance("i was so angry", felt, 0.3, 1.2), hearing) == Heard(
        AnswerClass.FEELING, "angry"
    )


def test_the_tone_grammar_cannot_bring_denied_self_talk_back() -> None:
    form = _said(("it's", 0.3, 0.5), ("my", 0.7, 0.9), ("fault", 0.9, 1.3))
    hearing = Hearing(form, _phones)
    denied = _said(("it's", 0.3, 0.5), ("not", 0.5, 0.7), ("my", 0.7, 0.9), ("fault", 0.9, 1.3))
    assert second_opinion(Utterance("it's not my fault", denied, 0.3, 1.3), hearing) is None
    before = _said(
        ("i", 0.0, 0.1),
        ("don't", 0.1, 0.2),
        ("think", 0.2, 0.3),
        *[(w.word, w.start, w.end) for w in form],
    )
    said = Utterance("i don't think it's my fault", before, 0.0, 1.3)
    assert second_opinion(said, hearing) is None
    plain = Utterance("it's my fault", form, 0.3, 1.3)
    assert second_opinion(plain, hearing) == Heard(AnswerClass.HARSH)


@pytest.mark.parametrize(
    ("said", "step"),
    [
        ("i felt afraid and lonely", False),
        ("I was so angry.", False),
        ("He was tired.", False),
        ("I could tell him I felt afraid.", True),
        ("Next time I feel angry, I will wait a minute.", True),
        ("Take a breath when I feel angry.", True),
        ("Asking him how his day was, when I feel anxious.", True),
        ("I feel tired, I need rest.", True),
    ],
)
def test_a_feeling_names_no_step_unless_something_to_do_comes_with_it(
    said: str, step: bool
) -> None:
    assert classify(said).kind is AnswerClass.FEELING, said
    assert names_something_to_do(said) is step
    assert only_a_feeling(said) is not step


def test_every_built_in_step_question_checks_for_a_step_and_asks_for_one() -> None:
    for topic, step_id in STEP_PRACTICES.items():
        script = find_script(topic, None)
        assert script.look_back is not None and script.look_back.step == step_id
        step = script.step_by_id(step_id)
        assert step is not None and step.check.value == "step", topic
        assert [f.when.value for f in step.follow_ups].count("no-step") == 1, topic
    kind = find_script("where-it-comes-from", None)  # a kind sentence may well name a feeling
    assert all(s.check.value != "step" for s in kind.steps)


def finish(s: Session) -> None:
    """Answer every question left."""
    while s.io.listening:
        s.hear(ANSWER)


def _to_step(script: SessionScript, journal: Journal) -> Session:
    """A session of ``script`` (no mood check-in) at its step question."""
    assert script.look_back is not None
    s = Session(script, journal, CoachOptions()).start()
    while s.machine.item is not None and s.machine.item.id != script.look_back.step:
        s.hear(ANSWER)
    return s


def _at_the_step(topic: str, journal: Journal) -> tuple[Step, Session, FollowUp]:
    """A session of ``topic`` at its step question, the step, and its no-step follow-up."""
    script = find_script(topic, None)
    step = script.step_by_id(STEP_PRACTICES[topic])
    assert step is not None
    no_step = next(f for f in step.follow_ups if f.when.value == "no-step")
    return step, _to_step(script, journal), no_step


@pytest.mark.parametrize("topic", sorted(STEP_PRACTICES))
def test_a_feeling_at_the_step_question_is_not_praised_as_a_step(
    journal: Journal, topic: str
) -> None:
    step, s, no_step = _at_the_step(topic, journal)
    reply = replies_after(s, "i felt afraid and lonely")
    assert reply == ["It sounds like you felt afraid.", no_step.prompt], reply
    again = replies_after(s, "i felt afraid and lonely")
    assert again[0] == f"It sounds like you felt afraid. {answers.NAMED}", again
    assert step.acknowledge not in " ".join(reply + again)
    finish(s)
    assert s.record.status is Status.COMPLETED
    assert last_step(journal, topic, step.id, steps_only=True) is None


def test_a_step_given_after_the_feeling_is_praised_and_looked_back_at(journal: Journal) -> None:
    script = find_script("patience", None)
    s = _to_step(script, journal)
    replies_after(s, "i felt afraid and lonely")
    reply = replies_after(s, "i could take a few slow breaths before i answer")
    assert reply[0] == script.step_by_id("next-time").acknowledge  # type: ignore[union-attr]
    finish(s)
    found = last_step(journal, "patience", "next-time", steps_only=True)
    assert found is not None and found.text == "i could take a few slow breaths before i answer"
    time.sleep(1.1)  # sessions are ordered by their start, to the second
    t = _to_step(script, journal)
    replies_after(t, "i was so angry")
    replies_after(t, "i don't know")
    finish(t)
    assert last_step(journal, "patience", "next-time", steps_only=True) is None  # last time only
    options = history_of({"next-time": "i could breathe slowly first"})
    assert Session(script, journal, options).start().io.said[-1].startswith("Last time you said")


def test_a_no_step_follow_up_needs_a_step_check(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        'id = "mine"\ntitle = "Mine"\n[[steps]]\nid = "next"\nprompt = "What could you do?"\n'
        '[[steps.follow_ups]]\nid = "one"\nwhen = "no-step"\nprompt = "One small thing?"\n'
    )
    with pytest.raises(SessionScriptError, match='when = "no-step" needs check = "step"'):
        load_script(path)
    path.write_text(path.read_text().replace('prompt = "What', 'check = "step"\nprompt = "What'))
    assert load_script(path).steps[0].check.value == "step"


@pytest.mark.parametrize("topic", sorted(STEP_PRACTICES))
def test_a_denied_feeling_at_the_step_question_is_no_step_either(
    journal: Journal, topic: str
) -> None:
    """ "I never felt lonely" to "what do you need …?" names nothing to do: it is not praised as
    a step, the question for one thing to do follows, and it is never looked back at ("Last
    time you said you never felt lonely")."""
    step, s, no_step = _at_the_step(topic, journal)
    reply = replies_after(s, "i never felt lonely")
    assert reply == [no_step.prompt], reply
    again = replies_after(s, "i was not angry at all")
    assert again[0] == answers.NAMED, again
    assert step.acknowledge not in " ".join(reply + again)
    finish(s)
    assert last_step(journal, topic, step.id, steps_only=True) is None


@pytest.mark.parametrize(
    "said",
    ["i am not angry i just need space", "I never felt lonely, so I will call a friend tonight."],
)
def test_a_denied_feeling_with_something_to_do_is_a_step(said: str) -> None:
    assert only_a_feeling(said) is False
    assert only_a_feeling("i never felt lonely") is True


def test_the_communication_feeling_step_says_what_it_heard_after_a_skip_too(
    journal: Journal,
) -> None:
    """Its prompt stands on its own (the concern before it was skipped: no "try it again"); a
    "yes" there is asked for more before any feedback; an answer that names no feeling is not
    praised for speaking from feelings, and one that does is told so."""
    script = find_script("communication", None)
    step = script.step_by_id("feeling")
    assert step is not None and step.check.value == "concern"
    s = Session(script, journal, CoachOptions()).start()
    while s.machine.item is not None and s.machine.item.id != "concern":
        s.hear(ANSWER)
    skipped = replies_after(s, "next question")
    assert skipped[-1] == step.prompt and "again" not in step.prompt.lower()
    assert replies_after(s, "yes") == ["Could you say a little more about that?"]
    plain = replies_after(s, "yesterday my partner was late and i snapped at him at the door")
    assert step.acknowledge not in plain[0] and "name a feeling" in plain[0], plain
    t = Session(script, journal, CoachOptions()).start()
    while t.machine.item is not None and t.machine.item.id != "feeling":
        t.hear(ANSWER)
    harsh = replies_after(t, "i'm so stupid")  # harsh self-talk gets its reframe, not a check
    assert harsh[0] in answers.REFRAMES, harsh
    t = Session(script, journal, CoachOptions()).start()
    while t.machine.item is not None and t.machine.item.id != "feeling":
        t.hear(ANSWER)
    clear = replies_after(t, "i feel worried when you are late and i need a short message")
    assert clear[0] == "It sounds like you felt worried. That is clear and kind.", clear


def test_no_built_in_question_presumes_the_answer_before_it() -> None:
    """Each question may follow one skipped or left unanswered: none asks about "that win" or to
    "try it again"."""
    presuming = ("that win", "again,", "try it again", "that concern", "that step")
    for topic in sorted({*STEP_PRACTICES, "where-it-comes-from", "saying-a-concern"}):
        script = find_script(topic, None)
        for step in script.steps[1:]:
            assert not any(p in step.prompt.lower() for p in presuming), (topic, step.prompt)


@pytest.mark.parametrize("topic", sorted(STEP_PRACTICES))
def test_an_answer_naming_nothing_to_do_is_thanked_not_praised_as_a_step(
    journal: Journal, topic: str
) -> None:
    step, s, _ = _at_the_step(topic, journal)
    reply = replies_after(s, "i got on to us when he is late")  # a misheard feeling
    assert reply[0] == answers.THOUGHT, reply
    assert step.acknowledge not in " ".join(reply)


@pytest.mark.parametrize("said", ["a few slow breaths", "a short walk first", "counting to ten"])
def test_a_step_named_without_a_verb_of_intent_is_still_a_step(said: str) -> None:
    assert names_something_to_do(said)
    assert not names_something_to_do("he is often late")
