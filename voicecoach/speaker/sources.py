"""Audio sources for always-on mode: one stream shared by waiting and sessions.

``SharedSource`` keeps one stream of frames going across the idle loop and every session (audio
time never starts again at zero). ``RoomAndAnswers`` is the headless twin of a living room: a
recording of the room (looped if asked) while idle, and a scripted person who answers each
listening turn with the next WAV.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from voicecoach.audio.devices import Reopenable
from voicecoach.audio.source import AudioSource, ScriptedAnswers, wav_frames
from voicecoach.audio.wavfile import check_wav
from voicecoach.errors import AudioDeviceError
from voicecoach.frames import AudioChunk


class SharedSource:
    """Wraps a source so that every ``frames()`` call continues the same stream."""

    def __init__(self, source: AudioSource) -> None:
        self.source = source
        self.name = source.name
        self._stream: Iterator[AudioChunk] | None = None

    def frames(self) -> Iterator[AudioChunk]:
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
            yield chunk

    def listening(self, at: int) -> None:
        self.source.listening(at)

    @property
    def lost_blocks(self) -> int:
        return self.source.lost_blocks

    def reopen(self) -> None:
        self._stream = None
        if isinstance(self.source, Reopenable):
            self.source.reopen()

    def close(self) -> None:
        self.source.close()


class RoomAndAnswers(ScriptedAnswers):
    """A room recording (looped or followed by silence); answers spoken when the coach listens."""

    def __init__(
        self,
        room: Path | None,
        answers: Sequence[Path] = (),
        loop: bool = False,
        fast: bool = False,
    ) -> None:
        super().__init__(answers, fast)
        names = [p.name for p in ([room] if room else [])] + [f"{len(answers)} answers"]
        self.name = ", ".join(names)
        if room is not None:
            check_wav(room)
        self._room = room
        self._loop = loop and room is not None

    def between_answers(self) -> Iterator[bytes]:
        """The room recording (over and over when looped; read as it plays), then silence."""
        while self._room is not None:
            yield from wav_frames(self._room)
            if not self._loop:
                break
        yield from super().between_answers()

    def close(self) -> None:
        super().close()
        self._room = None
