"""The session loop, as data flows:

    source ──frames──▶ gate ──▶ listener (recognizer + end of answer) ──events──▶ machine
                        ▲                                                          │
                        └──── closed while the voice speaks ◀── lines to say ──────┘
                                                         journal ◀── records ──────┘

One thread runs it: a live microphone's callback only queues bytes, and frames are decoded
here. Time is audio time: ``now`` is the end of the last frame read.

When the microphone (or speaker) goes away, the session pauses, the device is opened again
every few seconds, and once it is back the coach says so and asks the current question again;
if it does not come back in time the session ends as stopped, answers kept.
"""

from __future__ import annotations

import logging
import threading
from array import array
from collections.abc import Iterator
from typing import Protocol

from transitions import MachineError

from voicecoach.audio.devices import RetryPolicy, reopen_with_retries
from voicecoach.audio.gate import HalfDuplexGate
from voicecoach.audio.sink import AudioSink
from voicecoach.audio.source import AudioSource
from voicecoach.coach import options as say
from voicecoach.coach.machine import SessionMachine
from voicecoach.errors import AudioDeviceError
from voicecoach.frames import AudioChunk, seconds_to_samples
from voicecoach.speech.events import ListenEvent, Partial
from voicecoach.speech.listener import Listener
from voicecoach.speech.tts import TextToSpeech
from voicecoach.stop import urgent
from voicecoach.store.records import SessionRecord

log = logging.getLogger(__name__)

RATE_RANGE = (80, 300)
"""Speaking rates (words per minute) "slower" and "faster" stay within."""

DEVICE_BACK = "I can hear you again. Let's continue."
"""Said when a lost device is back, before the current question is asked again."""

GOODBYE = say.GOODBYE
"""Said when the session is stopped from outside (Ctrl-C): short, at most a second."""


class Progress(Protocol):
    """Shows the conversation as it happens (the terminal, or nothing)."""

    def coach(self, text: str) -> None: ...
    def heard(self, event: ListenEvent) -> None: ...


class FrameTap(Protocol):
    """Sees the frames of each listening turn, e.g. to keep the answers' audio."""

    def listening(self, at: int) -> None: ...
    def heard(self, chunk: AudioChunk) -> None: ...


class QuietProgress:
    """Shows nothing."""

    def coach(self, text: str) -> None:
        """Nothing shown."""

    def heard(self, event: ListenEvent) -> None:
        """Nothing shown."""


