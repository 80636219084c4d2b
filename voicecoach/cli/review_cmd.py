"""`voicecoach stats` and `voicecoach review`: figures over the journal, and the review app."""

from __future__ import annotations

import traceback
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from voicecoach.cli.app import app, print_json, show_table
from voicecoach.cli.journal_open import JsonOpt, open_journal, play_audio, practice_titles
from voicecoach.errors import VoiceCoachError
from voicecoach.stop import INTERRUPTED

MAX_WEEKS = 260
"""The most weeks `stats` charts (five years): one row, and three columns of the mood chart,
each."""


@app.command()
def stats(
    as_json: JsonOpt = False,
    weeks: Annotated[
        int, typer.Option(help="Weeks of history in the charts.", min=1, max=MAX_WEEKS)
    ] = 12,
) -> None:
    """Sessions per week, streak, minutes, words and moods. Moods are before and after.

    An encrypted journal asks for its passphrase (VOICECOACH_PASSPHRASE in scripts)."""
    from voicecoach.review.stats import compute
    from voicecoach.review.stats import render as render_stats

    with open_journal(skip_newer=True) as journal:
        figures = compute(journal.summaries(), date.today(), weeks)
    if as_json:
        print_json(figures.to_json())
        return
    show_table(render_stats(figures))


def require_terminal(command: str, instead: str) -> None:
    """UsageError naming ``instead`` unless both stdin and stdout are terminals."""
    import sys

    from voicecoach.errors import UsageError

    for stream in (sys.stdin, sys.stdout):
        try:
            terminal = stream is not None and stream.isatty()
        except (AttributeError, ValueError):
            terminal = False
        if not terminal:
            raise UsageError(f"{command} needs a terminal ({instead})")


@app.command()
def review() -> None:
    """Browse, search, export and erase sessions in a terminal app. It works over SSH.

    It needs a terminal for both input and output: otherwise it exits with code 2 (the command
    was used where it cannot work), since the app would draw its screen into a file or wait for
    keys that never come. An encrypted journal asks for its passphrase (VOICECOACH_PASSPHRASE
    in scripts) before the app opens."""
    require_terminal("review", "use history, show or export")
    from voicecoach.review.app import ReviewApp

    with open_journal(skip_newer=True) as journal:
        journal.check_files()
        app = ReviewApp(journal, player=play_audio, titles=practice_titles())
        app.run()
        if app.failure is not None:
            raise ended_on(app.failure)
    if app.return_code == INTERRUPTED:  # Ctrl-C in the app: one line and 130, as everywhere
        raise KeyboardInterrupt


def ended_on(error: BaseException) -> VoiceCoachError:
    """The one line for the error the review app ended on: a VoiceCoachError as it is; any
    other by its type and place only, as its message may quote the answers shown."""
    if isinstance(error, VoiceCoachError):
        return error
    where = traceback.extract_tb(error.__traceback__)[-1:]
    at = f" at {Path(where[0].filename).name}:{where[0].lineno}" if where else ""
    return VoiceCoachError(
        f"review stopped on an unexpected error ({type(error).__name__}{at}); please report it"
    )
