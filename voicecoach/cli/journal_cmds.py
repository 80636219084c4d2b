"""Reading the journal: `history`, `show`, `search`, `export`, `forget`, `stats`, `review`.

Every command here opens the journal the same way: damaged files are reported (one line each,
on stderr) and sessions older than ``[journal] keep_days`` are erased first.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from voicecoach.cli.app import (
    app,
    err_console,
    out_console,
    paths,
    print_json,
    settings,
    show_table,
)
from voicecoach.errors import AudioDeviceError, JournalError
from voicecoach.outputs import check_output
from voicecoach.review.export import chunks, format_for, json_list, sealed_export, write_export
from voicecoach.review.views import conversation, hits_table, sessions_table, when
from voicecoach.store.journal import Journal
from voicecoach.store.records import SessionRecord
from voicecoach.store.retention import apply_retention, retention_note
from voicecoach.store.summary import SessionSummary, select

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead.")]
IdArg = Annotated[str, typer.Argument(help="Session id (or a unique start of it).")]


@contextlib.contextmanager
def open_journal(*, unlock: bool = True) -> Iterator[Journal]:
    """The user's journal, ``keep_days`` applied; what was set aside or erased is told at the end
    (one line each, on stderr). An encrypted journal is unlocked with its passphrase unless
    ``unlock`` is False (then only the listing can be read)."""
    from voicecoach.store.crypto import journal_codec

    keep_days = settings().journal.keep_days
    folder = paths().journal
    journal = Journal(folder, codec=journal_codec(folder, unlock=unlock))
    erased = 0
    try:
        erased = apply_retention(journal, keep_days)
        yield journal
    finally:
        journal.close()
        for notice in journal.notices:
            err_console.print(notice, style="yellow", markup=False, highlight=False)
        if erased:
            note = retention_note(erased, keep_days)
            err_console.print(note, style="dim", markup=False, highlight=False)


def parse_day(value: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option value; one clear error when it is not one."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise JournalError(f"{option}: expected a date like 2026-11-26, got {value!r}") from None


PAGE = 20
"""Sessions `history` shows unless told otherwise (the latest ones)."""


def _months_between(months: list[str], first: date | None, last: date | None) -> list[str]:
    """The months that may hold sessions from ``first`` to ``last`` (a month's margin each side,
    for UTC offsets)."""
    lo = f"{first.year - (first.month == 1):04d}-{(first.month - 2) % 12 + 1:02d}" if first else ""
    hi = f"{last.year + (last.month == 12):04d}-{last.month % 12 + 1:02d}" if last else "9999"
    return [m for m in months if lo <= m <= hi]


def _pick(
    journal: Journal,
    count: int | None,
    *,
    topic: str | None,
    first: date | None,
    last: date | None,
    text: str | None,
) -> tuple[list[SessionSummary], bool]:
    """The latest ``count`` matching sessions (None: all), oldest first, reading months from
    the newest back only as far as needed; and whether older ones were left out."""
    months = _months_between(journal.months(), first, last)
    chosen: list[SessionSummary] = []
    for n, month in enumerate(reversed(months)):
        found = select(
            journal.month_summaries(month), topic=topic, since=first, until=last, text=text
        )
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
    since: Annotated[str | None, typer.Option(help="From this date on (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this date (YYYY-MM-DD).")] = None,
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
    """List the latest sessions, oldest first (--all for every one)."""
    if every and limit is not None:
        raise JournalError("history: give --all or --limit, not both")
    first, last = parse_day(since, "--since"), parse_day(until, "--until")
    count = None if every or (as_json and limit is None) else (limit or PAGE)
    if as_json or search is not None:
        _history(topic, first, last, search, count, as_json, unlock=True)
        return
    from voicecoach.store.crypto import JournalLocked

    try:  # the listing alone needs no passphrase while the index is current
        _history(topic, first, last, search, count, as_json, unlock=False)
    except JournalLocked:
        _history(topic, first, last, search, count, as_json, unlock=True)


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
    with open_journal(unlock=unlock) as journal:
        if as_json and count is None and not (topic or first or last or search):
            for piece in json_list(r.to_record() for r in journal.iter_records()):
                typer.echo(piece, nl=False)  # every record, one month in memory at a time
            return
        chosen, more = _pick(journal, count, topic=topic, first=first, last=last, text=search)
        if as_json:
            for piece in json_list(r.to_record() for r in _records_of(journal, chosen)):
                typer.echo(piece, nl=False)
            return
        if not chosen:
            empty = not journal.months()
    if not chosen:
        hint = "No sessions yet. Start one with `voicecoach session`." if empty else ""
        err_console.print(hint or "No sessions match.")
        return
    show_table(sessions_table(chosen, width=out_console.width if out_console.is_terminal else None))
    if more:
        err_console.print(
            f"the latest {len(chosen)} shown; --all for every session, --limit N for more",
            style="dim",
            markup=False,
            highlight=False,
        )


@app.command()
def show(
    session_id: IdArg,
    as_json: Annotated[bool, typer.Option("--json", help="The stored record as JSON.")] = False,
    play: Annotated[
        int | None, typer.Option("--play", help="Play the kept audio of answer N.", min=1)
    ] = None,
) -> None:
    """Show one session's conversation (words the recogniser was unsure of are dimmed)."""
    from voicecoach.store.audio import answer_file, load_answer, saved_answers  # numpy: here

    with open_journal() as journal:
        record = journal.get(session_id)
    if play is not None:
        pcm = load_answer(journal.folder, record.id, play)
        err_console.print(f"[dim]playing answer {play} of {record.id}[/]", highlight=False)
        try:
            play_audio(pcm)
        except AudioDeviceError as exc:
            wav = answer_file(journal.folder, record.id, play)
            raise AudioDeviceError(f"{exc}, or play {wav} with any audio player") from exc
        return
    if as_json:
        print_json(record.to_record())
        return
    kept = saved_answers(journal.folder, record.id)
    out_console.print(conversation(record, audio=kept, plain=not out_console.is_terminal))


