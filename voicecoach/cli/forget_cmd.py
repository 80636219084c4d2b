"""`voicecoach forget`: erase sessions for good (records, backups, index entries, audio)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer

from voicecoach.cli.app import PLAIN, YesOpt, app, confirm, err_console, out_console
from voicecoach.cli.journal_open import check_id, open_journal, parse_day
from voicecoach.errors import JournalError, UsageError
from voicecoach.hinting import command_hint
from voicecoach.review.cells import counted, when
from voicecoach.store.journal import Journal, NoSuchSession
from voicecoach.store.stored import NewerJournal
from voicecoach.store.summary import SessionSummary, select

DECLINED = "Nothing erased."
"""What is said when the question is answered no (exit code 0: the person chose, nothing
failed; as `export` and `models remove` do)."""


def _describe(summary: SessionSummary) -> str:
    return f"{summary.id}  {when(summary.started_at)}  {summary.topic}"


@app.command()
def forget(
    session_id: Annotated[
        str | None, typer.Argument(help="Session id (or a unique start).")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Every session from this date on, the day included (YYYY-MM-DD)."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(help="Every session up to this date, the day included (YYYY-MM-DD)."),
    ] = None,
    before: Annotated[
        str | None,
        typer.Option(help="Every session started before this date, not on it (YYYY-MM-DD)."),
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Every session, and damaged copies.")
    ] = False,
    yes: YesOpt = False,
) -> None:
    """Erase sessions for good: records, backups, index and audio. Give a session id, a range
    of dates (--since, --until or --before, alone or together) or --all.

    An encrypted journal asks for its passphrase (VOICECOACH_PASSPHRASE in scripts), even
    when nothing matches."""
    dated = since is not None or until is not None or before is not None
    if sum([session_id is not None, dated, every]) != 1:
        raise UsageError(
            "forget: give one of a session id, dates (--since, --until or --before) or --all"
        )
    check_id(session_id, "forget")
    if until is not None and before is not None:
        raise UsageError("forget: give --until or --before, not both")
    first = parse_day(since, "--since")
    last, end = parse_day(until, "--until"), parse_day(before, "--before")
    if first is not None and last is not None and first > last:
        raise UsageError(f"--since {first} is after --until {last}: no day is in both")
    if end is not None:
        if first is not None and first >= end:
            raise UsageError(f"--since {first} is not before --before {end}: no day is in both")
        last = end - timedelta(days=1) if end > date.min else None
        if last is None:
            raise UsageError(f"--before {end}: no day is before it")
    with open_journal() as journal:
        try:
            unreadable = journal.unreadable() if every else []
            if session_id is not None:
                try:
                    chosen = [journal.resolve(session_id)]
                except NoSuchSession:  # or a record that cannot be read, found by its id
                    unreadable = journal.unreadable(session_id)
                    if len(unreadable) != 1:
                        raise
                    chosen = []
            else:
                chosen = journal.summaries()
                if dated:
                    chosen = select(chosen, since=first, until=last)
        except NewerJournal as exc:  # its sessions' dates cannot be known: none is left behind
            raise JournalError(f"{exc}, then run forget again; nothing was erased") from None
        if dated:
            _tell_undated(journal)
        damaged = journal.damaged_copies() if every else []
        orphans = journal.orphan_backups() if every else []
        if not chosen and not damaged and not unreadable and not orphans:
            if every:
                journal.clear_leftovers()
            err_console.print("Nothing to erase.")
            return
        if not yes:
            shown = [f"  {_describe(summary)}" for summary in chosen[:10]]
            if len(chosen) > 10:
                shown.append(f"  … and {len(chosen) - 10} more")
            shown += [f"  {u.id or 'a record'}  {u.where} (cannot be read)" for u in unreadable]
            what = counted(len(chosen), "session")
            if unreadable:
                what += f" and {counted(len(unreadable), 'unreadable record')}"
            if damaged:
                what += f" and {counted(len(damaged), 'damaged copy', 'damaged copies')}"
            if orphans:
                what += f" and {counted(len(orphans), 'backup')} with no month file"
            refusal = f"forget: add --yes to erase {what} without a terminal"
            if not confirm(f"Erase {what} for good?", refusal, shown):
                err_console.print(DECLINED)
                return
        removed = journal.remove(chosen)
        journal.erase_unreadable(unreadable)
        if every:  # no index or .bak outlives its month file (one deleted by hand)
            journal.clear_leftovers()
        damaged = journal.damaged_copies() if every else []  # with any set aside meanwhile
        for path in damaged:
            path.unlink(missing_ok=True)
        left = [] if every else _copies_holding(journal.damaged_copies(), removed)
    for summary in removed:
        out_console.print(f"erased {_describe(summary)}", highlight=False, markup=False)
    for record in unreadable:
        which = f" {record.id}" if record.id is not None else ""
        out_console.print(
            f"erased unreadable record{which} ({record.where})", highlight=False, markup=False
        )
    for path in damaged:
        out_console.print(
            f"erased damaged copy {path.parent.name}/{path.name}", highlight=False, markup=False
        )
    for path in orphans:
        out_console.print(
            f"erased backup {path.parent.name}/{path.name} (its month file was gone)", **PLAIN
        )
    for path in left:
        err_console.print(
            f"voicecoach: warning: {path.parent.name}/{path.name} was set aside as damaged and "
            "may still hold erased answers; delete it yourself, or run "
            f"{command_hint('forget --all')}",
            style="yellow",
            **PLAIN,
        )


def _tell_undated(journal: Journal) -> None:
    """Tell (in the journal's notices, after the one naming each, added as they were read) how
    many records that cannot be read a range of dates leaves: their dates cannot be known, so
    none is erased by date."""
    left = journal.unreadable()
    if not left:
        return
    dates = "its date" if len(left) == 1 else "their dates"
    journal.notices.add(
        f"forget left {counted(len(left), 'record')} that cannot be read, as {dates} cannot be "
        f"known (named above): {command_hint('forget ID')} erases one by its id, "
        f"{command_hint('forget --all')} erases them with every session"
    )


def _copies_holding(copies: list[Path], removed: list[SessionSummary]) -> list[Path]:
    """The damaged copies in which one of the removed session ids still appears."""
    ids = [s.id.encode() for s in removed]
    found = []
    for path in copies:
        try:
            raw = path.read_bytes()
        except OSError:
            found.append(path)
            continue
        if any(sid in raw for sid in ids):
            found.append(path)
    return found
