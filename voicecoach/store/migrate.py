"""Encrypting a plain journal when its key is made (``voicecoach key init``).

Month by month, under the journal's write lock: every record is sealed with the journal's age
codec and the month file rewritten (temp file, fsync, rename); the new file is read back and
every record compared with the plain one before the plain ``.bak`` goes and the index is
rewritten sealed. A damaged file set aside (``*.corrupt-*``) and kept answer audio
(``audio/<id>/<n>.wav``) become ``<name>.age``, a whole age file, and the plain one goes once
that decrypts to the same bytes. Cut short, the journal
holds plain and sealed months side by side, both readable; running ``key init`` again finishes.
"""

from __future__ import annotations

from pathlib import Path

import pyrage

from voicecoach.errors import JournalError
from voicecoach.files import remove_files, write_private
from voicecoach.store.codec import register
from voicecoach.store.crypto import AgeCodec, JournalKey
from voicecoach.store.index import build
from voicecoach.store.journal import RUNNING_DIR, Journal
from voicecoach.store.locks import WRITE_LOCK_NAME, WriteLock
from voicecoach.store.months import MonthFiles, Notices
from voicecoach.store.retention import AUDIO_DIR
from voicecoach.store.shard import Shard
from voicecoach.store.stored import UNREADABLE, decode, encode
from voicecoach.store.summary import summarize


def encrypt_journal(key: JournalKey, passphrase: str) -> int:
    """Make the key if there is none (else unlock it), then seal every unit still plain.

    Returns how many sessions were sealed. JournalError when a session is running, the
    passphrase is wrong (WrongPassphrase) or the disk refuses; what was done stays readable.
    """
    folder = key.journal
    if folder.exists():
        with Journal(folder):  # closes the sessions whose process died
            pass
        if any((folder / RUNNING_DIR).glob("*.jsonl")):
            raise JournalError("a session is running; run `voicecoach key init` once it ends")
    if key.exists():
        codec = key.codec(passphrase)
    else:
        identity = key.create(passphrase)
        codec = AgeCodec(str(identity.to_public()), identity)
    register(codec)
    if not folder.exists():
        return 0
    months = MonthFiles(folder, WriteLock(folder / WRITE_LOCK_NAME), Notices(), codec)
    sealed = 0
    for month in months.months():
        with months.lock:
            sealed += _seal_month(months, months.shard(month), codec)
    for aside in sorted(folder.glob("*.corrupt-*")):
        if aside.suffix != ".age":
            _seal_file(aside, codec, key)
    for wav in sorted(folder.glob(f"{AUDIO_DIR}/*/*.wav")):
        _seal_file(wav, codec, key)
    return sealed


def _seal_month(months: MonthFiles, shard: Shard, codec: AgeCodec) -> int:
    docs = shard.read()
    if all(doc.get("codec") == codec.name for doc in docs.docs) and not _plain_backup(shard):
        return 0
    plain = {}
    stored = []
    for doc in docs.docs:
        try:
            record = decode(doc, shard.name)
        except UNREADABLE:
            stored.append(doc)  # damaged: carried over as it is, never guessed at
            continue
        plain[record.id] = record
        stored.append(encode(record, codec))
    try:
        shard.write(stored, whole=False)
        again = {r.id: r for r in shard.records(shard.read())}
        if again != plain:
            raise JournalError(f"{shard.name}: the encrypted copy does not read back the same")
        shard.forget_backup()
        summaries = [summarize(r) for r in again.values()]
        months.index.store(shard.month, shard.on_disk(), build(summaries, docs.skipped))
    except OSError as exc:
        raise JournalError(f"cannot write {shard.name}: {exc.strerror or exc}") from exc
    return len(plain)


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