def play_audio(pcm: bytes) -> None:
    """Play 16 kHz mono PCM on the configured speakers; returns when it has been heard."""
    from voicecoach.audio.playback import REPLAY_LATENCY_S, Speakers

    speakers = Speakers(settings().audio.output_device, REPLAY_LATENCY_S)
    try:
        speakers.play(pcm, 0)
    finally:
        speakers.close()


@app.command("search")
def search_answers(
    text: Annotated[str, typer.Argument(help="Words to look for (any case, all of them).")],
    as_json: JsonOpt = False,
) -> None:
    """Find answers holding every word of TEXT, oldest first."""
    if not text.strip():
        raise JournalError("search: give some words to look for")
    with open_journal() as journal:
        hits = journal.hits(text)
    if as_json:
        print_json(
            [
                {
                    "id": h.session.id,
                    "started_at": h.session.started_at,
                    "topic": h.session.topic,
                    "turn": h.answer.turn,
                    "prompt_id": h.answer.prompt_id,
                    "prompt": h.answer.prompt,
                    "answer": h.answer.text,
                }
                for h in hits
            ]
        )
        return
    if not hits:
        err_console.print(f"Nothing found for {text!r}.", highlight=False, markup=False)
        return
    show_table(hits_table(hits, text))


@app.command()
def export(
    session_id: Annotated[
        str | None, typer.Argument(help="Session id (or a unique start).")
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="Every session, oldest first.")] = False,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="md, json or txt (default: from -o's suffix, else md)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to this file (else stdout).")
    ] = None,
) -> None:
    """Export a session (or --all) as a Markdown journal page, JSON or plain text."""
    chosen_format = format_for(output, fmt)
    if (session_id is None) == (not every):
        raise JournalError("export: give a session id or --all (not both)")
    if output is not None:
        check_output(output)
    with open_journal() as journal:
        records = journal.iter_records() if every else iter([journal.get(session_id or "")])
        first = next(records, None)
        if first is None:
            raise JournalError("the journal is empty: nothing to export")
        counted = _Counted(itertools.chain([first], records))
        pieces = chunks(counted, chosen_format, single=not every)
        if output is None:
            for piece in pieces:
                typer.echo(piece, nl=False)
            return
        write_export(output, sealed_export(paths().journal, pieces))
    sessions = "session" if counted.count == 1 else "sessions"
    err_console.print(
        f"exported {counted.count} {sessions} to {output}", highlight=False, markup=False
    )


