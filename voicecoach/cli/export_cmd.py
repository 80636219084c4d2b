"""`voicecoach export`: sessions as a Markdown journal, plain text or JSON."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from voicecoach.cli.app import YesOpt, app, confirm, err_console, out_console, paths
from voicecoach.cli.consoles import write_pieces
from voicecoach.cli.journal_open import open_journal, practice_titles
from voicecoach.errors import JournalError, UsageError
from voicecoach.outputs import STDOUT, check_output
from voicecoach.review.export import chunks, format_for, sealed_export, write_export
from voicecoach.store.records import SessionRecord


@app.command()
def export(
    session_id: Annotated[
        str | None, typer.Argument(help="Session id (or a unique start).")
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="Every session, oldest first.")] = False,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", help="md, json or txt (default: from -o's suffix .md, .json or .txt)."
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to this file (else stdout).")
    ] = None,
    yes: YesOpt = False,
) -> None:
    """Export a session (or --all) as Markdown, JSON or plain text. Markdown makes a journal
    page."""
    chosen_format = format_for(output, fmt)
    if (session_id is None) == (not every):
        raise UsageError("export: give a session id or --all (not both)")
    if output is not None:
        check_output(output)
        if not yes and _replaces_a_file(output):
            refusal = f"export: {output} exists; add --yes to replace it"
            if not confirm(f"Replace {output}?", refusal):
                err_console.print("Nothing was written.", highlight=False, markup=False)
                raise typer.Exit(1)
    with open_journal() as journal:
        records = journal.iter_records() if every else iter([journal.get(session_id or "")])
        first = next(records, None)
        if first is None:
            raise JournalError("the journal is empty: nothing to export")
        counted = _Counted(itertools.chain([first], records))
        titles = practice_titles() if chosen_format == "md" else {}
        pieces = chunks(counted, chosen_format, single=not every, titles=titles)
        if output is None:
            write_pieces(pieces)  # a reader gone (`| head`) ends the export there
            return
        sealed = sealed_export(paths().journal, pieces)
        if str(output) == STDOUT:
            write_pieces(sealed)  # as without -o, a reader gone ends it quietly
        else:
            write_export(output, sealed)
    to_stdout = str(output) == STDOUT
    if to_stdout and not out_console.is_terminal:
        return  # a pipe or a file: the export itself is the whole answer
    sessions = "session" if counted.count == 1 else "sessions"
    where = "stdout" if to_stdout else str(output)
    err_console.print(
        f"exported {counted.count} {sessions} to {where}", highlight=False, markup=False
    )


def _replaces_a_file(output: Path) -> bool:
    """Whether writing ``output`` would replace a file already there (not stdout, a device or
    a FIFO, which are written in place)."""
    if str(output) == STDOUT:
        return False
    try:
        return output.is_file()
    except OSError:
        return False


class _Counted(Iterator[SessionRecord]):
    """Records passed on one by one, counted."""

    def __init__(self, records: Iterator[SessionRecord]) -> None:
        self.count = 0
        self._records = records

    def __next__(self) -> SessionRecord:
        record = next(self._records)
        self.count += 1
        return record
