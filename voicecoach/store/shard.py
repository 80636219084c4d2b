"""One month file on disk (``journal/2026-11.json``): read, salvaged, rewritten whole.

A rewrite keeps the version before it as ``<month>.json.bak`` (a hard link) and installs the new
one atomically, so a reader sees one version or the other and a power cut leaves the last good
one. Reading never writes: a damaged file is salvaged in memory (every whole record line is
kept, the ``.bak`` fills in only the sessions the damaged file no longer holds whole), and
``tidy()`` then sets the damaged bytes aside as ``<name>.corrupt-<UTC>`` and writes the salvaged
version, when the disk allows. A symlinked month file is never read, written or chmodded, and
anything else that is not a regular file (a folder, a named pipe) is never opened: `NotAFile`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from voicecoach.errors import JournalError
from voicecoach.files import fsync_dir, open_private, temp_name, write_private
from voicecoach.hinting import command_hint
from voicecoach.store.codec import PLAIN, Codec
from voicecoach.store.locks import display_path, open_error
from voicecoach.store.monthfile import MonthRead, encode_month, find_doc, parse_month
from voicecoach.store.records import SessionRecord
from voicecoach.store.stored import UNREADABLE, decode, encode, what_is_wrong

Signature = tuple[int, int, int, int]
"""(inode, size, mtime ns, ctime ns): changes whenever the file is replaced or touched."""


class NotAFile(JournalError):
    """A folder, a named pipe or a device where a journal file belongs. It is never opened,
    and the journal is not read around it: every command stops with this one line."""


def not_a_file(path: Path, mode: int) -> NotAFile:
    """The error for ``path``, found to be of ``mode`` (``st_mode``) instead of a file."""
    if stat.S_ISDIR(mode):
        kind = "a folder"
    elif stat.S_ISFIFO(mode):
        kind = "a named pipe"
    elif stat.S_ISSOCK(mode):
        kind = "a socket"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    else:
        kind = "something other than a file"
    return NotAFile(
        f"{display_path(path)} is {kind}, not a journal file; move it out of {path.parent}"
    )


def stat_signature(path: Path) -> Signature | None:
    """The file's signature, or None when it is absent.

    Raises JournalError if unreadable, NotAFile for a folder, a named pipe or a device (a
    symbolic link gets its own signature: reading it is refused).
    """
    try:
        st = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise JournalError(f"cannot read {display_path(path)}: {exc.strerror}") from exc
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
        raise not_a_file(path, st.st_mode)
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def read_private(path: Path) -> tuple[bytes, Signature] | None:
    """A journal file's bytes and the signature of exactly that version; None when absent.

    Only a regular file is opened. NotAFile for a folder, a named pipe or a device;
    JournalError when it cannot be read, or is a symbolic link (never followed).
    """
    if stat_signature(path) is None:
        return None
    try:  # (non-blocking: a named pipe put there since the check never stalls the open)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        fix = (
            "voicecoach reads and writes only its own files there: move the file it points "
            "to in its place"
        )
        raise open_error(path, exc, "read", fix) from exc
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise not_a_file(path, st.st_mode)
        try:
            raw = f.read()
        except OSError as exc:
            raise JournalError(f"cannot read {display_path(path)}: {exc.strerror}") from exc
    return raw, (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def set_aside(path: Path, *, keep: bool) -> Path:
    """Give a damaged file the name ``<name>.corrupt-<UTC timestamp>``, overwriting nothing.

    With ``keep`` the old name stays (as a hard link) for the caller to replace atomically.
    Raises OSError.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for n in range(1000):
        aside = path.with_name(f"{path.name}.corrupt-{stamp}" + (f"-{n}" if n else ""))
        try:
            os.link(path, aside, follow_symlinks=False)
        except FileExistsError:
            continue
        except OSError as exc:  # a filesystem without hard links: rename, after checking
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            if aside.exists():
                continue
            os.rename(path, aside)
            fsync_dir(path.parent)
            return aside
        break
    else:
        raise JournalError(f"cannot set {display_path(path)} aside: too many damaged copies")
    if not keep:
        os.unlink(path)
    fsync_dir(path.parent)
    return aside


