"""``journal/index/<month>.json``: a month's sessions in brief, for listing and search.

    {"format": 6, "month": "2026-11", "shard": [inode, size, mtime_ns, ctime_ns],
     "sessions": [[id, topic, started_at, ended_at, status, length_s, questions], …],
     "skipped": ["<notice of a record that cannot be read>", …],
     "parts": [{"ids": [id, …], "codec": "plain",
                "content": {"moods": [[before, after, safety_flag, spoken_s, words], …],
                            "answers": <one JSON list per line: [k, turn, prompt_id, prompt,
                                        text]>, k the session's place in ids,
                            "fold": <each answer's text folded for search, per line>}}]}

(one JSON header line; a plain part's two texts follow it as raw UTF-8, see ``index_file.py``).

``sessions`` is the listing (readable without the codec); each part's ``content`` holds what
was said by the sessions it names and goes through the codec. A process that can unseal writes
one part for the whole month. One that cannot (a device holding only the public key) edits the
index without opening it: a session it files gets a part of its own, and a part naming a
session it removes or replaces is dropped whole. A session no part names is *stale*: its
listing row may be provisional, and whoever can unseal reads the month again and writes one
part. Search looks for every word in ``fold`` as UTF-8 bytes (one substring test per month for
each word, then only the lines holding the first word) and decodes ``answers`` only for the
lines that match; the summaries of a month are made only when a listing asks for them.

The index is derived data: it names the exact version of its month file it was made from and
is used only while that file is unchanged; else the month is read again and the index
rewritten (or kept in memory when the disk cannot be written). A missing or damaged index
costs time, never data.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from voicecoach.errors import JournalError
from voicecoach.files import private_folder, remove_files, write_private
from voicecoach.store.codec import PLAIN, Codec, codec_named
from voicecoach.store.index_file import Text, pack, unpack
from voicecoach.store.index_parts import NO_MOODS, checked, merged, row_of
from voicecoach.store.records import Status
from voicecoach.store.shard import MonthDocs, Signature
from voicecoach.store.summary import AnswerText, SearchHit, SessionSummary, fold

INDEX_DIR = "index"
"""Sub-folder of the journal holding the index files."""
INDEX_FORMAT = 6
"""Layout of an index file; a file of another layout is rebuilt."""
_MONTH = re.compile(r"\d{4}-\d{2}")


class DamagedIndex(ValueError):
    """A part of an index file decoded only when needed turned out damaged: rebuild it."""


class MonthEntry:
    """One month's index, as read or built; summaries are made only when asked for."""

    def __init__(
        self,
        rows: list[list[Any]],
        moods: list[list[Any]],
        answers: bytes | Text,
        folded: bytes | Text,
        skipped: Sequence[str] = (),
        summaries: list[SessionSummary] | None = None,
        *,
        sealed: bool = False,
        parts: list[dict[str, Any]] | None = None,
        stale: frozenset[str] = frozenset(),
    ) -> None:
        self.rows = rows
        """The listing: [id, topic, started_at, ended_at, status, length_s, questions]."""
        self.moods = moods
        """Per session: [mood_before, mood_after, safety_flag, spoken_s, words]."""
        self.said = answers if isinstance(answers, Text) else Text.of(answers)
        """One JSON list per line, UTF-8: [session position, turn, prompt_id, prompt, text]."""
        self.fold = folded if isinstance(folded, Text) else Text.of(folded)
        """Each answer's folded text, one per line, UTF-8, in ``said`` order."""
        self.skipped = list(skipped)
        """One notice per record of the month that cannot be read (told by every reader)."""
        self.sealed = sealed
        """True when only the listing could be read (the content's codec is locked here): the
        summaries have no moods and no answers; only ``edited`` builds on it."""
        self.parts = parts
        """The parts as stored (still sealed), when read from a file or edited sealed."""
        self.stale = stale
        """Ids of the sessions no part holds: their listing row may be provisional, and their
        moods and answers are not here (read the month again to have them)."""
        self._summaries = summaries

    @property
    def summaries(self) -> list[SessionSummary]:
        """The month's sessions in brief, in file order."""
        if self._summaries is None:
            try:
                said: list[list[AnswerText]] = [[] for _ in self.rows]
                lines = self.said.bytes()
                every = json.loads(b"[" + lines.replace(b"\n", b",") + b"]")  # one parse
                if len(every) != self.fold.lines():
                    raise ValueError("the folded text does not match the answers")
                for n, turn, prompt_id, prompt, text in every:
                    said[n].append(AnswerText(int(turn), str(prompt_id), str(prompt), str(text)))
                self._summaries = [self._summary(n, said[n]) for n in range(len(self.rows))]
            except _DAMAGE as exc:
                raise DamagedIndex("the index's answers are damaged") from exc
        return self._summaries

    def ids(self) -> set[str]:
        """The ids of the month's sessions (no summary made)."""
        return {row[0] for row in self.rows}

    def hits(self, words: Sequence[str]) -> list[SearchHit]:
        """Answers containing every one of ``words`` (already folded).

        Only the lines holding the first word are looked at (found by ``bytes.find`` in the
        whole text, UTF-8 being a code in which no character's bytes hold another's), and only
        the answers of those that hold every word are decoded."""
        fd, lo, hi = self.fold.data, self.fold.start, self.fold.stop
        said, said_end = self.said.data, self.said.stop
        wanted = [w.encode() for w in words]
        if not wanted or not all(fd.find(w, lo, hi) >= 0 for w in wanted):
            return []
        first, rest = wanted[0], wanted[1:]
        made: dict[int, SessionSummary] = {}
        out = []
        line_at = lo  # the start of the fold's line whose answer starts at answer_at
        answer_at = self.said.start
        try:
            found = fd.find(first, lo, hi)
            while found >= 0:
                start = fd.rfind(b"\n", lo, found) + 1 or lo
                end = fd.find(b"\n", found, hi)
                end = hi if end < 0 else end
                if all(fd.find(w, start, end) >= 0 for w in rest):
                    for _ in range(fd.count(b"\n", line_at, start)):
                        answer_at = said.index(b"\n", answer_at, said_end) + 1
                    line_at = start
                    stop = said.find(b"\n", answer_at, said_end)
                    stop = said_end if stop < 0 else stop
                    n, answer = _answer(said[answer_at:stop])
                    if n not in made:
                        made[n] = (
                            self._summaries[n]
                            if self._summaries
                            else self._session(n, answer_at, stop)
                        )
                    out.append(SearchHit(made[n], answer))
                found = fd.find(first, end + 1, hi) if end < hi else -1
        except _DAMAGE as exc:
            raise DamagedIndex("the index's answers are damaged") from exc
        return out

    def _session(self, n: int, start: int, stop: int) -> SessionSummary:
        """The summary of session ``n``, whose answers are the lines around the one from
        ``start`` to ``stop`` in ``said.data``."""
        said, lo, hi, prefix = self.said.data, self.said.start, self.said.stop, b"[%d," % n
        first, last = start, stop
        while first > lo:
            before = said.rfind(b"\n", lo, first - 1) + 1 or lo
            if not said.startswith(prefix, before):
                break
            first = before
        while last < hi and said.startswith(prefix, last + 1):
            after = said.find(b"\n", last + 1, hi)
            last = hi if after < 0 else after
        block = json.loads(b"[" + said[first:last].replace(b"\n", b",") + b"]")  # one parse
        answers = [AnswerText(int(t), str(p), str(q), str(text)) for _, t, p, q, text in block]
        return self._summary(n, answers)

    def _summary(self, n: int, said: list[AnswerText]) -> SessionSummary:
        sid, topic, started, ended, status, length, questions = self.rows[n]
        before, after, safety, spoken, words = self.moods[n]
        return SessionSummary(
            id=str(sid),
            topic=str(topic),
            started_at=str(started),
            ended_at=ended,
            status=_STATUS[status],
            mood_before=before,
            mood_after=after,
            safety_flag=bool(safety),
            questions=int(questions),
            answers=tuple(said),
            spoken_s=float(spoken),
            words=int(words),
            length_s=None if length is None else float(length),
        )


