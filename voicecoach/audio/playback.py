"""The speakers through sounddevice: one output stream for the whole run, fed by a callback.

``play`` only queues samples; PortAudio's callback takes them as the device needs them, so the
loop goes on reading the microphone while the coach speaks. The stream's own latency says how
late a queued sample becomes audible; ``stop`` drops what is still queued (a barge-in).

Lines are placed in audio time: the callback counts every sample it hands the device (silence
too), which is the speakers' clock. The audio time the queue ends at is known from the line
queued last, and runs on with that clock once the queue is empty; a line asked for later than
that is preceded by silence (the pause between two lines), one asked for earlier plays as soon
as what is before it has played, and ``play`` says when that is.

When the callback comes late (a busy machine), the device plays silence it was never handed (an
underrun) and everything queued is heard that much later: the device's own time for each block
(PortAudio's DAC time) says by how much, the clock is moved on by it, and the slip is reported
(``slips``) so that the voice's record of what is audible when (the echo check's reference)
stays true. On a loaded two-core machine the speakers fell up to 8 s behind in one 20 s
session, and the echo check looked for the coach's echo where it no longer was.
"""

from __future__ import annotations

import logging
import threading
import time
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
from voicecoach.audio.wavfile import resample
from voicecoach.errors import AudioDeviceError
from voicecoach.frames import SAMPLE_RATE, SAMPLE_WIDTH, seconds_to_samples

log = logging.getLogger(__name__)

BLOCK_S = 0.02
"""Length of one callback block: short, so a stop is heard within a few milliseconds."""

LATENCY_S = 0.1
"""Output latency asked of the device: short enough for a quick stop, long enough that a busy
machine does not starve the device (the latency it grants is measured, not assumed)."""

REPLAY_LATENCY_S = 0.5
"""Output latency for playing back a kept recording: nothing needs a quick stop there, and a
deep buffer rides out a busy machine without a dropout."""

DRAIN_MARGIN_S = 1.0
"""On close, how long past the queued audio to wait for the device to play it out."""

SLIP_S = 0.06
"""A block whose device time is this much later than the samples handed before it account for
is behind by a slip (an underrun); less is the device time's own jitter (up to ±0.05 s on the
virtual sound card) and is left to the echo check, which follows a drifting echo."""


