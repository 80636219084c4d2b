"""``journal/index/<month>.json``: the summaries of a month's sessions, for listing and search.

The index is derived data: each file names the exact version of its shard it was made from
(inode, size, mtime and ctime), and is used only while the shard is still that version; else
the shard is read again and the file rewritten. A missing or damaged index file costs time,
never data. It holds answer texts, so it is private (0600) like the shards, and rewritten
whenever a session is removed.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path

from voicecoach.store.files import remove_files, write_private
from voicecoach.store.records import SCHEMA_VERSION
from voicecoach.store.storage import Signature
from voicecoach.store.summary import SessionSummary

log = logging.getLogger(__name__)

INDEX_DIR = "index"
"""Sub-folder of the journal holding the index files."""
INDEX_VERSION = 1
"""Layout of an index file; a file of another version is rebuilt."""


class SummaryIndex:
    """Summaries by month, on disk and in memory, each valid for one version of its shard."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        """``journal/index``."""
        self._memory: dict[str, tuple[Signature | None, list[SessionSummary]]] = {}

    def load(self, month: str, shard: Signature | None) -> list[SessionSummary] | None:
        """The summaries made from exactly this version of the month's shard, or None."""
        kept = self._memory.get(month)
        if kept is not None and kept[0] == shard:
            return kept[1]
        try:
            raw = self._path(month).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning(
                "cannot read the journal index for %s (%s); reading the journal",
                month,
                exc.strerror,
            )
            return None
        try:
            doc = json.loads(raw)
            stale = (
                doc["version"] != INDEX_VERSION
                or doc["schema"] != SCHEMA_VERSION
                or (None if doc["shard"] is None else tuple(doc["shard"])) != shard
            )
            if stale:
                return None
            summaries = [SessionSummary.from_index(item) for item in doc["sessions"]]
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            log.info("the journal index for %s is damaged; rebuilding it", month)
            return None
        self._memory[month] = (shard, summaries)
        return summaries

    def store(
        self, month: str, shard: Signature | None, summaries: Sequence[SessionSummary]
    ) -> None:
        """Keep the summaries of this version of the shard; the caller holds the write lock.

        When the file cannot be written it is removed instead, so no stale copy of removed
        answers stays behind; the next reader rebuilds it.
        """
        doc = {
            "version": INDEX_VERSION,
            "schema": SCHEMA_VERSION,
            "month": month,
            "shard": None if shard is None else list(shard),
            "sessions": [s.to_index() for s in summaries],
        }
        path = self._path(month)
        try:
            write_private(path, json.dumps(doc, ensure_ascii=False).encode("utf-8"))
        except OSError as exc:
            log.warning("cannot write the journal index for %s (%s)", month, exc.strerror)
            self._memory.pop(month, None)
            with contextlib.suppress(OSError):
                remove_files(path)
            return
        self._memory[month] = (shard, list(summaries))

    def forget(self, month: str) -> None:
        """Remove the month's index file (its shard is gone)."""
        self._memory.pop(month, None)
        with contextlib.suppress(OSError):
            remove_files(self._path(month))

    def _path(self, month: str) -> Path:
        return self.folder / f"{month}.json"
