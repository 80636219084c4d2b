"""What every journal-reading command shares: opening the journal, dates, the id argument.

Every command opens the journal the same way: damaged files are reported (one line each, on
stderr) and sessions older than ``[journal] keep_days`` are erased first.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import date
from typing import Annotated

import typer

from voicecoach.cli.app import one_line, paths, reading_settings
from voicecoach.cli.consoles import tell
from voicecoach.errors import UsageError, VoiceCoachError
from voicecoach.hinting import command_hint
from voicecoach.store.journal import Journal
from voicecoach.store.retention import apply_retention, retention_note

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead.")]
IdArg = Annotated[str, typer.Argument(help="Session id (or a unique start of it).")]


@contextlib.contextmanager
def open_journal(*, unlock: bool = True, skip_newer: bool = False) -> Iterator[Journal]:
    """The user's journal, ``keep_days`` applied; what was set aside or erased is told at the end
    (one line each, on stderr: the journal's notices as ``voicecoach: warning: …``). A command
    that fails (a VoiceCoachError) prints its error alone, one line: the notices are then
    left out. An encrypted
    journal is unlocked with its passphrase unless ``unlock`` is False (then only the listing
    can be read). With ``skip_newer`` (the commands that only read) a month file written by a
    newer voicecoach is left out with one such warning, instead of stopping the command."""
    from voicecoach.store.crypto import journal_codec

    keep_days = reading_settings().journal.keep_days
    folder = paths().journal
    journal = Journal(folder, codec=journal_codec(folder, unlock=unlock), skip_newer=skip_newer)
    erased, failed = 0, False
    try:
        erased = apply_retention(journal, keep_days)
        yield journal
    except VoiceCoachError:
        failed = True  # its one line says what went wrong
        raise
    finally:
        journal.close()
        if not failed:
            for notice in journal.notices:
                tell(f"voicecoach: warning: {one_line(notice)}", "yellow")
            if erased:
                tell(retention_note(erased, keep_days), "dim")


def parse_day(value: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option value; one clear error when it is not one."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option}: expected a date like 2026-11-26, got {value!r}") from None


def check_id(session_id: str | None, command: str) -> None:
    """UsageError (one line) for an id that is empty or only spaces: it names no session, and
    as a start of one it would match them all."""
    if session_id is not None and not session_id.strip():
        raise UsageError(
            f"{command}: the session id is empty; {command_hint('history')} lists them"
        )


def practice_titles() -> dict[str, str]:
    """Each practice's title by topic (``title`` of its script, the user's over the built-in
    one), for export headings; a script that cannot be read is left out."""
    from voicecoach.coach.script import load_script, script_files
    from voicecoach.errors import VoiceCoachError

    titles: dict[str, str] = {}
    for topic, path in script_files(paths().sessions).items():
        try:
            titles[topic] = load_script(path).title
        except VoiceCoachError:
            continue
    return titles


def play_audio(pcm: bytes, announce: Callable[[], None] = lambda: None) -> None:
    """Play 16 kHz mono PCM on the configured speakers; returns when it has been heard.
    ``announce`` is called once the speakers are found, just before the audio starts (so
    nothing says "playing" when there is nothing to play on). Raises AudioDeviceError when
    there are no speakers."""
    from voicecoach.audio.playback import REPLAY_LATENCY_S, Speakers

    speakers = Speakers(reading_settings().audio.output_device, REPLAY_LATENCY_S)
    announce()
    try:
        speakers.play(pcm, 0)
    finally:
        speakers.close()
