"""A TinyDB storage for one journal shard that is never written in place.

Every write goes to a temp file in the same folder (flush, fsync), the current file is kept as
``<shard>.bak`` (a hard link), the temp file is renamed over the shard and the folder is
fsynced. A reader therefore sees the old shard or the new one, never half of one, and a power
cut leaves the last good version behind.

A shard that does not parse is never overwritten: it is moved aside to
``<shard>.corrupt-<UTC timestamp>``, the ``.bak`` is used if it parses (else the shard starts
empty), and a one-line notice says so. Reads are cached and re-done only when the file's
identity, size or mtime changed, so another process's write is seen and others are not re-read.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from voicecoach.errors import JournalError
from voicecoach.store.locks import (
    FILE_MODE,
    WRITE_LOCK_NAME,
    WriteLock,
    display_path,
    fsync_dir,
    open_private,
)

log = logging.getLogger(__name__)

Tables = dict[str, dict[str, Any]]
"""A whole TinyDB database: table name → {doc id as a string → document}."""
Signature = tuple[int, int, int, int]
"""(inode, size, mtime ns, ctime ns): changes whenever the file is replaced or touched."""


class CorruptShard(Exception):
    """Bytes that are not a TinyDB database; the message says why in a few words."""


def parse_shard(raw: bytes) -> Tables:
    """Decode a shard's bytes, checking the TinyDB shape: {table: {"<int>": {document}}}."""
    if not raw.strip():
        raise CorruptShard("the file is empty")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise CorruptShard("not valid JSON") from exc
    if not isinstance(data, dict):
        raise CorruptShard(f"its top level is a JSON {type(data).__name__}, not an object")
    for table in data.values():
        if not isinstance(table, dict) or not all(
            key.isdecimal() and key.isascii() and isinstance(doc, dict)
            for key, doc in table.items()
        ):
            raise CorruptShard("a table in it is not a TinyDB table")
    return data


