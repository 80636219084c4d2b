"""Read any PCM WAV as 16 kHz mono int16, and write our own audio back out."""

from __future__ import annotations

import os
import wave
from pathlib import Path

import numpy as np

from voicecoach.errors import AudioFileError
from voicecoach.frames import SAMPLE_RATE, SAMPLE_WIDTH


def read_wav(path: Path) -> bytes:
    """Return the file's audio as 16 kHz mono int16 PCM, whatever its rate and channels."""
    try:
        with wave.open(str(path), "rb") as wav:
            channels = wav.getnchannels()
            width = wav.getsampwidth()
            rate = wav.getframerate()
            raw = wav.readframes(wav.getnframes())
    except FileNotFoundError as exc:
        raise AudioFileError(f"{path}: no such file") from exc
    except (wave.Error, EOFError, OSError) as exc:
        raise AudioFileError(
            f"{path}: not a readable PCM WAV file ({exc}); convert it with "
            f"`sox {path.name} -r 16000 -c 1 -b 16 fixed.wav`"
        ) from exc
    if rate <= 0 or channels <= 0 or width not in (1, 2, 3, 4):
        raise AudioFileError(f"{path}: unsupported WAV format ({width * 8}-bit, {rate} Hz)")
    samples = _to_float(raw, width)
    usable = len(samples) - len(samples) % channels
    mono = samples[:usable].reshape(-1, channels).mean(axis=1)
    return to_pcm16(resample(mono, rate, SAMPLE_RATE))


def _to_float(raw: bytes, width: int) -> np.ndarray:
    """PCM bytes of any supported width → float64 samples in [-1, 1)."""
    if width == 1:
        return (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    if width == 2:
        return np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
    if width == 3:
        usable = len(raw) - len(raw) % 3
        trip = np.frombuffer(raw[:usable], dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        value = trip[:, 0] | (trip[:, 1] << 8) | (trip[:, 2] << 16)
        value = np.where(value >= 1 << 23, value - (1 << 24), value)
        return value.astype(np.float64) / float(1 << 23)
    return np.frombuffer(raw, dtype="<i4").astype(np.float64) / float(1 << 31)


def resample(samples: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Band-limited resampling: windowed-sinc low-pass, then linear interpolation."""
    if src_rate == dst_rate or samples.size == 0:
        return samples
    if dst_rate < src_rate:
        samples = _lowpass(samples, cutoff=0.45 * dst_rate / src_rate)
    duration = samples.size / src_rate
    count = int(round(duration * dst_rate))
    positions = np.arange(count) * (src_rate / dst_rate)
    return np.interp(positions, np.arange(samples.size), samples)


def _lowpass(samples: np.ndarray, cutoff: float, taps: int = 63) -> np.ndarray:
    """FIR low-pass; cutoff is a fraction of the sampling rate (0–0.5)."""
    n = np.arange(taps) - (taps - 1) / 2
    kernel = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(taps)
    kernel /= kernel.sum()
    return np.convolve(samples, kernel, mode="same")


def to_pcm16(samples: np.ndarray) -> bytes:
    """Float samples in [-1, 1] → little-endian int16 bytes (clipped)."""
    scaled = np.clip(np.round(samples * 32768.0), -32768, 32767)
    return scaled.astype("<i2").tobytes()


def write_wav(path: Path, pcm: bytes, rate: int = SAMPLE_RATE) -> None:
    """Write 16-bit mono PCM to a WAV file atomically (temp file, then rename)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with wave.open(str(tmp), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(SAMPLE_WIDTH)
        wav.setframerate(rate)
        wav.writeframes(pcm)
    os.replace(tmp, path)
