"""Encryption at rest with the age format: a journal's key and the codec that uses it.

    journal/key/recipient.txt   the public key (``age1…``): anyone may encrypt, nobody decrypts
    journal/key/identity.age    the private key (``AGE-SECRET-KEY-1…``), itself an age file
                                encrypted with the passphrase (age's scrypt recipient)

Writing needs only ``recipient.txt``, so a speaker records a session without any secret;
reading needs the passphrase, which unlocks ``identity.age`` (scrypt: about a second, by
design). Every sealed unit is a whole age file in base64, so the stock tool reads it:
``base64 -d | age -d -i <exported identity>``.
"""

from __future__ import annotations

import base64
import binascii
import getpass
import json
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage

from voicecoach.errors import JournalError
from voicecoach.files import private_folder, write_private
from voicecoach.hinting import command_hint
from voicecoach.store.codec import (
    PLAIN,
    Codec,
    DamagedContent,
    JournalLocked,
    codec_named,
    register,
)

KEY_DIR = "key"
"""Sub-folder of the journal holding its key."""
RECIPIENT_FILE = "recipient.txt"
IDENTITY_FILE = "identity.age"
PASSPHRASE_ENV = "VOICECOACH_PASSPHRASE"
"""When set, the passphrase (for scripts and tests); else it is asked for on the terminal."""
MIN_PASSPHRASE = 8
"""Characters a new passphrase needs at least."""


class WrongPassphrase(JournalError):
    """The passphrase does not open the journal's key."""


class AgeCodec:
    """Seals content as an age file (base64) to one recipient; unseals with its identity.

    Without an identity (locked) it still seals; unsealing raises JournalError.
    """

    name = "age"

    def __init__(self, recipient: str, identity: pyrage.x25519.Identity | None = None) -> None:
        try:
            self._recipient = pyrage.x25519.Recipient.from_str(recipient)
        except pyrage.RecipientError as exc:
            raise JournalError(f"the journal's public key is damaged ({exc})") from None
        self._identity = identity

    @property
    def unlocked(self) -> bool:
        """True when this codec can unseal."""
        return self._identity is not None

    def seal(self, content: dict[str, Any]) -> str:
        """``content`` as compact JSON, encrypted to the recipient, in base64 (ASCII)."""
        data = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
        return base64.b64encode(pyrage.encrypt(data, [self._recipient])).decode("ascii")

    def unseal(self, stored: Any) -> dict[str, Any]:
        """The content back; JournalError when locked, ValueError when ``stored`` is damaged."""
        if self._identity is None:
            raise JournalLocked("the journal is encrypted: its passphrase is needed to read it")
        if not isinstance(stored, str):
            raise DamagedContent("its encrypted content is not a string")
        try:
            data = pyrage.decrypt(base64.b64decode(stored, validate=True), [self._identity])
        except (binascii.Error, pyrage.DecryptError) as exc:
            raise DamagedContent(f"its encrypted content cannot be decrypted ({exc})") from None
        try:
            content = json.loads(data)
        except (ValueError, RecursionError):
            raise DamagedContent("its decrypted content is not JSON") from None
        if not isinstance(content, dict):
            raise DamagedContent("its decrypted content is not a JSON object")
        return content

    def encrypt_bytes(self, data: bytes) -> bytes:
        """``data`` as a whole age file to the recipient (no secret needed)."""
        return pyrage.encrypt(data, [self._recipient])

    def decrypt_bytes(self, data: bytes) -> bytes:
        """A whole age file decrypted; JournalError when locked, ValueError when damaged."""
        if self._identity is None:
            raise JournalLocked("the journal is encrypted: its passphrase is needed to read it")
        try:
            return pyrage.decrypt(data, [self._identity])
        except pyrage.DecryptError as exc:
            raise ValueError(f"age file cannot be decrypted ({exc})") from None


EXCESSIVE_WORK_TRIES = 5
"""How often a key is tried when age refuses its scrypt work as too much for this machine
(age measures the machine at every try, so a busy moment passes)."""


AGE_HEADER = b"age-encryption.org/v1\n"
"""How every age file starts."""
WRONG_PASSPHRASE = "Decryption failed"
"""age's message when a passphrase does not open an intact file; a damaged file gets another
one ("Incomplete header", "failed to fill whole buffer", "Header MAC is invalid", …)."""


