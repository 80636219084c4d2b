"""The half-duplex gate: while the coach speaks, the microphone is not heard."""

from __future__ import annotations

from voicecoach.frames import AudioChunk


class HalfDuplexGate:
    """Drops frames that overlap the coach's own speech (plus an echo tail), in audio time."""

    def __init__(self, tail_samples: int) -> None:
        self._tail = tail_samples
        self.speech_end = 0
        """Audio time (samples) at which the coach's current speech ends."""
        self.open_at = 0
        """Audio time (samples) from which frames pass again."""
        self.dropped = 0
        """Frames dropped so far."""

    def coach_speaks(self, now: int, samples: int) -> int:
        """The coach says ``samples`` of audio, starting at ``now`` or after what it is saying.

        Returns the audio time the new speech starts.
        """
        start = max(now, self.speech_end)
        self.speech_end = start + samples
        self.open_at = self.speech_end + self._tail
        return start

    def passes(self, chunk: AudioChunk) -> bool:
        """True when the frame begins after the coach's speech and its tail."""
        if chunk.start >= self.open_at:
            return True
        self.dropped += 1
        return False
