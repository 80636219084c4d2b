"""Text to speech: lines rendered to 16 kHz mono PCM by one of two engines, cached on disk.

    TextToSpeech ── render(text) ─▶ cache (engine, voice, language, rate, volume, text)
                                     └─ miss ─▶ Synthesizer: EspeakSynthesizer (pyttsx3, always)
                                                             PiperSynthesizer (neural, optional)

Which engine and voice a session uses is decided in ``choose.py`` (coach.voice_engine).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

from voicecoach.audio.wavfile import read_wav, write_wav
from voicecoach.errors import VoiceCoachError
from voicecoach.paths import private_dir
from voicecoach.speech.tts.espeak import EspeakSynthesizer, release_engine


class Synthesizer(Protocol):
    """One voice of one engine: renders a line, without caching."""

    engine: str
    """"pyttsx3" or "piper"."""
    voice: str
    """The voice as configured (a Piper voice name, an espeak-ng id, "" = by language)."""

    @property
    def label(self) -> str:
        """Engine and voice, for people."""
        ...

    def check(self) -> None:
        """Raise VoiceCoachError now if the voice cannot speak (before anything is said)."""
        ...

    def synthesize(self, text: str, rate: int, volume: float, scratch: Path) -> bytes:
        """16 kHz mono int16 PCM (b"" when nothing came out); rate in words per minute."""
        ...


class TextToSpeech:
    """Renders lines to 16 kHz mono int16 PCM, from a cache when a line was said before.

    ``rate`` (words per minute) and ``volume`` (0–1) may change between lines ("slower");
    they are part of the cache key, as are the engine, the voice and the language.
    """

    def __init__(
        self,
        cache_dir: Path,
        voice: str = "",
        rate: int = 160,
        volume: float = 1.0,
        language: str = "en",
        synthesizer: Synthesizer | None = None,
    ) -> None:
        self._cache_dir = cache_dir
        self._language = language
        self.synthesizer: Synthesizer = synthesizer or EspeakSynthesizer(voice, language)
        self.rate = rate
        self.volume = volume

    @property
    def engine(self) -> str:
        return self.synthesizer.engine

    @property
    def label(self) -> str:
        return self.synthesizer.label

    def check_voice(self) -> None:
        """Find the voice asked for before anything is said or written; VoiceCoachError
        naming voices of ``coach.language`` when there is no such voice."""
        self.synthesizer.check()

    def cache_path(self, text: str) -> Path:
        """Where the rendering of this line with the current engine, voice and rate is kept."""
        s = self.synthesizer
        key = "\x1f".join(
            (s.engine, s.voice, text, self._language, str(self.rate), str(self.volume))
        )
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        return self._cache_dir / f"{digest}.wav"

    def render(self, text: str) -> bytes:
        """The line as 16 kHz mono int16 PCM, from the cache when it was said before.

        Raises VoiceCoachError when the engine renders nothing.
        """
        cached = self.cache_path(text)
        if cached.exists():
            return read_wav(cached)
        private_dir(self._cache_dir)
        with tempfile.TemporaryDirectory(dir=self._cache_dir, prefix=".render-") as scratch:
            pcm = self.synthesizer.synthesize(text, self.rate, self.volume, Path(scratch))
        if not pcm:
            raise VoiceCoachError(f"text to speech produced no audio for {text[:40]!r}")
        write_wav(cached, pcm)
        os.chmod(cached, 0o600)
        return pcm


__all__ = ["Synthesizer", "TextToSpeech", "release_engine"]
