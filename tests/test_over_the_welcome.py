"""Speech begun over the coach's welcome, before its first question was heard: no question
has been asked, so it answers none by itself. The coach stops, lets the person finish, asks
the question, and keeps what was said as the start of that question's answer; the welcome
lines never heard are not recorded as said. The same after a mood rating: a rating is
complete, so speech over the next question is the start of that question's answer, and a
number said over a mood question is that mood."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult, fixture_wav
from tests.room_session import audible
from tests.test_machine import ANSWER, session
from voicecoach.audio.wavfile import read_wav, write_wav
from voicecoach.coach.dialogue import State
from voicecoach.coach.plan import MOOD_BEFORE
from voicecoach.speech.events import Final, Utterance
from voicecoach.store.journal import Journal


def test_speech_before_the_first_question_is_kept_and_the_question_asked(
    journal: Journal,  # noqa: F811
) -> None:
    s = session(journal)  # the mood check-in first
    said = list(s.io.said)
    assert said[-1] == MOOD_BEFORE
    # The person spoke during the first opening line: the rest was never heard.
    s.machine.recorder.unsaid(tuple(said[1:]))
    assert s.record.opening_lines == (said[0],)
    s.io.listening = False
    s.machine.hear(Final(utterance=Utterance(ANSWER, (), 1.0, 6.0)), over_coach=True)
    assert s.io.said[-1] == MOOD_BEFORE  # asked (not "didn't catch the number")
    assert s.machine.state is State.LISTENING and s.io.listening
    s.hear("seven")
    assert s.record.mood_before == 7
    turn = s.turn("mood-before")
    assert turn["events"] == ["before-question"]
    assert turn["answer"]["text"] == f"{ANSWER} seven"


def test_a_number_said_over_the_welcome_is_no_mood_until_the_question_is_asked(
    journal: Journal,  # noqa: F811
) -> None:
    s = session(journal)
    said = list(s.io.said)
    s.machine.recorder.unsaid(tuple(said[1:]))  # the mood question was never heard
    s.io.listening = False
    s.machine.hear(Final(utterance=Utterance("about a six", (), 1.0, 2.0)), over_coach=True)
    assert s.io.said[-1] == MOOD_BEFORE and s.io.listening  # asked now
    assert s.record.mood_before is None
    s.hear("six")
    assert s.record.mood_before == 6
    turn = s.turn("mood-before")
    assert turn["events"][0] == "before-question"
    assert turn["coach_lines"][0] == MOOD_BEFORE


def test_a_number_said_over_the_welcome_then_silence_is_the_mood(
    journal: Journal,  # noqa: F811
) -> None:
    """The person said their number before the mood question and stays silent when it is
    asked (they have answered): the number is the mood, thanked, not "That's all right." and
    not asked a third time. Silence at any other question is still no answer."""
    s = session(journal)
    s.machine.recorder.unsaid(tuple(s.io.said[1:]))  # the mood question was never heard
    s.io.listening = False
    s.machine.hear(Final(utterance=Utterance("about a six", (), 1.0, 2.0)), over_coach=True)
    assert s.io.said[-1] == MOOD_BEFORE and s.record.mood_before is None
    s.silence()
    assert s.record.mood_before == 6
    turn = s.turn("mood-before")
    assert turn["answer"]["text"] == "about a six"
    assert turn["events"] == ["before-question"], turn
    assert turn["coach_lines"][-1] == "Thank you.", turn
    assert s.machine.state is State.LISTENING  # the first question is being asked
    question = s.io.said[-1]
    s.silence()
    assert s.io.said[-1].endswith(question) and s.io.said[-1] != question  # "Take your time."


def test_speech_over_the_question_after_a_rating_is_not_more_of_the_rating(
    journal: Journal,  # noqa: F811
) -> None:
    s = session(journal)
    s.hear("seven")
    prompt = s.io.said[-1]  # the first question, asked after "Thank you."
    s.io.listening = False
    s.machine.hear(Final(utterance=Utterance(ANSWER, (), 8.0, 12.0)), over_coach=True)
    assert s.io.said[-1] == prompt and s.io.listening  # asked again, whole
    s.hear("and then i went for a walk")
    assert s.record.mood_before == 7
    assert s.turn("mood-before")["answer"]["text"] == "seven"
    moment = s.turn("moment")
    assert moment["events"] == ["over-question"]
    assert moment["answer"]["text"] == f"{ANSWER} and then i went for a walk"


def test_a_number_over_the_closing_mood_question_is_the_mood(
    journal: Journal,  # noqa: F811
) -> None:
    s = session(journal, mood_checkin=True)
    s.hear("seven")
    while s.machine.item is not None and not s.machine.item.is_mood:
        s.hear(ANSWER)
    assert s.io.said[-1].startswith("And now")
    s.io.listening = False
    s.machine.hear(Final(utterance=Utterance("eight", (), 80.0, 80.5)), over_coach=True)
    assert s.record.mood_after == 8
    last_answer = [t for t in s.record.turns if t.prompt_id != "mood-after"][-1].answer
    assert last_answer is not None and "eight" not in last_answer.text


def test_a_long_answer_over_the_welcome_is_filed_under_the_question_then_asked(
    cli: Callable[..., CliResult], home: Path, tmp_path: Path
) -> None:
    """Through the CLI, PocketSphinx and the journal: 1 s in, a 30 s answer; the mood said
    after the question."""
    quiet = tmp_path / "quiet.wav"
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", quiet, "trim", "0", "1"],
                   check=True, timeout=30)  # fmt: skip
    pause = tmp_path / "pause.wav"
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", pause, "trim", "0", "9"],
                   check=True, timeout=30)  # fmt: skip
    mic = tmp_path / "mic.wav"
    parts = [quiet, fixture_wav("patience-1"), pause, fixture_wav("mood-7"), pause, pause]
    subprocess.run(["sox", *parts, mic], check=True, timeout=30)
    result = cli("session", "patience", "--mic-file", mic, "--fast", "--engine", "pocketsphinx",
                 "--json")  # fmt: skip
    assert result.code == 0, result.err
    record = result.json()
    first = record["turns"][0]
    assert first["prompt_id"] == "mood-before"
    assert first["events"][0] == "before-question"
    assert "partner" in first["answer"]["text"]
    assert record["mood_before"] == 3, first  # mood-7 says "three"
    assert first["coach_lines"][0] == MOOD_BEFORE
    assert "didn't catch" not in " ".join(first["coach_lines"])
    assert len(record["opening_lines"]) < 3


def test_speech_over_the_last_word_of_the_question_after_a_rating_answers_it(
    journal: Journal,  # noqa: F811
) -> None:
    s = session(journal)
    s.hear("seven")
    prompt = s.io.said[-1]
    s.io.listening = False
    s.machine.hear(
        Final(utterance=Utterance(ANSWER, (), 8.0, 12.0)), over_coach=True, nearly_said=True
    )
    assert s.io.said[-1] != prompt  # not asked again: the reply to the answer, then on
    moment = s.turn("moment")
    assert moment["answer"]["text"] == ANSWER and "over-question" not in moment["events"]
    assert moment["coach_lines"].count(prompt) == 1


def test_an_answer_begun_just_before_the_question_ends_is_its_answer(
    cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the CLI and PocketSphinx: the mood, then an answer begun 0.8 s before the first
    question is over (timed on a first run with nobody answering it). The question is not
    asked again, and the answer is that question's alone."""

    def run(name: str, answer_at: float | None) -> tuple[dict[str, Any], Path]:
        home = tmp_path / name
        home.mkdir()
        monkeypatch.setenv("VOICECOACH_HOME", str(home))
        rate = 16000
        mood = read_wav(fixture_wav("mood-1"))  # "seven"
        pcm = bytes(2 * rate * MOOD_AT_S) + mood
        if answer_at is not None:
            pcm += bytes(2 * (round(answer_at * rate) - len(pcm) // 2)) + read_wav(
                fixture_wav("patience-1")
            )
        mic, speaker = tmp_path / f"{name}.wav", tmp_path / f"{name}-coach.wav"
        write_wav(mic, pcm + bytes(2 * rate * 8))
        result = cli("session", "patience", "--mic-file", mic, "--speaker-file", speaker,
                     "--fast", "--engine", "pocketsphinx", "--json")  # fmt: skip
        assert result.code == 0, result.err
        return result.json(), speaker

    first, speaker = run("timing", None)
    assert first["mood_before"] == 7, first["turns"][0]
    mood_said = MOOD_AT_S + 1.0
    spans = [span for span in audible(speaker) if span[0] > mood_said]  # "Thank you.", the question
    question_end = next(
        this[1] for this, after in zip(spans, spans[1:], strict=False) if after[0] - this[1] >= 2
    )  # then the coach waits
    record, _ = run("answered", question_end - 1.1)  # its speech begins 0.3 s in
    moment = next(t for t in record["turns"] if t["prompt_id"] == "moment")
    assert moment["answer"] is not None and "partner" in moment["answer"]["text"], moment
    assert "over-question" not in moment["events"], moment
    assert moment["coach_lines"].count(moment["prompt"]) == 1, moment
    assert len(record["turns"]) >= 3  # the reply, and the next question


MOOD_AT_S = 16
"""When the mood is said: the first-run note, the welcome and the mood question are over."""
