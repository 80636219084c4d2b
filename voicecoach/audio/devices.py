"""The one place sounddevice (PortAudio) is imported, and how lost devices are opened again."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol, runtime_checkable

from voicecoach.audio.alsa_log import quiet_alsa
from voicecoach.errors import AudioDeviceError

log = logging.getLogger(__name__)

LIST_HINT = "list devices with `python -m sounddevice`"
"""The command line adds which of its options do without the device (see AudioDeviceError)."""


DEVICE_WORDS = {"output": "speakers or headphones", "input": "a microphone"}
"""A device kind in everyday words."""


def sounddevice() -> ModuleType:
    """Import sounddevice, naming what to install when PortAudio is missing; alsa-lib's own
    messages go to the log from then on, PortAudio's listing of the devices included (see
    alsa_log)."""
    quiet_alsa()
    try:
        import sounddevice as sd
    except OSError as exc:
        raise AudioDeviceError(
            "PortAudio is not installed (sudo apt-get install libportaudio2)"
        ) from exc
    return sd


def device_arg(name: str) -> int | str | None:
    """A config device setting: "" → default device, digits → index, else a name."""
    if not name:
        return None
    return int(name) if name.isdigit() else name


def default_rate(kind: str, device: int | str | None) -> int:
    """The device's own sampling rate, for devices that refuse 16 kHz."""
    sd = sounddevice()
    try:
        info = sd.query_devices(device, kind)
    except (ValueError, sd.PortAudioError) as exc:
        if device in (None, ""):
            # PortAudio says "Error querying device -1": its number for "no default device".
            detail = f"the system has no default {kind} device ({DEVICE_WORDS.get(kind, kind)})"
            raise AudioDeviceError(f"no {kind} device: {detail}; {LIST_HINT}", kind) from exc
        raise AudioDeviceError(f"no {kind} device {device}: {exc}; {LIST_HINT}", kind) from exc
    return int(info["default_samplerate"])


def rescan() -> None:
    """Make PortAudio list the devices again (a USB device plugged back in gets a new index).

    Only call it while no stream is open: every PortAudio stream of the process is closed.
    """
    sd = sounddevice()
    terminate = getattr(sd, "_terminate", None)
    initialize = getattr(sd, "_initialize", None)
    if terminate is None or initialize is None:
        return
    try:
        terminate()
        initialize()
    except sd.PortAudioError as exc:
        log.warning("could not list the sound devices again (%s)", exc)


def abandon(stream: Any, what: str) -> None:
    """Stop and close a PortAudio stream whose device may be gone (any failure is logged)."""
    if stream is None:
        return
    try:
        stream.abort()
        stream.close()
    except Exception as exc:  # a dead device may fail in any way while closing
        log.debug("closing the lost %s stream: %s", what, exc)


QUIET_AFTER = 30
"""After this many failed tries, only every 30th is logged (a long unplug is not a log flood)."""


@runtime_checkable
class Reopenable(Protocol):
    """A live device that can go away and be opened again (file sources never go away)."""

    name: str

    def reopen(self) -> None:
        """Close what is left of the device and open it again; AudioDeviceError if it can't."""
        ...


@dataclass(frozen=True)
class RetryPolicy:
    """How a lost device is waited for, in wall-clock seconds (no audio flows meanwhile)."""

    every_s: float = 2.0
    """Pause between two tries."""
    give_up_s: float = 600.0
    """Stop trying after this long."""


def reopen_with_retries(
    devices: Sequence[object],
    policy: RetryPolicy,
    stop: threading.Event | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> bool:
    """Open every reopenable device again, retrying each ``policy.every_s`` (logged as a warning).

    Returns True when all are back, False after ``policy.give_up_s`` or when ``stop`` is set.
    """
    live = [d for d in devices if isinstance(d, Reopenable)]
    waiter = stop if stop is not None else threading.Event()
    deadline = clock() + policy.give_up_s
    attempt = 0
    while True:
        attempt += 1
        try:
            for device in live:
                device.reopen()
        except AudioDeviceError as exc:
            left = deadline - clock()
            if left <= 0:
                log.warning("audio device still unavailable after %d tries; giving up", attempt)
                return False
            if attempt <= QUIET_AFTER or attempt % QUIET_AFTER == 0:
                log.warning(
                    "audio device unavailable (%s); trying again in %.0f s (try %d)",
                    exc,
                    policy.every_s,
                    attempt,
                )
            if waiter.wait(min(policy.every_s, left)):
                return False
            continue
        if attempt > 1:
            log.warning("audio device back after %d tries", attempt)
        return True
