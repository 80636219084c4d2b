"""pyttsx3 (espeak-ng on Linux): the voice that always works, rendered to a WAV and read back."""

from __future__ import annotations

import atexit
import contextlib
import gc
import io
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicecoach.audio.wavfile import wav_bytes_to_pcm
from voicecoach.errors import VoiceCoachError

ENGINE = "pyttsx3"

_ENGINE: Any = None
"""The process's one pyttsx3 engine: espeak keeps a single global synthesis callback, so a
second engine in the same process silently breaks the first."""
_ENGINE_OWNER: int | None = None


def _shared_engine() -> Any:
    global _ENGINE, _ENGINE_OWNER
    if _ENGINE is None:
        try:
            import pyttsx3

            with contextlib.redirect_stdout(io.StringIO()):
                engine = pyttsx3.init()
                # The espeak driver starts out "busy": the first runAndWait() of a process can
                # return before any audio is written. One empty run settles it.
                engine.runAndWait()
            _ENGINE = engine
            atexit.register(release_engine)
        except (ImportError, RuntimeError, OSError) as exc:
            raise VoiceCoachError(
                f"text to speech is not available ({exc}); sudo apt-get install espeak-ng"
            ) from exc
        _ENGINE_OWNER = threading.get_ident()
    if threading.get_ident() != _ENGINE_OWNER:
        raise RuntimeError("the text-to-speech engine is owned by another thread")
    return _ENGINE


def release_engine() -> None:
    """Let the engine go while the interpreter still runs (its finaliser needs its modules)."""
    global _ENGINE, _ENGINE_OWNER
    _ENGINE = None
    _ENGINE_OWNER = None
    with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C as the process ends
        gc.collect()


@dataclass(frozen=True)
class EspeakVoice:
    """One voice espeak-ng offers through pyttsx3."""

    id: str
    """e.g. "gmw/en-US" — what coach.voice may name."""
    name: str
    """e.g. "English_(America)"."""
    languages: tuple[str, ...]
    """Language codes it speaks, lower case with dashes ("en-us")."""

    def speaks(self, language: str) -> bool:
        """Whether it is a voice of ``language`` ("en" matches en, en-us, en-gb-…)."""
        wanted = language.lower()
        return any(c == wanted or c.startswith(wanted + "-") for c in self.languages)


def _codes(voice: Any) -> tuple[str, ...]:
    codes = [
        c.decode(errors="ignore") if isinstance(c, bytes) else str(c)
        for c in (voice.languages or [])
    ]
    return tuple(c.strip("\x00\x01\x02\x03\x04\x05").lower().replace("_", "-") for c in codes)


def espeak_voices() -> list[EspeakVoice]:
    """Every voice of the pyttsx3 engine (espeak-ng); raises VoiceCoachError without one."""
    voices = _shared_engine().getProperty("voices") or []
    return [EspeakVoice(str(v.id), str(v.name), _codes(v)) for v in voices]


def voices_for_language(voices: list[EspeakVoice], language: str) -> list[EspeakVoice]:
    """The voices of a language ("en" matches en, en-us, en-gb-…)."""
    return [v for v in voices if v.speaks(language)]


def default_voice_id(voices: list[EspeakVoice], language: str) -> str:
    """The voice used when coach.voice is "": LANG-us first, then LANG; "" = the engine's own."""
    for preferred in (f"{language}-us", language):
        for voice in voices:
            if voice.id.lower().endswith("/" + preferred):
                return voice.id
    return ""


class EspeakSynthesizer:
    """pyttsx3 renders to 16 kHz mono int16 PCM. One engine per process, used from one thread."""

    engine = ENGINE

    def __init__(self, voice: str = "", language: str = "en") -> None:
        self.voice = voice
        """The configured voice ("" = picked by language); part of the render cache key."""
        self.language = language
        self._voice_id: str | None = None

    @property
    def voice_id(self) -> str:
        """The espeak-ng voice used ("" = the engine's default); known after check()."""
        return self._voice_id or ""

    @property
    def label(self) -> str:
        """What the voice is, for people: "pyttsx3 (espeak-ng) gmw/en-US"."""
        return f"pyttsx3 (espeak-ng) {self._voice_id or self.voice or self.language}"

    def _engine(self, rate: int, volume: float) -> Any:
        engine = _shared_engine()
        if self._voice_id is None:
            self._voice_id = self._pick_voice()
        if self._voice_id:
            engine.setProperty("voice", self._voice_id)
        engine.setProperty("rate", rate)
        engine.setProperty("volume", volume)
        return engine

    def _pick_voice(self) -> str:
        voices = espeak_voices()
        wanted = self.voice.lower()
        if wanted:
            for voice in voices:
                if wanted in (voice.id.lower(), voice.name.lower()):
                    return voice.id
            same = sorted(v.id for v in voices_for_language(voices, self.language))
            names = ", ".join(same[:8]) + (" …" if len(same) > 8 else "")
            hint = f"{self.language!r} voices: {names}" if same else f"no {self.language!r} voice"
            raise VoiceCoachError(f"config.toml: coach.voice: no voice {wanted!r} ({hint})")
        return default_voice_id(voices, self.language)

    def check(self) -> None:
        """Start the engine and find the voice; VoiceCoachError naming voices of the language
        when coach.voice names none."""
        if self._voice_id is None:
            _shared_engine()
            self._voice_id = self._pick_voice()

    def synthesize(self, text: str, rate: int, volume: float, scratch: Path) -> bytes:
        """The line as 16 kHz mono int16 PCM ("" when espeak-ng rendered nothing).

        rate is in words per minute, volume 0–1. The engine writes its WAV into memory, not
        into ``scratch``: a write that fails inside pyttsx3's loop (a full disk) would leave
        that loop waiting for ever.
        """
        engine = self._engine(rate, volume)
        pcm = b""
        for _attempt in range(2):  # an empty render is tried once more
            buffer = io.BytesIO()
            with contextlib.redirect_stdout(io.StringIO()):
                engine.save_to_file(text, buffer)
                engine.runAndWait()
            data = buffer.getvalue()
            pcm = wav_bytes_to_pcm(data, "espeak-ng output") if len(data) > 44 else b""
            if pcm:
                break
        return pcm
