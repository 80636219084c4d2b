"""Every command that prints, as real processes: piped it prints plain text (no escape codes, no
trailing spaces) that NO_COLOR does not change; on a terminal NO_COLOR leaves no colour and
nothing is told by colour alone; a narrow terminal cuts no id."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from tests.test_journal_cli import A, B, C, kept
from tests.test_search_output import ANSI, on_a_terminal, piped_run
from voicecoach.coach.script import builtin_dir
from voicecoach.review.stats import AFTER_BAR, BEFORE_BAR

FLAGGED = dataclasses.replace(C, safety_flag=True)
PRINTING = [
    ("history",),
    ("history", "--all"),
    ("show", B.id),
    ("search", "promise"),
    ("stats",),
    ("sessions", "list"),
    ("models", "list"),
    ("profiles", "list"),
    ("export", B.id),
    ("export", B.id, "--format", "txt"),
]
"""A command of each kind that prints a result on stdout."""
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9;]*)?m")
"""An escape code that sets a foreground or background colour."""


@pytest.fixture
def journal(home: Path) -> Path:
    kept(home, A, B, FLAGGED).close()
    return home


@pytest.mark.parametrize("argv", PRINTING, ids=" ".join)
def test_piped_output_is_plain_and_no_color_changes_nothing(
    journal: Path, argv: tuple[str, ...]
) -> None:
    piped = piped_run(journal, *argv)
    assert piped.returncode == 0, piped.stderr
    out = piped.stdout.decode()
    assert out.strip()
    assert not ANSI.search(out), out
    assert all(line == line.rstrip() for line in out.splitlines())
    no_color = piped_run(journal, *argv, NO_COLOR="1")
    assert no_color.returncode == 0 and no_color.stdout.decode() == out


@pytest.mark.parametrize("argv", PRINTING, ids=" ".join)
def test_no_color_on_a_terminal_prints_no_colour(journal: Path, argv: tuple[str, ...]) -> None:
    shown = on_a_terminal(journal, *argv, columns=200, NO_COLOR="1")
    assert not COLOUR.search(shown), repr(shown[:300])
    plain = ANSI.sub("", shown)
    piped = piped_run(journal, *argv).stdout.decode()
    assert set(piped.split()) <= set(plain.split())  # the same words, whatever the layout
    if argv[0] == "stats":
        assert BEFORE_BAR in plain and AFTER_BAR in plain
    if argv[0] == "history":
        flagged = next(line for line in plain.splitlines() if C.id in line)
        assert "crisis help" in flagged  # the safety flag in words, not only in colour


def test_history_in_a_narrow_terminal_keeps_ids_whole(journal: Path) -> None:
    coloured = on_a_terminal(journal, "history", columns=60)
    assert COLOUR.search(coloured)  # colour is there without NO_COLOR (the check above can fail)
    shown = ANSI.sub("", coloured)
    lines = shown.splitlines()
    assert all(len(line.rstrip()) <= 60 for line in lines)
    for record in (A, B, C):
        assert any(line.startswith(record.id + " ") for line in lines), record.id
    assert "…" not in shown


def test_a_topic_is_shown_as_written_not_as_markup(home: Path) -> None:
    odd = "[draft] money:smile:"
    kept(home, dataclasses.replace(B, topic=odd)).close()
    script = home / "sessions" / f"{odd}.toml"  # a practice file of the user's, so named
    script.parent.mkdir(parents=True)
    script.write_text(
        (builtin_dir() / "patience.toml").read_text().replace('id = "patience"\n', "")
    )
    for argv in (("history",), ("show", B.id), ("sessions", "list")):
        piped = piped_run(home, *argv).stdout.decode()
        assert odd in piped, (argv, piped)
        shown = ANSI.sub("", on_a_terminal(home, *argv, columns=200))
        assert odd in shown, (argv, shown)
