"""The state file (``Paths.state_file``): the little voicecoach remembers between runs.

A small JSON object shared by several parts (the active speech model, whether the first-run
note was said). Each part touches only its own key and keeps every other one. Written
atomically (temp file, fsync, rename), readable by the owner only.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from voicecoach.files import write_private
from voicecoach.paths import private_dir

log = logging.getLogger(__name__)


def read_state(state_file: Path) -> dict[str, Any]:
    """The state file's keys; empty when it is missing, and (with a warning) when unreadable."""
    try:
        doc = json.loads(state_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("%s: ignored, cannot be read (%s)", state_file, exc)
        return {}
    return doc if isinstance(doc, dict) else {}


def update_state(state_file: Path, key: str, value: Any) -> None:
    """Set ``key`` (None removes it), keeping the other keys. Raises OSError or VoiceCoachError."""
    doc = read_state(state_file)
    if value is None:
        doc.pop(key, None)
    else:
        doc[key] = value
    private_dir(state_file.parent)
    payload = json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")
    write_private(state_file, payload)
