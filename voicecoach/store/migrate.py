"""Encrypting a plain journal when its key is made (``voicecoach key init``).

Month by month, under the journal's write lock: every record is sealed with the journal's age
codec and the month file rewritten (temp file, fsync, rename); the new file is read back and
every record compared with the plain one before the plain ``.bak`` goes and the index is
rewritten sealed. A damaged file set aside (``*.corrupt-*``) and kept answer audio
(``audio/<id>/<n>.wav``) become ``<name>.age``, a whole age file, and the plain one goes once
that decrypts to the same bytes. Cut short, the journal
holds plain and sealed months side by side, both readable; running ``key init`` again finishes.

A record that cannot be decoded is never guessed at: its content is sealed as it is stored (so
it stays as unreadable, but encrypted), and each one is told; one whose content cannot be
sealed that way (a codec unknown here, a content of the wrong shape) is left as it is and
counted in ``Encrypted.plain``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyrage

from voicecoach.errors import JournalError
from voicecoach.files import remove_files, write_private
from voicecoach.hinting import command_hint
from voicecoach.store.codec import PLAIN, register
from voicecoach.store.crypto import AgeCodec, JournalKey
from voicecoach.store.index import build
from voicecoach.store.journal import RUNNING_DIR, Journal
from voicecoach.store.locks import WRITE_LOCK_NAME, WriteLock
from voicecoach.store.months import MonthFiles, Notices
from voicecoach.store.retention import AUDIO_DIR
from voicecoach.store.shard import Shard
from voicecoach.store.stored import META_KEYS, UNREADABLE, decode, encode
from voicecoach.store.summary import summarize


@dataclass
class Encrypted:
    """What ``encrypt_journal`` did."""

    sessions: int = 0
    """Sessions sealed."""
    notes: list[str] = field(default_factory=list)
    """One line per record that cannot be read: sealed as it is, or left in plain text."""
    plain: int = 0
    """Records left in plain text (they could not be sealed as they are)."""


def encrypt_journal(key: JournalKey, passphrase: str) -> Encrypted:
    """Make the key if there is none (else unlock it), then seal every unit still plain.

    JournalError when a session is running, the passphrase is wrong (WrongPassphrase) or the
    disk refuses; what was done stays readable.
    """
    folder = key.journal
    if folder.exists():
        with Journal(folder) as journal:  # closes the sessions whose process died
            journal.check_files()  # a folder for a month file: refused before a key is made
        if any((folder / RUNNING_DIR).glob("*.jsonl")):
            raise JournalError(f"a session is running; run {command_hint('key init')} once it ends")
    if key.exists():
        codec = key.codec(passphrase)
    else:
        identity = key.create(passphrase)
        codec = AgeCodec(str(identity.to_public()), identity)
    register(codec)
    done = Encrypted()
    if not folder.exists():
        return done
    months = MonthFiles(folder, WriteLock(folder / WRITE_LOCK_NAME), Notices(), codec)
    for month in months.months():
        with months.lock:
            _seal_month(months, months.shard(month), codec, done)
    for aside in sorted(folder.glob("*.corrupt-*")):
        if aside.suffix != ".age":
            _seal_file(aside, codec, key)
    for wav in sorted(folder.glob(f"{AUDIO_DIR}/*/*.wav")):
        _seal_file(wav, codec, key)
    return done


def _seal_month(months: MonthFiles, shard: Shard, codec: AgeCodec, done: Encrypted) -> None:
    docs = shard.read()
    if all(doc.get("codec") == codec.name for doc in docs.docs) and not _plain_backup(shard):
        return
    plain = {}
    stored = []
    for doc in docs.docs:
        try:
            record = decode(doc, shard.name)
        except UNREADABLE as exc:  # damaged: never guessed at; its content sealed as it is
            sealed = _sealed_as_is(doc, codec)
            stored.append(doc if sealed is None else sealed)
            told = shard.unreadable(doc, docs, exc)
            erase = command_hint(f"forget {told.id or '--all'}") + " erases it"
            which = f"session {told.id}" if told.id is not None else "a record"
            if sealed is None and doc.get("codec") != codec.name:
                done.plain += 1
                done.notes.append(
                    f"{told.where}: {which} cannot be read ({told.why}) and is left as it is, "
                    f"in plain text; {erase}"
                )
            else:
                done.notes.append(
                    f"{told.where}: {which} cannot be read ({told.why}); it was encrypted as "
                    f"it is; {erase}"
                )
            continue
        plain[record.id] = record
        stored.append(encode(record, codec))
    try:
        shard.write(stored, whole=False)
        reread = shard.read()
        again = {r.id: r for r in shard.records(reread)}
        if again != plain:
            raise JournalError(f"{shard.name}: the encrypted copy does not read back the same")
        shard.forget_backup()
        summaries = [summarize(r) for r in again.values()]
        months.index.store(shard.month, shard.on_disk(), build(summaries, reread.skipped))
    except OSError as exc:
        raise JournalError(f"cannot write {shard.name}: {exc.strerror or exc}") from exc
    done.sessions += len(plain)


def _sealed_as_is(doc: dict[str, Any], codec: AgeCodec) -> dict[str, Any] | None:
    """A record that cannot be decoded, with what it holds sealed without being read: its
    plain content (or, in the older layout, every field but the listing's), or each plain
    write-ahead entry's. None when some of it cannot be sealed so (a codec unknown here, a
    content that is not a JSON object); as it is when nothing in it is plain."""
    if doc.get("codec") == codec.name:
        return doc
    if "entries" in doc:
        entries = doc["entries"]
        if not isinstance(entries, list):
            return None
        sealed = [_sealed_as_is(e, codec) if isinstance(e, dict) else None for e in entries]
        if any(e is None for e in sealed):
            return None
        return {**doc, "entries": sealed}
    if "codec" not in doc:  # the older layout: every field at the top level
        meta = {k: doc[k] for k in META_KEYS if k in doc}
        content = {k: v for k, v in doc.items() if k not in META_KEYS}
        return {**meta, "codec": codec.name, "content": codec.seal(content)}
    if doc["codec"] == PLAIN.name and isinstance(doc.get("content"), dict):
        return {**doc, "codec": codec.name, "content": codec.seal(doc["content"])}
    return None


def _plain_backup(shard: Shard) -> bool:
    return shard.backup.exists() and shard.backup.read_bytes() != shard.path.read_bytes()


def _seal_file(path: Path, codec: AgeCodec, key: JournalKey) -> None:
    """``path`` as the age file ``<path>.age``; the plain one goes once that reads back."""
    data = path.read_bytes()
    target = path.with_name(path.name + ".age")
    recipient = pyrage.x25519.Recipient.from_str(key.recipient())
    try:
        write_private(target, pyrage.encrypt(data, [recipient]))
        if codec.decrypt_bytes(target.read_bytes()) != data:
            raise JournalError(f"{target}: the encrypted copy does not read back the same")
        remove_files(path)
    except OSError as exc:
        raise JournalError(f"cannot write {target}: {exc.strerror or exc}") from exc
