"""Does an installed model really work? Load it with Vosk and decode a little audio."""

from __future__ import annotations

import json
import resource
import time
from dataclasses import dataclass
from pathlib import Path

from voicecoach.errors import ModelError
from voicecoach.frames import SAMPLE_RATE, SAMPLE_WIDTH
from voicecoach.speech.models import InstalledModel, check_layout

VERIFY_AUDIO_S = 1.0
"""Seconds of audio run through the loaded model."""


@dataclass(frozen=True)
class VerifyReport:
    """What loading and using a model cost."""

    name: str
    path: Path
    load_s: float
    """Wall-clock seconds to load the model."""
    rss_growth: int
    """Bytes the process grew by while loading (resident set size)."""
    audio_s: float
    """Seconds of audio decoded."""
    decode_s: float
    """Wall-clock seconds spent decoding it (recognizer creation included)."""
    text: str
    """What the model heard in that audio (may be empty)."""

    def to_record(self) -> dict[str, object]:
        return {
            "name": self.name,
            "path": str(self.path),
            "load_s": round(self.load_s, 3),
            "rss_growth_mb": round(self.rss_growth / 1e6, 1),
            "audio_s": self.audio_s,
            "decode_s": round(self.decode_s, 3),
            "text": self.text,
        }


def resident_bytes() -> int:
    """This process's resident set size now (VmRSS), or its peak where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def sample_audio(seconds: float = VERIFY_AUDIO_S) -> bytes:
    """The start of a bundled spoken answer (any language decodes it; silence if missing)."""
    from voicecoach.audio.wavfile import read_wav

    wanted = int(seconds * SAMPLE_RATE) * SAMPLE_WIDTH
    sample = Path(__file__).resolve().parents[1] / "data" / "samples" / "patience-1.wav"
    pcm = read_wav(sample)[:wanted] if sample.is_file() else b""
    return pcm + bytes(wanted - len(pcm))


def verify_model(model: InstalledModel, pcm: bytes | None = None) -> VerifyReport:
    """Load the model, run audio through it, and measure; ModelError when Vosk cannot."""
    from voicecoach.speech.vosk_engine import kaldi_recognizer, load_model

    check_layout(model.path, model.name)
    pcm = sample_audio() if pcm is None else pcm
    before = resident_bytes()
    started = time.perf_counter()
    vosk_model = load_model(model.path)
    load_s = time.perf_counter() - started
    growth = max(0, resident_bytes() - before)

    started = time.perf_counter()
    try:
        recognizer = kaldi_recognizer(vosk_model, SAMPLE_RATE)
        step = SAMPLE_RATE // 10 * SAMPLE_WIDTH
        for offset in range(0, len(pcm), step):
            recognizer.AcceptWaveform(pcm[offset : offset + step])
        text = str(json.loads(recognizer.FinalResult()).get("text", ""))
    except Exception as exc:  # vosk raises bare Exceptions
        raise ModelError(f"{model.name}: loaded, but decoding failed ({exc})") from exc
    decode_s = time.perf_counter() - started
    return VerifyReport(
        name=model.name,
        path=model.path,
        load_s=load_s,
        rss_growth=growth,
        audio_s=len(pcm) / SAMPLE_WIDTH / SAMPLE_RATE,
        decode_s=decode_s,
        text=text,
    )
