"""``journal/index/<month>.json``: a month's sessions in brief, for listing and search.

    {"format": 2, "month": "2026-11", "shard": [inode, size, mtime_ns, ctime_ns],
     "sessions": [[id, topic, started_at, ended_at, status, length_s, questions], …],
     "skipped": ["<notice of a record that cannot be read>", …],
     "codec": "plain",
     "content": {"moods": [[before, after, safety_flag, spoken_s, words], …],
                 "answers": [[session, turn, prompt_id, prompt, text], …],
                 "fold": "<each answer's text, NFC and case-folded, one per line>"}}

``sessions`` is the listing (readable without the codec); ``content`` holds what was said and
goes through the codec. Search looks for every word in ``fold`` (one substring test per month
for each word, then line by line) and reads ``answers`` only for the lines that match.

The index is derived data: it names the exact version of its month file it was made from and
is used only while that file is unchanged; else the month is read again and the index
rewritten (or kept in memory when the disk cannot be written). A missing or damaged index
costs time, never data.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicecoach.errors import JournalError
from voicecoach.files import private_folder, remove_files, write_private
from voicecoach.store.codec import PLAIN, Codec, codec_named
from voicecoach.store.records import Status
from voicecoach.store.shard import Signature
from voicecoach.store.summary import AnswerText, SearchHit, SessionSummary, fold

INDEX_DIR = "index"
"""Sub-folder of the journal holding the index files."""
INDEX_FORMAT = 2
"""Layout of an index file; a file of another layout is rebuilt."""


@dataclass
class MonthEntry:
    """One month's index, as read or built."""

    summaries: list[SessionSummary]
    """The month's sessions in brief, in file order."""
    fold: str
    """Each answer's folded text, one per line, in ``answers`` order."""
    where: list[tuple[int, int]]
    """For each answer line: (position in ``summaries``, position in its ``answers``)."""
    skipped: list[str] = field(default_factory=list)
    """One notice per record of the month that cannot be read (told by every reader)."""

    def hits(self, words: Sequence[str]) -> list[SearchHit]:
        """Answers containing every one of ``words`` (already folded)."""
        if not words or not all(w in self.fold for w in words):
            return []
        out = []
        for n, line in enumerate(self.fold.split("\n")):
            if all(w in line for w in words):
                s, a = self.where[n]
                summary = self.summaries[s]
                out.append(SearchHit(summary, summary.answers[a]))
        return out


def build(summaries: list[SessionSummary], skipped: Sequence[str] = ()) -> MonthEntry:
    """The index entry of these summaries (and notices of the records left out)."""
    where = [(s, a) for s, summary in enumerate(summaries) for a in range(len(summary.answers))]
    texts = [fold(summaries[s].answers[a].text) for s, a in where]
    return MonthEntry(summaries, "\n".join(texts), where, list(skipped))


class SummaryIndex:
    """Index files by month, each valid for one version of its month file."""

    def __init__(self, folder: Path, codec: Codec = PLAIN) -> None:
        self.folder = folder
        """``journal/index``."""
        self.codec = codec
        """Seals the content part of files written."""
        self._memory: dict[str, tuple[Signature | None, MonthEntry]] = {}

    def load(self, month: str, shard: Signature | None) -> MonthEntry | None:
        """The entry made from exactly this version of the month file, or None."""
        kept = self._memory.get(month)
        if kept is not None and kept[0] == shard:
            return kept[1]
        try:
            raw = self._path(month).read_bytes()
        except OSError:
            return None
        try:
            doc = json.loads(raw)
            if doc["format"] != INDEX_FORMAT or _sig(doc["shard"]) != shard:
                return None
            entry = _decode(doc)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
            return None  # damaged: rebuilt from the month file
        except JournalError:
            return None  # sealed with a codec not available here: rebuilt likewise
        self._memory[month] = (shard, entry)
        return entry

    def keep(self, month: str, shard: Signature | None, entry: MonthEntry) -> None:
        """Remember an entry in memory only (when the disk cannot be written)."""
        self._memory[month] = (shard, entry)

    def store(self, month: str, shard: Signature | None, entry: MonthEntry) -> None:
        """Write the entry for this version of the month file; the caller holds the write lock.

        Raises OSError, after removing the old file so that no stale copy of removed answers
        stays behind.
        """
        self._memory[month] = (shard, entry)
        path = self._path(month)
        try:
            private_folder(self.folder)
            write_private(path, json.dumps(_encode(month, shard, entry, self.codec)).encode())
        except OSError:
            with contextlib.suppress(OSError):
                remove_files(path)
            raise

    def _path(self, month: str) -> Path:
        return self.folder / f"{month}.json"


def _sig(value: Any) -> Signature | None:
    if value is None:
        return None
    a, b, c, d = (int(x) for x in value)
    return (a, b, c, d)


def _encode(month: str, shard: Signature | None, entry: MonthEntry, codec: Codec) -> Any:
    summaries = entry.summaries
    content = {
        "moods": [
            [s.mood_before, s.mood_after, s.safety_flag, s.spoken_s, s.words] for s in summaries
        ],
        "answers": [
            [n, a.turn, a.prompt_id, a.prompt, a.text]
            for n, s in enumerate(summaries)
            for a in s.answers
        ],
        "fold": entry.fold,
    }
    return {
        "format": INDEX_FORMAT,
        "month": month,
        "shard": None if shard is None else list(shard),
        "sessions": [
            [s.id, s.topic, s.started_at, s.ended_at, s.status.value, s.length_s, s.questions]
            for s in summaries
        ],
        "skipped": entry.skipped,
        "codec": codec.name,
        "content": codec.seal(content),
    }


def _decode(doc: dict[str, Any]) -> MonthEntry:
    content = codec_named(doc["codec"]).unseal(doc["content"])
    answers: list[list[AnswerText]] = [[] for _ in doc["sessions"]]
    where = []
    for n, turn, prompt_id, prompt, text in content["answers"]:
        where.append((int(n), len(answers[n])))
        answers[n].append(AnswerText(int(turn), str(prompt_id), str(prompt), str(text)))
    summaries = [
        SessionSummary(
            id=str(sid),
            topic=str(topic),
            started_at=str(started),
            ended_at=ended,
            status=Status(status),
            mood_before=before,
            mood_after=after,
            safety_flag=bool(safety),
            questions=int(questions),
            answers=tuple(said),
            spoken_s=float(spoken),
            words=int(words),
            length_s=None if length is None else float(length),
        )
        for (sid, topic, started, ended, status, length, questions), (
            before,
            after,
            safety,
            spoken,
            words,
        ), said in zip(doc["sessions"], content["moods"], answers, strict=True)
    ]
    fold_text = content["fold"]
    if not isinstance(fold_text, str) or (where and fold_text.count("\n") != len(where) - 1):
        raise ValueError("the folded text does not match the answers")
    skipped = [str(line) for line in doc["skipped"]]
    return MonthEntry(summaries, fold_text, where, skipped)
