"""Where the coach's voice goes: the speakers (see playback.py), a WAV file, or nowhere.

Every sink is non-blocking: ``play`` queues a line at an audio time and returns at once, so the
loop keeps reading the microphone while the coach speaks. ``stop`` cuts what is not yet heard
(the person spoke over the coach). A sink says how late its sound is audible (``latency``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from voicecoach.audio.wavfile import write_wav
from voicecoach.frames import SAMPLE_WIDTH
from voicecoach.outputs import check_output


class AudioSink(Protocol):
    """Plays 16 kHz mono int16 audio at given audio times, without blocking."""

    name: str
    """What the sink is, for messages ("speakers", a file name)."""
    echoes: bool
    """True when a microphone in the same room may hear what the sink plays (speakers)."""

    @property
    def latency(self) -> int:
        """Samples between a line's audio time and the moment it is audible (0 for files)."""
        ...

    def play(self, pcm: bytes, at: int) -> int:
        """Queue the audio to be sent out from audio time ``at`` (samples; heard ``latency``
        later), or as soon as what is queued before it has played; return at once, with the
        audio time it is sent out from."""
        ...

    def stop(self, at: int) -> int:
        """Drop whatever would be sent out from audio time ``at`` on (a person barged in);
        return the audio time the sink falls silent from, ``at`` or later when more had
        already been sent out (it is still heard)."""
        ...

    def close(self) -> None:
        """Let what is queued be heard (live sinks wait for it), then release the device."""
        ...


class WavFileSink:
    """Writes everything the coach says to one WAV, aligned to audio time with silence.

    A stop cuts the file at that audio time, as the speakers would fall silent.
    """

    def __init__(self, path: Path) -> None:
        check_output(path, "--speaker-file")
        self.name = path.name
        self.echoes = False
        self._path = path
        self._pcm = bytearray()

    @property
    def latency(self) -> int:
        return 0

    def play(self, pcm: bytes, at: int) -> int:
        gap = at * SAMPLE_WIDTH - len(self._pcm)
        if gap > 0:
            self._pcm.extend(bytes(gap))
        elif gap < 0:
            del self._pcm[at * SAMPLE_WIDTH :]
        self._pcm.extend(pcm)
        return at

    def stop(self, at: int) -> int:
        del self._pcm[max(0, at) * SAMPLE_WIDTH :]
        return at

    def close(self) -> None:
        write_wav(self._path, bytes(self._pcm))


class SilentSink:
    """Discards the audio: headless runs where the printed lines are enough."""

    name = "nowhere"
    echoes = False

    @property
    def latency(self) -> int:
        return 0

    def play(self, pcm: bytes, at: int) -> int:
        """Nothing is played."""
        return at

    def stop(self, at: int) -> int:
        """Nothing is playing."""
        return at

    def close(self) -> None:
        """Nothing to release."""