def encode_shard(data: Tables) -> bytes:
    """The bytes written for a shard: compact UTF-8 JSON."""
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def set_aside(path: Path, *, keep: bool) -> Path:
    """Give a damaged file the name ``<name>.corrupt-<UTC timestamp>``, overwriting nothing.

    With ``keep`` the old name stays (as a hard link) for the caller to replace atomically.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for n in range(1000):
        aside = path.with_name(f"{path.name}.corrupt-{stamp}" + (f"-{n}" if n else ""))
        try:
            os.link(path, aside)
        except FileExistsError:
            continue
        except OSError:  # a filesystem without hard links: rename, after checking the name
            if aside.exists():
                continue
            os.rename(path, aside)
            fsync_dir(path.parent)
            return aside
        break
    else:
        raise JournalError(f"cannot set {display_path(path)} aside: too many damaged copies")
    os.chmod(aside, FILE_MODE)
    if not keep:
        os.unlink(path)
    fsync_dir(path.parent)
    return aside


class AtomicJSONStorage(Storage):
    """TinyDB storage for one shard file, written atomically and read through a cache.

    ``lock`` guards rewrites across processes (one is made on ``.write.lock`` beside the file
    when not given); ``notices`` collects one line per damaged file set aside.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        lock: WriteLock | None = None,
        notices: list[str] | None = None,
    ) -> None:
        self.path = Path(path)
        """The shard file, e.g. ``journal/2026-11.json``."""
        self.backup = self.path.with_name(self.path.name + ".bak")
        """The previous good version of the shard."""
        self.lock = lock if lock is not None else WriteLock(self.path.parent / WRITE_LOCK_NAME)
        """Held around every rewrite and every recovery."""
        self.notices: list[str] = notices if notices is not None else []
        """Human-readable lines about files set aside; shown to the user by the caller."""
        self.generation = 0
        """Bumped whenever the shard's content changes (another version read, or written)."""
        self._data: Tables | None = None
        self._sig: Signature | None = None

    # -- TinyDB's Storage interface ------------------------------------------------------------

    def read(self) -> Tables:
        """The shard's tables; from the cache unless the file changed since it was cached."""
        sig = self._stat(self.path)
        if self._data is not None and sig == self._sig:
            return self._data
        got = self._read_bytes(self.path)
        if got is None:
            data: Tables = {}
            sig = None
        else:
            raw, sig = got
            try:
                data = parse_shard(raw)
            except CorruptShard:
                with self.lock:
                    try:
                        data, sig = self._recover()
                    except OSError as exc:
                        raise JournalError(
                            f"cannot set {display_path(self.path)} aside: {exc.strerror or exc}"
                        ) from exc
        self._remember(data, sig, changed=sig is None or sig != self._sig)
        return data

    def write(self, data: Tables) -> None:
        """Replace the shard with ``data``, durably, keeping the old version as ``.bak``."""
        with self.lock:
            tmp: Path | None = None
            try:
                # The new version gets its inode while the two before it still exist, so a
                # reader's cached signature can never match a later version by inode reuse.
                tmp = self._write_temp(encode_shard(data))
                self._keep_backup()
                self._install(tmp)
                sig = self._stat(self.path)
            except BaseException as exc:
                if tmp is not None:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(tmp)
                self._data, self._sig = None, None  # the cache may hold the unwritten change
                if isinstance(exc, OSError):
                    raise JournalError(
                        f"cannot write {display_path(self.path)}: {exc.strerror or exc}"
                    ) from exc
                raise
            self._remember(data, sig, changed=True)

    def drop_cache(self) -> None:
        """Free the parsed tables; the next read parses the file again (same generation)."""
        self._data = None

    @property
    def signature(self) -> Signature | None:
        """Identity of the version last read or written (None: there was no file)."""
        return self._sig

    def on_disk(self) -> Signature | None:
        """Identity of the file as it is now (one stat, no read); None when it is absent."""
        return self._stat(self.path)

    def is_current(self) -> bool:
        """True when the file is still the version last read or written (one stat, no read)."""
        return self.generation > 0 and self._stat(self.path) == self._sig

    # -- extras for the journal ----------------------------------------------------------------

    def forget_backup(self) -> None:
        """Make ``.bak`` the current version, so data just removed is gone from it too."""
        with self.lock:
            try:
                if self._stat(self.path) is None:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(self.backup)
                else:
                    self._link_or_copy(self.path, self.backup)
                fsync_dir(self.path.parent)
            except OSError as exc:
                raise JournalError(
                    f"cannot update {display_path(self.backup)}: {exc.strerror or exc}"
                ) from exc

    # -- internals -----------------------------------------------------------------------------

    def _remember(self, data: Tables, sig: Signature | None, *, changed: bool) -> None:
        self._data, self._sig = data, sig
        if changed:
            self.generation += 1

    def _stat(self, path: Path) -> Signature | None:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise JournalError(f"cannot read {display_path(path)}: {exc.strerror}") from exc
        return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)

    def _read_bytes(self, path: Path) -> tuple[bytes, Signature] | None:
        """The file's bytes and the signature of exactly that version, or None when absent."""
        try:
            with open(path, "rb") as f:
                st = os.fstat(f.fileno())
                raw = f.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise JournalError(f"cannot read {display_path(path)}: {exc.strerror}") from exc
        return raw, (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)

    def _recover(self) -> tuple[Tables, Signature | None]:
        """Under the write lock: set a damaged shard aside and fall back to ``.bak`` or empty."""
        got = self._read_bytes(self.path)
        if got is None:
            return {}, None  # another process dealt with it
        raw, sig = got
        try:
            return parse_shard(raw), sig  # another process replaced it with a good version
        except CorruptShard as exc:
            why = str(exc)
        aside = self._set_aside(self.path, keep=True)
        data, used = self._from_backup()
        if data is not None:  # swap the backup's content in: the shard never goes missing
            tmp = self._write_temp(encode_shard(data))
            try:
                self._install(tmp)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                raise
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
            fsync_dir(self.path.parent)
        self._notice(
            f"{display_path(self.path)} could not be read ({why}); "
            f"set aside as {aside.name}; {used}"
        )
        return (data or {}), self._stat(self.path)

    def _from_backup(self) -> tuple[Tables | None, str]:
        got = self._read_bytes(self.backup)
        if got is None:
            return None, "started the month empty (no backup)"
        try:
            return parse_shard(got[0]), f"recovered from {self.backup.name}"
        except CorruptShard:
            aside = self._set_aside(self.backup, keep=False)
            return None, (
                f"started the month empty ({self.backup.name} was damaged too, "
                f"set aside as {aside.name})"
            )

    def _keep_backup(self) -> None:
        """Hard-link the current shard as ``.bak``, unless it is damaged (then set it aside)."""
        sig = self._stat(self.path)
        if sig is None:
            return
        if sig != self._sig:  # a version this object never parsed: check it first
            got = self._read_bytes(self.path)
            if got is None:
                return
            try:
                parse_shard(got[0])
            except CorruptShard as exc:
                aside = self._set_aside(self.path, keep=True)  # about to be replaced
                self._notice(
                    f"{display_path(self.path)} could not be read ({exc}); "
                    f"set aside as {aside.name} before writing a new version"
                )
                return
        self._link_or_copy(self.path, self.backup)

    def _link_or_copy(self, source: Path, target: Path) -> None:
        tmp = self._temp_name(target)
        try:
            os.link(source, tmp)
        except FileNotFoundError:
            raise
        except OSError:  # a filesystem without hard links: copy instead
            fd = open_private(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
            with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                out.write(src.read())
                out.flush()
                os.fsync(out.fileno())
        os.replace(tmp, target)

    def _write_temp(self, payload: bytes) -> Path:
        """Write ``payload`` durably to a new 0600 temp file beside the shard."""
        tmp = self._temp_name(self.path)
        fd = open_private(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(payload)
                f.flush()
                os.fsync(f.fileno())
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return tmp

    def _install(self, tmp: Path) -> None:
        os.replace(tmp, self.path)
        fsync_dir(self.path.parent)

    def _set_aside(self, path: Path, *, keep: bool) -> Path:
        return set_aside(path, keep=keep)

    def _notice(self, line: str) -> None:
        self.notices.append(line)
        log.warning("%s", line)

    @staticmethod
    def _temp_name(target: Path) -> Path:
        return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
