"""`history --json` and `export --all` (every format) write one record at a time: their peak
memory does not grow with the journal (a whole-journal build grows by ~0.5 MB a session)."""

from __future__ import annotations

import dataclasses
import os
import random
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.test_journal import make_record, make_turn
from voicecoach.files import private_folder, write_private
from voicecoach.store.journal import month_of
from voicecoach.store.monthfile import encode_month
from voicecoach.store.records import Status
from voicecoach.store.stored import encode

SAID = "i felt worried when you were late and then i remembered your small promises"
LAUNCHER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)
"""Runs one command, its output thrown away, and prints its own peak RSS (KB)."""
COMMANDS = [
    ("history", "--json"),
    ("export", "--all", "--format", "json"),
    ("export", "--all", "--format", "md"),
    ("export", "--all", "--format", "txt"),
]


def _journal(home: Path, count: int) -> None:
    """``count`` finished sessions of 8 answers of 60 words, one a day up to yesterday."""
    rng = random.Random(count)
    now = datetime.now().astimezone().replace(microsecond=0, hour=9, minute=0, second=0)
    months: dict[str, list[dict[str, object]]] = {}
    for day in range(count, 0, -1):
        started = now - timedelta(days=day)
        record = make_record(
            started.strftime("%Y%m%d-%H%M%S-") + f"{day:04x}",
            started.isoformat(),
            status=Status.COMPLETED,
        )
        turns = tuple(make_turn(n, " ".join(rng.choices(SAID.split(), k=60))) for n in range(8))
        record = dataclasses.replace(record, turns=turns)
        months.setdefault(month_of(record), []).append(encode(record))
    folder = home / "journal"
    private_folder(folder)
    for month, docs in months.items():
        write_private(folder / f"{month}.json", encode_month(docs))


def _peak_mb(home: Path, *argv: str) -> float:
    env = {**os.environ, "VOICECOACH_HOME": str(home)}
    env.pop("VOICECOACH_PASSPHRASE", None)
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, sys.executable, "-m", "voicecoach", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stderr.strip().splitlines()[-1]) / 1024


@pytest.mark.slow
def test_peak_memory_does_not_grow_with_the_journal(tmp_path: Path) -> None:
    small, big = tmp_path / "small", tmp_path / "big"
    _journal(small, 60)
    _journal(big, 600)
    for home in (small, big):
        _peak_mb(home, "history", "--limit", "1")  # indexed once, not measured
    for argv in COMMANDS:
        grown = _peak_mb(big, *argv) - _peak_mb(small, *argv)
        assert grown < 20, f"{' '.join(argv)}: {grown:.0f} MB more for 540 more sessions"
