"""The journal: one record per session, written as it happens, kept by month.

    journal/
      2026-11.json                  the sessions started that month, one per line (monthfile.py)
      2026-11.json.bak              the version before the last rewrite
      2026-11.json.corrupt-<UTC>    a damaged file, set aside and never overwritten
      running/<id>.jsonl            session <id> while it runs (writeahead.py)
      running/<id>.lock             flocked by the process running session <id> (locks.py)
      index/2026-11.json            that month in brief, for listing and search (index.py)
      audio/<id>/<n>.wav            answer audio, only when save_audio is on (audio.py)
      last-steps.json               with a key, by choice: each practice's last step (laststeps.py)
      .write.lock                   flocked while any month file is rewritten

The layout is described in full in ``docs/journal-format.md``. Saving is ``writer.py``, closing
sessions whose process died is ``recovery.py``, keeping the index in step is ``months.py`` and
erasing is ``retention.py``; this class puts them behind one object. Opening and reading
write nothing that reading needs: on a full or read-only disk every read works, and what could
not be tidied is told in ``notices``. Folders are 0700 and files 0600.
"""

from __future__ import annotations

import dataclasses
import os
import stat
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from voicecoach.errors import JournalError
from voicecoach.files import private_folder, read_only_mount
from voicecoach.hinting import command_hint
from voicecoach.store.codec import PLAIN, Codec, JournalLocked
from voicecoach.store.index import INDEX_DIR, build
from voicecoach.store.locks import WRITE_LOCK_NAME, WriteLock
from voicecoach.store.months import MonthFiles, Notices
from voicecoach.store.records import SessionRecord, Status
from voicecoach.store.recovery import Recovery
from voicecoach.store.retention import erase, erase_unreadable
from voicecoach.store.shard import Unreadable
from voicecoach.store.stored import MIGRATIONS, Migration, NewerJournal, month_of, upgrade
from voicecoach.store.summary import SearchHit, SessionSummary, order, search_words, summarize
from voicecoach.store.writeahead import RunningFile
from voicecoach.store.writer import SessionWriter

__all__ = ["MIGRATIONS", "Journal", "Migration", "month_of", "upgrade"]

RUNNING_DIR = "running"
_T = TypeVar("_T")


class NoSuchSession(JournalError):
    """No readable session has the id asked for, nor starts with it."""


