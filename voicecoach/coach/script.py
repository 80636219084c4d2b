"""Session scripts: the content of a session, as checked data (sessions/*.toml).

A script has an ``id``, a ``title``, a one-line ``summary``, ``[opening] say = [...]``, one
``[[steps]]`` table per question (``id``, ``prompt``, optional ``acknowledge``) and
``[closing] say = [...]``. The user's own scripts in the data folder's ``sessions/`` are found
beside the built-in ones (and replace a built-in one with the same id).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from voicecoach.errors import SessionScriptError


@dataclass(frozen=True)
class Step:
    """One question of a session."""

    id: str
    """Unique within the script; stored with the answer."""
    prompt: str
    """What the coach asks."""
    acknowledge: str = ""
    """What the coach says after an answer ("" = a plain thank-you is not said)."""


@dataclass(frozen=True)
class SessionScript:
    """A whole session's content."""

    id: str
    """Topic name used on the command line, e.g. "patience"."""
    title: str
    """Human name."""
    summary: str
    """One line on what the session is for."""
    opening: tuple[str, ...]
    """Lines said before the first question."""
    steps: tuple[Step, ...]
    """The questions, in order."""
    closing: tuple[str, ...]
    """Lines said after the last question."""
    path: Path
    """Where the script was read from."""


def builtin_dir() -> Path:
    """The folder of scripts shipped with voicecoach."""
    return Path(str(resources.files("voicecoach") / "data" / "sessions"))


def script_files(user_dir: Path | None) -> dict[str, Path]:
    """Every script file by its file stem; the user's folder wins over the built-in one."""
    found: dict[str, Path] = {}
    for folder in (builtin_dir(), user_dir):
        if folder is not None and folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                found[path.stem] = path
    return found


def find_script(topic: str, user_dir: Path | None) -> SessionScript:
    """Load the script for a topic, or say which topics exist."""
    files = script_files(user_dir)
    path = files.get(topic)
    if path is None:
        known = ", ".join(sorted(files)) or "none"
        raise SessionScriptError(f"unknown topic {topic!r}; choose one of: {known}")
    return load_script(path)


def load_script(path: Path) -> SessionScript:
    """Read and check one script; every problem is reported in one error."""
    try:
        with path.open("rb") as handle:
            doc = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise SessionScriptError(f"{path}: not valid TOML ({exc})") from exc
    except OSError as exc:
        raise SessionScriptError(f"{path}: cannot read ({exc.strerror})") from exc
    return script_from_doc(doc, path)


def script_from_doc(doc: dict[str, Any], path: Path) -> SessionScript:
    problems: list[str] = []

    def text(table: dict[str, Any], key: str, where: str, required: bool = True) -> str:
        value = table.get(key, "")
        if not isinstance(value, str):
            problems.append(f"{path}: {where}{key}: expected a string, got {value!r}")
            return ""
        if required and not value.strip():
            problems.append(f"{path}: {where}{key}: missing (expected a non-empty string)")
        return value.strip()

    def lines(section: str) -> tuple[str, ...]:
        table = doc.get(section, {})
        said = table.get("say", []) if isinstance(table, dict) else None
        if not isinstance(said, list) or not all(isinstance(x, str) and x.strip() for x in said):
            problems.append(f"{path}: {section}.say: expected a list of non-empty strings")
            return ()
        return tuple(x.strip() for x in said)

    script_id = text(doc, "id", "")
    title = text(doc, "title", "")
    summary = text(doc, "summary", "", required=False)
    opening = lines("opening")
    closing = lines("closing")
    raw_steps = doc.get("steps")
    steps: list[Step] = []
    if not isinstance(raw_steps, list) or not raw_steps:
        problems.append(f"{path}: steps: expected at least one [[steps]] table")
        raw_steps = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_steps, start=1):
        if not isinstance(raw, dict):
            problems.append(f"{path}: steps[{index}]: expected a table")
            continue
        where = f"steps[{index}]."
        step_id = text(raw, "id", where)
        if step_id:
            where = f"steps.{step_id}."
            if step_id in seen:
                problems.append(f"{path}: steps.{step_id}: id used twice")
            seen.add(step_id)
        unknown = sorted(set(raw) - {"id", "prompt", "acknowledge"})
        for key in unknown:
            problems.append(f"{path}: {where}{key}: unknown field")
        steps.append(
            Step(
                id=step_id,
                prompt=text(raw, "prompt", where),
                acknowledge=text(raw, "acknowledge", where, required=False),
            )
        )
    if script_id and script_id != path.stem:
        problems.append(f"{path}: id: {script_id!r} must match the file name {path.stem!r}")
    if problems:
        raise SessionScriptError("; ".join(problems))
    return SessionScript(
        id=script_id,
        title=title,
        summary=summary,
        opening=opening,
        steps=tuple(steps),
        closing=closing,
        path=path,
    )
