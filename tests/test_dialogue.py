"""Replies chosen by what was said, the mood asked again, unsure commands confirmed, a gentle
safety check after a doubtful match, the look back at the last session, a paused session kept
paused: the real session machine on the shipped scripts (see test_machine.py for the harness)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.test_machine import ANSWER, Session, session
from voicecoach.coach import answers
from voicecoach.coach import options as say
from voicecoach.coach.answers import AnswerClass, classify, feeling_named, said_back, small_win
from voicecoach.coach.concern import check_concern, feedback
from voicecoach.coach.continuity import LastStep, last_answer, last_step
from voicecoach.coach.dialogue import State
from voicecoach.coach.intents import Command, PhraseBook
from voicecoach.coach.numbers import either_of
from voicecoach.coach.options import CoachOptions
from voicecoach.coach.plan import LOOK_BACK
from voicecoach.coach.safety import says_safe
from voicecoach.coach.script import find_script, script_files
from voicecoach.coach.yesno import only_yes_or_no, yes_or_no
from voicecoach.speech.events import Final, Utterance, Word
from voicecoach.speech.grammar import Recheck, RecheckedFinal
from voicecoach.store.journal import Journal
from voicecoach.store.records import Status

PRAISE = ("thank you for", "brave", "kind and doable", "makes sense", "well done", "great")


@pytest.mark.parametrize(
    ("said", "kind"),
    [
        ("", AnswerClass.NONE),
        ("i don't know", AnswerClass.UNSURE),
        ("um i'm not sure", AnswerClass.UNSURE),
        ("no idea", AnswerClass.UNSURE),
        ("dinner", AnswerClass.SHORT),
        ("my sister", AnswerClass.SHORT),
        ("it's all my fault", AnswerClass.HARSH),
        ("i'm so stupid", AnswerClass.HARSH),
        ("i always ruin things", AnswerClass.HARSH),
        ("i felt afraid that he would leave", AnswerClass.FEELING),
        ("i wasn't angry just tired of waiting", AnswerClass.FEELING),
        (ANSWER, AnswerClass.FULL),
        ("my partner came home late and i kept checking my phone", AnswerClass.FULL),
    ],
)
def test_answers_are_classed_by_what_was_said(said: str, kind: AnswerClass) -> None:
    assert classify(said).kind is kind


def test_the_feeling_reflected_is_the_persons_own_and_not_a_negated_one() -> None:
    assert feeling_named("i felt so lonely last night") == "lonely"
    assert feeling_named("i wasn't angry") == ""
    assert feeling_named("the content of his letter") == ""
    assert answers.reflect("afraid") == "It sounds like you felt afraid."


@pytest.mark.parametrize(
    ("said", "reply"),
    [
        ("i felt hurt when she laughed", "It sounds like you felt hurt."),
        ("she was probably tired after a long day at work", "It sounds like she was tired."),
        ("my partner was angry with me", "It sounds like your partner was angry."),
        ("they were so worried about us", "It sounds like they were worried."),
        ("he made me so angry", "It sounds like you felt angry."),
        ("it made him angry", "It sounds like he was angry."),
        ("her words made me feel small and hurt", "It sounds like you felt hurt."),
        ("we were both exhausted", "It sounds like you both felt exhausted."),
        ("i think i was worried that i did not matter to him", "It sounds like you felt worried."),
    ],
)
def test_a_feeling_is_reflected_as_whose_it_was(said: str, reply: str) -> None:
    heard = classify(said)
    assert answers.reflect(heard.feeling, heard.who) == reply


def test_an_answer_is_said_back_to_the_person() -> None:
    assert said_back("I could take a few slow breaths before I answer") == (
        "you could take a few slow breaths before you answer"
    )
    assert said_back("I'll text my partner when I'm late") == (
        "you'll text your partner when you're late"
    )
    assert said_back("Next time I can take a few slow breaths before I answer him") == (
        "you could take a few slow breaths before you answer him"
    )  # after "Last time you said": not "next time you can"
    assert said_back("next time take a breath") == "next time take a breath"


def replies_after(s: Session, text: str) -> list[str]:
    before = len(s.io.said)
    s.hear(text)
    return s.io.said[before:]


def test_i_dont_know_gets_a_gentler_example_and_never_praise(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    reply = replies_after(s, "i don't know")
    script = find_script("patience", None)
    example = script.steps[0].follow_ups[0]
    assert reply == [example.prompt]
    assert not any(p in " ".join(reply).lower() for p in PRAISE)
    # A second "I don't know" (to the follow-up): no second follow-up, no praise.
    reply = replies_after(s, "i'm not sure")
    assert reply[0] in answers.NOT_SURE
    assert reply[1] == script.steps[1].prompt
    assert [t.prompt_id for t in s.record.turns] == ["moment", "moment.example", "body"]


def test_a_very_short_answer_gets_one_follow_up(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    reply = replies_after(s, "dinner")
    assert reply == ["What happened in that moment? Tell me a little more."]
    reply = replies_after(s, "work")  # short again: at most one follow-up per question
    assert reply[-1] == find_script("patience", None).steps[1].prompt


def test_harsh_self_talk_gets_a_self_compassionate_reframe(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    reply = replies_after(s, "it's all my fault")
    assert reply[0] in answers.REFRAMES
    assert reply[1] == find_script("patience", None).steps[1].prompt


def test_a_named_feeling_is_reflected_back(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    reply = replies_after(s, "i felt afraid that he would leave me again")
    assert reply[0] == "It sounds like you felt afraid. Thank you for describing that."


def test_a_step_can_choose_its_own_reply_by_class(journal: Journal, tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir()
    (folder / "mine.toml").write_text(
        'id = "mine"\ntitle = "Mine"\n[opening]\nsay = []\n[closing]\nsay = ["Bye."]\n'
        '[[steps]]\nid = "q"\nprompt = "How was it?"\nacknowledge = "Thanks."\n'
        '[steps.replies]\nharsh = "Go easy on yourself."\nfeeling = "So you felt {feeling}."\n'
    )
    script = find_script("mine", folder)
    s = Session(script, journal, CoachOptions()).start()
    assert replies_after(s, "i'm useless")[0] == "Go easy on yourself."
    t = Session(script, journal, CoachOptions()).start()
    assert replies_after(t, "i felt hurt")[0] == "So you felt hurt."


def test_a_missed_mood_is_asked_once_more_then_let_go_aloud(journal: Journal) -> None:
    s = session(journal)
    assert "one is very low, ten is very good" in s.io.said[-1].lower()
    assert replies_after(s, "pretty good") == [say.MOOD_AGAIN]
    assert replies_after(s, "seven")[0] == "Thank you."
    assert s.record.mood_before == 7
    assert s.turn("mood-before")["events"] == ["mood-reask"]
    t = session(journal)
    t.hear("pretty good")
    assert replies_after(t, "still pretty good")[0] == say.NO_MOOD
    assert t.record.mood_before is None


def test_a_mood_misheard_as_a_command_is_asked_again_after_no(journal: Journal) -> None:
    s = session(journal)
    s.hear("the", Recheck("slower", 0.1))  # espeak-ng's "four": "all are", heard as "slower"
    assert s.machine.state is State.CONFIRMING
    assert replies_after(s, "no") == [say.MOOD_AGAIN]
    assert s.machine.state is State.LISTENING
    s.hear("four")
    assert s.record.mood_before == 4
    assert s.turn("mood-before")["events"] == ["confirm:slower", "mood-reask"]


def test_six_or_seven_asks_which_and_a_phrase_is_a_whole_number(journal: Journal) -> None:
    assert either_of("six or seven") == (6, 7)
    assert either_of("maybe a five or a six") == (5, 6)
    assert either_of("i think six or seven today") == (6, 7)
    assert either_of("i will take two or three slow breaths") is None
    assert either_of("we were up at four or five") is None
    s = session(journal)
    assert replies_after(s, "six or seven") == ["Which is closer, 6 or 7?"]
    s.hear("about a six")
    assert s.record.mood_before == 6


def test_the_grammar_hears_the_number_the_open_transcript_missed(journal: Journal) -> None:
    s = session(journal)
    s.hear("far", Recheck("four", 0.5))
    assert s.record.mood_before == 4
    assert s.turn("mood-before")["events"] == []


def test_an_unsure_short_command_is_confirmed_before_acting(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    before = len(s.io.said)
    s.hear("scan", Recheck("skip", 0.3))
    assert s.io.said[before:] == ["Did you want to skip this one?"]
    assert s.machine.state is State.CONFIRMING
    s.hear("yes")
    assert s.turn("moment")["events"] == ["confirm:skip", "command:skip", "skip"]
    assert s.turn("moment")["answer"] is None
    # A short "yes" misheard by the open transcript: the phrase grammar's "yes" is taken.
    r = session(journal, mood_checkin=False)
    r.hear("scan", Recheck("skip", 0.3))
    r.hear("the ads", Recheck("yes", 0.3))
    assert r.turn("moment")["events"] == ["confirm:skip", "command:skip", "skip"]
    # "No": what was said is the answer.
    t = session(journal, mood_checkin=False)
    t.hear("scan", Recheck("skip", 0.3))
    t.hear("no")
    assert t.turn("moment")["answer"]["text"] == "scan"


def test_an_answer_said_to_did_you_want_is_the_answer_whatever_words_it_holds(
    journal: Journal,
) -> None:
    """A sentence of its own in reply to "Did you want me to forget your last answer?" is the
    answer: "scared" in it was read as the safety check's "not safe", a no, and the sentence was
    dropped for the misheard command ("forget my last on sept"); "i am" or "fine" in it was a
    yes, and the answer before it was erased."""
    said = "i think i was really scared that she would be late for school"
    s = session(journal, mood_checkin=False)
    s.hear(ANSWER)
    s.hear("forget my last on sept", Recheck("forget my last answer", 0.6))
    assert s.io.said[-1] == say.CONFIRM[Command.FORGET]
    s.hear(said)
    assert s.turn("body")["answer"]["text"] == said
    assert any(line.startswith("It sounds like you felt scared.") for line in s.io.said)
    for yes_inside in ("i am not sure it was fine at the time", "i was okay until she laughed"):
        t = session(journal, mood_checkin=False)
        t.hear(ANSWER)
        t.hear("forget my last on sept", Recheck("forget my last answer", 0.6))
        t.hear(yes_inside)
        assert t.turn("moment")["answer"]["text"] == ANSWER  # nothing forgotten
        assert t.turn("body")["answer"]["text"] == yes_inside
        assert "command:forget" not in t.turn("body")["events"]
    # "No" with more words: the short utterance is the answer, and the words after the no join it
    u = session(journal, mood_checkin=False)
    u.hear("scan", Recheck("skip", 0.3))
    u.hear("no i meant the kitchen")
    assert u.turn("moment")["answer"]["text"] == "scan no i meant the kitchen"


def test_a_plan_given_for_a_small_win_is_not_praised_as_one(journal: Journal) -> None:
    s = session(journal, "small-wins", mood_checkin=False)
    assert s.io.said[-1].startswith("What is one thing, however small, that went a little")
    s.hear("next time i'll take three slow breaths")
    assert answers.PLAN in s.io.said and "That's a real win. Well done." not in s.io.said
    t = session(journal, "small-wins", mood_checkin=False)
    t.hear("i waited a moment before i answered him")
    assert "That's a real win. Well done." in t.io.said and answers.PLAN not in t.io.said
    for plan, only in [
        ("next time i'll take three slow breaths", True),
        ("i'm going to ask before i check his phone", True),
        ("i'll admit i already managed to wait once", False),
        ("i waited and next time i will wait again", False),
    ]:
        assert answers.only_a_plan(plan) is only, plan


@pytest.mark.parametrize(
    ("reply", "meant"),
    [
        ("yes", True), ("yeah do it", True), ("oh yes please", True), ("that's right", True),
        ("no", False), ("nope", False), ("no i meant the kitchen", False), ("not really", False),
        ("you misheard", False), ("um no thanks", False),
        ("i think i was really scared", None), ("i am tired of it", None), ("fine", None),
        ("yeah i was so tired that i snapped at him", None), ("help me", None), ("", None),
    ],
)  # fmt: skip
def test_a_yes_or_a_no_leads_the_reply(reply: str, meant: bool | None) -> None:
    assert yes_or_no(reply) is meant


@pytest.mark.parametrize(
    ("reply", "only"),
    [("no", True), ("no thank you", True), ("um no i didn't", True), ("yes please", True),
     ("no i meant the kitchen", False), ("no it was the kitchen", False), ("maybe", False)],
)  # fmt: skip
def test_a_reply_that_is_only_a_yes_or_a_no_holds_no_answer(reply: str, only: bool) -> None:
    assert only_yes_or_no(reply) is only


@pytest.mark.parametrize("command", list(say.CONFIRM), ids=str)
def test_no_reply_to_did_you_want_asks_the_question_again_keeping_nothing(
    journal: Journal, command: Command
) -> None:
    """Silence after "Did you want to …?": the command is not acted on (a stop ends nothing),
    the short utterance is no answer (no follow-up asks for more of it), and the question is
    asked again; the answer to it is kept as any answer."""
    phrase = PhraseBook.build().commands[command][0]
    s = session(journal, mood_checkin=False)
    prompt = s.machine.script.steps[0].prompt
    s.hear("blah", Recheck(phrase, 0.3))
    assert s.machine.state is State.CONFIRMING
    before = len(s.io.said)
    s.silence()
    assert s.io.said[before:] == [say.ASK_AGAIN.format(prompt=prompt)]
    assert s.machine.state is State.LISTENING and s.machine.item is not None
    assert s.machine.item.id == "moment"
    moment = s.turn("moment")
    assert moment["answer"] is None
    assert moment["events"] == [f"confirm:{command}", "unconfirmed"]
    s.hear(ANSWER)
    assert s.turn("moment")["answer"]["text"] == ANSWER
    assert [t.prompt_id for t in s.record.turns] == ["moment", "body"]
    assert s.record.status is Status.RUNNING


def test_a_reply_saying_neither_asks_again_and_the_unsure_word_said_again_is_meant(
    journal: Journal,
) -> None:
    # Filler words only: neither yes nor no, nor an answer.
    s = session(journal, mood_checkin=False)
    s.hear("stomp", Recheck("stop", 0.3))
    prompt = s.machine.script.steps[0].prompt
    assert replies_after(s, "the") == [say.ASK_AGAIN.format(prompt=prompt)]
    assert s.turn("moment")["answer"] is None and s.machine.state is State.LISTENING
    # Maybe another command: asked again, the reply kept as nothing.
    r = session(journal, mood_checkin=False)
    r.hear("stomp", Recheck("stop", 0.3))
    r.hear("scant", Recheck("skip", 0.3))
    assert r.turn("moment")["events"] == ["confirm:stop", "unconfirmed"]
    assert r.turn("moment")["answer"] is None
    # The same unsure word said again: the person meant it.
    t = session(journal, mood_checkin=False)
    t.hear("stomp", Recheck("stop", 0.3))
    t.hear("stomp", Recheck("stop", 0.3))
    assert t.machine.state is State.STOPPED
    assert t.turn("moment")["events"] == ["confirm:stop", "command:stop"]
    assert t.turn("moment")["answer"] is None
    # ... but a short answer heard twice as "go on" is that answer (nothing is paused).
    m = session(journal, mood_checkin=False)
    m.hear("mum", Recheck("go on", 0.3))
    m.hear("mum", Recheck("go on", 0.3))
    assert m.turn("moment")["answer"]["text"] == "mum"
    # A reply of its own is the answer, as before.
    a = session(journal, mood_checkin=False)
    a.hear("stomp", Recheck("stop", 0.3))
    a.hear(ANSWER)
    assert a.turn("moment")["answer"]["text"] == ANSWER


def test_no_reply_at_the_mood_question_asks_for_the_mood_again(journal: Journal) -> None:
    s = session(journal)
    s.hear("scant", Recheck("skip", 0.3))
    assert s.machine.state is State.CONFIRMING
    before = len(s.io.said)
    s.silence()
    item = s.machine.item
    assert item is not None and item.is_mood
    assert s.io.said[before:] == [say.ASK_AGAIN.format(prompt=item.prompt)]
    assert say.NO_MOOD not in s.io.said
    s.hear("seven")
    assert s.record.mood_before == 7


def test_a_sure_short_command_acts_and_a_real_answer_never_does(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    s.hear("skip", Recheck("skip", 1.0))
    assert s.turn("moment")["events"] == ["command:skip", "skip"]
    # Heard only by the grammar: a skip or a stop is asked about first, other commands act.
    r = session(journal, mood_checkin=False)
    r.hear("scant", Recheck("skip", 0.5))
    assert r.machine.state is State.CONFIRMING
    q = session(journal, mood_checkin=False)
    before = len(q.io.said)
    q.hear("ricky", Recheck("repeat", 0.67))
    assert q.machine.state is not State.CONFIRMING
    assert q.io.said[before:][-1].endswith(q.machine.script.steps[0].prompt)
    t = session(journal, mood_checkin=False)
    t.hear("i wanted to skip the dinner with his family", Recheck("skip", 0.9))
    assert t.turn("moment")["events"] == []
    assert t.turn("moment")["answer"]["text"].startswith("i wanted to skip")


def test_a_pause_the_transcript_misses_at_a_question_is_asked_about_over_the_coach_acts(
    journal: Journal,
) -> None:
    s = session(journal, mood_checkin=False)
    s.hear("where'd", Recheck("wait", 0.57))  # en-us's "Work.": no pause was said
    assert s.machine.state is State.CONFIRMING
    assert s.io.said[-1] == say.CONFIRM[Command.PAUSE]
    s.hear("no")
    assert s.machine.state is not State.PAUSED
    assert s.turn("moment")["answer"]["text"] == "where'd"
    p = session(journal, mood_checkin=False)
    p.hear("cause", Recheck("pause", 0.67))  # a real pause, misheard: paused after a yes
    p.hear("yes")
    assert p.machine.state is State.PAUSED
    q = session(journal, mood_checkin=False)
    q.hear("hold on", Recheck("hold on", 1.0))  # said word for word: paused at once
    assert q.machine.state is State.PAUSED
    over = session(journal, mood_checkin=False)
    utterance = Utterance(text="gods", words=(), start=0.0, end=1.0)
    over.io.listening = False
    over.machine.hear(RecheckedFinal(utterance, recheck=Recheck("pause", 0.4)), over_coach=True)
    assert over.machine.state is State.PAUSED  # a barge-in: no question first


def test_a_one_word_command_heard_as_the_is_asked_about_and_never_resumes_a_pause(
    journal: Journal,
) -> None:
    s = session(journal, mood_checkin=False)
    s.hear("the", Recheck("repeat", 0.14))  # espeak-ng's "repeat" through the open model
    assert s.machine.state is State.CONFIRMING
    s.hear("yes")
    assert s.turn("moment")["events"] == ["confirm:repeat", "command:repeat", "repeat"]
    p = session(journal, mood_checkin=False)
    p.hear("pause", Recheck("pause", 1.0))
    assert p.machine.state is State.PAUSED
    p.hear("the", Recheck("continue", 0.1))  # a cough or a word: the grammar alone heard it
    assert p.machine.state is State.PAUSED


def doubtful(text: str, conf: float) -> Final:
    words = tuple(
        Word(word=w, start=i * 0.3, end=i * 0.3 + 0.25, conf=conf)
        for i, w in enumerate(text.split())
    )
    return Final(Utterance(text=text, words=words, start=0.0, end=len(words) * 0.3))


def test_a_doubtful_safety_match_gives_the_resources_and_asks_gently(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    s.io.listening = False
    s.machine.hear(doubtful("i think it might have been raped", 0.3))
    options = CoachOptions()
    assert s.io.said[-2:] == [options.crisis_resources, say.MISHEARD]
    assert s.record.safety_flag
    s.hear("yes i'm safe you misheard me")
    assert s.machine.state is State.LISTENING
    assert say.SAFE_TO_GO_ON in s.io.said
    # Not safe: the session ends with the resources given.
    t = session(journal, mood_checkin=False)
    t.io.listening = False
    t.machine.hear(doubtful("he hit me", 0.3))
    t.hear("no i'm not safe")
    assert t.record.status is Status.STOPPED and t.io.said[-1] == say.END_AFTER_SAFETY


def test_a_sure_safety_match_still_stops_the_exercise(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    s.io.listening = False
    s.machine.hear(doubtful("he hit me again last night", 1.0))
    assert s.io.said[-1] == say.OFFER_END and say.NOT_A_CRISIS_SERVICE in s.io.said
    assert says_safe("yes") is True and says_safe("not really") is False
    assert says_safe("the weather") is None


def test_a_paused_session_stays_paused_when_a_device_comes_back(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    s.hear("hold on")
    assert s.machine.state is State.PAUSED
    s.io.listening = False
    s.machine.resume(reason="device-back", line="I can hear you again.")
    assert s.machine.state is State.PAUSED
    assert s.io.said[-1] == say.STILL_PAUSED and s.io.listening
    s.hear("continue")
    assert s.machine.state is State.LISTENING


def history_of(answers_by_step: dict[str, str], sure: bool = True) -> CoachOptions:
    def history(topic: str, step: str) -> LastStep | None:
        said = answers_by_step.get(step)
        return LastStep(said, sure) if said is not None else None

    return CoachOptions(history=history)


def test_the_look_back_asks_about_the_step_named_last_time(journal: Journal) -> None:
    options = history_of({"next-time": "i could take a few slow breaths before i answer"})
    s = Session(find_script("patience", None), journal, options).start()
    assert s.io.said[-1] == (
        "Last time you said you could take a few slow breaths before you answer. How did that go?"
    )
    reply = replies_after(s, "it went well i did it twice")
    assert reply[0] == answers.WIN
    assert s.record.turns[0].prompt_id == LOOK_BACK
    t = Session(find_script("patience", None), journal, options).start()
    assert replies_after(t, "i forgot")[0] == answers.NOT_YET
    assert small_win("yes a little") and not small_win("no i didn't")


def test_the_last_answer_is_read_from_the_journal(journal: Journal) -> None:
    s = Session(find_script("patience", None), journal, CoachOptions()).start()
    for text in (ANSWER, ANSWER, ANSWER, ANSWER, "i could breathe slowly first"):
        s.hear(text)
    assert s.record.status is Status.COMPLETED
    assert last_answer(journal, "patience", "next-time") == "i could breathe slowly first"
    assert last_answer(journal, "communication", "promise") == ""


def patience_session(journal: Journal, step: str, confidence: float = 1.0) -> Session:
    """A whole patience session (no mood check-in) naming ``step`` at the step looked back
    at, its words heard with ``confidence``."""
    s = Session(find_script("patience", None), journal, CoachOptions()).start()
    for _ in range(4):
        s.hear(ANSWER)
    words = tuple(Word(w, 0.0, 0.1, confidence) for w in step.split())
    s.io.listening = False
    s.machine.hear(Final(utterance=Utterance(text=step, words=words, start=0.0, end=1.0)))
    while s.io.listening:  # a follow-up ("could you say a little more?"): "i don't know"
        s.hear("i don't know")
    assert s.record.status is Status.COMPLETED
    return s


def test_a_step_that_holds_a_number_is_looked_back_at(journal: Journal) -> None:
    patience_session(journal, "next time i will take three slow breaths before i answer him")
    found = last_step(journal, "patience", "next-time")
    assert found == LastStep("next time i will take three slow breaths before i answer him", True)


def test_only_the_last_session_of_the_practice_is_looked_back_at(journal: Journal) -> None:
    patience_session(journal, "i could take a few slow breaths before i answer")
    time.sleep(1.1)  # sessions are ordered by their start, to the second
    patience_session(journal, "i don't know")  # no step named last time: nothing looked back at
    assert last_step(journal, "patience", "next-time") is None
    time.sleep(1.1)
    patience_session(journal, "i could ask him how his day was before i say anything")
    time.sleep(1.1)
    current = Session(find_script("patience", None), journal, CoachOptions()).start()
    assert last_answer(journal, "patience", "next-time") == ""  # the one being recorded
    assert last_answer(journal, "patience", "next-time", current=current.record.id) == (
        "i could ask him how his day was before i say anything"
    )


def test_a_step_heard_doubtfully_is_looked_back_at_in_general_terms(journal: Journal) -> None:
    patience_session(journal, "i could take a few slow breaths before i answer", 0.3)
    found = last_step(journal, "patience", "next-time")
    assert found is not None and not found.sure
    options = history_of({"next-time": found.text}, sure=found.sure)
    s = Session(find_script("patience", None), journal, options).start()
    assert s.io.said[-1] == "Last time you named a small step. How did that go?"
    assert s.io.personal == []  # nothing of the person's words was said
    assert replies_after(s, "it went well i did it twice")[0] == answers.WIN


@pytest.mark.parametrize(
    "said", ["eight out of ten", "it's all my fault", "i don't know", "dinner", "seven"]
)
def test_no_look_back_at_a_rating_self_talk_or_a_non_answer(journal: Journal, said: str) -> None:
    s = Session(find_script("patience", None), journal, CoachOptions()).start()
    for _ in range(4):
        s.hear(ANSWER)
    for _ in range(3):  # a follow-up ("could you say a little more?"): the same again
        if s.io.listening:
            s.hear(said)
    assert s.record.status is Status.COMPLETED
    assert any(t.prompt_id.startswith("next-time") and t.answer for t in s.record.turns)
    assert last_answer(journal, "patience", "next-time") == ""


@pytest.mark.parametrize(
    ("said", "parts", "absolutes"),
    [
        ("i feel worried when you come home late and i need a message", (1, 1, 1), ()),
        ("you always ignore my messages", (0, 0, 0), ("you always",)),
        ("i feel hurt when you never call", (1, 1, 0), ("you never",)),
    ],
)
def test_a_concern_is_checked_for_feeling_situation_request(
    said: str, parts: tuple[int, int, int], absolutes: tuple[str, ...]
) -> None:
    check = check_concern(said)
    assert (check.feeling, check.situation, check.request) == tuple(map(bool, parts))
    assert check.absolutes == absolutes
    line = feedback(check)
    if check.complete:
        assert "clear and kind" in line
    else:
        assert "You could add" in line or "It can help" in line or "noticed the word" in line
    said_back = feedback(check, "It sounds like you felt hurt.")
    if check.feeling:  # the feeling said back in place of "I heard a feeling"
        assert said_back.startswith("It sounds like you felt hurt. ") and "I heard" not in said_back
    else:
        assert said_back == line


def test_the_concern_practice_says_what_is_missing_and_asks_once_more(journal: Journal) -> None:
    s = session(journal, "saying-a-concern", mood_checkin=False)
    s.hear("i'm worried about his phone")
    reply = replies_after(s, "you always ignore my messages")
    assert "I noticed the word you always" in reply[0]
    assert reply[1].startswith("Would you like to try it once more")
    reply = replies_after(s, "i feel worried when you come home late and i need a message")
    assert "clear and kind" in reply[0]


def test_lines_leave_a_pause_longer_before_a_question(journal: Journal) -> None:
    options = CoachOptions(pause_s=0.5, question_pause_s=1.2)
    s = Session(find_script("patience", None), journal, options)
    pauses: list[tuple[str, float, bool]] = []

    def say(text: str, pause: float = 0.0, personal: bool = False, patient: bool = False) -> None:
        pauses.append((text, pause, patient))

    s.io.say = say  # type: ignore[method-assign]
    s.start()
    script = find_script("patience", None)
    assert pauses[0] == (script.opening[0], 0.5, False)
    assert pauses[-1] == (script.steps[0].prompt, 1.2, True)  # a question waits for its answer


def test_no_line_repeats_a_phrase_of_the_line_before_on_the_first_session(
    journal: Journal, tmp_path: Path
) -> None:
    for topic in sorted(script_files(None)):
        options = CoachOptions(mood_checkin=True, first_run_file=tmp_path / f"{topic}.toml")
        s = Session(find_script(topic, None), journal, options).start()
        lines = [line.lower().rstrip(".?!").split() for line in s.io.said]
        for a, b in zip(lines, lines[1:], strict=False):
            assert not {tuple(a[i : i + 3]) for i in range(len(a) - 2)} & {
                tuple(b[i : i + 3]) for i in range(len(b) - 2)
            }, (a, b)


def test_every_built_in_practice_has_follow_ups_for_i_dont_know() -> None:
    for topic in (
        "patience", "self-compassion", "communication", "where-it-comes-from",
        "saying-a-concern", "supporting-a-partner", "small-wins",
    ):  # fmt: skip
        script = find_script(topic, None)
        assert script.look_back is not None, topic
        questions = [s for s in script.steps if s.type.value == "question"]
        with_unsure = [s for s in questions if any(f.when.value == "unsure" for f in s.follow_ups)]
        assert len(with_unsure) >= len(questions) - 1, topic
