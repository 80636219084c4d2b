"""The end of an answer: how long a pause after speech must run before the answer is finished.

Usually the end-of-answer silence (``ListenTiming.end_silence``). With a thinking pause set, a
pause after a word that announces more ("and", "because", "um") may run to the longer
``thinking_pause``; the words are those decoded up to the pause (``HANGOVER_FRAMES`` after the
last voiced frame), asked of the engine then, and the announcing word must still end them once
the end-of-answer silence has been decoded (in noise the decoder makes words of the silence:
"… young man who"; a word not yet settled turns into another: "… yelling and" into "… yelling
and happier"). When the engine's second decoder is there, the last seconds before the pause are
also decoded with a lattice as the pause begins (the tail check), and a word announcing more at
the end of any of the best few hypotheses counts too (the streaming words are biased against
such a last word: "… did not call and" is heard as "… did not tell hands").

All times are samples of audio time, except ``TAIL_WAIT_S`` (wall time).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING

from voicecoach.frames import SAMPLE_WIDTH, seconds_to_samples
from voicecoach.speech.denoise import NoiseSuppressor
from voicecoach.speech.recognizer import Recognizer
from voicecoach.speech.timing import ListenTiming

if TYPE_CHECKING:
    from voicecoach.speech.redecode import Redecoder

log = logging.getLogger(__name__)

HANGOVER_FRAMES = 3
"""Frames of silence after speech decoded straight away (at least; see
``EndOfAnswer.hangover``); a longer pause waits to see. The pause begins after them."""

TAIL_FRAMES = 30
"""Decoded frames (3 s, up to the pause) whose last word the second decoder checks."""

TAIL_AFTER_S = 0.1
"""Audio after the last voiced frame that the tail check hears: enough to close the last word,
little of the noise after it."""

TAIL_ALTERNATIVES = 3
"""Hypotheses of the tail whose last words are checked for one announcing more (the 5th of a
hum-ended answer's five was an "and"; the pause after "and" gives it as the 3rd)."""

TAIL_WAIT_S = 10.0
"""Longest wait (wall time) for the tail check once the end-of-answer silence is reached: only
a stuck or starved child takes that long. The check is asked for as the pause begins (and not
while the second decoder is still busy with an earlier answer), so a live answer seldom waits
at all. Without it, the streaming words decide."""


def tail_audio(decoded: Sequence[bytes], first: int, last_voiced: int) -> bytes:
    """What the tail check hears: the last ``TAIL_FRAMES`` frames of an utterance's decoded
    audio up to ``TAIL_AFTER_S`` past its last voiced frame.

    ``decoded``: the utterance's decoded pieces (16 kHz mono int16 PCM, one per frame), the first
    sample at audio time ``first``; ``last_voiced``: audio time of the end of the last voiced
    frame (samples). Empty when nothing was decoded.
    """
    audio = b"".join(decoded)
    end = (last_voiced - first + seconds_to_samples(TAIL_AFTER_S)) * SAMPLE_WIDTH
    end = max(0, min(len(audio), end))
    frame = len(decoded[-1]) if decoded else 0
    return audio[max(0, end - TAIL_FRAMES * frame) : end]


class EndOfAnswer:
    """Decides, pause by pause, the silence that ends one listener's answers.

    ``unfinished``: whether a transcript announces more to come (None = never: the
    end-of-answer silence always ends the answer); ``continued``: whether a word announces more
    even as a runner-up of the tail check (a conjunction or a filler: a runner-up "the" is often
    a short last word misheard; None = as ``unfinished``). Nothing is held in noise loud enough
    for ``denoiser`` to filter, which the decoder makes words of ("… young man to whom").
    """

    def __init__(
        self,
        recognizer: Recognizer,
        timing: ListenTiming,
        denoiser: NoiseSuppressor,
        unfinished: Callable[[str], bool] | None = None,
        continued: Callable[[str], bool] | None = None,
    ) -> None:
        self.recognizer = recognizer
        self.timing = timing
        self.denoiser = denoiser
        self.unfinished = unfinished
        self.continued = continued if continued is not None else unfinished
        self._at_pause: str | None = None
        """What the engine had decoded when the current pause began: the speech and
        ``HANGOVER_FRAMES`` after it (None: no pause yet)."""
        self._tail: Future[tuple[str, ...]] | None = None
        """The second decoder's last words of the speech before the current pause."""
        self._tail_asked = False
        """The current pause has been looked at for a tail check (and its words read)."""
        self._tail_read = False
        """The tail check's answer for the current pause has been read."""
        self._at_end: str | None = None
        """What the engine had decoded once the pause reached the end-of-answer silence, when
        the pause was decoded (None: not yet, or not decoded)."""
        self._tail_words: tuple[str, ...] | None = None
        """Those last words, once read (None: no tail check, or it failed)."""
        self._background = False
        """Someone else's speech (a TV) was heard in the current pause."""
        self._tail_wait: float | None = TAIL_WAIT_S
        """How long the tail check's answer is waited for (s of wall time; None: until it
        comes, for a run not held to real time: ``Redecoder.unhurried``)."""

    @property
    def checks_pauses(self) -> bool:
        """Whether pauses are checked at all: a thinking pause is set, and a rule for it."""
        return self.unfinished is not None and self.timing.thinking_pause > self.timing.end_silence

    @property
    def hangover(self) -> int:
        """Silence after speech decoded as it comes (samples): up to the end-of-answer silence
        with a thinking pause set, so the last word has settled when the thinking pause is
        decided (longer pauses are held); else 0 (``HANGOVER_FRAMES`` only)."""
        return self.timing.end_silence if self.timing.thinking_pause else 0

    def reset(self) -> None:
        """No pause yet: speech (again), or a new utterance."""
        self._at_pause = self._at_end = None
        self._tail = None
        self._tail_asked = self._tail_read = False
        self._tail_words = None
        self._background = False

    def background_heard(self) -> None:
        """Someone else's speech (a TV, the next room) was heard in the pause: the decoder makes
        words of it ("… young man and we"), so the pause is not held for the words it ends on."""
        self._background = True

    def pause_begins(
        self, second_pass: Redecoder | None, decoded: Sequence[bytes], first: int, last_voiced: int
    ) -> None:
        """The pause has run ``HANGOVER_FRAMES`` (every frame up to here is decoded, the last
        word included): read the words before the decoder hears more of the room (it makes words
        of noise: "... young man who"), and ask ``second_pass`` for the tail check when it can
        change the decision. Once per pause; ``decoded``, ``first`` and ``last_voiced`` as in
        ``tail_audio``."""
        if self._tail_asked:
            return
        self._tail_asked = True
        self._at_pause = self.recognizer.hypothesis()
        if (
            second_pass is None
            or second_pass.busy  # behind a long answer's decode it would come too late
            or not self._may_hold()
        ):
            self._tail = None
            return
        audio = tail_audio(decoded, first, last_voiced)
        self._tail = second_pass.last_words(audio, TAIL_ALTERNATIVES)
        self._tail_wait = None if second_pass.unhurried else TAIL_WAIT_S

    def pause_reaches_end(self) -> None:
        """The pause has run the end-of-answer silence: read the tail check's last words and,
        when the pause was decoded, the engine's words now. Once per pause."""
        if self._tail_read:
            return
        self._tail_read = True
        self._tail_words = self._tail_last_words()
        if self.hangover:  # the pause so far was decoded: are the words the same?
            self._at_end = self.recognizer.hypothesis()

    def silence(self, running: str) -> int:
        """The silence that ends this answer (samples), given the newest running transcript:
        longer when the words so far announce more, unless the noise is loud enough to be
        filtered or someone else spoke in the pause (a resumed answer still joins it: see
        loop).

        With the tail check's last words, the turn is held when the best of them announces
        more, a runner-up is a conjunction or a filler (the best is biased against them: "… did
        not call and" ends "command", "hands", "and"), or the streaming words end on a word
        announcing more that the tail ends on too. A streaming word alone does not hold it: at
        the end of an utterance the streaming decoder drops a short last word ("… to do for
        them" ends "… to do for"; the tail: "fun", "the", "them").
        """
        if self.unfinished is None or not self._may_hold():
            return self.timing.end_silence
        said = self._at_pause if self._at_pause is not None else running
        held = self.unfinished(said)
        if self._at_end is not None:  # a settled last word: the decoder, having heard the
            held = held and self.unfinished(self._at_end)  # pause, kept it last
            said = self._at_end
        tail = self._tail_words
        if tail:
            words = said.split()
            agreed = held and bool(words) and words[-1] in tail
            best, runners_up = tail[0], tail[1:]
            continued = self.continued if self.continued is not None else self.unfinished
            held = agreed or self.unfinished(best) or any(map(continued, runners_up))
        return self.timing.thinking_pause if held else self.timing.end_silence

    def _may_hold(self) -> bool:
        """Whether this utterance's last words may hold the turn for the thinking pause: not in
        noise loud enough to be filtered, nor with someone else speaking in the pause, which
        the decoder makes words of ("… young man to whom", "… young man and we")."""
        return self.checks_pauses and not self.denoiser.filtering and not self._background

    def _tail_last_words(self) -> tuple[str, ...] | None:
        """The tail check's last words (None if there was none, it failed, or it took longer
        than ``TAIL_WAIT_S``: the streaming words decide)."""
        if self._tail is None:
            return None
        try:
            return self._tail.result(timeout=self._tail_wait)
        except Exception as exc:  # slow or failed: the streaming words decide
            log.debug("no tail check for this pause (%s)", type(exc).__name__)
            return None
