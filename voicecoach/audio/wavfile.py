"""Read any PCM WAV as 16 kHz mono int16, a block at a time; write our own audio back out.

The header is checked before any audio is read: 8–192 kHz, 1–8 channels, 8/16/24/32-bit
integer or 32-bit float samples, plain PCM or WAVE_FORMAT_EXTENSIBLE. A data chunk that ends
mid-sample is cut to its whole frames. A file cut short (its data chunk claims more than the
file holds, as after an interrupted copy) is read to its end with one warning (logged once per
file); one that holds no audio at all is refused. A data chunk whose size says "unknown" (a
recording streamed to a pipe) is read to the end of the file without a word.
"""

from __future__ import annotations

import io
import logging
import os
import shlex
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from voicecoach.audio.resampler import StreamResampler, resample
from voicecoach.errors import AudioFileError
from voicecoach.frames import SAMPLE_RATE, SAMPLE_WIDTH
from voicecoach.outputs import write_output

RATE_RANGE = (8_000, 192_000)
"""Sample rates accepted, in Hz."""
MAX_CHANNELS = 8
BLOCK_S = 0.5
"""Seconds of the file's audio converted at a time."""

_PCM, _FLOAT, _EXTENSIBLE = 0x0001, 0x0003, 0xFFFE
_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
"""The last 14 bytes of the KSDATAFORMAT_SUBTYPE GUIDs; the first two bytes are the format."""
UNKNOWN_LENGTH = 0x7FFF_F000
"""Data chunk sizes from here up mean "until the end of the file" (recorders streaming to a pipe
write 0x7FFFFFFF, 0xFFFFFFFF or near them)."""
_MAX_FMT_BYTES = 1024
_MAX_CHUNKS = 1024
__all__ = [
    "WavInfo",
    "WavReader",
    "read_wav",
    "resample",
    "to_pcm16",
    "wav_bytes_to_pcm",
    "write_wav",
]


@dataclass(frozen=True)
class WavInfo:
    """What a WAV header says, once checked."""

    rate: int
    """Samples per second (Hz)."""
    channels: int
    width: int
    """Bytes per sample (1–4)."""
    is_float: bool
    """32-bit IEEE float samples instead of integers."""
    frames: int
    """Whole frames (one sample per channel) in the data chunk that the file really holds."""
    data_offset: int
    """Byte offset of the first frame."""

    @property
    def seconds(self) -> float:
        return self.frames / self.rate


log = logging.getLogger(__name__)
_TOLD: set[str] = set()
"""Files already said to be cut short (each is told once per process)."""


def _converted_paths(path: Path) -> tuple[str, str]:
    """``path`` and the WAV a conversion hint writes beside it (``NAME-16k.wav``), shell-quoted."""
    return shlex.quote(str(path)), shlex.quote(str(path.with_name(f"{path.stem}-16k.wav")))


def _fail(path: Path, problem: str, raw: bool = False) -> AudioFileError:
    """Not a WAV this reads: ``problem``, and the sox command that converts it (``raw``: the
    file has no header at all, so the command for headerless 16-bit samples is given too)."""
    given, fixed = _converted_paths(path)
    hint = f"convert it with `sox {given} -r 16000 -c 1 -b 16 {fixed}`"
    if raw:
        hint += (
            f" (headerless 16-bit samples need their format first: `sox -t raw -e signed "
            f"-b 16 -c 1 -r RATE {given} -r 16000 {fixed}`)"
        )
    return AudioFileError(f"{path}: not a readable PCM WAV file: {problem}; {hint}")


def compressed_format(head: bytes) -> str:
    """The compressed audio format a file's first 12 bytes announce ("MP3", "Ogg", "FLAC",
    "MP4/M4A", "WebM"), or "" (magic numbers from each format's specification)."""
    if head.startswith(b"ID3") or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "MP3"
    if head.startswith(b"OggS"):
        return "Ogg"
    if head.startswith(b"fLaC"):
        return "FLAC"
    if head[4:8] == b"ftyp":
        return "MP4/M4A"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "WebM"
    return ""


def _compressed(path: Path, container: str) -> AudioFileError:
    """A compressed recording given as a WAV: say what it is and the command that makes a WAV of
    it (sox reads MP3 with Debian's libsox-fmt-mp3, Ogg and FLAC as it comes; ffmpeg the rest)."""
    given, fixed = _converted_paths(path)
    if container in ("MP4/M4A", "WebM"):
        command = f"`ffmpeg -i {given} -ar 16000 -ac 1 {fixed}`"
    else:
        command = f"`sox {given} -r 16000 -c 1 -b 16 {fixed}`"
        if container == "MP3":
            command += " (sox reads MP3 with the package libsox-fmt-mp3)"
    return AudioFileError(f"{path}: {container} audio, not a WAV file; convert it with {command}")


