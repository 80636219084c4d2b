"""``journal/running/<id>.jsonl``: the write-ahead file of a session in progress.

Every ``save()`` appends one line and fdatasyncs it: one small write and one flush whatever the
size of the journal, and nothing already written is touched. A line holds what changed since
the line before: the listing metadata, and, sealed by the codec, the record's other fields and
the turns from the first one that changed (usually just the newest answer):

    {"n": 3, "id": …, "meta": {"topic": …, "started_at": …, "status": …, …},
     "codec": "plain", "content": {"fields": {"mood_before": 4, …}, "from": 2, "turns": [{…}]}}

Reading replays the lines in order; a line cut short by a crash (or damaged) is skipped, and a
later line that needs turns the file no longer holds is skipped too, so the last save that
reads back whole is what survives. Lines of the older layout (a whole record per line) replace
everything before them. When the session ends the record moves into its month file and this
file goes; if its process dies, the next process to look moves it there marked interrupted.

Only the process holding the session's lock appends; others only read.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from voicecoach.errors import JournalError
from voicecoach.files import fsync_dir, open_private, remove_files, write_private
from voicecoach.store.codec import PLAIN, Codec, JournalLocked
from voicecoach.store.locks import display_path
from voicecoach.store.records import SessionRecord
from voicecoach.store.shard import Signature, set_aside, stat_signature
from voicecoach.store.stored import META_KEYS, replay

SUFFIX = ".jsonl"
"""Name of a write-ahead file: ``<session id>.jsonl``."""


class RunningFile:
    """One running session's write-ahead file."""

    def __init__(self, folder: Path, session_id: str, codec: Codec = PLAIN) -> None:
        self.session_id = session_id
        """The session it holds."""
        self.path = folder / f"{session_id}{SUFFIX}"
        """``journal/running/<id>.jsonl``."""
        self.codec = codec
        """Seals each line's content."""
        self._written: SessionRecord | None = None
        self._count = 0
        self._sig: Signature | None = None
        self._record: SessionRecord | None = None

    def exists(self) -> bool:
        """True while the file is there."""
        return stat_signature(self.path) is not None

    def write(self, record: SessionRecord) -> None:
        """Append what changed since the last write, durably (fdatasync; the folder when new).

        Raises JournalError naming the file when the disk refuses.
        """
        if record.id != self.session_id:
            raise ValueError(f"record {record.id} written to the file of {self.session_id}")
        line = json.dumps(self._entry(record), ensure_ascii=False).encode("utf-8")
        created = not self.path.exists()
        try:
            fd = open_private(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            try:
                _append(fd, b"\n" + line + b"\n")
            finally:
                os.close(fd)
            if created:
                fsync_dir(self.path.parent)
        except OSError as exc:
            self._written = None  # the next write starts from the whole record again
            if created:  # the session's first line did not fit: no empty file is left
                with contextlib.suppress(OSError):
                    remove_files(self.path)
            raise JournalError(
                f"cannot write {display_path(self.path)}: {exc.strerror or exc}"
            ) from exc
        self._written, self._count = record, self._count + 1
        self._record, self._sig = record, stat_signature(self.path)

    def rewrite(self, record: SessionRecord) -> None:
        """Replace the whole file with one line holding ``record`` (atomically, durably), so
        that no earlier line keeps what ``record`` no longer holds (an answer forgotten).

        Raises JournalError naming the file when the disk refuses; the old file then stays.
        """
        if record.id != self.session_id:
            raise ValueError(f"record {record.id} written to the file of {self.session_id}")
        self._written, self._count = None, 0
        line = json.dumps(self._entry(record), ensure_ascii=False).encode("utf-8")
        try:
            write_private(self.path, line + b"\n")
        except OSError as exc:
            raise JournalError(
                f"cannot write {display_path(self.path)}: {exc.strerror or exc}"
            ) from exc
        self._written, self._count = record, 1
        self._record, self._sig = record, stat_signature(self.path)

    def read(self) -> SessionRecord | None:
        """The session as its last whole save left it, or None when gone or unreadable."""
        sig = stat_signature(self.path)
        if sig is None:
            self._record, self._sig = None, None
            return None
        if sig == self._sig:
            return self._record
        raw = self._bytes()
        if raw is None:
            return None
        self._record, self._sig = self._replay(raw), sig
        return self._record

    def _bytes(self) -> bytes | None:
        """The file's bytes; None when it is gone, JournalError when it cannot be read."""
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise JournalError(f"cannot read {display_path(self.path)}: {exc.strerror}") from exc

    def remove(self) -> None:
        """Delete the file (the record is kept in its month file now, or forgotten)."""
        try:
            remove_files(self.path)
        except OSError as exc:
            raise JournalError(f"cannot remove {display_path(self.path)}: {exc.strerror}") from exc
        self._record, self._sig, self._written = None, None, None

    def set_aside(self, why: str) -> str | None:
        """Keep a file that holds no readable session as ``<name>.corrupt-<UTC>``.

        Returns the notice to show (None when the file was gone). The caller holds the
        journal's write lock. Raises OSError.
        """
        try:
            aside = set_aside(self.path, keep=False)
        except FileNotFoundError:
            return None
        self._record, self._sig, self._written = None, None, None
        return f"{display_path(self.path)} {why}; set aside as {aside.name}"

    def _entry(self, record: SessionRecord) -> dict[str, Any]:
        every = record.to_record()
        meta = {k: every.pop(k) for k in META_KEYS if k != "id"}
        turns = every.pop("turns")
        start = 0
        if self._written is not None:
            old = self._written.turns
            while start < min(len(old), len(record.turns)) and old[start] == record.turns[start]:
                start += 1
        content = {"fields": every, "from": start, "count": len(turns), "turns": turns[start:]}
        return {
            "n": self._count,
            "id": record.id,
            "meta": meta,
            "codec": self.codec.name,
            "content": self.codec.seal(content),
        }

    def _replay(self, raw: bytes) -> SessionRecord | None:
        try:
            replayed = replay(_entries(raw), self.session_id, display_path(self.path))
        except JournalLocked:
            return None  # written here without the secret: readable with the passphrase
        return None if replayed is None else replayed[1]

    def sealed_record(self) -> dict[str, Any] | None:
        """The session as a month-file document holding this file's entries as they are
        (still sealed), marked interrupted: how a process without the secret files a session
        whose process died. None when no line of the file is whole JSON of this session, or
        the file is gone. Raises JournalError when it cannot be read."""
        raw = self._bytes()
        if raw is None:
            return None
        entries = [e for e in _entries(raw) if e.get("id") == self.session_id]
        if not entries:
            return None
        last = entries[-1]
        meta = last.get("meta") if "content" in last else last
        if not isinstance(meta, dict) or not isinstance(meta.get("started_at"), str):
            return None
        doc: dict[str, Any] = {"id": self.session_id}
        doc.update({k: meta[k] for k in META_KEYS if k in meta and k != "id"})
        doc["status"] = "interrupted"
        doc["entries"] = entries
        return doc


def _entries(raw: bytes) -> list[dict[str, Any]]:
    """Every line of a write-ahead file that is a whole JSON object, in order."""
    out = []
    for line in raw.split(b"\n"):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except (ValueError, RecursionError):
            continue  # cut short by a crash
        if isinstance(entry, dict):
            out.append(entry)
    return out


def _append(fd: int, data: bytes) -> None:
    """Append ``data`` and flush it to disk; when the disk refuses part way (full, a file size
    limit), the file is cut back to what it held before, so no half line is left. Raises
    OSError."""
    size = os.fstat(fd).st_size
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view) :]
        os.fdatasync(fd)
    except OSError:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, size)
            os.fdatasync(fd)
        raise