class Journal:
    """Every session record under one folder; see the module docstring for the layout.

    One object may be shared by threads; several processes may open the same folder at once.
    """

    def __init__(
        self,
        folder: Path,
        *,
        lock_timeout: float = 10.0,
        codec: Codec = PLAIN,
        skip_newer: bool = False,
    ) -> None:
        """Open ``folder`` (created when a session begins) and close sessions whose process
        died. JournalError when it is a file.

        A month file written by a newer voicecoach stops every reading with NewerJournal
        (naming it), unless ``skip_newer`` (the commands that only read): then its sessions
        are left out, with one notice naming the file, and the error is kept in ``left_out``."""
        self.folder = Path(folder)
        """The journal folder, e.g. ``~/.local/share/voicecoach/journal``."""
        if self.folder.exists() and not self.folder.is_dir():
            raise JournalError(f"the journal folder {self.folder} is a file, not a folder")
        self.notices = Notices()
        """One line per damaged file, skipped record or refused tidy-up; the CLI prints them."""
        self.left_out: list[NewerJournal] = []
        """With ``skip_newer``: why each month left out was (a newer voicecoach wrote it)."""
        self._skip_newer = skip_newer
        self._mutex = threading.RLock()
        self._lock = WriteLock(self.folder / WRITE_LOCK_NAME, timeout=lock_timeout)
        self._months = MonthFiles(self.folder, self._lock, self.notices, codec)
        self._running = self.folder / RUNNING_DIR
        self._runs: dict[str, RunningFile] = {}
        self._codec = codec
        self._writer = SessionWriter(self._running, self._months, self._run, self._writable)
        self._recovery = Recovery(self._running, self._months, self._run, self._writer.holds)
        if any(self.folder.glob(".*.tmp")):
            self._months.sweep_temp_files()
        self._recovery.sweep()

    @property
    def codec(self) -> Codec:
        """What seals the private parts this journal writes (``plain`` without a key)."""
        return self._codec

    # -- a running session (writer.py) --------------------------------------------------------

    def check_writable(self) -> None:
        """Raise JournalError, naming the folder and what to do, when sessions could not be
        saved here (a read-only disk, another user's folder, a folder made read-only), or when
        a month file is a folder or a named pipe (NotAFile). Creates and writes nothing: the
        folders are made with the first save."""
        for folder in (self.folder, self._running):
            existing = folder
            while not existing.exists() and existing != existing.parent:
                existing = existing.parent
            if not os.access(existing, os.W_OK):
                ro = read_only_mount(existing)
                reason = "Read-only file system" if ro else "Permission denied"
                raise JournalError(f"cannot open the journal folder {folder}: {reason}")
        if self.folder.is_dir():
            _refuse_read_only_mode(self.folder)
        self.check_files()

    def check_files(self) -> None:
        """Raise NotAFile (a JournalError naming it) when a month file or its ``.bak`` is a
        folder or a named pipe; one stat each, nothing opened."""
        self._months.check_files()

    def begin(self, record: SessionRecord) -> None:
        """Store a new running record durably and hold its session lock until ``finish()``.

        SaveError when the disk refuses; JournalError when the id is taken."""
        self._writer.begin(record)

    def save(self, record: SessionRecord) -> None:
        """Store the record as it is now; durable when this returns (SaveError if not)."""
        self._writer.save(record)

    def forget(self, record: SessionRecord, turns: tuple[int, ...] = ()) -> None:
        """Store the record after something was taken out of it (the answers to questions
        ``turns``, from 1), leaving no earlier save that holds it: durable when this returns
        (SaveError if not)."""
        self._writer.forget(record)

    def finish(self, record: SessionRecord) -> None:
        """Store the ended record in its month file; the session lock goes (SaveError)."""
        self._writer.finish(record)

    # -- reading ------------------------------------------------------------------------------

    def months(self) -> list[str]:
        """The months that hold sessions (kept or running), oldest first ("YYYY-MM")."""
        return self._all_months(self._running_now())

    def month_summaries(
        self, month: str, running: dict[str, SessionRecord] | None = None
    ) -> list[SessionSummary]:
        """The sessions of one month in brief, oldest first."""
        running = self._running_now() if running is None else running
        with self._mutex:
            try:
                found = {s.id: s for s in self._months.summaries(month)}
            except NewerJournal as exc:
                return self._leave_out(exc, [])
            for record in _of_month(running, month):
                kept = found.get(record.id)
                if kept is None or kept.status is Status.RUNNING:
                    found[record.id] = summarize(record)
            return self._settle(sorted(found.values(), key=order), running)

    def month_listing(self, month: str) -> list[SessionSummary]:
        """The sessions of one month in brief, oldest first, as ``month_summaries`` when the
        journal can be read here; else from what is readable without the secret (listing
        fields only, see ``MonthFiles.listing``)."""
        try:
            return self.month_summaries(month)
        except JournalLocked:
            with self._mutex:
                try:
                    return sorted(self._months.listing(month), key=order)
                except NewerJournal as exc:
                    return self._leave_out(exc, [])

    def summaries(self) -> list[SessionSummary]:
        """Every readable session in brief, oldest first; reads no word timings."""
        running = self._running_now()
        return [s for m in self._all_months(running) for s in self.month_summaries(m, running)]

    def records(self) -> list[SessionRecord]:
        """Every readable record in full, oldest first (by ``started_at``, then id)."""
        return list(self.iter_records())

    def iter_records(self, months: Iterable[str] | None = None) -> Iterator[SessionRecord]:
        """Every readable record, oldest first, one month in memory at a time."""
        running = self._running_now()
        for month in self._all_months(running) if months is None else months:
            with self._mutex:
                try:
                    got = {r.id: r for r in self._months.records(month)}
                except NewerJournal as exc:
                    self._leave_out(exc, None)
                    continue
                for record in _of_month(running, month):
                    kept = got.get(record.id)
                    if kept is None or kept.status is Status.RUNNING:
                        got[record.id] = record
                for sid, kept in list(got.items()):
                    if kept.status is Status.RUNNING and sid not in running:
                        got[sid] = self._settle_record(kept)
            yield from sorted(got.values(), key=order)

    def get(self, session_id: str) -> SessionRecord:
        """The record with this id, or with the only id starting with it."""
        record = self._load(self.resolve(session_id))
        if record is None:
            raise JournalError(f"session {session_id} was removed meanwhile")
        return record

    def resolve(self, session_id: str) -> SessionSummary:
        """The session with this id, or with the only id starting with it; NoSuchSession when
        none has it, JournalError when several start with it."""
        summaries = self._candidates(session_id)
        for summary in summaries:
            if summary.id == session_id:
                return summary
        matches = [s for s in summaries if session_id and s.id.startswith(session_id)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            shown = ", ".join(s.id for s in matches[:5]) + (", …" if len(matches) > 5 else "")
            raise JournalError(
                f"id {session_id} matches {len(matches)} sessions ({shown}); give more of it"
            )
        raise NoSuchSession(f"no session with id {session_id}; see {command_hint('history')}")

    def hits(self, text: str) -> list[SearchHit]:
        """Every answer holding all the words of ``text`` (any case, any Unicode form), oldest
        first; "" finds none. Reads each month's index, never the month files."""
        words = search_words(text)
        if not words:
            return []
        running = self._running_now()
        out = []
        for month in self._all_months(running):
            with self._mutex:
                try:
                    found, ids = self._months.hits(month, words)
                except NewerJournal as exc:
                    self._leave_out(exc, None)
                    continue
            extra = [summarize(r) for r in _of_month(running, month) if r.id not in ids]
            if extra:
                found += build(extra).hits(words)
            out += sorted(found, key=lambda h: (order(h.session), h.answer.turn))
        return out

    def delete(self, session_id: str) -> SessionRecord:
        """Remove a session for good (``get()`` rules for the id); returns what was removed."""
        with self._mutex:
            summary = self.resolve(session_id)
            record = self._load(summary)
            self.remove([summary])
        if record is None:
            raise JournalError(f"session {session_id} was removed meanwhile")
        return record

    def remove(self, sessions: Iterable[SessionSummary]) -> list[SessionSummary]:
        """Remove these sessions for good, with their audio; one rewrite per month touched.

        Refuses (removing nothing) when one of them is running in another process.
        """
        with self._mutex:
            chosen = {s.id: s for s in sessions}
            busy = [
                s.id
                for s in chosen.values()
                if s.status is Status.RUNNING
                and not self._writer.holds(s.id)
                and self._recovery.live(s.id)
            ]
            if busy:
                raise JournalError(
                    f"session {busy[0]} is running in another process; stop it first"
                )
            erase(self.folder, self._months, list(chosen.values()), self._writer.drop)
            return list(chosen.values())

    def unreadable(self, session_id: str | None = None) -> list[Unreadable]:
        """The records kept in month files that cannot be decoded (each skipped, with a
        notice, when read), oldest month first; with ``session_id``, the one with this id, or
        those whose id starts with it when none has it. Reads every month file whole."""
        with self._mutex:
            found = [u for month in self._months.months() for u in self._months.unreadable(month)]
        if session_id is None:
            return found
        exact = [u for u in found if u.id == session_id]
        return exact or [u for u in found if u.id is not None and u.id.startswith(session_id)]

    def erase_unreadable(self, records: Iterable[Unreadable]) -> None:
        """Remove these undecodable records for good, from their month files and ``.bak``s,
        with any audio kept under their ids; one rewrite per month. JournalError when the disk
        refuses."""
        records = list(records)
        with self._mutex:
            erase_unreadable(self.folder, self._months, records)
            for record in records:  # no longer "left in the file"
                if record.notice in self.notices:
                    self.notices.remove(record.notice)

    def orphan_backups(self) -> list[Path]:
        """Each ``<month>.json.bak`` whose month file is gone (removed by hand): nothing reads
        it, and it may hold old answers."""
        return self._months.orphan_backups()

    def clear_leftovers(self) -> None:
        """Delete every index file (derived data, remade from the month files when next read)
        and each ``.bak`` whose month file is gone, so that no copy of an answer outlives its
        month file. JournalError when the disk refuses."""
        with self._mutex:
            self._months.clear_leftovers()

    def damaged_copies(self) -> list[Path]:
        """Files set aside as damaged (``*.corrupt-*``); they may still hold old answers."""
        found = [p for folder in (self.folder, self._running) for p in folder.glob("*.corrupt-*")]
        return sorted(found)

    def cannot_tidy(self, exc: BaseException) -> None:
        """Tell (once, in ``notices``) that a change was refused and the journal read as it is."""
        self._months.cannot_tidy(exc)

    # -- closing ------------------------------------------------------------------------------

    def close(self) -> None:
        """Let go of every session lock still held; those sessions will count as interrupted."""
        self._writer.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals ----------------------------------------------------------------------------

    def _writable(self) -> None:
        """Before writing: the folders exist (0700), and the journal folder is not read-only."""
        try:
            for folder in (self.folder, self._running, self.folder / INDEX_DIR):
                private_folder(folder)
            _refuse_read_only_mode(self.folder)
        except OSError as exc:
            raise JournalError(
                f"cannot open the journal folder {self.folder}: {exc.strerror or exc}"
            ) from exc

    def _leave_out(self, error: NewerJournal, empty: _T) -> _T:
        """``empty`` for a month a newer voicecoach wrote, told once in ``notices``, when this
        journal skips such months; else ``error`` is raised."""
        if not self._skip_newer:
            raise error
        if all(str(e) != str(error) for e in self.left_out):
            self.left_out.append(error)
        self.notices.add(f"{error} (its sessions are left out)")
        return empty

    def _run(self, session_id: str) -> RunningFile:
        run = self._runs.get(session_id)
        if run is None:
            run = self._runs[session_id] = RunningFile(self._running, session_id, self._codec)
        return run

    def _all_months(self, running: dict[str, SessionRecord]) -> list[str]:
        months = set(self._months.months())
        months.update(month_of(r) for r in running.values())
        return sorted(months)

    def _running_now(self) -> dict[str, SessionRecord]:
        """Sessions running now, here or elsewhere (and dead ones the disk would not let move,
        as interrupted); dead ones are closed on the way."""
        with self._mutex:
            return self._recovery.sweep()

    def _settle(
        self, summaries: list[SessionSummary], running: dict[str, SessionRecord]
    ) -> list[SessionSummary]:
        """A running record kept in a month file with no live session is interrupted."""
        out = []
        for summary in summaries:
            if summary.status is Status.RUNNING and summary.id not in running:
                try:
                    record = self._months.find(summary.month, summary.id)
                except JournalLocked:
                    record = None  # settled by whoever can read it
                if record is not None:
                    summary = summarize(self._settle_record(record))
            out.append(summary)
        return out

    def _settle_record(self, record: SessionRecord) -> SessionRecord:
        if record.status is not Status.RUNNING or self._recovery.live(record.id):
            return record
        record = dataclasses.replace(record, status=Status.INTERRUPTED)
        try:
            self._months.put(record)
        except JournalError as exc:
            self._months.cannot_tidy(exc)
        return record

    def _candidates(self, session_id: str) -> list[SessionSummary]:
        """Sessions whose id may match: ids start with their date, so that month is read first."""
        digits = session_id[:6]
        if len(digits) == 6 and digits.isdigit():
            month = f"{digits[:4]}-{digits[4:]}"
            found = self.month_summaries(month)
            if any(s.id.startswith(session_id) for s in found):
                return found
        return self.summaries()

    def _load(self, summary: SessionSummary) -> SessionRecord | None:
        running = self._running_now()
        with self._mutex:
            live = running.get(summary.id)
            if live is not None:
                return live
            record = self._months.find(summary.month, summary.id)
        if record is not None and record.status is Status.RUNNING:
            record = self._settle_record(record)
        return record


def _of_month(running: dict[str, SessionRecord], month: str) -> list[SessionRecord]:
    return [r for r in running.values() if month_of(r) == month]


def _refuse_read_only_mode(folder: Path) -> None:
    """JournalError when the folder's mode leaves its owner no write permission (a folder made
    read-only: the owner's own saves would fail); OSError when its mode cannot be read."""
    mode = os.stat(folder).st_mode
    if not mode & stat.S_IWUSR:
        raise JournalError(
            f"the journal folder {folder} is read-only (mode {stat.S_IMODE(mode):o}); "
            f"make it writable (chmod 700) to save sessions"
        )
