"""A voice that is not there is refused before the session starts: nothing said, nothing kept."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.conftest import fixture_wav


def test_bad_voice_is_refused_before_anything_is_said_or_kept(cli: Any, home: Path) -> None:
    config = home.parent / "config.toml"
    config.write_text('[coach]\nvoice = "nope"\n')  # the file and line are named
    result = cli(
        "session", "patience", "--fast", "--config", config, "--answers", fixture_wav("patience-1")
    )
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    where = f'voicecoach: error: {config}: coach.voice: no voice "nope" ("en" voices: '  # TOML
    assert lines[0].startswith(where) and lines[0].endswith("(line 2)"), lines[0]
    suggested = re.findall(r"\b[a-z]+/[a-z0-9-]+", lines[0].split("no voice", 1)[1])
    assert suggested, lines[0]
    assert all(re.search(r"/en(-|$)", voice) for voice in suggested), suggested
    assert "coach " not in result.err  # the coach never started speaking
    assert not (home / "journal").exists() or cli("history", "--json").json() == []


def test_a_voice_of_the_language_is_accepted(cli: Any, home: Path) -> None:
    config = home.parent / "config.toml"
    config.write_text(
        '[coach]\nvoice = "gmw/en-us"\nmood_checkin = false\n\n'
        "[listen]\nreprompts = 0\nquiet_questions = 0\n"
    )
    result = cli(
        "session", "patience", "--fast", "--json", "--config", config,
        "--answers", fixture_wav("patience-1"),
    )  # fmt: skip
    assert result.code == 0, result.err
    assert result.json()["status"] == "completed"


def test_a_bad_voice_in_the_users_own_config_names_it(cli: Any, home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('# mine\n[coach]\ntopic = "patience"\nvoice = "nope"\n')
    result = cli("session", "--fast", "--answers", fixture_wav("patience-1"))
    assert result.code == 1
    (line,) = result.err.splitlines()
    assert line.startswith(f"voicecoach: error: {home / 'config.toml'}: coach.voice: no voice")
    assert line.endswith("(line 4)")
