"""Ctrl-C and SIGTERM: what they do at each moment of a run.

default     (every command)   Ctrl-C raises KeyboardInterrupt: the CLI prints one line.
starting    (session, listen)  engines, voices and devices are being opened: nothing has been
                               said or kept yet, so either signal ends the process at once,
                               with one line (a signal inside a C library's callback, such
                               as espeak's, could not be raised as an exception there).
session     (the loop runs)    a first Ctrl-C asks the session to end politely (it says a
                               short goodbye); SIGTERM or a second Ctrl-C ends it at once:
                               no more speaking, and if the process is still busy in a
                               blocking call (a long rendering, a device, an engine) after
                               URGENT_GRACE_S, it exits. Answers are kept either way: each
                               is in the journal as soon as it is final, the words of one
                               being spoken are saved first (cut short), and a session left
                               open is marked interrupted the next time the journal opens.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any, NoReturn

URGENT_GRACE_S = 0.5
"""After an urgent stop, how long the session may take to end by itself before the process
exits (the whole stop stays within a second)."""

KEEP_GRACE_S = 3.0
"""Longest an urgent stop waits, beyond URGENT_GRACE_S, for the words of an answer being spoken
to be decoded and saved (``StopSignals.keeping``)."""

DRAIN_S = 1.0
"""Longest the end of a run's phase waits for the signals that reached it to be acted on."""

STOPPED = "voicecoach: stopped"
"""What every command says when the user stops it (Ctrl-C, SIGTERM): not an error."""
STOPPED_LINE = f"{STOPPED}\n".encode()


def exit_code(signum: int) -> int:
    """The exit code of a run ended by signal ``signum``: 128 + its number (130 for Ctrl-C,
    143 for SIGTERM), whether it ended at once or after a session ended well."""
    return 128 + signum


INTERRUPTED = exit_code(signal.SIGINT)
"""The exit code after Ctrl-C, whichever command was running."""


def exit_interrupted() -> NoReturn:
    """End the process with ``INTERRUPTED`` after Ctrl-C interrupted Python code, once its one
    line is printed: output flushed, then ``os._exit``.

    Returning 130 through the interpreter's own exit is not enough on CPython 3.11: when the
    interrupt landed inside code run from a string (a dataclass's methods being made while a
    command's modules were imported), the process then ended itself with SIGINT (status -2)
    after printing its line, in about 1 of 20 interrupts 0.2 s into a session's start-up.
    Nothing is left to clean up at that point: nothing was said or kept yet.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(INTERRUPTED)


class StopSignals:
    """The process's SIGINT / SIGTERM handling (one per process: signals are process-wide).

    The C-level handler writes each signal's number to a socket (``signal.set_wakeup_fd``) and a
    thread acts on it, so a main thread blocked inside a C call (espeak rendering, PortAudio
    opening a device, an engine finishing) cannot delay the stop.
    """

    def __init__(self) -> None:
        self.urgent = threading.Event()
        """Set by SIGTERM or a second Ctrl-C during a session: stop now, say nothing more."""
        self.received: int | None = None
        """The first signal that ended a session (SIGINT or SIGTERM), so the command line can
        exit 128 + its number after the session was ended well; None when none came."""
        self._polite: Callable[[], None] | None = None
        self._starting = False
        self._asked = False
        self._finished = threading.Event()
        self._kept = threading.Event()
        self._kept.set()
        self._lock = threading.Lock()

    def _install(self) -> _Installed | None:
        if threading.current_thread() is not threading.main_thread():
            return None
        reader, writer = socket.socketpair()
        writer.setblocking(False)
        thread = threading.Thread(target=self._read, args=(reader,), name="signals", daemon=True)
        thread.start()  # ready before the first signal can reach the socket
        old_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        handlers = {sig: signal.signal(sig, _noted) for sig in (signal.SIGINT, signal.SIGTERM)}
        return _Installed(handlers, old_fd, writer, thread)

    @staticmethod
    def _restore(installed: _Installed | None) -> None:
        """Put back the handling from before ``_install``, then act on every signal that reached
        this installation's socket before returning (none is left unread in it).

        The Python-level handlers go back first: a signal between the two steps then reaches
        both this socket and the handling put back, rather than neither.
        """
        if installed is None:
            return
        for sig, handler in installed.handlers.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(installed.old_fd)
        installed.writer.close()  # the reader reads what is left, then the end of the stream
        installed.thread.join(DRAIN_S)

    def _read(self, reader: socket.socket) -> None:
        with reader:
            while True:
                try:
                    data = reader.recv(64)
                except OSError:
                    return
                if not data:
                    return
                for signum in data:
                    self._on_signal(signum)

    @contextlib.contextmanager
    def starting(self) -> Iterator[None]:
        """While a session's parts are opened: a signal ends the process at once."""
        self._starting = True  # before any signal can reach the socket
        installed = self._install()
        try:
            yield
        finally:
            self._restore(installed)  # a signal that came while starting still ends the process
            self._starting = False

    @contextlib.contextmanager
    def session(self, polite: Callable[[], None]) -> Iterator[None]:
        """While a session runs: ``polite`` is called on the first Ctrl-C (and on an urgent
        stop, so the loop ends at its next frame)."""
        with self._lock:  # before any signal can reach the socket
            self._starting = False  # from here on there is something to end well
            self._polite, self._asked = polite, False
            self.urgent.clear()
            self._finished.clear()
        installed = self._install()
        try:
            yield
        finally:
            with self._lock:
                self._finished.set()
                self._polite = None
            self._restore(installed)

    @contextlib.contextmanager
    def keeping(self) -> Iterator[None]:
        """While the answer being spoken is decoded and saved on a stop: an urgent stop waits
        for it (up to KEEP_GRACE_S more) before the process exits."""
        self._kept.clear()
        try:
            yield
        finally:
            self._kept.set()

    def _on_signal(self, signum: int) -> None:
        with self._lock:
            polite = self._polite
            if polite is None and self._starting:
                _exit_now(signum)
            if self.received is None:  # after a session ended, too: the command exits 128 + it
                self.received = signum
            if polite is None:
                return
            if signum == signal.SIGINT and not self._asked:
                self._asked = True
                urgent = False
            elif self.urgent.is_set():
                return
            else:
                self.urgent.set()
                urgent = True
        polite()
        if urgent and not self._finished.wait(URGENT_GRACE_S):
            if not self._kept.is_set():  # an answer's words are being saved: let it end
                self._kept.wait(KEEP_GRACE_S)
            if not self._finished.is_set():
                _exit_now(signum)


@dataclass
class _Installed:
    handlers: dict[signal.Signals, Any]
    old_fd: int
    writer: socket.socket
    thread: threading.Thread


def _noted(signum: int, frame: FrameType | None) -> None:
    """The Python-level handler: the signal was already passed on through the wakeup socket."""


def _exit_now(signum: int) -> None:
    """One line on stderr, then the process ends (no clean-up that could block)."""
    with contextlib.suppress(OSError):
        os.write(2, STOPPED_LINE)
    os._exit(exit_code(signum))


SIGNALS = StopSignals()
"""The process's one signal handling."""


def urgent() -> bool:
    """True once SIGTERM or a second Ctrl-C asked the session to end now."""
    return SIGNALS.urgent.is_set()
