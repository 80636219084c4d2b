"""The Typer app and what every command shares: settings, folders, the terminal."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from voicecoach.config import Settings, load_settings
from voicecoach.paths import Paths

app = typer.Typer(
    name="voicecoach",
    help="An offline voice coach for short spoken reflection sessions. Nothing leaves this "
    "machine.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

out_console = Console(soft_wrap=True)
"""Results (stdout): JSON, tables, transcripts."""
err_console = Console(stderr=True, soft_wrap=True)
"""Progress and messages (stderr), so stdout stays clean for --json."""


def paths() -> Paths:
    return Paths.from_env()


def settings(config: Path | None = None) -> Settings:
    """The user's settings (or those of --config FILE) over the defaults."""
    return load_settings(config if config is not None else paths().config_file)


def print_json(doc: object) -> None:
    """JSON on stdout, nothing else."""
    import json

    typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
