"""The journal killed with SIGKILL at random moments, at the journal layer: nothing acknowledged
is lost, the journal always opens whole.

A child process runs sessions back to back with prebuilt answers (no audio, no engine); it takes
each step (begin, one save per answer, finish) when the parent says "go" and then prints a line
(``begun``, ``saved <n>``, ``finished``). The parent lets it run a random number of steps, says
"go" once more and kills it a random moment later (before, inside or after that step: inside a
save, inside the filing of a finished session), then checks every session the child touched.
Whole spoken sessions killed the same way are ``tests/test_crash.py``.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from voicecoach.store.journal import Journal
from voicecoach.store.records import Status

REPO = Path(__file__).resolve().parents[1]
KILLS = 12
TURNS = 6
WAIT_S = 30.0

CHILD = textwrap.dedent(
    """
    import dataclasses, sys
    from pathlib import Path
    from voicecoach.speech.events import EngineInfo, Utterance, Word
    from voicecoach.store.journal import Journal
    from voicecoach.store.records import SessionRecord, Status, Turn

    said = "I kept a small promise and said so out loud " * 8
    words = tuple(Word(w, 1.0 + i, 1.5 + i, 0.9) for i, w in enumerate(said.split()))
    answer = Utterance(said.strip(), words, 1.0, words[-1].end)
    turns = [Turn(f"q{n}", f"Question {n}?", answer, (), (f"Question {n}?",)) for n in range(6)]
    journal = Journal(Path(sys.argv[1]))
    for k in range(1000):
        record = SessionRecord(
            id=f"{sys.argv[2]}-{k:03d}",
            topic="patience",
            started_at="2026-11-26T20:30:00+01:00",
            engine=EngineInfo("pocketsphinx", "en-us"),
        )
        sys.stdin.readline()
        journal.begin(record)
        print("begun", record.id, flush=True)
        for n, turn in enumerate(turns, start=1):
            record = dataclasses.replace(record, turns=record.turns + (turn,))
            sys.stdin.readline()
            journal.save(record)
            print("saved", record.id, n, flush=True)
        sys.stdin.readline()
        journal.finish(dataclasses.replace(record, status=Status.COMPLETED))
        print("finished", record.id, flush=True)
    """
)


def kill_once(folder: Path, run: int, rng: random.Random) -> dict[str, tuple[str, int]]:
    """Start the child, kill it at a random moment; what it had acknowledged per session."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(folder), f"run{run:02d}"],
        cwd=REPO,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    told: dict[str, tuple[str, int]] = {}
    steps = rng.randint(1, 2 * (TURNS + 2))
    try:
        for _ in range(steps):
            child.stdin.write("go\n")
            child.stdin.flush()
            line = child.stdout.readline().split()
            assert line, "the child stopped by itself"
            what, sid = line[0], line[1]
            told[sid] = (what, int(line[2]) if what == "saved" else told.get(sid, ("", 0))[1])
        child.stdin.write("go\n")
        child.stdin.flush()
        time.sleep(rng.uniform(0, 0.006))  # before, inside or after the next save or filing
        os.kill(child.pid, signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate(timeout=WAIT_S)
    assert child.returncode == -signal.SIGKILL
    return told


def test_random_kills_lose_nothing_acknowledged(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    rng = random.Random(20261130)
    told: dict[str, tuple[str, int]] = {}
    for run in range(KILLS):
        told.update(kill_once(folder, run, rng))
        journal = Journal(folder)
        assert journal.notices == [], journal.notices
        kept = {r.id: r for r in journal.records()}
        for sid, (what, saved) in told.items():
            record = kept[sid]
            if what == "finished":
                assert record.status is Status.COMPLETED
                assert len(record.turns) == TURNS
            else:  # killed while it ran: interrupted, or completed if the filing had happened
                assert record.status in (Status.INTERRUPTED, Status.COMPLETED), sid
                assert saved <= len(record.turns) <= min(saved + 1, TURNS), (sid, saved)
        assert list((folder / "running").glob("*.jsonl")) == []
    statuses = {kept[sid].status for sid in told}
    assert Status.INTERRUPTED in statuses and Status.COMPLETED in statuses
    mid = [sid for sid, (what, n) in told.items() if what == "saved" and 0 < n < TURNS]
    assert mid, "no kill landed between answers; the test proved nothing"
