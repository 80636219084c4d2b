"""Changing a few keys of one table of config.toml in place, comments and other keys kept.

Used by commands that choose something for the user (`voicecoach voices use`). The edited
table is read back with the settings loader before the file is replaced, so a bad edit never
lands; a mistake in another table was there before and is left as it is (the commands that read
it say so), as a command that never opens the journal goes on past a mistake in `[journal]`.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from voicecoach.config import settings_from_doc
from voicecoach.errors import ConfigError
from voicecoach.files import write_private
from voicecoach.paths import private_dir

_TABLE = re.compile(r"^\s*\[([^\[\]]+)\]\s*(#.*)?$")


def _key_of(line: str) -> str:
    match = re.match(r"^\s*([A-Za-z0-9_-]+)\s*=", line)
    return match.group(1) if match else ""


def set_keys(config_file: Path, table: str, values: dict[str, str]) -> None:
    """Set string keys of [table] (added when missing) and write the file atomically.

    Raises ConfigError when the file cannot be read or written, or is not valid TOML or [table]
    is not valid afterwards.
    """
    try:
        text = config_file.read_text(encoding="utf-8") if config_file.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{config_file}: cannot be read ({exc})") from exc
    lines = text.splitlines()
    start = next(
        (i for i, line in enumerate(lines) if (m := _TABLE.match(line)) and m.group(1) == table),
        None,
    )
    pending = dict(values)
    if start is None:
        if lines and lines[-1].strip():
            lines.append("")
        lines.append(f"[{table}]")
        start = len(lines) - 1
    end = next((i for i in range(start + 1, len(lines)) if _TABLE.match(lines[i])), len(lines))
    for index in range(start + 1, end):
        key = _key_of(lines[index])
        if key in pending:
            lines[index] = f"{key} = {json.dumps(pending.pop(key))}"
    insert_at = end
    while insert_at > start + 1 and not lines[insert_at - 1].strip():
        insert_at -= 1
    lines[insert_at:insert_at] = [f"{key} = {json.dumps(value)}" for key, value in pending.items()]
    new_text = "\n".join(lines) + "\n"
    try:
        doc = tomllib.loads(new_text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_file}: not valid TOML, fix it first ({exc})") from exc
    settings_from_doc({table: doc.get(table, {})}, source=str(config_file))
    try:
        private_dir(config_file.parent)
        write_private(config_file, new_text.encode())
    except OSError as exc:
        raise ConfigError(f"{config_file}: cannot be written ({exc.strerror or exc})") from exc