class Voice:
    """The coach's voice: text → rendered speech → the sink, closing the gate meanwhile."""

    def __init__(self, tts: TextToSpeech, sink: AudioSink, gate: HalfDuplexGate) -> None:
        self.tts = tts
        self.sink = sink
        self.gate = gate

    def say(self, text: str, now: int, pause: float = 0.0) -> None:
        """Say a line; when it follows another line, ``pause`` seconds of silence come between
        them (the rendered silence at either end is trimmed, so the pause is what is heard)."""
        if urgent():
            return  # SIGTERM or a second Ctrl-C: nothing more is said
        pcm = trim_silence(self.tts.render(text))
        after = self.gate.speech_end + seconds_to_samples(pause) if self.gate.speech_end else 0
        start = self.gate.coach_speaks(max(now, after), len(pcm) // 2)
        self.sink.play(pcm, start)


SILENCE_LEVEL = 300
"""Peak sample level (int16) below which a 10 ms window at a line's edge is silence."""


def trim_silence(pcm: bytes, keep: int = 480) -> bytes:
    """PCM with the silence at its start and end cut, ``keep`` samples (30 ms) left each side."""
    samples = array("h", pcm)
    window = 160
    loud = [
        i
        for i in range(0, len(samples), window)
        if max(map(abs, samples[i : i + window]), default=0) > SILENCE_LEVEL
    ]
    if not loud:
        return pcm
    first = max(0, loud[0] - keep)
    last = min(len(samples), loud[-1] + window + keep)
    return samples[first:last].tobytes()


class SessionLoop:
    """Feeds frames through the stages until the machine says the session is over."""

    def __init__(
        self, source: AudioSource, listener: Listener, voice: Voice, progress: Progress
    ) -> None:
        self.source = source
        self.listener = listener
        self.voice = voice
        self.progress = progress
        self.now = 0
        """Audio time (samples) at the end of the last frame read."""
        self.stop_requested = threading.Event()
        """Set (e.g. by a signal handler) to end the session politely at the next frame."""
        self.retry = RetryPolicy()
        """How a lost device is waited for ([audio] retry_every_s and give_up_s)."""
        self._device_lost: AudioDeviceError | None = None
        self._unshown: ListenEvent | None = None
        self.tap: FrameTap | None = None
        """Optional: given every frame the listener gets (set by `session` when saving audio)."""

    # CoachIO, for the machine
    def say(self, text: str, pause: float = 0.0) -> None:
        self._show_heard()
        self.progress.coach(text)
        if self._device_lost is not None:
            return  # not heard: the question is asked again once the device is back
        try:
            self.voice.say(text, self.now, pause)
        except AudioDeviceError as exc:
            self._device_lost = exc

    def listen(self, wait: int | None = None) -> None:
        """Listen once the coach has finished speaking; ``wait`` replaces the no-answer wait."""
        at = self.voice.gate.open_at
        self.listener.start(at, wait)
        self.source.listening(at)
        if self.tap is not None:
            self.tap.listening(at)

    def stop_listening(self) -> None:
        self.listener.cancel()

    def change_rate(self, step: int) -> bool:
        """Speak ``step`` words per minute faster (negative: slower), within 80–300."""
        tts = self.voice.tts
        rate = min(RATE_RANGE[1], max(RATE_RANGE[0], tts.rate + step))
        changed = rate != tts.rate
        tts.rate = rate
        return changed

    def run(self, machine: SessionMachine) -> SessionRecord:
        """Run the session to its end, or until a stop is requested (what was said is kept)."""
        machine.begin()
        frames = self.source.frames()
        while not machine.finished:
            if self.stop_requested.is_set():
                self.listener.cancel()
                machine.stop(line=say.GOODBYE)  # stopped from outside: a short goodbye
                break
            try:
                chunk = self._next_frame(frames)
            except AudioDeviceError as exc:
                if not self._recover(machine, exc):
                    break
                frames = self.source.frames()
                continue
            self.now = chunk.end
            if not self.voice.gate.passes(chunk):
                continue
            if self.tap is not None and self.listener.active:
                self.tap.heard(chunk)
            event = self.listener.feed(chunk)
            if event is None:
                continue
            if isinstance(event, Partial):
                self.progress.heard(event)
                continue
            self._unshown = event  # shown once the machine has kept (saved) it, before its reply
            machine.hear(event)
            self._show_heard()
        return machine.record

    def _show_heard(self) -> None:
        """Show the answer just heard: after the journal has it, so what is shown is kept."""
        event, self._unshown = self._unshown, None
        if event is not None:
            self.progress.heard(event)

    def _next_frame(self, frames: Iterator[AudioChunk]) -> AudioChunk:
        if self._device_lost is not None:
            raise self._device_lost
        return next(frames)

    def _recover(self, machine: SessionMachine, exc: AudioDeviceError) -> bool:
        """Pause, wait for the device, then go on; False when the session ended instead."""
        log.warning("audio device lost (%s); the session is paused", exc)
        self._device_lost = exc
        try:
            machine.pause(reason="device-lost")
        except MachineError:
            self.listener.cancel()
        devices = [self.source, self.voice.sink]
        back = reopen_with_retries(devices, self.retry, self.stop_requested)
        self._device_lost = None
        if not back:
            if not machine.finished:
                self.listener.cancel()
                machine.stop()
            return False
        try:
            machine.resume(reason="device-back", line=DEVICE_BACK)
        except MachineError:
            log.debug("device back while %s: nothing to resume", machine.state)
        return True
