"""`search` as a user sees it: piped (every answer whole, aligned, no trailing spaces, the same
with NO_COLOR), on a terminal (fitted, matches highlighted), and the plain layout of piped tables
giving exactly what Rich prints."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tests.test_journal import make_turn
from tests.test_journal_cli import A, B, C, finished, kept
from voicecoach.cli.app import plain_table_lines, rich_plain_lines
from voicecoach.cli.plain_table import lay_out, plain_lines
from voicecoach.review.cells import (
    COLUMNS,
    HIT_COLUMNS,
    HIT_RIGHT,
    LENGTH_RIGHT,
    hit_cells,
    session_cells,
)
from voicecoach.review.views import hits_table, sessions_table
from voicecoach.store.summary import SearchHit, summarize

LONG = " ".join(["I kept my promise to call when I was running late"] * 5)
"""An answer of 250 characters: longer than any terminal line."""
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
ODD_TEXTS = (
    "A small Promise kept",
    LONG,
    "약속을 지켰어요 promise",  # wide characters
    unicodedata.normalize("NFD", "약속 promise"),  # conjoining jamo
    "[journal] promise :smile: [bold]x[/bold]",  # markup and emoji codes, shown as written
    "café ＰＲＯＭＩＳＥ promise 🙂",
    "ok",
)


def _hits(texts: tuple[str, ...], topic: str = "patience") -> list[SearchHit]:
    hits = []
    for n, text in enumerate(texts):
        record = finished(f"2026110{n}-210000-b{n:03d}", f"2026-11-0{n + 1}T21:00:00+01:00")
        record = dataclasses.replace(record, topic=topic, turns=(make_turn(n + 9, text),))
        summary = summarize(record)
        hits.append(SearchHit(summary, summary.answers[0]))
    return hits


def environ_for(home: Path, **env: str) -> dict[str, str]:
    """This environment without NO_COLOR, with VOICECOACH_HOME and ``env``."""
    environ = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    return {**environ, "VOICECOACH_HOME": str(home), **env}


def piped_run(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    """`voicecoach ARGS` with stdout and stderr piped."""
    environ = environ_for(home, **env)
    return subprocess.run(
        [sys.executable, "-m", "voicecoach", *args],
        env=environ,
        capture_output=True,
        timeout=60,
        check=False,
    )


def on_a_terminal(home: Path, *args: str, columns: int, **env: str) -> str:
    """What `voicecoach ARGS` writes to a terminal ``columns`` wide."""
    leader, follower = os.openpty()
    environ = environ_for(home, COLUMNS=str(columns), TERM="xterm-256color", **env)
    process = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", *args],
        env=environ,
        stdout=follower,
        stderr=subprocess.PIPE,
    )
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal's other end closed
            break
        if not chunk:
            break
        out += chunk
    os.close(leader)
    with process:
        _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return out.decode().replace("\r\n", "\n")


@pytest.mark.parametrize("topic", ["patience", "[journal] :smile: talks"])
def test_plain_layout_is_what_rich_prints(topic: str) -> None:
    hits = _hits(ODD_TEXTS, topic)
    found = hits_table(hits, "promise")
    laid_out = plain_lines(found, _console())
    assert laid_out is not None  # the fast layout is the one used for search
    assert laid_out == rich_plain_lines(found)
    rows = [hit_cells(h) for h in hits]
    assert lay_out(HIT_COLUMNS, rows, right=HIT_RIGHT) == laid_out  # made without Rich
    summaries = [h.session for h in hits]
    for width in (None, 60, 200):
        listed = sessions_table(summaries, width=width)
        assert plain_lines(listed, _console()) == rich_plain_lines(listed)
    flagged = [dataclasses.replace(s, safety_flag=n % 2 == 0) for n, s in enumerate(summaries)]
    for locked in (False, True):
        rows = [session_cells(s, locked) for s in flagged]  # what piped `history` lays out
        piped = lay_out(COLUMNS, rows, right=LENGTH_RIGHT)
        assert piped == rich_plain_lines(sessions_table(flagged, locked=locked))
    empty = hits_table([], "promise")
    assert plain_lines(empty, _console()) == rich_plain_lines(empty)
    marked = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
    marked.add_column("a", justify="right")
    marked.add_column("b", min_width=12)
    marked.add_row("[bold]x[/bold] :smile:", "20:30 [journal] 약속")
    marked.add_row(":)", "[")
    laid_out = plain_lines(marked, _console())
    assert laid_out is not None and laid_out == rich_plain_lines(marked)
    assert "x :smile:" in laid_out[2]  # markup read, emoji codes left as written


def test_other_tables_are_left_to_rich() -> None:
    boxed = Table("a", "b")
    boxed.add_row("1", "2")
    several = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
    several.add_column("a")
    several.add_row(Text("two\nlines"))
    tabbed = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
    tabbed.add_column("a")
    tabbed.add_row("a\tb")
    assert lay_out(["a"], [["a\tb"]]) is None and lay_out(["a"], [["two\nlines"]]) is None
    for table in (boxed, several, tabbed):
        assert plain_lines(table, _console()) is None
        assert plain_table_lines(table) == rich_plain_lines(table)  # Rich lays them out
    assert "two" in plain_table_lines(several)[2] and "lines" in plain_table_lines(several)[3]


def _console() -> Console:
    return Console(file=io.StringIO(), color_system=None)


def test_piped_search_shows_every_answer_whole_and_aligned(home: Path) -> None:
    wide = finished(
        "20261103-090000-dddd", "2026-11-03T09:00:00+01:00", text="약속을 지켰어요 promise"
    )
    long = dataclasses.replace(B, turns=(*B.turns, make_turn(3, LONG)))
    kept(home, A, long, C, wide).close()
    piped = piped_run(home, "search", "promise")
    assert piped.returncode == 0, piped.stderr
    out = piped.stdout.decode()
    assert not ANSI.search(out)
    lines = out.splitlines()
    assert lines[0].split() == ["id", "date", "#", "answer"]
    assert set(lines[1]) == {"─"}
    rows = lines[2:]
    assert [r.split()[0] for r in rows] == [B.id, B.id, "20261103-090000-dddd"]
    assert any(row.endswith(LONG) for row in rows)  # whole, on one line
    assert rows[-1].endswith("약속을 지켰어요 promise")
    start = lines[0].index("answer")
    assert all(row[start - 2 : start] == "  " and row[start] != " " for row in rows)
    assert all(line == line.rstrip() for line in lines)
    assert piped_run(home, "search", "promise", NO_COLOR="1").stdout.decode() == out


def test_a_piped_search_lays_out_its_table_without_rich(home: Path) -> None:
    kept(home, A, B, C).close()
    watch = (
        "import atexit, sys\n"
        "atexit.register(lambda: print(' '.join(sys.modules), file=sys.stderr))\n"
        "from voicecoach.cli import main\n"
        "sys.argv = ['voicecoach', 'search', 'promise']\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", watch],
        env=environ_for(home),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == piped_run(home, "search", "promise").stdout.decode()
    assert B.id in done.stdout.decode()
    imported = set(done.stderr.decode().strip().splitlines()[-1].split())
    assert "voicecoach.store.journal" in imported
    assert not {"rich.console", "rich.table", "rich.text", "rich.style"} & imported


def test_search_on_a_terminal_fits_and_highlights(home: Path) -> None:
    long = dataclasses.replace(B, turns=(*B.turns, make_turn(3, LONG)))
    kept(home, A, long, C).close()
    shown = on_a_terminal(home, "search", "promise", columns=70)
    assert "\x1b[7mpromise\x1b[0m" in shown or "\x1b[7mPromise\x1b[0m" in shown
    plain = ANSI.sub("", shown)
    lines = plain.splitlines()
    assert lines and all(len(line.rstrip()) <= 70 for line in lines)
    assert len(lines) > 2 + 2  # the long answer wrapped in its column, not cut
    assert " ".join(plain.split()).count("running late") == 5
    no_color = on_a_terminal(home, "search", "promise", columns=70, NO_COLOR="1")
    assert "promise" in ANSI.sub("", no_color)
    assert not re.search(r"\x1b\[3[0-9]m", no_color)  # no colour; the match is still reversed
    assert "\x1b[7m" in no_color


def test_search_json_is_unchanged_by_the_layout(home: Path) -> None:
    kept(home, A, B, C).close()
    piped = piped_run(home, "search", "--json", "promise")
    assert piped.returncode == 0
    assert json.loads(piped.stdout) == [
        {
            "id": B.id,
            "started_at": B.started_at,
            "topic": "patience",
            "turn": 3,
            "prompt_id": "q2",
            "prompt": "Question 2?",
            "answer": "A small Promise kept",
        }
    ]


def test_search_on_a_terminal_marks_what_it_found_past_punctuation(home: Path) -> None:
    said = finished("20261102-210000-dont", "2026-11-02T21:00:00+01:00", text="I don't know!")
    kept(home, said).close()
    for needle in ("dont", "DON'T", "know?"):
        shown = on_a_terminal(home, "search", needle, columns=80)
        marked = re.findall(r"\x1b\[7m(.*?)\x1b\[0m", shown)
        assert marked == (["know"] if needle == "know?" else ["don't"]), (needle, shown)
