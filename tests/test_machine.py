"""The real session machine on the shipped scripts, told what was heard as recogniser events.

The loop is replaced by ``ScriptedLoop``, which implements the machine's ``CoachIO`` protocol and
keeps what the machine asked of it (lines, listening turns, rate changes); the record goes to a
real journal. Whole spoken sessions through the real loop are in test_machine_e2e.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voicecoach.coach import options as say
from voicecoach.coach.commands import CommandSpotter
from voicecoach.coach.dialogue import State
from voicecoach.coach.firstrun import FIRST_RUN_NOTE
from voicecoach.coach.intents import Command, PhraseBook
from voicecoach.coach.machine import SessionMachine
from voicecoach.coach.options import CoachOptions
from voicecoach.coach.plan import MOOD_AFTER, MOOD_BEFORE
from voicecoach.coach.recorder import Recorder
from voicecoach.coach.script import SessionScript, find_script, load_script, script_files
from voicecoach.frames import seconds_to_samples
from voicecoach.speech.events import EngineInfo, Final, NoAnswer, Utterance
from voicecoach.speech.grammar import Recheck, RecheckedFinal
from voicecoach.store.journal import Journal
from voicecoach.store.records import SessionRecord, Status


class ScriptedLoop:
    """CoachIO that keeps what the machine asked for."""

    def __init__(self) -> None:
        self.said: list[str] = []
        self.personal: list[str] = []
        """The lines the machine marked as made from the person's own words."""
        self.listens: list[int | None] = []
        self.listening = False
        self.rate = 160
        self.now = 0
        """Audio time (samples); a test moves it on."""

    def say(
        self, text: str, pause: float = 0.0, personal: bool = False, patient: bool = False
    ) -> None:
        self.said.append(text)
        if personal:
            self.personal.append(text)

    def listen(self, wait: int | None = None) -> None:
        self.listens.append(wait)
        self.listening = True

    def stop_listening(self) -> None:
        self.listening = False

    def change_rate(self, step: int) -> bool:
        rate = min(300, max(80, self.rate + step))
        changed, self.rate = rate != self.rate, rate
        return changed


class Session:
    """A machine, its scripted loop and a way to answer."""

    def __init__(self, script: SessionScript, journal: Journal, options: CoachOptions) -> None:
        self.io = ScriptedLoop()
        recorder = Recorder(journal, script.id, EngineInfo("pocketsphinx", "test"))
        self.machine = SessionMachine(script, self.io, recorder, options)
        self.journal = journal

    def start(self) -> Session:
        self.machine.begin()
        return self

    def hear(self, text: str, recheck: Recheck | None = None, capped: bool = False) -> None:
        assert self.io.listening, f"not listening in {self.machine.state}"
        self.io.listening = False
        utterance = Utterance(text=text, words=(), start=0.0, end=1.0)
        if recheck is None:
            self.machine.hear(Final(utterance=utterance, capped=capped))
        else:
            self.machine.hear(RecheckedFinal(utterance=utterance, capped=capped, recheck=recheck))

    def silence(self) -> None:
        assert self.io.listening
        self.io.listening = False
        self.machine.hear(NoAnswer(waited=12.0))

    @property
    def record(self) -> SessionRecord:
        return self.machine.record

    def turn(self, prompt_id: str) -> dict:
        return next(t for t in self.record.to_record()["turns"] if t["prompt_id"] == prompt_id)


def session(journal: Journal, topic: str = "patience", **options: object) -> Session:
    opts = CoachOptions(**{"mood_checkin": True, **options})  # type: ignore[arg-type]
    return Session(find_script(topic, None), journal, opts).start()


ANSWER = "last night my partner came home late and i felt my patience run out"


@pytest.mark.parametrize("topic", sorted(script_files(None)))
def test_every_shipped_script_runs_from_mood_to_mood(journal: Journal, topic: str) -> None:
    s = session(journal, topic)
    script = find_script(topic, None)
    assert s.io.said[: len(script.opening)] == list(script.opening)
    assert s.io.said[len(script.opening)] == MOOD_BEFORE
    s.hear("about a six")
    for _ in range(2 * len(script.steps)):  # a step's check may ask once more
        if s.io.said[-1] == MOOD_AFTER:
            break
        s.hear(ANSWER)
    assert s.io.said[-1] == MOOD_AFTER
    s.hear("eight out of ten")
    record = s.record
    assert s.machine.state is State.DONE and record.status is Status.COMPLETED
    assert (record.mood_before, record.mood_after) == (6, 8)
    ids = [t.prompt_id for t in record.turns if "." not in t.prompt_id]
    assert ids == ["mood-before", *(step.id for step in script.steps), "mood-after"]
    assert record.closing_lines == (*script.closing[:-1], say.KEPT, script.closing[-1])
    assert journal.get(record.id) == record, "the journal holds what the machine kept"


