"""Profiles and keys from the command line: a mistyped profile is refused (never a new empty
journal), `key init` takes the new passphrase from VOICECOACH_NEW_PASSPHRASE as
`change-passphrase` does, and an encrypted journal listed without its passphrase says its moods
are locked instead of showing none."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.test_journal_cli import A, B, kept
from tests.test_journal_crypto import PASS, encrypted, forget_unlocked
from voicecoach.store.crypto import JournalKey

Cli = Callable[..., CliResult]


def test_a_profile_never_made_is_refused_and_nothing_is_created(
    cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept(home, A).close()
    assert cli("profiles", "add", "sam").code == 0
    for argv in (["--profile", "sma", "history"], ["--profile", "sma", "key", "init"]):
        refused = cli(*argv)
        assert refused.code == 1
        (line,) = refused.err.splitlines()
        assert line == (
            "voicecoach: error: no profile 'sma'; `voicecoach profiles list` shows them "
            "(`voicecoach profiles add sma` makes it)"
        )
        assert refused.out == ""
    monkeypatch.setenv("VOICECOACH_PROFILE", "sma")
    assert "no profile 'sma'" in cli("show", A.id).err
    assert not (home / "profiles" / "sma").exists()
    # The profiles commands still work, to list them or make the one meant.
    assert "sam" in cli("profiles", "list").out
    assert cli("profiles", "add", "sma").code == 0
    assert cli("history").code == 0
    monkeypatch.delenv("VOICECOACH_PROFILE")
    assert cli("--profile", "sam", "history").code == 0


def test_default_is_no_profile_name_and_upper_case_is_told_its_lower_case_name(
    cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`profiles add default` made a profile beside the journal `profiles list` shows as
    "(default)", and the speaker then offered both; `profiles add Sam` says which name to use."""
    kept(home, A).close()
    assert cli("profiles", "add", "alex").code == 0
    refused = cli("profiles", "add", "default")
    assert refused.code == 2 and refused.out == ""
    assert refused.err == (
        "voicecoach: error: profile 'default': reserved for the journal used without a "
        "profile; choose another name\n"
    )
    upper = cli("profiles", "add", "Sam")
    assert upper.code == 2 and upper.out == ""
    assert upper.err == "voicecoach: error: profile 'Sam': profile names are lower case; use sam\n"
    assert cli("profiles", "add", "Mary Jo").err.endswith(
        "use lower-case letters, digits, - and _ (up to 32 characters)\n"
    )  # no lower-case name would do
    assert sorted(p.name for p in (home / "profiles").iterdir()) == ["alex"]
    assert cli("profiles", "list").out.split() == ["*", "(default)", "alex"]
    default = cli("--profile", "default", "show", A.id)
    assert (default.code, default.out) == (1, "")
    assert default.err == (
        "voicecoach: error: no profile 'default': the default journal is the one used without "
        "--profile and without VOICECOACH_PROFILE\n"
    )
    assert cli("--profile", "Sam", "history").err.endswith("lower case; use sam\n")
    monkeypatch.setenv("VOICECOACH_PROFILE", "Sam")
    assert "use sam" in cli("history").err


@pytest.mark.parametrize("name", ["stop", "nobody", "me", "no-one", "never_mind", "cancel"])
def test_a_name_the_speaker_takes_as_not_me_is_refused(cli: Cli, home: Path, name: str) -> None:
    """After a wake, "stop" (or "not me": "me") was heard as the profile so named, and a
    session was kept in its journal for nobody; the name is refused, naming the replies."""
    refused = cli("profiles", "add", name)
    assert (refused.code, refused.out) == (2, "")
    assert refused.err == (
        f'voicecoach: error: profile {name!r}: the speaker takes "not me", "not now", '
        '"stop", "nobody", "never mind", "cancel", "no one" and each of their words as nobody to '
        "keep a session for, so these names are reserved; choose another name\n"
    )
    assert not (home / "profiles").exists()
    for fine in ("stoppard", "mel", "noone"):  # a name holding them is a name of its own
        assert cli("profiles", "add", fine).code == 0, fine


def test_key_init_takes_the_new_passphrase_from_the_environment(
    cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept(home, A).close()
    monkeypatch.delenv("VOICECOACH_PASSPHRASE", raising=False)
    monkeypatch.setenv("VOICECOACH_NEW_PASSPHRASE", "short")
    refused = cli("key", "init")
    assert refused.code == 1 and "at least 8 characters" in refused.err
    monkeypatch.setenv("VOICECOACH_NEW_PASSPHRASE", PASS)
    made = cli("key", "init")
    assert made.code == 0, made.err
    assert made.err.startswith("The journal is encrypted (1 session). ")
    monkeypatch.delenv("VOICECOACH_NEW_PASSPHRASE")
    forget_unlocked(monkeypatch)
    key = JournalKey(home / "journal")
    key.unlock(PASS)  # raises on any other passphrase


def test_history_of_an_encrypted_journal_says_its_moods_are_locked(
    cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept(home, A, B).close()
    encrypted(cli, monkeypatch)
    listed = cli("history")
    assert listed.code == 0, listed.err
    rows = [ln.split() for ln in listed.out.splitlines() if ln.startswith("2026")]
    assert [r[0] for r in rows] == [A.id, B.id]
    assert all("locked" in r and "—" not in r and "completed" in r for r in rows), listed.out
    assert "moods are locked" in listed.err

    monkeypatch.setenv("VOICECOACH_PASSPHRASE", PASS)
    forget_unlocked(monkeypatch)
    unlocked = cli("history")
    assert unlocked.code == 0, unlocked.err
    rows = [ln.split() for ln in unlocked.out.splitlines() if ln.startswith("2026")]
    assert all("4→?" in r and "locked" not in r for r in rows), unlocked.out
    assert unlocked.err == ""

    monkeypatch.setenv("VOICECOACH_PASSPHRASE", "another profile's passphrase")
    forget_unlocked(monkeypatch)
    other = cli("history")  # a passphrase that does not open it: the listing alone
    assert other.code == 0, other.err
    assert [ln.split()[0] for ln in other.out.splitlines() if "locked" in ln] == [A.id, B.id]
