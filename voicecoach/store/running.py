"""``journal/running/<id>.jsonl``: a write-ahead file for the session in progress.

Every ``save()`` appends the whole record as one JSON line and fdatasyncs it: one small write
and one flush, whatever the size of the journal, and nothing already written is touched. The
last line that reads back whole is the session; a line cut short by a crash is skipped, so the
save before it is what survives. When the session ends the record moves into its month's shard
and the file goes; if its process dies, the next process to open the journal moves it there
marked interrupted.

Only the process holding the session's lock appends; others only read.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from voicecoach.errors import JournalError
from voicecoach.store.files import remove_files
from voicecoach.store.locks import display_path, fsync_dir, open_private
from voicecoach.store.records import SessionRecord
from voicecoach.store.shard import UNREADABLE, decode
from voicecoach.store.storage import Signature, set_aside

log = logging.getLogger(__name__)

SUFFIX = ".jsonl"
"""Name of a running file: ``<session id>.jsonl``."""


class RunningFile:
    """One running session's write-ahead file."""

    def __init__(self, folder: Path, session_id: str, notices: list[str]) -> None:
        self.session_id = session_id
        """The session it holds."""
        self.path = folder / f"{session_id}{SUFFIX}"
        """``journal/running/<id>.jsonl``."""
        self._notices = notices
        self._sig: Signature | None = None
        self._record: SessionRecord | None = None

    def exists(self) -> bool:
        """True while the file is there."""
        return self._stat() is not None

    def write(self, record: SessionRecord) -> None:
        """Append the record as a line, durably (fdatasync; the folder too when new)."""
        if record.id != self.session_id:
            raise ValueError(f"record {record.id} written to the file of {self.session_id}")
        line = b"\n" + json.dumps(record.to_record(), ensure_ascii=False).encode("utf-8") + b"\n"
        try:
            created = not self.path.exists()
            fd = open_private(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            try:
                view = memoryview(line)
                while view:
                    view = view[os.write(fd, view) :]
                os.fdatasync(fd)
            finally:
                os.close(fd)
            if created:
                fsync_dir(self.path.parent)
        except OSError as exc:
            raise JournalError(
                f"cannot write {display_path(self.path)}: {exc.strerror or exc}"
            ) from exc
        self._record, self._sig = record, self._stat()

    def read(self) -> SessionRecord | None:
        """The last whole record in the file, or None when it is gone or holds none."""
        sig = self._stat()
        if sig is None:
            self._record, self._sig = None, None
            return None
        if sig == self._sig:
            return self._record
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise JournalError(f"cannot read {display_path(self.path)}: {exc.strerror}") from exc
        self._record, self._sig = self._last_record(raw), sig
        return self._record

    def remove(self) -> None:
        """Delete the file (the record is kept in its shard now, or forgotten)."""
        try:
            remove_files(self.path)
        except OSError as exc:
            raise JournalError(f"cannot remove {display_path(self.path)}: {exc.strerror}") from exc
        self._record, self._sig = None, None

    def set_aside(self, why: str) -> None:
        """Keep a file that holds no readable record as ``<name>.corrupt-<UTC>``, with a notice.

        The caller holds the journal's write lock.
        """
        try:
            aside = set_aside(self.path, keep=False)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise JournalError(
                f"cannot set {display_path(self.path)} aside: {exc.strerror or exc}"
            ) from exc
        self._record, self._sig = None, None
        line = f"{display_path(self.path)} {why}; set aside as {aside.name}"
        self._notices.append(line)
        log.warning("%s", line)

    def _last_record(self, raw: bytes) -> SessionRecord | None:
        for line in reversed(raw.split(b"\n")):
            if not line.strip():
                continue
            try:
                record = decode(json.loads(line), display_path(self.path))
            except (*UNREADABLE, RecursionError):
                continue  # cut short by a crash, or damaged: the line before it holds
            if record.id == self.session_id:
                return record
        return None

    def _stat(self) -> Signature | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise JournalError(f"cannot read {display_path(self.path)}: {exc.strerror}") from exc
        return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def running_ids(folder: Path) -> set[str]:
    """Ids of the sessions that have a running file or a session lock in ``folder``."""
    ids: set[str] = set()
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return ids
    for name in names:
        if name.startswith("."):
            continue
        for suffix in (SUFFIX, ".lock"):
            if name.endswith(suffix):
                ids.add(name[: -len(suffix)])
    return ids
