"""Vosk (Kaldi): the streaming engine used whenever a model is installed."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicecoach.errors import ModelError
from voicecoach.frames import SAMPLE_RATE, SAMPLE_WIDTH
from voicecoach.hinting import command_hint
from voicecoach.speech.events import EngineInfo, Utterance
from voicecoach.speech.recognizer import utterance_from_words

if TYPE_CHECKING:
    from voicecoach.speech.grammar import Focus, VoskPhrases
    from voicecoach.speech.redecode import Redecoder

log = logging.getLogger(__name__)

PARTIAL_EVERY = SAMPLE_RATE // 2
"""Samples between two looks at the running transcript (each look costs a JSON round trip)."""

REQUIRED_PARTS = ("am", "conf")
"""Folders every Vosk model has; graph/ or an HCLG.fst completes it."""


def check_model_dir(model_dir: Path) -> None:
    """Raise ModelError unless the folder looks like a Vosk model."""
    if not model_dir.is_dir():
        raise ModelError(
            f"{model_dir}: model folder not found; see {command_hint('models list')} "
            "or run with --engine pocketsphinx"
        )
    missing = [part for part in REQUIRED_PARTS if not (model_dir / part).is_dir()]
    if missing:
        raise ModelError(
            f"{model_dir}: not a Vosk model (missing {', '.join(p + '/' for p in missing)})"
        )


def model_name(model_dir: Path) -> str:
    """How the journal names a model: its folder, or its package for a pip-installed one."""
    if model_dir.name == "model" and model_dir.parent.name.startswith("vosk_model_"):
        return model_dir.parent.name.replace("_", "-")
    return model_dir.name


def load_model(model_dir: Path) -> Any:
    """Load a Vosk model from a local folder (never by language name: that goes online).

    The last model loaded is kept: a process that runs several sessions (``listen``, the tests)
    loads it once. ModelError when the folder is not a model Vosk can load.
    """
    check_model_dir(model_dir)
    return _load(str(model_dir.resolve()))


@functools.cache
def _guarded(cls: type) -> type:
    """``cls`` (a Vosk class holding a C handle) whose object, when Ctrl-C cut its creation
    short before the handle was kept, is freed quietly: Vosk's own ``__del__`` then printed
    "Exception ignored in … AttributeError: … no attribute '_handle'" under the one line a
    stop gives."""

    def __del__(self: Any) -> None:
        if "_handle" in vars(self):
            cls.__del__(self)  # type: ignore[attr-defined]

    return type(cls.__name__, (cls,), {"__del__": __del__})


def kaldi_recognizer(*args: Any) -> Any:
    """``vosk.KaldiRecognizer(*args)``, freed quietly when its creation is cut short."""
    import vosk

    return _guarded(vosk.KaldiRecognizer)(*args)


@functools.lru_cache(maxsize=1)
def _load(model_dir: str) -> Any:
    try:
        import vosk
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ModelError("Vosk is not installed: pip install vosk") from exc
    vosk.SetLogLevel(-1)
    try:
        return _guarded(vosk.Model)(model_dir)
    except Exception as exc:  # vosk raises a bare Exception when loading fails
        raise ModelError(f"{model_dir}: Vosk could not load this model ({exc})") from exc


class VoskRecognizer:
    """One Kaldi recognizer kept for the whole session (a new one stalls on its first audio)."""

    def __init__(self, model_dir: Path, model: Any | None = None) -> None:
        self._model = model if model is not None else load_model(model_dir)
        self._rec = kaldi_recognizer(self._model, SAMPLE_RATE)
        self._rec.SetWords(True)
        self.info = EngineInfo(name="vosk", model=model_name(model_dir))
        self.second_pass: Redecoder | None = None
        """Kaldi's streaming decode is already its best: nothing to decode again."""
        self._fed = 0
        """Samples given to the Kaldi recognizer since it was created."""
        self._utt_base = 0
        """Value of _fed when the current utterance began (Kaldi counts time from creation)."""
        self._segments: list[dict[str, Any]] = []
        self._last_partial = ""
        self._since_partial = 0

    def accept(self, pcm: bytes) -> str | None:
        samples = len(pcm) // SAMPLE_WIDTH
        self._fed += samples
        self._since_partial += samples
        if self._rec.AcceptWaveform(pcm):
            self._keep(self._rec.Result())
            partial = ""
        elif self._since_partial >= PARTIAL_EVERY:
            self._since_partial = 0
            partial = json.loads(self._rec.PartialResult()).get("partial", "")
        else:
            return None
        running = " ".join([*(s["text"] for s in self._segments), partial]).strip()
        if running == self._last_partial:
            return None
        self._last_partial = running
        return running

    def _keep(self, result_json: str) -> None:
        result = json.loads(result_json)
        if result.get("text", "").strip():
            self._segments.append(result)

    def hypothesis(self) -> str:
        """The best transcript of all audio accepted in this utterance, as of now."""
        partial = json.loads(self._rec.PartialResult()).get("partial", "")
        return " ".join([*(s["text"] for s in self._segments), partial]).strip()

    def finish(self, offset: float) -> Utterance:
        self._keep(self._rec.FinalResult())
        base = self._utt_base / SAMPLE_RATE
        words: list[tuple[str, float, float, float]] = []
        for segment in self._segments:
            for item in segment.get("result", []):
                start = max(0.0, float(item["start"]) - base)
                end = max(start, float(item["end"]) - base)
                words.append((str(item["word"]), start, end, float(item.get("conf", 1.0))))
        self._begin_next()
        return utterance_from_words(words, offset)

    def reset(self) -> None:
        self._rec.FinalResult()
        self._begin_next()

    def _begin_next(self) -> None:
        self._segments = []
        self._last_partial = ""
        self._utt_base = self._fed

    def close(self) -> None:
        self._segments = []

    def phrase_checker(
        self,
        phrases: Sequence[str],
        grammar: str = "commands",
        focus: Focus | None = None,
        singles: Sequence[str] = (),
        over_coach: Sequence[str] = (),
    ) -> VoskPhrases:
        """A recogniser of phrases on this model, for a second opinion on short utterances
        (``singles`` and ``over_coach`` are not heard apart: a Kaldi grammar recogniser is
        costly to add)."""
        from voicecoach.speech.grammar import VoskPhrases

        return VoskPhrases(self._model, phrases, f"the {grammar} phrases", focus)
