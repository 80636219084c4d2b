"""Piper: a neural voice (ONNX), rendered sentence by sentence and resampled once to 16 kHz.

Piper is optional (the ``piper`` extra, GPL-3.0); it is imported here only.
The speaking rate maps to Piper's ``length_scale`` (phoneme length: above 1 is slower), so
"slower" and "faster" work as with pyttsx3; sentences are joined by a pause that grows with it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.audio.wavfile import resample, to_pcm16
from voicecoach.errors import VoiceError
from voicecoach.frames import SAMPLE_RATE

log = logging.getLogger(__name__)

ENGINE = "piper"

NATURAL_RATE = 160
"""Words per minute that stand for the voice's own pace (coach.rate's default)."""
SENTENCE_PAUSE_S = 0.35
"""Silence between two sentences at the voice's own pace."""
END_PAUSE_S = 0.05
"""Silence after the last sentence (the gate adds its own tail)."""


def length_scale_for(rate: int, voice_scale: float = 1.0) -> float:
    """Piper's length_scale for a rate in words per minute (160 → the voice's own pace)."""
    return voice_scale * NATURAL_RATE / max(1, rate)


def piper_available() -> bool:
    """Is the piper-tts package installed (without importing it)?"""
    import importlib.util

    return importlib.util.find_spec("piper") is not None


class PiperSynthesizer:
    """A loaded Piper voice; renders text to 16 kHz mono int16 PCM.

    Raises VoiceError when piper-tts is missing or the voice files are missing or damaged.
    """

    engine = ENGINE

    def __init__(self, name: str, model: Path, config: Path | None = None) -> None:
        self.voice = name
        """The voice's name, e.g. "en_US-joe-medium"; part of the render cache key."""
        self.model = model
        self.config = config or model.with_name(model.name + ".json")
        self._voice = self._load()
        self.sample_rate = int(self._voice.config.sample_rate)
        """The voice's own rate (Hz), usually 22,050."""
        self._voice_scale = float(self._voice.config.length_scale or 1.0)

    @property
    def label(self) -> str:
        return f"Piper {self.voice}"

    def _load(self) -> Any:
        if not piper_available():
            from voicecoach.extras import install_command

            raise VoiceError(
                f"Piper is not installed: {install_command('piper')} (GPL-3.0), "
                'or set coach.voice_engine = "pyttsx3"'
            )
        for path in (self.model, self.config):
            if not path.is_file():
                raise VoiceError(f"voice {self.voice}: {path} is missing")
        try:
            json.loads(self.config.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise VoiceError(f"voice {self.voice}: {self.config} is damaged ({exc})") from exc
        from piper import PiperVoice

        try:
            return PiperVoice.load(self.model, config_path=self.config)
        except Exception as exc:  # onnxruntime raises its own, undocumented classes
            reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
            raise VoiceError(f"voice {self.voice}: {self.model} is damaged ({reason})") from exc

    def check(self) -> None:
        """Nothing to do: the voice was loaded (and checked) when this was made."""

    def synthesize(self, text: str, rate: int, volume: float, scratch: Path) -> bytes:
        """The line as 16 kHz mono int16 PCM; rate in words per minute, volume 0–1.

        scratch is unused (Piper renders in memory); it keeps the synthesizers alike.
        """
        from piper import SynthesisConfig

        scale = length_scale_for(rate, self._voice_scale)
        syn = SynthesisConfig(length_scale=scale, volume=volume)
        pause = np.zeros(int(self.sample_rate * SENTENCE_PAUSE_S * scale), dtype=np.float32)
        parts: list[np.ndarray] = []
        for chunk in self._voice.synthesize(text, syn):
            if parts:
                parts.append(pause)
            parts.append(chunk.audio_float_array)
        if not parts:
            return b""
        parts.append(np.zeros(int(self.sample_rate * END_PAUSE_S), dtype=np.float32))
        audio = np.concatenate(parts).astype(np.float64)
        return to_pcm16(resample(audio, self.sample_rate, SAMPLE_RATE))
