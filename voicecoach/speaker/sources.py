"""The headless twin of a living room: a recording of the room (looped if asked) while
nobody answers, and a scripted person who answers each listening turn with the next WAV.

With no room recording, the scripted person also says the next WAV whenever the coach starts
waiting for a wake phrase (the first one is the wake phrase), and again while it goes on
waiting after one that woke nothing. A run on files without a time
limit ends once its input is used up: the room recording over (not looped), every answer
spoken, and ``USED_UP_AFTER_S`` of silence heard after them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from voicecoach.audio.source import ScriptedAnswers, wav_frames
from voicecoach.audio.wavfile import check_wav
from voicecoach.frames import AudioChunk, seconds_to_samples

USED_UP_AFTER_S = 10.0
"""Silence heard after the last of the input before a run on files ends: the wake spotter and
a reply turn have decided by then."""


NEXT_ANSWER_AFTER_S = 3.0
"""Silence after an answer that woke nothing before the scripted person, with no room
recording, says the next one while the coach goes on waiting for a wake phrase (a person who
gets no answer speaks again)."""


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
        self._room_over = room is None
        self._heard_until = 0
        self._input_end = 0
        self._answer_end = 0

    def between_answers(self) -> Iterator[bytes]:
        """The room recording (over and over when looped; read as it plays), then silence."""
        while self._room is not None:
            yield from wav_frames(self._room)
            if not self._loop:
                break
        self._room_over = True
        yield from super().between_answers()

    def frames(self) -> Iterator[AudioChunk]:
        for chunk in super().frames():
            self._heard_until = chunk.end
            if not self._room_over or self.remaining or self.answering:
                self._input_end = chunk.end
            if self.answering:
                self._answer_end = chunk.end
            yield chunk

    def waiting(self, at: int) -> None:
        """The coach waits for a wake phrase from audio time ``at`` (samples): with no room
        recording, the scripted person says the next answer then."""
        if self._room is None:
            self.listening(at)

    def still_waiting(self, at: int) -> None:
        """The coach still waits for a wake phrase at audio time ``at`` (samples), nothing
        heard in progress: with no room recording, the scripted person says the next answer
        once the last one is ``NEXT_ANSWER_AFTER_S`` behind (it was no wake phrase)."""
        quiet = at - self._answer_end
        if (
            self._room is None
            and self.remaining
            and not self.answering
            and self._pending_at is None
            and quiet >= seconds_to_samples(NEXT_ANSWER_AFTER_S)
        ):
            self.listening(at)

    @property
    def used_up(self) -> bool:
        """Nothing more will be heard: the room over, every answer spoken, and
        ``USED_UP_AFTER_S`` of silence since."""
        quiet = self._heard_until - self._input_end
        return (
            self._room_over and not self.remaining and quiet >= seconds_to_samples(USED_UP_AFTER_S)
        )

    def close(self) -> None:
        super().close()
        self._room = None
