"""`voicecoach history`: the latest sessions, oldest first, read month by month."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from typing import Annotated

import typer

from voicecoach.cli.app import app, paths, show_table
from voicecoach.cli.consoles import (
    stderr_console,
    stdout_console,
    stdout_is_terminal,
    tell,
    write_lines,
    write_pieces,
)
from voicecoach.cli.journal_open import open_journal, parse_day
from voicecoach.errors import SessionScriptError, UsageError
from voicecoach.hinting import command_hint
from voicecoach.store.crypto import JournalKey
from voicecoach.store.journal import Journal
from voicecoach.store.records import SessionRecord
from voicecoach.store.summary import SessionSummary, select

PAGE = 20
"""Sessions `history` shows unless told otherwise (the latest ones)."""


def _months_between(months: list[str], first: date | None, last: date | None) -> list[str]:
    """The months that may hold sessions from ``first`` to ``last`` (a month's margin each side,
    for UTC offsets)."""
    lo = f"{first.year - (first.month == 1):04d}-{(first.month - 2) % 12 + 1:02d}" if first else ""
    hi = "9999"  # past every month (a month's margin after 9999-12 would be year 10000)
    if last is not None and (last.year, last.month) < (9999, 12):
        hi = f"{last.year + (last.month == 12):04d}-{last.month % 12 + 1:02d}"
    return [m for m in months if lo <= m <= hi]


def _pick(
    journal: Journal,
    count: int | None,
    *,
    topic: str | None,
    first: date | None,
    last: date | None,
    text: str | None,
    locked: bool = False,
) -> tuple[list[SessionSummary], bool]:
    """The latest ``count`` matching sessions (None: all), oldest first, reading months from
    the newest back only as far as needed; and whether older ones were left out. ``locked``
    (no passphrase): a month whose index is not current (a journal copied or restored: the
    index names its month file's inode) is listed from the month file's plain metadata."""
    months = _months_between(journal.months(), first, last)
    chosen: list[SessionSummary] = []
    of_month = journal.month_listing if locked else journal.month_summaries
    for n, month in enumerate(reversed(months)):
        found = select(of_month(month), topic=topic, since=first, until=last, text=text)
        chosen = found + chosen
        if count is not None and len(chosen) >= count:
            more = len(chosen) > count or n + 1 < len(months)
            return chosen[-count:], more
    return chosen, False


def _records_of(journal: Journal, chosen: list[SessionSummary]) -> Iterator[SessionRecord]:
    """The full records of ``chosen``, oldest first, decoding one month at a time."""
    by_month: dict[str, set[str]] = {}
    for summary in chosen:
        by_month.setdefault(summary.month, set()).add(summary.id)
    for month in sorted(by_month):
        wanted = by_month[month]
        yield from (r for r in journal.iter_records([month]) if r.id in wanted)


@app.command()
def history(
    topic: Annotated[str | None, typer.Option(help="Only this practice.")] = None,
    since: Annotated[
        str | None, typer.Option(help="From this date on, the day included (YYYY-MM-DD).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Up to this date, the day included (YYYY-MM-DD).")
    ] = None,
    search: Annotated[
        str | None, typer.Option(help="Only sessions with an answer holding all these words.")
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(help=f"Show the latest N sessions (default {PAGE}).", min=1, metavar="N"),
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="Show every session.")] = False,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Full records as a JSON list: every match, or --limit N."),
    ] = False,
) -> None:
    """List the latest sessions, oldest first (--all for every one).

    An encrypted journal is listed without its passphrase (moods shown as locked); --json and
    --search ask for it (VOICECOACH_PASSPHRASE in scripts)."""
    if every and limit is not None:
        raise UsageError("history: give --all or --limit, not both")
    first, last = parse_day(since, "--since"), parse_day(until, "--until")
    if first is not None and last is not None and first > last:
        raise UsageError(f"--since {first} is after --until {last}: no day is in both")
    if search is not None:
        from voicecoach.store.summary import search_words

        if not search_words(search):
            raise UsageError("--search: give some words to look for")
    count = None if every or (as_json and limit is None) else (limit or PAGE)
    from voicecoach.store.crypto import PASSPHRASE_ENV, JournalLocked, WrongPassphrase

    if as_json or search is not None:
        _history(topic, first, last, search, count, as_json, unlock=True)
        return
    if os.environ.get(PASSPHRASE_ENV) is not None:
        try:  # the passphrase at hand shows the moods too
            _history(topic, first, last, search, count, as_json, unlock=True)
            return
        except WrongPassphrase:  # not this journal's (another profile's): the listing alone
            pass
    try:  # the listing alone needs no passphrase while the index is current
        _history(topic, first, last, search, count, as_json, unlock=False)
    except JournalLocked:
        _history(topic, first, last, search, count, as_json, unlock=True)


def _check_topic(topic: str | None) -> None:
    """SessionScriptError (as `session` gives) when nothing matched and ``topic`` names no
    practice: a mistyped name, not an empty history. Sessions of a practice whose script is
    gone are still listed under its name."""
    from voicecoach.coach.script import unknown_topic

    problem = None if topic is None else unknown_topic(topic, paths().sessions)
    if problem is not None:
        raise SessionScriptError(problem)


def _history(
    topic: str | None,
    first: date | None,
    last: date | None,
    search: str | None,
    count: int | None,
    as_json: bool,
    *,
    unlock: bool,
) -> None:
    with open_journal(unlock=unlock, skip_newer=True) as journal:
        if as_json and count is None and not (topic or first or last or search):
            from voicecoach.review.export import json_list

            # every record, one month in memory at a time
            write_pieces(json_list(r.to_record() for r in journal.iter_records()))
            return
        chosen, more = _pick(
            journal, count, topic=topic, first=first, last=last, text=search, locked=not unlock
        )
        if not chosen:
            _check_topic(topic)
        if as_json:
            from voicecoach.review.export import json_list

            write_pieces(json_list(r.to_record() for r in _records_of(journal, chosen)))
            return
        if not chosen:  # none at all (every session forgotten, too), or none of those asked
            empty = not (topic or first or last or search)
        locked = not unlock and JournalKey(journal.folder).exists()
    if not chosen:
        hint = f"No sessions yet. Start one with {command_hint('session')}." if empty else ""
        stderr_console().print(hint or "No sessions match.")
        return
    if stdout_is_terminal():
        from voicecoach.review.views import sessions_table

        show_table(sessions_table(chosen, width=stdout_console().width, locked=locked))
    else:  # piped: every column whole, laid out without Rich
        _plain_table(chosen, locked)
    if locked:
        tell(
            f"moods are locked: {command_hint('show ID')} or `review` with the passphrase shows "
            "them",
            "dim",
        )
    if more:
        tell(f"the latest {len(chosen)} shown; --all for every session, --limit N for more", "dim")


def _plain_table(chosen: list[SessionSummary], locked: bool) -> None:
    from voicecoach.cli.plain_table import lay_out
    from voicecoach.review.cells import COLUMNS, LENGTH_RIGHT, session_cells

    lines = lay_out(COLUMNS, [session_cells(s, locked) for s in chosen], right=LENGTH_RIGHT)
    if lines is None:  # a topic holding a tab or a line break: Rich lays it out
        from voicecoach.review.views import sessions_table

        show_table(sessions_table(chosen, locked=locked))
    else:
        write_lines(lines)
