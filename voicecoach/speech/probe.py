"""Load a Vosk model in a child process, bounded in time and memory, before trusting it.

A model can have every file of the right layout and still be junk: Kaldi then fails deep
inside (or aborts the whole process, or allocates without end). `models add` and `doctor` load
the model here, in a process of its own, so none of that reaches the caller: the result is a
VerifyReport, or one ModelError line saying what went wrong.

Run as ``python -m voicecoach.speech.probe FOLDER NAME``: prints the report as one JSON line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from voicecoach.errors import ModelError
from voicecoach.speech.models import InstalledModel, folder_size, language_of

PROBE_TIMEOUT_S = 180.0
"""Seconds a model may take to load and decode a second of audio (big models on a Pi)."""
MIN_MEMORY_BYTES = 1 << 30
"""Resident memory every probe may use (the interpreter, Vosk and a small model fit easily)."""
MEMORY_PER_MODEL_BYTE = 6
"""Beyond that: this many bytes of resident memory per byte of the model folder."""
POLL_S = 0.05
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
"""Numeric libraries in the child start no thread pools (one decoding thread is enough)."""


def memory_bound(folder: Path) -> int:
    """The resident-memory limit (bytes) for loading the model in ``folder``."""
    return max(MIN_MEMORY_BYTES, MEMORY_PER_MODEL_BYTE * folder_size(folder))


def _resident(pid: int) -> int:
    """A process's resident set size in bytes (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _why(stderr: str) -> str:
    """The last line Kaldi or Python wrote that says something, shortened."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if "error" in line.lower():
            return line[-160:]
    return lines[-1][-160:] if lines else "no message"


def _run_bounded(
    argv: list[str], name: str, timeout_s: float, memory_bytes: int
) -> tuple[int, str, str]:
    """Run the child; kill it past the time or memory bound (ModelError saying which)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        try:
            child = subprocess.Popen(
                argv,
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **ONE_THREAD},
                text=True,
            )
        except OSError as exc:
            raise ModelError(f"{name}: cannot start a process to load it ({exc.strerror})") from exc
        deadline = time.monotonic() + timeout_s
        peak = 0
        try:
            while child.poll() is None:
                peak = max(peak, _resident(child.pid))
                if peak > memory_bytes:
                    raise ModelError(
                        f"{name}: the model needs more than {memory_bytes / 2**30:.1f} GB "
                        "of memory to load"
                    )
                if time.monotonic() > deadline:
                    raise ModelError(f"{name}: the model did not load within {timeout_s:g} s")
                time.sleep(POLL_S)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        out.seek(0)
        err.seek(0)
        return child.returncode, out.read(), err.read()


def probe_model(
    folder: Path,
    name: str,
    timeout_s: float = PROBE_TIMEOUT_S,
    memory_bytes: int | None = None,
) -> dict[str, object]:
    """Load the model and decode a second of audio in a child process.

    Returns the child's VerifyReport record (load_s, rss_growth_mb, decode_s, text, …).
    Raises ModelError (one line naming the model) when it does not load, crashes the child,
    takes longer than ``timeout_s`` seconds or more than ``memory_bytes`` of resident memory.
    """
    bound = memory_bound(folder) if memory_bytes is None else memory_bytes
    argv = [sys.executable, "-m", "voicecoach.speech.probe", str(folder), name]
    code, stdout, stderr = _run_bounded(argv, name, timeout_s, bound)
    last = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    try:
        doc = json.loads(last) if last else {}
    except json.JSONDecodeError:
        doc = {}
    if code == 0 and isinstance(doc, dict) and "load_s" in doc:
        return doc
    if isinstance(doc, dict) and isinstance(doc.get("error"), str):
        raise ModelError(doc["error"])
    reason = f"the process loading it was ended by signal {-code}" if code < 0 else _why(stderr)
    raise ModelError(f"{name}: not a working Vosk model ({reason})")


def main(argv: list[str]) -> int:
    """The child: load, decode, print one JSON line (the report, or {"error": …})."""
    from voicecoach.speech.verify import verify_model

    folder, name = Path(argv[0]), argv[1]
    model = InstalledModel(name=name, language=language_of(name), path=folder, origin="folder")
    try:
        report = verify_model(model)
    except ModelError as exc:
        print(json.dumps({"error": str(exc)}), flush=True)
        return 1
    except MemoryError:
        print(json.dumps({"error": f"{name}: not a working Vosk model (out of memory)"}))
        return 1
    print(json.dumps(report.to_record()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
