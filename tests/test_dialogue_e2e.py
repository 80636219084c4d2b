"""Whole spoken sessions for each answer class, through the real CLI, PocketSphinx and journal.

The scripted user (`--answers`) speaks one WAV per listening turn (see test_machine_e2e.py):
"I don't know", "it's all my fault", "I felt afraid …", "dinner"; a second session of the same
practice looks back at the step named in the first; the concern practice checks a concern said
out loud; "six or seven" at the mood question is asked which; a feeling word not said as felt
is not said back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import STREAMING_WORDS, CliResult
from tests.test_machine_e2e import config, heard, run, turns
from voicecoach.coach import answers
from voicecoach.coach.script import find_script

PATIENCE = find_script("patience", None)
PRAISE = ("thank you for", "brave", "kind and doable", "makes sense", "well done", "great")


def lines_of(turn: dict[str, Any]) -> list[str]:
    return list(turn["coach_lines"])


@pytest.mark.slow
def test_each_answer_class_gets_its_reply_and_the_next_session_looks_back(
    home: Path, cli: Callable[..., CliResult]
) -> None:
    config(home, "[coach]\nmood_checkin = false\n[listen]\nno_answer_s = 3.0\n")
    record = run(
        cli,
        "patience",
        "dialogue-unsure-1",  # "I don't know": a gentler example, no praise
        "patience-1",  # the example answered
        "dialogue-harsh-1",  # "It's all my fault": a reframe
        "dialogue-feeling-1",  # "I felt afraid …": reflected back
        "dialogue-short-1",  # "Dinner.": one follow-up for a little more
        "patience-4",
        "dialogue-step-1",  # "I could take a few slow breaths before I answer."
    )
    assert record["status"] == "completed"
    by_id = turns(record)
    steps = {s.id: s for s in PATIENCE.steps}
    unsure = lines_of(by_id["moment"])
    assert unsure == [steps["moment"].prompt]  # no acknowledgement: straight to the example
    assert by_id["moment.example"]["prompt"] == steps["moment"].follow_ups[0].prompt
    assert not any(p in " ".join(unsure).lower() for p in PRAISE)
    assert heard(by_id["body"], "dialogue-harsh-1")
    assert lines_of(by_id["body"])[1] in answers.REFRAMES
    assert lines_of(by_id["underneath"])[1].startswith("It sounds like you felt afraid.")
    assert by_id["other-side.more"]["prompt"] == answers.MORE
    assert heard(by_id["next-time"], "dialogue-step-1")

    second = run(cli, "patience", "dialogue-win-1", "cmd-stop")
    look = turns(second)["look-back"]
    assert look["prompt"] == (
        "Last time you said you could take a few slow breaths before you answer. How did that go?"
    )
    assert lines_of(look)[1] == answers.WIN
    assert second["status"] == "stopped"


@pytest.mark.slow
def test_a_concern_said_out_loud_is_checked_and_tried_once_more(
    home: Path, cli: Callable[..., CliResult]
) -> None:
    config(home, "[coach]\nmood_checkin = false\n[listen]\nno_answer_s = 3.0\n" + STREAMING_WORDS)
    record = run(
        cli,
        "saying-a-concern",
        "patience-1",
        "dialogue-concern-2",  # "You always ignore my messages."
        "dialogue-concern-1",  # "I feel worried when you come home late, and I need …"
        "cmd-stop",
    )
    by_id = turns(record)
    first = lines_of(by_id["rehearse"])[1]
    assert "I noticed the word you always" in first
    assert by_id["rehearse.again"]["answer"] is not None
    assert "clear and kind" in lines_of(by_id["rehearse.again"])[1]


@pytest.mark.slow
def test_six_or_seven_is_asked_which_and_the_mood_kept(
    home: Path, cli: Callable[..., CliResult]
) -> None:
    config(home, "[listen]\nno_answer_s = 3.0\n" + STREAMING_WORDS)
    record = run(cli, "small-wins", "dialogue-either-1", "mood-1", "cmd-stop")
    assert record["mood_before"] == 7
    mood = turns(record)["mood-before"]
    assert "mood-reask" in mood["events"]
    assert "Which is closer, 6 or 7?" in lines_of(mood)


NEW_PRACTICES = ("where-it-comes-from", "saying-a-concern", "supporting-a-partner", "small-wins")


@pytest.mark.slow
@pytest.mark.parametrize("topic", NEW_PRACTICES)
def test_every_new_practice_runs_end_to_end(
    home: Path, cli: Callable[..., CliResult], topic: str
) -> None:
    config(
        home,
        "[coach]\nmood_checkin = false\n[listen]\nno_answer_s = 2.0\nreprompts = 0\n"
        + STREAMING_WORDS,
    )
    assert topic in cli("sessions", "list", "--json").out
    script = find_script(topic, None)
    record = run(cli, topic, *(["dialogue-step-1"] * len(script.steps)))
    assert record["status"] == "completed"
    asked = [t["prompt_id"] for t in record["turns"] if "." not in t["prompt_id"]]
    assert asked == [s.id for s in script.steps]
    assert record["turns"][0]["answer"] is not None


def test_the_goodbye_after_ctrl_c_is_at_most_a_second(tmp_path: Path) -> None:
    from voicecoach.audio.voice import trim_trailing_silence
    from voicecoach.coach import options as say
    from voicecoach.speech.tts import TextToSpeech

    pcm = trim_trailing_silence(TextToSpeech(tmp_path / "voice").render(say.GOODBYE))
    assert 0.2 < len(pcm) / 2 / 16000 <= 1.0


@pytest.mark.slow
def test_ctrl_c_ends_with_a_goodbye_and_keeps_the_answers(home: Path, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import fixture_wav
    from voicecoach.coach import options as say

    config(home, "[coach]\nmood_checkin = false\n")
    env = {**os.environ, "VOICECOACH_HOME": str(home), "PYTHONPATH": str(Path.cwd())}
    answers = [fixture_wav("patience-1"), fixture_wav("patience-2")]
    proc = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "session", "patience", "--engine", "pocketsphinx"]
        + ["--speaker-file", str(tmp_path / "coach.wav"), "--answers", *map(str, answers)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    seen = ""
    assert proc.stderr is not None
    while time.monotonic() < deadline:  # real time: the first answer is heard and kept
        line = proc.stderr.readline()
        seen += line
        if not line or "Thank you for describing" in line:
            break
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err  # Ctrl-C, after the session was ended well
    assert say.GOODBYE in seen + err
    shown = json_of(home)
    assert shown["status"] == "stopped"
    assert shown["turns"][0]["answer"] is not None


def json_of(home: Path) -> dict[str, Any]:
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "VOICECOACH_HOME": str(home), "PYTHONPATH": str(Path.cwd())}
    out = subprocess.run(
        [sys.executable, "-m", "voicecoach", "history", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    last = json.loads(out)[-1]
    shown = subprocess.run(
        [sys.executable, "-m", "voicecoach", "show", last["id"], "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: dict[str, Any] = json.loads(shown)
    return result


@pytest.mark.slow
def test_a_short_answer_the_grammar_alone_took_for_go_on_is_kept(
    home: Path, cli: Callable[..., CliResult]
) -> None:
    """slt's "Mum." is heard "on", which the command grammar takes for "go on" (0.67): nothing
    is paused at a question, so the coach only said "I'm listening." and the answer was lost.
    It is asked about first; "no, thank you" keeps it as a short answer, which gets the
    follow-up for one. "continue" said at a question still only tells the coach to listen on."""
    config(home, "[coach]\nmood_checkin = false\n[listen]\nno_answer_s = 3.0\n")
    answers = ("dialogue-mum-1", "dialogue-no-2", "patience-1", "cmd-continue", "cmd-stop")
    record = run(cli, "patience", *answers)
    by_id = turns(record)
    moment = by_id["moment"]
    assert moment["events"] == ["confirm:resume"], moment
    assert "Did you want to go on?" in lines_of(moment) and "I'm listening." not in lines_of(moment)
    assert len(moment["answer"]["text"].split()) <= 2, moment["answer"]
    assert heard(by_id["moment.more"], "patience-1")
    assert by_id["body"]["events"] == ["command:resume", "command:stop"]
    assert "I'm listening." in lines_of(by_id["body"])


@pytest.mark.slow
def test_a_denied_danger_word_is_asked_about_gently_and_a_yes_goes_on_unflagged(
    home: Path, cli: Callable[..., CliResult]
) -> None:
    from voicecoach.coach import options as say
    from voicecoach.config import DEFAULT_CRISIS_RESOURCES

    # "I'm not afraid of him, I just want him to listen." (the new-user trial's answer), "yes".
    record = run(cli, "communication", "mood-1", "safety-denied-1", "reply-yes", "cmd-stop")
    concern = turns(record)["concern"]
    assert heard(concern, "safety-denied-1")
    assert concern["events"] == ["safety-unsure", "carry-on"]
    assert say.NOT_A_CRISIS_SERVICE not in concern["coach_lines"]
    assert say.OFFER_END not in concern["coach_lines"]
    assert concern["coach_lines"][1:3] == [DEFAULT_CRISIS_RESOURCES, say.MISHEARD]
    assert say.SAFE_TO_GO_ON in str(record)
    assert record["safety_flag"] is False
    assert record["status"] == "stopped"  # by the "stop" said to the next question


@pytest.mark.slow
def test_a_denied_feeling_is_not_reflected_and_a_feeling_is_no_step_to_look_back_at(
    home: Path, cli: Callable[..., CliResult]
) -> None:
    """ "I was not angry at all, I just stayed quiet" is not said back as "you felt angry" (the
    tone grammar hears "i'm angry" there; the open transcript's "not" denies it); "I felt
    afraid and lonely" at the step question is no step: reflected, asked for one small thing,
    not praised, and not looked back at next time."""
    config(home, "[coach]\nmood_checkin = false\n[listen]\nno_answer_s = 3.0\n")
    record = run(
        cli,
        "patience",
        "patience-1",
        "dialogue-notangry-1",
        "patience-3",
        "patience-4",
        "dialogue-feelingonly-1",
        "dialogue-feelingonly-1",
    )
    assert record["status"] == "completed"
    by_id = turns(record)
    steps = {s.id: s for s in PATIENCE.steps}
    assert heard(by_id["body"], "dialogue-notangry-1")
    assert lines_of(by_id["body"])[1:] == [steps["body"].acknowledge]
    assert heard(by_id["next-time"], "dialogue-feelingonly-1")
    assert lines_of(by_id["next-time"])[1:] == ["It sounds like you felt afraid."]
    follow = by_id["next-time.one-thing"]
    assert follow["prompt"] == steps["next-time"].follow_ups[-1].prompt
    assert lines_of(follow)[1:] == [f"It sounds like you felt afraid. {answers.NAMED}"]
    said = " ".join(line for t in record["turns"] for line in t["coach_lines"]).lower()
    assert "angry" not in said and "doable" not in said

    second = run(cli, "patience", "patience-1", "cmd-stop")
    assert "look-back" not in turns(second)
    assert second["turns"][0]["prompt_id"] == "moment"


@pytest.mark.slow
def test_no_reply_to_did_you_want_to_end_asks_the_question_again_and_ends_nothing(
    home: Path, cli: Callable[..., CliResult]
) -> None:
    """ "End the session", heard "and the session", is asked about first. Silence then is no
    stop and no answer: the question is asked again, and its answer is the one kept, with no
    follow-up asking for more of "and the session". The same words said in reply to the
    question about them are meant: the session ends."""
    from tests.conftest import FIXTURES
    from voicecoach.coach import options as say

    config(home, "[coach]\nmood_checkin = false\n[listen]\nno_answer_s = 3.0\n" + STREAMING_WORDS)
    record = run(
        cli,
        "patience",
        "patience-1",
        "cmd-end-the-session",
        FIXTURES / "silence-10s.wav",  # no reply within 3 s
        "patience-2",
        "patience-3",
        "cmd-end-the-session",
        "cmd-end-the-session",
    )
    by_id = turns(record)
    assert list(by_id) == ["moment", "body", "underneath", "other-side"]
    body = by_id["body"]
    assert body["events"] == ["confirm:stop", "unconfirmed"], body
    prompt = PATIENCE.steps[1].prompt
    asked = [prompt, "Did you want to end the session?", say.ASK_AGAIN.format(prompt=prompt)]
    assert lines_of(body)[:3] == asked
    assert heard(body, "patience-2")
    assert heard(by_id["underneath"], "patience-3")
    assert record["status"] == "stopped"
    other = by_id["other-side"]
    assert other["events"] == ["confirm:stop", "command:stop"], other
    assert other["answer"] is None and lines_of(other)[-1] == say.STOPPED


@pytest.mark.slow
def test_hold_on_heard_as_go_on_at_a_question_is_asked_about_as_a_pause(
    home: Path, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    """en-us+m3's "hold on" is heard "are you" by the open model and "go on" by the whole
    command grammar: nothing is paused at a question, so the audio is heard again without the
    resume phrases, and the pause heard then is asked about; "yes" pauses the coach."""
    from tests.test_moods_heard import spoken

    config(home, "[coach]\nmood_checkin = false\n[listen]\nno_answer_s = 3.0\n")
    hold_on = spoken("en-us+m3", "hold on", tmp_path)
    record = run(cli, "patience", hold_on, "dialogue-yes-1", "cmd-continue", "cmd-stop")
    moment = turns(record)["moment"]
    assert moment["events"][:2] == ["confirm:pause", "command:pause"], moment
    assert "Did you want to go on?" not in lines_of(moment)


@pytest.mark.slow
def test_hold_on_said_again_to_the_question_about_a_pause_pauses(
    home: Path, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    """The reply to "Did you want to pause for a moment?" is the same "hold on", heard again as
    "go on" by the whole grammar: it is the pause said again, not an answer to the question."""
    from tests.test_moods_heard import spoken

    config(home, "[coach]\nmood_checkin = false\n[listen]\nno_answer_s = 3.0\n")
    hold_on = spoken("en-us+m3", "hold on", tmp_path)
    record = run(cli, "patience", hold_on, hold_on, "cmd-continue", "cmd-stop")
    moment = turns(record)["moment"]
    assert moment["events"][:2] == ["confirm:pause", "command:pause"], moment
    assert moment["answer"] is None or "on" not in moment["answer"]["text"].split(), moment


@pytest.mark.slow
def test_a_feeling_word_not_said_as_felt_is_not_reflected(
    home: Path, cli: Callable[..., CliResult]
) -> None:
    """ "My boss called me during dinner and I hung up on him." is heard while streaming as
    "nine bass calm me during dinner ...": "calm" with no lead word before it is not the
    person's feeling (the journal keeps the whole decode, "my boss company ..."); the reply is
    the one to a full answer, and no "It sounds like you felt …"."""
    record = run(cli, "patience", "mood-1", "dialogue-boss-1", "dialogue-chest-1", "cmd-stop")
    assert record["status"] == "stopped" and record["mood_before"] == 7
    moment = turns(record)["moment"]
    assert "dinner" in moment["answer"]["text"]
    assert lines_of(moment)[1:] == [PATIENCE.steps[0].acknowledge]
    assert "calm" not in " ".join(lines_of(moment)).lower()


@pytest.mark.slow
def test_a_session_nobody_answers_ends_after_two_questions_left_unanswered(
    home: Path, cli: Callable[..., CliResult]
) -> None:
    """Nobody there (a false wake, someone called away): each question is asked again once,
    and after the second left with no answer at all the coach says so and ends, instead of
    asking every question of the practice to an empty room. Words heard in between (here an
    answer to the first question) start the count again."""
    from tests.conftest import FIXTURES
    from voicecoach.coach import options as say

    config(home, "[coach]\nmood_checkin = false\n[listen]\nno_answer_s = 3.0\n")
    silence = FIXTURES / "silence-10s.wav"
    record = run(cli, "patience", "patience-1", *[silence] * 4)
    by_id = turns(record)
    assert list(by_id) == ["moment", "body", "underneath"], list(by_id)
    assert heard(by_id["moment"], "patience-1")
    assert by_id["body"]["events"] == ["reprompt", "no-answer"], by_id["body"]
    assert by_id["underneath"]["events"] == ["reprompt", "no-answer", "gone-quiet"]
    assert record["status"] == "stopped"
    last = lines_of(by_id["underneath"])[-1]
    assert last == say.ending_line(say.GONE_QUIET, True, False, True), last

    record = run(cli, "patience", *[silence] * 4)
    assert list(turns(record)) == ["moment", "body"] and record["status"] == "unanswered"
    last = lines_of(turns(record)["body"])[-1]
    assert last == say.ending_line(say.GONE_QUIET, True, False, False), last

    quiet = "[coach]\nmood_checkin = false\n[listen]\nno_answer_s = 3.0\nquiet_questions = 0\n"
    config(home, quiet)
    record = run(cli, "patience", *[silence] * 10)
    assert len(record["turns"]) == len(PATIENCE.steps), "quiet_questions = 0: every question"
    assert record["status"] == "unanswered"
