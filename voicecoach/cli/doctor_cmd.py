"""`voicecoach doctor`: what works on this machine, and what to do about what doesn't."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from voicecoach.cli.app import TableJsonOpt, app, err_console, out_console, paths, print_json
from voicecoach.cli.models_cmd import models_dirs
from voicecoach.review.cells import counted


@app.command()
def doctor(
    as_json: TableJsonOpt = False,
    config: Annotated[Path | None, typer.Option(help="Check this config.toml.")] = None,
) -> None:
    """What works on this machine, and what to do about what doesn't.

    Exits 1 when something a spoken session needs is broken
    (settings, microphone, speakers, voice, speech engine, data folder, disk).
    Warnings (a weaker engine, loose permissions, little room for a model) do not.
    """
    from voicecoach.doctor import Severity, blocking, run_checks

    home = paths()
    checks = run_checks(home, config, models_dirs(home))
    stoppers = blocking(checks)
    if as_json:
        print_json([c.to_record() for c in checks])
    else:
        style = {Severity.OK: "green", Severity.WARN: "yellow", Severity.PROBLEM: "bold red"}
        for check in checks:
            line = Text.assemble(
                (f"{check.status.value:<7}", style[check.status]),
                " ",
                (f"{check.area:<13}", "bold"),
                f" {check.detail}",
            )
            out_console.print(line, highlight=False)
            if check.fix:
                out_console.print(Text(f"{'':<8} {'':<13} → {check.fix}", style="dim"))
    if stoppers:
        err_console.print(
            f"{counted(len(stoppers), 'problem')} {'stops' if len(stoppers) == 1 else 'stop'} "
            "a spoken session: "
            f"{', '.join(c.area for c in stoppers)}.",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(1)
