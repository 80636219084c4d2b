"""The speakers through sounddevice: plays the coach's voice and returns when it is heard."""

from __future__ import annotations

from typing import Any

import numpy as np

from voicecoach.audio.devices import LIST_HINT, default_rate, device_arg, sounddevice
from voicecoach.audio.wavfile import resample
from voicecoach.errors import AudioDeviceError
from voicecoach.frames import SAMPLE_RATE


class Speakers:
    """An output device; audio is resampled when the device refuses 16 kHz."""

    def __init__(self, device: str = "") -> None:
        self.name = "speakers"
        self._device = device_arg(device)
        self._sd: Any = sounddevice()
        self._rate = SAMPLE_RATE
        self._check()

    def _check(self) -> None:
        try:
            self._sd.check_output_settings(device=self._device, samplerate=SAMPLE_RATE, channels=1)
            self._rate = SAMPLE_RATE
        except (ValueError, self._sd.PortAudioError):
            self._rate = default_rate("output", self._device)

    def play(self, pcm: bytes, at: int) -> None:
        samples = np.frombuffer(pcm, dtype="<i2")
        if self._rate != SAMPLE_RATE:
            samples = (resample(samples / 32768.0, SAMPLE_RATE, self._rate) * 32767).astype("<i2")
        try:
            self._sd.play(samples, self._rate, device=self._device, blocking=True)
        except (ValueError, self._sd.PortAudioError) as exc:
            raise AudioDeviceError(
                f"cannot play on the speakers ({exc}); {LIST_HINT}", "output"
            ) from exc

    def reopen(self) -> None:
        """After the device went away: check it is there again (each line opens a new stream)."""
        self._check()

    def close(self) -> None:
        self._sd.stop()
