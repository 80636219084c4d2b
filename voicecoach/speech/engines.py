"""Choosing and opening the speech-to-text engine ("auto", "vosk" or "pocketsphinx")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from voicecoach.errors import ModelError
from voicecoach.hinting import command_hint
from voicecoach.speech.models import (
    find_installed,
    installed_models,
    language_of,
    model_for_language,
    resolve_model,
    same_language,
)
from voicecoach.speech.recognizer import Recognizer


@dataclass(frozen=True)
class EngineChoice:
    """Which engine to open, and why (said to the user)."""

    engine: str
    """"vosk" or "pocketsphinx"."""
    model: Path | None
    """The Vosk model folder; for PocketSphinx, the model adapted to the person's voice (None:
    its bundled one)."""
    reason: str
    """One line explaining the choice."""
    language: str = ""
    """The language the engine hears ("en-us", "ko"); "" when its name does not say."""

    def mismatch(self, language: str) -> str | None:
        """What is wrong when the engine hears another language than ``language`` (the
        coach's; "en" matches "en-us"), or None."""
        if same_language(self.language, language):
            return None
        return f"{self.reason} hears {self.language}; the coach speaks {language}"

    def language_warning(self, language: str, misheard: str) -> str | None:
        """The one warning line for a ``mismatch`` with the coach's ``language``, saying what
        will be ``misheard`` ("answers and commands"), or None when they match."""
        mismatch = self.mismatch(language)
        if mismatch is None:
            return None
        return f"voicecoach: warning: {mismatch} (coach.language): {misheard} will be misheard"


def choose_engine(
    engine: str,
    model: str,
    language: str,
    models_dirs: list[Path],
    active: str = "",
    adapted: Path | None = None,
) -> EngineChoice:
    """Resolve engine + model settings without loading anything.

    active is the model chosen with `voicecoach models use` (""): it is used when no model is
    set, by "vosk" and "auto" alike, whatever its language. ``adapted``: PocketSphinx's model
    adapted to the person's voice (`models adapt`), used whenever PocketSphinx is.
    """
    if engine == "pocketsphinx":
        return _sphinx(adapted)
    if model:
        path = resolve_model(model, models_dirs)
        if engine in ("vosk", "auto"):
            named = [m for m in installed_models(models_dirs) if m.path == path]
            heard = named[0].language if named else language_of(path.name)
            return EngineChoice("vosk", path, f"Vosk with the model in {path}", heard)
    if active and engine in ("vosk", "auto"):
        chosen = find_installed(active, models_dirs)
        if chosen is not None:
            reason = f"Vosk with {chosen.name} (active model)"
            return EngineChoice("vosk", chosen.path, reason, chosen.language)
    found = model_for_language(language, models_dirs)
    if engine == "vosk":
        if found is None:
            raise ModelError(
                f"--engine vosk needs a Vosk model for {language!r} and none is installed; "
                f"run {command_hint('models pull')}, pass --model DIR, or use --engine pocketsphinx"
            )
        return EngineChoice("vosk", found.path, f"Vosk with {found.name}", found.language)
    if engine != "auto":
        raise ModelError(f"unknown engine {engine!r}; choose auto, vosk or pocketsphinx")
    if found is not None:
        return EngineChoice("vosk", found.path, f"Vosk with {found.name} (auto)", found.language)
    return _sphinx(
        adapted,
        f"auto: no Vosk model for {language!r} installed; "
        f"{command_hint('models pull')} hears better",
    )


def _sphinx(adapted: Path | None, auto: str = "") -> EngineChoice:
    """PocketSphinx with the model adapted to the person's voice when there is one, else its
    built-in one; ``auto``: why "auto" chose it ("" when asked for by name)."""
    model = (
        "built-in US-English model" if adapted is None else "US-English model adapted to your voice"
    )
    if not auto:
        return EngineChoice("pocketsphinx", adapted, f"PocketSphinx ({model})", "en-us")
    if adapted is None:
        return EngineChoice("pocketsphinx", None, f"PocketSphinx ({auto})", "en-us")
    return EngineChoice("pocketsphinx", adapted, f"PocketSphinx ({model}; {auto})", "en-us")


def open_recognizer(choice: EngineChoice) -> Recognizer:
    """Load the chosen engine."""
    if choice.engine == "vosk":
        from voicecoach.speech.vosk_engine import VoskRecognizer

        if choice.model is None:
            raise ModelError("the Vosk engine needs a model folder (--model DIR)")
        return VoskRecognizer(choice.model)
    from voicecoach.speech.sphinx_engine import SphinxRecognizer

    return SphinxRecognizer(choice.model)
