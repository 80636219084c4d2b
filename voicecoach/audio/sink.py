"""Where the coach's voice goes: the speakers (see playback.py), a WAV file, or nowhere."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from voicecoach.audio.wavfile import write_wav
from voicecoach.frames import SAMPLE_WIDTH
from voicecoach.outputs import check_output


class AudioSink(Protocol):
    """Plays 16 kHz mono int16 audio that starts at a given audio time."""

    def play(self, pcm: bytes, at: int) -> None:
        """Play the audio; a live sink returns when it has been heard."""
        ...

    def close(self) -> None:
        """Finish writing or release the device."""
        ...


class WavFileSink:
    """Writes everything the coach says to one WAV, aligned to audio time with silence."""

    def __init__(self, path: Path) -> None:
        check_output(path, "--speaker-file")
        self._path = path
        self._pcm = bytearray()

    def play(self, pcm: bytes, at: int) -> None:
        gap = at * SAMPLE_WIDTH - len(self._pcm)
        if gap > 0:
            self._pcm.extend(bytes(gap))
        self._pcm.extend(pcm)

    def close(self) -> None:
        write_wav(self._path, bytes(self._pcm))


class SilentSink:
    """Discards the audio: headless runs where the printed lines are enough."""

    def play(self, pcm: bytes, at: int) -> None:
        """Nothing is played."""

    def close(self) -> None:
        """Nothing to release."""