class Speakers:
    """An output device; audio is resampled when the device refuses 16 kHz."""

    def __init__(self, device: str = "", latency_s: float = LATENCY_S) -> None:
        """``device``: a sounddevice name or index ("" for the default); ``latency_s``: the
        output latency asked of the device, in seconds."""
        self.name = "speakers"
        self._latency_s = latency_s
        self.echoes = True
        self._device = device_arg(device)
        self._sd: Any = sounddevice()
        self._rate = SAMPLE_RATE
        self._stream: Any = None
        self._lock = threading.Lock()
        self._queued = bytearray()
        """Samples (device rate, int16) not yet taken by the device."""
        self.played = 0
        """Samples (device rate) the device has taken so far."""
        self._clock = 0
        """Samples (device rate) handed to the device so far, silence included."""
        self._end: tuple[int, int] | None = None
        """Audio time (samples) the queued audio ends at, and the clock reading then (None
        before the first line of a stream)."""
        self.underflows = 0
        self._dac: tuple[float, int] | None = None
        """Device time of a block, and the clock then: where the clock is checked against."""
        self._slips: list[tuple[int, int]] = []
        """Slips not yet reported: (audio time the delayed audio was to be sent from, samples)."""
        self._check()

    def _check(self) -> None:
        try:
            self._sd.check_output_settings(device=self._device, samplerate=SAMPLE_RATE, channels=1)
            self._rate = SAMPLE_RATE
        except (ValueError, self._sd.PortAudioError):
            self._rate = default_rate("output", self._device)

    def _callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        if status.output_underflow:
            self.underflows += 1
        wanted = frames * SAMPLE_WIDTH
        dac = float(getattr(time_info, "outputBufferDacTime", 0.0) or 0.0)
        with self._lock:
            if dac > 0.0:  # 0: the host API does not say
                self._follow(dac)
            chunk = bytes(self._queued[:wanted])
            del self._queued[:wanted]
            self._clock += frames
        self.played += len(chunk) // SAMPLE_WIDTH
        outdata[: len(chunk)] = chunk
        if len(chunk) < wanted:
            outdata[len(chunk) :] = bytes(wanted - len(chunk))

    def _follow(self, dac: float) -> None:
        """Move the clock on by the silence the device played unasked before this block (its
        device time ``dac`` later than the samples handed since the last check account for),
        and note the slip of whatever was queued then. Called with the lock held."""
        if self._dac is None:
            self._dac = (dac, self._clock)
            return
        then, clock = self._dac
        late = round((dac - (then + (self._clock - clock) / self._rate)) * self._rate)
        if late < SLIP_S * self._rate:
            return
        self._dac = (dac, self._clock + late)
        queued = len(self._queued) // SAMPLE_WIDTH
        self._clock += late
        if queued and self._end is not None:  # the queued audio is heard that much later
            end, end_clock = self._end
            gap = late * SAMPLE_RATE // self._rate
            self._end = (end + gap, end_clock + late)
            self._slips.append((end - queued * SAMPLE_RATE // self._rate, gap))
        log.debug("the speakers slipped %d samples behind", late)

    def slips(self) -> list[tuple[int, int]]:
        """Slips since the last call: (audio time from which queued audio was to be sent, how
        many samples later it is heard), oldest first."""
        with self._lock:
            slips, self._slips = self._slips, []
        return slips

    def _open(self) -> Any:
        try:
            stream = self._sd.RawOutputStream(
                samplerate=self._rate,
                blocksize=int(self._rate * BLOCK_S),
                device=self._device,
                channels=1,
                dtype="int16",
                latency=self._latency_s,
                callback=self._callback,
            )
            stream.start()
        except (ValueError, self._sd.PortAudioError) as exc:
            raise AudioDeviceError(
                f"cannot play on the speakers ({exc}); {LIST_HINT}", "output"
            ) from exc
        return stream

    @property
    def latency(self) -> int:
        """The output stream's latency in samples of audio time (0 before the first line)."""
        stream = self._stream
        if stream is None:
            return 0
        return seconds_to_samples(float(stream.latency))

    @property
    def pending(self) -> int:
        """Samples (16 kHz) queued and not yet taken by the device."""
        with self._lock:
            queued = len(self._queued) // SAMPLE_WIDTH
        return queued * SAMPLE_RATE // self._rate

    def play(self, pcm: bytes, at: int) -> int:
        """Queue a line to be sent to the device from audio time ``at`` (samples; audible
        ``latency`` later), after what is queued; returns the audio time it is sent from."""
        samples = np.frombuffer(pcm, dtype="<i2")
        if self._rate != SAMPLE_RATE:
            samples = (resample(samples / 32768.0, SAMPLE_RATE, self._rate) * 32767).astype("<i2")
        if self._stream is None:
            self._stream = self._open()
        elif not self._stream.active:
            self._discard()
            raise AudioDeviceError(f"the speakers stopped playing; {LIST_HINT}", "output")
        with self._lock:
            free = self._free_at()
            start = at if free is None else max(at, free)
            gap = 0 if free is None else (start - free) * self._rate // SAMPLE_RATE
            self._queued.extend(bytes(gap * SAMPLE_WIDTH))
            self._queued.extend(samples.tobytes())
            end_clock = self._clock + len(self._queued) // SAMPLE_WIDTH
            self._end = (start + len(pcm) // SAMPLE_WIDTH, end_clock)
        return start

    def _free_at(self) -> int | None:
        """Audio time from which nothing is queued (None: nothing played on this stream yet).
        Called with the lock held."""
        if self._end is None:
            return None
        end, end_clock = self._end
        idle = max(0, self._clock - end_clock) * SAMPLE_RATE // self._rate
        return end + idle

    def stop(self, at: int) -> int:
        """Drop what is queued; return the audio time the device has been sent audio up to
        (``at`` at least): it falls silent ``latency`` after that. What the callback took
        before the stop still plays, and a microphone frame reaches the loop late, so this is
        often well after ``at``."""
        with self._lock:
            if self._end is None:
                return at
            queued = len(self._queued) // SAMPLE_WIDTH * SAMPLE_RATE // self._rate
            sent = max(at, (self._free_at() or at) - queued)
            self._queued.clear()
            self._end = (sent + self.latency, self._clock)
        log.debug("stopped at %d: sent up to %d (%d later)", at, sent, sent - at)
        return sent

    def reopen(self) -> None:
        """After the device went away: drop the dead stream, list the devices again and check
        the speakers are there (the stream opens again with the next line)."""
        self._discard()
        rescan()
        self._check()

    def _discard(self) -> None:
        stream, self._stream = self._stream, None
        with self._lock:
            self._queued.clear()
            self._clock = 0
            self._end = None
            self._dac = None
            self._slips = []
        abandon(stream, "output")

    def close(self) -> None:
        """Let the queued audio play out (bounded), then close the stream: stopped, so what the
        device still buffers is heard too (a busy machine may be well behind the stream's
        nominal latency); a stream that will not stop is abandoned."""
        stream = self._stream
        if stream is not None:
            deadline = time.monotonic() + self.pending / SAMPLE_RATE + DRAIN_MARGIN_S
            while self.pending and stream.active and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(min(float(stream.latency), DRAIN_MARGIN_S))
            try:
                if stream.active:
                    stream.stop()
            except Exception as exc:  # a device gone while closing: abandoned below
                log.debug("stopping the speakers: %s", exc)
        self._discard()
