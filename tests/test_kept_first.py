"""What the person said is on disk before the coach moves on: the real session machine and
recorder writing a real journal, read back from the write-ahead file as a crash would leave it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import fixture_wav
from tests.test_listen_device_loss import UnpluggedOnSecondQuestion, run_mini
from tests.test_machine import ANSWER, Session, session
from voicecoach.audio.devices import RetryPolicy
from voicecoach.coach import options as say
from voicecoach.errors import AudioDeviceError
from voicecoach.frames import AudioChunk, seconds_to_samples
from voicecoach.review.cells import NO_ANSWERS, status_word
from voicecoach.store.journal import Journal
from voicecoach.store.records import SessionRecord, Status
from voicecoach.store.writeahead import RunningFile


def on_disk(s: Session) -> SessionRecord:
    """The running session as its write-ahead file holds it (what a SIGKILL would leave)."""
    record = RunningFile(s.journal.folder / "running", s.record.id).read()
    assert record is not None
    return record


def test_a_mood_heard_without_a_number_is_kept_before_it_is_asked_again(
    journal: Journal,
) -> None:
    s = session(journal)
    said_when_asked: list[SessionRecord] = []
    speak = s.io.say

    def say_and_look(text: str, pause: float = 0.0, **how: bool) -> None:
        if text == say.MOOD_AGAIN:
            said_when_asked.append(on_disk(s))
        speak(text, pause, **how)  # every flag passed on as the machine gave it

    s.io.say = say_and_look  # type: ignore[method-assign]
    s.hear("last night my partner came home late")
    (before,) = said_when_asked
    answer = before.turns[-1].answer
    assert answer is not None and answer.text == "last night my partner came home late"
    assert before.turns[-1].events == ("mood-reask",)
    s.hear("about a six")
    assert s.record.mood_before == 6
    mood = on_disk(s).turns[0]
    assert mood.answer is not None
    assert mood.answer.text == "last night my partner came home late about a six"


def test_noise_without_words_is_no_answer_and_a_session_of_it_ends_unanswered(
    journal: Journal,
) -> None:
    s = session(journal, mood_checkin=False)
    for _ in range(40):  # every question, asked again once, hears only noise capped at length
        if s.machine.finished:
            break
        s.hear("", capped=True)
    assert s.machine.finished
    turns = s.record.turns
    assert len(turns) >= 5 and all(t.answer is None for t in turns)
    assert all("no-answer" in t.events for t in turns)
    assert s.record.status is Status.UNANSWERED
    (kept,) = journal.records()
    assert kept.status is Status.UNANSWERED and all(t.answer is None for t in kept.turns)


def test_one_answer_among_the_noise_makes_the_session_completed(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    s.hear(ANSWER)
    for _ in range(40):
        if s.machine.finished:
            break
        s.hear("", capped=True)
    (kept,) = journal.records()
    assert kept.status is Status.COMPLETED
    assert [t.answer.text for t in kept.turns if t.answer is not None] == [ANSWER]


def test_an_unanswered_session_reads_as_no_answers_like_an_older_empty_completed_one() -> None:
    assert status_word(Status.UNANSWERED, 0) == NO_ANSWERS
    assert status_word(Status.COMPLETED, 0) == NO_ANSWERS
    assert status_word(Status.COMPLETED, 1) == "completed"
    assert status_word(Status.STOPPED, 0) == "stopped"


class UnpluggedMidAnswer(UnpluggedOnSecondQuestion):
    """A scripted user whose microphone goes away 3 s into the second answer, for good."""

    def __init__(self, answers: list[Path]) -> None:
        super().__init__(answers, failures=10_000)
        self._cut_at: int | None = None

    def frames(self) -> Iterator[AudioChunk]:
        for chunk in self._inner.frames():
            if self._cut_at is not None and chunk.start >= self._cut_at:
                raise AudioDeviceError("the microphone stopped sending audio")
            yield chunk

    def listening(self, at: int) -> None:
        self._listens += 1
        self._inner.listening(at)
        if self._listens == 2:
            self._cut_at = at + seconds_to_samples(3.0)


@pytest.mark.slow
def test_words_heard_before_the_microphone_went_are_kept_cut_short(home: Path) -> None:
    source = UnpluggedMidAnswer([fixture_wav("patience-1"), fixture_wav("patience-2")])
    record = run_mini(home, source, RetryPolicy(every_s=0.01, give_up_s=0.1))
    assert record.status is Status.STOPPED
    first, second = record.turns
    assert first.answer is not None and "partner" in first.answer.text
    assert second.answer is not None, second.events
    said = second.answer.text.split()  # "i felt it in my chest …" (19 words), cut at 3 s
    assert said[:2] == ["i", "felt"] and len(said) < 15, second.answer.text
    assert second.events[:2] == ("cut-short", "device-lost")
