"""What `voicecoach listen` costs while it waits, over a long run, and how well it wakes.

1. Idle cost: an hour (``--hours``) of a room recording, looped, through the real listen loop
   (``--mic-file room.wav --loop-mic-file --fast``): CPU seconds per second of audio, the share of
   frames that reached the phrase decoder, and resident memory every ten minutes of audio
   (growth = last sample against the one after the first ten minutes).
   Rooms: ``silence`` (a quiet room), ``room`` (steady noise, with people talking now and then
   and no wake phrase), the latter with VAD mode 2 (default) and 3.
2. Wake detection: every English fixture spoken on its own into a fresh spotter (PocketSphinx),
   and Korean phrases synthesised with espeak-ng into the Vosk grammar spotter (the small Korean
   model, the only Vosk model the build machines have).

The microphone's own cost (PortAudio thread) is not included: a file stands in for it.
Run: ``python benchmarks/bench_idle.py [--hours 1] [--skip-vosk]``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voicecoach.config import Settings, settings_from_doc  # noqa: E402
from voicecoach.frames import FRAME_SAMPLES, AudioChunk  # noqa: E402
from voicecoach.loop import QuietProgress  # noqa: E402
from voicecoach.paths import Paths  # noqa: E402
from voicecoach.speaker.build import ListenOptions, build_listen  # noqa: E402
from voicecoach.speaker.wake import SphinxPhrases, VoskPhrases, WakeSpotter  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
SAMPLE_EVERY_S = 600
CHATTER = ("nocmd-1", "safe-3", "communication-2", "cmd-what-can-i-say", "patience-4", "mood-6")


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def sox(*args: str | Path) -> None:
    subprocess.run(["sox", *map(str, args)], check=True, capture_output=True)


def make_rooms(folder: Path) -> dict[str, Path]:
    """A minute of silence; a minute of quiet noise with two sentences of chatter in it."""
    silence = folder / "silence.wav"
    sox(FIXTURES / "silence-10s.wav", silence, "repeat", "5")
    noise = folder / "noise.wav"
    sox(FIXTURES / "noise-10s.wav", noise, "vol", "0.3", "repeat", "5")
    speech = folder / "speech.wav"
    parts = [FIXTURES / "en" / f"{name}.wav" for name in CHATTER[:2]]
    sox(*parts, speech, "pad", "20", "0")
    room = folder / "room.wav"
    sox("-m", noise, speech, room, "trim", "0", "60")
    return {"silence": silence, "room": room}


@dataclasses.dataclass
class IdleRun:
    name: str
    cpu_per_audio_s: float
    decoded_share: float
    rss_mb: list[float]

    @property
    def growth(self) -> float:
        base = self.rss_mb[1] if len(self.rss_mb) > 1 else self.rss_mb[0]
        return (self.rss_mb[-1] - base) / base


def idle_run(name: str, room: Path, hours: float, settings: Settings, home: Paths) -> IdleRun:
    options = ListenOptions(mic_file=room, loop_mic_file=True, fast=True, engine="pocketsphinx")
    with contextlib.ExitStack() as stack:
        loop, _ = build_listen(options, settings, home, QuietProgress(), stack)
        total = hours * 3600
        samples = [rss_mb()]
        cpu0 = time.process_time()
        until = 0.0
        while until < total:
            until = min(total, until + SAMPLE_EVERY_S)
            report = loop.run(until_s=until)
            if report.wakes:
                raise SystemExit(f"{name}: woke on {report.wakes} (no wake phrase in the room)")
            samples.append(rss_mb())
        cpu = time.process_time() - cpu0
        stats = loop.parts.spotter.stats
        return IdleRun(name, cpu / total, stats.decoded / max(1, stats.frames), samples)


def spot(spotter: WakeSpotter, pcm: bytes) -> list[str]:
    pcm = bytes(16000) + pcm + bytes(32000)
    found = []
    for i, start in enumerate(range(0, len(pcm) - 3199, 3200)):
        wake = spotter.feed(AudioChunk(pcm[start : start + 3200], i * FRAME_SAMPLES))
        if wake is not None:
            found.append(wake.phrase)
    return found


def sphinx_detection(settings: Settings) -> tuple[dict[str, bool], list[str], int]:
    from voicecoach.audio.wavfile import read_wav

    wake = settings.wake
    hits: dict[str, bool] = {}
    false: list[str] = []
    others = 0
    for path in sorted((FIXTURES / "en").glob("*.wav")):
        spotter = WakeSpotter(SphinxPhrases(wake.phrases, wake.threshold))
        found = spot(spotter, read_wav(path))
        if path.stem.startswith("wake-"):
            hits[path.stem] = bool(found)
        else:
            others += 1
            if found:
                false.append(path.stem)
    return hits, false, others


def vosk_detection() -> str:
    from voicecoach.audio.wavfile import read_wav
    from voicecoach.speech.models import installed_models
    from voicecoach.speech.vosk_engine import load_model

    korean = next((m for m in installed_models([]) if m.language == "ko"), None)
    if korean is None or shutil.which("espeak-ng") is None:
        return "skipped (no Korean Vosk model or espeak-ng)"
    model = load_model(korean.path)
    phrases = ("보내세요", "영화")
    lines = []
    with tempfile.TemporaryDirectory() as scratch:
        for word in (*phrases, "감사합니다"):
            wav = Path(scratch) / "w.wav"
            subprocess.run(["espeak-ng", "-v", "ko", "-w", str(wav), word], check=True)
            spotter = WakeSpotter(VoskPhrases(model, phrases, 0.6))
            lines.append(f"{word} → {spot(spotter, read_wav(wav)) or 'nothing'}")
        long_false = []
        for path in sorted((FIXTURES / "en").glob("patience-*.wav")):
            spotter = WakeSpotter(VoskPhrases(model, phrases, 0.6))
            long_false += spot(spotter, read_wav(path))
    lines.append(f"long English sentences (patience-1..5) → {long_false or 'nothing'}")
    return "; ".join(lines)


SCENARIOS = {
    "silence": ("silence", 2),
    "room, vad_mode 2": ("room", 2),
    "room, vad_mode 3": ("room", 3),
}
"""Name → (room recording, VAD mode)."""


def one_scenario(name: str, folder: Path, hours: float) -> None:
    """Run in a process of its own (so its memory is its own); prints one JSON line."""
    room, vad_mode = SCENARIOS[name]
    os.environ["VOICECOACH_HOME"] = str(folder / "home")
    settings = settings_from_doc({"listen": {"vad_mode": vad_mode}})
    run = idle_run(name, folder / f"{room}.wav", hours, settings, Paths.from_env())
    print(json.dumps(dataclasses.asdict(run)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--skip-vosk", action="store_true")
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scenario:
        one_scenario(args.scenario, args.folder, args.hours)
        return
    runs = []
    with tempfile.TemporaryDirectory(prefix="voicecoach-bench-idle-") as scratch:
        folder = Path(scratch)
        make_rooms(folder)
        for name in SCENARIOS:
            out = subprocess.run(
                [sys.executable, __file__, "--scenario", name, "--folder", str(folder)]
                + ["--hours", str(args.hours)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            runs.append(IdleRun(**json.loads(out.strip().splitlines()[-1])))
    print(f"idle listening, {args.hours:g} h of audio each (PocketSphinx keyphrase spotting)")
    print(f"{'room':<18} {'CPU s / audio s':>16} {'decoded':>8} {'RSS start→end MB':>18} growth")
    for run in runs:
        print(
            f"{run.name:<18} {run.cpu_per_audio_s:>16.5f} {run.decoded_share:>8.1%} "
            f"{run.rss_mb[1]:>8.1f} → {run.rss_mb[-1]:<7.1f} {run.growth:+.2%}"
        )
    hits, false, others = sphinx_detection(Settings())
    print("\nwake detection, PocketSphinx, default threshold:")
    print(f"  wake fixtures: {hits}")
    print(f"  false wakes on {others} other fixtures: {false or 'none'}")
    if not args.skip_vosk:
        print(f"\nwake detection, Vosk grammar (Korean model): {vosk_detection()}")


if __name__ == "__main__":
    main()
