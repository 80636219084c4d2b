"""The live microphone through sounddevice; the callback only enqueues bytes."""

from __future__ import annotations

import logging
import queue
from collections.abc import Iterator
from typing import Any

import numpy as np

from voicecoach.audio.devices import LIST_HINT, default_rate, device_arg, sounddevice
from voicecoach.audio.source import FRAME_BYTES
from voicecoach.audio.wavfile import resample, to_pcm16
from voicecoach.errors import AudioDeviceError
from voicecoach.frames import FRAME_SAMPLES, SAMPLE_RATE, AudioChunk

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 2.0
"""A device that delivers nothing for this long is taken as gone."""


class Microphone:
    """16 kHz mono frames from an input device (resampled when it refuses 16 kHz)."""

    def __init__(self, device: str = "") -> None:
        self.name = "microphone"
        self._device = device_arg(device)
        self._queue: queue.Queue[bytes] = queue.Queue()
        self.overflows = 0
        """Input overflows the device reported (audio lost before we could read it)."""
        self._stream: Any = None
        self._rate = SAMPLE_RATE

    def _callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        if status.input_overflow:
            self.overflows += 1
        self._queue.put(bytes(indata))

    def open(self) -> None:
        sd = sounddevice()
        try:
            self._stream = self._open_at(sd, SAMPLE_RATE)
        except (sd.PortAudioError, ValueError):
            rate = default_rate("input", self._device)
            try:
                self._stream = self._open_at(sd, rate)
            except (sd.PortAudioError, ValueError) as exc:
                raise AudioDeviceError(f"cannot open the microphone ({exc}); {LIST_HINT}") from exc
        self._stream.start()

    def _open_at(self, sd: Any, rate: int) -> Any:
        self._rate = rate
        return sd.RawInputStream(
            samplerate=rate,
            blocksize=int(rate * FRAME_SAMPLES / SAMPLE_RATE),
            device=self._device,
            channels=1,
            dtype="int16",
            callback=self._callback,
        )

    def frames(self) -> Iterator[AudioChunk]:
        if self._stream is None:
            self.open()
        start = 0
        pending = b""
        while True:
            try:
                block = self._queue.get(timeout=READ_TIMEOUT_S)
            except queue.Empty as exc:
                raise AudioDeviceError(
                    f"the microphone stopped sending audio; {LIST_HINT}"
                ) from exc
            if self._rate != SAMPLE_RATE:
                samples = np.frombuffer(block, dtype="<i2").astype(np.float64) / 32768.0
                block = to_pcm16(resample(samples, self._rate, SAMPLE_RATE))
            pending += block
            while len(pending) >= FRAME_BYTES:
                yield AudioChunk(pcm=pending[:FRAME_BYTES], start=start)
                pending = pending[FRAME_BYTES:]
                start += FRAME_SAMPLES

    def listening(self, at: int) -> None:
        """A live person answers when they like."""

    def close(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None
        if self.overflows:
            log.info("microphone input overflowed %d times", self.overflows)
