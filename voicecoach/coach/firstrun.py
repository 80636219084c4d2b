"""The one-time note on the first run, remembered in the state file (``Paths.state_file``).

Only the ``first_run_done`` key of the state file is touched here (see ``voicecoach.state``).
"""

from __future__ import annotations

from pathlib import Path

from voicecoach.errors import VoiceCoachError
from voicecoach.state import read_state, reason, update_state, warn_once

KEY = "first_run_done"

FIRST_RUN_NOTE = "I'm a practice tool, not therapy or a crisis service."
"""Said once, before the very first session's opening lines."""


def first_run_done(state_file: Path) -> bool:
    """True once the first-run note has been said."""
    return read_state(state_file).get(KEY) is True


def mark_first_run_done(state_file: Path) -> None:
    """Remember that the note was said; a file that cannot be written only costs a repeat."""
    try:
        update_state(state_file, KEY, True)
    except (OSError, VoiceCoachError) as exc:
        warn_once(f"{state_file}: cannot remember the first run ({reason(exc)})")
