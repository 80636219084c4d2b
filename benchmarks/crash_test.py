"""Crash test: SIGKILL real scripted sessions at random moments, 100 times by default.

Every answer shown as final ("you …" on stderr, printed only after the journal saved it)
before a kill must be in the journal afterwards, and the journal must always open without a
damaged file. See ``tests/crashkit.py`` for how each run is made and checked.

With ``--encrypted`` every run's journal has an age key: the sessions write with the public
key alone, and each check also looks for the words shown in every byte of the run's files.

Run: ``python benchmarks/crash_test.py [KILLS] [WORKERS] [--encrypted]``.
"""

from __future__ import annotations

import collections
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.crashkit import KeyForRuns, KillResult, kill_many  # noqa: E402


def main() -> int:
    encrypted = "--encrypted" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--encrypted"]
    kills = int(args[0]) if args else 100
    workers = int(args[1]) if len(args) > 1 else 2
    start = time.monotonic()

    def report(result: KillResult) -> None:
        flag = "PROBLEM " + result.problem if result.problem else "ok"
        print(
            f"kill {result.n + 1:>3}, {result.delay:4.2f} s after answer {result.after}: "
            f"{result.heard} shown, "
            f"{result.kept} kept, {result.status or 'not begun'}: {flag}",
            flush=True,
        )

    with tempfile.TemporaryDirectory(prefix="crash-test-") as tmp:
        key = KeyForRuns.make(Path(tmp)) if encrypted else None
        results = kill_many(Path(tmp), kills, seed=4, workers=workers, report=report, key=key)
    spent = time.monotonic() - start
    problems = [r for r in results if r.problem]
    shown = collections.Counter(r.heard for r in results)
    statuses = collections.Counter(r.status or "not begun" for r in results)
    ahead = sum(1 for r in results if r.kept == r.heard + 1)
    kind = "encrypted journals" if encrypted else "plain journals"
    print(f"\n{len(results)} kills in {spent:.0f} s ({workers} at a time, {kind})")
    print("answers shown before the kill: " + ", ".join(f"{k}: {shown[k]}" for k in sorted(shown)))
    print("session afterwards: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    print(f"killed after an answer was saved but before it was shown: {ahead}")
    print(
        f"answers shown but lost: {sum(max(0, r.heard - r.kept) for r in results)}; "
        f"journals that did not open cleanly: {len(problems)}"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