_STATUS = {s.value: s for s in Status}
_DAMAGE = (ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError)


def _answer(line: bytes) -> tuple[int, AnswerText]:
    n, turn, prompt_id, prompt, text = json.loads(line)
    return int(n), AnswerText(int(turn), str(prompt_id), str(prompt), str(text))


def build(summaries: list[SessionSummary], skipped: Sequence[str] = ()) -> MonthEntry:
    """The index entry of these summaries (and notices of the records left out)."""
    rows = [
        [s.id, s.topic, s.started_at, s.ended_at, s.status.value, s.length_s, s.questions]
        for s in summaries
    ]
    moods = [[s.mood_before, s.mood_after, s.safety_flag, s.spoken_s, s.words] for s in summaries]
    said = [(n, a) for n, s in enumerate(summaries) for a in s.answers]
    answers = "\n".join(
        json.dumps([n, a.turn, a.prompt_id, a.prompt, a.text], ensure_ascii=False) for n, a in said
    ).encode()
    folded = "\n".join(fold(a.text) for _, a in said).encode()
    return MonthEntry(rows, moods, answers, folded, skipped, summaries)


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
            doc = unpack(raw)
            if doc["format"] != INDEX_FORMAT or _sig(doc["shard"]) != shard:
                return None
            entry = _decode(doc)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
            return None  # damaged: rebuilt from the month file
        except JournalError:
            return None  # sealed with a codec not available here: rebuilt likewise
        self._memory[month] = (shard, entry)
        return entry

    def drop(self, month: str) -> None:
        """Forget the month's entry held in memory (it turned out damaged)."""
        self._memory.pop(month, None)

    def months(self) -> list[str]:
        """The months that have an index file (``YYYY-MM.json``), whatever their month files."""
        try:
            names = os.listdir(self.folder)
        except OSError:
            return []
        return sorted(n[:-5] for n in names if n.endswith(".json") and _MONTH.fullmatch(n[:-5]))

    def remove(self, month: str) -> None:
        """Delete the month's index file; the caller holds the write lock. OSError."""
        self._memory.pop(month, None)
        remove_files(self._path(month))

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
            write_private(path, pack(_encode(month, shard, entry, self.codec)))
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
    return {
        "format": INDEX_FORMAT,
        "month": month,
        "shard": None if shard is None else list(shard),
        "sessions": entry.rows,
        "skipped": entry.skipped,
        "parts": _parts(entry, codec),
    }


