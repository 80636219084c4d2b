"""How long a command takes to start, and how soon the coach's first word is ready.

1. Start-up: the whole process (``python -m voicecoach …``, wall clock and the process's CPU
   time, each the median of ``--runs``; CPU time is what a busy shared machine does not inflate)
   for ``--version``, ``history`` and ``sessions list`` on an empty home, beside a bare
   ``python -c "import typer, tinydb"`` timed in the same rounds (runs are interleaved, so a
   busy machine slows them all alike). Target: ≤ 0.25 s each.
2. First spoken word: from process start to the moment the first line's audio reaches the
   speaker (here ``--speaker-file`` with ``--fast``: the first call to the sink's ``play``),
   beside a script doing only interpreter start + engine load (PocketSphinx's default decoder)
   + one pyttsx3 render of the same line. Each run has its own empty home, so both render the
   line afresh. Wall and CPU time (to that moment; the session's includes its espeak-ng child
   process) are both given. Target: ratio ≤ 1.2.
3. Which heavy modules each light command imports (none of numpy, pydantic, http.client, ssl,
   transitions, rich.markdown, textual should appear).

Run: ``python benchmarks/bench_startup.py [--runs 9] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
HEAVY = ("numpy", "pydantic", "http.client", "ssl", "transitions", "rich.markdown", "textual")
LIGHT = (("--version",), ("history",), ("sessions", "list"))

FIRST_PLAY = """
import os, resource, sys, time
from voicecoach.audio import sink

def children_cpu():
    # CPU seconds of this process's running children (the espeak-ng child renders there)
    total = 0
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")

def first_play(self, pcm, at):
    when = time.time()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime + children_cpu()
    with open(os.environ["FIRST_PLAY_FILE"], "w") as handle:
        handle.write(f"{when!r} {cpu!r}")
    os._exit(0)

sink.WavFileSink.play = first_play
sink.SilentSink.play = first_play
from voicecoach.cli import main
main(sys.argv[1:])
"""
"""The session, with the sink's first ``play`` noting the time and ending the process."""

RAW = """
import io, os, resource, sys, time, wave, contextlib
import pocketsphinx, pyttsx3
decoder = pocketsphinx.Decoder(pocketsphinx.Config(loglevel="FATAL"))
with contextlib.redirect_stdout(io.StringIO()):
    engine = pyttsx3.init()
    engine.runAndWait()
    engine.save_to_file(sys.argv[1], sys.argv[2])
    engine.runAndWait()
with wave.open(sys.argv[2]) as wav:
    pcm = wav.readframes(wav.getnframes())
assert pcm
usage = resource.getrusage(resource.RUSAGE_SELF)
with open(os.environ["FIRST_PLAY_FILE"], "w") as handle:
    handle.write(f"{time.time()!r} {usage.ru_utime + usage.ru_stime!r}")
"""
"""The least any program must do before speaking: start, load the engine, render one line."""


