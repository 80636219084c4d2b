"""Memory of `--mic-file`: a 30-minute recording replayed as the microphone, at any rate.

For each format a 30-minute WAV is written (sparse: silence, no disk used) and every frame of
it is taken from ``WavFileSource`` in a fresh process; the process's peak resident memory
(ru_maxrss) is reported beside that of a process that only imports the same modules, in the
same run. Pass ``--whole`` to also time ``read_wav`` (the whole file converted at once, as
answers are) for comparison.

Run: ``python benchmarks/bench_wav_input.py [--minutes 30] [--whole]``.
"""

from __future__ import annotations

import argparse
import json
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORMATS = [(16000, 1, 2), (44100, 2, 2), (48000, 2, 3), (96000, 1, 4)]
"""(rate Hz, channels, bytes per sample)."""

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from voicecoach.audio.source import WavFileSource
from voicecoach.audio.wavfile import WavReader, read_wav
from voicecoach.frames import FRAME_SAMPLES
mode, path = sys.argv[2], Path(sys.argv[3])
started = time.process_time()
samples = 0
if mode == "stream":
    total = WavReader(path).samples
    source = WavFileSource(path, fast=True)
    for chunk in source.frames():
        samples += FRAME_SAMPLES
        if samples >= total:
            break
    source.close()
elif mode == "whole":
    samples = len(read_wav(path)) // 2
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"peak": peak, "cpu_s": time.process_time() - started, "samples": samples}))
"""


def sparse_wav(path: Path, rate: int, channels: int, width: int, seconds: float) -> Path:
    data = int(rate * seconds) * channels * width
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF", min(0xFFFFFFFF, 36 + data), b"WAVE", b"fmt ", 16, 1, channels, rate,
        rate * channels * width, channels * width, width * 8, b"data", min(0xFFFFFFFF, data),
    )  # fmt: skip
    with path.open("wb") as handle:
        handle.write(header)
        handle.truncate(len(header) + data)
    return path


def run(mode: str, path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(ROOT), mode, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--whole", action="store_true")
    args = parser.parse_args()
    seconds = args.minutes * 60
    with tempfile.TemporaryDirectory() as scratch:
        baseline = run("import", sparse_wav(Path(scratch) / "x.wav", 16000, 1, 2, 1))
        print(f"imports only: peak {baseline['peak'] / 1e6:.0f} MB")
        print(
            "| format | file | peak RSS, streamed | above imports | CPU s |"
            + (" peak RSS, whole file |" if args.whole else "")
        )
        print("| --- | --- | --- | --- | --- |" + (" --- |" if args.whole else ""))
        for rate, channels, width in FORMATS:
            path = sparse_wav(Path(scratch) / "in.wav", rate, channels, width, seconds)
            size = path.stat().st_size
            stream = run("stream", path)
            expected = int(round(seconds * 16000))
            assert abs(stream["samples"] - expected) <= 1600, stream
            row = (
                f"| {rate / 1000:g} kHz, {channels} ch, {width * 8}-bit "
                f"| {size / 1e6:.0f} MB | {stream['peak'] / 1e6:.0f} MB "
                f"| {(stream['peak'] - baseline['peak']) / 1e6:+.0f} MB | {stream['cpu_s']:.1f} |"
            )
            if args.whole:
                whole = run("whole", path)
                row += f" {whole['peak'] / 1e6:.0f} MB |"
            print(row)
            path.unlink()


if __name__ == "__main__":
    main()
