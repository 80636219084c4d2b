"""How long a command takes to start, and how soon the coach's first word is ready.

1. Start-up: the whole process (``python -m voicecoach …``, wall clock, median of ``--runs``)
   for ``--version``, ``history`` and ``sessions list`` on an empty home, beside a bare
   ``python -c "import typer, tinydb"`` timed in the same rounds (runs are interleaved, so a
   busy machine slows them all alike). Target: ≤ 0.25 s each.
2. First spoken word: from process start to the moment the first line's audio reaches the
   speaker (here ``--speaker-file`` with ``--fast``: the first call to the sink's ``play``),
   beside a script doing only interpreter start + engine load (PocketSphinx's default decoder)
   + one pyttsx3 render of the same line. Each run has its own empty home, so both render the
   line afresh. Target: ratio ≤ 1.2.
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
import os, sys, time
from voicecoach.audio import sink

def first_play(self, pcm, at):
    with open(os.environ["FIRST_PLAY_FILE"], "w") as handle:
        handle.write(repr(time.time()))
    os._exit(0)

sink.WavFileSink.play = first_play
sink.SilentSink.play = first_play
from voicecoach.cli import main
main(sys.argv[1:])
"""
"""The session, with the sink's first ``play`` noting the time and ending the process."""

RAW = """
import io, os, sys, time, wave, contextlib
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
with open(os.environ["FIRST_PLAY_FILE"], "w") as handle:
    handle.write(repr(time.time()))
"""
"""The least any program must do before speaking: start, load the engine, render one line."""


def env(home: Path) -> dict[str, str]:
    return {**os.environ, "VOICECOACH_HOME": str(home), "PYTHONPATH": str(ROOT)}


def run_once(argv: list[str], home: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, env=env(home), check=True, capture_output=True)
    return time.perf_counter() - t0


def first_word(argv: list[str], scratch: Path) -> tuple[float, str]:
    """Seconds from starting ``argv`` to the time it writes in FIRST_PLAY_FILE, and the first
    line it printed as the coach's."""
    stamp = scratch / "first-play"
    stamp.unlink(missing_ok=True)
    home = Path(tempfile.mkdtemp(dir=scratch))
    environment = {**env(home), "FIRST_PLAY_FILE": str(stamp)}
    t0 = time.time()
    done = subprocess.run(argv, env=environment, capture_output=True, text=True)
    if not stamp.exists():
        raise SystemExit(f"{argv[:3]} never spoke (exit {done.returncode}): {done.stderr[-400:]}")
    said = [line[6:] for line in done.stderr.splitlines() if line.startswith("coach ")]
    return float(stamp.read_text()) - t0, said[0] if said else ""


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
    args = parser.parse_args()
    py = sys.executable
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as folder:
        scratch = Path(folder)
        home = scratch / "home"
        subprocess.run([py, "-m", "voicecoach", "history"], env=env(home), capture_output=True)
        cases = {"bare `import typer, tinydb`": [py, "-c", "import typer, tinydb"]}
        cases |= {f"voicecoach {' '.join(a)}": [py, "-m", "voicecoach", *a] for a in LIGHT}
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, argv in cases.items():
                times[name].append(run_once(argv, home))
        startup = {name: statistics.median(t) for name, t in times.items()}
        results["startup_s"] = startup
        results["heavy_imports"] = {" ".join(a): imported(a, home) for a in LIGHT}

        answers = [str(FIXTURES / "en" / f"patience-{n}.wav") for n in range(1, 6)]
        session = [py, "-c", FIRST_PLAY, "session", "patience", "--fast", "--engine",
                   "pocketsphinx", "--speaker-file", str(scratch / "coach.wav"),
                   "--answers", *answers]  # fmt: skip
        _, line = first_word(session, scratch)  # warm-up; the line the coach says first
        raw = [py, "-c", RAW, line, str(scratch / "raw.wav")]
        ours, base = [], []
        for _ in range(max(3, args.runs // 2)):
            base.append(first_word(raw, scratch)[0])
            ours.append(first_word(session, scratch)[0])
        ratios = [o / b for o, b in zip(ours, base, strict=True)]
        results["first_word_s"] = {
            "voicecoach session": statistics.median(ours),
            "start + engine + one render": statistics.median(base),
            "ratio (median of per-round ratios)": statistics.median(ratios),
        }
        results["first_line"] = line
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"start-up, whole process, median of {args.runs} runs")
    for name, seconds in startup.items():
        print(f"  {name:34} {seconds:6.3f} s")
    print("heavy modules imported:")
    for name, mods in results["heavy_imports"].items():  # type: ignore[attr-defined]
        print(f"  {name:34} {', '.join(mods) or 'none'}")
    print("first spoken word (process start → first line's audio)")
    for name, value in results["first_word_s"].items():  # type: ignore[attr-defined]
        print(f"  {name:34} {value:6.3f}")


if __name__ == "__main__":
    main()