def _cut_header(path: Path, what: str) -> AudioFileError:
    """A header that ends before it says it does: no converter can read it either."""
    return AudioFileError(f"{path}: its WAV header is cut short ({what}); copy or record it again")


def _seconds(frames: int, rate: int) -> str:
    return f"{frames / rate:.1f} s"


def _cut_short(path: Path, claimed: int, held: int, rate: int) -> None:
    """Warn (once per file) that ``path`` holds ``held`` of the ``claimed`` frames its header
    promises; AudioFileError when it holds none."""
    promised = _seconds(claimed, rate)
    if held == 0:
        raise AudioFileError(
            f"{path}: cut short: its header promises {promised} of audio but the file holds "
            "none; copy or record it again"
        )
    key = str(path)
    if key not in _TOLD:
        _TOLD.add(key)
        there = _seconds(held, rate)
        log.warning(
            "%s: cut short: its header promises %s of audio, the file holds %s; the %s there "
            "are used",
            path, promised, there, there,
        )  # fmt: skip


def _read_exact(handle: BinaryIO, count: int) -> bytes:
    data = handle.read(count)
    return data if len(data) == count else b""


def _format(path: Path, fmt: bytes) -> tuple[int, int, int, bool]:
    """(channels, rate, width, is_float) from a fmt chunk, checked."""
    if len(fmt) < 16:
        raise _fail(path, f"its fmt chunk is {len(fmt)} bytes, too short")
    tag, channels, rate, _byte_rate, align, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == _EXTENSIBLE:
        if len(fmt) < 40 or fmt[26:40] != _GUID_TAIL:
            raise _fail(path, "an extensible WAV whose sub-format is not PCM or float")
        (tag,) = struct.unpack("<H", fmt[24:26])
        valid_bits = struct.unpack("<H", fmt[18:20])[0]
        if valid_bits > bits:
            raise _fail(path, f"{valid_bits} valid bits in {bits}-bit samples")
    if tag not in (_PCM, _FLOAT):
        raise _fail(path, f"compressed audio (format {tag:#06x}), not PCM")
    if not RATE_RANGE[0] <= rate <= RATE_RANGE[1]:
        low, high = (r // 1000 for r in RATE_RANGE)
        raise _fail(path, f"a sample rate of {rate} Hz (expected {low}–{high} kHz)")
    if not 1 <= channels <= MAX_CHANNELS:
        raise _fail(path, f"{channels} channels (expected 1 to {MAX_CHANNELS})")
    is_float = tag == _FLOAT
    allowed = (32,) if is_float else (8, 16, 24, 32)
    if bits not in allowed or align != channels * bits // 8:
        kind = "float" if is_float else "integer"
        raise _fail(path, f"{bits}-bit {kind} samples in {align}-byte frames")
    return channels, rate, bits // 8, is_float


def read_header(path: Path, handle: BinaryIO, size: int) -> WavInfo:
    """Walk the RIFF chunks up to the data; raise AudioFileError naming what is wrong."""
    if size == 0:
        raise AudioFileError(f"{path}: the file is empty (0 bytes); give a WAV recording")
    head = _read_exact(handle, 12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        if container := compressed_format(head):
            raise _compressed(path, container)
        raise _fail(path, f"no RIFF/WAVE header in its {size} bytes", raw=True)
    fmt: tuple[int, int, int, bool] | None = None
    for _ in range(_MAX_CHUNKS):
        chunk = _read_exact(handle, 8)
        if not chunk:
            break
        kind, length = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        if kind == b"fmt ":
            if length > _MAX_FMT_BYTES:
                raise _fail(path, f"a fmt chunk of {length} bytes")
            there = handle.read(length)
            if len(there) < length:
                raise _cut_header(path, f"a fmt chunk of {length} bytes, {len(there)} there")
            fmt = _format(path, there)
        elif kind == b"data":
            if fmt is None:
                raise _fail(path, "its audio comes before its format (no fmt chunk)")
            channels, rate, width, is_float = fmt
            offset, frame_bytes = handle.tell(), channels * width
            held = max(0, size - offset)
            if length < UNKNOWN_LENGTH and length > held:
                _cut_short(path, length // frame_bytes, held // frame_bytes, rate)
            frames = min(length, held) // frame_bytes
            if frames == 0:
                raise AudioFileError(
                    f"{path}: holds no audio (its data chunk has 0 frames); give a recording"
                )
            return WavInfo(rate, channels, width, is_float, frames, offset)
        else:
            handle.seek(length, 1)
        if length % 2:
            handle.seek(1, 1)
    raise AudioFileError(f"{path}: holds no audio (it has no data chunk); give a recording")


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except FileNotFoundError as exc:
        raise AudioFileError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise AudioFileError(f"{path}: is a folder, not a WAV file") from exc
    except OSError as exc:
        raise AudioFileError(f"{path}: cannot read ({exc.strerror})") from exc


class WavReader:
    """A WAV file whose header is checked, read as 16 kHz mono int16 block by block.

    Nothing stays open between the check and the reading: the file is opened again by
    ``blocks()`` and closed when they end (or are dropped).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.exists() and not path.is_file() and not path.is_dir():
            raise AudioFileError(
                f"{path}: not a regular file (a pipe or a device); save the recording to a file"
            )
        with _open(path) as handle:
            try:
                size = os.fstat(handle.fileno()).st_size
                self.info = read_header(path, handle, size)
            except OSError as exc:
                raise AudioFileError(f"{path}: cannot read ({exc.strerror})") from exc

    @property
    def samples(self) -> int:
        """How many 16 kHz samples the file gives."""
        return int(round(self.info.frames * SAMPLE_RATE / self.info.rate))

    def blocks(self) -> Iterator[bytes]:
        """16 kHz mono int16 PCM, about BLOCK_S seconds at a time."""
        info = self.info
        frame_bytes = info.channels * info.width
        per_block = max(1, int(info.rate * BLOCK_S))
        stream = StreamResampler(info.rate, SAMPLE_RATE, info.frames)
        with _open(self.path) as handle:
            try:
                handle.seek(info.data_offset)
                left = info.frames
                while left > 0:
                    raw = handle.read(min(left, per_block) * frame_bytes)
                    whole = len(raw) - len(raw) % frame_bytes
                    if whole == 0:
                        break
                    left -= whole // frame_bytes
                    samples = _to_float(raw[:whole], info.width, info.is_float)
                    mono = samples.reshape(-1, info.channels).mean(axis=1)
                    if out := to_pcm16(stream.feed(mono)):
                        yield out
            except OSError as exc:
                raise AudioFileError(f"{self.path}: cannot read ({exc.strerror})") from exc
        if out := to_pcm16(stream.finish()):
            yield out

    def close(self) -> None:
        """Nothing is held open between reads (kept for the sources' close())."""


def check_wav(path: Path) -> WavInfo:
    """The file's checked header (AudioFileError if it cannot be played); nothing is kept open."""
    return WavReader(path).info


def wav_bytes_to_pcm(data: bytes, label: str = "audio") -> bytes:
    """A whole WAV held in memory → 16 kHz mono int16 PCM (AudioFileError naming ``label``)."""
    info = read_header(Path(label), io.BytesIO(data), len(data))
    end = info.data_offset + info.frames * info.channels * info.width
    samples = _to_float(data[info.data_offset : end], info.width, info.is_float)
    mono = samples.reshape(-1, info.channels).mean(axis=1)
    return to_pcm16(resample(mono, info.rate, SAMPLE_RATE))


def read_wav(path: Path) -> bytes:
    """Return the file's audio as 16 kHz mono int16 PCM, whatever its rate and channels."""
    return b"".join(WavReader(path).blocks())


def _to_float(raw: bytes, width: int, is_float: bool = False) -> np.ndarray:
    """PCM bytes of a supported width (whole samples) → float64 samples in [-1, 1)."""
    if is_float:
        values = np.frombuffer(raw, dtype="<f4").astype(np.float64)
        return np.clip(np.nan_to_num(values), -1.0, 1.0)
    if width == 1:
        return (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    if width == 2:
        return np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
    if width == 3:
        trip = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        value = trip[:, 0] | (trip[:, 1] << 8) | (trip[:, 2] << 16)
        value = np.where(value >= 1 << 23, value - (1 << 24), value)
        return value.astype(np.float64) / float(1 << 23)
    return np.frombuffer(raw, dtype="<i4").astype(np.float64) / float(1 << 31)


def to_pcm16(samples: np.ndarray) -> bytes:
    """Float samples in [-1, 1] → little-endian int16 bytes (clipped)."""
    scaled = np.clip(np.round(samples * 32768.0), -32768, 32767)
    return scaled.astype("<i2").tobytes()


def wav_bytes_header(frames: int, rate: int = SAMPLE_RATE) -> bytes:
    """The 44-byte header of a 16-bit mono PCM WAV holding ``frames`` samples."""
    data = frames * SAMPLE_WIDTH
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF", 36 + data, b"WAVE", b"fmt ", 16, _PCM, 1, rate, rate * SAMPLE_WIDTH,
        SAMPLE_WIDTH, SAMPLE_WIDTH * 8, b"data", data,
    )  # fmt: skip


def write_wav(path: Path, pcm: bytes, rate: int = SAMPLE_RATE) -> None:
    """Write 16-bit mono PCM as a WAV: atomically to a regular file, in place to a device/FIFO.

    Raises AudioFileError (or another VoiceCoachError) naming the path when it cannot be written.
    """
    pcm = pcm[: len(pcm) - len(pcm) % SAMPLE_WIDTH]
    with write_output(path, binary=True) as handle:
        handle.write(wav_bytes_header(len(pcm) // SAMPLE_WIDTH, rate))
        handle.write(pcm)
