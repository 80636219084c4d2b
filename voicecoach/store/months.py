"""The journal's month files and their index, kept in step.

Reading goes through the index while it matches its month file, else reads the month and
indexes it again. Nothing here needs the disk to be writable to read: a damaged month file is
salvaged in memory, and putting that right (setting the damaged bytes aside, writing what was
salvaged, writing the index) is tried under the write lock and, when the disk refuses, told in
one notice and left for later.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from voicecoach.errors import JournalError
from voicecoach.files import remove_files
from voicecoach.store.codec import PLAIN, Codec, JournalLocked
from voicecoach.store.index import (
    INDEX_DIR,
    DamagedIndex,
    MonthEntry,
    SummaryIndex,
    build,
    edited,
    provisional,
    row_of,
)
from voicecoach.store.locks import WriteLock
from voicecoach.store.records import SessionRecord
from voicecoach.store.shard import (
    MonthDocs,
    NotAFile,
    Shard,
    Signature,
    Unreadable,
    set_aside,
    stat_signature,
)
from voicecoach.store.stored import UNREADABLE, NewerJournal, decode, encode, month_of
from voicecoach.store.summary import SearchHit, SessionSummary, summarize

log = logging.getLogger(__name__)

_MONTH = re.compile(r"\d{4}-\d{2}")


class Notices(list[str]):
    """Lines for the person (damaged files, skipped records); each told once."""

    def add(self, line: str) -> None:
        """Keep ``line`` unless it was kept already (also logged, at info level)."""
        if line not in self:
            self.append(line)
            log.info("%s", line)


class MonthFiles:
    """Every ``<month>.json`` under the journal folder, with ``index/``."""

    def __init__(
        self, folder: Path, lock: WriteLock, notices: Notices, codec: Codec = PLAIN
    ) -> None:
        self.folder = folder
        """The journal folder."""
        self.lock = lock
        """Held around every rewrite."""
        self.notices = notices
        """Where damage and skipped records are told."""
        self.codec = codec
        """Seals what is written."""
        self.index = SummaryIndex(folder / INDEX_DIR, codec)
        """The summaries of each month."""
        self._untidy = False
        self._stale_checked = False

    def months(self) -> list[str]:
        """The months that have a file, oldest first."""
        try:
            names = os.listdir(self.folder)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise JournalError(
                f"cannot read the journal folder {self.folder}: {exc.strerror}"
            ) from exc
        months = sorted(n[:7] for n in names if n.endswith(".json") and _MONTH.fullmatch(n[:-5]))
        if not self._stale_checked:
            self._stale_checked = True
            self._drop_stale_indexes(set(months))
        return months

    def orphan_backups(self) -> list[Path]:
        """Each ``<month>.json.bak`` whose month file is gone."""
        found = self.folder.glob("*.json.bak") if self.folder.is_dir() else []
        return sorted(p for p in found if not os.path.lexists(p.with_suffix("")))

    def clear_leftovers(self) -> None:
        """Delete every index file (each is remade from its month file when next read) and
        each ``<month>.json.bak`` whose month file is gone, under the write lock. JournalError
        when the disk refuses."""
        with self.lock:
            try:
                for month in self.index.months():
                    self.index.remove(month)
                remove_files(*self.orphan_backups())
            except OSError as exc:
                raise JournalError(
                    f"cannot remove {exc.filename or 'a file'}: {exc.strerror or exc}"
                ) from exc

    def _drop_stale_indexes(self, months: set[str]) -> None:
        """Delete the index of each month whose file is gone (removed by hand): it holds that
        month's answers, which nothing would read or erase any more. Under the write lock;
        when the disk refuses, told once and left for later."""
        stale = [m for m in self.index.months() if m not in months]
        if not stale:
            return
        try:
            with self.lock:
                for month in stale:
                    if not os.path.lexists(self.shard(month).path):
                        self.index.remove(month)
        except (OSError, JournalError) as exc:
            self.cannot_tidy(exc)

    def check_files(self) -> None:
        """Raise NotAFile when a month file or its ``.bak`` is a folder, a named pipe or a
        device (one stat each, nothing opened), so a session refuses before it starts rather
        than at the end."""
        for month in self.months():
            shard = self.shard(month)
            shard.on_disk()
            stat_signature(shard.backup)

    def shard(self, month: str) -> Shard:
        """The month file of ``month``."""
        return Shard(self.folder / f"{month}.json", month, self.codec)

    def entry(self, month: str) -> MonthEntry:
        """The month's index entry: from ``index/`` while current, else made from the month."""
        shard = self.shard(month)
        try:
            sig = shard.on_disk()
            if sig is None:
                return build([])
            found = self.index.load(month, sig)
            current = found is not None and (not found.stale or not self.codec.unlocked)
            if found is not None and current and not self._plain_parts(found):
                # (stale sessions, filed without the secret, are listed from their metadata
                # until someone with the passphrase reads the month)
                for line in found.skipped:
                    self.notices.add(line)
                if self.codec.unlocked and len(found.parts or ()) > 1:
                    self._join_parts(month, sig, found)
                return found
            docs = shard.read()
        except (NewerJournal, JournalLocked, NotAFile):
            raise
        except JournalError as exc:
            self.notices.add(str(exc))
            return build([])
        entry = build([summarize(r) for r in self._records(shard, docs)], docs.skipped)
        if docs.damage is None:
            self._tidy(lambda: self._store_index(month, docs, entry), month, docs, entry)
        return entry

    def listing(self, month: str) -> list[SessionSummary]:
        """The month's sessions in brief without unsealing anything: from the index while it
        is current, else from the month file's plain metadata (no moods, no answers, and a
        provisional question count); what retention needs."""
        shard = self.shard(month)
        sig = shard.on_disk()
        if sig is None:
            return []
        found = self.index.load(month, sig)
        if found is None:
            docs = shard.read()
            self._told(shard, docs)
            found = provisional(docs)
        return found.summaries

    def summaries(self, month: str) -> list[SessionSummary]:
        """The month's sessions in brief, from its index (rebuilt if it proves damaged)."""
        try:
            return self.entry(month).summaries
        except DamagedIndex:
            return self._rebuilt(month).summaries

    def hits(self, month: str, words: Sequence[str]) -> tuple[list[SearchHit], set[str]]:
        """The month's answers holding every word (folded), and the ids the month holds."""
        entry = self.entry(month)
        try:
            return entry.hits(words), entry.ids()
        except DamagedIndex:
            entry = self._rebuilt(month)
            return entry.hits(words), entry.ids()

    def _join_parts(self, month: str, sig: Signature, entry: MonthEntry) -> None:
        """Write an index of several parts (sessions filed without the secret) as one."""
        try:
            with self.lock:
                if self.shard(month).on_disk() == sig:
                    self.index.store(month, sig, entry)
        except (OSError, JournalError) as exc:
            self.cannot_tidy(exc)

    def _rebuilt(self, month: str) -> MonthEntry:
        self.index.drop(month)
        shard = self.shard(month)
        docs = shard.read()
        entry = build([summarize(r) for r in self._records(shard, docs)], docs.skipped)
        self._tidy(lambda: self._store_index(month, docs, entry), month, docs, entry)
        return entry

    def records(self, month: str) -> list[SessionRecord]:
        """The month's readable records, in file order."""
        shard = self.shard(month)
        try:
            docs = shard.read()
        except (NewerJournal, NotAFile):
            raise
        except JournalError as exc:
            self.notices.add(str(exc))
            return []
        return self._records(shard, docs)

    def stored(self, month: str, session_id: str) -> dict[str, Any] | None:
        """The stored document with this id in ``month``'s file, still sealed, or None."""
        return self.shard(month).stored(session_id)

    def find(self, month: str, session_id: str) -> SessionRecord | None:
        """The record with this id in ``month``'s file, or None."""
        shard = self.shard(month)
        record, docs = shard.find(session_id)
        if docs is not None:
            self._told(shard, docs)
        return record

    def put(self, record: SessionRecord) -> None:
        """Insert or replace ``record`` in its month, under the write lock; index updated.

        Raises JournalError when the disk refuses.
        """
        self._file(month_of(record), encode(record, self.codec), summarize(record))

    def put_sealed(self, month: str, doc: dict[str, Any]) -> None:
        """Insert or replace a stored document as it is (a dead session's write-ahead entries,
        filed without the secret); its index row is provisional. JournalError as ``put``."""
        self._file(month, doc, None)

    def _file(self, month: str, doc: dict[str, Any], summary: SessionSummary | None) -> None:
        shard = self.shard(month)
        with self.lock:
            docs = shard.read()
            try:
                self._set_aside(shard, docs)
                shard.store_doc(doc, docs)
            except OSError as exc:
                raise JournalError(f"cannot write {shard.name}: {exc.strerror or exc}") from exc
            finally:
                self._told(shard, docs)
            kept = self.index.load(month, docs.signature) if docs.damage is None else None
            if not self.codec.unlocked:  # the index is edited without opening it
                base = kept if kept is not None else provisional(docs)
                row = None if summary is not None else row_of(doc)
                entry = edited(base, self.codec, put=summary, row=row)
            elif summary is None or kept is None or kept.sealed or kept.stale:
                entry = self._entry_of(shard)
            else:
                try:
                    others = [s for s in kept.summaries if s.id != summary.id]
                    entry = build([*others, summary], kept.skipped)
                except DamagedIndex:
                    entry = self._entry_of(shard)
            self._write_index(month, shard, entry)

    def unreadable(self, month: str) -> list[Unreadable]:
        """The records in ``month``'s file (or salvaged from its ``.bak``) that cannot be
        decoded here, a codec unknown here included. JournalError when the file cannot be read
        (NewerJournal for a later version's; JournalLocked without the passphrase)."""
        shard = self.shard(month)
        docs = shard.read()
        out = []
        for doc in docs.docs:
            why = _undecodable(shard, doc)
            if why is not None:
                out.append(shard.unreadable(doc, docs, why))
        return out

    def remove(self, month: str, ids: set[str], *, unreadable: bool = False) -> None:
        """Remove these sessions from ``month``'s file and its ``.bak``, under the write lock;
        with ``unreadable``, every record that cannot be decoded too."""
        shard = self.shard(month)
        with self.lock:
            docs = shard.read()
            kept = [
                d
                for d in docs.docs
                if d.get("id") not in ids
                and not (unreadable and _undecodable(shard, d) is not None)
            ]
            try:
                self._set_aside(shard, docs)
                if len(kept) != len(docs.docs) or docs.damage is not None:
                    shard.write(kept, whole=False)
                shard.forget_backup()
            except OSError as exc:
                raise JournalError(f"cannot write {shard.name}: {exc.strerror or exc}") from exc
            finally:
                self._told(shard, docs)
            if self.codec.unlocked:
                entry = self._entry_of(shard)
            else:  # the index is edited without opening it
                was = self.index.load(month, docs.signature) if docs.damage is None else None
                base = was if was is not None else provisional(docs)
                entry = edited(base, self.codec, removed=frozenset(ids))
            self._write_index(month, shard, entry)

    def sweep_temp_files(self) -> None:
        """Remove temp files left by a crash (under the write lock: none is being written)."""
        try:
            with self.lock:
                for folder in (self.folder, self.index.folder):
                    for path in folder.glob(".*.tmp"):
                        remove_files(path)
        except (OSError, JournalError) as exc:
            self.cannot_tidy(exc)

    def cannot_tidy(self, exc: BaseException) -> None:
        """Tell once that the journal was read as it is, because the disk refused a change."""
        if not self._untidy:
            self._untidy = True
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.notices.add(f"the journal could not be tidied ({why}); it was read as it is")

    # -- internals -----------------------------------------------------------------------------

    def _records(self, shard: Shard, docs: MonthDocs) -> list[SessionRecord]:
        records = shard.records(docs)
        plain = self._plain_kept(docs, records)
        if docs.damage is not None or docs.old_format or plain:
            self._tidy(lambda: self._rewrite(shard, docs, plain), shard.month, docs, None)
        self._told(shard, docs)
        return records

    def _told(self, shard: Shard, docs: MonthDocs) -> None:
        if docs.damage is not None:
            read = len(docs.docs) - docs.from_bak
            line = f"{shard.name} is damaged ({docs.damage}); {_sessions(read)} read from it"
            if docs.from_bak:
                line += f", {docs.from_bak} more from {shard.backup.name}"
            if docs.bak_damage is not None:
                line += f" ({shard.backup.name} is damaged too: {docs.bak_damage})"
            if docs.aside is not None:
                line += f"; the damaged file is kept as {docs.aside.name}"
            self.notices.add(line)
        for line in docs.skipped:
            self.notices.add(line)

    def _tidy(
        self, change: Callable[[], None], month: str, docs: MonthDocs, entry: MonthEntry | None
    ) -> None:
        """Run ``change`` under the write lock; when the disk refuses, carry on without it."""
        try:
            with self.lock:
                if self.shard(month).on_disk() == docs.signature:  # else someone else did
                    change()
        except (OSError, JournalError) as exc:
            self.cannot_tidy(exc)
            if entry is not None:
                self.index.keep(month, docs.signature, entry)

    def _rewrite(self, shard: Shard, docs: MonthDocs, plain: frozenset[str] = frozenset()) -> None:
        """Set a damaged file aside and write what was salvaged; or upgrade an old format; or
        seal the records ``plain`` names (see ``_plain_kept``), leaving no ``.bak`` of them."""
        self._set_aside(shard, docs)
        stored = []
        for doc in docs.docs:
            whole = ("codec" in doc and doc.get("id") not in plain) or "entries" in doc
            stored.append(doc if whole else _restored(doc, shard.name, self.codec))
        shard.write(stored, whole=docs.damage is None and not plain)
        if plain:
            shard.forget_backup()
            were = "was" if len(plain) == 1 else "were"
            self.notices.add(
                f"{shard.name}: {_sessions(len(plain))} kept in plain text in this encrypted "
                f"journal {were} encrypted"
            )
        self._write_index(shard.month, shard, self._entry_of(shard))

    def _plain_kept(self, docs: MonthDocs, records: list[SessionRecord]) -> frozenset[str]:
        """The ids of readable records kept in plain text although this journal's codec seals
        (written while its key could not be read): sealed when a process that can unseal reads
        the month."""
        if self.codec.name == PLAIN.name or not self.codec.unlocked:
            return frozenset()
        plain = {d.get("id") for d in docs.docs if d.get("codec") == PLAIN.name}
        return frozenset(r.id for r in records if r.id in plain)

    def _plain_parts(self, entry: MonthEntry) -> bool:
        """True when an index part is in plain text although this journal's codec seals (and
        can unseal here): the month is then read again, and sealed, rather than the index."""
        if self.codec.name == PLAIN.name or not self.codec.unlocked:
            return False
        return any(part.get("codec") == PLAIN.name for part in entry.parts or ())

    def _set_aside(self, shard: Shard, docs: MonthDocs) -> None:
        """A damaged month file is kept under another name (and a damaged ``.bak`` too)."""
        if docs.damage is None or docs.aside is not None:
            return
        docs.aside = set_aside(shard.path, keep=True)
        if docs.bak_damage is not None:
            set_aside(shard.backup, keep=False)

    def _entry_of(self, shard: Shard) -> MonthEntry:
        docs = shard.read()
        return build([summarize(r) for r in shard.records(docs)], docs.skipped)

    def _store_index(self, month: str, docs: MonthDocs, entry: MonthEntry) -> None:
        self.index.store(month, docs.signature, entry)

    def _write_index(self, month: str, shard: Shard, entry: MonthEntry) -> None:
        sig = shard.on_disk()
        try:
            self.index.store(month, sig, entry)
        except OSError as exc:
            self.cannot_tidy(exc)
            self.index.keep(month, sig, entry)


def _sessions(count: int) -> str:
    return f"{count} session{'' if count == 1 else 's'}"


def _undecodable(shard: Shard, doc: dict[str, Any]) -> Exception | None:
    """Why ``doc`` cannot be decoded here, or None when it can (or cannot be judged: a later
    version's record, or a sealed one without the passphrase)."""
    try:
        decode(doc, shard.name)
    except (NewerJournal, JournalLocked):
        return None
    except (*UNREADABLE, JournalError) as exc:
        return exc
    return None


def _restored(doc: dict[str, Any], name: str, codec: Codec) -> dict[str, Any]:
    """An older-layout document in the current layout; as it was if it cannot be decoded."""
    try:
        return encode(decode(doc, name), codec)
    except UNREADABLE:
        return doc
