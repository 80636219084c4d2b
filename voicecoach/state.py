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

_WARNED: set[str] = set()
"""Warnings about the state file already given by this process (each is given once)."""


def warn_once(message: str) -> None:
    """Log ``message`` as a warning unless this process has already logged it."""
    if message not in _WARNED:
        _WARNED.add(message)
        log.warning("%s", message)


def reason(exc: Exception) -> str:
    """Why ``exc`` happened, in words (``Is a directory``, not ``[Errno 21] …``)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    if isinstance(exc, ValueError):
        return "not valid JSON"
    return str(exc)


def read_state(state_file: Path) -> dict[str, Any]:
    """The state file's keys; empty when it is missing, and (with a warning, once) when
    unreadable."""
    try:
        doc = json.loads(state_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        warn_once(f"{state_file}: ignored, cannot be read ({reason(exc)})")
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
