"""Hearing one sentence read aloud: from the first speech to a pause after it.

Used when the person reads the voice-adaptation sentences (``voicecoach.speech.adapt``). The
sentence is cut from the audio frames of any source (the microphone, or a recording of every
sentence read in turn), by the session's voice activity detector (Silero), in audio time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from voicecoach.frames import FRAME_SAMPLES, SAMPLE_RATE, AudioChunk
from voicecoach.speech.vad import VoiceActivity

END_SILENCE_S = 1.2
"""Silence after speech that ends a sentence (a reader's pause between sentences)."""
PAUSE_WITHIN_S = 4.0
"""Silence that ends a sentence heard for less than ``WHOLE_FRACTION`` of its usual reading
time: a reader who stops to take a breath, or stumbles, goes on with the same sentence."""
SECONDS_PER_WORD = 0.3
"""Usual reading time of a word (about 200 words a minute)."""
WHOLE_FRACTION = 0.7
"""Share of a sentence's usual reading time after which a pause ends it (espeak-ng, a fast
reader, reads "The children played a loud game" in 53 % of the whole sentence's time)."""
WAIT_S = 15.0
"""Longest wait for the reading to begin."""
LONGEST_S = 20.0
"""Longest sentence: speech going on past this is cut."""
MARGIN_S = 0.3
"""Audio kept before the first and after the last speech frame."""


@dataclass(frozen=True)
class Heard:
    """One sentence read (``pcm`` empty: nothing was read before ``WAIT_S``, or the audio
    ended)."""

    pcm: bytes
    """16 kHz mono int16, the speech with ``MARGIN_S`` around it."""
    ended: bool = False
    """The source has no more audio (a recording played to its end)."""


def hear_sentence(frames: Iterator[AudioChunk], vad: VoiceActivity, words: int = 0) -> Heard:
    """Read frames until a sentence of ``words`` words has been said and a pause follows it
    (``END_SILENCE_S``; ``PAUSE_WITHIN_S`` while less than ``WHOLE_FRACTION`` of its usual
    reading time has been heard)."""
    frame_s = FRAME_SAMPLES / SAMPLE_RATE
    before: list[bytes] = []
    said: list[bytes] = []
    quiet = waited = 0.0
    margin = max(1, round(MARGIN_S / frame_s))
    for chunk in frames:
        speech = vad.classify(chunk.pcm).speech
        if not said:
            waited += frame_s
            if speech:
                said = [*before[-margin:], chunk.pcm]
            else:
                before.append(chunk.pcm)
                if waited >= WAIT_S:
                    return Heard(b"")
            continue
        said.append(chunk.pcm)
        quiet = 0.0 if speech else quiet + frame_s
        heard_s = len(said) * frame_s - quiet
        whole = heard_s >= words * SECONDS_PER_WORD * WHOLE_FRACTION
        ends = END_SILENCE_S if whole else PAUSE_WITHIN_S
        if quiet >= ends or len(said) * frame_s >= LONGEST_S:
            keep = len(said) - max(0, round(quiet / frame_s) - margin)
            return Heard(b"".join(said[:keep]))
    return Heard(b"".join(said), ended=True)
