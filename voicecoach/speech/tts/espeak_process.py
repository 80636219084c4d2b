"""The espeak-ng child process, seen from the session: requests sent, replies read, and a child
that crashed replaced.

One child per process (``espeak_worker.py`` is its side), started on the first request. Requests
may be sent ahead and their replies read later (the first lines render while the recogniser
loads). When the child dies before replying (a crash inside espeak-ng, or a kill), a new one is
started and every request still waiting is sent to it again; the request it was working on is
given up with a VoiceCoachError only when a second child dies on it too.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

from voicecoach.errors import VoiceCoachError

WORKER = Path(__file__).with_name("espeak_worker.py")
"""The child's program (it imports nothing of voicecoach)."""

CLOSE_WAIT_S = 0.5
"""How long ``close`` lets the child end by itself (stdin closed) before it is killed."""

TRIES = 2
"""Children that may die on one request before it fails: a crash is retried once."""

Reply = tuple[dict[str, Any], bytes]


def _how_it_ended(returncode: int | None) -> str:
    if returncode is not None and returncode < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-returncode).name}"
    return f"exit status {returncode}"


class EspeakProcess:
    """A pyttsx3 (espeak-ng) engine in a child process; safe to use from any thread."""

    def __init__(self, command: list[str] | None = None) -> None:
        self._command = command or [sys.executable, "-P", str(WORKER)]
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.RLock()
        self._next_id = 0
        self._waiting: dict[int, bytes] = {}
        """Requests sent to the current child (or to send to the next one), oldest first."""
        self._replies: dict[int, Reply] = {}
        self._crashes: dict[int, int] = {}
        self._closed = False

    @property
    def pid(self) -> int | None:
        """The running child's process id (None before the first request, or after close)."""
        proc = self._proc
        return proc.pid if proc is not None else None

    def start(self) -> None:
        """Start the child now (it loads while the caller does other work)."""
        with self._lock:
            self._child()

    def send(self, op: str, **fields: Any) -> int:
        """Send a request without waiting for it; returns its id for ``reply``."""
        with self._lock:
            self._next_id += 1
            request_id = self._next_id
            message = json.dumps({"id": request_id, "op": op, **fields}).encode() + b"\n"
            self._waiting[request_id] = message
            fresh = self._proc is None
            proc = self._child()  # a fresh child is sent everything waiting, this one included
            if not fresh:
                self._write(proc, message)
            return request_id

    def holds(self, request_id: int) -> bool:
        """Whether ``reply(request_id)`` can be answered (it was sent here and not yet read)."""
        with self._lock:
            return request_id in self._waiting or request_id in self._replies

    def reply(self, request_id: int) -> Reply:
        """The reply to a request sent before: its fields and its payload (PCM for a render).

        Raises VoiceCoachError when the child refused it (the reason from the child) or died on
        it twice.
        """
        with self._lock:
            while request_id not in self._replies:
                if request_id not in self._waiting:
                    raise KeyError(request_id)
                self._read_one()
            header, payload = self._replies.pop(request_id)
        if "error" in header:
            raise VoiceCoachError(str(header["error"]))
        return header, payload

    def request(self, op: str, **fields: Any) -> Reply:
        """Send a request and wait for its reply (see ``reply``)."""
        return self.reply(self.send(op, **fields))

    def close(self) -> None:
        """End the child (now, if it is rendering) and refuse further requests."""
        self._closed = True
        proc, self._proc = self._proc, None  # no lock: a reader may be blocked on this child
        if proc is None:
            return
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        try:
            proc.wait(timeout=0 if self._waiting else CLOSE_WAIT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            with contextlib.suppress(OSError):
                proc.stdout.close()

    # ---- the child -----------------------------------------------------------------------
    def _child(self) -> subprocess.Popen[bytes]:
        if self._closed:
            raise VoiceCoachError("text to speech was closed")
        if self._proc is None:
            try:
                self._proc = subprocess.Popen(
                    self._command,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    process_group=0,  # Ctrl-C at the terminal is the session's to handle
                )
            except OSError as exc:
                raise VoiceCoachError(f"text to speech cannot start ({exc.strerror})") from exc
            for message in self._waiting.values():
                self._write(self._proc, message)
        return self._proc

    @staticmethod
    def _write(proc: subprocess.Popen[bytes], message: bytes) -> None:
        stdin: IO[bytes] | None = proc.stdin
        if stdin is None:  # pragma: no cover - always a pipe
            return
        try:
            stdin.write(message)
            stdin.flush()
        except OSError:  # the child is gone: found when its reply is read
            pass

    def _read_one(self) -> None:
        proc = self._child()
        stdout = proc.stdout
        if stdout is None:  # pragma: no cover - always a pipe
            raise VoiceCoachError("text to speech has no output")
        try:
            line = stdout.readline()
            header: dict[str, Any] | None = json.loads(line) if line else None
            size = int(header["bytes"]) if header else 0
            payload = stdout.read(size) if size else b""
        except (ValueError, KeyError, TypeError):
            header, payload, size = None, b"", 0
        except BaseException:  # Ctrl-C while waiting: this child's replies are out of step
            self._drop(proc)
            raise
        if header is None or len(payload) < size:
            self._crashed(proc)
            return
        request_id = int(header.get("id") or 0)
        self._waiting.pop(request_id, None)
        self._replies[request_id] = (header, payload)

    def _drop(self, proc: subprocess.Popen[bytes]) -> None:
        """Kill the child and forget it; what was waiting is sent to the next one."""
        with contextlib.suppress(OSError):
            proc.kill()
        proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        if self._proc is proc:
            self._proc = None

    def _crashed(self, proc: subprocess.Popen[bytes]) -> None:
        """The child died before replying: the request it was on fails on the second death."""
        self._drop(proc)
        if self._closed:
            raise VoiceCoachError("text to speech was closed")
        head = next(iter(self._waiting), None)
        if head is None:
            return
        self._crashes[head] = self._crashes.get(head, 0) + 1
        if self._crashes[head] >= TRIES:
            del self._waiting[head], self._crashes[head]
            how = _how_it_ended(proc.returncode)
            self._replies[head] = (
                {"error": f"text to speech failed: espeak-ng stopped twice on one line ({how})"},
                b"",
            )
