"""The live microphone through sounddevice; the callback only enqueues bytes."""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from voicecoach.audio.devices import (
    LIST_HINT,
    abandon,
    default_rate,
    device_arg,
    rescan,
    sounddevice,
)
from voicecoach.audio.source import FRAME_BYTES
from voicecoach.audio.wavfile import resample, to_pcm16
from voicecoach.errors import AudioDeviceError
from voicecoach.frames import FRAME_SAMPLES, SAMPLE_RATE, AudioChunk

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 2.0
"""A device that delivers nothing for this long is taken as gone."""

POLL_S = 0.25
"""How often a silent device is checked for having stopped (a stream that died is inactive)."""

QUEUE_BLOCKS = 600
"""Blocks (100 ms each) kept while the loop is busy; beyond that audio is dropped and counted."""


class Microphone:
    """16 kHz mono frames from an input device (resampled when it refuses 16 kHz).

    Audio time runs on across ``frames()`` calls and ``reopen()``: a lost device costs no
    audio time, it is simply not heard.
    """

    def __init__(self, device: str = "") -> None:
        self.name = "microphone"
        self._device = device_arg(device)
        self._queue: queue.Queue[bytes] = queue.Queue(maxsize=QUEUE_BLOCKS)
        self.overflows = 0
        """Input overflows the device reported (audio lost before we could read it)."""
        self.dropped = 0
        """Blocks dropped because the loop fell more than a minute behind."""
        self.reopened = 0
        """Times the device was opened again after it went away."""
        self._stream: Any = None
        self._rate = SAMPLE_RATE
        self._next_start = 0
        self._pending = b""

    def _callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        if status.input_overflow:
            self.overflows += 1
        try:
            self._queue.put_nowait(bytes(indata))
        except queue.Full:
            self.dropped += 1

    def open(self) -> None:
        sd = sounddevice()
        try:
            self._stream = self._open_at(sd, SAMPLE_RATE)
        except (sd.PortAudioError, ValueError):
            try:
                rate = default_rate("input", self._device)
                self._stream = self._open_at(sd, rate)
            except (sd.PortAudioError, ValueError) as exc:
                raise AudioDeviceError(
                    f"cannot open the microphone ({exc}); {LIST_HINT}", "input"
                ) from exc
        try:
            self._stream.start()
        except sd.PortAudioError as exc:
            self._discard_stream()
            raise AudioDeviceError(
                f"cannot start the microphone ({exc}); {LIST_HINT}", "input"
            ) from exc

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

    def reopen(self) -> None:
        """Drop the stream that died, list the devices again and open the microphone anew."""
        self._discard_stream()
        rescan()
        self.open()
        self.reopened += 1
        log.warning("microphone open again")

    def _discard_stream(self) -> None:
        stream, self._stream = self._stream, None
        abandon(stream, "microphone")
        self._pending = b""
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break

    def _read_block(self) -> bytes:
        deadline = time.monotonic() + READ_TIMEOUT_S
        while True:
            try:
                return self._queue.get(timeout=POLL_S)
            except queue.Empty:
                stream = self._stream
                if stream is None or not stream.active or time.monotonic() >= deadline:
                    break
        self._discard_stream()
        raise AudioDeviceError(f"the microphone stopped sending audio; {LIST_HINT}", "input")

    def frames(self) -> Iterator[AudioChunk]:
        if self._stream is None:
            self.open()
        while True:
            block = self._read_block()
            if self._rate != SAMPLE_RATE:
                samples = np.frombuffer(block, dtype="<i2").astype(np.float64) / 32768.0
                block = to_pcm16(resample(samples, self._rate, SAMPLE_RATE))
            self._pending += block
            while len(self._pending) >= FRAME_BYTES:
                chunk = AudioChunk(pcm=self._pending[:FRAME_BYTES], start=self._next_start)
                self._pending = self._pending[FRAME_BYTES:]
                self._next_start += FRAME_SAMPLES
                yield chunk

    def listening(self, at: int) -> None:
        """A live person answers when they like."""

    @property
    def lost_blocks(self) -> int:
        """Input overflows plus blocks dropped because the loop fell behind."""
        return self.overflows + self.dropped

    def close(self) -> None:
        self._discard_stream()
        if self.overflows or self.dropped:
            log.info(
                "microphone input overflowed %d times, %d blocks dropped",
                self.overflows,
                self.dropped,
            )
