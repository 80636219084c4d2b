"""Audio sources: the microphone and its file-based twins, all yielding the same frames."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Generator, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

from voicecoach.audio.wavfile import WavReader
from voicecoach.frames import FRAME_SAMPLES, SAMPLE_RATE, SAMPLE_WIDTH, AudioChunk

FRAME_BYTES = FRAME_SAMPLES * SAMPLE_WIDTH
SILENT_FRAME = bytes(FRAME_BYTES)


class AudioSource(Protocol):
    """Yields 100 ms frames of 16 kHz mono int16 audio, stamped with their audio time."""

    name: str
    """What the source is, for progress lines ("microphone", a file name)."""

    def frames(self) -> Iterator[AudioChunk]:
        """Frames in order, with no gaps in audio time; ends only when the input is gone."""
        ...

    def listening(self, at: int) -> None:
        """The coach listens from audio time ``at`` (samples) on; a scripted user answers then."""
        ...

    @property
    def lost_blocks(self) -> int:
        """Blocks of audio lost before they were read (a live device's overflows; 0 for files)."""
        ...

    def close(self) -> None:
        """Release the device or file."""
        ...


class Pacer:
    """Holds a file-driven source to real time, unless running fast."""

    def __init__(self, fast: bool) -> None:
        self._fast = fast
        self._t0: float | None = None

    def wait_until(self, audio_time: int) -> None:
        if self._fast:
            return
        now = time.monotonic()
        if self._t0 is None:
            self._t0 = now
        delay = self._t0 + audio_time / SAMPLE_RATE - now
        if delay > 0:
            time.sleep(delay)


def split_frames(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """Cut a stream of PCM blocks into whole frames, padding the last one with silence."""
    pending = b""
    for block in blocks:
        pending += block
        cut = len(pending) - len(pending) % FRAME_BYTES
        for i in range(0, cut, FRAME_BYTES):
            yield pending[i : i + FRAME_BYTES]
        pending = pending[cut:]
    if pending:
        yield pending + bytes(FRAME_BYTES - len(pending))


def wav_frames(path: Path) -> Iterator[bytes]:
    """A WAV file's frames, read from the file as they are needed (header checked now)."""
    return split_frames(WavReader(path).blocks())


class WavFileSource:
    """One continuous recording replayed as the microphone, then silence.

    The file is read a block at a time as the frames are taken: memory stays flat however long
    the recording is. Its header is checked when the source is made.
    """

    def __init__(self, path: Path, fast: bool = False) -> None:
        self.name = path.name
        self._reader = WavReader(path)
        self._stream = self._play()
        self._pacer = Pacer(fast)

    def _play(self) -> Generator[AudioChunk, None, None]:
        start = 0
        for pcm in split_frames(self._reader.blocks()):
            self._pacer.wait_until(start)
            yield AudioChunk(pcm=pcm, start=start)
            start += FRAME_SAMPLES
        while True:
            self._pacer.wait_until(start)
            yield AudioChunk(pcm=SILENT_FRAME, start=start)
            start += FRAME_SAMPLES

    def frames(self) -> Iterator[AudioChunk]:
        return self._stream

    def listening(self, at: int) -> None:
        """A recording plays on regardless of the coach."""

    @property
    def lost_blocks(self) -> int:
        """A file loses nothing."""
        return 0

    def close(self) -> None:
        self._stream.close()


class ScriptedAnswers:
    """A scripted user: one WAV per listening turn, spoken when the coach starts to listen."""

    def __init__(self, paths: Sequence[Path], fast: bool = False) -> None:
        self.name = f"{len(paths)} scripted answers"
        self._answers = deque(split_frames(WavReader(p).blocks()) for p in paths)
        self._pending_at: int | None = None
        self._pacer = Pacer(fast)
        self.answering = False
        """An answer is being spoken."""

    def listening(self, at: int) -> None:
        self._pending_at = at

    def between_answers(self) -> Iterator[bytes]:
        """What the microphone hears while nobody answers: silence."""
        while True:
            yield SILENT_FRAME

    def frames(self) -> Iterator[AudioChunk]:
        start = 0
        background = self.between_answers()
        while True:
            if self._pending_at is not None and start >= self._pending_at and self._answers:
                self._pending_at = None
                self.answering = True
                for pcm in self._answers.popleft():
                    self._pacer.wait_until(start)
                    yield AudioChunk(pcm=pcm, start=start)
                    start += FRAME_SAMPLES
                self.answering = False
                continue
            self._pacer.wait_until(start)
            yield AudioChunk(pcm=next(background), start=start)
            start += FRAME_SAMPLES

    @property
    def lost_blocks(self) -> int:
        """A file loses nothing."""
        return 0

    @property
    def remaining(self) -> int:
        """Answers not yet spoken."""
        return len(self._answers)

    def close(self) -> None:
        self._answers.clear()
