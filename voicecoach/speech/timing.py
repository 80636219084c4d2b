"""How long a listening turn waits: the limits of one answer, in samples of audio time."""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.frames import seconds_to_samples


@dataclass(frozen=True)
class ListenTiming:
    """Listening limits, in samples of audio time."""

    end_silence: int
    """Silence after speech that ends an answer."""
    no_answer: int
    """Wait for a first word before giving up."""
    max_answer: int
    """Longest answer."""
    thinking_pause: int = 0
    """Silence that ends an answer whose last word announces more (0 = end_silence)."""
    cap_grace: int = 0
    """Past the cap, how long a person still speaking may go on to finish the sentence."""
    phrase_max: int = 0
    """Longest utterance (decoded audio) the phrase checker hears again (0 = none)."""

    @classmethod
    def from_seconds(
        cls,
        end_silence: float,
        no_answer: float,
        max_answer: float,
        thinking_pause: float = 0.0,
        cap_grace: float = 0.0,
        phrase_max: float = 0.0,
    ) -> ListenTiming:
        return cls(
            end_silence=seconds_to_samples(end_silence),
            no_answer=seconds_to_samples(no_answer),
            max_answer=seconds_to_samples(max_answer),
            thinking_pause=seconds_to_samples(thinking_pause),
            cap_grace=seconds_to_samples(cap_grace),
            phrase_max=seconds_to_samples(phrase_max),
        )
