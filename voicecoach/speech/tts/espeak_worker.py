"""The child process that renders with pyttsx3 (espeak-ng): requests in, 16 kHz PCM out.

espeak-ng renders in native code that has, now and then, crashed the process it runs in
(a segmentation fault inside its synthesis call). It runs here, in a child of its own, so such
a crash ends this process only; the session's process starts another (``espeak_process.py``).

Run as ``python -P espeak_worker.py``: it imports nothing of voicecoach (nor numpy), so it is
ready in a fraction of the time the session takes to load its recogniser. Each request is one
JSON line on stdin with an ``id`` and an ``op``:

    {"id": 1, "op": "voices"}                               → {"voices": [[id, name, [codes]]]}
    {"id": 2, "op": "pick", "voice": "", "language": "en"}  → {"voice_id": "gmw/en-US"}
    {"id": 3, "op": "render", "voice": "", "language": "en", "text": "Hello.",
     "rate": 160, "volume": 1.0}                            → {"voice_id": …} + WAV bytes

Each reply is one JSON line holding the request's ``id``, ``bytes`` (the length of the binary
payload that follows the line: espeak-ng's WAV for a render, else 0) and either the fields above
or ``error`` (one line for the user). A voice named that does not exist is ``"voice_id": null``
(the session names the voices there are). The child ends when stdin closes or its parent is
gone; Ctrl-C at the terminal is the session's to handle.
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

WAV_HEADER = 44
"""Bytes of a WAV with no samples: a render this short is empty."""


class Refused(Exception):
    """A request that cannot be done (no espeak-ng): its reply is the message."""


def _outlive_no_parent(parent: int) -> None:
    """End the child once its parent is gone (killed, crashed), even mid-render."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)


def language_codes(voice: Any) -> list[str]:
    """A pyttsx3 voice's language codes, lower case with dashes ("en-us")."""
    codes = [
        c.decode(errors="ignore") if isinstance(c, bytes) else str(c)
        for c in (voice.languages or [])
    ]
    return [c.strip("\x00\x01\x02\x03\x04\x05").lower().replace("_", "-") for c in codes]


def match_voice(voices: list[list[Any]], wanted: str, language: str) -> str | None:
    """The id of the voice ``wanted`` names (by id or name, any case) among [id, name, codes]
    rows; for "" the voice of ``language``: an id ending in LANG-us, then LANG ("" = the
    engine's own). None when ``wanted`` names no voice."""
    wanted = wanted.lower()
    if wanted:
        return next((v[0] for v in voices if wanted in (v[0].lower(), v[1].lower())), None)
    for preferred in (f"{language}-us", language):
        for voice in voices:
            if voice[0].lower().endswith("/" + preferred):
                return str(voice[0])
    return ""


class Worker:
    """One pyttsx3 engine, started on the first request that needs it."""

    def __init__(self) -> None:
        self._engine: Any = None
        self._voices: list[list[Any]] | None = None
        self._picked: dict[tuple[str, str], str | None] = {}

    def engine(self) -> Any:
        if self._engine is None:
            try:
                import pyttsx3

                engine = pyttsx3.init()
                # The espeak driver starts out "busy": the first runAndWait() of a process can
                # return before any audio is written. One empty run settles it.
                engine.runAndWait()
            except (ImportError, RuntimeError, OSError) as exc:
                raise Refused(
                    f"text to speech is not available ({exc}); sudo apt-get install espeak-ng"
                ) from exc
            self._engine = engine
        return self._engine

    def voices(self) -> list[list[Any]]:
        if self._voices is None:
            found = self.engine().getProperty("voices") or []
            self._voices = [[str(v.id), str(v.name), language_codes(v)] for v in found]
        return self._voices

    def pick(self, voice: str, language: str) -> str | None:
        key = (voice, language)
        if key not in self._picked:
            self._picked[key] = match_voice(self.voices(), voice, language)
        return self._picked[key]

    def render(self, request: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
        voice_id = self.pick(str(request["voice"]), str(request["language"]))
        if voice_id is None:
            return {"voice_id": None}, b""
        engine = self.engine()
        if voice_id:
            engine.setProperty("voice", voice_id)
        engine.setProperty("rate", int(request["rate"]))
        engine.setProperty("volume", float(request["volume"]))
        data = b""
        for _attempt in range(2):  # an empty render is tried once more
            buffer = io.BytesIO()
            engine.save_to_file(str(request["text"]), buffer)
            engine.runAndWait()
            data = buffer.getvalue()
            if len(data) > WAV_HEADER:
                break
        return {"voice_id": voice_id}, data

    def handle(self, request: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
        """The reply to one request (an ``error`` field when it could not be done)."""
        try:
            op = request.get("op")
            if op == "voices":
                return {"voices": self.voices()}, b""
            if op == "pick":
                return {"voice_id": self.pick(str(request["voice"]), str(request["language"]))}, b""
            if op == "render":
                return self.render(request)
            return {"error": f"unknown request {op!r}"}, b""
        except (Refused, KeyError, ValueError, TypeError) as exc:
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
    # Replies go to a copy of stdout; whatever espeak, the libraries under it or pyttsx3
    # print goes nowhere, on stdout or stderr (libpulse, which espeak-ng loads for its own
    # playback, writes "ftruncate() failed: File too large" to stderr when files cannot grow).
    replies = os.fdopen(os.dup(1), "wb")
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)
    os.close(quiet)
    with contextlib.suppress(BrokenPipeError):
        serve(sys.stdin.buffer, replies)
    os._exit(0)  # no finalisers: the engine's would need modules already torn down


if __name__ == "__main__":
    main()
