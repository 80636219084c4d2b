"""Kill real scripted sessions at random moments and check that nothing final was lost.

Each run is ``voicecoach session patience --answers patience-1..5.wav --fast --engine
pocketsphinx`` in a private VOICECOACH_HOME (sharing one warm voice cache), killed with SIGKILL
at a random moment: after a random number of answers (0–5) has been shown, a random time
later (up to one and a half typical gaps between answers), so kills land evenly in every turn,
in the closing words and while the session is being filed away. The live progress prints each
final answer on stderr ("you …") only after the journal has saved it, so every such line seen
before the kill must be in the journal afterwards; only the answer in progress may be lost. The
journal must open without a damaged file, with the session closed (interrupted, or completed
if it had ended).

Used by ``tests/test_crash.py`` (a few kills) and ``benchmarks/crash_test.py`` (100 kills).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from tests.conftest import fixture_wav, group
from voicecoach.store.journal import Journal
from voicecoach.store.records import Status

REPO = Path(__file__).resolve().parents[1]
WAIT_S = 120.0
"""Longest a run may take before it counts as hung."""


def session_command() -> list[str]:
    answers = [str(fixture_wav(name)) for name in group("patience")]
    return [
        sys.executable,
        "-m",
        "voicecoach",
        "session",
        "patience",
        "--answers",
        *answers,
        "--fast",
        "--engine",
        "pocketsphinx",
    ]


@dataclass
class Run:
    """One session process and what it said on stderr, with when (seconds since start)."""

    home: Path
    proc: subprocess.Popen[str]
    started: float = field(default_factory=time.monotonic)
    lines: list[tuple[float, str]] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    ended: bool = False
    reader: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self.reader = threading.Thread(target=self._read, daemon=True)

    @classmethod
    def start(cls, home: Path, cache: Path | None) -> Run:
        home.mkdir(parents=True, exist_ok=True)
        if cache is not None:
            (home / "cache").symlink_to(cache, target_is_directory=True)
        env = {**os.environ, "VOICECOACH_HOME": str(home), "PYTHONPATH": str(REPO)}
        proc = subprocess.Popen(
            session_command(),
            cwd=REPO,
            env=env,
            text=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        run = cls(home, proc)
        run.reader.start()
        return run

    def _read(self) -> None:
        assert self.proc.stderr is not None
        # Closed here, by the thread that read it to the end: a killed session's second-decode
        # child may hold the pipe open for a moment after the session itself is gone.
        with self.proc.stderr:
            for line in self.proc.stderr:
                with self.changed:
                    self.lines.append((time.monotonic() - self.started, line.rstrip("\n")))
                    self.changed.notify_all()
        with self.changed:
            self.ended = True
            self.changed.notify_all()

    def wait_for(self, answers: int) -> bool:
        """Wait until the first line (``answers`` = 0) or that many answers were shown;
        False when the process ended first."""
        with self.changed:
            return self.changed.wait_for(
                lambda: self.ended or (len(self.heard) >= answers and bool(self.lines)),
                timeout=WAIT_S,
            ) and not (self.ended and len(self.heard) < answers)

    def finish(self) -> int:
        """Wait for the process to end and for its last stderr line to be read."""
        code = self.proc.wait(timeout=WAIT_S)
        self.reader.join(timeout=WAIT_S)
        return code

    @property
    def heard(self) -> list[str]:
        """The final answers shown, in order."""
        return [line[4:].strip() for _, line in self.lines if line.startswith("you ")]


def warm_cache(base: Path) -> tuple[Path, float]:
    """Run one whole session to fill a voice cache.

    Returns the cache and the typical time between two answers being shown.
    """
    run = Run.start(base / "warm", None)
    code = run.finish()
    if code != 0:
        raise RuntimeError("the warm-up session failed:\n" + "\n".join(x for _, x in run.lines))
    shown = [run.lines[0][0]] + [t for t, line in run.lines if line.startswith("you ")]
    return base / "warm" / "cache", (shown[-1] - shown[0]) / (len(shown) - 1)


@dataclass(frozen=True)
class KillResult:
    """What one kill found."""

    n: int
    after: int
    """Answers the kill waited for."""
    delay: float
    """Seconds after those that SIGKILL was sent."""
    heard: int
    """Final answers shown before the kill."""
    kept: int
    """Shown answers found in the journal afterwards, plus any saved but not yet shown."""
    status: str | None
    """The session's status in the journal, or None when it had not begun."""
    problem: str | None
    """What was wrong, or None."""


