"""Text to speech: pyttsx3 renders each line to a WAV, cached on disk by text, voice and rate."""

from __future__ import annotations

import atexit
import contextlib
import gc
import hashlib
import io
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from voicecoach.audio.wavfile import read_wav, write_wav
from voicecoach.errors import VoiceCoachError
from voicecoach.paths import private_dir

log = logging.getLogger(__name__)


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


def _speaks(voice: Any, language: str) -> bool:
    """Whether a pyttsx3 voice is of ``language`` ("en" matches en, en-us, en-gb-…)."""
    codes = [c.decode(errors="ignore") if isinstance(c, bytes) else str(c) for c in voice.languages]
    codes = [c.strip("\x00\x01\x02\x03\x04\x05").lower().replace("_", "-") for c in codes]
    wanted = language.lower()
    return any(c == wanted or c.startswith(wanted + "-") for c in codes)


def release_engine() -> None:
    """Let the engine go while the interpreter still runs (its finaliser needs its modules)."""
    global _ENGINE, _ENGINE_OWNER
    _ENGINE = None
    _ENGINE_OWNER = None
    gc.collect()


class TextToSpeech:
    """Renders lines to 16 kHz mono PCM. One pyttsx3 engine, used from one thread."""

    def __init__(
        self,
        cache_dir: Path,
        voice: str = "",
        rate: int = 160,
        volume: float = 1.0,
        language: str = "en",
    ) -> None:
        self._cache_dir = cache_dir
        self._voice_wanted = voice
        self._language = language
        self.rate = rate
        self.volume = volume
        self._voice_id: str | None = None

    def _engine(self) -> Any:
        """The shared engine, set to this voice, rate and volume."""
        engine = _shared_engine()
        if self._voice_id is None:
            self._voice_id = self._pick_voice(engine)
        if self._voice_id:
            engine.setProperty("voice", self._voice_id)
        engine.setProperty("rate", self.rate)
        engine.setProperty("volume", self.volume)
        return engine

    def check_voice(self) -> None:
        """Start the engine and find the voice asked for, before anything is said or written;
        VoiceCoachError naming voices of ``coach.language`` when there is no such voice."""
        self._engine()

    def _pick_voice(self, engine: Any) -> str:
        voices = engine.getProperty("voices") or []
        wanted = self._voice_wanted.lower()
        if wanted:
            for voice in voices:
                if wanted in (str(voice.id).lower(), str(voice.name).lower()):
                    return str(voice.id)
            same = sorted(str(v.id) for v in voices if _speaks(v, self._language))
            names = ", ".join(same[:8]) + (" …" if len(same) > 8 else "")
            hint = f"{self._language!r} voices: {names}" if same else f"no {self._language!r} voice"
            raise VoiceCoachError(f"config.toml: coach.voice: no voice {wanted!r} ({hint})")
        for preferred in (f"{self._language}-us", self._language):
            for voice in voices:
                if str(voice.id).lower().endswith("/" + preferred):
                    return str(voice.id)
        return ""

    def cache_path(self, text: str) -> Path:
        key = f"{text}\x1f{self._voice_wanted}\x1f{self._language}\x1f{self.rate}\x1f{self.volume}"
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        return self._cache_dir / f"{digest}.wav"

    def render(self, text: str) -> bytes:
        """The line as 16 kHz mono int16 PCM, from the cache when it was said before."""
        cached = self.cache_path(text)
        if cached.exists():
            return read_wav(cached)
        engine = self._engine()
        private_dir(self._cache_dir)
        fd, raw_name = tempfile.mkstemp(suffix=".wav", dir=self._cache_dir)
        os.close(fd)
        raw = Path(raw_name)
        try:
            pcm = b""
            for _attempt in range(2):  # an empty render is tried once more
                with contextlib.redirect_stdout(io.StringIO()):
                    engine.save_to_file(text, str(raw))
                    engine.runAndWait()
                pcm = read_wav(raw) if raw.stat().st_size else b""
                if pcm:
                    break
        finally:
            raw.unlink(missing_ok=True)
        if not pcm:
            raise VoiceCoachError(f"text to speech produced no audio for {text[:40]!r}")
        write_wav(cached, pcm)
        return pcm
