"""The frame pump: the one place frames are read, audio time is kept, and each frame is handed
on with what the coach is doing at that moment.

    source ──chunk──▶ EchoGuard (the coach's own voice taken out) ──▶ Frame(chunk, speaking)

The pump does not decide what a frame is for: the session loop gives it to the listener (and
stops the voice when a person speaks over it), the always-on loop to the wake spotter. One
stream runs across every ``frames()`` call, so audio time never starts again at zero; a lost
device raises ``AudioDeviceError`` from ``frames()`` and ``reopen()`` opens it again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from voicecoach.audio.devices import Reopenable
from voicecoach.audio.echo import EchoGuard
from voicecoach.audio.source import AudioSource
from voicecoach.audio.voice import Speaking, Voice
from voicecoach.errors import AudioDeviceError
from voicecoach.frames import AudioChunk


@dataclass(frozen=True)
class Frame:
    """One frame of the room, and what the coach was doing while it was heard."""

    chunk: AudioChunk
    """The microphone's audio with the coach's own echo taken out."""
    speaking: Speaking | None
    """The line (and sample of it) audible during the frame; None when the coach was silent."""


class FramePump:
    """Reads a source frame by frame for the whole run (sessions and waiting alike)."""

    def __init__(
        self,
        source: AudioSource,
        voice: Voice,
        echo: EchoGuard | None = None,
        on_speaking: Callable[[bool], None] | None = None,
    ) -> None:
        self.source = source
        self.voice = voice
        self.echo = echo
        self.on_speaking = on_speaking
        """Told when the coach becomes audible (True) or falls silent (False): a lamp."""
        self._speaking = False
        self.name = source.name
        self.now = 0
        """Audio time (samples) at the end of the last frame read."""
        self._stream: Iterator[AudioChunk] | None = None

    def frames(self) -> Iterator[Frame]:
        """Frames in order; ends when the source does, raises AudioDeviceError if it is lost."""
        while True:
            if self._stream is None:
                self._stream = iter(self.source.frames())
            try:
                chunk = next(self._stream)
            except AudioDeviceError:
                self._stream = None
                raise
            except StopIteration:
                return
            self.now = chunk.end
            self.voice.heard_until(chunk.end)
            speaking = self.voice.speaking(chunk.start) or self.voice.speaking(chunk.end - 1)
            if (speaking is not None) != self._speaking:
                self._speaking = speaking is not None
                if self.on_speaking is not None:
                    self.on_speaking(self._speaking)
            if self.echo is not None:
                chunk = self.echo.clean(chunk)
            yield Frame(chunk=chunk, speaking=speaking)

    def listening(self, at: int) -> None:
        """The coach listens from ``at``: a scripted person answers then."""
        self.source.listening(at)

    @property
    def lost_blocks(self) -> int:
        return self.source.lost_blocks

    def reopen(self) -> None:
        """Open the lost device again; the stream goes on at the same audio time."""
        self._stream = None
        if isinstance(self.source, Reopenable):
            self.source.reopen()

    def close(self) -> None:
        self.source.close()
