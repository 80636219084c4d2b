"""The journal's key on the command line: a damaged key file is told apart from a wrong
passphrase, and the passphrase prompt (real terminals, the real `age` tool)."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.test_journal_cli import A, B, kept
from tests.test_journal_crypto import PASS, encrypted
from voicecoach.store.crypto import JournalKey

Cli = Callable[..., CliResult]


def _own_terminal() -> None:
    """In the child, after its new session: the pty on stdin becomes its controlling terminal
    (what getpass and age open as /dev/tty)."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """A program run on a terminal of its own (a real pty): what it writes to the terminal is
    read back, lines are typed into it."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path | None = None) -> None:
        self.leader, follower = os.openpty()
        self.process = subprocess.Popen(
            argv, env=env, cwd=cwd, stdin=follower, stdout=follower, stderr=subprocess.PIPE,
            start_new_session=True, preexec_fn=_own_terminal,
        )  # fmt: skip
        os.close(follower)
        os.set_blocking(self.leader, False)
        self.seen = b""

    def wait_for(self, text: bytes) -> None:
        deadline = time.monotonic() + 60
        while text not in self.seen:
            assert time.monotonic() < deadline, self.seen
            try:
                self.seen += os.read(self.leader, 4096)
            except BlockingIOError:
                time.sleep(0.02)
            except OSError:  # the program has ended
                assert text in self.seen, self.seen
        self.seen = self.seen.split(text, 1)[1]

    def type(self, line: str) -> None:
        os.write(self.leader, line.encode() + b"\n")

    def finish(self) -> tuple[int, str]:
        """Exit code and stderr; what it wrote to the terminal since the last ``wait_for`` is
        left in ``seen``."""
        _, err = self.process.communicate(timeout=120)
        while True:
            try:
                chunk = os.read(self.leader, 4096)
            except OSError:  # nothing more (EAGAIN), or the terminal closed (EIO)
                break
            if not chunk:
                break
            self.seen += chunk
        os.close(self.leader)
        return self.process.returncode, err.decode()


