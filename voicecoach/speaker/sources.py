"""The headless twin of a living room: a recording of the room (looped if asked) while
nobody answers, and a scripted person who answers each listening turn with the next WAV."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from voicecoach.audio.source import ScriptedAnswers, wav_frames
from voicecoach.audio.wavfile import check_wav


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