def closing_said(s: Session, answers: list[str], script: SessionScript) -> list[str]:
    """Answer each question (or stay silent for ""), then the lines the closing spoke."""
    for answer in answers:
        if answer:
            s.hear(answer)
        else:
            while s.io.listening and s.machine.state is not State.DONE:
                s.silence()
    assert s.machine.state is State.DONE
    return s.io.said[-(len(script.closing) + 1) :]


def test_the_closing_says_the_answers_are_saved_only_when_they_are(journal: Journal) -> None:
    script = find_script("patience", None)
    s = Session(script, journal, CoachOptions()).start()
    said = closing_said(s, [ANSWER] * len(script.steps), script)
    assert said == [*script.closing[:-1], say.KEPT, script.closing[-1]]

    demo = Session(script, journal, CoachOptions(keeps=False)).start()
    said = closing_said(demo, [ANSWER] * len(script.steps), script)
    assert said == [*script.closing[:-1], say.KEPT_NOTHING, script.closing[-1]]

    silent = Session(script, journal, CoachOptions()).start()
    closing_said(silent, [""], script)
    assert silent.record.status is Status.UNANSWERED
    assert silent.io.said[-len(script.closing) :] == list(script.closing)
    assert say.KEPT not in silent.io.said, "nothing was kept, so nothing is claimed"


def test_the_bare_machine_asks_no_mood(journal: Journal) -> None:
    s = Session(find_script("patience", None), journal, CoachOptions()).start()
    for _ in range(5):
        s.hear(ANSWER)
    assert [t.prompt_id for t in s.record.turns][0] == "moment"
    assert s.record.mood_before is None and s.record.status is Status.COMPLETED


@pytest.mark.parametrize(
    ("said", "mood"),
    [("seven", 7), ("i don't know", None), ("nine out of 10", 9)],
)
def test_the_mood_is_kept_as_a_number_or_none(
    journal: Journal, said: str, mood: int | None
) -> None:
    s = session(journal)
    s.hear(said)
    assert s.record.mood_before == mood
    assert s.turn("mood-before")["answer"]["text"] == said
    assert s.io.said[-2] == ("Thank you." if mood else say.NO_MOOD)


def test_a_number_at_the_mood_question_is_a_mood_even_if_the_grammar_heard_a_command(
    journal: Journal,
) -> None:
    s = session(journal)
    s.hear("seven", Recheck("say it again", 0.9))
    assert s.record.mood_before == 7
    assert s.turn("mood-before")["events"] == []


def test_skip_at_the_mood_question_leaves_it_empty(journal: Journal) -> None:
    s = session(journal)
    s.hear("skip")
    assert s.record.mood_before is None
    assert s.turn("mood-before")["events"] == ["command:skip", "skip"]
    assert s.machine.item is not None and s.machine.item.id == "moment"


