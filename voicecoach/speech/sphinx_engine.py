"""PocketSphinx: the built-in US-English engine that works right after installation.

Two decoders of the same model: the streaming one runs the first search pass only, so ending
an utterance costs the same after 5 s or 2 minutes of speech (the second pass and the lattice
search after it grew to ~13 s after a 110 s answer); the whole-utterance one (``decode_whole``,
run by ``speech/redecode.py`` after the answer) adds the lattice search, which gives each word
its posterior probability as confidence.

Both normalise features live, with the cepstral mean carried from one utterance to the next.
Normalising over each utterance alone (PocketSphinx's batch mode) misheard short answers: over
one or two seconds of speech the mean is a poor estimate ("it's all my fault" came out as "it's
on my phone", "dinner" as "an hour"; figures in ``benchmarks/bench_second_pass.py``).

The mean carried on is learned from what sounds like a room. An utterance that was mostly near
digital silence (what an echo canceller outputs between words: a short command and the seconds
decoded around it) leaves the mean as it found it: every such utterance pulled it further from
speech, until commands were no longer heard at all. A phrase check re-hears audio the streaming
decoder has already heard, so it leaves the mean alone too. An utterance spoken much louder or
softer than the ones the mean was learnt on is decoded with the mean moved to its level
(``speech/cepstral_mean.py``): the streaming decoder starts such an utterance again once it has
heard a second of it (``JUDGE_LEVEL_S``), the whole-utterance one moves the mean before it
begins.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicecoach.errors import ModelError
from voicecoach.frames import FRAME_SAMPLES, SAMPLE_RATE, SAMPLE_WIDTH
from voicecoach.speech.cepstral_mean import LevelTracker, moved, speech_level
from voicecoach.speech.events import EngineInfo, Utterance
from voicecoach.speech.recognizer import utterance_from_words
from voicecoach.speech.redecode import Redecoder
from voicecoach.speech.vad import level_dbfs

if TYPE_CHECKING:
    from voicecoach.speech.grammar import Focus, SphinxGrammar, SphinxPhrases

log = logging.getLogger(__name__)

FRAME_RATE = 100
"""PocketSphinx reports segment times in 10 ms frames."""

PARTIAL_EVERY = SAMPLE_RATE // 2
"""Samples between two looks at the running hypothesis (each look costs a backtrace)."""

JUDGE_LEVEL_S = 1.0
"""Audio of an utterance (from its first block, 0.3 s before its speech began) from which the
streaming decoder judges its level: when it jumped, the decoder starts the utterance again from
its first block, the mean moved (a shorter utterance is judged, and decoded again, as it
ends)."""

JUDGE_LEVEL_MAX_S = 3.0
"""Audio after which an utterance whose level cannot be judged yet (no speech stands out from
its floor: ``cepstral_mean.speech_level``) is decoded on as it began."""

NEAR_SILENCE_DBFS = -75.0
"""Audio quieter than this (RMS of one accepted block) is no room's: an echo canceller's or a
digital source's silence. Room noise and a quiet microphone's floor lie well above it."""

_FILLERS = {"<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]", "[BREATH]", "[COUGH]"}

MAX_HMMS_PER_FRAME = 10_000
"""The most HMMs the streaming search keeps active in one 10 ms frame (PocketSphinx's
``maxhmmpf``; its own default is 30000). In loud noise the beam lets the search grow until the
decoder falls behind real time: pink noise 10 dB under LibriVox speech took 0.96 s of CPU per
second of audio at the default and 0.62-0.72 s here, quiet speech 0.36-0.47 and 0.32-0.38 s
(a 114 s answer, same run, loaded 2-core x86 machine). The words were the same on the LibriVox
clips in quiet, pink and brown noise and on the benchmark's festival and espeak-ng answers
(TV speech under the answer: 0.01 better). The whole-utterance decoder keeps the default: its
lattice also serves the thinking pause's tail check, and bounded, it lost the last word of the
110 s answer of `benchmarks/bench_room.py` ("… to do for them"), so the coach waited out the
thinking pause."""

STREAMING = {"fwdflat": False, "bestpath": False, "maxhmmpf": MAX_HMMS_PER_FRAME}
"""Search passes the streaming decoder skips (they run at the end, over the whole utterance),
and its bound on the search."""

WHOLE = {"fwdflat": False}
"""The whole-utterance decoder keeps the lattice search (word posteriors) but not the flat
second pass: on the LibriVox clips it cost time without improving the words."""


def _config(model_dir: Path | None, **options: object) -> Any:
    import pocketsphinx

    config = pocketsphinx.Config(loglevel="FATAL", **options)
    if model_dir is not None:
        if (model_dir / "mdef").exists():
            config["hmm"] = str(model_dir)
        elif (model_dir / "acoustic-model").is_dir():
            config["hmm"] = str(model_dir / "acoustic-model")
        else:
            raise ModelError(f"{model_dir}: not a PocketSphinx model folder")
    return config


def _decoder(config: Any) -> Any:
    import pocketsphinx

    try:
        return pocketsphinx.Decoder(config)
    except (RuntimeError, ValueError) as exc:
        raise ModelError(f"PocketSphinx could not load its model: {exc}") from exc


def _words(decoder: Any) -> list[tuple[str, float, float, float]]:
    """(word, start s, end s, confidence) of the decoder's last utterance, fillers left out.

    With the lattice search on, a segment's ``prob`` is the word's posterior probability
    (0–1); without it PocketSphinx reports 1.0.
    """
    words = []
    for seg in decoder.seg():
        word = seg.word
        if word in _FILLERS or word.startswith("++"):
            continue
        if word.endswith(")") and "(" in word:
            word = word[: word.index("(")]
        conf = min(1.0, max(0.0, float(seg.prob)))
        words.append((word, seg.start_frame / FRAME_RATE, (seg.end_frame + 1) / FRAME_RATE, conf))
    return words


def whole_decoder(model_dir: Path | None = None) -> Any:
    """A decoder with the lattice search on, for ``decode_whole``. Raises ModelError."""
    return _decoder(_config(model_dir, **WHOLE))


def decode_whole(
    decoder: Any, pcm: bytes, offset: float, levels: LevelTracker | None = None
) -> Utterance:
    """Decode one finished utterance in one piece, with the lattice search.

    ``pcm`` is 16 kHz int16 audio whose first sample is at ``offset`` s of session audio time.
    Features are normalised live (not over this utterance alone): call it on one decoder for
    the answers of a session, in order, so the cepstral mean carries over from the last one.
    ``levels``: the speech level that mean was learnt on, kept up to date here; an utterance
    much louder or softer is decoded with the mean moved to its level.
    """
    if levels is not None:
        level = speech_level(block_levels(pcm))
        by = levels.jump(level)
        if by:
            decoder.set_cmn(moved(decoder.get_cmn(False), by))
        levels.learn(level)
    decoder.start_utt()
    decoder.process_raw(pcm, False, False)
    decoder.end_utt()
    return utterance_from_words(_words(decoder), offset)


def block_levels(pcm: bytes) -> list[float]:
    """RMS levels (dBFS) of the 100 ms frames of 16 kHz int16 ``pcm`` (a shorter last one too),
    as the streaming decoder measures the blocks it is given."""
    step = FRAME_SAMPLES * SAMPLE_WIDTH
    return [level_dbfs(pcm[i : i + step]) for i in range(0, len(pcm), step)]


def last_words(decoder: Any, pcm: bytes, alternatives: int) -> tuple[str, ...]:
    """The last word of each of the ``alternatives`` best hypotheses of ``pcm`` (16 kHz int16),
    best first ("" for an empty one), from the lattice of ``decoder`` (a ``whole_decoder``).

    The best hypothesis alone is biased against a last word that rarely ends a sentence: the
    language model scores the end of the utterance after it, so "… did not call and" comes out
    as "… did not command"; the runners-up still hold "and".
    """
    decoder.start_utt()
    decoder.process_raw(pcm, False, False)
    decoder.end_utt()
    out = []
    for hyp in itertools.islice(decoder.nbest(), alternatives):
        words = [w for w in hyp.hypstr.split() if w not in _FILLERS and not w.startswith("++")]
        last = words[-1] if words else ""
        out.append(last[: last.index("(")] if last.endswith(")") and "(" in last else last)
    return tuple(out)


class SphinxRecognizer:
    """Streaming PocketSphinx decoder with its bundled US-English model (or a given one)."""

    def __init__(self, model_dir: Path | None = None) -> None:
        try:
            import pocketsphinx  # noqa: F401
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise ModelError("PocketSphinx is not installed: pip install pocketsphinx") from exc
        model_name = "en-us (bundled with pocketsphinx)" if model_dir is None else str(model_dir)
        self._decoder = _decoder(_config(model_dir, **STREAMING))
        self.info = EngineInfo(name="pocketsphinx", model=model_name)
        self.second_pass: Redecoder | None = Redecoder(model_dir)
        """Decodes each finished utterance again whole, off the reply's path."""
        self._in_utt = False
        self._since_partial = 0
        self._last_partial = ""
        self._carried = ""
        """The cepstral mean the current utterance started from."""
        self._samples = 0
        self._near_silent = 0
        """Samples of the current utterance, and those in near-silent blocks."""
        self._levels = LevelTracker()
        """The speech level the decoder's cepstral mean was learnt on."""
        self._blocks: list[float] = []
        """RMS levels (dBFS) of the blocks accepted in the current utterance."""
        self._audio: list[bytes] = []
        """The current utterance's audio until its level is judged."""
        self._moved = 0.0
        """dB the cepstral mean was moved by for the current utterance (0.0: not moved)."""
        self._judged = False
        """The current utterance's level has been judged."""

    def accept(self, pcm: bytes) -> str | None:
        if not self._in_utt:
            self._carried = self._decoder.get_cmn(False)
            self._decoder.start_utt()
            self._in_utt = True
            self._since_partial = 0
            self._last_partial = ""
            self._samples = self._near_silent = 0
            self._blocks, self._audio = [], []
            self._moved, self._judged = 0.0, False
        self._decoder.process_raw(pcm, False, False)
        samples = len(pcm) // SAMPLE_WIDTH
        self._samples += samples
        level = level_dbfs(pcm)
        self._blocks.append(level)
        if level < NEAR_SILENCE_DBFS:
            self._near_silent += samples
        if not self._judged:
            self._audio.append(pcm)
            if self._samples >= JUDGE_LEVEL_S * SAMPLE_RATE:
                self._judge(last=self._samples >= JUDGE_LEVEL_MAX_S * SAMPLE_RATE)
        self._since_partial += len(pcm) // SAMPLE_WIDTH
        if self._since_partial < PARTIAL_EVERY:
            return None
        self._since_partial = 0
        hyp = self._decoder.hyp()
        text = hyp.hypstr if hyp is not None else ""
        if text == self._last_partial:
            return None
        self._last_partial = text
        return text

    def hypothesis(self) -> str:
        """The best transcript of all audio accepted in this utterance, as of now."""
        if not self._in_utt:
            return ""
        hyp = self._decoder.hyp()
        return hyp.hypstr if hyp is not None else ""

    def finish(self, offset: float) -> Utterance:
        if not self._in_utt:
            return utterance_from_words([], offset)
        if not self._judged:
            self._judge(last=True)
        self._end_utt()
        self._levels.learn(speech_level(self._blocks))
        return utterance_from_words(_words(self._decoder), offset)

    def _judge(self, last: bool) -> None:
        """Judge the current utterance's level from its blocks so far; when it is far from the
        level the cepstral mean was learnt on, decode its audio so far again from the start,
        the mean moved to its level. ``last``: no later try (a level not judged yet moves
        nothing)."""
        level = speech_level(self._blocks)
        if level is None and not last:
            return
        self._judged = True
        audio, self._audio = b"".join(self._audio), []
        by = self._levels.jump(level)
        if not by or not self._carried:
            return
        self._decoder.end_utt()  # that start is dropped
        self._moved = by
        self._decoder.set_cmn(moved(self._carried, by))
        self._decoder.start_utt()
        self._decoder.process_raw(audio, False, False)
        self._last_partial = ""

    def reset(self) -> None:
        if self._in_utt:
            self._end_utt()

    def _end_utt(self) -> None:
        """End the utterance; keep the mean it started from if it was mostly near silence."""
        self._decoder.end_utt()
        self._in_utt = False
        if self._carried and 2 * self._near_silent > self._samples:
            carried = moved(self._carried, self._moved) if self._moved else self._carried
            self._decoder.set_cmn(carried)

    def close(self) -> None:
        self.reset()
        if self.second_pass is not None:
            self.second_pass.close()

    def phrase_checker(
        self,
        phrases: Sequence[str],
        grammar: str = "commands",
        focus: Focus | None = None,
        singles: Sequence[str] = (),
        over_coach: Sequence[str] = (),
    ) -> SphinxPhrases:
        """A grammar of phrases on this decoder, for a second opinion on short utterances (and
        one of the one-word ``singles`` alone, asked when the first is not enough; one of the
        phrases said ``over_coach``, asked for speech begun while the coach spoke)."""
        from voicecoach.speech.grammar import SphinxPhrases, search_name

        self.reset()
        return SphinxPhrases(
            self._decoder, phrases, search_name(grammar), focus, singles, over_coach
        )

    def grammar_search(
        self, name: str, jsgf: Callable[[Callable[[str], bool]], str]
    ) -> SphinxGrammar:
        """A whole JSGF grammar (``jsgf`` makes its text from a test of known words) as a
        named search on this decoder, to hear finished utterances again with."""
        from voicecoach.speech.grammar import SphinxGrammar, search_name

        self.reset()
        return SphinxGrammar(self._decoder, search_name(name), jsgf)
