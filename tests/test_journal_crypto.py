"""Encryption at rest: the journal's key, its passphrase, and a plain journal encrypted on
`key init` (real age files, read back by the stock `age` tool)."""

from __future__ import annotations

import base64
import json
import re
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import STREAMING_WORDS, CliResult, fixture_wav
from tests.test_forget import broken_start
from tests.test_journal import make_record
from tests.test_journal_cli import A, B, C, kept
from tests.virtual_audio import write_mini_home
from voicecoach.audio.wavfile import read_wav
from voicecoach.errors import JournalError
from voicecoach.store.audio import load_answer, wav_bytes
from voicecoach.store.crypto import AgeCodec, JournalKey, WrongPassphrase, read_passphrase
from voicecoach.store.journal import Journal
from voicecoach.store.monthfile import encode_month, parse_month

Cli = Callable[..., CliResult]
PASS = "correct horse battery"


def forget_unlocked(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a new process: no codec unlocked by an earlier command of this test."""
    from voicecoach.store import codec

    monkeypatch.setattr(codec, "_CODECS", {codec.PLAIN.name: codec.PLAIN})


def encrypted(cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch) -> None:
    """Encrypt the test home's journal (``key init`` with ``PASS``), then go on as a new
    process would: no passphrase in the environment, no codec unlocked."""
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", PASS)
    made = cli("key", "init")
    assert made.code == 0, made.err
    monkeypatch.delenv("VOICECOACH_PASSPHRASE")
    forget_unlocked(monkeypatch)


def but_length(table: str) -> list[list[str]]:
    """The rows of `history`'s piped table without the length column (listed from a month
    file's plain metadata, a length is its start to its end: these test records have no end)."""
    rows = [re.split(r"\s{2,}", line) for line in table.splitlines() if line.startswith("2026")]
    assert rows and all(len(row) == 6 for row in rows), table
    return [row[:3] + row[4:] for row in rows]


def every_byte(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_codec_seals_without_the_secret_and_unseals_with_it() -> None:
    import pyrage

    identity = pyrage.x25519.Identity.generate()
    locked = AgeCodec(str(identity.to_public()))
    sealed = locked.seal({"text": "my promise", "n": 3})
    assert isinstance(sealed, str) and "promise" not in sealed
    with pytest.raises(JournalError, match="passphrase is needed"):
        locked.unseal(sealed)
    assert AgeCodec(str(identity.to_public()), identity).unseal(sealed) == {
        "text": "my promise",
        "n": 3,
    }
    with pytest.raises(ValueError):
        AgeCodec(str(identity.to_public()), identity).unseal(sealed[:-8] + "AAAAAAA=")


def test_key_init_change_and_wrong_passphrase(
    home: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VOICECOACH_PASSPHRASE", raising=False)
    monkeypatch.delenv("VOICECOACH_NEW_PASSPHRASE", raising=False)
    unasked = cli("key", "init")  # no terminal to ask on: the variable for scripts is named
    assert unasked.code == 1 and unasked.err.count("\n") == 1
    assert "set VOICECOACH_NEW_PASSPHRASE or use a terminal" in unasked.err, unasked.err
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", "short")
    refused = cli("key", "init")
    assert refused.code == 1 and "at least 8 characters" in refused.err
    assert not (home / "journal" / "key").exists()

    monkeypatch.setenv("VOICECOACH_PASSPHRASE", PASS)
    assert cli("key", "init").code == 0
    key = JournalKey(home / "journal")
    assert key.recipient().startswith("age1")
    for path in (key.recipient_file, key.identity_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert b"AGE-SECRET-KEY" not in key.identity_file.read_bytes()
    again = cli("key", "init")
    assert again.code == 1 and "already has a key" in again.err

    before = key.identity_file.read_bytes()
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", "not the passphrase")
    monkeypatch.setenv("VOICECOACH_NEW_PASSPHRASE", "a brand new passphrase")
    wrong = cli("key", "change-passphrase")
    assert wrong.code == 1
    assert wrong.err.strip().splitlines() == [
        "voicecoach: error: wrong passphrase for the journal's key"
    ]
    assert key.identity_file.read_bytes() == before

    monkeypatch.setenv("VOICECOACH_PASSPHRASE", PASS)
    assert cli("key", "change-passphrase").code == 0
    with pytest.raises(WrongPassphrase):
        key.unlock(PASS)
    assert str(key.unlock("a brand new passphrase").to_public()) == key.recipient()


def test_a_key_whose_work_the_machine_refuses_is_not_called_a_wrong_passphrase(
    home: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept(home, A).close()
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", PASS)
    assert cli("key", "init").code == 0
    key = JournalKey(home / "journal")
    made = key.identity_file.read_bytes()
    work = re.search(rb"-> scrypt \S+ (\d+)\n", made)
    assert work is not None  # age's stanza: salt, then log2 of scrypt's N
    key.identity_file.write_bytes(made.replace(work.group(0), work.group(0)[:-3] + b"40\n"))
    with pytest.raises(JournalError, match="refuses the key's passphrase work") as refused:
        key.unlock(PASS)
    assert not isinstance(refused.value, WrongPassphrase)
    shown = cli("show", A.id)
    assert shown.code == 1 and "Traceback" not in shown.err
    assert len(shown.err.strip().splitlines()) == 1 and "refuses" in shown.err
    key.identity_file.write_bytes(made)
    with pytest.raises(WrongPassphrase):  # the key as made: only a wrong passphrase is refused
        key.unlock("not the passphrase")
    assert cli("show", A.id).code == 0


def test_passphrase_needs_env_or_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOICECOACH_PASSPHRASE", raising=False)
    with pytest.raises(JournalError, match="VOICECOACH_PASSPHRASE"):
        read_passphrase()  # pytest's stdin is not a terminal


def test_key_init_encrypts_a_plain_journal_and_age_reads_it(
    home: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    kept(home, A, B, C).close()
    folder = home / "journal"
    assert b"Promise kept" in every_byte(folder)
    audio = folder / "audio" / B.id / "1.wav"
    audio.parent.mkdir(parents=True)
    spoken = read_wav(fixture_wav("patience-1"))
    audio.write_bytes(wav_bytes(spoken))
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", PASS)
    done = cli("key", "init")
    assert done.code == 0, done.err
    assert "3 sessions" in done.err
    assert b"Promise kept" not in every_byte(folder)
    assert not list(folder.glob("*.corrupt-*"))

    key = JournalKey(folder)
    codec = key.codec(PASS)
    from voicecoach.store.codec import register

    register(codec)
    with Journal(folder, codec=codec) as journal:
        assert journal.get(B.id) == B
        assert [h.session.id for h in journal.hits("promise")] == [B.id]
    assert [p.name for p in audio.parent.iterdir()] == ["1.wav.age"]  # kept audio sealed too
    assert b"RIFF" not in every_byte(folder)
    assert load_answer(folder, B.id, 1) == spoken

    recovery = tmp_path / "identity.txt"
    exported = cli("key", "export-recovery", recovery)
    assert exported.code == 0, exported.err
    assert stat.S_IMODE(recovery.stat().st_mode) == 0o600
    assert cli("key", "export-recovery", recovery).code == 2  # never overwritten

    age = shutil.which("age")
    assert age is not None, "the Debian age package is in scripts/system-packages.sh --test"
    line = next(ln for ln in (folder / "2026-11.json").read_text().splitlines() if B.id in ln)
    blob = line.split('"content": "', 1)[1].split('"', 1)[0]
    sealed = tmp_path / "record.age"
    sealed.write_bytes(base64.b64decode(blob))
    plain = subprocess.run(
        [age, "-d", "-i", str(recovery), str(sealed)], capture_output=True, check=True
    )
    assert b"A small Promise kept" in plain.stdout


def test_reading_an_encrypted_journal_needs_the_passphrase(
    home: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    kept(home, A, B).close()
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", PASS)
    assert cli("key", "init").code == 0
    folder = home / "journal"
    before = every_byte(folder)

    monkeypatch.delenv("VOICECOACH_PASSPHRASE")
    forget_unlocked(monkeypatch)
    listed = cli("history")  # the listing metadata needs no passphrase
    assert listed.code == 0, listed.err
    assert [ln.split()[0] for ln in listed.out.splitlines() if ln.startswith("2026")] == [
        A.id,
        B.id,
    ]
    assert "completed" in listed.out and "Promise" not in listed.out
    locked = cli("history", "--search", "promise")
    assert locked.code == 1 and "VOICECOACH_PASSPHRASE" in locked.err

    monkeypatch.setenv("VOICECOACH_PASSPHRASE", "guess work")
    for command in (("show", B.id), ("search", "promise"), ("export", "--all")):
        refused = cli(*command)
        assert refused.code == 1, command
        assert refused.err.strip().splitlines() == [
            "voicecoach: error: wrong passphrase for the journal's key"
        ]
        assert "Promise" not in refused.out
    assert every_byte(folder) == before

    monkeypatch.setenv("VOICECOACH_PASSPHRASE", PASS)
    assert "A small Promise kept" in cli("show", B.id).out
    assert cli("export", "--all", "-o", tmp_path / "all.md").code == 0
    export = tmp_path / "all.md.age"
    assert b"Promise" not in export.read_bytes()
    recovery = tmp_path / "identity.txt"
    assert cli("key", "export-recovery", recovery).code == 0
    age = shutil.which("age")
    assert age is not None, "the Debian age package is in scripts/system-packages.sh --test"
    plain = subprocess.run(
        [age, "-d", "-i", str(recovery), str(export)], capture_output=True, check=True
    )
    assert b"A small Promise kept" in plain.stdout and A.id.encode() in plain.stdout

    shutil.rmtree(folder / "index")  # no index: listed from the month files' plain metadata
    monkeypatch.delenv("VOICECOACH_PASSPHRASE")
    forget_unlocked(monkeypatch)
    unindexed = cli("history")
    assert unindexed.code == 0 and unindexed.err == listed.err
    assert but_length(unindexed.out) == but_length(listed.out)
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", PASS)
    again = cli("history")
    assert again.code == 0 and A.id in again.out and B.id in again.out
    assert b"Promise" not in every_byte(folder)


def test_key_init_seals_set_aside_files_and_refuses_while_a_session_runs(
    home: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    kept(home, A).close()
    folder = home / "journal"
    aside = folder / "2026-11.json.corrupt-20261126T203000Z"
    aside.write_bytes(b'{"sessions": {"1": {"id": "x", "text": "a secret worry about money"')
    running = Journal(folder)
    running.begin(make_record("20261126-210000-dddd", "2026-11-26T21:00:00+01:00", turns=1))
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", PASS)
    try:
        busy = cli("key", "init")
    finally:
        running.close()
    assert busy.code == 1 and "a session is running" in busy.err
    assert not (folder / "key").exists()

    assert cli("key", "init").code == 0  # the session, ended, is filed as interrupted first
    assert not aside.exists()
    sealed = aside.with_name(aside.name + ".age")
    assert b"worry" not in every_byte(folder)
    assert b"patient with myself" not in every_byte(folder)  # the filed session too
    recovery = tmp_path / "identity.txt"
    assert cli("key", "export-recovery", recovery).code == 0
    age = shutil.which("age")
    assert age is not None
    plain = subprocess.run(
        [age, "-d", "-i", str(recovery), str(sealed)], capture_output=True, check=True
    )
    assert b"a secret worry about money" in plain.stdout


def test_a_session_after_key_init_leaves_no_temp_file_in_the_journal(
    home: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`key init` leaves the month file and its ``.bak`` as one file under two names; the next
    session's rewrite makes the old version the ``.bak`` and leaves nothing else behind."""
    write_mini_home(home, STREAMING_WORDS)
    folder = home / "journal"

    def session() -> str:
        answer = fixture_wav("patience-1")
        done = cli("session", "patience", "--fast", "--json", "--answers", answer)
        assert done.code == 0, done.err
        return str(done.json()["id"])

    first = session()
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", PASS)
    assert cli("key", "init").code == 0
    monkeypatch.delenv("VOICECOACH_PASSPHRASE")
    forget_unlocked(monkeypatch)
    (month,) = folder.glob("*.json")
    backup = month.with_name(month.name + ".bak")
    assert month.stat().st_ino == backup.stat().st_ino  # the state the rewrite starts from
    sealed = month.read_bytes()

    second = session()
    assert second != first and [p.name for p in folder.glob("*.json")] == [month.name]
    names = sorted(p.name for p in folder.iterdir())
    assert names == [".write.lock", month.name, backup.name, "index", "key", "running"], names
    assert backup.read_bytes() == sealed and month.stat().st_ino != backup.stat().st_ino
    assert second.encode() in month.read_bytes() and second.encode() not in sealed


def test_without_its_public_key_an_encrypted_journal_gets_nothing_written(
    home: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """recipient.txt gone (a half-restored backup): a session refuses before the first
    question, in one line naming the file and the way back, and writes nothing, in plain text
    or otherwise; the way the line gives puts the journal right."""
    write_mini_home(home, STREAMING_WORDS)
    folder = home / "journal"
    answer = fixture_wav("patience-1")
    encrypted(cli, monkeypatch)
    first = cli("session", "patience", "--fast", "--json", "--answers", answer)
    assert first.code == 0, first.err
    public = folder / "key" / "recipient.txt"
    key_line = public.read_text()
    public.unlink()
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    refused = cli("session", "patience", "--fast", "--json", "--answers", answer)
    assert refused.code == 1
    assert refused.err.strip().splitlines() == [
        f"voicecoach: error: {public} is missing: the journal is encrypted and nothing is "
        "written to it without its public key; run `voicecoach key repair` to rebuild it from "
        "the private key (it asks for the passphrase), or restore it from a backup"
    ]
    assert refused.out == ""
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    assert not list((folder / "running").iterdir())
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", PASS)
    for command in (("history",), ("export", "--all", "-o", tmp_path / "all.md")):
        assert cli(*command).code == 1, command  # an export would be plain text
    assert not (tmp_path / "all.md").exists()

    for damage in ("not a key\n", None):  # damaged, or a folder in its place
        if damage is None:
            public.mkdir()
        else:
            public.write_text(damage)
        told = cli("history")
        assert told.code == 1
        assert str(public) in told.err and "restore it from a backup" in told.err
        assert len(told.err.strip().splitlines()) == 1
        if damage is None:
            public.rmdir()
        else:
            public.unlink()

    recovery = tmp_path / "identity.txt"
    assert cli("key", "export-recovery", recovery).code == 0
    shown = recovery.read_text().split("# public key: ", 1)[1].split("\n", 1)[0]
    assert f"{shown}\n" == key_line
    public.write_text(f"{shown}\n")
    monkeypatch.delenv("VOICECOACH_PASSPHRASE")
    forget_unlocked(monkeypatch)
    again = cli("session", "patience", "--fast", "--json", "--answers", answer)
    assert again.code == 0, again.err
    (month,) = folder.glob("*.json")
    codecs = re.findall(r'"codec": "(\w+)"', month.read_text())
    assert codecs == ["age", "age"]

    shutil.rmtree(folder / "key")  # the whole key folder lost: its sealed records tell
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    lost = cli("session", "patience", "--fast", "--json", "--answers", answer)
    assert lost.code == 1
    assert lost.err.strip().splitlines() == [
        f"voicecoach: error: {month} holds encrypted sessions, but the journal's key folder "
        f"{folder / 'key'} is missing or empty, and nothing is written to it without its key; "
        "restore that folder from a backup (or move the journal folder away to start a new one)"
    ]
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


def test_key_init_encrypts_a_record_it_cannot_read_or_says_it_stays_plain(
    home: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record that cannot be decoded has its content sealed as it is, and is named with the
    way to erase it; one whose content cannot be sealed so keeps key init from saying the
    journal is encrypted (exit 1) until `forget` erases it."""
    kept(home, A, B, C).close()
    broken_start(home, B.id, B.started_at)
    folder = home / "journal"
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", PASS)
    done = cli("key", "init")
    assert done.code == 0, done.err
    assert done.err.splitlines()[:2] == [
        f"voicecoach: warning: journal/2026-11.json line 2: session {B.id} cannot be read "
        "(started_at is not an ISO 8601 time: '2026-02-30T21:00:00+01:00'); it was encrypted "
        f"as it is; `voicecoach forget {B.id}` erases it",
        "The journal is encrypted (2 sessions). Without the passphrase it cannot be read:",
    ]
    assert b"Promise" not in every_byte(folder)
    assert codecs_of(folder / "2026-11.json") == ["age", "age"]
    erased = cli("forget", B.id, "--yes")
    assert erased.code == 0 and B.id in erased.out
    assert B.id.encode() not in every_byte(folder)

    shutil.rmtree(folder)
    kept(home, A, C).close()
    month = folder / "2026-11.json"
    doc = json.loads(month.read_bytes())
    doc["sessions"]["5"] = {**doc["sessions"]["1"], "id": B.id, "content": "a Promise kept"}
    month.write_text(json.dumps(doc))
    forget_unlocked(monkeypatch)
    left = cli("key", "init")
    assert left.code == 1
    assert (
        f"voicecoach: warning: journal/2026-11.json: session {B.id} cannot be read (its content "
        f"is not a JSON object) and is left as it is, in plain text; `voicecoach forget {B.id}` "
        "erases it"
    ) in left.err
    assert "The journal is encrypted" not in left.err
    assert (
        "The journal has its key (2 sessions encrypted), but 1 record that cannot be read "
        "stays in plain text" in left.err
    )
    assert b"a Promise kept" in month.read_bytes()
    assert cli("forget", B.id, "--yes").code == 0
    assert b"Promise" not in every_byte(folder)


def codecs_of(month: Path) -> list[str]:
    return re.findall(r'"codec": "(\w+)"', month.read_text())


def test_a_copied_encrypted_journal_is_listed_without_the_passphrase(
    home: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A backup restored, a journal moved to a new disk: every month file has a new inode, so
    no index entry is current, and the listing comes from the month files' plain metadata."""
    kept(home, A, B, C).close()
    encrypted(cli, monkeypatch)
    listed = cli("history")
    assert listed.code == 0 and listed.out.count("locked") == 3, listed.err
    copy = tmp_path / "restored"
    shutil.copytree(home, copy)  # (cp -a: the times kept, new inodes)
    before = every_byte(copy)
    monkeypatch.setenv("VOICECOACH_HOME", str(copy))
    restored = cli("history")
    assert restored.code == 0 and restored.err == listed.err
    assert but_length(restored.out) == but_length(listed.out)
    assert every_byte(copy) == before  # nothing rewritten without the secret
    locked = cli("show", A.id)  # what needs the passphrase still says so
    assert locked.code == 1 and "VOICECOACH_PASSPHRASE" in locked.err


def test_a_record_kept_plain_in_an_encrypted_journal_is_sealed_when_read_with_the_passphrase(
    home: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A session written in plain text into an encrypted journal (as one was while its public
    key was missing) is sealed, and said so, by the first command that reads its month with the
    passphrase; its .bak keeps no plain copy."""
    kept(home, A, B, C).close()
    folder = home / "journal"
    month = folder / "2026-11.json"
    plain = {d["id"]: d for d in parse_month(month.read_bytes(), month.name).docs}
    encrypted(cli, monkeypatch)
    sealed = parse_month(month.read_bytes(), month.name).docs
    mixed = encode_month([plain[B.id] if d["id"] == B.id else d for d in sealed])
    backup = folder / "2026-11.json.bak"
    month.unlink()
    backup.unlink()
    month.write_bytes(mixed)
    backup.write_bytes(mixed)
    listed = cli("history")  # without the passphrase nothing can be sealed
    assert listed.code == 0 and B.id in listed.out
    assert b"Promise kept" in month.read_bytes()

    monkeypatch.setenv("VOICECOACH_PASSPHRASE", PASS)
    read = cli("history")
    assert read.code == 0, read.err
    assert read.err.strip().splitlines() == [
        "voicecoach: warning: journal/2026-11.json: 1 session kept in plain text in this "
        "encrypted journal was encrypted"
    ]
    assert b"Promise" not in every_byte(folder)
    assert codecs_of(month) == ["age", "age"]
    assert "A small Promise kept" in cli("show", B.id).out
    assert cli("history").err == ""
