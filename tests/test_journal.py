"""The journal on real files: durability, sharding, permissions, damage, crashes, schemas."""

from __future__ import annotations

import dataclasses
import json
import os
import select
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from voicecoach.errors import JournalError
from voicecoach.speech.events import EngineInfo, Utterance, Word
from voicecoach.store.journal import MIGRATIONS, Journal
from voicecoach.store.records import SessionRecord, Status, Turn

REPO = Path(__file__).resolve().parents[1]
WAIT_S = 30.0
"""Longest any test waits for a child process."""


def make_turn(n: int, text: str = "I was patient with myself when the plan changed") -> Turn:
    words = tuple(
        Word(word=w, start=round(1.0 + 0.4 * i, 2), end=round(1.3 + 0.4 * i, 2), conf=0.9)
        for i, w in enumerate(text.split())
    )
    answer = Utterance(text=text, words=words, start=words[0].start, end=words[-1].end)
    return Turn(
        prompt_id=f"q{n}",
        prompt=f"Question {n}?",
        answer=answer,
        events=("reprompt",) if n % 2 else (),
        coach_lines=(f"Question {n}?", "Thank you."),
    )


def make_record(
    sid: str = "20261126-203000-ab12",
    started: str = "2026-11-26T20:30:00+01:00",
    turns: int = 0,
    status: Status = Status.RUNNING,
) -> SessionRecord:
    return SessionRecord(
        id=sid,
        topic="patience",
        started_at=started,
        engine=EngineInfo(name="pocketsphinx", model="en-us"),
        status=status,
        turns=tuple(make_turn(n) for n in range(turns)),
        mood_before=4,
        opening_lines=("Welcome back.",),
    )


def run_child(folder: Path, body: str, *args: str) -> subprocess.Popen[str]:
    """Start a Python process that opens the journal in ``folder`` as ``journal``."""
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from tests.test_journal import make_record, make_turn
        from voicecoach.store.journal import Journal
        from voicecoach.store.records import Status
        journal = Journal(Path(sys.argv[1]))
        """
    ) + textwrap.dedent(body)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", script, str(folder), *args],
        cwd=REPO,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def read_line(proc: subprocess.Popen[str]) -> str:
    """The child's next stdout line, waiting at most WAIT_S."""
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], WAIT_S)
    if not ready:
        proc.kill()
        proc.wait(timeout=WAIT_S)
        pytest.fail("child process said nothing in time")
    line = proc.stdout.readline().strip()
    if not line:
        proc.wait(timeout=WAIT_S)
        assert proc.stderr is not None
        pytest.fail(f"child process ended early: {proc.stderr.read()}")
    return line


def stop(proc: subprocess.Popen[str]) -> None:
    """Reap a child, and its pipes, within WAIT_S."""
    if proc.poll() is None:
        proc.kill()
    proc.communicate(timeout=WAIT_S)


# -- records in, records out ---------------------------------------------------------------------


def test_round_trip_keeps_turns_and_words(tmp_path: Path) -> None:
    record = make_record(turns=3)
    with Journal(tmp_path / "journal") as journal:
        journal.begin(record)
        assert journal.records() == [record]
        got = journal.get(record.id)
    assert got == record
    assert got.turns[1].answer is not None
    assert got.turns[1].answer.words[2] == Word(word="patient", start=1.8, end=2.1, conf=0.9)
    assert got.turns[1].events == ("reprompt",)