@dataclass
class MonthDocs:
    """The stored documents of one month as read (maybe salvaged), with what to tell."""

    docs: list[dict[str, Any]]
    """Stored documents, still sealed, one per session id."""
    signature: Signature | None
    """The version of the month file they were read from (None: no file)."""
    damage: str | None = None
    """Why the file was not whole, or None."""
    bak_damage: str | None = None
    """Why the ``.bak`` was not whole (only looked at when the file was damaged), or None."""
    from_bak: int = 0
    """Sessions filled in from the ``.bak``."""
    old_format: bool = False
    """True when the file is of an older format (rewritten in the current one when written)."""
    skipped: list[str] = field(default_factory=list)
    """One line per record that could not be decoded."""
    aside: Path | None = None
    """Where the damaged file was set aside, once it has been."""
    lines: dict[str, int] = field(default_factory=dict)
    """The line of the month file each record read from it is on, by id."""


@dataclass(frozen=True)
class Unreadable:
    """A record kept in a month file that cannot be decoded: which, where and why."""

    id: str | None
    """Its session id, or None when it has none that is text."""
    month: str
    """The month file it is in, "YYYY-MM"."""
    where: str
    """The file, and its line when known: ``journal/2026-11.json line 3``."""
    why: str
    """What is wrong, in a few words (nothing the person said)."""

    @property
    def notice(self) -> str:
        """The line telling it was skipped, and how to erase it."""
        which = f"session {self.id}" if self.id is not None else "a record"
        erase = f"forget {self.id}" if self.id is not None else "forget --all"
        return (
            f"{self.where}: {which} cannot be read ({self.why}); left in the file and skipped "
            f"({command_hint(erase)} erases it)"
        )


