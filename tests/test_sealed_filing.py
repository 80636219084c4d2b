"""Filing an encrypted journal with the public key only: sessions saved and filed, a dead
session recovered and old sessions let go by a process that cannot read any of it; whoever has
the passphrase then reads every answer, and the index is made whole again."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path

import pytest

from tests.test_journal import make_record, make_turn
from voicecoach.store.codec import register
from voicecoach.store.crypto import AgeCodec, JournalKey
from voicecoach.store.index_file import unpack
from voicecoach.store.journal import Journal
from voicecoach.store.records import SessionRecord, Status
from voicecoach.store.retention import apply_retention

PASS = "correct horse battery"


def said(words: str, turns: int, sid: str, started: str, status: Status) -> SessionRecord:
    record = make_record(sid=sid, started=started, status=status)
    made = tuple(make_turn(n, f"{words} number {n}") for n in range(turns))
    return dataclasses.replace(record, turns=made)


def every_byte(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.fixture
def codecs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[AgeCodec, AgeCodec]:
    """The journal's codec without its secret (registered, as a session would have it), and
    with it (registered by the test when it reads)."""
    from voicecoach.store import codec

    monkeypatch.setattr(codec, "_CODECS", {codec.PLAIN.name: codec.PLAIN})
    key = JournalKey(tmp_path / "journal")
    key.create(PASS)
    locked, unlocked = key.codec(), key.codec(PASS)
    register(locked)
    return locked, unlocked


def test_filing_recovery_and_retention_without_the_secret(
    tmp_path: Path, codecs: tuple[AgeCodec, AgeCodec]
) -> None:
    locked, unlocked = codecs
    folder = tmp_path / "journal"
    old = said(
        "ancient harbour", 1, "20260105-080000-aaaa", "2026-01-05T08:00:00+01:00", Status.COMPLETED
    )
    first = said(
        "lantern orchard", 2, "20261126-080000-bbbb", "2026-11-26T08:00:00+01:00", Status.COMPLETED
    )
    second = said(
        "velvet compass", 3, "20261127-080000-cccc", "2026-11-27T08:00:00+01:00", Status.STOPPED
    )
    dead = said(
        "marble giraffe", 2, "20261128-080000-dddd", "2026-11-28T08:00:00+01:00", Status.RUNNING
    )

    with Journal(folder, codec=locked) as journal:
        for record in (old, first, second):
            journal.begin(dataclasses.replace(record, status=Status.RUNNING, turns=()))
            for n in range(1, len(record.turns) + 1):
                journal.save(
                    dataclasses.replace(record, status=Status.RUNNING, turns=record.turns[:n])
                )
            journal.finish(record)
        journal.begin(dataclasses.replace(dead, turns=()))
        journal.save(dataclasses.replace(dead, turns=dead.turns[:1]))
        journal.save(dead)
    # The process died (its session lock let go): the next one, also without the secret,
    # files the session's entries as they are and lets the January session go.
    with Journal(folder, codec=locked) as journal:
        assert not (folder / "running" / f"{dead.id}.jsonl").exists()
        listed = journal.month_listing("2026-11")
        assert [(s.id, s.status) for s in listed] == [
            (first.id, Status.COMPLETED),
            (second.id, Status.STOPPED),
            (dead.id, Status.INTERRUPTED),
        ]
        # history's listing needs no secret either (the dead session's row is provisional)
        assert [s.id for s in journal.month_summaries("2026-11")] == [first.id, second.id, dead.id]
        assert journal.hits("giraffe") == []
        now = datetime.fromisoformat("2026-11-30T12:00:00+01:00")
        assert apply_retention(journal, 60, now) == 1
        assert not journal.notices, journal.notices

    on_disk = every_byte(folder).lower()
    for word in (b"ancient", b"harbour", b"lantern", b"orchard", b"velvet", b"compass", b"marble"):
        assert word not in on_disk
    month = json.loads((folder / "2026-11.json").read_text())["sessions"]
    filed = {doc["id"]: doc for doc in month.values()}
    assert "entries" in filed[dead.id] and "content" in filed[first.id]
    assert old.id.encode() not in every_byte(folder / "index")

    register(unlocked)
    with Journal(folder, codec=unlocked) as journal:
        records = journal.records()
        assert [r.id for r in records] == [first.id, second.id, dead.id]
        assert [r.status for r in records] == [Status.COMPLETED, Status.STOPPED, Status.INTERRUPTED]
        assert [[t.answer.text for t in r.turns if t.answer] for r in records] == [
            [t.answer.text for t in r.turns if t.answer] for r in (first, second, dead)
        ]
        hits = journal.hits("giraffe NUMBER 1")
        assert [(h.session.id, h.answer.turn) for h in hits] == [(dead.id, 2)]
        summaries = journal.month_summaries("2026-11")
        assert [s.questions for s in summaries] == [2, 3, 2]
        assert [s.mood_before for s in summaries] == [4, 4, 4]
        assert not journal.notices, journal.notices
    index = unpack((folder / "index" / "2026-11.json").read_bytes())
    assert [p["ids"] for p in index["parts"]] == [[first.id, second.id, dead.id]]

    # The next month rewrite by a process that can unseal stores the dead session whole.
    later = said(
        "quiet meadow", 1, "20261129-080000-eeee", "2026-11-29T08:00:00+01:00", Status.COMPLETED
    )
    with Journal(folder, codec=unlocked) as journal:
        journal.save(later)
    month = json.loads((folder / "2026-11.json").read_text())["sessions"]
    assert all("entries" not in doc and doc["codec"] == "age" for doc in month.values())


def test_sessions_filed_without_the_secret_each_get_an_index_part(
    tmp_path: Path, codecs: tuple[AgeCodec, AgeCodec]
) -> None:
    locked, unlocked = codecs
    folder = tmp_path / "journal"
    records = [
        said(
            f"session{n} pebble",
            2,
            f"2026112{n}-080000-abcd",
            f"2026-11-2{n}T08:00:00+01:00",
            Status.COMPLETED,
        )
        for n in range(1, 4)
    ]
    with Journal(folder, codec=locked) as journal:
        for record in records:
            journal.save(record)
        # Listing needs no secret: every session was filed with its own part.
        assert [s.id for s in journal.month_summaries("2026-11")] == [r.id for r in records]
    index = unpack((folder / "index" / "2026-11.json").read_bytes())
    assert [p["ids"] for p in index["parts"]] == [[r.id] for r in records]
    assert b"pebble" not in every_byte(folder)

    register(unlocked)
    with Journal(folder, codec=unlocked) as journal:
        hits = journal.hits("pebble")
        assert [(h.session.id, h.answer.turn) for h in hits] == [
            (r.id, n) for r in records for n in (1, 2)
        ]
        assert [h.answer.text for h in journal.hits("session2")] == [
            "session2 pebble number 0",
            "session2 pebble number 1",
        ]
    index = unpack((folder / "index" / "2026-11.json").read_bytes())
    assert [p["ids"] for p in index["parts"]] == [[r.id for r in records]]  # joined on reading
