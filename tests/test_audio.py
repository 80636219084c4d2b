"""Audio edges: WAV reading in any format, the sources' audio time, the file sink."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio.sink import WavFileSink
from voicecoach.audio.source import ScriptedAnswers, WavFileSource
from voicecoach.audio.wavfile import read_wav, write_wav
from voicecoach.errors import AudioFileError
from voicecoach.frames import FRAME_SAMPLES, SAMPLE_RATE


def tone(seconds: float, rate: int, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return 0.5 * np.sin(2 * np.pi * freq * t)


def write(path: Path, samples: np.ndarray, rate: int, channels: int = 1, width: int = 2) -> Path:
    data = np.repeat(samples[:, None], channels, axis=1).reshape(-1)
    if width == 1:
        raw = np.clip(data * 127 + 128, 0, 255).astype(np.uint8).tobytes()
    elif width == 3:
        ints = (data * (2**23 - 1)).astype("<i4")
        raw = b"".join(int(v).to_bytes(4, "little", signed=True)[:3] for v in ints)
    else:
        raw = (data * 32767).astype("<i2").tobytes()
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(raw)
    return path


@pytest.mark.parametrize(
    ("rate", "channels", "width"), [(16000, 1, 2), (44100, 2, 2), (22050, 1, 1), (48000, 1, 3)]
)
def test_any_pcm_wav_becomes_16k_mono_with_its_pitch(
    tmp_path: Path, rate: int, channels: int, width: int
) -> None:
    path = write(tmp_path / "in.wav", tone(1.0, rate), rate, channels, width)
    samples = np.frombuffer(read_wav(path), dtype="<i2").astype(float)
    assert abs(len(samples) - SAMPLE_RATE) <= 1
    spectrum = np.abs(np.fft.rfft(samples))
    assert abs(np.argmax(spectrum) * SAMPLE_RATE / len(samples) - 440) < 3
    assert 0.4 * 32767 < np.max(np.abs(samples)) < 0.6 * 32767


def test_unreadable_files_name_the_file(tmp_path: Path) -> None:
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio")
    with pytest.raises(AudioFileError, match="notes.wav: not a readable PCM WAV"):
        read_wav(text)
    with pytest.raises(AudioFileError, match="missing.wav: no such file"):
        read_wav(tmp_path / "missing.wav")


def test_wav_file_source_is_gapless_then_silent(tmp_path: Path) -> None:
    path = write(tmp_path / "a.wav", tone(0.25, SAMPLE_RATE), SAMPLE_RATE)
    frames = WavFileSource(path, fast=True).frames()
    chunks = [next(frames) for _ in range(5)]
    assert [c.start for c in chunks] == [i * FRAME_SAMPLES for i in range(5)]
    assert all(c.samples == FRAME_SAMPLES for c in chunks)
    assert any(chunks[0].pcm) and not any(chunks[4].pcm)


def test_scripted_answers_speak_when_listening_starts(tmp_path: Path) -> None:
    answer = write(tmp_path / "a.wav", tone(0.3, SAMPLE_RATE), SAMPLE_RATE)
    source = ScriptedAnswers([answer], fast=True)
    frames = source.frames()
    before = [next(frames) for _ in range(3)]
    assert not any(any(c.pcm) for c in before)
    source.listening(at=5 * FRAME_SAMPLES)
    after = [next(frames) for _ in range(7)]
    voiced = [c.start for c in after if any(c.pcm)]
    assert voiced[0] == 5 * FRAME_SAMPLES
    assert len(voiced) == 3
    assert source.remaining == 0


def test_speaker_file_is_aligned_to_audio_time(tmp_path: Path) -> None:
    sink = WavFileSink(tmp_path / "coach.wav")
    sink.play(b"\x01\x00" * 100, at=1000)
    sink.play(b"\x02\x00" * 100, at=2000)
    sink.close()
    pcm = read_wav(tmp_path / "coach.wav")
    samples = np.frombuffer(pcm, dtype="<i2")
    assert len(samples) == 2100
    assert not samples[:1000].any() and (samples[1000:1100] == 1).all()
    assert (samples[2000:] == 2).all()


def test_write_wav_leaves_no_temp_file(tmp_path: Path) -> None:
    write_wav(tmp_path / "x.wav", bytes(3200))
    assert [p.name for p in tmp_path.iterdir()] == ["x.wav"]