def same_answer(shown: str, kept: str) -> bool:
    """Whether ``kept`` is the answer shown as ``shown``.

    The answer is kept at once with the words shown during the session, and replaced by a
    whole-answer decode of the same audio when that is ready (PocketSphinx), so a kept answer
    is the shown text or a close re-reading of it: at least half its characters in common.
    """
    if kept == shown:
        return True
    return bool(kept) and SequenceMatcher(None, shown, kept).ratio() >= 0.5


def covered(heard: list[str], kept: list[str]) -> tuple[int, int]:
    """(shown answers found, kept answers left over), matching in order.

    One kept answer holds one shown answer (or its re-decode), or several said to one question
    (asked again: a mood heard without a number), joined by spaces.
    """
    found = 0
    used = 0
    for answer in kept:
        if found == len(heard):
            break
        take = 0
        for many in range(1, len(heard) - found + 1):
            said = " ".join(heard[found : found + many])
            if answer == said or (many == 1 and same_answer(said, answer)):
                take = many
            elif not answer.startswith(said):
                break
        if take == 0:
            break
        found, used = found + take, used + 1
    return found, len(kept) - used


def check(home: Path, heard: list[str]) -> tuple[int, str | None, str | None]:
    """(answers kept, status, problem) for a killed run's journal."""
    try:
        journal = Journal(home / "journal")
        records = journal.records()
    except Exception as exc:  # noqa: BLE001 - any failure to open is the finding
        return 0, None, f"the journal does not open: {type(exc).__name__}: {exc}"
    if journal.notices:
        return 0, None, f"damaged files: {journal.notices}"
    if len(records) > 1:
        return 0, None, f"{len(records)} sessions from one run"
    if not records:
        return 0, None, (f"{len(heard)} answers shown but no session kept" if heard else None)
    record = records[0]
    kept = [t.answer.text for t in record.turns if t.answer is not None]
    if record.status is Status.RUNNING:
        return len(kept), record.status.value, "the killed session is still running"
    found, beyond = covered(heard, kept)
    if found < len(heard):
        return found, record.status.value, f"shown {heard!r} but kept {kept!r}"
    if beyond > 1:
        return found + beyond, record.status.value, f"{len(kept)} kept but {len(heard)} shown"
    return found + beyond, record.status.value, None


def kill_once(base: Path, cache: Path, n: int, after: int, delay: float) -> KillResult:
    """Start a session; SIGKILL it ``delay`` s after ``after`` answers; check its journal."""
    home = base / f"run-{n:03d}"
    run = Run.start(home, cache)
    try:
        if run.wait_for(after):
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline and run.proc.poll() is None:
                time.sleep(min(0.01, max(0.0, deadline - time.monotonic())))
        if run.proc.poll() is None:
            run.proc.send_signal(signal.SIGKILL)
        run.finish()
    finally:
        if run.proc.poll() is None:
            run.proc.kill()
            run.proc.wait(timeout=WAIT_S)
    heard = run.heard
    kept, status, problem = check(home, heard)
    shutil.rmtree(home, ignore_errors=True)
    return KillResult(n, after, delay, len(heard), kept, status, problem)


def kill_many(
    base: Path,
    count: int,
    *,
    seed: int,
    workers: int = 2,
    report: Callable[[KillResult], None] | None = None,
) -> list[KillResult]:
    """``count`` kills, ``workers`` at a time, spread over the turns (see the module doc)."""
    cache, gap = warm_cache(base)
    rng = random.Random(seed)
    answers = len(group("patience"))
    plan = [(n % (answers + 1), rng.uniform(0.0, 1.5 * gap)) for n in range(count)]
    rng.shuffle(plan)
    results = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(kill_once, base, cache, n, after, delay)
            for n, (after, delay) in enumerate(plan)
        ]
        for future in futures:
            result = future.result()
            results.append(result)
            if report is not None:
                report(result)
    return results
