"""Reading what is shown: history pages, all-words search, one record for `show`, streamed
exports, salvage of a damaged month, the export format from the file name."""

from __future__ import annotations

import dataclasses
import json
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.test_journal import make_record, make_turn
from voicecoach.store.index_file import pack, unpack
from voicecoach.store.journal import Journal
from voicecoach.store.monthfile import encode_month, parse_month
from voicecoach.store.records import SessionRecord, Status
from voicecoach.store.stored import encode

Cli = Callable[..., CliResult]


def finished(sid: str, started: str, text: str = "") -> SessionRecord:
    record = make_record(sid, started, turns=1, status=Status.COMPLETED)
    if text:
        record = dataclasses.replace(record, turns=(*record.turns, make_turn(1, text)))
    return record


def daily(home: Path, days: int) -> list[SessionRecord]:
    """One finished session a day for ``days`` days up to yesterday, oldest first."""
    now = datetime.now().astimezone().replace(microsecond=0, hour=9, minute=0, second=0)
    records = []
    for day in range(days, 0, -1):
        started = now - timedelta(days=day)
        records.append(finished(started.strftime("%Y%m%d-%H%M%S-0001"), started.isoformat()))
    journal = Journal(home / "journal")
    for record in records:
        journal.save(record)
    return records


def ids_in(table: str) -> list[str]:
    return [line.split()[0] for line in table.splitlines() if line[:8].isdigit()]


def test_history_shows_the_latest_page_and_more_on_request(home: Path, cli: Cli) -> None:
    records = daily(home, 75)
    result = cli("history")
    assert result.code == 0
    assert ids_in(result.out) == [r.id for r in records[-20:]]
    assert "the latest 20 shown; --all for every session" in result.err
    assert ids_in(cli("history", "--limit", "3").out) == [r.id for r in records[-3:]]
    assert ids_in(cli("history", "--all").out) == [r.id for r in records]
    assert cli("history", "--all").err == ""
    both = cli("history", "--all", "--limit", "3")
    assert both.code != 0 and "--all or --limit" in both.err


def test_history_reads_only_the_months_it_shows(home: Path, cli: Cli) -> None:
    records = daily(home, 75)
    folder = home / "journal"
    months = sorted(p.name for p in folder.glob("????-??.json"))
    assert len(months) >= 3
    oldest = folder / months[0]
    oldest.write_bytes(b"garbage that would be reported if it were read")
    result = cli("history", "--limit", "5")
    assert ids_in(result.out) == [r.id for r in records[-5:]]
    assert result.err.count("damaged") == 0
    assert "damaged" in cli("history", "--all").err  # and read when asked for


def test_search_needs_every_word_in_one_answer(home: Path, cli: Cli) -> None:
    both = finished("20261101-080000-aaaa", "2026-11-01T08:00:00+01:00", "I worried about money")
    one = finished("20261102-080000-bbbb", "2026-11-02T08:00:00+01:00", "money was fine")
    apart = dataclasses.replace(
        finished("20261103-080000-cccc", "2026-11-03T08:00:00+01:00", "I worried"),
    )
    apart = dataclasses.replace(apart, turns=(*apart.turns, make_turn(2, "about money")))
    journal = Journal(home / "journal")
    for record in (both, one, apart):
        journal.save(record)
    found = cli("search", "--json", "worried money").json()
    assert [(h["id"], h["turn"]) for h in found] == [(both.id, 2)]
    assert [s.id for s in Journal(home / "journal").summaries() if s.id] == [
        both.id,
        one.id,
        apart.id,
    ]
    history = cli("history", "--search", "Money worried", "--json").json()
    assert [r["id"] for r in history] == [both.id]


def test_search_finds_korean_typed_in_decomposed_form(home: Path, cli: Cli) -> None:
    said = "오늘은 인내심을 가졌다"
    record = finished("20261101-080000-kkkk", "2026-11-01T08:00:00+01:00", said)
    Journal(home / "journal").save(record)
    decomposed = unicodedata.normalize("NFD", "인내심")
    assert decomposed != "인내심"
    found = cli("search", "--json", decomposed).json()
    assert [(h["id"], h["answer"]) for h in found] == [(record.id, said)]
    stored_nfd = finished("20261102-080000-nnnn", "2026-11-02T08:00:00+01:00")
    stored_nfd = dataclasses.replace(
        stored_nfd, turns=(*stored_nfd.turns, make_turn(1, unicodedata.normalize("NFD", said)))
    )
    Journal(home / "journal").save(stored_nfd)
    assert len(cli("search", "--json", "인내심").json()) == 2


