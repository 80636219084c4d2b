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

With a key (``kill_many(..., key=KeyForRuns)``) every run's journal is encrypted: the session
writes with the public key alone (no passphrase in its environment), and the check opens the
journal with the passphrase and also looks for the words shown in every byte of the run's files.

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
from voicecoach.files import private_folder
from voicecoach.store.codec import PLAIN, Codec, register
from voicecoach.store.crypto import KEY_DIR, PASSPHRASE_ENV, JournalKey
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


@dataclass(frozen=True)
class KeyForRuns:
    """One age key made once (its scrypt is slow by design), copied into each run's journal."""

    folder: Path
    """A journal folder holding only ``key/``."""
    passphrase: str

    @classmethod
    def make(cls, base: Path, passphrase: str = "crash test passphrase") -> KeyForRuns:
        folder = base / "key-journal"
        JournalKey(folder).create(passphrase)
        return cls(folder, passphrase)

    def install(self, journal: Path) -> None:
        """Give ``journal`` this key (its folders 0700, files 0600, as ``key init`` leaves them)."""
        private_folder(journal)
        shutil.copytree(self.folder / KEY_DIR, journal / KEY_DIR)

    def codec(self) -> Codec:
        codec = JournalKey(self.folder).codec(self.passphrase)
        register(codec)
        return codec


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
    def start(cls, home: Path, cache: Path | None, key: KeyForRuns | None = None) -> Run:
        home.mkdir(parents=True, exist_ok=True)
        if cache is not None:
            (home / "cache").symlink_to(cache, target_is_directory=True)
        if key is not None:
            key.install(home / "journal")
        env = {**os.environ, "VOICECOACH_HOME": str(home), "PYTHONPATH": str(REPO)}
        env.pop(PASSPHRASE_ENV, None)  # a session writes with the public key alone
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
    return bool(kept) and SequenceMatcher(None, shown, kept, autojunk=False).ratio() >= 0.5


def covered(heard: list[str], kept: list[str]) -> tuple[int, int]:
    """(shown answers found, kept answers left over), matching in order.

    One kept answer holds one shown answer, or several said to one question (asked again: a
    mood heard without a number; going on over the coach's reply) joined by spaces; each part
    may have been replaced by its whole-answer decode, so the closest reading is taken
    (``same_answer``).
    """
    found = 0
    used = 0
    for answer in kept:
        if found == len(heard):
            break
        best, take = 0.0, 0
        for many in range(1, len(heard) - found + 1):
            said = " ".join(heard[found : found + many])
            if not same_answer(said, answer):
                continue
            ratio = SequenceMatcher(None, said, answer, autojunk=False).ratio()
            if ratio > best:
                best, take = ratio, many
        if take == 0:
            break
        found, used = found + take, used + 1
    return found, len(kept) - used


PLAIN_WORD_LETTERS = 6
"""Shortest word looked for in plain on disk: sealed content is base64, in which a given
4-letter word turns up by chance (it did once in 100 encrypted kills: "late"); a 6-letter one
about 4,000 times less often."""


def words_on_disk(home: Path, heard: list[str]) -> list[str]:
    """Each word of ``heard`` (``PLAIN_WORD_LETTERS`` letters or more, not in the practice's
    own file, whose name and title a listing shows) found in a file under ``home``, as
    "word in path" (the shared voice cache left out: it holds the coach's fixed lines)."""
    script = (REPO / "voicecoach" / "data" / "sessions" / "patience.toml").read_text().lower()
    said = {w for line in heard for w in line.split() if len(w) >= PLAIN_WORD_LETTERS}
    said -= {w for w in said if w in script}
    found = []
    for path in sorted(home.rglob("*")):
        if not path.is_file() or path.is_symlink() or "cache" in path.relative_to(home).parts:
            continue
        data = path.read_bytes()
        found += [f"{w} in {path.relative_to(home)}" for w in sorted(said) if w.encode() in data]
    return found


def check(
    home: Path, heard: list[str], key: KeyForRuns | None = None
) -> tuple[int, str | None, str | None]:
    """(answers kept, status, problem) for a killed run's journal."""
    if key is not None and (found := words_on_disk(home, heard)):
        return 0, None, f"answer words in plain on disk: {found}"
    try:
        journal = Journal(home / "journal", codec=key.codec() if key else PLAIN)
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


def kill_once(
    base: Path, cache: Path, n: int, after: int, delay: float, key: KeyForRuns | None = None
) -> KillResult:
    """Start a session; SIGKILL it ``delay`` s after ``after`` answers; check its journal."""
    home = base / f"run-{n:03d}"
    run = Run.start(home, cache, key)
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
    kept, status, problem = check(home, heard, key)
    shutil.rmtree(home, ignore_errors=True)
    return KillResult(n, after, delay, len(heard), kept, status, problem)


def kill_many(
    base: Path,
    count: int,
    *,
    seed: int,
    workers: int = 2,
    report: Callable[[KillResult], None] | None = None,
    key: KeyForRuns | None = None,
) -> list[KillResult]:
    """``count`` kills, ``workers`` at a time, spread over the turns (see the module doc);
    with ``key``, every run's journal is encrypted with it."""
    cache, gap = warm_cache(base)
    rng = random.Random(seed)
    answers = len(group("patience"))
    plan = [(n % (answers + 1), rng.uniform(0.0, 1.5 * gap)) for n in range(count)]
    rng.shuffle(plan)
    results = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(kill_once, base, cache, n, after, delay, key)
            for n, (after, delay) in enumerate(plan)
        ]
        for future in futures:
            result = future.result()
            results.append(result)
            if report is not None:
                report(result)
    return results
