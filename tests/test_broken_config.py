"""A mistake in config.toml does not lock the person out of their journal: the reading commands
go on with the default for what is wrong and say so in one line (file, key, line, the fix); a
session, which needs every setting, still refuses the file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.test_journal_cli import A, B, finished, kept

Cli = Callable[..., CliResult]

READING = [
    ["history"],
    ["history", "--json"],
    ["show", A.id],
    ["search", "promise"],
    ["export", "--all"],
    ["stats"],
]


def warning(result: CliResult) -> str:
    (line,) = result.err.splitlines()
    assert line.startswith("voicecoach: warning: "), result.err
    return line


@pytest.mark.parametrize("argv", READING)
def test_a_wrong_value_elsewhere_does_not_stop_reading(
    home: Path, cli: Cli, argv: list[str]
) -> None:
    kept(home, A, B).close()
    config = home / "config.toml"
    config.write_text('[coach]\nrate = 150\n\n[listen]\nend_silence_s = "long"\n')
    result = cli(*argv)
    assert result.code == 0, result.err
    assert result.out.strip()
    line = warning(result)
    assert str(config) in line and "listen.end_silence_s" in line and "(line 5)" in line
    assert 'expected a number, got "long"' in line


def test_a_file_that_is_not_toml_names_its_line_and_history_still_lists(
    home: Path, cli: Cli
) -> None:
    kept(home, A, B).close()
    (home / "config.toml").write_text("[journal]\nkeep_days = 30\n[listen\n")
    result = cli("history")
    assert result.code == 0, result.err
    assert [ln.split()[0] for ln in result.out.splitlines() if ln.startswith("2026")] == [
        A.id,
        B.id,
    ]
    assert "not valid TOML" in warning(result) and "line 3" in result.err


def test_a_session_still_refuses_the_broken_file(home: Path, cli: Cli) -> None:
    (home).mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('[listen]\nend_silence_s = "long"\n')
    result = cli("session", "--fast")
    assert result.code == 1
    (line,) = result.err.splitlines()
    assert line.startswith("voicecoach: error: ") and "listen.end_silence_s" in line
    assert "(line 2)" in line


def test_a_broken_keep_days_erases_nothing_and_good_sections_still_count(
    home: Path, cli: Cli
) -> None:
    now = datetime.now().astimezone().replace(microsecond=0)
    old = finished("old-1", (now - timedelta(days=40)).isoformat())
    recent = finished("recent", (now - timedelta(days=2)).isoformat())
    kept(home, old, recent).close()
    config = home / "config.toml"
    config.write_text('[journal]\nkeep_days = "30"\n')
    result = cli("history", "--json")
    assert [r["id"] for r in result.json()] == ["old-1", "recent"]  # nothing erased
    assert 'journal.keep_days: expected a whole number, got "30" (line 2)' in warning(result)

    # A mistake in another section leaves the good keep_days in force.
    config.write_text('[journal]\nkeep_days = 30\n\n[coach]\nrate = "fast"\n')
    result = cli("history", "--json")
    assert [r["id"] for r in result.json()] == ["recent"]
    assert "coach.rate" in result.err and "erased 1 session older than 30 days" in result.err


APART_FROM_JOURNAL = [
    ["models", "list"],
    ["models", "list", "--json"],
    ["voices", "list", "--json"],
    ["sessions", "graph", "patience"],
]
"""Commands that never open the journal (and read config.toml)."""


@pytest.mark.parametrize("argv", APART_FROM_JOURNAL, ids=" ".join)
def test_a_journal_mistake_does_not_stop_a_command_that_never_opens_the_journal(
    home: Path, cli: Cli, argv: list[str]
) -> None:
    """`models list` refused to run for a wrong `journal.keep_days` (exit 1), though `history`
    went on: now both warn once and go on. A mistake in a section the command reads still
    stops it, with every problem named."""
    home.mkdir()
    config = home / "config.toml"
    config.write_text("[journal]\nkeep_days = -3\n")
    result = cli(*argv)
    assert result.code == 0, result.err
    assert result.out.strip()
    line = warning(result)
    assert line == (
        f"voicecoach: warning: {config}: journal.keep_days: expected a whole number from 0 to "
        "36500, got -3 (line 2); its default is used here, fix it before the next session"
    )
    config.write_text("[journal]\nkeep_days = -3\n[coach]\nlanguage = 5\n")
    refused = cli(*argv)
    assert refused.code == 1 and refused.out == ""
    (line,) = refused.err.splitlines()
    assert line.startswith(f"voicecoach: error: {config}: ")
    assert "journal.keep_days" in line and "coach.language" in line


@pytest.mark.parametrize(
    "argv",
    [
        ["session", "patience", "--fast"],
        ["listen", "--fast", "--once"],
        ["service", "install"],
    ],
    ids=" ".join,
)
def test_a_journal_mistake_still_stops_the_commands_that_write_the_journal(
    home: Path, cli: Cli, argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg-config"))  # where a unit would go
    home.mkdir()
    config = home / "config.toml"
    config.write_text("[journal]\nkeep_days = -3\n")
    result = cli(*argv)
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        f"voicecoach: error: {config}: journal.keep_days: expected a whole number from 0 to "
        "36500, got -3 (line 2)\n"
    )


def test_voices_use_goes_on_past_a_journal_mistake_and_leaves_it_as_it_was(
    home: Path, cli: Cli
) -> None:
    """`voices use` writes coach.voice into config.toml: it read the whole file back and refused
    for the mistake in [journal] it had just warned of (two lines, nothing done)."""
    home.mkdir()
    config = home / "config.toml"
    config.write_text("[journal]\nkeep_days = -3\n")
    result = cli("voices", "use", "gmw/en-us")
    assert result.code == 0, result.err
    assert result.out == "the coach now speaks with espeak-ng gmw/en-us\n"
    assert "journal.keep_days" in warning(result)
    assert config.read_text().startswith("[journal]\nkeep_days = -3\n\n[coach]\n")
    assert 'voice = "gmw/en-us"' in config.read_text()
    config.write_text('[journal]\nkeep_days = -3\n[coach]\nrate = "fast"\n')
    refused = cli("voices", "use", "gmw/en-us")  # a mistake in the table it writes: refused
    assert refused.code == 1 and "coach.rate" in refused.err
    assert config.read_text() == '[journal]\nkeep_days = -3\n[coach]\nrate = "fast"\n'