def _parts(entry: MonthEntry, codec: Codec) -> list[dict[str, Any]]:
    """The entry's parts: as they are when it could not be unsealed, else one sealed part."""
    if entry.sealed:
        return list(entry.parts or [])
    content: dict[str, Any] = {"moods": entry.moods, "answers": entry.said, "fold": entry.fold}
    if codec.name != PLAIN.name:  # a sealing codec takes JSON: the texts as strings
        content |= {"answers": entry.said.bytes().decode(), "fold": entry.fold.bytes().decode()}
    ids = [row[0] for row in entry.rows]
    return [{"ids": ids, "codec": codec.name, "content": codec.seal(content)}]


def edited(
    entry: MonthEntry,
    codec: Codec,
    *,
    removed: frozenset[str] = frozenset(),
    put: SessionSummary | None = None,
    row: list[Any] | None = None,
) -> MonthEntry:
    """``entry`` without the sessions ``removed``, with ``put`` (or a provisional listing
    ``row`` alone) filed in, made without unsealing anything (for a codec that only seals).

    A part naming a session removed or replaced is dropped whole; its other sessions go stale.
    """
    new_row = build([put]).rows[0] if put is not None else row
    gone = removed | ({new_row[0]} if new_row is not None else set())
    parts = entry.parts if entry.sealed or entry.parts is not None else _parts(entry, codec)
    kept = [p for p in parts or [] if gone.isdisjoint(p["ids"])]
    rows = [r for r in entry.rows if r[0] not in gone]
    if new_row is not None:
        rows.append(new_row)
    if put is not None:
        kept += _parts(build([put]), codec)
    return _sealed(rows, kept, entry.skipped)


def provisional(docs: MonthDocs) -> MonthEntry:
    """The listing of a month read from its documents' plain metadata only: every session
    stale, ``questions`` 0 and the length from the start and end times."""
    rows = [r for r in (row_of(d) for d in docs.docs) if r is not None]
    return _sealed(rows, [], docs.skipped)


def _sealed(
    rows: list[list[Any]], parts: list[dict[str, Any]], skipped: Sequence[str]
) -> MonthEntry:
    covered = {sid for part in parts for sid in part["ids"]}
    stale = frozenset(row[0] for row in rows if row[0] not in covered)
    moods = [list(NO_MOODS) for _ in rows]
    return MonthEntry(rows, moods, b"", b"", skipped, sealed=True, parts=parts, stale=stale)


def _decode(doc: dict[str, Any]) -> MonthEntry:
    rows, parts = doc["sessions"], doc["parts"]
    if not (isinstance(rows, list) and isinstance(parts, list)):
        raise ValueError("the listing is damaged")
    for row in rows:
        if not (isinstance(row, list) and len(row) == 7 and isinstance(row[0], str)):
            raise ValueError("a listing row is damaged")
        if row[4] not in _STATUS:
            raise ValueError("a listing row has no known status")
    for part in parts:
        if not (isinstance(part, dict) and isinstance(part["ids"], list)):
            raise ValueError("an index part is damaged")
    skipped = [str(x) for x in doc["skipped"]]
    try:
        contents = [codec_named(p["codec"]).unseal(p["content"]) for p in parts]
    except JournalError:  # locked here: the listing alone, for `history`
        return _sealed(rows, parts, skipped)
    ids = [row[0] for row in rows]
    if len(parts) == 1 and parts[0]["ids"] == ids:
        moods, answers, folded = checked(contents[0], len(ids))
    else:
        moods, answers, folded = merged(ids, parts, contents)
    covered = {sid for part in parts for sid in part["ids"]}
    stale = frozenset(sid for sid in ids if sid not in covered)
    return MonthEntry(rows, moods, answers, folded, skipped, parts=parts, stale=stale)
