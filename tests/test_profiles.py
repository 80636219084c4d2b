"""Two people on one device: each profile its own journal and key, neither readable with the
other's passphrase."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
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

    kept_files = cli("profiles", "remove", "bob")
    assert kept_files.code == 1 and "--yes" in kept_files.err
    assert (home / "profiles" / "bob" / "journal").is_dir()
    assert cli("profiles", "remove", "bob", "--yes").code == 0
    assert not (home / "profiles" / "bob").exists()
