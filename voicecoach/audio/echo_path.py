"""How the coach's voice gets back into the microphone: is echo cancellation in the sound
system, and how late does the output play? For `doctor`.

The coach always runs its own playback-aware echo check (``audio/echo.py``): it knows what it
played and when, and keeps a person's voice said over its own. The sound system's canceller
(PulseAudio's or PipeWire's ``echo-cancel`` module) is the fallback for a speaker so loud or
distorted that the coach still hears itself: on the virtual sound card it took 55-70 dB of the
coach's voice out but also took apart commands said over it (``benchmarks/bench_barge_path.py``:
0 of 6 decoded, against 5-6 of 6 through the coach's own check), so it is offered, not
recommended.
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
"""What to run for the sound system's echo cancellation (PipeWire:
libpipewire-module-echo-cancel)."""

AEC_TRADE = "voice commands said while the coach speaks are then often missed"
"""What the sound system's canceller costs (see the module docstring)."""

AEC_OFFER = f"if the coach still hears its own voice: {AEC_SETUP} ({AEC_TRADE})"
"""The canceller offered, with its cost, by `doctor` and `service install`."""


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