def test_show_decodes_only_its_own_record(home: Path, cli: Cli) -> None:
    wanted = finished("20261101-080000-aaaa", "2026-11-01T08:00:00+01:00", "the one shown")
    other = finished("20261102-080000-bbbb", "2026-11-02T08:00:00+01:00")
    Journal(home / "journal").save(wanted)
    Journal(home / "journal").save(other)
    month = home / "journal" / "2026-11.json"
    lines = month.read_bytes().split(b"\n")
    (line,) = [n for n, raw in enumerate(lines) if other.id.encode() in raw]
    # The other record's content is damaged, in a way only decoding it would notice.
    lines[line] = lines[line].replace(b'"turns": [', b'"turns": [7, ')
    month.write_bytes(b"\n".join(lines))
    index = home / "journal" / "index" / "2026-11.json"
    doc = unpack(index.read_bytes())
    st = month.stat()
    doc["shard"] = [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]  # still current
    index.write_bytes(pack(doc))
    result = cli("show", "--json", wanted.id)
    assert result.code == 0 and result.err == ""
    assert result.json()["id"] == wanted.id


def test_history_json_and_export_all_stream_valid_json(home: Path, cli: Cli) -> None:
    records = daily(home, 40)
    history = cli("history", "--json")
    assert [r["id"] for r in history.json()] == [r.id for r in records]
    exported = cli("export", "--all", "--format", "json")
    assert exported.json() == history.json()
    assert exported.out.count("\n") == len(records) + 2  # one record per line
    assert cli("history", "--json", "--limit", "2").json() == history.json()[-2:]


def test_a_damaged_month_keeps_every_whole_record_and_the_bak_fills_in(
    home: Path, cli: Cli
) -> None:
    folder = home / "journal"
    a = finished("20261101-080000-aaaa", "2026-11-01T08:00:00+01:00", "first")
    b = finished("20261102-080000-bbbb", "2026-11-02T08:00:00+01:00", "second")
    c = finished("20261103-080000-cccc", "2026-11-03T08:00:00+01:00", "filed last")
    journal = Journal(folder)
    journal.save(a)
    journal.save(b)
    journal.save(c)  # the .bak holds a and b; the month file a, b and c
    month = folder / "2026-11.json"
    lines = month.read_bytes().split(b"\n")
    (line,) = [n for n, raw in enumerate(lines) if b.id.encode() in raw]
    lines[line] = lines[line][:40]  # b's line is cut short; c's, the last filed, is whole
    month.write_bytes(b"\n".join(lines))
    result = cli("history", "--json")
    assert [r["id"] for r in result.json()] == [a.id, b.id, c.id]
    (notice,) = result.err.splitlines()
    assert "2 sessions read from it, 1 more from 2026-11.json.bak" in notice
    assert cli("history").err == ""
    assert [d["id"] for d in parse_month(month.read_bytes(), "x").docs] == [a.id, c.id, b.id]


def test_records_written_before_this_layout_are_migrated_safely(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    folder.mkdir()
    record = finished("20261101-080000-aaaa", "2026-11-01T08:00:00+01:00", "old words")
    old = {"meta": {"1": {"schema": 1}}, "sessions": {"1": record.to_record()}}
    raw = json.dumps(old).encode()
    (folder / "2026-11.json").write_bytes(raw)
    assert Journal(folder).records() == [record]
    assert (folder / "2026-11.json.bak").read_bytes() == raw  # the old version is kept
    migrated = json.loads((folder / "2026-11.json").read_bytes())
    (doc,) = migrated["sessions"].values()
    assert doc["codec"] == "plain" and doc["content"]["turns"][1]["answer"]["text"] == "old words"
    assert parse_month((folder / "2026-11.json").read_bytes(), "x").damage is None
    assert Journal(folder).get(record.id) == record


def test_month_file_is_a_tinydb_database(tmp_path: Path) -> None:
    from tinydb import TinyDB

    record = finished("20261101-080000-aaaa", "2026-11-01T08:00:00+01:00", "readable")
    path = tmp_path / "2026-11.json"
    path.write_bytes(encode_month([encode(record)]))
    with TinyDB(path, access_mode="r") as db:
        (doc,) = db.table("sessions").all()
    assert doc["id"] == record.id and doc["content"]["mood_before"] == 4


@pytest.mark.parametrize(
    ("name", "expected"), [("one.json", "json"), ("one.txt", "txt"), ("one.md", "md")]
)
def test_export_format_follows_the_file_name(
    home: Path, cli: Cli, tmp_path: Path, name: str, expected: str
) -> None:
    record = finished("20261101-080000-aaaa", "2026-11-01T08:00:00+01:00", "kept words")
    Journal(home / "journal").save(record)
    out = tmp_path / name
    assert cli("export", record.id, "-o", out).code == 0
    text = out.read_text()
    if expected == "json":
        assert json.loads(text)["id"] == record.id
    elif expected == "txt":
        assert text.startswith("patience · ") and "you:   kept words" in text
    else:
        assert text.startswith("## Patience")
    forced = tmp_path / f"forced-{name}"
    result = cli("export", record.id, "-o", forced, "--format", "md")
    if expected == "md":
        assert result.code == 0 and forced.read_text().startswith("## Patience")
    else:  # a format against the file's ending: one line, nothing written
        assert result.code == 2 and len(result.err.splitlines()) == 1, result.err
        assert f"the name ends .{expected}" in result.err and not forced.exists()