class _Counted(Iterator[SessionRecord]):
    """Records passed on one by one, counted."""

    def __init__(self, records: Iterator[SessionRecord]) -> None:
        self.count = 0
        self._records = records

    def __next__(self) -> SessionRecord:
        record = next(self._records)
        self.count += 1
        return record


def _describe(summary: SessionSummary) -> str:
    return f"{summary.id}  {when(summary.started_at)}  {summary.topic}"


@app.command()
def forget(
    session_id: Annotated[
        str | None, typer.Argument(help="Session id (or a unique start).")
    ] = None,
    before: Annotated[
        str | None, typer.Option(help="Every session started before this date (YYYY-MM-DD).")
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Every session, and damaged copies.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first.")] = False,
) -> None:
    """Erase sessions for good: their records, backups, index entries and audio."""
    if sum([session_id is not None, before is not None, every]) != 1:
        raise JournalError("forget: give one of a session id, --before DATE or --all")
    day = parse_day(before, "--before")
    with open_journal() as journal:
        if session_id is not None:
            chosen = [journal.resolve(session_id)]
        else:
            chosen = journal.summaries()
            if day is not None:
                chosen = [s for s in chosen if s.day < day]
        damaged = journal.damaged_copies() if every else []
        if not chosen and not damaged:
            err_console.print("Nothing to erase.")
            return
        if not yes:
            for summary in chosen[:10]:
                err_console.print(f"  {_describe(summary)}", highlight=False, markup=False)
            if len(chosen) > 10:
                err_console.print(f"  … and {len(chosen) - 10} more", highlight=False)
            what = f"{len(chosen)} session{'' if len(chosen) == 1 else 's'}"
            if damaged:
                what += f" and {len(damaged)} damaged cop{'y' if len(damaged) == 1 else 'ies'}"
            if not typer.confirm(f"Erase {what} for good?", default=False, err=True):
                err_console.print("Nothing was erased.")
                raise typer.Exit(1)
        removed = journal.remove(chosen)
        for path in damaged:
            path.unlink(missing_ok=True)
        left = [] if every else _copies_holding(journal.damaged_copies(), removed)
    for summary in removed:
        out_console.print(f"erased {_describe(summary)}", highlight=False, markup=False)
    for path in damaged:
        out_console.print(
            f"erased damaged copy {path.parent.name}/{path.name}", highlight=False, markup=False
        )
    for path in left:
        err_console.print(
            f"[yellow]{path.parent.name}/{path.name} was set aside as damaged and may still hold "
            "erased answers; delete it yourself, or run `voicecoach forget --all`[/]",
            highlight=False,
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


@app.command()
def stats(
    as_json: JsonOpt = False,
    weeks: Annotated[int, typer.Option(help="Weeks of history in the charts.", min=1)] = 12,
) -> None:
    """Sessions per week, streak, minutes and words spoken, mood before and after."""
    from voicecoach.review.stats import compute
    from voicecoach.review.stats import render as render_stats

    with open_journal() as journal:
        figures = compute(journal.summaries(), date.today(), weeks)
    if as_json:
        print_json(figures.to_json())
        return
    show_table(render_stats(figures))


@app.command()
def review() -> None:
    """Browse, search, export and erase sessions in a terminal app (works over SSH)."""
    from voicecoach.review.app import ReviewApp

    with open_journal() as journal:
        ReviewApp(journal, player=play_audio).run()
