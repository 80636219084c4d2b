"""pyttsx3 (espeak-ng): the voice that always works, rendered in a child process of its own.

espeak-ng's native code has crashed the process it renders in; it runs in a child
(``espeak_worker.py``, driven through ``espeak_process.py``), so a crash ends the child only: a
new one renders the line again, and a line that fails twice is a VoiceCoachError.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicecoach.audio.wavfile import wav_bytes_to_pcm
from voicecoach.speech.tts.espeak_process import EspeakProcess
from voicecoach.speech.tts.espeak_worker import WAV_HEADER, match_voice

ENGINE = "pyttsx3"

_PROCESS: EspeakProcess | None = None
"""The process's one espeak-ng child (started on first use)."""
_PROCESS_LOCK = threading.Lock()
_AT_EXIT = False


def espeak_process() -> EspeakProcess:
    """The espeak-ng child of this process (started on the first request); ended at exit."""
    global _PROCESS, _AT_EXIT
    with _PROCESS_LOCK:
        if _PROCESS is None:
            _PROCESS = EspeakProcess()
            if not _AT_EXIT:
                atexit.register(release_engine)
                _AT_EXIT = True
        return _PROCESS


def start_engine() -> None:
    """Start the espeak-ng child now, so it loads while the caller does other work."""
    espeak_process().start()


def release_engine() -> None:
    """End the espeak-ng child (the next request starts a new one)."""
    global _PROCESS
    with _PROCESS_LOCK:
        process, _PROCESS = _PROCESS, None
    if process is not None:
        with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C as the process ends
            process.close()


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


def espeak_voices() -> list[EspeakVoice]:
    """Every voice of the pyttsx3 engine (espeak-ng); raises VoiceCoachError without one."""
    header, _ = espeak_process().request("voices")
    return [EspeakVoice(str(i), str(n), tuple(map(str, c))) for i, n, c in header["voices"]]


def voices_for_language(voices: list[EspeakVoice], language: str) -> list[EspeakVoice]:
    """The voices of a language ("en" matches en, en-us, en-gb-…)."""
    return [v for v in voices if v.speaks(language)]


def _rows(voices: list[EspeakVoice]) -> list[list[Any]]:
    return [[v.id, v.name, list(v.languages)] for v in voices]


def default_voice_id(voices: list[EspeakVoice], language: str) -> str:
    """The voice used when coach.voice is "": LANG-us first, then LANG; "" = the engine's own."""
    return match_voice(_rows(voices), "", language) or ""


def pick_voice(voices: list[EspeakVoice], wanted: str, language: str) -> str:
    """The id of the voice coach.voice names (by id or name; "" = by ``language``, see
    ``default_voice_id``). VoiceCoachError naming voices of the language when it names none."""
    found = match_voice(_rows(voices), wanted, language)
    if found is not None:
        return found
    same = sorted(v.id for v in voices_for_language(voices, language))
    names = ", ".join(same[:8]) + (" …" if len(same) > 8 else "")
    from voicecoach.config import config_error, toml_value

    spelled = toml_value(language)  # as config.toml spells it: "en"
    hint = f"{spelled} voices: {names}" if same else f"no {spelled} voice"
    raise config_error("coach.voice", f"no voice {toml_value(wanted.lower())} ({hint})")


PICK = ("", -1, -1.0)
"""Where ``EspeakSynthesizer._started`` keeps the voice's look-up sent ahead of the lines."""


class EspeakSynthesizer:
    """pyttsx3 renders to 16 kHz mono int16 PCM, in the process's espeak-ng child; usable from
    any thread."""

    engine = ENGINE

    def __init__(self, voice: str = "", language: str = "en") -> None:
        self.voice = voice
        """The configured voice ("" = picked by language); part of the render cache key."""
        self.language = language
        self._voice_id: str | None = None
        self._started: dict[tuple[str, int, float], tuple[EspeakProcess, int]] = {}
        """Lines sent to the child ahead of time (``start``), by (text, rate, volume)."""

    @property
    def voice_id(self) -> str:
        """The espeak-ng voice used ("" = the engine's default); known after check()."""
        return self._voice_id or ""

    @property
    def label(self) -> str:
        """What the voice is, for people: "pyttsx3 (espeak-ng) gmw/en-US"."""
        return f"pyttsx3 (espeak-ng) {self._voice_id or self.voice or self.language}"

    def check(self) -> None:
        """Start the engine and find the voice; VoiceCoachError naming voices of the language
        when coach.voice names none."""
        if self._voice_id is None:
            process, request_id = self._started.pop(PICK, (None, 0))
            if process is not espeak_process() or not process.holds(request_id):
                process, request_id = self._send_pick()
            header, _ = process.reply(request_id)
            self._voice_id = self._found(header)

    def _send_pick(self) -> tuple[EspeakProcess, int]:
        process = espeak_process()
        return process, process.send("pick", voice=self.voice, language=self.language)

    def _found(self, header: dict[str, Any]) -> str:
        """The voice id the child used; VoiceCoachError when coach.voice names none."""
        voice_id = header.get("voice_id")
        if voice_id is None:
            return pick_voice(espeak_voices(), self.voice, self.language)  # raises, naming some
        return str(voice_id)

    def _send(self, text: str, rate: int, volume: float) -> tuple[EspeakProcess, int]:
        process = espeak_process()
        fields = {"voice": self.voice, "language": self.language, "text": text}
        return process, process.send("render", rate=rate, volume=volume, **fields)

    def start(self, text: str, rate: int, volume: float) -> None:
        """Begin rendering a line in the child now; ``synthesize`` collects it later. The voice
        is looked for first, so ``check`` does not wait for the lines."""
        if self._voice_id is None and PICK not in self._started:
            self._started[PICK] = self._send_pick()
        key = (text, rate, volume)
        if key not in self._started:
            self._started[key] = self._send(text, rate, volume)

    def synthesize(self, text: str, rate: int, volume: float, scratch: Path) -> bytes:
        """The line as 16 kHz mono int16 PCM ("" when espeak-ng rendered nothing, twice).

        rate is in words per minute, volume 0–1. VoiceCoachError when the voice is unknown or
        espeak-ng crashed twice on the line. ``scratch`` is not used: the WAV stays in memory
        (a write failing inside pyttsx3's loop, on a full disk, would leave it waiting for ever).
        """
        process, request_id = self._started.pop((text, rate, volume), (None, 0))
        if process is not espeak_process() or not process.holds(request_id):
            process, request_id = self._send(text, rate, volume)
        header, wav = process.reply(request_id)
        self._voice_id = self._found(header)
        return wav_bytes_to_pcm(wav, "espeak-ng output") if len(wav) > WAV_HEADER else b""
