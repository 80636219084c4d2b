"""Which voice speaks: coach.voice_engine ("auto", "piper", "pyttsx3") and coach.voice.

"auto" speaks with a Piper voice when one is installed for the coach's language (or named in
coach.voice), else with pyttsx3. When the Piper voice cannot be loaded (files missing or
damaged, piper-tts not installed) the coach falls back to pyttsx3 and says why: a session
never fails for want of a nicer voice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from voicecoach.config import CoachSettings
from voicecoach.errors import VoiceCoachError, VoiceError
from voicecoach.hinting import command_hint
from voicecoach.speech.tts import TextToSpeech
from voicecoach.speech.tts.espeak import EspeakSynthesizer
from voicecoach.speech.tts.voices import (
    find_voice,
    voice_files,
    voice_for_language,
    voice_language,
)

if TYPE_CHECKING:
    from voicecoach.speech.tts.piper import PiperSynthesizer


@dataclass(frozen=True)
class VoiceChoice:
    """The voice a session speaks with, and why (said to the user)."""

    tts: TextToSpeech
    reason: str
    """One line: "speaking with Piper en_US-joe-medium (auto)"."""
    fell_back: bool = False
    """A Piper voice was wanted but pyttsx3 speaks instead."""


def _piper_name(coach: CoachSettings, dirs: list[Path]) -> tuple[str, str]:
    """(voice name, how it was chosen); ("", why not) when no Piper voice is to be used."""
    if coach.voice_engine == "pyttsx3":
        return "", ""
    if coach.voice and find_voice(coach.voice, dirs) is not None:
        return coach.voice, "coach.voice"
    if coach.voice and (coach.voice_engine == "piper" or voice_language(coach.voice)):
        return coach.voice, "coach.voice"  # a Piper name ("en_US-…") that is not installed
    if coach.voice:  # auto with an espeak-ng voice named
        return "", ""
    found = voice_for_language(coach.language, dirs)
    if found is not None:
        return found.name, "auto" if coach.voice_engine == "auto" else "piper"
    if coach.voice_engine == "piper":
        return "", f"no Piper voice for {coach.language!r} is installed"
    return "", ""


def active_voice(coach: CoachSettings, dirs: list[Path]) -> tuple[str, str]:
    """(engine, voice) the settings choose, without loading anything: ("piper", NAME) or
    ("pyttsx3", espeak-ng voice id). A Piper voice that fails to load is still named here."""
    name, _how = _piper_name(coach, dirs)
    if name:
        return "piper", name
    from voicecoach.speech.tts.espeak import EspeakSynthesizer

    synth = EspeakSynthesizer("" if coach.voice_engine == "piper" else coach.voice, coach.language)
    try:
        synth.check()
    except VoiceCoachError:
        return "pyttsx3", coach.voice
    return "pyttsx3", synth.voice_id


def open_voice(coach: CoachSettings, cache_dir: Path, dirs: list[Path]) -> VoiceChoice:
    """Load the voice the settings ask for; never raises for a Piper problem (falls back)."""

    def espeak(voice: str) -> TextToSpeech:
        synth = EspeakSynthesizer(voice, coach.language)
        return TextToSpeech(cache_dir, voice, coach.rate, coach.volume, coach.language, synth)

    name, how = _piper_name(coach, dirs)
    if not name:
        tts = espeak(coach.voice)
        if how:  # "piper" was asked for, with nothing to load
            return VoiceChoice(
                tts,
                f"{how}; speaking with pyttsx3 (espeak-ng) instead "
                f"({command_hint('voices pull')} or {command_hint('voices add FILE')} gets one)",
                fell_back=True,
            )
        why = "" if coach.voice_engine == "pyttsx3" else " (auto: no Piper voice installed)"
        return VoiceChoice(tts, f"speaking with pyttsx3 (espeak-ng){why}")
    try:
        synth = load_piper(name, dirs)
    except VoiceError as exc:
        return VoiceChoice(
            espeak(""),
            f"{exc}; speaking with pyttsx3 (espeak-ng) instead "
            f"({command_hint(f'voices remove {name}')} and pull or add it again)",
            fell_back=True,
        )
    tts = TextToSpeech(cache_dir, name, coach.rate, coach.volume, coach.language, synth)
    return VoiceChoice(tts, f"speaking with Piper {name} ({how})")


def load_piper(name: str, dirs: list[Path]) -> PiperSynthesizer:
    """Load an installed Piper voice by name. Raises VoiceError (not installed, damaged)."""
    from voicecoach.speech.tts.piper import PiperSynthesizer

    voice = find_voice(name, dirs)
    if voice is None:
        raise VoiceError(
            f"no Piper voice named {name!r} is installed (see {command_hint('voices list')})"
        )
    model, config = voice_files(voice)
    return PiperSynthesizer(name, model, config)
