"""`voicecoach forget`: asks first, erases for good (records, backups, index, audio), says what."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.test_journal_cli import A, B, C, kept

Cli = Callable[..., CliResult]


def journal_bytes(home: Path) -> bytes:
    """Everything stored in the journal folder, concatenated."""
    return b"".join(p.read_bytes() for p in sorted((home / "journal").rglob("*")) if p.is_file())


def with_audio(home: Path, sid: str) -> Path:
    folder = home / "journal" / "audio" / sid
    folder.mkdir(parents=True)
    (folder / "1.wav").write_bytes(b"RIFF....WAVE")
    return folder


def test_forget_one_asks_first(home: Path, cli: Cli, answer: Callable[[str], None]) -> None:
    kept(home, A, B, C)
    audio = with_audio(home, B.id)
    answer("n\n")
    declined = cli("forget", B.id[:12])
    assert declined.code == 0 and declined.out == ""  # the person chose: no failure
    assert B.id in declined.err and "Erase 1 session for good?" in declined.err
    assert declined.err.endswith("[y/N] Nothing erased.\n")
    assert B.id.encode() in journal_bytes(home)

    answer("y\n")
    result = cli("forget", B.id[:12])
    assert result.code == 0, result.err
    assert result.out.strip() == f"erased {B.id}  2026-11-01 21:00  patience"
    assert [r["id"] for r in cli("history", "--json").json()] == [A.id, C.id]
    stored = journal_bytes(home)
    assert B.id.encode() not in stored  # not in the shard, its .bak or the index
    assert b"A small Promise kept" not in stored
    assert not audio.exists()


def test_forget_before_a_date(home: Path, cli: Cli) -> None:
    kept(home, A, B, C)
    result = cli("forget", "--before", "2026-11-02", "--yes")
    assert result.code == 0, result.err
    assert [line.split()[1] for line in result.out.splitlines()] == [A.id, B.id]
    assert [r["id"] for r in cli("history", "--json").json()] == [C.id]
    assert cli("forget", "--before", "2026-11-02", "--yes").err.strip() == "Nothing to erase."


def test_forget_a_range_of_dates(home: Path, cli: Cli) -> None:
    kept(home, A, B, C).close()  # 2026-10-20, 2026-11-01, 2026-11-26

    def erased(*args: str) -> list[str]:
        result = cli("forget", *args, "--yes")
        assert result.code == 0, result.err
        return [line.split()[1] for line in result.out.splitlines()]

    assert erased("--since", "2026-11-27") == []  # after the last: nothing
    assert erased("--since", "2026-10-21", "--until", "2026-10-31") == []
    assert erased("--since", "2026-11-01", "--until", "2026-11-01") == [B.id]  # days included
    assert [r["id"] for r in cli("history", "--json").json()] == [A.id, C.id]
    assert erased("--since", "2026-10-20", "--before", "2026-11-26") == [A.id]  # --before: not
    assert erased("--until", "2026-11-26") == [C.id]
    assert cli("history", "--json").json() == []
    # every session forgotten: no filter was asked for, so none "match" (the months remain)
    listed = cli("history")
    assert listed.code == 0
    assert listed.err.strip() == "No sessions yet. Start one with `voicecoach session`."


def test_forget_refuses_wrong_dates_and_erases_nothing(home: Path, cli: Cli) -> None:
    kept(home, A, B, C).close()
    for args, line in (
        (("--since", "2026-11-02", "--until", "2026-11-01"),
         "--since 2026-11-02 is after --until 2026-11-01: no day is in both"),
        (("--since", "2026-11-01", "--before", "2026-11-01"),
         "--since 2026-11-01 is not before --before 2026-11-01: no day is in both"),
        (("--until", "2026-11-01", "--before", "2026-11-02"),
         "forget: give --until or --before, not both"),
        (("--since", "2026-02-30"), "--since: expected a date like 2026-11-26, got '2026-02-30'"),
        (("--until", "yesterday"), "--until: expected a date like 2026-11-26, got 'yesterday'"),
        (("--before", "0001-01-01"), "--before 0001-01-01: no day is before it"),
        ((A.id, "--since", "2026-01-01"),
         "forget: give one of a session id, dates (--since, --until or --before) or --all"),
    ):  # fmt: skip
        refused = cli("forget", *args, "--yes")
        assert refused.code == 2 and refused.out == "", args
        assert refused.err.splitlines() == [f"voicecoach: error: {line}"], args
    assert len(cli("history", "--json").json()) == 3


def test_forget_all_takes_damaged_copies_too(home: Path, cli: Cli) -> None:
    kept(home, A, B, C)
    aside = home / "journal" / "2026-10.json.corrupt-20261101T000000Z"
    aside.write_bytes(b'{"sessions": {"1": {"id": "' + A.id.encode() + b'", "text": "old wor')
    with_audio(home, C.id)
    result = cli("forget", "--all", "--yes")
    assert result.code == 0, result.err
    assert result.out.splitlines()[-1] == f"erased damaged copy journal/{aside.name}"
    assert len(result.out.splitlines()) == 4
    assert cli("history", "--json").json() == []
    stored = journal_bytes(home)
    for record in (A, B, C):
        assert record.id.encode() not in stored
    assert not (home / "journal" / "audio" / C.id).exists()


def test_a_damaged_copy_that_may_hold_the_session_is_named(home: Path, cli: Cli) -> None:
    kept(home, A, B)
    aside = home / "journal" / "2026-10.json.corrupt-20261101T000000Z"
    aside.write_bytes(b'{"sessions": {"1": {"id": "' + A.id.encode() + b'"')
    result = cli("forget", A.id, "--yes")
    assert result.code == 0
    assert result.err.strip() == (
        f"voicecoach: warning: journal/{aside.name} was set aside as damaged and may still "
        "hold erased answers; delete it yourself, or run `voicecoach forget --all`"
    )
    assert aside.exists()  # never touched without --all
    assert cli("forget", B.id, "--yes").err == ""  # that copy does not hold B


def test_forget_needs_one_choice(home: Path, cli: Cli) -> None:
    kept(home, A)
    for args in [(), (A.id, "--all"), ("--before", "2026-01-01", "--all")]:
        result = cli("forget", *args, "--yes")
        assert result.code == 2
        assert result.err.strip() == (
            "voicecoach: error: forget: give one of a session id, dates (--since, --until or "
            "--before) or --all"
        )
    assert cli("forget", "--before", "soon", "--yes").err.strip() == (
        "voicecoach: error: --before: expected a date like 2026-11-26, got 'soon'"
    )
    assert len(cli("history", "--json").json()) == 1


def test_forget_in_an_encrypted_journal_needs_the_passphrase(
    home: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_journal_crypto import PASS, encrypted

    kept(home, A, B).close()
    encrypted(cli, monkeypatch)
    before = journal_bytes(home)
    for args in ((B.id,), ("--before", "2000-01-01"), ("--all",)):  # matching nothing too
        refused = cli("forget", *args, "--yes")
        assert refused.code == 1 and refused.out == "", refused.err
        assert refused.err.splitlines() == [
            "voicecoach: error: the journal's passphrase is needed: set VOICECOACH_PASSPHRASE "
            "or use a terminal"
        ]
    assert journal_bytes(home) == before
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", PASS)
    erased = cli("forget", B.id, "--yes")
    assert erased.code == 0 and B.id in erased.out, erased.err
    assert [r["id"] for r in cli("history", "--json").json()] == [A.id]


def broken_start(home: Path, sid: str, started: str) -> None:
    """Give session ``sid`` a start that is no date, in its month file and the ``.bak``, line
    by line as they are (the record can then never be decoded)."""
    for path in (home / "journal").glob("*.json*"):
        raw = path.read_bytes()
        if sid.encode() in raw:
            path.write_bytes(raw.replace(started.encode(), b"2026-02-30T21:00:00+01:00"))


def test_forget_erases_a_record_that_cannot_be_read(home: Path, cli: Cli) -> None:
    """A record that can never be decoded is named (file, line, what is wrong) and erased
    by its id; `forget --all` erases it too, with the words in the .bak, and a record with no
    id at all."""
    kept(home, A, B, C).close()
    assert b"Promise kept" in (home / "journal" / "2026-11.json.bak").read_bytes()
    broken_start(home, B.id, B.started_at)
    listed = cli("history")
    assert listed.code == 0 and B.id not in listed.out
    assert listed.err.strip() == (
        f"voicecoach: warning: journal/2026-11.json line 2: session {B.id} cannot be read "
        "(started_at is not an ISO 8601 time: '2026-02-30T21:00:00+01:00'); left in the file "
        f"and skipped (`voicecoach forget {B.id}` erases it)"
    )
    ambiguous = cli("forget", "2026", "--yes")  # the readable ones first: never a guess
    assert ambiguous.code == 1 and "matches 2 sessions" in ambiguous.err
    assert b"Promise kept" in (home / "journal" / "2026-11.json").read_bytes()
    erased = cli("forget", B.id[:15], "--yes")
    assert erased.code == 0, erased.err
    assert erased.out.strip() == f"erased unreadable record {B.id} (journal/2026-11.json line 2)"
    assert erased.err == ""
    assert b"Promise" not in journal_bytes(home)
    assert [r["id"] for r in cli("history", "--json").json()] == [A.id, C.id]

    kept(home, B).close()
    broken_start(home, B.id, B.started_at)
    month = home / "journal" / "2026-11.json"
    doc = json.loads(month.read_bytes())
    doc["sessions"]["9"] = {"schema": 1, "codec": "plain", "content": {"said": "hidden worry"}}
    month.write_text(json.dumps(doc))
    everything = cli("forget", "--all", "--yes")
    assert everything.code == 0, everything.err
    assert f"erased unreadable record {B.id} (journal/2026-11.json)" in everything.out
    assert "erased unreadable record (journal/2026-11.json)" in everything.out
    stored = journal_bytes(home)
    assert b"Promise" not in stored and b"hidden worry" not in stored
    assert cli("forget", "--all", "--yes").err.strip() == "Nothing to erase."


def test_forget_by_dates_says_how_many_records_it_could_not_date(home: Path, cli: Cli) -> None:
    """A record that cannot be read has no date to go by: a range of dates leaves it, and says
    so in one line (how many, and how to erase them), whether it erased others or nothing."""
    kept(home, A, B, C).close()
    broken_start(home, B.id, B.started_at)
    month = home / "journal" / "2026-11.json"
    doc = json.loads(month.read_bytes())
    doc["sessions"]["9"] = {"schema": 1, "codec": "plain", "content": {"said": "hidden worry"}}
    month.write_text(json.dumps(doc))  # and one with no id at all
    left = (
        "voicecoach: warning: forget left 2 records that cannot be read, as their dates cannot "
        "be known (named above): `voicecoach forget ID` erases one by its id, `voicecoach "
        "forget --all` erases them with every session"
    )
    erased = cli("forget", "--since", "2026-10-01", "--yes")
    assert erased.code == 0, erased.err
    assert [ln.split()[1] for ln in erased.out.splitlines()] == [A.id, C.id]
    told = erased.err.splitlines()
    assert told[-1] == left and len(told) == 3  # after the line naming each
    assert f"session {B.id} cannot be read" in told[0] and "a record cannot be read" in told[1]
    again = cli("forget", "--before", "2027-01-01", "--yes")
    assert again.code == 0 and again.out == ""
    assert again.err.splitlines()[0] == "Nothing to erase." and again.err.splitlines()[-1] == left
    assert "hidden worry" in month.read_text()  # left, as said
    assert cli("forget", B.id, "--yes").code == 0
    once = cli("forget", "--until", "2027-01-01", "--yes").err.splitlines()
    assert once[-1] == left.replace("2 records", "1 record").replace("their dates", "its date")


def test_no_index_or_backup_outlives_a_month_file_deleted_by_hand(
    home: Path, cli: Cli, answer: Callable[[str], None]
) -> None:
    """The index of a month whose file is gone is dropped when the journal is next read;
    `forget --all` removes every index file and, after asking, the month's ``.bak``."""
    kept(home, A, B, C).close()
    folder = home / "journal"
    assert cli("history").code == 0
    index = folder / "index" / "2026-11.json"
    assert b"Promise kept" in index.read_bytes()
    stale = index.read_bytes()
    (folder / "2026-11.json").unlink()
    listed = cli("history", "--json")
    assert [r["id"] for r in listed.json()] == [A.id]
    assert not index.exists() and listed.err == ""
    assert sorted(p.name for p in (folder / "index").iterdir()) == ["2026-10.json"]
    assert b"Promise kept" in (folder / "2026-11.json.bak").read_bytes()

    index.write_bytes(stale)  # as a reader without this fix left it
    answer("y\n")
    everything = cli("forget", "--all")
    assert everything.code == 0, everything.err
    assert "Erase 1 session and 1 backup with no month file for good?" in everything.err
    assert "erased backup journal/2026-11.json.bak (its month file was gone)" in everything.out
    assert b"Promise" not in journal_bytes(home)
    assert not list((folder / "index").iterdir())
    assert not (folder / "2026-11.json.bak").exists()
    assert (folder / "2026-10.json").exists()

    index.write_bytes(stale)
    assert cli("forget", "--all", "--yes").err.strip() == "Nothing to erase."
    assert b"Promise" not in journal_bytes(home)
