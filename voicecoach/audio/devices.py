"""The one place sounddevice (PortAudio) is imported."""

from __future__ import annotations

from types import ModuleType

from voicecoach.errors import AudioDeviceError

LIST_HINT = "list devices with `python -m sounddevice`, or run with --mic-file/--answers"


def sounddevice() -> ModuleType:
    """Import sounddevice, naming what to install when PortAudio is missing."""
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
        raise AudioDeviceError(f"no {kind} device {device or ''}: {exc}; {LIST_HINT}") from exc
    return int(info["default_samplerate"])
