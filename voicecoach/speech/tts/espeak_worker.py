"""The child process that renders with pyttsx3 (espeak-ng): requests in, 16 kHz PCM out.

espeak-ng renders in native code that has, now and then, crashed the process it runs in
(a segmentation fault inside its synthesis call). It runs here, in a child of its own, so such
a crash ends this process only; the session's process starts another (``espeak_process.py``).

Run as ``python -m voicecoach.speech.tts.espeak_worker``. Each request is one JSON line on
stdin with an ``id`` and an ``op``:

    {"id": 1, "op": "voices"}                               → {"voices": [[id, name, [codes]]]}
    {"id": 2, "op": "pick", "voice": "", "language": "en"}  → {"voice_id": "gmw/en-US"}
    {"id": 3, "op": "render", "voice": "", "language": "en", "text": "Hello.",
     "rate": 160, "volume": 1.0}                            → {"voice_id": …} + PCM bytes

Each reply is one JSON line holding the request's ``id``, ``bytes`` (the length of the binary
payload that follows the line: 16 kHz mono int16 PCM for a render, else 0) and either the
fields above or ``error`` (one line for the user). The child ends when stdin closes or its
parent is gone; Ctrl-C (sent to the whole process group) is the parent's to handle.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sys
import threading
import time
from typing import Any, BinaryIO

PARENT_CHECK_S = 0.2
"""How often the child checks that its parent is still there."""


def _outlive_no_parent(parent: int) -> None:
    """End the child once its parent is gone (killed, crashed), even mid-render."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)


class Worker:
    """One pyttsx3 engine, started on the first request that needs it."""

    def __init__(self) -> None:
        self._engine: Any = None
        self._voices: list[Any] | None = None
        self._picked: dict[tuple[str, str], str] = {}

    def engine(self) -> Any:
        if self._engine is None:
            from voicecoach.errors import VoiceCoachError

            try:
                import pyttsx3

                engine = pyttsx3.init()
                # The espeak driver starts out "busy": the first runAndWait() of a process can
                # return before any audio is written. One empty run settles it.
                engine.runAndWait()
            except (ImportError, RuntimeError, OSError) as exc:
                raise VoiceCoachError(
                    f"text to speech is not available ({exc}); sudo apt-get install espeak-ng"
                ) from exc
            self._engine = engine
        return self._engine

    def voices(self) -> list[Any]:
        if self._voices is None:
            from voicecoach.speech.tts.espeak import EspeakVoice, language_codes

            found = self.engine().getProperty("voices") or []
            self._voices = [EspeakVoice(str(v.id), str(v.name), language_codes(v)) for v in found]
        return self._voices

    def pick(self, voice: str, language: str) -> str:
        key = (voice, language)
        if key not in self._picked:
            from voicecoach.speech.tts.espeak import pick_voice

            self._picked[key] = pick_voice(self.voices(), voice, language)
        return self._picked[key]

    def render(self, request: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
        from voicecoach.audio.wavfile import wav_bytes_to_pcm

        voice_id = self.pick(str(request["voice"]), str(request["language"]))
        engine = self.engine()
        if voice_id:
            engine.setProperty("voice", voice_id)
        engine.setProperty("rate", int(request["rate"]))
        engine.setProperty("volume", float(request["volume"]))
        pcm = b""
        for _attempt in range(2):  # an empty render is tried once more
            buffer = io.BytesIO()
            engine.save_to_file(str(request["text"]), buffer)
            engine.runAndWait()
            data = buffer.getvalue()
            pcm = wav_bytes_to_pcm(data, "espeak-ng output") if len(data) > 44 else b""
            if pcm:
                break
        return {"voice_id": voice_id}, pcm

    def handle(self, request: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
        """The reply to one request (an ``error`` field when it could not be done)."""
        from voicecoach.errors import VoiceCoachError

        try:
            op = request.get("op")
            if op == "voices":
                listed = [[v.id, v.name, list(v.languages)] for v in self.voices()]
                return {"voices": listed}, b""
            if op == "pick":
                return {"voice_id": self.pick(str(request["voice"]), str(request["language"]))}, b""
            if op == "render":
                return self.render(request)
            return {"error": f"unknown request {op!r}"}, b""
        except (VoiceCoachError, KeyError, ValueError, TypeError) as exc:
            return {"error": str(exc)}, b""


def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    """Answer requests until stdin closes."""
    worker = Worker()
    for line in requests:
        try:
            request = json.loads(line)
        except ValueError:
            continue
        header, payload = worker.handle(request)
        header |= {"id": request.get("id"), "bytes": len(payload)}
        replies.write(json.dumps(header).encode() + b"\n" + payload)
        replies.flush()


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_outlive_no_parent, args=(os.getppid(),), daemon=True).start()
    # Replies go to a copy of stdout; whatever espeak or pyttsx3 print goes nowhere.
    replies = os.fdopen(os.dup(1), "wb")
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.close(quiet)
    with contextlib.suppress(BrokenPipeError):
        serve(sys.stdin.buffer, replies)
    os._exit(0)  # no finalisers: the engine's would need modules already torn down


if __name__ == "__main__":
    main()
