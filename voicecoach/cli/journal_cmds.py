"""Reading the journal from scripts and pipes: `history` and `show`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from voicecoach.cli.app import app, err_console, out_console, paths, print_json
from voicecoach.store.journal import Journal
from voicecoach.store.records import SessionRecord


def open_journal() -> Journal:
    journal = Journal(paths().journal)
    for notice in journal.notices:
        err_console.print(f"[yellow]{notice}[/]", highlight=False)
    return journal


def answered(record: SessionRecord) -> int:
    return sum(1 for t in record.turns if t.answer is not None)


@app.command()
def history(
    as_json: Annotated[bool, typer.Option("--json", help="Records as a JSON list.")] = False,
) -> None:
    """List past sessions, oldest first."""
    journal = open_journal()
    try:
        records = journal.records()
    finally:
        journal.close()
    if as_json:
        print_json([r.to_record() for r in records])
        return
    if not records:
        err_console.print("No sessions yet. Start one with `voicecoach session`.")
        return
    table = Table("id", "started", "topic", "status", "answers")
    for record in records:
        table.add_row(
            record.id,
            record.started_at.replace("T", " ")[:16],
            record.topic,
            record.status.value,
            f"{answered(record)}/{len(record.turns)}",
        )
    out_console.print(table)


@app.command()
def show(
    session_id: Annotated[str, typer.Argument(help="Session id (or a unique start of it).")],
    as_json: Annotated[bool, typer.Option("--json", help="The stored record as JSON.")] = False,
) -> None:
    """Show one session's conversation."""
    journal = open_journal()
    try:
        record = journal.get(session_id)
    finally:
        journal.close()
    if as_json:
        print_json(record.to_record())
        return
    from voicecoach.cli.session_cmd import print_transcript

    print_transcript(record)
