"""`voicecoach export`: sessions as a Markdown journal, plain text or JSON.

The rule for an encrypted journal: what is shown (stdout, ``-o -``) is in clear; a file
(``-o FILE``) is one age file sealed to the journal's key, named with ``.age`` added, unless
``--plain`` asks for it in clear.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from voicecoach.cli.app import YesOpt, app, confirm, err_console, out_console, paths
from voicecoach.cli.consoles import write_pieces
from voicecoach.cli.journal_open import check_id, open_journal, practice_titles
from voicecoach.errors import JournalError, UsageError
from voicecoach.outputs import STDOUT, check_output
from voicecoach.review.export import (
    AGE_SUFFIX,
    chunks,
    format_for,
    how_to_read,
    sealed_export,
    sealed_name,
    write_export,
)
from voicecoach.store.crypto import JournalKey
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
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="Write to this file (else stdout; - is stdout too). From an encrypted journal "
            "the file is encrypted and .age is added to its name.",
        ),
    ] = None,
    plain: Annotated[
        bool,
        typer.Option(
            "--plain",
            help="With -o FILE from an encrypted journal: write the file unencrypted, as named.",
        ),
    ] = False,
    yes: YesOpt = False,
) -> None:
    """Export a session (or --all) as Markdown, JSON or plain text. Markdown makes a journal
    page.

    An encrypted journal asks for its passphrase (VOICECOACH_PASSPHRASE in scripts)."""
    chosen_format = format_for(output, fmt)
    if (session_id is None) == (not every):
        raise UsageError("export: give a session id or --all (not both)")
    check_id(session_id, "export")
    to_file = output is not None and str(output) != STDOUT
    sealed = to_file and not plain and JournalKey(paths().journal).exists()
    if output is not None and to_file:
        if sealed:
            output = sealed_name(output)
        elif output.suffix.lower() == AGE_SUFFIX:
            why = "--plain was given" if plain else "the journal has no key"
            raise UsageError(
                f"-o {output}: {why}, so the export is not encrypted; leave out {AGE_SUFFIX}"
            )
    if output is not None:
        check_output(output)
        if not yes and _replaces_a_file(output):
            refusal = f"export: {output} exists; add --yes to replace it"
            if not confirm(f"Replace {output}?", refusal):
                err_console.print("Nothing written.", highlight=False, markup=False)
                return  # the person chose: exit code 0, as `forget` answered no
    with open_journal(skip_newer=every) as journal:
        records = journal.iter_records() if every else iter([journal.get(session_id or "")])
        first = next(records, None)
        if first is None and journal.left_out:  # nothing this voicecoach can read
            raise journal.left_out[0]
        if first is None:
            raise JournalError("the journal is empty: nothing to export")
        counted = _Counted(itertools.chain([first], records))
        titles = practice_titles() if chosen_format == "md" else {}
        pieces = chunks(counted, chosen_format, single=not every, titles=titles)
        if output is None or not to_file:
            write_pieces(pieces)  # a reader gone (`| head`) ends the export there
        else:
            write_export(output, sealed_export(paths().journal, pieces) if sealed else pieces)
    if not to_file and not out_console.is_terminal:
        return  # a pipe or a file: the export itself is the whole answer
    sessions = "session" if counted.count == 1 else "sessions"
    where = str(output) if to_file else "stdout"
    line = f"exported {counted.count} {sessions} to {where}"
    if sealed and output is not None:
        line += f", {how_to_read(output)}"
    err_console.print(line, highlight=False, markup=False)


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
