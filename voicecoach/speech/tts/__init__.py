"""Text to speech: lines rendered to 16 kHz mono PCM by one of two engines, cached on disk.

    TextToSpeech ── render(text) ─▶ cache (engine, voice, language, rate, volume, text)
                                     └─ miss ─▶ Synthesizer: EspeakSynthesizer (pyttsx3, always;
                                                             rendered in a child process)
                                                             PiperSynthesizer (neural, optional)

Which engine and voice a session uses is decided in ``choose.py`` (coach.voice_engine).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from voicecoach.audio.wavfile import read_wav, write_wav
from voicecoach.errors import AudioFileError, VoiceCoachError
from voicecoach.paths import private_dir
from voicecoach.speech.tts.espeak import EspeakSynthesizer, release_engine

log = logging.getLogger(__name__)


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

    def prefetch(self, lines: list[str]) -> bool:
        """Start rendering the lines not in the cache now, when the engine renders elsewhere
        (espeak-ng's child process works while this one loads other things); ``render``
        collects them. False (nothing done) for an engine that renders in this process."""
        start = getattr(self.synthesizer, "start", None)
        if start is None:
            return False
        for text in dict.fromkeys(lines):
            if text and not self.cache_path(text).exists():
                start(text, self.rate, self.volume)
        return True

    def cache_path(self, text: str) -> Path:
        """Where the rendering of this line with the current engine, voice and rate is kept."""
        s = self.synthesizer
        key = "\x1f".join(
            (s.engine, s.voice, text, self._language, str(self.rate), str(self.volume))
        )
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        return self._cache_dir / f"{digest}.wav"

    def render(self, text: str, personal: bool = False) -> bytes:
        """The line as 16 kHz mono int16 PCM, from the cache when it was said before.

        A ``personal`` line (made from the person's own words: a reflection, a look back at an
        answer) is never read from or written to the cache, and a copy an older version left
        there is removed. Raises VoiceCoachError when the engine renders nothing.
        """
        cached = self.cache_path(text)
        if personal:
            with contextlib.suppress(OSError):
                cached.unlink(missing_ok=True)
            return self._rendered(text, personal=True)
        if cached.exists():
            try:
                return read_wav(cached)
            except AudioFileError:
                log.warning("a damaged line in the voice cache was rendered again")
        pcm = self._rendered(text)
        try:
            write_wav(cached, pcm)
            os.chmod(cached, 0o600)
        except (OSError, VoiceCoachError) as exc:
            global _CACHE_WARNED
            if not _CACHE_WARNED:
                log.warning("the voice cache cannot be written (%s); lines are rendered anew", exc)
                _CACHE_WARNED = True
        return pcm

    def _rendered(self, text: str, personal: bool = False) -> bytes:
        with _scratch(self._cache_dir) as scratch:
            pcm = self.synthesizer.synthesize(text, self.rate, self.volume, scratch)
        if not pcm:  # a personal line is not quoted: the person's words stay out of messages
            which = "a line made from an answer" if personal else repr(text[:40])
            raise VoiceCoachError(f"text to speech produced no audio for {which}")
        return pcm


_CACHE_WARNED = False
"""The voice cache's write failure is told once per process."""


@contextlib.contextmanager
def _scratch(cache_dir: Path) -> Iterator[Path]:
    """A scratch folder in the voice cache, or in the system's temporary folder when the cache
    cannot be written (a full disk); VoiceCoachError when neither can."""
    try:
        private_dir(cache_dir)
        folder = tempfile.TemporaryDirectory(dir=cache_dir, prefix=".render-")
    except (OSError, VoiceCoachError):
        try:
            folder = tempfile.TemporaryDirectory(prefix="voicecoach-render-")
        except OSError as exc:
            raise VoiceCoachError(f"no room to render speech ({exc.strerror})") from exc
    with folder as name:
        yield Path(name)


__all__ = ["Synthesizer", "TextToSpeech", "release_engine"]