def env(home: Path, root: Path = ROOT) -> dict[str, str]:
    """The children's environment: as an installed copy runs, with its bytecode cached (a
    PYTHONDONTWRITEBYTECODE left by the caller would make every run compile the package), the
    voicecoach of the checkout ``root``."""
    environment = {**os.environ, "VOICECOACH_HOME": str(home), "PYTHONPATH": str(root)}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def run_once(argv: list[str], home: Path) -> tuple[float, float]:
    """Wall seconds of the whole process, and its CPU seconds (user + system)."""
    t0 = time.perf_counter()
    child = subprocess.Popen(
        argv, env=env(home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - t0
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{argv[2:]} failed (exit {child.returncode})")
    return wall, usage.ru_utime + usage.ru_stime


def first_word(argv: list[str], scratch: Path, root: Path = ROOT) -> tuple[float, float]:
    """Wall seconds from starting ``argv`` (with the voicecoach of checkout ``root``) to the time
    it writes in FIRST_PLAY_FILE, and the CPU seconds it had used by then."""
    stamp = scratch / "first-play"
    stamp.unlink(missing_ok=True)
    home = Path(tempfile.mkdtemp(dir=scratch))
    environment = {**env(home, root), "FIRST_PLAY_FILE": str(stamp)}
    t0 = time.time()
    done = subprocess.run(argv, env=environment, capture_output=True, text=True, cwd=scratch)
    if not stamp.exists():
        raise SystemExit(f"{argv[:3]} never spoke (exit {done.returncode}): {done.stderr[-400:]}")
    when, cpu = map(float, stamp.read_text().split())
    return when - t0, cpu


def first_line(topic: str, home: Path) -> str:
    """The line a first session of ``topic`` in an empty ``home`` says first (the first-run
    note; the voice plays it before it is printed)."""
    sys.path.insert(0, str(ROOT))
    from voicecoach.coach.script import find_script
    from voicecoach.config import Settings
    from voicecoach.wiring import coach_options, first_lines

    coach = coach_options(Settings(), home / "state.json")
    return first_lines(find_script(topic, None), coach)[0]


def imported(args: tuple[str, ...], home: Path) -> list[str]:
    """The heavy modules a command has imported when it ends."""
    code = (
        "import sys\nfrom voicecoach.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        f"print('HEAVY:' + ' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env(home), capture_output=True, text=True
    )
    marked = [line for line in done.stdout.splitlines() if line.startswith("HEAVY:")]
    return marked[-1][6:].split() if marked else ["(did not finish)"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--before",
        type=Path,
        help="another checkout (e.g. the previous version) whose first word is timed too, in "
        "the same rounds",
    )
    parser.add_argument(
        "--first-word-only", action="store_true", help="skip the light commands' start-up"
    )
    args = parser.parse_args()
    py = sys.executable
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as folder:
        scratch = Path(folder)
        home = scratch / "home"
        for warm_up in (["history"], ["sessions", "list"], ["session", "--help"]):
            subprocess.run([py, "-m", "voicecoach", *warm_up], env=env(home), capture_output=True)
        cases = {"bare `import typer, tinydb`": [py, "-c", "import typer, tinydb"]}
        cases |= {f"voicecoach {' '.join(a)}": [py, "-m", "voicecoach", *a] for a in LIGHT}
        if args.first_word_only:
            cases = {}
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, argv in cases.items():
                times[name].append(run_once(argv, home))
        startup = {
            name: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t))
            for name, t in times.items()
        }
        results["startup_s"] = {
            name: {"wall": wall, "cpu": cpu} for name, (wall, cpu) in startup.items()
        }
        results["heavy_imports"] = {
            " ".join(a): imported(a, home) for a in (() if args.first_word_only else LIGHT)
        }

        answers = [str(FIXTURES / "en" / f"patience-{n}.wav") for n in range(1, 6)]
        session = [py, "-c", FIRST_PLAY, "session", "patience", "--fast", "--engine",
                   "pocketsphinx", "--speaker-file", str(scratch / "coach.wav"),
                   "--answers", *answers]  # fmt: skip
        first_word(session, scratch)  # warm-up
        if args.before is not None:
            first_word(session, scratch, args.before.resolve())
        line = first_line("patience", scratch / "no-home")
        raw = [py, "-c", RAW, line, str(scratch / "raw.wav")]
        ours, base, before = [], [], []
        for _ in range(max(3, args.runs // 2)):
            base.append(first_word(raw, scratch))
            ours.append(first_word(session, scratch))
            if args.before is not None:
                before.append(first_word(session, scratch, args.before.resolve()))
        kinds = {"voicecoach session": ours}
        if before:
            kinds = {"before (--before)": before, **kinds}
        results["first_word_s"] = {
            kind: {
                "start + engine + one render": statistics.median(b[i] for b in base),
                **{name: statistics.median(o[i] for o in runs) for name, runs in kinds.items()},
                **{
                    f"ratio, {name} (median of per-round ratios)": statistics.median(
                        o[i] / b[i] for o, b in zip(runs, base, strict=True)
                    )
                    for name, runs in kinds.items()
                },
            }
            for i, kind in enumerate(("wall", "cpu"))
        }
        results["first_line"] = line
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"start-up, whole process, median of {args.runs} runs: wall s, CPU s")
    for name, (wall, cpu) in startup.items():
        print(f"  {name:34} {wall:6.3f}  {cpu:6.3f}")
    print("heavy modules imported:")
    for name, mods in results["heavy_imports"].items():  # type: ignore[attr-defined]
        print(f"  {name:34} {', '.join(mods) or 'none'}")
    print("first spoken word (process start → first line's audio): wall s, CPU s")
    figures = results["first_word_s"]
    for name in figures["wall"]:  # type: ignore[index]
        wall, cpu = figures["wall"][name], figures["cpu"][name]  # type: ignore[index]
        print(f"  {name:58} {wall:6.3f}  {cpu:6.3f}")


if __name__ == "__main__":
    main()
