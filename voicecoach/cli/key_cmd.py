"""`voicecoach key …`: encrypt the journal at rest and look after its passphrase.

``key init`` makes the journal's key pair (the private key stored under a passphrase);
``change-passphrase`` stores it under a new one; ``export-recovery`` writes the private key as
an age identity file, which the stock ``age -d -i FILE`` reads; ``repair`` rebuilds a lost or
damaged public key file from the private key.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from voicecoach.cli.app import app, err_console, paths
from voicecoach.errors import JournalError, OutputError, UsageError
from voicecoach.hinting import command_hint
from voicecoach.store.crypto import (
    PASSPHRASE_ENV,
    PROMPT_TRIES,
    JournalKey,
    ask_unlock,
    check_new_passphrase,
    tries_left,
)

NEW_PASSPHRASE_ENV = "VOICECOACH_NEW_PASSPHRASE"
"""The new passphrase for `key change-passphrase` in scripts (the old one is in
``VOICECOACH_PASSPHRASE``)."""

key_app = typer.Typer(
    help="Encrypt the journal and look after its key. Make the key, change its passphrase, "
    "export it for recovery, rebuild its public key.",
    no_args_is_help=True,
)
app.add_typer(key_app, name="key")


def _say(line: str) -> None:
    err_console.print(line, markup=False, highlight=False)


def _key() -> JournalKey:
    return JournalKey(paths().journal)


def _existing() -> JournalKey:
    key = _key()
    if not key.exists():
        raise JournalError(f"the journal has no key yet; run {command_hint('key init')} first")
    return key


def forgotten() -> str:
    """Said before a new key is made (as `key init --help` says it)."""
    return (
        "A forgotten passphrase loses the journal: nothing can read it without the passphrase, "
        f"unless you keep the recovery key ({command_hint('key export-recovery FILE')}) "
        "somewhere safe."
    )


@key_app.command("init")
def init() -> None:
    """Make the journal's key and encrypt what it holds. It asks for a new passphrase of 8
    characters or more (VOICECOACH_NEW_PASSPHRASE, else VOICECOACH_PASSPHRASE, in scripts).

    A forgotten passphrase loses the journal: nothing can read it without the passphrase,
    unless you keep the recovery key (`voicecoach key export-recovery FILE`) somewhere safe."""
    from voicecoach.review.cells import counted
    from voicecoach.store.migrate import encrypt_journal

    key = _key()
    if key.exists():
        raise JournalError(f"{key.journal} already has a key (see {command_hint('key --help')})")
    new = os.environ.get(NEW_PASSPHRASE_ENV, os.environ.get(PASSPHRASE_ENV))
    if new is None:
        _ask_new_ready()
        _say(forgotten())
        new = _ask_new()
    passphrase = check_new_passphrase(new)
    done = encrypt_journal(key, passphrase)
    for note in done.notes:  # records that cannot be read: sealed as they are, or left plain
        _say(f"voicecoach: warning: {note}")
    sealed = counted(done.sessions, "session")
    if done.plain:
        stay = "stays" if done.plain == 1 else "stay"
        _say(
            f"The journal has its key ({sealed} encrypted), but {counted(done.plain, 'record')} "
            f"that cannot be read {stay} in plain text (see above). Without the passphrase the "
            "rest cannot be read:"
        )
    else:
        _say(f"The journal is encrypted ({sealed}). Without the passphrase it cannot be read:")
    _say(f"keep a copy of the key offline with {command_hint('key export-recovery FILE')}.")
    if done.plain:
        raise typer.Exit(1)


@key_app.command("change-passphrase")
def change_passphrase() -> None:
    """Protect the journal's key with a new passphrase. Scripts give the current one in
    VOICECOACH_PASSPHRASE and the new one in VOICECOACH_NEW_PASSPHRASE."""
    key = _existing()
    old, _ = ask_unlock(key, "Current passphrase: ")
    new = os.environ.get(NEW_PASSPHRASE_ENV)
    if new is None:
        new = _ask_new()
    key.change_passphrase(old, check_new_passphrase(new))
    _say("The passphrase was changed.")


def _ask_new_ready() -> None:
    """JournalError naming the variable for scripts when there is no terminal to ask on."""
    import sys

    if not sys.stdin.isatty():
        raise JournalError(
            f"the new passphrase is needed: set {NEW_PASSPHRASE_ENV} or use a terminal"
        )


def _ask_new() -> str:
    """A new passphrase typed twice on the terminal; its length is checked after the first
    entry. A passphrase too short or typed differently the second time is asked for again, up
    to ``PROMPT_TRIES`` times (told on stderr each time but the last); JournalError after
    that."""
    import getpass
    import sys

    _ask_new_ready()
    for attempt in range(1, PROMPT_TRIES + 1):
        try:
            first = check_new_passphrase(getpass.getpass("New passphrase: "))
            if getpass.getpass("Again: ") != first:
                raise JournalError("the two passphrases differ; nothing was changed")
            return first
        except JournalError as exc:
            left = PROMPT_TRIES - attempt
            if not left:
                raise
            said = str(exc).removesuffix("; nothing was changed")
            print(f"{said[:1].upper()}{said[1:]}; {tries_left(left)}.", file=sys.stderr, flush=True)
    raise JournalError("no new passphrase was given")  # pragma: no cover - PROMPT_TRIES > 0


@key_app.command("export-recovery")
def export_recovery(
    output: Annotated[Path, typer.Argument(help="File to write the private key to (new).")],
) -> None:
    """Write the journal's private key to a new file. The file is owner-only, and
    `age -d -i FILE` reads it."""
    key = _existing()
    taken = UsageError(f"{output} already exists; give a new file")
    if os.path.lexists(output):  # before the passphrase is asked for
        raise taken
    text = key.recovery_text(ask_unlock(key)[0])
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        raise taken from None
    except OSError as exc:
        raise OutputError(f"{output}: cannot write ({exc.strerror})") from None
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(text)
    _say(f"The private key is in {output}: keep it offline (`age -d -i {output}` reads exports).")


@key_app.command("repair")
def repair() -> None:
    """Rebuild a lost key/recipient.txt from the private key.

    The journal's public key file, lost or damaged, is written anew from its private key
    (key/identity.age), so that sessions are saved again. It asks for the passphrase
    (VOICECOACH_PASSPHRASE in scripts). It changes nothing when the file holds the key already
    (and says so: nothing failed), or another key, or when the private key file is missing or
    damaged."""
    key = _key()
    if not key.exists():
        raise JournalError(
            f"the journal has no key to repair ({key.folder} holds no key file): if it was "
            f"encrypted, restore that folder from a backup; {command_hint('key init')} makes a new "
            "key"
        )
    if not os.path.lexists(key.identity_file):
        raise JournalError(
            f"{key.identity_file} is missing, and the public key is rebuilt from it: restore it "
            "from a backup, or from the recovery key file saved earlier with "
            f"{command_hint('key export-recovery')}: `age -p -o {key.identity_file} RECOVERY-FILE`"
        )
    _, identity = ask_unlock(key, match=False)
    if not key.rebuild_recipient(identity):
        _say(f"{key.recipient_file} holds the journal's public key already: nothing to repair.")
        return
    _say(f"Rebuilt {key.recipient_file} from the private key: sessions are saved again.")
