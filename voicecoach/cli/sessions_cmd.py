"""`voicecoach sessions …`: the session scripts there are, a check of one or all, and the
state machine of one as a Mermaid diagram."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from voicecoach.cli.app import (
    PLAIN,
    TableJsonOpt,
    app,
    err_console,
    one_line,
    out_console,
    paths,
    print_json,
    settings_apart_from_journal,
    show_table,
    typed_column,
)
from voicecoach.cli.consoles import stdout_is_terminal, write_pieces
from voicecoach.coach.script import builtin_dir, find_script, load_script, script_files
from voicecoach.errors import SessionScriptError
from voicecoach.hinting import command_hint
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
    width = out_console.width if stdout_is_terminal() else None
    show_table(scripts_table(rows, width))


WRAPPED = {"title": 12, "summary": 20}
"""The columns that wrap on a terminal, and how narrow each may get before other columns are
left out."""
NARROWER = (("from",), ("from", "title"))
"""Columns left out, in turn, until the table fits a terminal's width."""


def scripts_table(rows: list[Listed], width: int | None = None) -> Table:
    """One row per script: topic, title, steps, where it is from, summary.

    Topics are always whole (they are typed after `voicecoach session`): given a terminal's
    ``width``, the title and the summary wrap, and where a script is from, then the title, are
    left out until each keeps its ``WRAPPED`` columns; on a terminal narrower still, each
    topic stands on a line of its own, its summary below. Without a width every cell is on one
    line."""
    cells: list[dict[str, Text | str]] = [
        {
            "topic": Text(row.topic),
            "title": Text(row.title),
            "steps": "–" if row.problem else str(row.steps),  # a broken script has none to count
            "from": row.origin,
            "summary": _summary_cell(row),
        }
        for row in rows
    ]
    names = ["topic", "title", "steps", "from", "summary"]
    longest = {n: max((len(str(c[n])) for c in cells), default=0) for n in names}
    longest = {n: max(width_, len(n)) for n, width_ in longest.items()}
    if width is not None:
        for left_out in ((), *NARROWER):
            chosen = [n for n in names if n not in left_out]
            needed = sum(min(longest[n], WRAPPED.get(n, longest[n])) + 1 for n in chosen)
            if needed <= width:
                break
        else:
            return _stacked(cells)
        names = chosen
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
    for name in names:
        if name == "topic":
            typed_column(table, name, [cell[name] for cell in cells])
        elif name in WRAPPED:
            table.add_column(name, overflow="fold", ratio=1 if name == "title" else 2)
        else:
            table.add_column(name, overflow="fold", min_width=min(longest[name], 8))
    for cell in cells:
        table.add_row(*[cell[name] for name in names])
    return table


def _stacked(cells: list[dict[str, Text | str]]) -> Table:
    """Each script as its topic (whole, on a line of its own) with the steps, and the summary
    wrapped below it: for a terminal too narrow for a topic beside its summary."""
    table = Table.grid()
    table.add_column(overflow="fold")
    for cell in cells:
        count = str(cell["steps"])
        steps = f"  ({counted(int(count), 'step')})" if count.isdigit() else ""
        table.add_row(Text.assemble(cell["topic"], (steps, "dim")))
        table.add_row(Padding(cell["summary"], (0, 0, 0, 2)))
    return table


def _summary_cell(row: Listed) -> Text:
    if row.problem:
        return Text(f"broken: see {command_hint(f'sessions check {row.path}')}", style="red")
    return Text(row.summary)


@sessions_app.command("check")
def check(
    file: Annotated[
        Path | None, typer.Argument(help="A script file (default: every script there is).")
    ] = None,
) -> None:
    """Check session scripts. Each problem names the file, the step and the field."""
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
    """Print the session's state machine as a Mermaid diagram. Paste it into any Mermaid
    viewer."""
    from voicecoach.coach.graph import mermaid  # the state machine's tables: only here

    script = find_script(topic, paths().sessions)
    write_pieces([mermaid(script, mood=settings_apart_from_journal().coach.mood_checkin)])
