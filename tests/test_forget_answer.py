""" "Forget my last answer": the answer's words leave the record, every earlier save of it (the
write-ahead file is rewritten whole), the month file, the index and the kept audio, at once.

The machine-level tests drive the real session machine (``tests.test_machine.Session``) on a
real journal; the slow one runs a spoken session through the command line (PocketSphinx) with
answer audio kept, and reads every byte under the data folder.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import CliResult, fixture_wav
from tests.test_machine import session
from voicecoach.audio.wavfile import read_wav
from voicecoach.coach import options as say
from voicecoach.coach.dialogue import State
from voicecoach.coach.intents import Command, PhraseBook
from voicecoach.coach.plan import MOOD_AFTER
from voicecoach.speech.grammar import Recheck
from voicecoach.store.audio import load_answer
from voicecoach.store.codec import register
from voicecoach.store.crypto import JournalKey
from voicecoach.store.journal import Journal
from voicecoach.store.records import Status

FIRST = "last night my partner came home late and i felt my patience run out"
SECOND = "i felt it in my chest and in my hands"
ERASED = ("partner", "patience run out")
PASS = "correct horse battery"


def every_byte(folder: Path) -> bytes:
    """Every file under ``folder``, one after the other."""
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def running_bytes(journal: Journal) -> bytes:
    return every_byte(journal.folder / "running")


def test_the_phrases_are_commands_and_a_sentence_about_forgetting_is_not() -> None:
    book = PhraseBook.build("en")
    for phrase in ("forget my last answer", "don't keep that", "okay forget that please"):
        assert book.match(phrase) is Command.FORGET, phrase
    assert book.match("i want to forget my last answer to him") is None
    assert PhraseBook.build("ko").match("지워") is Command.FORGET


def test_forgetting_leaves_no_trace_in_the_running_file_or_the_kept_session(
    journal: Journal,
) -> None:
    s = session(journal)
    s.hear("seven")
    s.hear(FIRST)
    assert b"partner" in running_bytes(journal)  # saved at once, as every answer is
    s.hear("forget my last answer")
    assert s.io.said[-2:] == [say.FORGOTTEN, s.turn("body")["prompt"]]  # then asked again
    assert s.machine.state.value == "listening"
    for word in ERASED:
        assert word.encode() not in running_bytes(journal), word
    moment = s.turn("moment")
    assert moment["answer"] is None and moment["events"] == ["forgotten"]
    assert moment["coach_lines"] == [moment["prompt"]]  # the reply went with the answer
    assert s.record.mood_before == 7  # only the last answer goes
    s.hear(SECOND)
    s.hear("stop")
    kept = journal.get(s.record.id)
    assert kept.status is Status.STOPPED
    assert [t.answer.text for t in kept.turns if t.answer is not None] == ["seven", SECOND]
    everything = every_byte(journal.folder)
    assert b"chest" in everything
    for word in ERASED:
        assert word.encode() not in everything, word
    assert not journal.hits("partner") and journal.hits("chest")


def test_forgetting_a_mood_forgets_the_number_too(journal: Journal) -> None:
    s = session(journal)
    s.hear("three")
    assert s.record.mood_before == 3
    s.hear("don't keep that")
    assert s.record.mood_before is None
    assert s.io.said[-1] == s.turn("moment")["prompt"]
    assert s.turn("mood-before")["answer"] is None


def test_with_nothing_said_yet_there_is_nothing_to_forget(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    s.hear("forget that")
    assert say.NOTHING_TO_FORGET in s.io.said
    assert s.io.listening and s.turn("moment")["events"] == ["command:forget"]


def test_heard_only_by_the_grammar_it_is_asked_about_first(journal: Journal) -> None:
    s = session(journal)
    s.hear("seven")
    s.hear(FIRST)
    misheard = Recheck("forget my last answer", 0.69)
    s.hear("i get my last and sarah", misheard)
    assert s.io.said[-1] == say.CONFIRM[Command.FORGET]
    assert b"partner" in running_bytes(journal)  # nothing erased on a guess
    s.hear("yes")
    assert s.io.said[-2] == say.FORGOTTEN
    assert b"partner" not in running_bytes(journal)
    s.hear(SECOND)
    s.hear("i get my last and sarah", misheard)
    s.hear("no")  # not a command: what was said is the next question's answer
    assert s.turn("body")["answer"]["text"] == SECOND
    assert s.turn("underneath")["answer"]["text"] == "i get my last and sarah"
    assert b"chest" in running_bytes(journal)


def spoken_patience(cli: Callable[..., CliResult], names: tuple[str, ...]) -> CliResult:
    """``session patience`` spoken by the fixtures ``names``, one a listening turn, fast,
    through PocketSphinx (``--json``)."""
    answers = (fixture_wav(n) for n in names)
    return cli(
        "session", "patience", "--answers", *answers, "--fast", "--engine", "pocketsphinx", "--json"
    )


def spoken_forget(
    home: Path, cli: Callable[..., CliResult], audio: str = "wav"
) -> tuple[dict, list[str], set[str]]:
    """A spoken session where the first question's answer is forgotten: its record (as
    printed), what the person saw of their own words, and words only the forgotten answer had.
    """
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text("[journal]\nsave_audio = true\n[listen]\nno_answer_s = 3.0\n")
    # mood, the first question's answer, then at the second question "forget my last answer"
    # (PocketSphinx's open transcript is not the phrase: the coach asks, and "yes"), and the
    # second question's answer.
    names = ("mood-1", "patience-1", "cmd-forget-my-last-answer", "reply-yes", "patience-2")
    result = spoken_patience(cli, names)
    assert result.code == 0, result.err
    assert say.FORGOTTEN in result.err
    heard = re.findall(r"^you +(.+)$", result.err, flags=re.MULTILINE)
    # what the person saw of their own answers as they spoke
    assert len(heard) == 5 and heard[3] == "yes", heard
    record = result.json()
    answers = [t["answer"]["text"] for t in record["turns"] if t["answer"] is not None]
    assert len(answers) == 2 and answers[0] == heard[0] == "seven"  # (the 2nd decoded again)
    assert [t["events"] for t in record["turns"][1:3]] == [
        ["forgotten"],
        ["confirm:forget", "command:forget"],
    ]
    # words of the forgotten answer that are in no other answer and no line of the coach
    lines = [line for t in record["turns"] for line in t["coach_lines"]]
    others = set(" ".join([*answers, heard[4], *lines]).lower().split())
    erased = {w for w in heard[1].split() if len(w) >= 5 and w not in others}
    assert len(erased) >= 4, heard[1]
    assert sorted(p.name for p in (home / "journal" / "audio" / record["id"]).iterdir()) == [
        f"1.{audio}",
        f"3.{audio}",
    ]  # the 2nd answer's audio went
    return record, answers, erased


@pytest.mark.slow
def test_a_spoken_session_forgets_the_answer_its_audio_and_its_index_words(
    home: Path, cli: Callable[..., CliResult]
) -> None:
    record, answers, erased = spoken_forget(home, cli)
    data = every_byte(home)
    for word in erased:
        assert word.encode() not in data, word
    assert answers[1].encode() in data  # the other answers are still there
    with Journal(home / "journal") as kept:
        assert all(not kept.hits(word) for word in erased)
        assert kept.hits("chest")


@pytest.mark.slow
def test_forgetting_in_an_encrypted_journal_leaves_no_trace_either(
    home: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", PASS)
    assert cli("key", "init").code == 0
    monkeypatch.delenv("VOICECOACH_PASSPHRASE")  # the session has the public key only
    record, answers, erased = spoken_forget(home, cli, audio="wav.age")
    data = every_byte(home)
    for word in erased | {"chest"}:  # kept answers are sealed too
        assert word.encode() not in data, word
    assert b"RIFF" not in every_byte(home / "journal")  # the audio is sealed: no WAV on disk
    codec = JournalKey(home / "journal").codec(PASS)
    register(codec)
    with Journal(home / "journal", codec=codec) as journal:
        kept = journal.get(record["id"])
        assert not journal.notices
    said = [t.answer.text for t in kept.turns if t.answer is not None]
    assert said == answers  # the other answers read back with the passphrase
    assert kept.turns[1].answer is None and kept.turns[1].events == ("forgotten",)
    # the kept audio decrypts in memory: a slice of what the person said
    for turn, name in ((1, "mood-1"), (3, "patience-2")):
        pcm = np.trim_zeros(np.frombuffer(load_answer(home / "journal", record["id"], turn), "<i2"))
        assert len(pcm) > 16000 * 0.3 and read_wav(fixture_wav(name)).find(pcm.tobytes()) >= 0


def test_a_private_session_keeps_only_the_moods_and_the_date(journal: Journal) -> None:
    s = session(journal)
    s.hear("seven")
    s.hear("private session")
    assert s.io.said[-2:] == [say.PRIVATE, s.turn("moment")["prompt"]]
    s.hear(FIRST)
    s.hear(SECOND)
    assert b"seven" not in running_bytes(journal) and b"partner" not in running_bytes(journal)
    s.hear("stop")
    # the goodbye keeps the promise made at the start: no "what you said is saved"
    assert s.io.said[-1] == (
        "All right, let's end here. As you asked, I kept only your mood and today's date. "
        "Take care."
    )
    assert not any("saved" in line for line in s.io.said)
    kept = journal.get(s.record.id)
    assert kept.status is Status.STOPPED and kept.mood_before == 7
    assert kept.turns == () and kept.opening_lines == () and kept.closing_lines == ()
    assert kept.started_at and kept.ended_at
    everything = every_byte(journal.folder)
    for word in ("seven", "partner", "chest", "impatient"):  # answers, and the questions too
        assert word.encode() not in everything, word


def test_a_private_session_whose_pause_runs_out_after_forget_that_claims_no_words(
    journal: Journal,
) -> None:
    s = session(journal)
    s.hear("private session")
    s.hear("six")
    s.hear(FIRST)
    s.hear("forget that")
    assert s.io.said[-2] == say.FORGOTTEN  # "It isn't kept anywhere": true here too
    s.hear("hold on")
    s.silence()  # the wait for "continue" runs out
    assert s.record.status is Status.STOPPED
    assert s.io.said[-1] == (
        "We'll stop here for now. As you asked, I kept only your mood and today's date."
    )
    assert not any("saved" in line for line in s.io.said)
    kept = journal.get(s.record.id)
    assert kept.turns == () and kept.mood_before == 6
    assert b"partner" not in every_byte(journal.folder)


def test_a_demo_stopped_says_nothing_was_kept(journal: Journal) -> None:
    s = session(journal, keeps=False)
    s.hear("six")
    s.hear(FIRST)
    s.hear("that's enough for today")
    assert s.io.said[-1] == (
        "All right, let's end here. This was a demo, so nothing you said was kept. Take care."
    )


def test_a_private_session_is_chosen_at_the_start(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    s.hear(FIRST)
    s.hear("make this private")
    assert s.io.said[-2] == say.PRIVATE_TOO_LATE
    assert b"partner" in running_bytes(journal)  # nothing changed
    s.hear("i get my last and sarah", Recheck("private session", 0.6))
    assert s.io.said[-1] == say.CONFIRM[Command.PRIVATE]  # asked about first


def test_private_said_at_the_mood_question_then_the_mood_is_asked_again(journal: Journal) -> None:
    s = session(journal)
    s.hear("keep this private")
    assert s.io.said[-2:] == [say.PRIVATE, s.turn("mood-before")["prompt"]]
    s.hear("four")
    s.hear(FIRST)
    for _ in range(8):  # to the end: the closing says what a private session kept
        if s.machine.state is State.DONE:
            break
        s.hear("eight" if s.io.said[-1] == MOOD_AFTER else FIRST)
    assert say.KEPT_PRIVATE in s.io.said and say.KEPT not in s.io.said
    kept = journal.get(s.record.id)
    assert kept.mood_before == 4 and kept.mood_after == 8 and kept.turns == ()
    assert b"partner" not in every_byte(journal.folder)


@pytest.mark.slow
def test_a_spoken_private_session_keeps_the_mood_and_the_date_only(
    home: Path, cli: Callable[..., CliResult]
) -> None:
    home.mkdir()
    # every question asked (quiet_questions = 0), so the closing says what was kept
    config = "[journal]\nsave_audio = true\n[listen]\nno_answer_s = 3.0\nquiet_questions = 0\n"
    (home / "config.toml").write_text(config)
    names = ("mood-1", "cmd-private-session", "patience-1", "patience-2")
    result = spoken_patience(cli, names)
    assert result.code == 0, result.err
    assert result.err.count(say.PRIVATE) == 1
    heard = re.findall(r"^you +(.+)$", result.err, flags=re.MULTILINE)
    assert len(heard) == 4 and heard[0] == "seven", heard
    record = result.json()
    assert record["turns"] == [] and record["mood_before"] == 7 and record["started_at"]
    assert record["status"] == "completed"
    said = {w for line in heard[2:] for w in line.split() if len(w) >= 5}
    assert len(said) >= 8, heard
    data = every_byte(home)
    for word in said | {"seven"}:
        assert word.encode() not in data, word
    assert not (home / "journal" / "audio" / record["id"]).exists() or not any(
        (home / "journal" / "audio" / record["id"]).iterdir()
    )


@pytest.mark.slow
def test_a_spoken_private_session_stopped_and_forgotten_says_no_words_were_kept(
    home: Path, cli: Callable[..., CliResult]
) -> None:
    names = (
        "mood-1",
        "cmd-private-session",
        "patience-1",
        "cmd-forget-my-last-answer",
        "reply-yes",  # heard as "or get my last answer", the coach asks first
        "cmd-thats-enough-for-today",
    )
    result = spoken_patience(cli, names)
    assert result.code == 0, result.err
    coach = re.findall(r"^coach +(.+)$", result.err, flags=re.MULTILINE)
    assert say.PRIVATE in coach and say.FORGOTTEN in coach, result.err
    assert coach[-1] == (
        "All right, let's end here. As you asked, I kept only your mood and today's date. "
        "Take care."
    ), coach
    assert not any("saved" in line for line in coach), coach
    record = result.json()
    assert record["status"] == "stopped" and record["turns"] == [] and record["mood_before"] == 7