def voicecoach_env(home: Path) -> dict[str, str]:
    env = {**os.environ, "VOICECOACH_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    for name in ("VOICECOACH_PASSPHRASE", "VOICECOACH_NEW_PASSPHRASE"):
        env.pop(name, None)
    return env


def voicecoach_on_terminal(home: Path, *args: str) -> Terminal:
    return Terminal([sys.executable, "-m", "voicecoach", *args], voicecoach_env(home))


def test_a_damaged_key_file_is_not_called_a_wrong_passphrase(
    home: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    kept(home, A, B).close()
    encrypted(cli, monkeypatch)
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", PASS)
    recovery = tmp_path / "recovery.txt"
    assert cli("key", "export-recovery", recovery).code == 0
    key = JournalKey(home / "journal")
    made = key.identity_file.read_bytes()
    for damage, why in (
        (made[:100], "it was cut short"),
        (made[:-40], "the key in it was cut short or changed"),
        (b"", "it is empty"),
        (b"AGE-SECRET-KEY-1 not sealed\n", "it is not an age file"),
    ):
        key.identity_file.write_bytes(damage)
        for command in (("show", B.id), ("history", "--json"), ("key", "change-passphrase")):
            refused = cli(*command)
            assert refused.code == 1 and refused.out == "", command
            assert refused.err.splitlines() == [
                f"voicecoach: error: {key.identity_file} is damaged ({why}), so no passphrase "
                "can open it: restore it from a backup, or rebuild it from the recovery key "
                "file saved earlier with `voicecoach key export-recovery`: "
                f"`age -p -o {key.identity_file} RECOVERY-FILE`"
            ], (damage, refused.err)
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", "not the passphrase")
    key.identity_file.write_bytes(made)
    wrong = cli("show", B.id)  # the file as made: a wrong passphrase is still called one
    assert wrong.err.splitlines() == ["voicecoach: error: wrong passphrase for the journal's key"]

    # What the line advises works: the stock tool rebuilds the key file from the recovery file.
    key.identity_file.write_bytes(made[:100])
    age = shutil.which("age")
    assert age is not None, "the Debian age package is in scripts/system-packages.sh --test"
    key.identity_file.unlink()
    rebuild = Terminal([age, "-p", "-o", str(key.identity_file), str(recovery)], dict(os.environ))
    for _ in range(2):
        rebuild.wait_for(b": ")  # "Enter passphrase (…): ", then "Confirm passphrase: "
        rebuild.type("a rebuilt passphrase")
    code, err = rebuild.finish()
    assert code == 0, err
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", "a rebuilt passphrase")
    shown = cli("show", B.id)
    assert shown.code == 0 and "A small Promise kept" in shown.out, shown.err


def test_a_passphrase_prompt_allows_three_tries(
    home: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept(home, A, B).close()
    encrypted(cli, monkeypatch)
    shown = voicecoach_on_terminal(home, "show", B.id)
    for guess in ("guess one", "guess two", PASS):
        shown.wait_for(b"Journal passphrase: ")
        shown.type(guess)
    shown.wait_for(b"A small Promise kept")
    code, err = shown.finish()
    assert code == 0, err
    assert err.splitlines() == [
        "Wrong passphrase; 2 more tries.",
        "Wrong passphrase; one more try.",
    ]

    refused = voicecoach_on_terminal(home, "export", B.id)
    for guess in ("guess one", "guess two", "guess three"):
        refused.wait_for(b"Journal passphrase: ")
        refused.type(guess)
    code, err = refused.finish()
    assert code == 1 and "Promise" not in refused.seen.decode()
    assert err.splitlines() == [
        "Wrong passphrase; 2 more tries.",
        "Wrong passphrase; one more try.",
        "voicecoach: error: wrong passphrase for the journal's key (3 tries)",
    ]
    assert b"Journal passphrase: " not in refused.seen  # asked no fourth time


def test_key_init_warns_first_and_checks_the_length_at_the_first_entry(home: Path) -> None:
    kept(home, A).close()
    short = voicecoach_on_terminal(home, "key", "init")
    for entry in ("short", "tiny", "8 chars"):  # each refused at once, asked again
        short.wait_for(b"New passphrase: ")
        short.type(entry)
    code, err = short.finish()
    assert code == 1 and b"Again" not in short.seen  # not asked twice for a passphrase refused
    assert err.splitlines() == [
        "A forgotten passphrase loses the journal: nothing can read it without the passphrase, "
        "unless you keep the recovery key (`voicecoach key export-recovery FILE`) somewhere "
        "safe.",
        "The passphrase needs at least 8 characters; 2 more tries.",
        "The passphrase needs at least 8 characters; one more try.",
        "voicecoach: error: the passphrase needs at least 8 characters",
    ]
    assert not (home / "journal" / "key").exists()

    # a slip is asked again: too short, then typed differently, then right
    slips = voicecoach_on_terminal(home, "key", "init")
    for prompt, entry in (
        (b"New passphrase: ", "short"),
        (b"New passphrase: ", PASS),
        (b"Again: ", PASS + "x"),
        (b"New passphrase: ", PASS),
        (b"Again: ", PASS),
    ):
        slips.wait_for(prompt)
        slips.type(entry)
    code, err = slips.finish()
    assert code == 0, err
    assert err.splitlines()[1:3] == [
        "The passphrase needs at least 8 characters; 2 more tries.",
        "The two passphrases differ; one more try.",
    ]
    assert JournalKey(home / "journal").exists()


def test_key_init_with_a_good_passphrase_at_once(home: Path) -> None:
    kept(home, A).close()
    made = voicecoach_on_terminal(home, "key", "init")
    for prompt in (b"New passphrase: ", b"Again: "):
        made.wait_for(prompt)
        made.type(PASS)
    code, err = made.finish()
    assert code == 0, err
    assert err.startswith("A forgotten passphrase loses the journal") and "(1 session)" in err
    assert JournalKey(home / "journal").exists()


def test_the_help_of_every_reading_command_names_the_passphrase(cli: Cli) -> None:
    for command in ("show", "search", "export", "stats", "review", "forget", "history"):
        helped = cli(command, "--help")
        assert helped.code == 0 and "VOICECOACH_PASSPHRASE" in helped.out, command
        assert "passphrase" in " ".join(helped.out.split()), command
    init = " ".join(cli("key", "init", "--help").out.split())
    assert "A forgotten passphrase loses the journal" in init and "8 characters" in init
    change = " ".join(cli("key", "change-passphrase", "--help").out.split())
    assert "current one in VOICECOACH_PASSPHRASE" in change
    history = " ".join(cli("history", "--help").out.split())  # and which days a range holds
    assert "--since TEXT From this date on, the day included" in history
    assert "--until TEXT Up to this date, the day included" in history
    forget = " ".join(cli("forget", "--help").out.split())
    assert "--since TEXT Every session from this date on, the day included" in forget
    assert "started before this date, not on it" in forget


def test_key_repair_rebuilds_a_lost_public_key_from_the_private_key(
    home: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept(home, A).close()
    encrypted(cli, monkeypatch)
    key = JournalKey(home / "journal")
    public = key.recipient_file
    line = public.read_text()
    public.unlink()
    lost = cli("history")
    assert lost.code == 1 and "run `voicecoach key repair` to rebuild it" in lost.err

    repaired = voicecoach_on_terminal(home, "key", "repair")  # three tries, as every prompt
    for guess in ("guess one", "guess two", PASS):
        repaired.wait_for(b"Journal passphrase: ")
        repaired.type(guess)
    code, err = repaired.finish()
    assert (code, err.splitlines()) == (
        0,
        [
            "Wrong passphrase; 2 more tries.",
            "Wrong passphrase; one more try.",
            f"Rebuilt {public} from the private key: sessions are saved again.",
        ],
    )
    assert public.read_text() == line and public.stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", PASS)
    shown = cli("show", A.id)
    assert shown.code == 0 and "patient with myself" in shown.out, shown.err

    def refused(*why: str) -> None:
        before = public.read_bytes() if public.is_file() else None
        done = cli("key", "repair")
        assert (done.code, done.out) == (1, "")
        (told,) = done.err.splitlines()
        assert all(part in told for part in why), told
        assert (public.read_bytes() if public.is_file() else None) == before

    whole = cli("key", "repair")  # nothing failed: said so, exit 0, nothing written
    assert whole.code == 0, whole.err
    assert f"{public} holds the journal's public key already: nothing to repair." in whole.err
    assert public.read_text() == line
    public.write_text("age1" + "q" * 58 + "\n")  # damaged: no public key in it
    assert cli("key", "repair").code == 0 and public.read_text() == line
    other = "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq\n"
    public.write_text(other)  # another key: what was sealed to it is not this key's
    refused(f"{public} holds another public key than the private key's", "move recipient.txt")
    public.unlink()
    sealed = key.identity_file.read_bytes()
    key.identity_file.write_bytes(sealed[:40])
    refused(f"{key.identity_file} is damaged (it was cut short)", "export-recovery")
    key.identity_file.unlink()
    refused(f"the journal has no key to repair ({key.folder} holds no key file)")
    public.write_text(line)
    refused(f"{key.identity_file} is missing", "restore it from a backup", "age -p -o")
    public.unlink()
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", "a wrong passphrase")
    key.identity_file.write_bytes(sealed)
    refused("wrong passphrase for the journal's key")
    assert not public.exists()

    helped = " ".join(cli("key", "repair", "--help").out.split())
    assert "key/recipient.txt" in helped and "VOICECOACH_PASSPHRASE" in helped
    assert "repair" in cli("key", "--help").out
