"""PocketSphinx: the built-in US-English engine that works right after installation."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from voicecoach.errors import ModelError
from voicecoach.frames import SAMPLE_RATE, SAMPLE_WIDTH
from voicecoach.speech.events import EngineInfo, Utterance
from voicecoach.speech.recognizer import utterance_from_words

if TYPE_CHECKING:
    from voicecoach.speech.grammar import SphinxPhrases

log = logging.getLogger(__name__)

FRAME_RATE = 100
"""PocketSphinx reports segment times in 10 ms frames."""

PARTIAL_EVERY = SAMPLE_RATE // 2
"""Samples between two looks at the running hypothesis (each look costs a backtrace)."""

_FILLERS = {"<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]", "[BREATH]", "[COUGH]"}


class SphinxRecognizer:
    """Streaming PocketSphinx decoder with its bundled US-English model (or a given one)."""

    def __init__(self, model_dir: Path | None = None) -> None:
        try:
            import pocketsphinx
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise ModelError("PocketSphinx is not installed: pip install pocketsphinx") from exc
        config = pocketsphinx.Config(loglevel="FATAL")
        model_name = "en-us (bundled with pocketsphinx)"
        if model_dir is not None:
            if not (model_dir / "mdef").exists() and not (model_dir / "acoustic-model").is_dir():
                raise ModelError(f"{model_dir}: not a PocketSphinx model folder")
            model_name = str(model_dir)
        try:
            self._decoder = pocketsphinx.Decoder(config)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"PocketSphinx could not load its model: {exc}") from exc
        self._logmath = self._decoder.logmath
        self.info = EngineInfo(name="pocketsphinx", model=model_name)
        self._in_utt = False
        self._since_partial = 0
        self._last_partial = ""

    def accept(self, pcm: bytes) -> str | None:
        if not self._in_utt:
            self._decoder.start_utt()
            self._in_utt = True
            self._since_partial = 0
            self._last_partial = ""
        self._decoder.process_raw(pcm, False, False)
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

    def finish(self, offset: float) -> Utterance:
        if not self._in_utt:
            return utterance_from_words([], offset)
        self._decoder.end_utt()
        self._in_utt = False
        words: list[tuple[str, float, float, float]] = []
        for seg in self._decoder.seg():
            word = seg.word
            if word in _FILLERS or word.startswith("++"):
                continue
            if word.endswith(")") and "(" in word:
                word = word[: word.index("(")]
            conf = min(1.0, max(0.0, self._logmath.exp(seg.prob)))
            words.append(
                (word, seg.start_frame / FRAME_RATE, (seg.end_frame + 1) / FRAME_RATE, conf)
            )
        return utterance_from_words(words, offset)

    def reset(self) -> None:
        if self._in_utt:
            self._decoder.end_utt()
            self._in_utt = False

    def close(self) -> None:
        self.reset()

    def phrase_checker(self, phrases: Sequence[str]) -> SphinxPhrases:
        """A grammar of phrases on this decoder, for a second opinion on short utterances."""
        from voicecoach.speech.grammar import SphinxPhrases

        self.reset()
        return SphinxPhrases(self._decoder, phrases)
