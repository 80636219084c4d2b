"""Continuity across sessions through the real CLI, PocketSphinx and journal: a sentence that
holds a number is no mood (asked again instead of kept), the step named in it is looked back
at in the next session of the practice, and only the last session counts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult, fixture_wav
from tests.test_dialogue import patience_session
from tests.test_machine_e2e import config, run, turns
from voicecoach.coach import options as say
from voicecoach.coach.continuity import LastStep, keep_readable, last_step
from voicecoach.coach.plan import LOOK_BACK, MOOD_BEFORE
from voicecoach.coach.script import find_script
from voicecoach.store import codec
from voicecoach.store.crypto import JournalKey
from voicecoach.store.journal import Journal
from voicecoach.store.laststeps import path_of

PATIENCE = find_script("patience", None)
LOOKING_BACK = PATIENCE.look_back.prompt if PATIENCE.look_back is not None else ""


@pytest.mark.slow
def test_a_step_with_a_number_is_no_mood_and_is_looked_back_at_next_time(
    home: Path, cli: Callable[..., CliResult]
) -> None:
    config(home, "[listen]\nno_answer_s = 3.0\n")
    first = run(
        cli,
        "patience",
        "number-breaths",  # at the mood question: "... take three slow breaths ...": no mood
        "mood-1",  # asked again: "seven"
        "patience-1",
        "patience-2",
        "patience-3",
        "patience-4",
        "number-breaths",  # the step, the same sentence
        "mood-3",
    )
    mood = turns(first)["mood-before"]
    assert first["mood_before"] == 7, json.dumps(mood, indent=1)
    assert mood["coach_lines"][:2] == [MOOD_BEFORE, say.MOOD_AGAIN], json.dumps(mood, indent=1)
    step = turns(first)["next-time"]["answer"]
    assert "three slow breaths" in step["text"], step["text"]
    assert min(w["conf"] for w in step["words"]) >= 0.5, step  # heard surely: said back

    time.sleep(1.1)  # sessions are ordered by their start, to the second
    second = run(cli, "patience", "mood-1", "patience-5", "cmd-stop")
    looked = turns(second)[LOOK_BACK]
    assert looked["prompt"] == LOOKING_BACK.replace(
        "{answer}", "you will take three slow breaths before you answer him"
    ), looked["prompt"]

    time.sleep(1.1)  # the second session ended before its step: nothing to look back at
    third = run(cli, "patience", "mood-1", "cmd-stop")
    assert LOOK_BACK not in turns(third), [t["prompt"] for t in third["turns"]]


# ---- an encrypted journal: the look back only through the step kept readable, by choice ------

STEP = "next time i will take three slow breaths before i answer him"
PASS = "correct horse battery"


def every_byte(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.fixture
def locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Journal]:
    """An encrypted journal opened as a speaker opens it: the public key only."""
    monkeypatch.setattr(codec, "_CODECS", {codec.PLAIN.name: codec.PLAIN})
    key = JournalKey(tmp_path / "journal")
    key.create(PASS)
    journal = Journal(tmp_path / "journal", codec=key.codec(None))
    yield journal
    journal.close()


def test_an_encrypted_journal_keeps_only_the_last_step_readable_and_only_by_choice(
    locked: Journal,
) -> None:
    folder, kept = locked.folder, path_of(locked.folder)
    first = patience_session(locked, STEP).record
    assert last_step(locked, "patience", "next-time", readable=True) is None  # nothing kept
    keep_readable(folder, first, PATIENCE, on=True)
    assert last_step(locked, "patience", "next-time") is None  # not opted in: not read
    assert last_step(locked, "patience", "next-time", readable=True) == LastStep(STEP, True)
    assert kept.stat().st_mode & 0o777 == 0o600
    assert STEP.encode() in kept.read_bytes()
    assert b"partner" not in every_byte(folder)  # every other answer stays sealed

    time.sleep(1.1)  # the next session of the practice names no step: its entry goes
    second = patience_session(locked, "i don't know").record
    keep_readable(folder, second, PATIENCE, on=True)
    assert not kept.exists() and STEP.encode() not in every_byte(folder)
    assert last_step(locked, "patience", "next-time", readable=True) is None

    time.sleep(1.1)  # a session that is not the practice's last does not count either
    third = patience_session(locked, STEP).record
    keep_readable(folder, third, PATIENCE, on=True)
    time.sleep(1.1)
    patience_session(locked, "i will ask him how his day was")  # ended before it was kept
    assert last_step(locked, "patience", "next-time", readable=True) is None

    keep_readable(folder, third, PATIENCE, on=False)  # the setting turned off: the file goes
    assert not kept.exists()


def test_forgetting_a_session_takes_its_readable_step_with_it(locked: Journal) -> None:
    record = patience_session(locked, STEP).record
    keep_readable(locked.folder, record, PATIENCE, on=True)
    assert STEP.encode() in every_byte(locked.folder)
    unlocking = JournalKey(locked.folder).codec(PASS)
    codec.register(unlocking)
    with Journal(locked.folder, codec=unlocking) as unlocked:
        unlocked.delete(record.id)
    assert not path_of(locked.folder).exists()
    assert STEP.encode() not in every_byte(locked.folder)


@pytest.mark.slow
def test_an_encrypted_journal_looks_back_unattended_only_when_asked_to(
    home: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    config(home, "[listen]\nno_answer_s = 3.0\n[journal]\nreadable_last_step = true\n")
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", PASS)
    assert cli("key", "init").code == 0
    monkeypatch.delenv("VOICECOACH_PASSPHRASE")  # the sessions run without it, as a speaker's

    def session(*answers: str) -> dict[str, Any]:
        wavs = [fixture_wav(name) for name in answers]
        result = cli("session", "patience", "--answers", *wavs, "--fast", "--json")
        assert result.code == 0, result.err
        record: dict[str, Any] = result.json()
        return record

    patience = [f"patience-{n}" for n in range(1, 5)]
    first = session("mood-1", *patience, "number-breaths", "mood-3")
    kept = path_of(home / "journal")
    assert json.loads(kept.read_text())["steps"]["patience"]["session"] == first["id"]
    assert b"partner" not in every_byte(home / "journal")  # the other answers stay sealed

    time.sleep(1.1)  # sessions are ordered by their start, to the second
    second = session("mood-1", "patience-5", "cmd-stop")
    assert turns(second)[LOOK_BACK]["prompt"] == LOOKING_BACK.replace(
        "{answer}", "you will take three slow breaths before you answer him"
    )
    assert not kept.exists()  # the second named no step: nothing left to look back at
