"""How soon `voicecoach review` shows its first screen on years of journal.

A journal of N sessions (default 4,000: eleven years of daily practice, 8 answers of ~60 words
each, written as ``bench_journal.py`` writes it) is opened by a fresh process, as
`voicecoach review` opens it (the journal's index built once beforehand, as any earlier command
leaves it): interpreter start, imports, the journal, the sessions list filled and the newest
session's conversation laid out, in Textual's headless mode at 80×24 and at 160×48. Reported:
wall time from process start to the first screen (``ReviewApp.ready_at``: the newest sessions
listed, the newest conversation shown) and to every session counted (read once the first
screen is up), the process's CPU time at each (medians of ``--runs``) and its peak memory.
Target: first screen under 1 s.

Run: ``python benchmarks/bench_review.py [--sessions 4000] [--runs 5]``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_journal import fill  # noqa: E402

FIRST_SCREEN = """
import asyncio, os, resource, sys, time
from pathlib import Path
from voicecoach.review.app import ReviewApp
from voicecoach.store.journal import Journal

async def main() -> None:
    journal = Journal(Path(sys.argv[1]))
    app = ReviewApp(journal)
    width, height = int(sys.argv[2]), int(sys.argv[3])
    async with app.run_test(size=(width, height)) as pilot:
        while app.ready_at is None:
            await asyncio.sleep(0.001)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu_ready = usage.ru_utime + usage.ru_stime
        await pilot.pause()
        assert app.record is not None and app.complete, "no session shown"
        done = time.time()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        status = Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0]
        print(app.ready_at, cpu_ready, done, usage.ru_utime + usage.ru_stime, int(status) / 1024)
    journal.close()

asyncio.run(main())
"""
"""Opens the review app headless and prints when its first screen was up, CPU s and peak MB
(VmHWM: ru_maxrss would count the parent's memory, copied at fork)."""


def first_screen(folder: Path, size: tuple[int, int]) -> tuple[float, float, float, float, float]:
    """Seconds from process start to the first screen, CPU seconds by then; the same once every
    session is counted and listed; peak MB."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode cached, as an installed copy has it
    start = time.time()
    done = subprocess.run(
        [sys.executable, "-c", FIRST_SCREEN, str(folder), *map(str, size)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    ready, cpu_ready, whole, cpu_whole, peak = map(float, done.stdout.split()[-5:])
    return ready - start, cpu_ready, whole - start, cpu_whole, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-review-") as scratch:
        folder = Path(scratch) / "journal"
        size = fill(folder, args.sessions, datetime.now().astimezone(), random.Random(7))
        from voicecoach.store.journal import Journal

        journal = Journal(folder)
        journal.summaries()  # the index, as any earlier command leaves it
        journal.close()
        print(f"{args.sessions} sessions, {size / 2**20:.1f} MB of journal")
        for cols, rows in ((80, 24), (160, 48)):
            runs = [first_screen(folder, (cols, rows)) for _ in range(args.runs)]
            wall, cpu, wall_all, cpu_all = (statistics.median(r[i] for r in runs) for i in range(4))
            peak = max(r[4] for r in runs)
            print(
                f"  {cols}×{rows}: first screen {wall:.2f} s wall, {cpu:.2f} s CPU; every session "
                f"counted {wall_all:.2f} s wall, {cpu_all:.2f} s CPU (medians of {args.runs}); "
                f"{peak:.0f} MB peak"
            )


if __name__ == "__main__":
    main()
