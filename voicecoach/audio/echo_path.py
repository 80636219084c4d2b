"""How the coach's voice gets back into the microphone: is echo cancellation in the sound
system, and how late does the output play? For `doctor`.

Echo cancellation is PulseAudio's (or PipeWire's) ``echo-cancel`` module: its source is what the
coach should record from. Without it the coach relies on its own playback-aware echo check
(``audio/echo.py``), which works best when the delay is short and steady.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

from voicecoach.audio.devices import device_arg, sounddevice
from voicecoach.audio.playback import LATENCY_S
from voicecoach.frames import SAMPLE_RATE

PACTL_TIMEOUT_S = 3.0

AEC_SETUP = (
    "pactl load-module module-echo-cancel aec_method=webrtc source_name=mic_aec "
    "sink_name=speaker_aec, then set [audio] input_device/output_device to them"
)
"""What to run for echo cancellation (PipeWire: libpipewire-module-echo-cancel)."""


@dataclass(frozen=True)
class EchoPath:
    """What `doctor` says about echo."""

    cancelling: bool
    """An echo-cancel module is loaded in the sound server."""
    default_source_cancels: bool
    """The default microphone is the echo-cancelled one."""
    output_latency_s: float | None
    """Latency the output stream was granted, seconds (None: no output device)."""


def _pactl(*args: str) -> str:
    if shutil.which("pactl") is None:
        return ""
    try:
        done = subprocess.run(
            ["pactl", *args], capture_output=True, text=True, timeout=PACTL_TIMEOUT_S
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout if done.returncode == 0 else ""


def output_latency(device: str = "") -> float | None:
    """Open the output as the coach does, read the latency it was granted, close it."""
    sd = sounddevice()
    try:
        stream = sd.RawOutputStream(
            samplerate=SAMPLE_RATE,
            device=device_arg(device),
            channels=1,
            dtype="int16",
            latency=LATENCY_S,
        )
    except (ValueError, sd.PortAudioError):
        return None
    try:
        return float(stream.latency)
    finally:
        stream.close()


def probe(output_device: str = "", input_device: str = "") -> EchoPath:
    """Look at the sound server and the output device (opens no input stream)."""
    modules = _pactl("list", "short", "modules")
    cancelling = "module-echo-cancel" in modules or "echo-cancel" in modules
    source = input_device or _pactl("get-default-source").strip()
    default_cancels = cancelling and ("aec" in source or "echo" in source)
    return EchoPath(cancelling, default_cancels, output_latency(output_device))
