"""The `voicecoach` command. Each command group lives in its own module beside this one."""

from __future__ import annotations

import logging
import sys

from voicecoach.cli.app import app, err_console
from voicecoach.errors import VoiceCoachError

# Importing a module registers its commands on the app.
from voicecoach.cli import (  # noqa: E402,F401  isort: skip
    journal_cmds,
    listen_cmd,
    models_cmd,
    session_cmd,
    sessions_cmd,
)


MULTI_VALUE_OPTIONS = {"--answers"}
"""Options that take several values in a row (`--answers a.wav b.wav c.wav`)."""


def expand_multi_value(argv: list[str]) -> list[str]:
    """`--answers a b c` → `--answers a --answers b --answers c`, as click expects."""
    expanded: list[str] = []
    current: str | None = None
    took_value = False
    for arg in argv:
        if arg in MULTI_VALUE_OPTIONS:
            _close_option(expanded, current, took_value)
            current, took_value = arg, False
            continue
        if current is not None and not arg.startswith("-"):
            expanded += [current, arg]
            took_value = True
            continue
        _close_option(expanded, current, took_value)
        current = None
        expanded.append(arg)
    _close_option(expanded, current, took_value)
    return expanded


def _close_option(expanded: list[str], option: str | None, took_value: bool) -> None:
    """An option given no value at all is passed on bare, so click names it in its error."""
    if option is not None and not took_value:
        expanded.append(option)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run a command; a VoiceCoachError becomes one line and exit code 1."""
    logging.basicConfig(level=logging.WARNING, format="voicecoach: %(levelname)s: %(message)s")
    args = expand_multi_value(sys.argv[1:] if argv is None else argv)
    try:
        app(args=args, prog_name="voicecoach")
    except VoiceCoachError as exc:
        err_console.print(f"voicecoach: error: {exc}", markup=False, highlight=False)
        sys.exit(1)


__all__ = ["app", "main"]
