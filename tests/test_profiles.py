"""Two people on one device: each profile its own journal and key, neither readable with the
other's passphrase."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, CliResult
from tests.test_journal_cli import A, B
from tests.test_journal_crypto import every_byte, forget_unlocked
from voicecoach.store.journal import Journal

Cli = Callable[..., CliResult]
SAM, BOB = "sam's long passphrase", "bob's other passphrase"


def test_two_profiles_cannot_read_each_other(
    home: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("profiles", "add", "sam").code == 0
    assert cli("profiles", "add", "bob").code == 0
    assert cli("profiles", "add", "sam").code == 1
    bad = cli("profiles", "add", "Sam Smith")
    assert bad.code == 2 and bad.err.count("\n") == 1 and "lower-case" in bad.err
    listed = cli("profiles", "list").out.split()
    assert listed == ["*", "(default)", "bob", "sam"]

    for name, record in (("sam", A), ("bob", B)):
        with Journal(home / "profiles" / name / "journal") as journal:
            journal.save(record)
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", SAM)
    assert cli("--profile", "sam", "key", "init").code == 0
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", BOB)
    assert cli("--profile", "bob", "key", "init").code == 0
    assert b"Promise" not in every_byte(home)

    forget_unlocked(monkeypatch)
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", BOB)
    refused = cli("--profile", "sam", "show", A.id)
    assert refused.code == 1 and "wrong passphrase" in refused.err and refused.out == ""
    assert "A small Promise kept" in cli("--profile", "bob", "show", B.id).out
    forget_unlocked(monkeypatch)
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", SAM)
    assert cli("--profile", "bob", "show", B.id).code == 1
    assert cli("--profile", "sam", "show", A.id).code == 0

    monkeypatch.setenv("VOICECOACH_PROFILE", "bob")
    forget_unlocked(monkeypatch)
    ids = [ln.split()[0] for ln in cli("history").out.splitlines() if ln.startswith("2026")]
    assert ids == [B.id]
    assert cli("profiles", "list").out.split() == ["(default)", "*", "bob", "sam"]
    monkeypatch.delenv("VOICECOACH_PROFILE")
    assert cli("history").out.strip() == ""  # the default profile holds nothing

    kept_files = cli("profiles", "remove", "bob")  # no terminal to ask on: a usage error
    assert kept_files.code == 2 and "--yes" in kept_files.err
    assert (home / "profiles" / "bob" / "journal").is_dir()
    assert cli("profiles", "remove", "bob", "--yes").code == 0
    assert not (home / "profiles" / "bob").exists()


def test_removing_a_profile_that_holds_sessions_asks_on_a_terminal(
    home: Path, cli: Cli, answer: Callable[[str], None]
) -> None:
    assert cli("profiles", "add", "sam").code == 0
    with Journal(home / "profiles" / "sam" / "journal") as journal:
        journal.save(A)
    answer("n\n")
    kept = cli("profiles", "remove", "sam")
    assert kept.code == 0 and "Remove profile sam" in kept.err and "Nothing removed." in kept.err
    assert (home / "profiles" / "sam" / "journal").is_dir()
    answer("y\n")
    assert cli("profiles", "remove", "sam").code == 0
    assert not (home / "profiles" / "sam").exists()


def test_hints_under_a_profile_name_it_and_work_as_typed(home: Path, cli: Cli) -> None:
    assert cli("profiles", "add", "pat").code == 0
    ran = cli("--profile", "pat", "session", "--mic-file", FIXTURES / "silence-10s.wav",
              "--fast", "--engine", "pocketsphinx")  # fmt: skip
    assert ran.code == 0, ran.err
    saved = ran.err.strip().splitlines()[-1]
    assert saved.startswith("saved as ") and "`voicecoach --profile pat show " in saved, saved
    named = saved.split("`")[1].split()
    assert named[:3] == ["voicecoach", "--profile", "pat"]
    shown = cli(*named[1:])  # the command as the hint names it
    assert shown.code == 0 and shown.out.strip(), shown.err

    assert cli("profiles", "add", "sam").code == 0
    empty = cli("--profile", "sam", "history")
    assert (
        empty.err.strip() == "No sessions yet. Start one with `voicecoach --profile sam session`."
    )
    missing = cli("--profile", "sam", "show", "nosuch")
    assert missing.code == 1 and "see `voicecoach --profile sam history`" in missing.err
    assert "Start one with `voicecoach session`." in cli("history").err  # no profile: none named
