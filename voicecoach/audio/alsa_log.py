"""alsa-lib's messages go to the log, not to the terminal.

alsa-lib prints its own diagnostics ("ALSA lib pcm.c:…: underrun occurred") straight to
stderr from whatever thread PortAudio runs it on, between the lines the coach prints. A
handler given to ``snd_lib_error_set_handler`` receives them instead; it logs where each came
from at debug level and counts them. Nothing happens where alsa-lib is absent (not Linux).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

# void handler(const char *file, int line, const char *function, int err, const char *fmt, ...)
# The variadic tail is not read: on the x86-64 and AArch64 Linux ABIs a callee that ignores
# variadic arguments is called correctly.
_HANDLER_TYPE = ctypes.CFUNCTYPE(
    None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
)

messages = 0
"""How many alsa-lib messages this process received since the handler was installed."""

_installed: object | None = None
"""The handler alsa-lib holds a pointer to (kept here so it is never freed)."""


def _receive(
    file: bytes | None, line: int, function: bytes | None, err: int, fmt: bytes | None
) -> None:
    global messages
    messages += 1
    if not log.isEnabledFor(logging.DEBUG):
        return  # PortAudio's search of the devices alone sends dozens
    log.debug(
        "alsa-lib %s:%d (%s) error %d: %s",
        (file or b"?").decode(errors="replace"),
        line,
        (function or b"?").decode(errors="replace"),
        err,
        (fmt or b"").decode(errors="replace"),
    )


def quiet_alsa() -> bool:
    """Send alsa-lib's messages to the log (once per process); False where alsa-lib is absent."""
    global _installed
    if _installed is not None:
        return True
    name = ctypes.util.find_library("asound")
    if name is None:
        return False
    try:
        lib = ctypes.CDLL(name)
        handler = _HANDLER_TYPE(_receive)
        lib.snd_lib_error_set_handler.argtypes = [_HANDLER_TYPE]
        lib.snd_lib_error_set_handler.restype = ctypes.c_int
        lib.snd_lib_error_set_handler(handler)
    except (OSError, AttributeError) as exc:
        log.debug("alsa-lib's messages stay on stderr (%s)", exc)
        return False
    _installed = handler
    return True
