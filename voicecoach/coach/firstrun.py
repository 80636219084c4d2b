"""The one-time note on the first run, remembered in the state file (``Paths.state_file``).

The state file is a small JSON object shared with other parts of voicecoach (the active speech
model); only the ``first_run_done`` key is touched here, every other key is kept. It is written
atomically and readable by the owner only.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from voicecoach.errors import VoiceCoachError
from voicecoach.paths import PRIVATE_FILE, private_dir

log = logging.getLogger(__name__)

KEY = "first_run_done"

FIRST_RUN_NOTE = (
    "Before we begin, one thing to know: I am a practice tool for reflection. I am not therapy, "
    "and I am not a crisis service."
)
"""Said once, before the very first session's opening lines."""


def _read(state_file: Path) -> dict[str, Any]:
    try:
        doc = json.loads(state_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("%s: ignored, cannot be read (%s)", state_file, exc)
        return {}
    return doc if isinstance(doc, dict) else {}


def first_run_done(state_file: Path) -> bool:
    """True once the first-run note has been said."""
    return _read(state_file).get(KEY) is True


def mark_first_run_done(state_file: Path) -> None:
    """Remember that the note was said; a file that cannot be written only costs a repeat."""
    doc = _read(state_file)
    doc[KEY] = True
    tmp_name = ""
    try:
        private_dir(state_file.parent)
        fd, tmp_name = tempfile.mkstemp(prefix=".state-", suffix=".json", dir=state_file.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(doc, handle, ensure_ascii=False, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, PRIVATE_FILE)
        os.replace(tmp_name, state_file)
    except (OSError, VoiceCoachError) as exc:
        if tmp_name:
            Path(tmp_name).unlink(missing_ok=True)
        log.warning("%s: cannot remember the first run (%s)", state_file, exc)