class Shard:
    """The month file of one month. Methods that write expect the journal's write lock held."""

    def __init__(self, path: Path, month: str, codec: Codec = PLAIN) -> None:
        self.path = path
        """``journal/<month>.json``."""
        self.backup = path.with_name(path.name + ".bak")
        """The version before the last rewrite."""
        self.month = month
        """"YYYY-MM"."""
        self.name = display_path(path)
        """How messages name the file."""
        self.codec = codec
        """Seals the content of records written."""

    def on_disk(self) -> Signature | None:
        """The file's signature now (one stat)."""
        return stat_signature(self.path)

    def read(self) -> MonthDocs:
        """Every readable stored document, salvaged from the ``.bak`` if the file is damaged."""
        got = read_private(self.path)
        if got is None:
            return MonthDocs([], None)
        raw, sig = got
        found = parse_month(raw, self.name)
        out = MonthDocs(
            _unique(found.docs), sig, found.damage, old_format=found.old_format, lines=found.lines
        )
        if found.damage is not None:
            self._fill_from_backup(out)
        return out

    def records(self, docs: MonthDocs | None = None) -> list[SessionRecord]:
        """The readable records; each one that cannot be decoded is named in ``docs.skipped``."""
        docs = docs if docs is not None else self.read()
        out = []
        for doc in docs.docs:
            try:
                out.append(decode(doc, self.name))
            except UNREADABLE as exc:
                docs.skipped.append(self.unreadable(doc, docs, exc).notice)
        return out

    def unreadable(self, doc: dict[str, Any], docs: MonthDocs, exc: Exception) -> Unreadable:
        """What to tell of ``doc``, read in ``docs``, which decoding refused with ``exc``."""
        sid = doc.get("id") if isinstance(doc.get("id"), str) else None
        line = docs.lines.get(sid) if sid is not None else None
        from_bak = docs.docs[len(docs.docs) - docs.from_bak :] if docs.from_bak else []
        if any(d is doc for d in from_bak):
            where = display_path(self.backup)
        elif line is not None:
            where = f"{self.name} line {line}"
        else:
            where = self.name
        return Unreadable(sid, self.month, where, what_is_wrong(exc, sid))

    def find(self, session_id: str) -> tuple[SessionRecord | None, MonthDocs | None]:
        """The record with this id, parsing only its line when the file is whole.

        Returns the record (None when absent or unreadable) and, when the whole month had to
        be read, what was read (for its notices).
        """
        got = read_private(self.path)
        if got is None:
            return None, None
        doc = find_doc(got[0], session_id)
        if doc is not None:
            try:
                return decode(doc, self.name), None
            except UNREADABLE:
                pass
        docs = self.read()
        for record in self.records(docs):
            if record.id == session_id:
                return record, docs
        return None, docs

    def stored(self, session_id: str) -> dict[str, Any] | None:
        """The stored document with this id, still sealed (None when absent); reads one line
        when the file is whole. Raises JournalError when the file cannot be read."""
        got = read_private(self.path)
        if got is None:
            return None
        doc = find_doc(got[0], session_id)
        if doc is not None:
            return doc
        return next((d for d in self.read().docs if d.get("id") == session_id), None)

    def write(self, docs: list[dict[str, Any]], *, whole: bool) -> None:
        """Replace the file with ``docs``; the current version becomes the ``.bak`` if ``whole``.

        A damaged ``.bak`` is set aside first, never overwritten. Raises OSError.
        """
        if whole and self.path.exists():
            self._check_backup()
            self._link(self.path, self.backup)
        write_private(self.path, encode_month(docs))

    def forget_backup(self) -> None:
        """Make ``.bak`` the current version, so data just removed is gone from it too."""
        if self.path.exists():
            self._link(self.path, self.backup)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.backup)
        fsync_dir(self.path.parent)

    def store(self, record: SessionRecord, docs: MonthDocs) -> None:
        """Write ``docs`` with ``record`` put in (replacing the one with its id). OSError."""
        self.store_doc(encode(record, self.codec), docs)

    def store_doc(self, new: dict[str, Any], docs: MonthDocs) -> None:
        """Write ``docs`` with the stored document ``new`` put in (replacing the one with its
        id); the others are copied as they are, still sealed, except that a record filed as
        write-ahead entries gets one ``content`` when this codec can unseal it. OSError."""
        kept = [self._compact(d) for d in docs.docs if d.get("id") != new.get("id")]
        self.write([*kept, new], whole=docs.damage is None)

    def _compact(self, doc: dict[str, Any]) -> dict[str, Any]:
        if "entries" not in doc or not self.codec.unlocked:
            return doc
        try:
            return encode(decode(doc, self.name), self.codec)
        except (*UNREADABLE, JournalError):
            return doc

    def _fill_from_backup(self, out: MonthDocs) -> None:
        try:
            got = read_private(self.backup)
        except JournalError:
            got = None
        if got is None:
            return
        bak = parse_month(got[0], self.name)
        out.bak_damage = bak.damage
        have = {d.get("id") for d in out.docs}
        for doc in _unique(bak.docs):
            if doc.get("id") not in have:
                out.docs.append(doc)
                out.from_bak += 1

    def _check_backup(self) -> None:
        got = read_private(self.backup)
        if got is None:
            return
        found: MonthRead = parse_month(got[0], self.name)
        if found.damage is not None:
            set_aside(self.backup, keep=False)

    def _link(self, source: Path, target: Path) -> None:
        """Make ``target`` name the file ``source`` names (a copy where links cannot be made).

        When ``target`` is already a link to it (as after `forget_backup`), nothing is done: a
        rename between two links to one file does nothing and would leave the temp name."""
        with contextlib.suppress(OSError):
            if os.path.samestat(os.lstat(source), os.lstat(target)):
                return
        tmp = temp_name(target)
        try:
            os.link(source, tmp, follow_symlinks=False)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            fd = open_private(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
            with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                out.write(src.read())
                out.flush()
                os.fsync(out.fileno())
        os.replace(tmp, target)
        with contextlib.suppress(FileNotFoundError):  # still there if it was target's file
            os.unlink(tmp)


def _unique(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One document per id (the last one wins, as a rewrite would keep); others dropped."""
    by_id: dict[object, dict[str, Any]] = {}
    for doc in docs:
        by_id[doc.get("id")] = doc
    return list(by_id.values())