def test_save_is_durable_and_finish_lets_the_lock_go(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    journal = Journal(folder)
    record = make_record()
    journal.begin(record)
    assert (folder / "running" / f"{record.id}.lock").exists()
    for n in range(1, 3):
        record = dataclasses.replace(record, turns=record.turns + (make_turn(n),))
        journal.save(record)
        assert Journal(folder).get(record.id).turns == record.turns  # a fresh reader sees it
    ended = "2026-11-26T20:36:00+01:00"
    done = dataclasses.replace(record, status=Status.COMPLETED, ended_at=ended)
    journal.finish(done)
    assert not (folder / "running" / f"{record.id}.lock").exists()
    journal.close()
    assert Journal(folder).records() == [done]


def test_files_are_private_whatever_the_umask(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    old = os.umask(0)
    try:
        with Journal(folder) as journal:
            journal.save(make_record())
            journal.save(make_record(turns=1))
    finally:
        os.umask(old)
    for path in (folder, folder / "running"):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o700, path
    files = [p for p in folder.iterdir() if p.is_file()]
    assert {p.name for p in files} >= {"2026-11.json", "2026-11.json.bak", ".write.lock"}
    for path in files:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path


def test_writing_tightens_a_loose_folder_and_reading_changes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    (folder / "2026-11.json").write_text("{}")
    os.chmod(folder / "2026-11.json", 0o644)
    assert Journal(folder).records() == []
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o755
    Journal(folder).save(make_record())
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(folder / "2026-11.json").st_mode) == 0o600


def test_records_are_sharded_by_month_and_saving_touches_one_shard(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    october = make_record("20261031-230000-aaaa", "2026-10-31T23:00:00+01:00")
    november = make_record("20261101-080000-bbbb", "2026-11-01T08:00:00+01:00")
    journal = Journal(folder)
    journal.save(november)
    journal.save(october)
    assert sorted(p.name for p in folder.glob("*.json")) == ["2026-10.json", "2026-11.json"]
    for name, record in (("2026-10.json", october), ("2026-11.json", november)):
        doc = json.loads((folder / name).read_text())
        assert [d["id"] for d in doc["sessions"].values()] == [record.id]
        assert list(doc["meta"].values()) == [{"format": 2, "schema": 1}]
    before = os.stat(folder / "2026-10.json")
    journal.save(dataclasses.replace(november, turns=(make_turn(0),)))
    after = os.stat(folder / "2026-10.json")
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert [r.id for r in journal.records()] == [october.id, november.id]


def test_records_come_oldest_first_across_offsets(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    later = make_record("a-later", "2026-11-26T20:00:00+00:00")  # 20:00 UTC
    first = make_record("b-first", "2026-11-26T20:30:00+01:00")  # 19:30 UTC
    tie = make_record("a-tie", "2026-11-26T20:30:00+01:00")  # same time: by id
    for record in (later, first, tie):
        journal.save(record)
    assert [r.id for r in journal.records()] == ["a-tie", "b-first", "a-later"]


# -- damaged shards ------------------------------------------------------------------------------

DAMAGE = {
    "truncated": b"",  # the first half of the real file, cut in the test
    "random bytes": bytes(range(256)) * 4,
    "empty": b"",
    "a JSON list": b'[{"id": "x"}]',
    "a table that is a list": b'{"sessions": [1, 2]}',
}


@pytest.mark.parametrize("kind", list(DAMAGE))
@pytest.mark.parametrize("with_backup", [True, False], ids=["bak", "no-bak"])
def test_damaged_shard_is_set_aside_never_overwritten(
    tmp_path: Path, kind: str, with_backup: bool
) -> None:
    folder = tmp_path / "journal"
    first = make_record(turns=1, status=Status.COMPLETED)
    Journal(folder).save(first)
    Journal(folder).save(dataclasses.replace(first, turns=first.turns + (make_turn(1),)))
    shard, backup = folder / "2026-11.json", folder / "2026-11.json.bak"
    good = shard.read_bytes()
    damaged = good[: len(good) // 2] if kind == "truncated" else DAMAGE[kind]
    shard.write_bytes(damaged)
    if not with_backup:
        backup.unlink()

    journal = Journal(folder)
    records = journal.records()

    (aside,) = folder.glob("2026-11.json.corrupt-*")
    assert aside.read_bytes() == damaged
    assert stat.S_IMODE(os.stat(aside).st_mode) == 0o600
    (damage,) = journal.notices
    assert damage.startswith("journal/2026-11.json is damaged (")
    assert damage.endswith(f"; the damaged file is kept as {aside.name}")
    assert json.loads(shard.read_bytes()) is not None  # the month file is whole again on disk
    if with_backup:
        assert "0 sessions read from it, 1 more from 2026-11.json.bak;" in damage
        assert records == [first]  # the version before the last save
    else:
        assert records == []
    journal.save(make_record("20261127-090000-cccc", "2026-11-27T09:00:00+01:00"))
    assert aside.read_bytes() == damaged
    assert len(Journal(folder).records()) == (2 if with_backup else 1)


def test_damaged_backup_is_set_aside_too(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    Journal(folder).save(make_record())
    Journal(folder).save(make_record(turns=1))
    (folder / "2026-11.json").write_bytes(b"{")
    (folder / "2026-11.json.bak").write_bytes(b"\x00\x01")
    journal = Journal(folder)
    assert journal.records() == []
    assert len(list(folder.glob("2026-11.json.corrupt-*"))) == 1
    assert next(folder.glob("2026-11.json.bak.corrupt-*")).read_bytes() == b"\x00\x01"
    assert "(2026-11.json.bak is damaged too: " in journal.notices[0]


def test_unreadable_record_is_skipped_and_kept(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    journal = Journal(folder)
    journal.save(make_record())
    doc = json.loads((folder / "2026-11.json").read_text())
    doc["sessions"]["7"] = {"id": "broken", "schema": 1}
    (folder / "2026-11.json").write_text(json.dumps(doc))
    fresh = Journal(folder)
    assert [r.id for r in fresh.records()] == [make_record().id]
    assert fresh.notices == [
        "journal/2026-11.json: session broken cannot be read (the field 'topic' is missing); "
        "left in the file and skipped (`voicecoach forget broken` erases it)"
    ]
    fresh.save(make_record(turns=1))
    kept = json.loads((folder / "2026-11.json").read_text())["sessions"].values()
    assert "broken" in [doc["id"] for doc in kept]


# -- interrupted and live sessions ---------------------------------------------------------------

CHILD_SESSION = """
record = make_record()
journal.begin(record)
for n in range(2):
    record = record.__class__(**{**record.__dict__, "turns": record.turns + (make_turn(n),)})
    journal.save(record)
print("saved", flush=True)
if sys.stdin.readline().strip() == "finish":
    journal.finish(record.__class__(**{**record.__dict__, "status": Status.COMPLETED}))
    print("finished", flush=True)
"""


def test_killed_session_is_found_interrupted_with_its_answers(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    child = run_child(folder, CHILD_SESSION)
    try:
        assert read_line(child) == "saved"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=WAIT_S) == -signal.SIGKILL
    finally:
        stop(child)
    lock = folder / "running" / f"{make_record().id}.lock"
    assert lock.exists()

    (record,) = Journal(folder).records()
    assert record.status is Status.INTERRUPTED
    assert record.ended_at is None
    assert [t.prompt_id for t in record.turns] == ["q0", "q1"]
    assert not lock.exists()


def test_live_session_in_another_process_is_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    child = run_child(folder, CHILD_SESSION)
    try:
        assert read_line(child) == "saved"
        journal = Journal(folder)
        (record,) = journal.records()
        assert record.status is Status.RUNNING
        assert (folder / "running" / f"{record.id}.lock").exists()
        with pytest.raises(JournalError, match="running in another process"):
            journal.delete(record.id)
        assert child.stdin is not None
        child.stdin.write("finish\n")
        child.stdin.flush()
        assert read_line(child) == "finished"
        assert child.wait(timeout=WAIT_S) == 0
        assert journal.get(record.id).status is Status.COMPLETED
        assert len(journal.get(record.id).turns) == 2
    finally:
        stop(child)


def test_session_left_open_counts_as_interrupted_after_close(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    journal = Journal(folder)
    journal.begin(make_record(turns=1))
    assert Journal(folder).records()[0].status is Status.RUNNING  # our own lock is live
    journal.close()
    assert Journal(folder).records()[0].status is Status.INTERRUPTED
    assert list((folder / "running").iterdir()) == []


def test_running_record_without_lock_file_is_interrupted(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    Journal(folder).save(make_record())  # save() takes no lock, as if the lock file were lost
    assert Journal(folder).records()[0].status is Status.INTERRUPTED


def test_begin_refuses_a_second_start(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    journal.begin(make_record())
    with pytest.raises(JournalError, match="already begun"):
        journal.begin(make_record())
    with pytest.raises(JournalError, match="already running in another process"):
        Journal(tmp_path / "journal").begin(make_record())
    with pytest.raises(ValueError, match="running record"):
        journal.begin(make_record("other", status=Status.COMPLETED))


def test_two_processes_writing_one_shard_lose_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    Journal(folder)
    body = """
    for n in range(15):
        sid = f"20261126-1{n:02d}000-{sys.argv[2]}"
        journal.save(make_record(sid, f"2026-11-26T1{n % 10}:00:00+01:00", turns=1))
    print("done", flush=True)
    """
    children = [run_child(folder, body, tag) for tag in ("p1", "p2")]
    try:
        for child in children:
            out, err = child.communicate(timeout=WAIT_S)
            assert child.returncode == 0, err
            assert out.strip() == "done"
    finally:
        for child in children:
            stop(child)
    assert len(Journal(folder).records()) == 30


def test_a_cached_shard_sees_another_writers_record(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    one, two = Journal(folder), Journal(folder)
    one.save(make_record("a"))
    assert [r.id for r in two.records()] == ["a"]
    two.save(make_record("b"))
    one.save(make_record("c"))  # one's cache is stale; it must re-read before writing
    assert [r.id for r in Journal(folder).records()] == ["a", "b", "c"]


# -- look-ups and removal -------------------------------------------------------------------------


def test_get_by_unique_prefix_and_clear_errors(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    journal.save(make_record("20261126-203000-ab12"))
    journal.save(make_record("20261126-203000-cd34"))
    assert journal.get("20261126-203000-c").id == "20261126-203000-cd34"
    with pytest.raises(JournalError, match=r"matches 2 sessions .*; give more of it"):
        journal.get("20261126")
    with pytest.raises(JournalError) as info:
        journal.get("nope")
    assert str(info.value) == "no session with id nope; see `voicecoach history`"


def test_delete_removes_for_good(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    journal = Journal(folder)
    keep = make_record("20261126-100000-keep", turns=1, status=Status.COMPLETED)
    gone = make_record("20261126-110000-gone", turns=2, status=Status.COMPLETED)
    journal.save(keep)
    journal.save(gone)
    assert journal.delete("20261126-110000-g") == gone
    assert journal.records() == [keep]
    assert Journal(folder).records() == [keep]
    for name in ("2026-11.json", "2026-11.json.bak"):
        assert b"20261126-110000-gone" not in (folder / name).read_bytes(), name
    with pytest.raises(JournalError, match="no session with id"):
        journal.delete(gone.id)


def test_search_is_case_insensitive_over_answers(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    record = make_record(turns=1)
    other = make_record("z", turns=0)
    journal.save(
        dataclasses.replace(
            record, turns=record.turns + (make_turn(1, "Keeping a small Promise helped"),)
        )
    )
    journal.save(other)
    hits = journal.hits("promise")
    assert [(h.session.id, h.answer.prompt_id) for h in hits] == [(record.id, "q1")]
    assert len(journal.hits("PATIENT")) == 1
    assert journal.hits("") == []


# -- schema ---------------------------------------------------------------------------------------

SCHEMA0 = {
    "sessions": {
        "1": {
            "id": "20250301-080000-old0",
            "topic": "communication",
            "started_at": "2025-03-01T08:00:00+01:00",
            "ended_at": "2025-03-01T08:05:00+01:00",
            "status": "completed",
            "engine": {"name": "vosk", "model": "vosk-model-small-en-us-0.15"},
            "turns": [
                {
                    "prompt_id": "q0",
                    "prompt": "What did you say out loud today?",
                    "answer": {"text": "that I was worried", "words": [], "start": 1, "end": 2},
                }
            ],
        }
    }
}


def test_schema0_records_are_upgraded_on_read(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    folder.mkdir()
    (folder / "2025-03.json").write_text(json.dumps(SCHEMA0))
    journal = Journal(folder)
    (record,) = journal.records()
    assert record.mood_before is None and record.safety_flag is False
    assert record.turns[0].events == () and record.turns[0].coach_lines == ()
    assert record.to_record()["schema"] == 1
    upgraded = MIGRATIONS[0](SCHEMA0["sessions"]["1"])
    assert upgraded["schema"] == 1 and upgraded["turns"][0]["events"] == []
    assert "schema" not in SCHEMA0["sessions"]["1"]  # migrations do not mutate their input
    journal.save(make_record("20250302-080000-new1", "2025-03-02T08:00:00+01:00"))
    doc = json.loads((folder / "2025-03.json").read_text())
    assert list(doc["meta"].values()) == [{"format": 2, "schema": 1}]
    assert [r.id for r in Journal(folder).records()] == [record.id, "20250302-080000-new1"]


def test_newer_schema_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    folder.mkdir()
    (folder / "2026-11.json").write_text(json.dumps({"meta": {"1": {"schema": 3}}, "sessions": {}}))
    journal = Journal(folder)
    message = (
        "journal/2026-11.json was written by a newer voicecoach: its record schema is 3, and "
        "this one reads up to 1; upgrade voicecoach to read it"
    )
    with pytest.raises(JournalError) as info:
        journal.records()
    assert str(info.value) == message
    with pytest.raises(JournalError, match="newer voicecoach"):
        journal.save(make_record())
    assert json.loads((folder / "2026-11.json").read_text())["meta"]["1"]["schema"] == 3


def test_newer_schema_record_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    Journal(folder).save(make_record())
    doc = json.loads((folder / "2026-11.json").read_text())
    doc["sessions"]["1"]["schema"] = 2
    (folder / "2026-11.json").write_text(json.dumps(doc))
    with pytest.raises(
        JournalError, match=r"newer voicecoach: its record schema is 2, and this one reads up to 1"
    ):
        Journal(folder).records()


# -- opening ---------------------------------------------------------------------------------------


def test_folder_that_is_a_file_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "journal").write_text("not a folder")
    with pytest.raises(JournalError, match="is a file, not a folder"):
        Journal(tmp_path / "journal")


def test_temp_files_left_by_a_crash_are_removed(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    Journal(folder).save(make_record())
    leftover = folder / ".2026-11.json.12345.abcd.tmp"
    leftover.write_text('{"half": ')
    Journal(folder)
    assert not leftover.exists()
