"""The one thing an encrypted journal may keep readable, by the person's choice: the step named
in the last session of each practice, so the next session can look back at it unattended.

    journal/last-steps.json     {"version": 1, "steps": {"<practice>": {"session": "<id>",
                                 "step": "<step id>", "text": "<the answer>", "sure": true}}}

Only with ``[journal] readable_last_step = true`` and only beside an encrypted journal (a plain
journal is readable anyway). One entry per practice: that practice's last session and the step
it named (no entry when it named none). The file is owner-only and replaced atomically; an entry
goes with its session (``forget``, ``keep_days``), and the whole file goes when the setting is
off. A damaged file is read as empty (the look back is only a kindness).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from voicecoach.errors import JournalError
from voicecoach.files import private_folder, remove_files, write_private

FILE_NAME = "last-steps.json"
"""The readable last steps, in the journal folder."""
VERSION = 1


@dataclass(frozen=True)
class KeptStep:
    """The step named in a practice's last session, kept readable."""

    session: str
    """Id of the session that named it."""
    step: str
    """Id of the script step it answers."""
    text: str
    """The answer as heard."""
    sure: bool
    """Every word was heard surely enough to say it back word for word."""


def path_of(folder: Path) -> Path:
    """Where ``folder``'s journal keeps its readable last steps."""
    return folder / FILE_NAME


def read_steps(folder: Path) -> dict[str, KeptStep]:
    """Practice id → its kept step; {} when there is no file or it cannot be read."""
    try:
        doc = json.loads(path_of(folder).read_text(encoding="utf-8"))
        steps: dict[str, Any] = doc["steps"]
        return {
            str(topic): KeptStep(
                session=str(kept["session"]),
                step=str(kept["step"]),
                text=str(kept["text"]),
                sure=bool(kept["sure"]),
            )
            for topic, kept in steps.items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def keep_step(folder: Path, topic: str, kept: KeptStep | None) -> None:
    """Keep ``kept`` as ``topic``'s last step (None: ``topic``'s last session named none, so
    its entry goes). JournalError when the disk refuses."""
    steps = read_steps(folder)
    if kept is None:
        if topic not in steps:
            return
        del steps[topic]
    else:
        steps[topic] = kept
    _write(folder, steps)


def drop_sessions(folder: Path, session_ids: set[str]) -> None:
    """Take out the steps named in these sessions (they were erased). JournalError when the
    disk refuses."""
    steps = read_steps(folder)
    left = {topic: kept for topic, kept in steps.items() if kept.session not in session_ids}
    if len(left) != len(steps):
        _write(folder, left)


def remove_steps(folder: Path) -> bool:
    """Delete the file (the setting is off); whether there was one. JournalError when the disk
    refuses."""
    try:
        return remove_files(path_of(folder)) > 0
    except OSError as exc:
        raise JournalError(f"cannot remove {path_of(folder)}: {exc.strerror}") from exc


def _write(folder: Path, steps: dict[str, KeptStep]) -> None:
    if not steps:
        remove_steps(folder)
        return
    doc = {"version": VERSION, "steps": {topic: asdict(kept) for topic, kept in steps.items()}}
    try:
        private_folder(folder)
        write_private(path_of(folder), json.dumps(doc, indent=1, ensure_ascii=False).encode())
    except OSError as exc:
        raise JournalError(f"cannot write {path_of(folder)}: {exc.strerror}") from exc
