"""Speech too soft to be heard well: the coach asks once to come closer or speak up.

Whole spoken sessions through the real CLI, PocketSphinx and journal, with the festival
fixtures turned down 36 dB in the test (a person across the room, or a microphone turned low):
the request is said once in the session, whatever was heard is kept, and the same session at
the fixtures' own level never hears it. The level itself (``Final.level``) is measured by the
real listener on the same audio.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import CliResult, fixture_text, fixture_wav
from tests.test_listener import run as listen_to
from tests.test_listener import silence, timing
from tests.test_machine import session
from tests.test_machine_e2e import config, heard, run, turns
from voicecoach.audio.wavfile import read_wav, write_wav
from voicecoach.coach import options as say
from voicecoach.coach.plan import MOOD_BEFORE
from voicecoach.config import SPEAK_UP_DBFS
from voicecoach.frames import SAMPLE_RATE
from voicecoach.speech.events import Final, NoAnswer, Utterance
from voicecoach.speech.listener import Listener
from voicecoach.speech.scoring import word_error_rate
from voicecoach.speech.sphinx_engine import SphinxRecognizer
from voicecoach.store.journal import Journal

QUIET_DB = 36.0
"""How far the answers are turned down: the new user's trial (``sox … vol -36dB``)."""


def turned_down(pcm: bytes, db: float) -> bytes:
    """16 kHz int16 ``pcm`` made ``db`` dB quieter."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    return np.round(samples * 10 ** (-db / 20)).astype("<i2").tobytes()


def softer(name: str, db: float, folder: Path) -> Path:
    """The fixture ``name`` turned down ``db`` dB, written as a WAV in ``folder``."""
    path = folder / f"{name}-minus-{db:g}dB.wav"
    write_wav(path, turned_down(read_wav(fixture_wav(name)), db))
    return path


def coach_lines(record: dict[str, Any]) -> list[str]:
    return [line for turn in record["turns"] for line in turn["coach_lines"]]


def test_the_listener_gives_each_answer_its_speech_level() -> None:
    """Ordinary speech measures well above the threshold, the same 36 dB down well below."""
    sphinx = SphinxRecognizer()
    pcm = read_wav(fixture_wav("patience-1"))
    levels = []
    for db in (0.0, QUIET_DB):
        scaled = turned_down(pcm, db)
        listener = Listener(sphinx, timing(), redecode=False)
        events = listen_to(listener, silence(0.5) + scaled + silence(3))
        final = events[0][1]
        assert isinstance(final, Final) and final.level is not None, events
        levels.append(final.level)
    loud, quiet = levels
    assert -26.0 < loud < -12.0, loud
    assert loud - quiet == pytest.approx(QUIET_DB, abs=1.5)
    assert quiet < SPEAK_UP_DBFS - 2.0, quiet


def test_speech_too_soft_to_make_out_asks_to_speak_up_once(journal: Journal) -> None:
    """A turn that heard a person speak without a word made out (``NoAnswer.level``): the
    request to speak up comes before the question asked again, instead of "Take your time.";
    once a session, so the next time is the usual reprompt."""
    s = session(journal, mood_checkin=False, speak_up_below=SPEAK_UP_DBFS)
    question = s.io.said[-1]
    s.io.listening = False
    s.machine.hear(NoAnswer(waited=12.0, level=-57.0))
    assert s.io.said[-2:] == [say.SPEAK_UP, question]
    s.hear("last night my partner came home late and i felt my patience run out")
    question = s.io.said[-1]
    s.io.listening = False
    s.machine.hear(NoAnswer(waited=12.0, level=-57.0))
    assert s.io.said[-1] == say.REPROMPT.format(prompt=question)
    assert s.io.said.count(say.SPEAK_UP) == 1
    assert s.turn("moment")["events"] == ["reprompt", "speak-up"]
    # Silence (nothing voiced), speech at an ordinary level and soft sound that began while the
    # coach spoke (where its own echo begins) are no reason to ask.
    t = session(journal, mood_checkin=False, speak_up_below=SPEAK_UP_DBFS)
    t.silence()
    t.hear("dinner")
    t.io.listening = False
    t.machine.hear(NoAnswer(waited=12.0, level=-57.0), over_coach=True)
    assert say.SPEAK_UP not in t.io.said


FAR_DB = 20.0
"""How much quieter the person is after walking across the room (the room trial's -22 → -42
dBFS): far enough under their own level for the voice detector to take it for background."""


def far_answer(first: bytes, second: bytes, after: bytes) -> NoAnswer:
    """The NoAnswer of a turn that follows a turn answered with ``first``: ``second`` (20 dB
    down) then ``after`` until the wait runs out."""
    listener = Listener(SphinxRecognizer(), timing(no_answer=8.0), redecode=False)
    answered = listen_to(listener, silence(0.5) + first + silence(3))
    assert isinstance(answered[0][1], Final), answered
    events = listen_to(listener, second + after, start=round(answered[-1][0] * SAMPLE_RATE))
    assert len(events) == 1 and isinstance(events[0][1], NoAnswer), events
    return events[0][1]


def test_an_answer_from_across_the_room_is_told_as_far_speech() -> None:
    """Once the person has been heard, an answer 20 dB under their level is taken for
    background and gives no words; the turn's NoAnswer tells of it (``far``, its level), so the
    coach can ask them to come closer: begun after the turn opened, or ended well before the
    wait ran out. Far speech going on from the turn's opening until the wait runs out (a TV
    talking on) is not told."""
    near = read_wav(fixture_wav("patience-1"))
    far = turned_down(read_wav(fixture_wav("patience-2")), FAR_DB)
    at_once = far[len(silence(0.3)) :]  # the fixture's leading silence cut: speech from 0 s
    told = far_answer(near, silence(0.5) + far, silence(8.0))
    assert told.far is not None and told.far < -35.0, told
    assert told.level is None, told  # nothing at the person's level
    ended = far_answer(near, at_once, silence(8.0))
    assert ended.far is not None, ended
    talking_on = far_answer(near, at_once, far * 3)
    assert talking_on.far is None, talking_on
    quiet = far_answer(near, silence(9.0), b"")
    assert quiet.far is None, quiet


def test_speech_over_a_question_asked_again_answers_it(journal: Journal) -> None:
    """The new user's fault: after an answer, the next question got no answer (said from
    across the room); asked again after the request to come closer, the person began over it,
    and their words were joined to the previous answer ("continued") while the question was
    asked a third time. Speech over a question asked again answers that question; over a
    question asked for the first time right after an answer, it still continues that answer."""
    for no_answer in (NoAnswer(waited=12.0, far=-44.0), NoAnswer(waited=12.0)):
        s = session(journal, mood_checkin=False, speak_up_below=SPEAK_UP_DBFS)
        s.hear("last night my partner came home late and i felt my patience run out")
        question = s.record.turns[-1].prompt_id  # the second question ("body")
        s.io.listening = False
        s.machine.hear(no_answer)
        assert s.io.listening, s.io.said
        s.io.listening = False
        over = Utterance("i think i was worried that i am not important to her", (), 1.0, 4.0)
        s.machine.hear(Final(utterance=over), over_coach=True)
        turn = s.turn(question)
        assert turn["answer"]["text"] == over.text, turn
        assert "continued" not in s.turn("moment")["events"]
    s = session(journal, mood_checkin=False, speak_up_below=SPEAK_UP_DBFS)
    s.hear("last night my partner came home late")
    s.io.listening = False
    more = Utterance("and i felt my patience run out", (), 1.0, 3.0)
    s.machine.hear(Final(utterance=more), over_coach=True)
    assert s.turn("moment")["events"] == ["continued"]


@pytest.mark.slow
def test_an_answer_from_across_the_room_asks_to_come_closer(
    home: Path, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    """The room trial's fault: the person answered one question at their own level, the next
    from across the room, 20 dB down; that answer was taken for background, lost, and met with
    "Take your time.". Now the coach asks them to come closer before asking again, and the
    answer said again at their level is kept."""
    config(home, "[coach]\nmood_checkin = false\n[listen]\nno_answer_s = 10.0\n")
    far = softer("patience-2", FAR_DB, tmp_path)
    record = run(cli, "patience", "patience-1", far, "patience-2")
    body = turns(record)["body"]
    assert body["events"] == ["reprompt", "speak-up"], body
    assert body["coach_lines"][:3] == [body["prompt"], say.SPEAK_UP, body["prompt"]], body
    assert heard(body, "patience-2"), body
    assert heard(turns(record)["moment"], "patience-1")


@pytest.mark.slow
def test_a_soft_spoken_session_is_asked_once_to_speak_up_and_its_words_are_kept(
    home: Path, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    """Two answers 36 dB down: both are kept as heard, and only the first gets the request
    (after its reply, before the next question). The same answers at their own level: never."""
    config(home, "[coach]\nmood_checkin = false\n[listen]\nno_answer_s = 3.0\n")
    first, second = (
        softer("patience-1", QUIET_DB, tmp_path),
        softer("patience-2", QUIET_DB, tmp_path),
    )
    record = run(cli, "patience", first, second)
    by_id = turns(record)
    lines = coach_lines(record)
    assert lines.count(say.SPEAK_UP) == 1, lines
    moment = by_id["moment"]
    assert moment["events"] == ["speak-up"], moment
    assert moment["coach_lines"][-1] == say.SPEAK_UP
    assert lines[lines.index(say.SPEAK_UP) + 1] == by_id["body"]["prompt"]
    for turn, name in ((moment, "patience-1"), (by_id["body"], "patience-2")):
        assert turn["answer"] is not None, turn  # no word heard is dropped
        assert word_error_rate(fixture_text(name), turn["answer"]["text"]) < 0.7, turn
    assert "speak-up" not in by_id["body"]["events"]

    loud = run(cli, "patience", "patience-1", "patience-2")
    assert say.SPEAK_UP not in coach_lines(loud)
    assert all("speak-up" not in turn["events"] for turn in loud["turns"])
    assert heard(turns(loud)["moment"], "patience-1") and heard(turns(loud)["body"], "patience-2")


@pytest.mark.slow
def test_a_soft_reply_to_the_mood_question_is_asked_again_after_the_request(
    home: Path, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    """The new user's fault: a soft reply at the mood question was heard in part and asked
    again with "Sorry, I didn't catch the number.", never with a word about the level. Now the
    request to speak up comes before the question itself; the words heard first are kept with
    the number said then. At the fixture's own level the usual re-ask is said."""
    config(home, "[listen]\nno_answer_s = 3.0\n")
    record = run(cli, "patience", softer("patience-1", QUIET_DB, tmp_path), "mood-1", "cmd-stop")
    mood = turns(record)["mood-before"]
    assert mood["events"] == ["mood-reask", "speak-up"], mood
    assert mood["coach_lines"][:3] == [MOOD_BEFORE, say.SPEAK_UP, MOOD_BEFORE], mood
    assert say.MOOD_AGAIN not in mood["coach_lines"]
    assert record["mood_before"] == 7
    words = mood["answer"]["text"].split()
    assert words[-1] == "seven" and len(words) > 5, words  # the first hearing is kept too
    assert coach_lines(record).count(say.SPEAK_UP) == 1

    loud = run(cli, "patience", "patience-1", "mood-1", "cmd-stop")
    mood = turns(loud)["mood-before"]
    assert mood["events"] == ["mood-reask"], mood
    assert mood["coach_lines"][:2] == [MOOD_BEFORE, say.MOOD_AGAIN]
    assert say.SPEAK_UP not in coach_lines(loud)
