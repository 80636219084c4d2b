"""`voicecoach sessions …`: the session scripts there are, a check of one or all, and the
state machine of one as a Mermaid diagram."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from voicecoach.cli.app import (
    PLAIN,
    TableJsonOpt,
    app,
    err_console,
    one_line,
    out_console,
    paths,
    print_json,
    settings,
    show_table,
)
from voicecoach.coach.script import builtin_dir, find_script, load_script, script_files
from voicecoach.errors import SessionScriptError
from voicecoach.review.cells import counted

sessions_app = typer.Typer(
    help="Session scripts: list them, check them, draw one. Your own scripts go in the data "
    "folder's sessions/ (see docs/session-scripts.md).",
    no_args_is_help=True,
)
app.add_typer(sessions_app, name="sessions")


def _origin(path: Path) -> str:
    if path.parent == builtin_dir():
        return "built-in"
    replaced = (builtin_dir() / path.name).exists()
    return "yours (replaces the built-in one)" if replaced else "yours"


@dataclass(frozen=True)
class Listed:
    """One script as `sessions list` shows it."""

    topic: str
    title: str
    steps: int
    summary: str
    origin: str
    path: str
    problem: str = ""
    """Why the script cannot be used ("" when it is fine)."""


def listed(topic: str, path: Path) -> Listed:
    try:
        script = load_script(path)
    except SessionScriptError as exc:
        return Listed(topic, "", 0, "", _origin(path), str(path), problem=str(exc))
    return Listed(topic, script.title, len(script.steps), script.summary, _origin(path), str(path))


@sessions_app.command("list")
def list_sessions(
    as_json: TableJsonOpt = False,
) -> None:
    """The practices you can start with `voicecoach session TOPIC`."""
    rows = [listed(t, p) for t, p in sorted(script_files(paths().sessions).items())]
    if as_json:
        print_json([asdict(row) for row in rows])
        return
    table = Table("topic", "title", "steps", "from", "summary")
    for row in rows:
        summary = escape(row.summary)
        if row.problem:
            summary = f"[red]broken: see `voicecoach sessions check {escape(row.path)}`[/]"
        table.add_row(escape(row.topic), escape(row.title), str(row.steps), row.origin, summary)
    show_table(table)


@sessions_app.command("check")
def check(
    file: Annotated[
        Path | None, typer.Argument(help="A script file (default: every script there is).")
    ] = None,
) -> None:
    """Check session scripts; each problem names the file, the step and the field."""
    files = [file] if file is not None else list(script_files(paths().sessions).values())
    problems: list[str] = []
    for path in files:
        try:
            script = load_script(path)
        except SessionScriptError as exc:
            problems.append(str(exc))
            continue
        out_console.print(f"{path}: ok ({counted(len(script.steps), 'step')})", **PLAIN)
    if not problems:
        return
    for problem in problems[:-1]:
        err_console.print(f"voicecoach: error: {one_line(problem)}", markup=False, highlight=False)
    raise SessionScriptError(problems[-1])


@sessions_app.command("graph")
def graph(
    topic: Annotated[str, typer.Argument(help="A practice, e.g. patience.")],
) -> None:
    """Print the session's state machine as a Mermaid diagram (paste it into any Mermaid
    viewer)."""
    from voicecoach.coach.graph import mermaid  # the state machine's tables: only here

    script = find_script(topic, paths().sessions)
    typer.echo(mermaid(script, mood=settings().coach.mood_checkin), nl=False)
