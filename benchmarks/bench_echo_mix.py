"""A command said over the coach, mixed into real microphone recordings of its echo.

The barge-in rows of ``bench_room.py --part live --trace DIR`` keep, per session, what the
microphone heard (``mic.wav``) and what the voice had played by then (``ref.wav``), in audio
time. Up to the live command, that recording is the coach's echo alone, as the virtual sound
card delivered it (its 30 ms loop, drift and dropouts included). Here the clean commands
(stop, pause, repeat) are added to it digitally, ``--at`` seconds into the question, so the
person's voice in the microphone is known exactly; the coach's echo check
(``voicecoach.audio.echo.EchoGuard``) cleans the mix, and a fresh session listener with the
command grammar and spotter decodes it (as ``bench_barge_path.py`` does). Reported per command:
how often it is acted on (sure, or unsure: the coach would ask), and the signal-to-residual
ratio over its voiced 20 ms pieces (the person against what the echo check left of the echo
and of them, dB; median and 10th percentile). Offline and deterministic: run it on the same
traces before and after a change to the echo check.

    python benchmarks/bench_room.py --part live --engines pocketsphinx \\
        --only "echo check alone" --barge-trials 3 --trace DIR
    python benchmarks/bench_echo_mix.py DIR [--at 1.0,1.04,1.08]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_barge_path import Decoder  # noqa: E402
from bench_room import BARGE_COMMANDS, BARGE_PROMPT  # noqa: E402

from tests.conftest import fixture_wav  # noqa: E402
from voicecoach.audio.echo import PIECE_SAMPLES, EchoGuard  # noqa: E402
from voicecoach.audio.wavfile import read_wav  # noqa: E402
from voicecoach.frames import FRAME_SAMPLES, SAMPLE_RATE, AudioChunk, seconds_to_samples  # noqa: E402

VOICED_DB = 55.0
"""A piece of the clean command at least this loud (dB of 16-bit samples) is voiced."""
MARGIN_S = 0.05
"""The mix ends this long before the session's own command reached the microphone."""


def pcm(path: Path) -> np.ndarray:
    return np.frombuffer(read_wav(path), dtype="<i2").astype(np.float64)


def db(x: np.ndarray) -> float:
    return 10.0 * float(np.log10(float(np.mean(x * x)) + 1e-9))


class Played:
    """``ref.wav`` as the voice's record of what it played (float samples by audio time)."""

    def __init__(self, ref: np.ndarray) -> None:
        self.ref = ref / 32768.0

    def played(self, start: int, end: int) -> np.ndarray:
        out = np.zeros(end - start)
        lo, hi = max(start, 0), min(end, self.ref.size)
        if lo < hi:
            out[lo - start : hi - start] = self.ref[lo:hi]
        return out


def found_at(recording: np.ndarray, command: np.ndarray, after: int) -> int:
    """Where ``command`` is in ``recording`` (first searched from ``after``), in samples."""
    part = recording[after:]
    size = 1 << int(np.ceil(np.log2(part.size + command.size)))
    corr = np.fft.irfft(np.fft.rfft(part, size) * np.conj(np.fft.rfft(command, size)), size)
    return after + int(np.argmax(np.abs(corr[: part.size - command.size + 1])))


def question_start(folder: Path) -> float:
    for line in (folder / "trace.jsonl").read_text().splitlines():
        event = json.loads(line)
        if event.get("kind") == "say" and str(event.get("text", "")).startswith(BARGE_PROMPT[:20]):
            return float(event["start"])
    raise SystemExit(f"{folder}: no barge-in question in trace.jsonl")


def cleaned(mic: np.ndarray, played: Played) -> np.ndarray:
    guard = EchoGuard(played)
    pcm16 = np.clip(mic, -32768, 32767).astype("<i2").tobytes()
    step = FRAME_SAMPLES * 2
    out = [
        guard.clean(AudioChunk(pcm16[i : i + step], i // 2)).pcm
        for i in range(0, len(pcm16) - step + 1, step)
    ]
    return np.frombuffer(b"".join(out), dtype="<i2").astype(np.float64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("traces", type=Path, help="a folder of barge-in traces (searched below)")
    parser.add_argument("--at", default="1.0,1.04,1.08", help="seconds into the question")
    parser.add_argument(
        "--commands", default=",".join(BARGE_COMMANDS), help="which commands to mix in"
    )
    args = parser.parse_args()
    folders = sorted(p.parent for p in args.traces.rglob("mic.wav"))
    if not folders:
        raise SystemExit(f"{args.traces}: no barge-in traces (mic.wav) below it")
    wanted = [c for c in args.commands.split(",") if c]
    unknown = sorted(set(wanted) - set(BARGE_COMMANDS))
    if unknown:
        raise SystemExit(f"--commands: no such barge-in command: {', '.join(unknown)}")
    recorded = {c: pcm(fixture_wav(f"cmd-{c}")) for c in BARGE_COMMANDS}
    commands = {c: recorded[c] for c in wanted}
    acted = {c: 0 for c in wanted}
    tried = {c: 0 for c in wanted}
    ratios: list[float] = []
    for folder in folders:
        mic, played = pcm(folder / "mic.wav"), Played(pcm(folder / "ref.wav"))
        start = seconds_to_samples(question_start(folder))
        live = folder.name.split("-")[0]
        end = found_at(mic, recorded[live], start) - seconds_to_samples(MARGIN_S)
        for at_s in (float(a) for a in args.at.split(",")):
            at = start + seconds_to_samples(at_s)
            for name, command in commands.items():
                if at + command.size > end:
                    continue
                mix = mic[:end].copy()
                mix[at : at + command.size] += command
                out = cleaned(mix, played)
                decoder = Decoder()
                got = decoder.decode(out[at - SAMPLE_RATE // 2 :] / 32768.0)
                decoder.close()
                tried[name] += 1
                acted[name] += got.startswith(name)
                for i in range(0, command.size - PIECE_SAMPLES + 1, PIECE_SAMPLES):
                    clean = command[i : i + PIECE_SAMPLES]
                    if db(clean) >= VOICED_DB:
                        heard = out[at + i : at + i + PIECE_SAMPLES]
                        ratios.append(db(clean) - db(heard - clean))
                print(f"{folder.name:10} {at_s:5.2f} s {name:7} {got}", file=sys.stderr)
    each = ", ".join(f"{c} {acted[c]}/{tried[c]}" for c in wanted)
    total = sum(acted.values()), sum(tried.values())
    print(
        f"commands mixed into {len(folders)} echo recordings: "
        f"acted on {total[0]}/{total[1]} ({each})"
    )
    print(
        f"signal to residual over voiced pieces: median {np.median(ratios):.1f} dB, "
        f"10th percentile {np.percentile(ratios, 10):.1f} dB"
    )


if __name__ == "__main__":
    main()
