"""The running session's write-ahead file and the summary index, on real files."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import STREAMING_WORDS, CliResult, fixture_wav
from tests.test_journal import WAIT_S, make_record, make_turn, read_line, run_child, stop
from tests.virtual_audio import write_mini_home
from voicecoach.errors import JournalError
from voicecoach.store.index_file import pack, unpack
from voicecoach.store.journal import Journal
from voicecoach.store.records import Status

SID = make_record().id


def running_file(folder: Path, sid: str = SID) -> Path:
    return folder / "running" / f"{sid}.jsonl"


def signature(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_ino, st.st_mtime_ns


def test_saves_touch_only_the_running_file_until_finish(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    journal = Journal(folder)
    journal.save(
        make_record("20261101-080000-past", "2026-11-01T08:00:00+01:00", status=Status.COMPLETED)
    )
    shard = folder / "2026-11.json"
    before = signature(shard)
    record = make_record()
    journal.begin(record)
    for n in range(3):
        record = dataclasses.replace(record, turns=record.turns + (make_turn(n),))
        journal.save(record)
        assert Journal(folder).get(SID) == record  # a fresh reader sees each answer at once
    assert signature(shard) == before
    assert stat.S_IMODE(os.stat(running_file(folder)).st_mode) == 0o600
    lines = [ln for ln in running_file(folder).read_bytes().split(b"\n") if ln.strip()]
    assert len(lines) == 4  # begin + three answers, each appended whole

    done = dataclasses.replace(
        record, status=Status.COMPLETED, ended_at="2026-11-26T20:40:00+01:00"
    )
    journal.finish(done)
    assert signature(shard) != before
    assert sorted(os.listdir(folder / "running")) == []
    assert Journal(folder).get(SID) == done
    assert SID in json.dumps(json.loads(shard.read_text()))


def test_a_running_session_is_listed_found_and_searched(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    journal = Journal(folder)
    record = make_record(turns=1)
    journal.begin(record)
    journal.save(
        dataclasses.replace(
            record, turns=record.turns + (make_turn(1, "A lighthouse kept me calm"),)
        )
    )
    other = Journal(folder)
    (summary,) = other.summaries()
    assert (summary.id, summary.status, len(summary.answers)) == (SID, Status.RUNNING, 2)
    assert [(h.session.id, h.answer.turn) for h in other.hits("LIGHTHOUSE")] == [(SID, 2)]
    (hit,) = other.hits("lighthouse")
    assert hit.session.id == SID and hit.answer.prompt_id == "q1"
    assert other.get(SID[:10]).status is Status.RUNNING


def test_a_torn_last_line_falls_back_to_the_save_before(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    body = """
    record = make_record()
    journal.begin(record)
    for n in range(2):
        record = record.__class__(**{**record.__dict__, "turns": record.turns + (make_turn(n),)})
        journal.save(record)
    print("saved", flush=True)
    sys.stdin.readline()
    """
    child = run_child(folder, body)
    try:
        assert read_line(child) == "saved"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=WAIT_S) == -signal.SIGKILL
    finally:
        stop(child)
    path = running_file(folder)
    whole = path.read_bytes()
    last = whole.rstrip(b"\n").rsplit(b"\n", 1)[1]
    path.write_bytes(whole + b"\n" + last[: len(last) // 2])  # a third save, cut by the crash

    journal = Journal(folder)
    (record,) = journal.records()
    assert record.status is Status.INTERRUPTED
    assert [t.prompt_id for t in record.turns] == ["q0", "q1"]
    assert journal.notices == []
    assert os.listdir(folder / "running") == []


def test_a_death_after_the_shard_write_keeps_the_finished_record(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    journal = Journal(folder)
    record = make_record(turns=2)
    journal.begin(record)
    left = tmp_path / "left.jsonl"
    shutil.copy(running_file(folder), left)
    done = dataclasses.replace(
        record, status=Status.COMPLETED, ended_at="2026-11-26T20:40:00+01:00"
    )
    journal.finish(done)
    shutil.copy(left, running_file(folder))  # as if the process died before removing it
    lock = folder / "running" / f"{SID}.lock"
    lock.write_text(json.dumps({"id": SID, "month": "2026-11", "pid": 1}))

    assert Journal(folder).records() == [done]
    assert os.listdir(folder / "running") == []


def test_a_running_file_with_nothing_readable_is_set_aside(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    (folder / "running").mkdir(parents=True)
    running_file(folder).write_bytes(b'\x00\x00garbage\n{"half": ')
    journal = Journal(folder)
    assert journal.records() == []
    (aside,) = (folder / "running").glob(f"{SID}.jsonl.corrupt-*")
    assert aside.read_bytes().startswith(b"\x00\x00garbage")
    assert journal.notices == [
        f"running/{SID}.jsonl holds no readable session; set aside as {aside.name}"
    ]
    assert journal.damaged_copies() == [aside]


def test_started_at_may_not_move_to_another_month(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    record = make_record()
    journal.begin(record)
    with pytest.raises(ValueError, match="started_at must not change"):
        journal.save(dataclasses.replace(record, started_at="2026-12-01T08:00:00+01:00"))


def test_removing_sessions_across_months_and_their_audio(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    journal = Journal(folder)
    october = make_record(
        "20261031-230000-aaaa", "2026-10-31T23:00:00+01:00", turns=1, status=Status.COMPLETED
    )
    november = make_record(
        "20261101-080000-bbbb", "2026-11-01T08:00:00+01:00", turns=1, status=Status.COMPLETED
    )
    kept = make_record(
        "20261102-080000-cccc", "2026-11-02T08:00:00+01:00", turns=1, status=Status.COMPLETED
    )
    for record in (october, november, kept):
        journal.save(record)
    audio = folder / "audio" / november.id
    audio.mkdir(parents=True)
    (audio / "1.wav").write_bytes(b"RIFF")
    running = make_record(turns=1)
    journal.begin(running)

    gone = journal.remove([s for s in journal.summaries() if s.id != kept.id])
    assert sorted(s.id for s in gone) == sorted([october.id, november.id, running.id])
    assert [r.id for r in Journal(folder).records()] == [kept.id]
    assert not audio.exists()
    assert os.listdir(folder / "running") == []
    for path in [*folder.glob("*.json*"), *(folder / "index").iterdir()]:
        for record in (october, november, running):
            assert record.id.encode() not in path.read_bytes(), path


def test_a_session_running_elsewhere_is_not_removed(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    child = run_child(
        folder,
        """
    journal.begin(make_record())
    print("begun", flush=True)
    sys.stdin.readline()
    """,
    )
    try:
        assert read_line(child) == "begun"
        journal = Journal(folder)
        with pytest.raises(JournalError, match="running in another process"):
            journal.remove(journal.summaries())
        assert running_file(folder).exists()
    finally:
        stop(child)


# -- the summary index ----------------------------------------------------------------------------


def test_index_is_private_and_used_while_it_matches_the_shard(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    old = os.umask(0)
    try:
        Journal(folder).save(make_record(turns=1, status=Status.COMPLETED))
    finally:
        os.umask(old)
    index = folder / "index" / "2026-11.json"
    assert stat.S_IMODE(os.stat(folder / "index").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(index).st_mode) == 0o600
    doc = unpack(index.read_bytes())
    said = make_turn(0).answer.text  # type: ignore[union-attr]
    part = doc["parts"][0]["content"]
    part["answers"] = part["answers"].bytes().replace(said.encode(), b"text only the index holds")
    index.write_bytes(pack(doc))
    # The shard did not change, so the index is trusted: listing reads no shard at all.
    assert Journal(folder).summaries()[0].answers[0].text == "text only the index holds"
    Journal(folder).save(make_record(turns=1, status=Status.STOPPED))  # the shard changes
    (summary,) = Journal(folder).summaries()
    assert summary.status is Status.STOPPED
    assert summary.answers[0].text == make_turn(0).answer.text  # type: ignore[union-attr]


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "empty": lambda good: b"",
    "cut header": lambda good: b"{",
    "a list": lambda good: b"[]\n",
    "another layout": lambda good: b'{"version": 99}',
    "not UTF-8": lambda good: b"\xff\xfe",
    "no header line": lambda good: good.replace(b"\n", b" ", 1),
    "texts cut short": lambda good: good[:-5],
    "a text out of bounds": lambda good: good.replace(b'"answers":[0,', b'"answers":[9999,', 1),
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_index_is_rebuilt_quietly(
    tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    folder = tmp_path / "journal"
    record = make_record(turns=2, status=Status.COMPLETED)
    Journal(folder).save(record)
    index = folder / "index" / "2026-11.json"
    good = index.read_bytes()
    index.write_bytes(damage(good))
    journal = Journal(folder)
    (summary,) = journal.summaries()
    assert (summary.id, len(summary.answers), summary.words) == (record.id, 2, 18)
    assert [h.answer.turn for h in journal.hits("patient")] == [1, 2]
    assert journal.notices == []
    assert index.read_bytes() == good


def test_summaries_follow_another_writer(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    one, two = Journal(folder), Journal(folder)
    one.save(make_record("a", status=Status.COMPLETED))
    assert [s.id for s in two.summaries()] == ["a"]
    two.save(make_record("b", status=Status.COMPLETED))
    two.delete("a")
    assert [s.id for s in one.summaries()] == ["b"]


def test_summary_figures(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    record = dataclasses.replace(
        make_record(turns=2, status=Status.COMPLETED),
        ended_at="2026-11-26T20:36:30+01:00",
        mood_after=7,
    )
    record = dataclasses.replace(
        record, turns=record.turns + (dataclasses.replace(make_turn(2), answer=None),)
    )
    journal.save(record)
    (summary,) = journal.summaries()
    assert summary.questions == 3
    assert [a.turn for a in summary.answers] == [1, 2]
    assert summary.words == 18
    assert summary.spoken_s == pytest.approx(2 * (4.5 - 1.0))
    assert summary.length_s == 390.0
    assert (summary.mood_before, summary.mood_after) == (4, 7)
    assert summary.month == "2026-11"


def test_an_index_damaged_where_it_is_read_late_is_rebuilt_quietly(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    record = make_record(turns=2, status=Status.COMPLETED)
    Journal(folder).save(record)
    index = folder / "index" / "2026-11.json"
    doc = unpack(index.read_bytes())
    doc["parts"][0]["content"]["answers"] = b"\n".join(b"[not json" for _ in range(2))
    index.write_bytes(pack(doc))
    journal = Journal(folder)
    assert [h.session.id for h in journal.hits("patient")] == [record.id, record.id]
    index.write_bytes(pack(doc))
    journal = Journal(folder)
    (summary,) = journal.summaries()
    assert (summary.id, len(summary.answers)) == (record.id, 2)
    assert journal.notices == []


def test_a_session_tells_what_it_set_aside_as_a_warning(
    home: Path, cli: Callable[..., CliResult]
) -> None:
    write_mini_home(home, STREAMING_WORDS)
    folder = home / "journal"
    (folder / "running").mkdir(parents=True)
    running_file(folder).write_bytes(b"\x00\x00garbage\n")
    result = cli("session", "--answers", fixture_wav("patience-1"), "--fast", "--json",
                 "--engine", "pocketsphinx")  # fmt: skip
    assert result.code == 0, result.err
    (aside,) = (folder / "running").glob(f"{SID}.jsonl.corrupt-*")
    told = f"running/{SID}.jsonl holds no readable session; set aside as {aside.name}"
    assert f"voicecoach: warning: {told}" in result.err.splitlines()
