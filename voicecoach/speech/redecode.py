"""A second, whole-utterance decode of each finished answer, off the reply's path.

Streaming decoding decides when an answer ends and what the coach replies; it is quick but
its words are a little worse (no lattice search), and its confidences are not real. Once the
answer is over, its audio is decoded again whole in a child process of its own (a decoder holds
the interpreter's lock for the length of a call, so a thread would stall the audio loop for
seconds), and the journal takes those words when they are ready. If the child fails or is
slow, the streaming words stay: nothing waits for it but the journal, and then only for a
bounded time. A run not held to real time (``--fast`` files) waits for every answer of the
child instead (``Redecoder.unhurried``), so what it decides and keeps does not depend on how
busy the machine is.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TypeVar

from voicecoach.speech.cepstral_mean import LevelTracker
from voicecoach.speech.events import Utterance

log = logging.getLogger(__name__)

T = TypeVar("T")

_decoder: object | None = None
"""The child's PocketSphinx decoder (each child process loads its own once)."""

_levels = LevelTracker()
"""The speech level the child decoder's cepstral mean was learnt on."""


CLOSE_WAIT_S = 2.0
"""Longest ``close`` waits for the child to finish a decode already running and exit. Ending
the pool fully before the interpreter does matters on Python 3.11: its exit hook wakes every
pool still running, and racing the pool's own closing there printed "Bad file descriptor"
tracebacks after a session stopped by SIGTERM."""

PARENT_CHECK_S = 1.0
"""How often the child checks that the session process is still there."""


@contextlib.contextmanager
def _born_deaf_to_ctrl_c() -> Iterator[None]:
    """Start child processes inside this with SIGINT ignored, which they inherit: Ctrl-C at the
    terminal reaches the whole process group, and a child still starting its interpreter (before
    ``_load`` can ignore it) printed a KeyboardInterrupt traceback from its imports. Python
    leaves an inherited SIG_IGN in place. Only the main thread may change a handler; elsewhere
    this does nothing. A Ctrl-C in these few milliseconds is lost (the next one stops)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler if previous is None else previous)


def _outlive_no_parent(parent: int) -> None:
    """End the child once its parent is gone (killed, crashed): it must not linger."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)


def _load(model_dir: str | None) -> None:
    global _decoder
    # Ctrl-C reaches the whole process group: the session stops politely, the child says nothing.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_outlive_no_parent, args=(os.getppid(),), daemon=True).start()
    from voicecoach.speech.sphinx_engine import whole_decoder

    _decoder = whole_decoder(Path(model_dir) if model_dir else None)


def _decode(pcm: bytes, offset: float) -> Utterance:
    from voicecoach.speech.sphinx_engine import decode_whole

    if _decoder is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("the whole-utterance decoder is not loaded")
    return decode_whole(_decoder, pcm, offset, _levels)


def _last_words(pcm: bytes, alternatives: int) -> tuple[str, ...]:
    from voicecoach.speech.sphinx_engine import last_words

    if _decoder is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("the whole-utterance decoder is not loaded")
    return last_words(_decoder, pcm, alternatives)


def _ready() -> bool:
    return _decoder is not None


class Redecoder:
    """Decodes finished utterances whole with PocketSphinx, one at a time, in a child process.

    The child is started on first use and loads its own copy of the model (~150 MB resident).
    """

    def __init__(self, model_dir: Path | None = None) -> None:
        self._model_dir = str(model_dir) if model_dir is not None else None
        self.unhurried = False
        """The run is not held to real time (``--fast`` files): whoever needs the child's
        answer waits for it however long it takes, so what is decided and kept is the same
        however busy the machine is. Live, the answers have deadlines instead."""
        self._pool: ProcessPoolExecutor | None = None
        self._decodes: list[Future[Utterance]] = []
        """Whole-utterance decodes submitted and not yet known to be done."""

    def submit(self, pcm: bytes, offset: float) -> Future[Utterance]:
        """Decode 16 kHz int16 ``pcm`` whose first sample is at ``offset`` s of audio time.

        The future's result is the utterance with session times and per-word posteriors; it
        raises whatever the child raised (or BrokenProcessPool if the child died).
        """
        future = self._submit(_decode, pcm, offset)
        self._decodes = [f for f in self._decodes if not f.done()] + [future]
        return future

    @property
    def busy(self) -> bool:
        """A whole-utterance decode is still running or waiting: work given now waits for it
        (never busy when ``unhurried``: the wait is taken)."""
        if self.unhurried:
            return False
        self._decodes = [f for f in self._decodes if not f.done()]
        return bool(self._decodes)

    def warm(self) -> Future[bool]:
        """Start the child and load its model now (it takes a second or two), so the first
        answer's checks do not wait for it; the future is True once it is loaded (at once when
        the child was started before)."""
        if self._pool is None:
            return self._submit(_ready)
        started: Future[bool] = Future()
        started.set_result(True)
        return started

    def last_words(self, pcm: bytes, alternatives: int) -> Future[tuple[str, ...]]:
        """The last word of each of the ``alternatives`` best hypotheses of ``pcm``, best first
        (see ``sphinx_engine.last_words``); decoded after the utterances submitted before."""
        return self._submit(_last_words, pcm, alternatives)

    def _submit(self, work: Callable[..., T], *args: object) -> Future[T]:
        starting = self._pool is None
        try:
            # the child (and multiprocessing's resource tracker) are started here
            with _born_deaf_to_ctrl_c() if starting else contextlib.nullcontext():
                if self._pool is None:
                    self._pool = ProcessPoolExecutor(
                        max_workers=1,
                        mp_context=multiprocessing.get_context("spawn"),
                        initializer=_load,
                        initargs=(self._model_dir,),
                    )
                return self._pool.submit(work, *args)
        except RuntimeError as exc:  # the pool broke earlier: say so through the future
            failed: Future[T] = Future()
            failed.set_exception(exc)
            return failed

    def close(self) -> None:
        """Stop the child; decodes not yet started are dropped, one running may finish (waits
        up to ``CLOSE_WAIT_S``)."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        closing = threading.Thread(
            target=pool.shutdown, kwargs={"wait": True, "cancel_futures": True}, daemon=True
        )
        closing.start()
        closing.join(CLOSE_WAIT_S)