def test_repeat_asks_the_same_question_again(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    prompt = s.machine.item.prompt if s.machine.item else ""
    s.hear("can you say that again?")
    assert s.io.said[-2:] == [prompt, prompt]
    s.hear(ANSWER)
    turn = s.turn("moment")
    assert turn["events"] == ["command:repeat", "repeat"]
    assert turn["coach_lines"][:2] == [prompt, prompt]
    assert turn["answer"]["text"] == ANSWER


def test_skip_moves_on_without_an_answer(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    s.hear("next question")
    assert s.turn("moment")["answer"] is None
    assert s.turn("moment")["events"] == ["command:skip", "skip"]
    assert say.SKIPPED in s.turn("moment")["coach_lines"]
    assert s.machine.item is not None and s.machine.item.id == "body"


def test_pause_waits_long_hears_only_continue_or_stop_then_asks_again(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    prompt = s.io.said[-1]
    s.hear("hold on")
    assert s.machine.state is State.PAUSED
    assert s.io.said[-1] == say.PAUSED
    assert s.io.listens[-1] == s.machine.options.pause_wait
    s.hear("skip")  # not heard while paused
    assert s.machine.state is State.PAUSED and s.io.listening
    s.hear("I was thinking about what to say")
    assert s.machine.state is State.PAUSED
    s.hear("i'm ready")
    assert s.machine.state is State.LISTENING
    assert s.io.said[-1] == prompt
    s.hear(ANSWER)
    turn = s.turn("moment")
    assert turn["events"] == ["command:pause", "pause", "command:resume", "resume"]
    assert turn["answer"]["text"] == ANSWER


@pytest.mark.parametrize(
    ("heard", "asked"),
    [("continue to", "Did you want to go on?"), ("on", say.CONFIRM[Command.PAUSE])],
)
def test_a_resume_said_among_other_words_at_a_question_is_asked_about_as_itself(
    journal: Journal, heard: str, asked: str
) -> None:
    """kdl's "continue" said to a question was heard "continue to", the grammar choosing
    "continue" (0.89). Heard again without the resume phrases, it became "hold on" and the
    coach asked about a pause. A transcript that holds a resume phrase is asked about as that;
    one that kept only the end of one ("on": "go on" or "hold on") is heard again as before."""
    s = session(journal, mood_checkin=False)
    again = Recheck("hold on", 0.5)
    s.hear(heard, Recheck("continue" if heard != "on" else "go on", 0.89, over_coach=lambda: again))
    assert s.machine.state is State.CONFIRMING
    assert s.io.said[-1] == asked


def test_talk_while_paused_does_not_renew_the_wait_for_continue(journal: Journal) -> None:
    """A TV or a conversation in the room keeps being heard while paused: the session still
    ends when the pause's wait runs out, counted from when it began."""
    s = session(journal, mood_checkin=False)
    wait = s.machine.options.pause_wait
    s.io.now = seconds_to_samples(30.0)
    s.hear("hold on")
    assert s.io.listens[-1] == wait
    s.io.now += seconds_to_samples(200.0)
    s.hear("and then the weather for tomorrow")
    assert s.machine.state is State.PAUSED
    assert s.io.listens[-1] == wait - seconds_to_samples(200.0)
    s.io.now += wait
    s.hear("more news at ten")
    assert s.io.listens[-1] == 0  # the wait is over: no more time to listen
    s.silence()
    assert s.record.status is Status.STOPPED
    assert s.io.said[-1] == "We'll stop here for now."  # nothing was answered: nothing claimed
    s2 = session(journal, mood_checkin=False)  # a new pause waits in full again
    s2.hear("pause")
    s2.io.now += seconds_to_samples(100.0)
    s2.hear("continue")
    s2.hear("pause")
    assert s2.io.listens[-1] == wait


def test_a_long_pause_ends_the_session_politely(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    s.hear(ANSWER)
    s.hear("pause")
    s.silence()
    assert s.record.status is Status.STOPPED
    assert s.io.said[-1] == say.PAUSE_RAN_OUT == "We'll stop here for now. What you said is saved."


def test_a_stop_before_any_answer_does_not_say_what_was_said_is_saved(journal: Journal) -> None:
    s = session(journal)
    s.hear("stop")
    assert s.record.status is Status.STOPPED and s.record.turns[0].answer is None
    assert s.io.said[-1] == "All right, let's end here. Take care."


def test_stop_ends_the_session_and_keeps_every_answer(journal: Journal) -> None:
    s = session(journal)
    s.hear("seven")
    s.hear(ANSWER)
    s.hear("that's enough for today")
    record = s.record
    assert record.status is Status.STOPPED and record.ended_at
    assert s.io.said[-1] == say.STOPPED
    assert [t.prompt_id for t in record.turns] == ["mood-before", "moment", "body"]
    assert record.turns[1].answer is not None and record.turns[1].answer.text == ANSWER
    assert record.mood_after is None
    assert journal.get(record.id).status is Status.STOPPED


def test_help_lists_the_commands_in_one_line_then_asks_the_question_again(
    journal: Journal,
) -> None:
    s = session(journal, mood_checkin=False)
    prompt = s.io.said[-1]
    s.hear("what can i say")
    assert s.io.said[-1] == prompt
    line = s.io.said[-2]
    assert line.startswith("You can say: ") and "\n" not in line
    for word in ("repeat", "skip", "pause", "continue", "stop", "slower", "faster"):
        assert word in line
    assert s.machine.state is State.LISTENING and s.io.listening


def test_slower_and_faster_change_the_rate_for_the_rest_of_the_session(journal: Journal) -> None:
    s = session(journal, mood_checkin=False, rate_step=50)
    prompt = s.io.said[-1]
    s.hear("please speak slower")
    assert s.io.rate == 110 and s.io.said[-2:] == [say.SLOWER, prompt]
    s.hear("slower")
    assert s.io.rate == 80 and s.io.said[-2] == say.SLOWER
    s.hear("slow down")
    assert s.io.rate == 80 and s.io.said[-2] == say.SLOWEST
    s.hear("speak faster")
    assert s.io.rate == 130 and s.io.said[-2] == say.FASTER
    assert s.turn("moment")["events"] == [
        "command:slower",
        "command:slower",
        "command:slower",
        "command:faster",
    ]


def test_the_last_question_left_unanswered_or_capped_does_not_say_lets_go_on(
    journal: Journal,
) -> None:
    s = session(journal, mood_checkin=True)
    s.hear("seven")
    while s.machine.item is not None and not s.machine.item.is_mood:
        s.hear(ANSWER)
    s.silence()
    s.silence()  # the closing mood question, left unanswered: nothing comes after it
    assert say.LEFT_UNANSWERED in s.io.said and say.MOVE_ON not in s.io.said, s.io.said
    t = session(journal, mood_checkin=False)
    while t.machine.item is not None and t.machine.plan.has_next():
        t.hear(ANSWER)
    t.hear(ANSWER, capped=True)  # the last question's answer ran to the cap
    assert say.CAPPED_LAST in t.io.said and say.CAPPED not in t.io.said, t.io.said


def test_silence_gets_one_gentle_reprompt_then_the_coach_moves_on(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    prompt = s.io.said[-1]
    s.silence()
    assert s.io.said[-1] == say.REPROMPT.format(prompt=prompt)
    s.silence()
    assert say.MOVE_ON in s.io.said
    turn = s.turn("moment")
    assert turn["events"] == ["reprompt", "no-answer"] and turn["answer"] is None
    s.hear(ANSWER)  # the next question listens as usual
    assert s.turn("body")["answer"]["text"] == ANSWER


def test_no_reprompt_when_configured_off(journal: Journal) -> None:
    s = session(journal, mood_checkin=False, reprompts=0)
    s.silence()
    assert s.turn("moment")["events"] == ["no-answer"]


def test_an_answer_with_command_words_is_an_answer(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    s.hear("i need to stop judging myself so harshly", Recheck("end the session", 0.31))
    assert s.turn("moment")["answer"]["text"].startswith("i need to stop")
    assert s.turn("moment")["events"] == []


def test_a_misheard_command_is_taken_when_the_grammar_and_the_sound_agree(
    journal: Journal,
) -> None:
    s = session(journal, mood_checkin=False)
    s.hear("ricky", Recheck("repeat", 0.67))
    assert s.turn("moment")["events"] == ["command:repeat", "repeat"]


def test_a_capped_answer_gets_a_kind_word_and_is_never_a_command(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    s.hear("stop", capped=True)
    assert s.turn("moment")["answer"]["text"] == "stop"
    assert s.io.said[-2] == say.CAPPED


@pytest.mark.parametrize(
    ("reply", "status", "next_line"),
    [
        ("yes", Status.STOPPED, say.END_AFTER_SAFETY),
        ("continue", Status.RUNNING, say.CARRY_ON),
        ("no, I'd like to go on", Status.RUNNING, say.CARRY_ON),
        (None, Status.STOPPED, say.END_AFTER_SAFETY),
    ],
)
def test_danger_stops_the_exercise_gives_resources_and_offers_to_end(
    journal: Journal, reply: str | None, status: Status, next_line: str
) -> None:
    s = session(journal, mood_checkin=False, crisis_resources="Call 112 or your local line.")
    s.hear("sometimes i think about ending my life")
    assert s.machine.state is State.SAFETY
    resources = "Call 112 or your local line."
    assert s.io.said[-3:] == [say.NOT_A_CRISIS_SERVICE, resources, say.OFFER_END]
    assert s.record.safety_flag
    assert s.turn("moment")["events"] == ["safety"]
    assert s.turn("moment")["answer"]["text"] == "sometimes i think about ending my life"
    if reply is None:
        s.silence()
    else:
        s.hear(reply)
    assert s.record.status is status
    assert next_line in s.io.said
    if status is Status.RUNNING:
        assert s.machine.item is not None and s.machine.item.id == "body", "no follow-up"
        assert s.turn("moment")["events"] == ["safety", "carry-on"]
    assert journal.get(s.record.id).safety_flag


def test_danger_while_paused_is_heard_too(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    s.hear("pause")
    s.hear("he hits me when he is angry")
    assert s.machine.state is State.SAFETY and s.record.safety_flag


NOT_AFRAID = "i not afraid of him i just want him to listen"
"""The new-user trial's answer as PocketSphinx heard it (every word at confidence 0.99 or more)."""


@pytest.mark.parametrize(
    ("reply", "status", "flag", "last_line"),
    [
        ("yes i'm safe", Status.RUNNING, False, None),
        ("no i'm not safe", Status.STOPPED, True, say.END_AFTER_SAFETY),
        (None, Status.RUNNING, True, say.OFFER_END),  # no reply: the offer to end, flag kept
    ],
)
def test_a_denied_cue_is_asked_about_gently_not_alarmed(
    journal: Journal, reply: str | None, status: Status, flag: bool, last_line: str | None
) -> None:
    s = session(journal, mood_checkin=False, crisis_resources="Call 112 or your local line.")
    s.hear(NOT_AFRAID)
    assert s.machine.state is State.SAFETY
    assert say.NOT_A_CRISIS_SERVICE not in s.io.said
    assert s.io.said[-2:] == ["Call 112 or your local line.", say.MISHEARD]
    assert s.record.safety_flag, "flagged while the question is open (an interruption keeps it)"
    if reply is None:
        s.silence()
    else:
        s.hear(reply)
    assert s.record.status is status
    assert s.record.safety_flag is flag
    assert journal.get(s.record.id).safety_flag is flag
    if last_line is not None:
        assert s.io.said[-1] == last_line
    if reply == "yes i'm safe":
        assert say.SAFE_TO_GO_ON in s.io.said
        assert s.turn("moment")["events"] == ["safety-unsure", "carry-on"]
        assert s.turn("moment")["answer"]["text"] == NOT_AFRAID
        assert s.machine.item is not None and s.machine.item.id == "body", "no follow-up"


@pytest.mark.parametrize(
    "answer",
    [
        "i'm not safe",
        "i don't want to live anymore",
        "i can't go on",
        "no he hits me",
        "i'm not afraid of him but he hits me",
        "i don't know he hits me",
    ],
)
def test_negation_that_makes_danger_or_a_cue_not_denied_still_stops_the_exercise(
    journal: Journal, answer: str
) -> None:
    s = session(journal, mood_checkin=False)
    s.hear(answer)
    assert s.machine.state is State.SAFETY
    assert say.NOT_A_CRISIS_SERVICE in s.io.said and s.io.said[-1] == say.OFFER_END
    assert say.MISHEARD not in s.io.said
    assert s.turn("moment")["events"] == ["safety"]
    assert s.record.safety_flag


def test_safe_after_a_denied_cue_keeps_an_earlier_alarm_marked(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    s.hear("he hits me when he drinks")
    s.hear("continue")
    assert s.machine.state is not State.SAFETY and s.record.safety_flag
    s.hear("he never hurts me")
    assert s.io.said[-1] == say.MISHEARD
    s.hear("yes")
    assert s.record.safety_flag, "the first answer's alarm is not undone"
    assert journal.get(s.record.id).safety_flag


def test_first_run_note_is_said_once_and_the_state_file_keeps_its_other_keys(
    journal: Journal, tmp_path: Path
) -> None:
    state = tmp_path / "data" / "state.json"
    state.parent.mkdir()
    state.write_text(json.dumps({"active_model": "vosk-model-small-en-us-0.15"}))
    first = session(journal, first_run_file=state)
    assert first.io.said[0] == FIRST_RUN_NOTE
    assert first.record.opening_lines[0] == FIRST_RUN_NOTE
    assert json.loads(state.read_text()) == {
        "active_model": "vosk-model-small-en-us-0.15",
        "first_run_done": True,
    }
    assert state.stat().st_mode & 0o077 == 0
    second = session(journal, first_run_file=state)
    assert FIRST_RUN_NOTE not in second.io.said


def test_a_lost_device_pauses_without_listening_and_the_question_comes_back(
    journal: Journal,
) -> None:
    s = session(journal, mood_checkin=False)
    prompt = s.io.said[-1]
    s.machine.pause(reason="device-lost")
    assert s.machine.state is State.PAUSED and not s.io.listening
    s.machine.resume(reason="device-back", line="I can hear you again.")
    assert s.io.said[-2:] == ["I can hear you again.", prompt]
    assert s.io.listening
    assert s.turn("moment")["events"] == ["device-lost", "device-back"]


def test_a_lost_device_during_the_safety_offer_comes_back_to_the_offer(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    s.hear("i want to hurt myself")
    s.machine.pause(reason="device-lost")
    s.machine.resume(reason="device-back", line="I can hear you again.")
    assert s.machine.state is State.SAFETY
    assert s.io.said[-2:] == ["I can hear you again.", say.OFFER_END]
    assert s.turn("moment")["events"] == ["safety", "device-lost", "device-back"]


FOLLOW_UPS = """
id = "{id}"
title = "Follow-ups"
[opening]
say = ["Hello."]
[closing]
say = ["Bye."]
[[steps]]
id = "moment"
prompt = "What happened?"
acknowledge = "Thank you."
  [[steps.follow_ups]]
  id = "more"
  when = "short"
  max_words = 5
  prompt = "Can you say a little more?"
  [[steps.follow_ups]]
  id = "anger"
  when = "mentions"
  words = ["angry"]
  prompt = "What did the anger want?"
  acknowledge = "I hear you."
[[steps]]
id = "breathe"
type = "say"
prompt = "Let's take a breath."
[[steps]]
id = "again"
prompt = "Another moment?"
next = "end"
  [[steps.follow_ups]]
  id = "yes"
  when = "mentions"
  words = ["yes"]
  prompt = "Then think of it now."
  next = "moment"
"""


def test_follow_ups_are_chosen_by_what_was_said(journal: Journal, tmp_path: Path) -> None:
    path = tmp_path / "follow.toml"
    path.write_text(FOLLOW_UPS.format(id="follow"))
    s = Session(load_script(path), journal, CoachOptions()).start()
    s.hear("it was bad")  # short
    assert s.io.said[-1] == "Can you say a little more?"
    assert "Thank you." not in s.io.said, "no acknowledgement before a follow-up"
    s.hear("he came home late again and did not call me all evening")
    assert s.io.said[-3:] == ["Thank you.", "Let's take a breath.", "Another moment?"]
    s.hear("yes one more")
    assert s.io.said[-1] == "Then think of it now."
    s.hear("all right i have one in mind now")
    assert s.io.said[-1] == "What happened?"
    s.hear("then i went out because i was angry at him that night")
    assert s.io.said[-1] == "What did the anger want?"
    s.hear("it wanted me to be heard by him for once")
    assert s.io.said[-1] == "Another moment?"
    s.hear("no that is all for today thank you")
    assert s.record.status is Status.COMPLETED
    ids = [t.prompt_id for t in s.record.turns]
    assert ids == [
        "moment", "moment.more", "breathe", "again", "again.yes",
        "moment", "moment.anger", "breathe", "again",
    ]  # fmt: skip


def test_the_spotter_of_the_options_follows_the_language(journal: Journal) -> None:
    from voicecoach.config import settings_from_doc
    from voicecoach.wiring import coach_options

    config = settings_from_doc({"coach": {"language": "ko"}, "commands": {"min_agreement": 0.0}})
    options = coach_options(config, None)
    assert options.spotter == CommandSpotter(PhraseBook.build("ko"), 0.0)
    s = Session(find_script("patience", None), journal, options).start()
    s.hear("러시", Recheck("다시", 0.5))
    assert s.turn("mood-before")["events"] == ["command:repeat", "repeat"]
