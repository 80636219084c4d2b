"""The session loop, as data flows:

    source ──frames──▶ gate ──▶ listener (recognizer + end of answer) ──events──▶ machine
                        ▲                                                          │
                        └──── closed while the voice speaks ◀── lines to say ──────┘
                                                         journal ◀── records ──────┘

One thread runs it: a live microphone's callback only queues bytes, and frames are decoded
here. Time is audio time: ``now`` is the end of the last frame read.
"""

from __future__ import annotations

import threading
from typing import Protocol

from voicecoach.audio.gate import HalfDuplexGate
from voicecoach.audio.sink import AudioSink
from voicecoach.audio.source import AudioSource
from voicecoach.coach.machine import SessionMachine
from voicecoach.speech.events import ListenEvent, Partial
from voicecoach.speech.listener import Listener
from voicecoach.speech.tts import TextToSpeech
from voicecoach.store.records import SessionRecord


class Progress(Protocol):
    """Shows the conversation as it happens (the terminal, or nothing)."""

    def coach(self, text: str) -> None: ...
    def heard(self, event: ListenEvent) -> None: ...


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

    def say(self, text: str, now: int) -> None:
        pcm = self.tts.render(text)
        start = self.gate.coach_speaks(now, len(pcm) // 2)
        self.sink.play(pcm, start)


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

    # CoachIO, for the machine
    def say(self, text: str) -> None:
        self.progress.coach(text)
        self.voice.say(text, self.now)

    def listen(self) -> None:
        at = self.voice.gate.open_at
        self.listener.start(at)
        self.source.listening(at)

    def stop_listening(self) -> None:
        self.listener.cancel()

    def run(self, machine: SessionMachine) -> SessionRecord:
        """Run the session to its end, or until a stop is requested (what was said is kept)."""
        machine.begin()
        frames = self.source.frames()
        while not machine.finished:
            if self.stop_requested.is_set():
                self.listener.cancel()
                machine.stop()
                break
            chunk = next(frames)
            self.now = chunk.end
            if not self.voice.gate.passes(chunk):
                continue
            event = self.listener.feed(chunk)
            if event is None:
                continue
            self.progress.heard(event)
            if not isinstance(event, Partial):
                machine.hear(event)
        return machine.record
