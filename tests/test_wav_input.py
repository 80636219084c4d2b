"""Hostile and unlucky WAV input: checked headers, streamed reading, one clear line each."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import FIXTURES, STREAMING_WORDS, CliResult
from tests.test_audio import tone, write
from tests.virtual_audio import write_mini_home
from voicecoach.audio.source import WavFileSource
from voicecoach.audio.wavfile import read_wav
from voicecoach.errors import AudioFileError
from voicecoach.frames import FRAME_SAMPLES, SAMPLE_RATE

Cli = Callable[..., CliResult]


def header(
    rate: int = 16000,
    channels: int = 1,
    bits: int = 16,
    tag: int = 1,
    data: int | None = None,
    align: int | None = None,
) -> bytes:
    """A 44-byte PCM WAV header; ``data`` is the size the data chunk claims."""
    align = channels * bits // 8 if align is None else align
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits)
    return (
        b"RIFF"
        + struct.pack("<I", min(0xFFFFFFFF, 36 + (data or 0)))
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + struct.pack("<I", data or 0)
    )


def one_line_error(cli: Cli, wav: Path, *words: str) -> str:
    """`session --mic-file WAV` refuses it: one line, exit 1, nothing kept."""
    result = cli("session", "--mic-file", wav, "--fast", "--engine", "pocketsphinx")
    assert result.code == 1, result.err
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert result.err.startswith("voicecoach: error: ") and "Traceback" not in result.err
    assert "()" not in result.err
    for word in words:
        assert word in result.err
    return result.err


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"rate": 1}, ["1 Hz", "8–192 kHz"]),
        ({"rate": 400_000}, ["400000 Hz"]),
        ({"rate": 0}, ["0 Hz"]),
        ({"channels": 0}, ["0 channels"]),
        ({"channels": 9}, ["9 channels"]),
        ({"bits": 12}, ["12-bit"]),
        ({"bits": 16, "align": 7}, ["7-byte frames"]),
        ({"tag": 0x55}, ["compressed", "0x0055"]),
        ({"tag": 3, "bits": 16}, ["16-bit float"]),
    ],
)
def test_header_fields_out_of_range_are_one_line(
    cli: Cli, home: Path, tmp_path: Path, fields: dict[str, int], words: list[str]
) -> None:
    wav = tmp_path / "bad.wav"
    wav.write_bytes(header(data=3200, **fields) + bytes(3200))
    one_line_error(cli, wav, "bad.wav", *words)
    assert not (home / "journal").exists() or not any((home / "journal").iterdir())


def test_a_header_only_or_zero_frame_wav_is_refused(cli: Cli, home: Path, tmp_path: Path) -> None:
    empty = write(tmp_path / "empty.wav", np.zeros(0), SAMPLE_RATE)
    said = one_line_error(cli, empty, "empty.wav: holds no audio", "0 frames")
    assert "sox" not in said  # converting cannot add audio
    nothing = tmp_path / "nothing.wav"
    nothing.write_bytes(b"")
    one_line_error(cli, nothing, "nothing.wav: the file is empty")
    claims = tmp_path / "claims.wav"
    claims.write_bytes(header(data=32_000))  # says 1 s of audio, holds none
    said = one_line_error(cli, claims, "claims.wav: cut short", "promises 1.0 s", "holds none")
    assert "sox" not in said


def test_the_sox_hint_keeps_the_path_as_given(
    cli: Cli, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "fmt").mkdir()
    (tmp_path / "fmt" / "adpcm.wav").write_bytes(header(tag=0x11, data=3200) + bytes(3200))
    monkeypatch.chdir(tmp_path)
    one_line_error(
        cli, Path("fmt/adpcm.wav"), "`sox fmt/adpcm.wav -r 16000 -c 1 -b 16 fmt/adpcm-16k.wav`"
    )


def cut_short(tmp_path: Path) -> Path:
    """1 s of tone whose header promises 2 s (as after an interrupted copy)."""
    samples = (tone(1.0, SAMPLE_RATE) * 32767).astype("<i2").tobytes()
    wav = tmp_path / "cut.wav"
    wav.write_bytes(header(data=2 * len(samples)) + samples)
    return wav


CUT_SHORT = "cut.wav: cut short: its header promises 2.0 s of audio, the file holds 1.0 s"


def test_a_wav_cut_short_is_used_with_one_warning(tmp_path: Path) -> None:
    wav = cut_short(tmp_path)
    home = tmp_path / "home"
    write_mini_home(home, STREAMING_WORDS)
    env = {**os.environ, "VOICECOACH_HOME": str(home)}
    run = subprocess.run(
        [sys.executable, "-m", "voicecoach", "session", "--mic-file", wav, "--fast",
         "--engine", "pocketsphinx", "--json"],
        env=env, capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    err = run.stderr.decode()
    assert run.returncode == 0, err
    (warning,) = [line for line in err.splitlines() if "cut short" in line]
    assert warning == f"voicecoach: warning: {wav.parent}/{CUT_SHORT}; the 1.0 s there are used"


def test_an_answer_cut_short_is_used_and_told_once(
    cli: Cli, home: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    wav = cut_short(tmp_path)
    write_mini_home(home, STREAMING_WORDS)
    result = cli("session", "--answers", wav, wav, "--fast", "--engine", "pocketsphinx")
    assert result.code == 0, result.err
    told = [r.getMessage() for r in caplog.records if "cut short" in r.getMessage()]
    assert told == [f"{wav.parent}/{CUT_SHORT}; the 1.0 s there are used"]  # once per file
    assert len(read_wav(wav)) == 2 * SAMPLE_RATE  # the second that is there, whole


def test_a_30_byte_wav_names_its_problem_without_empty_parentheses(
    cli: Cli, home: Path, tmp_path: Path
) -> None:
    short = tmp_path / "short.wav"
    short.write_bytes(header()[:30])
    said = one_line_error(cli, short, "short.wav: its WAV header is cut short")
    assert "(a fmt chunk of 16 bytes, 10 there)" in said  # not "0 bytes"
    assert "sox" not in said  # sox cannot read it either


def test_a_headerless_recording_gets_the_sox_command_that_reads_it(
    cli: Cli, home: Path, tmp_path: Path
) -> None:
    samples = (tone(0.5, SAMPLE_RATE) * 16000).astype("<i2")
    raw = tmp_path / "take.raw"
    raw.write_bytes(samples.tobytes())
    said = one_line_error(cli, raw, "take.raw: not a readable PCM WAV file: no RIFF/WAVE header")
    command = said.split("need their format first: `", 1)[1].split("`", 1)[0]
    assert command.startswith("sox -t raw -e signed -b 16 -c 1 -r RATE ")
    subprocess.run(command.replace("RATE", "16000").split(), check=True, timeout=60)
    converted = np.frombuffer(read_wav(tmp_path / "take-16k.wav"), dtype="<i2")
    assert np.array_equal(converted, samples)


def test_a_folder_given_as_a_wav_is_one_line(cli: Cli, home: Path, tmp_path: Path) -> None:
    one_line_error(cli, tmp_path, "folder")


def test_data_cut_mid_sample_or_longer_than_the_file_is_read_to_its_whole_frames(
    tmp_path: Path,
) -> None:
    samples = (tone(0.5, SAMPLE_RATE) * 32767).astype("<i2").tobytes()
    odd = tmp_path / "odd.wav"
    odd.write_bytes(header(data=len(samples) + 1) + samples + b"\x01")
    assert read_wav(odd) == samples
    stereo = tmp_path / "stereo.wav"
    frames = np.repeat(np.frombuffer(samples, "<i2")[:, None], 2, axis=1).tobytes()
    stereo.write_bytes(header(channels=2, data=0xFFFFFFFF) + frames + b"\x01\x02\x03")
    assert len(read_wav(stereo)) == len(samples)


@pytest.mark.parametrize(
    ("args", "rate"),
    [(["-b", "24", "-c", "3"], 48000), (["-b", "32", "-c", "1"], 44100),
     (["-e", "floating-point", "-b", "32", "-c", "2"], 22050)],
)  # fmt: skip
def test_extensible_and_float_wavs_from_sox_are_read(
    tmp_path: Path, args: list[str], rate: int
) -> None:
    wav = tmp_path / "sox.wav"
    subprocess.run(
        ["sox", "-n", "-r", str(rate), *args, wav, "synth", "1", "sine", "440", "vol", "0.5"],
        check=True,
        timeout=30,
    )
    if "-c" in args and args[args.index("-c") + 1] == "3":
        assert wav.read_bytes()[20:22] == b"\xfe\xff"  # WAVE_FORMAT_EXTENSIBLE
    samples = np.frombuffer(read_wav(wav), dtype="<i2").astype(float)
    assert abs(len(samples) - SAMPLE_RATE) <= 1
    peak = np.argmax(np.abs(np.fft.rfft(samples))) * SAMPLE_RATE / len(samples)
    assert abs(peak - 440) < 3


def peak_while_playing(path: Path) -> tuple[int, int]:
    """(frames played, peak bytes allocated) for a whole pass over a --mic-file."""
    tracemalloc.start()
    try:
        source = WavFileSource(path, fast=True)
        played, silent_at = 0, None
        for chunk in source.frames():
            played += 1
            if not any(chunk.pcm[:64]) and silent_at is None and played * FRAME_SAMPLES > 9e6:
                silent_at = played
                break
        source.close()
        return played, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_long_mic_file_is_read_frame_by_frame_with_flat_memory(tmp_path: Path) -> None:
    """Ten minutes of 44.1 kHz stereo (106 MB): a few megabytes at most, not the whole file."""
    rate, channels, seconds = 44100, 2, 600
    data = rate * channels * 2 * seconds
    wav = tmp_path / "long.wav"
    with wav.open("wb") as handle:
        handle.write(header(rate=rate, channels=channels, data=data))
        handle.truncate(44 + data)  # sparse: all silence, no disk used
    played, peak = peak_while_playing(wav)
    assert played * FRAME_SAMPLES >= 9e6
    assert peak < 8e6, f"{peak / 1e6:.0f} MB"


def test_a_wav_that_cannot_be_read_names_the_file() -> None:
    with pytest.raises(AudioFileError, match="no such file"):
        read_wav(Path("/nonexistent/a.wav"))


def test_a_pipe_given_as_a_wav_is_one_line_not_a_wait(cli: Cli, home: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "live.wav"
    os.mkfifo(fifo)
    one_line_error(cli, fifo, "not a regular file")


def test_an_answer_recorded_below_16_khz_is_used_with_one_warning(
    cli: Cli, home: Path, tmp_path: Path
) -> None:
    """A phone's 8 kHz recording is resampled and heard, but its words will be misheard: the
    session says so once, naming the file and the rate to record at; 16 kHz says nothing."""

    source = FIXTURES / "en" / "cmd-continue.wav"
    narrow = tmp_path / "phone.wav"
    subprocess.run(["sox", str(source), "-r", "8000", str(narrow)], check=True)
    write_mini_home(home, STREAMING_WORDS)
    result = cli("session", "--answers", narrow, source, "--fast", "--engine", "pocketsphinx")
    assert result.code == 0, result.err
    warnings = [line for line in result.err.splitlines() if "Hz" in line]
    assert warnings == [
        f"voicecoach: warning: {narrow} is recorded at 8000 Hz; speech recognition needs "
        "16000 Hz or more, so its words will be misheard (record it at 16 kHz or more)"
    ]


@pytest.mark.parametrize("suffix", ["mp3", "ogg", "flac"])
def test_a_compressed_recording_is_named_and_its_command_makes_a_wav_that_plays(
    cli: Cli, home: Path, tmp_path: Path, suffix: str
) -> None:
    """An MP3 (or Ogg, FLAC) given as an answer: one line that says what it is and a command
    that works as printed; the WAV it makes is taken."""
    import shlex

    source = FIXTURES / "en" / "cmd-continue.wav"
    packed = tmp_path / f"take.{suffix}"
    subprocess.run(["sox", str(source), str(packed)], check=True)
    write_mini_home(home, STREAMING_WORDS)
    said = one_line_error(cli, packed, f"take.{suffix}: ", "audio, not a WAV file")
    assert "headerless" not in said
    command = said.split("`")[1]
    subprocess.run(shlex.split(command), check=True, timeout=60)
    fixed = tmp_path / "take-16k.wav"
    result = cli("session", "--answers", fixed, "--fast", "--engine", "pocketsphinx")
    assert result.code == 0, result.err


@pytest.mark.parametrize(
    ("head", "name"),
    [
        (b"ID3\x04\x00\x00\x00\x00\x00\x00\x00\x00", "MP3"),
        (b"\xff\xfb\x90\x64" + bytes(8), "MP3"),
        (b"OggS" + bytes(8), "Ogg"),
        (b"fLaC" + bytes(8), "FLAC"),
        (b"\x00\x00\x00\x20ftypM4A ", "MP4/M4A"),
        (b"\x1a\x45\xdf\xa3" + bytes(8), "WebM"),
        (b"RIFF\x00\x00\x00\x00WAVE", ""),
        (b"hello world\n", ""),
    ],
)
def test_compressed_formats_are_told_by_their_first_bytes(head: bytes, name: str) -> None:
    from voicecoach.audio.wavfile import compressed_format

    assert compressed_format(head) == name
