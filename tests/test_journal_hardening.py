"""An unlucky disk and hostile files: full and read-only disks, bad records, symlinks, modes."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import CliResult, fixture_wav
from tests.test_journal import make_record, make_turn
from voicecoach.errors import JournalError, SaveError
from voicecoach.files import private_folder
from voicecoach.paths import Paths, private_dir
from voicecoach.store.journal import Journal
from voicecoach.store.records import Status

Cli = Callable[..., CliResult]

DONE = dataclasses.replace(make_record(turns=2, status=Status.COMPLETED), id="20261126-203000-done")


@contextlib.contextmanager
def small_disk(where: Path, size: str = "2m") -> Iterator[Path]:
    """A tmpfs of ``size`` at ``where`` (needs root; the test is skipped without it)."""
    where.mkdir(parents=True, exist_ok=True)
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
        capture_output=True,
    )
    if made.returncode != 0:
        pytest.skip("cannot mount a small filesystem here (needs root)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def read_only(where: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)


def fill_up(folder: Path) -> None:
    """Write until the disk is full."""
    with open(folder / "ballast", "wb") as out, contextlib.suppress(OSError):
        while True:
            out.write(b"\0" * 65536)
            out.flush()
            os.fsync(out.fileno())


def untidy_journal(journal_folder: Path) -> None:
    """Sessions, a damaged month, an interrupted session and a stale index: much to tidy."""
    journal = Journal(journal_folder)
    journal.save(DONE)
    october = make_record("20261020-080000-octo", "2026-10-20T08:00:00+02:00", turns=1)
    journal.save(dataclasses.replace(october, status=Status.COMPLETED))
    (journal_folder / "2026-10.json").write_bytes(b'{"meta": {"1": {"format": 2}}, "sess')
    dead = Journal(journal_folder)
    dead.begin(make_record("20261127-090000-dead", "2026-11-27T09:00:00+01:00"))
    dead.save(make_record("20261127-090000-dead", "2026-11-27T09:00:00+01:00", turns=1))
    dead.close()  # as if its process had died: the lock is free, the file stays
    (journal_folder / "index" / "2026-11.json").unlink()


def read_commands_work(cli: Cli, *, every_time: bool) -> None:
    for n, args in enumerate(
        (
            ("history", "--all"),
            ("history", "--json"),
            ("show", DONE.id),
            ("export", "--all"),
            ("search", "patient"),
            ("stats",),
        )
    ):
        result = cli(*args)
        assert result.code == 0, (args, result.err)
        if every_time or n == 0:  # a full disk may let some tidying through
            assert "voicecoach: warning: the journal could not be tidied" in result.err, args
        assert all(line.startswith("voicecoach: ") for line in result.err.splitlines()), args
        assert "Traceback" not in result.err
    found = {r["id"]: r["status"] for r in cli("history", "--json").json()}
    assert found[DONE.id] == "completed"
    assert found["20261127-090000-dead"] == "interrupted"


def test_read_only_disk_reads_and_says_it_could_not_tidy(home: Path, cli: Cli) -> None:
    with small_disk(home / "journal"):
        untidy_journal(home / "journal")
        before = sorted(p.relative_to(home) for p in (home / "journal").rglob("*"))
        read_only(home / "journal")
        read_commands_work(cli, every_time=True)
        # A session says so first, in one line, before any engine loads or device opens.
        session = cli("session", "patience", "--fast", "--answers", fixture_wav("patience-1"))
        assert session.code == 1
        assert session.err.startswith("voicecoach: error: cannot open the journal folder")
        assert session.err.count("\n") == 1 and "Read-only file system" in session.err
        erase = cli("forget", DONE.id, "--yes")  # the error alone, in one line
        assert erase.code == 1 and erase.err.count("\n") == 1, erase.err
        assert erase.err.startswith("voicecoach: error: ") and "read-only" in erase.err.lower()
        assert sorted(p.relative_to(home) for p in (home / "journal").rglob("*")) == before


def test_full_disk_reads_and_a_session_that_cannot_save_says_so(home: Path, cli: Cli) -> None:
    with small_disk(home / "journal"):
        untidy_journal(home / "journal")
        journal = Journal(home / "journal")
        record = make_record("20261128-090000-full", "2026-11-28T09:00:00+01:00", turns=1)
        journal.begin(record)
        fill_up(home / "journal")
        read_commands_work(cli, every_time=False)
        bigger = dataclasses.replace(
            record, turns=tuple(make_turn(n, "word " * 4000) for n in range(6))
        )
        fix = "the journal folder .* must be writable, on a disk with free space"
        with pytest.raises(SaveError, match=f"cannot save the session: .*No space left.*{fix}"):
            journal.save(bigger)
        kept = Journal(home / "journal").get(record.id)
        assert kept.turns == record.turns  # what was saved before stays


BAD = {**DONE.to_record(), "id": "20261125-100000-badd", "started_at": "yesterday"}


def test_one_bad_record_is_skipped_with_a_notice(home: Path, cli: Cli) -> None:
    Journal(home / "journal").save(DONE)
    month = home / "journal" / "2026-11.json"
    doc = json.loads(month.read_bytes())
    doc["sessions"]["2"] = BAD
    month.write_text(json.dumps(doc))
    for args in (("history", "--json"), ("stats", "--json"), ("export", "--all"), ("history",)):
        result = cli(*args)
        assert result.code == 0, (args, result.err)
        assert result.err.count("session 20261125-100000-badd cannot be read") == 1, args
    assert [r["id"] for r in cli("history", "--json").json()] == [DONE.id]
    assert cli("stats", "--json").json()["sessions"] == 1


def test_a_damaged_file_is_told_once(home: Path, cli: Cli) -> None:
    Journal(home / "journal").save(DONE)
    (home / "journal" / "2026-11.json").write_bytes(b"{ not json")
    result = cli("history", "--all")
    assert result.err.count("2026-11.json is damaged") == 1
    assert "WARNING" not in result.err


def test_a_damaged_bak_is_set_aside_not_overwritten(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    Journal(folder).save(DONE)
    Journal(folder).save(make_record("20261127-090000-more", "2026-11-27T09:00:00+01:00"))
    bak = folder / "2026-11.json.bak"
    bak.write_bytes(b"\x00 damaged backup")
    Journal(folder).save(make_record("20261128-090000-last", "2026-11-28T09:00:00+01:00"))
    (aside,) = folder.glob("2026-11.json.bak.corrupt-*")
    assert aside.read_bytes() == b"\x00 damaged backup"
    assert b"20261127-090000-more" in bak.read_bytes()


def test_folders_are_0700_whatever_the_umask(tmp_path: Path) -> None:
    for umask in (0o000, 0o022, 0o277):
        root = tmp_path / f"umask-{umask:03o}"
        paths = Paths.from_env({"HOME": str(root)})
        old = os.umask(umask)
        try:
            private_dir(paths.voice_cache)
            private_dir(Paths.from_env({"VOICECOACH_HOME": str(root / "vc")}).voice_cache)
            Journal(paths.journal).save(DONE)
        finally:
            os.umask(old)
        made = [
            root / ".cache",
            root / ".cache" / "voicecoach",
            paths.voice_cache,
            root / ".local",
            root / ".local" / "share",
            paths.data,
            paths.journal,
            paths.journal / "running",
            paths.journal / "index",
            root / "vc",
            root / "vc" / "cache",
        ]
        for folder in made:
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700, (umask, folder)
        for file in paths.journal.glob("2026-11.json*"):
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, (umask, file)


def test_a_symlinked_lock_or_month_file_is_refused_and_its_target_left_alone(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "journal"
    Journal(folder).save(DONE)
    target = tmp_path / "someone-elses-file"
    target.write_text("theirs")
    os.chmod(target, 0o644)
    lock = folder / ".write.lock"
    lock.unlink()
    lock.symlink_to(target)
    with pytest.raises(JournalError, match=r"\.write\.lock is a symbolic link"):
        Journal(folder).save(make_record("20261127-090000-more", "2026-11-27T09:00:00+01:00"))
    assert stat.S_IMODE(target.stat().st_mode) == 0o644 and target.read_text() == "theirs"
    lock.unlink()

    month = folder / "2026-11.json"
    month.unlink()
    month.symlink_to(target)
    journal = Journal(folder)
    assert journal.records() == []
    assert any("2026-11.json is a symbolic link" in n for n in journal.notices)
    with pytest.raises(JournalError, match="is a symbolic link"):
        journal.save(make_record("20261127-090000-more", "2026-11-27T09:00:00+01:00"))
    assert stat.S_IMODE(target.stat().st_mode) == 0o644 and target.read_text() == "theirs"
    assert month.is_symlink()


def test_a_read_only_journal_folder_is_not_made_writable(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    Journal(folder).save(DONE)
    os.chmod(folder, 0o500)
    try:
        before = sorted(os.listdir(folder))
        assert Journal(folder).records() == [DONE]
        with pytest.raises(JournalError, match="is read-only"):
            Journal(folder).save(make_record("20261127-090000-more", "2026-11-27T09:00:00+01:00"))
        assert stat.S_IMODE(folder.stat().st_mode) == 0o500
        assert sorted(os.listdir(folder)) == before
    finally:
        os.chmod(folder, 0o700)


def test_a_session_names_a_read_only_journal_folder_first(
    home: Path, cli: Cli, tmp_path: Path
) -> None:
    folder = home / "journal"
    Journal(folder).save(DONE)
    os.chmod(folder, 0o500)
    try:
        before = sorted(os.listdir(folder))
        result = cli("session", "patience", "--fast", "--answers", fixture_wav("patience-1"))
        assert result.code == 1
        assert result.err.startswith(f"voicecoach: error: the journal folder {folder} is read-only")
        assert result.err.count("\n") == 1  # before any engine or voice is named
        assert sorted(os.listdir(folder)) == before
    finally:
        os.chmod(folder, 0o700)


def test_private_folder_never_chmods_through_a_symlink(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.chmod(elsewhere, 0o755)
    link = tmp_path / "data"
    link.symlink_to(elsewhere)
    private_folder(link)
    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o755
    private_folder(link / "journal")
    assert stat.S_IMODE((elsewhere / "journal").stat().st_mode) == 0o700
