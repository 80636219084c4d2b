"""Words of the person, not of the room: an utterance's words kept only where the voice
activity detector heard near speech (the person's level), not background (a TV, far voices)."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, replace

from voicecoach.frames import FRAME_SAMPLES, samples_to_seconds
from voicecoach.speech.endpoint import HANGOVER_FRAMES
from voicecoach.speech.events import Utterance, Word
from voicecoach.speech.vad import NEAR_MARGIN_DB

WORD_SLACK_S = 0.1
"""Word times and frame times may disagree by this much when words are matched to frames."""

WORD_TAIL_S = samples_to_seconds(HANGOVER_FRAMES * FRAME_SAMPLES)
"""How far a kept word may run past the last near speech it overlaps (seconds): a soft ending
the detector no longer calls speech, as long as the endpoint's hangover (0.3 s).
A decoder that stretches the last word over the noise after it (pink noise at -10 dB: "up",
11.7-13.6 s, where the voice ended at 11.7 s) is held to this."""


@dataclass(frozen=True, slots=True)
class Heard:
    """What the detector said about one decoded frame, kept to sort the words out later."""

    start: float
    """Audio time of the frame's first sample, seconds."""
    end: float
    """Audio time just after its last sample, seconds."""
    level: float
    """Its level, dBFS."""
    speechlike: bool
    """Silero heard speech in it (near or far)."""


def near_words(utterance: Utterance, heard: list[Heard], near_level: float | None) -> Utterance:
    """The utterance without words heard only in frames far below the person's level.

    A word is kept when some frame it overlaps was speech within ``NEAR_MARGIN_DB`` of
    ``near_level`` (dBFS), and ends at most ``WORD_TAIL_S`` after the last such frame; with no
    level known, or no frames, everything is kept as it is.
    """
    if near_level is None or not heard or utterance.is_empty:
        return utterance
    floor = near_level - NEAR_MARGIN_DB
    near = [h for h in heard if h.speechlike and h.level >= floor]
    kept = tuple(
        held for held in (_held_to_voice(w, near) for w in utterance.words) if held is not None
    )
    if kept == utterance.words:
        return utterance
    if not kept:
        return Utterance(text="", words=(), start=utterance.start, end=utterance.start)
    text = " ".join(w.word for w in kept)
    return replace(utterance, text=text, words=kept, start=kept[0].start, end=kept[-1].end)


def _held_to_voice(word: Word, near: list[Heard]) -> Word | None:
    """``word`` ending at most ``WORD_TAIL_S`` after the last of the ``near`` frames it
    overlaps; None when it overlaps none."""
    ends = [
        h.end
        for h in near
        if h.start < word.end + WORD_SLACK_S and h.end > word.start - WORD_SLACK_S
    ]
    if not ends:
        return None
    last = max(ends) + WORD_TAIL_S
    if word.end <= last:
        return word
    return replace(word, end=round(max(word.start, last), 2))


def filtered(
    decoded: Future[Utterance], heard: list[Heard], near_level: float | None
) -> Future[Utterance]:
    """A future of the decoded utterance without its background words (see ``near_words``)."""
    out: Future[Utterance] = Future()

    def done(source: Future[Utterance]) -> None:
        try:
            out.set_result(near_words(source.result(), heard, near_level))
        except BaseException as exc:  # the child's failure, handed on to whoever waits
            out.set_exception(exc)

    decoded.add_done_callback(done)
    return out