def _damage(sealed: bytes, message: str) -> str:
    """What is wrong with a key file age refused for another reason than the passphrase."""
    if not sealed:
        return "it is empty"
    if not sealed.startswith(AGE_HEADER):
        return "it is not an age file"
    if message in ("Incomplete header", "failed to fill whole buffer"):
        return "it was cut short"
    if message == "decryption error":  # the header opened; the sealed key after it did not
        return "the key in it was cut short or changed"
    return f"age says: {message}"


@dataclass(frozen=True)
class JournalKey:
    """The key files of one journal folder."""

    journal: Path
    """The journal folder the key belongs to."""

    @property
    def folder(self) -> Path:
        return self.journal / KEY_DIR

    @property
    def recipient_file(self) -> Path:
        return self.folder / RECIPIENT_FILE

    @property
    def identity_file(self) -> Path:
        return self.folder / IDENTITY_FILE

    def exists(self) -> bool:
        """True once ``key init`` has run for this journal: either key file is there. With one
        of them missing the journal is still an encrypted one (``recipient()`` and ``unlock()``
        then say what is wrong), never a plain one."""
        return any(os.path.lexists(p) for p in (self.recipient_file, self.identity_file))

    def recipient(self) -> str:
        """The public key, ``age1…``; JournalError naming the file and how to put it right when
        it is missing, cannot be read or is not a public key."""
        fix = (
            f"run {command_hint('key repair')} to rebuild it from the private key (it asks for the "
            "passphrase), or restore it from a backup"
        )
        try:
            text = self.recipient_file.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            raise JournalError(
                f"{self.recipient_file} is missing: the journal is encrypted and nothing is "
                f"written to it without its public key; {fix}"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise JournalError(
                f"{self.recipient_file}: cannot read the journal's public key ({why}); {fix}"
            ) from None
        try:
            pyrage.x25519.Recipient.from_str(text)
        except pyrage.RecipientError:
            raise JournalError(
                f"{self.recipient_file} is damaged (it holds no age1… public key); {fix}"
            ) from None
        return text

    def create(self, passphrase: str) -> pyrage.x25519.Identity:
        """A new key pair, the identity stored encrypted with ``passphrase``.

        JournalError when the journal already has a key."""
        if self.exists() or self.identity_file.exists():
            raise JournalError(
                f"{self.journal} already has a key (see {command_hint('key --help')})"
            )
        identity = pyrage.x25519.Identity.generate()
        private_folder(self.folder)
        self._store_identity(identity, passphrase)
        write_private(self.recipient_file, f"{identity.to_public()}\n".encode())
        return identity

    def _decrypt(self, sealed: bytes, passphrase: str) -> bytes:
        """The key file opened with ``passphrase``.

        age refuses an scrypt work factor above 16 times what it measures this machine does in
        a second, and it measures again at every call: a busy moment can make it refuse a key
        this machine made. That refusal is not a wrong passphrase (it is told apart by age's
        message and costs no scrypt work), so it is tried again a few times before one
        JournalError says so. WrongPassphrase when the passphrase does not open the key."""
        for _ in range(EXCESSIVE_WORK_TRIES):
            try:
                return pyrage.passphrase.decrypt(sealed, passphrase)
            except pyrage.DecryptError as exc:
                if str(exc) == WRONG_PASSPHRASE:
                    raise WrongPassphrase("wrong passphrase for the journal's key") from None
                if not str(exc).startswith("Excessive work"):
                    raise self.damaged(_damage(sealed, str(exc))) from None
                refused = str(exc)
        seconds = refused.split("around", 1)[-1].strip(" .\u2068\u2069").split(" ")[0]
        raise JournalError(
            f"{self.identity_file}: this machine refuses the key's passphrase work right now "
            f"(age estimates {seconds or 'too many'} seconds for it); try again when it is "
            "less busy, or open the journal on the machine that made the key"
        )

    def damaged(self, why: str) -> JournalError:
        """The error for a key file that cannot be the one ``key init`` wrote (``why``: what
        is wrong with it), naming the file and the two ways back."""
        return JournalError(
            f"{self.identity_file} is damaged ({why}), so no passphrase can open it: restore it "
            "from a backup, or rebuild it from the recovery key file saved earlier with "
            f"{command_hint('key export-recovery')}: `age -p -o {self.identity_file} RECOVERY-FILE`"
        )

    def unlock(self, passphrase: str, *, match: bool = True) -> pyrage.x25519.Identity:
        """The private key; WrongPassphrase when ``passphrase`` does not open it, JournalError
        when the key file is damaged (cut short, emptied, not an age file) or the machine
        refuses the key's scrypt work (see ``_decrypt``), and, when ``match``, when the public
        key file is there but damaged or holds another key."""
        try:
            sealed = self.identity_file.read_bytes()
        except OSError as exc:
            raise JournalError(
                f"{self.identity_file}: cannot read the key ({exc.strerror})"
            ) from None
        try:
            text = self._decrypt(sealed, passphrase).decode("ascii")
        except UnicodeDecodeError:
            raise self.damaged("it holds no key") from None
        secret = next((ln for ln in text.splitlines() if ln.startswith("AGE-SECRET-KEY-")), "")
        try:
            identity = pyrage.x25519.Identity.from_str(secret)
        except pyrage.IdentityError:
            raise self.damaged("it holds no key") from None
        if not match or not os.path.lexists(self.recipient_file):
            return identity  # (without recipient.txt, `export-recovery` still shows the public key)
        if str(identity.to_public()) != self.recipient():
            raise JournalError(f"{self.folder}: the private key does not match the public key")
        return identity

    def rebuild_recipient(self, identity: pyrage.x25519.Identity) -> bool:
        """Write ``recipient.txt`` anew (atomically, owner-only) with the public key of
        ``identity`` (the unlocked private key), when it is missing, cannot be read or holds no
        public key: True. False, writing nothing, when it already holds that key. JournalError,
        writing nothing, when it holds another one (what was sealed to it needs that key's own
        private key), or is no regular file."""
        public = str(identity.to_public())
        path = self.recipient_file
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            mode = None
        if mode is not None and not stat.S_ISREG(mode):
            raise JournalError(
                f"{path} is not a file; move it out of {self.folder} and repair again"
            )
        text = ""
        if mode is not None:
            try:
                text = path.read_text(encoding="ascii").strip()
            except (OSError, UnicodeDecodeError):
                text = ""  # unreadable: rebuilt
        if text == public:
            return False
        try:
            pyrage.x25519.Recipient.from_str(text)
        except pyrage.RecipientError:
            pass  # no public key in it: rebuilt
        else:
            raise JournalError(
                f"{path} holds another public key than the private key's, and sessions saved "
                "since may be sealed to it: restore the identity.age that goes with it from a "
                "backup, or move recipient.txt out of the key folder and repair again to save "
                "with this key from now on"
            )
        try:
            write_private(path, f"{public}\n".encode("ascii"))
        except OSError as exc:
            raise JournalError(f"{path}: cannot write ({exc.strerror or exc})") from None
        return True

    def change_passphrase(self, old: str, new: str) -> None:
        """Store the identity under ``new`` (atomically); WrongPassphrase leaves it as it was."""
        self._store_identity(self.unlock(old), new)

    def recovery_text(self, passphrase: str) -> str:
        """The identity as an age identity file (what ``age -d -i FILE`` reads)."""
        identity = self.unlock(passphrase)
        return (
            f"# voicecoach journal key: keep it offline; it reads every session of {self.journal}\n"
            f"# public key: {identity.to_public()}\n{identity}\n"
        )

    def codec(self, passphrase: str | None = None) -> AgeCodec:
        """The journal's codec: locked (seals only) without ``passphrase``, else unlocked."""
        identity = None if passphrase is None else self.unlock(passphrase)
        return AgeCodec(self.recipient(), identity)

    def _store_identity(self, identity: pyrage.x25519.Identity, passphrase: str) -> None:
        text = f"# public key: {identity.to_public()}\n{identity}\n".encode("ascii")
        write_private(self.identity_file, pyrage.passphrase.encrypt(text, passphrase))


def read_passphrase(prompt: str = "Journal passphrase: ", *, confirm: bool = False) -> str:
    """``VOICECOACH_PASSPHRASE`` when set, else asked for on the terminal (twice if ``confirm``).

    JournalError when neither is available, or the two entries differ."""
    given = os.environ.get(PASSPHRASE_ENV)
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise JournalError(
            f"the journal's passphrase is needed: set {PASSPHRASE_ENV} or use a terminal"
        )
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Again: ") != first:
        raise JournalError("the two passphrases differ; nothing was changed")
    return first


PROMPT_TRIES = 3
"""How often a passphrase is asked for on the terminal before a wrong one ends the command."""


def ask_unlock(
    key: JournalKey, prompt: str = "Journal passphrase: ", *, match: bool = True
) -> tuple[str, pyrage.x25519.Identity]:
    """The passphrase that opens ``key`` and the private key it opens: ``VOICECOACH_PASSPHRASE``
    when set (one try), else asked for on the terminal up to ``PROMPT_TRIES`` times, a wrong one
    told on stderr each time but the last.

    WrongPassphrase when the (last) passphrase does not open the key; JournalError as
    ``read_passphrase`` and ``JournalKey.unlock`` raise it (a damaged key file is not retried;
    ``match`` as there)."""
    if os.environ.get(PASSPHRASE_ENV) is not None:
        given = read_passphrase(prompt)
        return given, key.unlock(given, match=match)
    for attempt in range(1, PROMPT_TRIES + 1):
        passphrase = read_passphrase(prompt)
        try:
            return passphrase, key.unlock(passphrase, match=match)
        except WrongPassphrase:
            left = PROMPT_TRIES - attempt
            if left:
                print(f"Wrong passphrase; {tries_left(left)}.", file=sys.stderr, flush=True)
    raise WrongPassphrase(f"wrong passphrase for the journal's key ({PROMPT_TRIES} tries)")


def tries_left(left: int) -> str:
    """ "one more try", "2 more tries": what a prompt says after a refused entry."""
    return "one more try" if left == 1 else f"{left} more tries"


def check_new_passphrase(passphrase: str) -> str:
    """``passphrase`` when long enough for a new key; JournalError otherwise."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise JournalError(f"the passphrase needs at least {MIN_PASSPHRASE} characters")
    return passphrase


def journal_codec(journal: Path, *, unlock: bool) -> Codec:
    """The codec to open ``journal`` with: ``plain`` when it has no key; else its age codec,
    unlocked with the passphrase (asked for, see ``ask_unlock``) when ``unlock``.

    WrongPassphrase (a JournalError) when the passphrase does not open the key."""
    key = JournalKey(journal)
    if not key.exists():
        _refuse_lost_key(key)
        return PLAIN
    codec = AgeCodec(key.recipient(), ask_unlock(key)[1]) if unlock else key.codec()
    if codec.unlocked or not _known(codec.name):
        register(codec)  # a locked one tells what is needed instead of "unknown codec"
    return codec


def session_codec(journal: Path) -> Codec:
    """The codec a session records with: it needs only the public key, so it never asks for
    the passphrase (a speaker records unattended); unlocked only when ``VOICECOACH_PASSPHRASE``
    is set (then the month's index is kept whole as sessions are filed).

    WrongPassphrase when that passphrase does not open the key."""
    return journal_codec(journal, unlock=os.environ.get(PASSPHRASE_ENV) is not None)


SEALED_MARK = b'"codec": "age"'
"""How a month file's line shows a record sealed with age."""


def _refuse_lost_key(key: JournalKey) -> None:
    """JournalError when the journal has no key files but its newest month file holds sealed
    records (its key folder lost, or left out of a restored backup): plain text must not be
    written among them. Reads that one file, only if it is a regular file."""
    months = sorted(key.journal.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9].json"))
    if not months:
        return
    newest = months[-1]
    try:
        if not stat.S_ISREG(os.lstat(newest).st_mode):
            return  # told by whatever reads it
        sealed = SEALED_MARK in newest.read_bytes()
    except OSError:
        return
    if sealed:
        raise JournalError(
            f"{newest} holds encrypted sessions, but the journal's key folder {key.folder} is "
            "missing or empty, and nothing is written to it without its key; restore that "
            "folder from a backup (or move the journal folder away to start a new one)"
        )


def _known(name: str) -> bool:
    try:
        codec_named(name)
    except JournalError:
        return False
    return True
