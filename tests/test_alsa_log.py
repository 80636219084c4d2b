"""alsa-lib's own messages reach the log, never the terminal between the coach's lines."""

from __future__ import annotations

import ctypes.util
import subprocess
import sys

import pytest

OPEN_MISSING_PCM = """
import ctypes, ctypes.util, logging, sys
logging.basicConfig(stream=sys.stdout, level=logging.DEBUG, format="%(name)s %(message)s")
if sys.argv[1] == "quiet":
    from voicecoach.audio import alsa_log
    from voicecoach.audio.devices import sounddevice
    sounddevice()
lib = ctypes.CDLL(ctypes.util.find_library("asound"))
pcm = ctypes.c_void_p()
code = lib.snd_pcm_open(ctypes.byref(pcm), b"voicecoach_no_such_pcm", 0, 0)
print("open", code)
if sys.argv[1] == "quiet":
    print("messages", alsa_log.messages)
"""


def run(mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", OPEN_MISSING_PCM, mode],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.skipif(ctypes.util.find_library("asound") is None, reason="needs alsa-lib")
def test_alsa_messages_go_to_the_log_not_stderr() -> None:
    loud = run("loud")
    assert "open -" in loud.stdout  # the PCM does not exist: a negative error code
    assert "ALSA lib" in loud.stderr and "voicecoach_no_such_pcm" in loud.stderr

    quiet = run("quiet")
    assert "open -" in quiet.stdout, quiet.stderr
    assert quiet.stderr == ""
    counted = int(quiet.stdout.split("messages ")[1].split()[0])
    assert counted >= 1
    assert "voicecoach.audio.alsa_log alsa-lib" in quiet.stdout
    assert "snd_pcm_open" in quiet.stdout
