"""A simulated room: the person's speech, pauses, noise and a TV, as one microphone recording.

Used by the room tests and by ``benchmarks/bench_room.py``. A condition is built as one
continuous ``--mic-file``; a first run with ``--speaker-file`` tells when each coach line is
audible, and the person's speech is placed relative to that. Words are timed on the clean
source before mixing (PocketSphinx forced alignment for English, spread over the speech for
Korean), so "lost" means a word that did not reach the answer it belongs to, not a
misrecognised one.

Levels: the person speaks at ``SPEECH_DBFS`` RMS; noise and background speech are given in dB
relative to that.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

RATE = 16000
SPEECH_DBFS = -22.0
"""RMS level of the person's speech in the microphone recording."""

TESTDATA = Path("/usr/share/pocketsphinx/test/data")
"""Debian ``pocketsphinx-testdata``: real read speech (LibriVox) and spoken card names."""

BABBLE_TEXT = (
    "Good evening and welcome to the news at nine. The council met today to discuss the new "
    "bridge across the river, which has been delayed for another year. In sport, the home team "
    "won their third match in a row after a late goal. Tomorrow will be cloudy in the morning "
    "with some sunshine later, and temperatures a little above normal for the time of year. "
    "Now the weather for the weekend, and then the rest of the headlines after the break."
)
"""What the television in the next room says."""


@dataclass(frozen=True)
class TimedWord:
    word: str
    start: float
    """Seconds from the start of the clip (or of the microphone recording, once placed)."""
    end: float


@dataclass(frozen=True)
class Clip:
    """Trimmed speech (float32 samples at 16 kHz, -1..1) and its words with times."""

    pcm: np.ndarray = field(repr=False)
    words: tuple[TimedWord, ...]
    source: str
    """Where it comes from: librivox, cards, slt, ked, espeak, espeak-ko."""

    @property
    def text(self) -> str:
        return " ".join(w.word for w in self.words)

    @property
    def duration(self) -> float:
        return len(self.pcm) / RATE


def normalise(text: str) -> str:
    """Lowercase, letters/digits/apostrophes only, single spaces (Hangul kept)."""
    return " ".join(re.sub(r"[^\w' ]+", " ", text.lower()).split())


# ---- reading and shaping audio ---------------------------------------------------------------
def read_pcm(path: Path) -> np.ndarray:
    """A 16 kHz mono int16 WAV or headerless .raw as float32 samples."""
    if path.suffix == ".raw":
        data = path.read_bytes()
    else:
        with wave.open(str(path), "rb") as handle:
            if handle.getframerate() != RATE or handle.getnchannels() != 1:
                raise ValueError(f"{path}: want 16 kHz mono")
            data = handle.readframes(handle.getnframes())
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


def write_wav(path: Path, pcm: np.ndarray) -> Path:
    """Float samples → 16 kHz mono int16 WAV (clipped)."""
    ints = np.clip(np.round(pcm * 32767.0), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(RATE)
        handle.writeframes(ints.tobytes())
    return path


def frame_db(pcm: np.ndarray, frame_s: float = 0.01) -> np.ndarray:
    """RMS level of each frame, dBFS."""
    n = int(RATE * frame_s)
    usable = len(pcm) // n * n
    frames = pcm[:usable].reshape(-1, n).astype(np.float64)
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)


def trim(pcm: np.ndarray, below_peak_db: float = 40.0) -> np.ndarray:
    """Cut leading and trailing silence (10 ms frames quieter than the peak − 40 dB)."""
    levels = frame_db(pcm)
    loud = np.nonzero(levels > levels.max() - below_peak_db)[0]
    if len(loud) == 0:
        return pcm
    n = int(RATE * 0.01)
    return pcm[loud[0] * n : (loud[-1] + 1) * n]


def active_rms(pcm: np.ndarray) -> float:
    """RMS over the frames within 30 dB of the loudest (the speech, not its pauses)."""
    levels = frame_db(pcm)
    active = levels[levels > levels.max() - 30.0]
    return float(np.sqrt(np.mean(10 ** (active / 10))))


def at_level(pcm: np.ndarray, dbfs: float, rms: float | None = None) -> np.ndarray:
    """Scaled so that its (active) RMS is ``dbfs``."""
    current = rms if rms is not None else active_rms(pcm)
    return pcm * (10 ** (dbfs / 20) / max(current, 1e-9))


def lowpass(pcm: np.ndarray, hz: float) -> np.ndarray:
    """A brick-wall low-pass in the frequency domain."""
    spectrum = np.fft.rfft(pcm)
    spectrum[np.fft.rfftfreq(len(pcm), 1 / RATE) > hz] = 0
    return np.fft.irfft(spectrum, len(pcm)).astype(np.float32)


def noise(kind: str, seconds: float, seed: int = 7) -> np.ndarray:
    """Steady noise of unit RMS: ``brown``, ``pink`` or ``hum`` (100 + 200 Hz)."""
    n = int(seconds * RATE)
    rng = np.random.default_rng(seed)
    if kind == "hum":
        t = np.arange(n) / RATE
        out = np.sin(2 * np.pi * 100 * t) + 0.5 * np.sin(2 * np.pi * 200 * t)
    else:
        spectrum = np.fft.rfft(rng.standard_normal(n))
        freqs = np.fft.rfftfreq(n, 1 / RATE)
        freqs[0] = freqs[1]
        spectrum /= freqs if kind == "brown" else np.sqrt(freqs)
        spectrum[freqs < 20] = 0
        out = np.fft.irfft(spectrum, n)
    return (out / np.sqrt(np.mean(out**2))).astype(np.float32)


# ---- speech material -------------------------------------------------------------------------
def align(pcm: np.ndarray, text: str) -> tuple[TimedWord, ...]:
    """Word times of ``text`` in ``pcm`` by PocketSphinx forced alignment (English)."""
    decoder = _aligner()
    decoder.set_align_text(text)
    decoder.start_utt()
    decoder.process_raw(np.clip(pcm * 32767, -32768, 32767).astype("<i2").tobytes(), False, True)
    decoder.end_utt()
    words = []
    for seg in decoder.seg() or ():
        if seg.word.startswith(("<", "[")):
            continue
        word = re.sub(r"\(\d+\)$", "", seg.word)
        words.append(TimedWord(word, seg.start_frame / 100, (seg.end_frame + 1) / 100))
    if len(words) != len(text.split()):
        return spread(pcm, text)
    return tuple(words)


@cache
def _aligner() -> Any:
    from pocketsphinx import Decoder

    return Decoder(lm=None, loglevel="FATAL")


def spread(pcm: np.ndarray, text: str) -> tuple[TimedWord, ...]:
    """Word times spread evenly over the clip (when no aligner knows the language)."""
    words = text.split()
    step = len(pcm) / RATE / len(words)
    return tuple(TimedWord(w, i * step, (i + 1) * step) for i, w in enumerate(words))


def make_clip(pcm: np.ndarray, text: str, source: str, english: bool = True) -> Clip:
    pcm = trim(pcm)
    text = normalise(text)
    return Clip(pcm, align(pcm, text) if english else spread(pcm, text), source)


@cache
def real_clips() -> tuple[Clip, ...]:
    """Real human read speech from ``pocketsphinx-testdata``: 5 LibriVox clips, 5 card names."""
    clips = []
    librivox = TESTDATA / "librivox"
    for line in (librivox / "transcription").read_text().splitlines():
        match = re.match(r"<s> (.*) </s> \((.*)\)", line.strip())
        if match:
            text, name = match.groups()
            clips.append(make_clip(read_pcm(librivox / f"{name}.wav"), text, "librivox"))
    cards = TESTDATA / "cards"
    for line in (cards / "cards.transcription").read_text().splitlines():
        match = re.match(r"<s> (.*?)\s*</s> \((.*)\)", line.strip())
        if match:
            text, name = match.groups()
            clips.append(make_clip(read_pcm(cards / f"{name}.wav"), text, "cards"))
    return tuple(clips)


def real_clip(words: str) -> Clip:
    """The real clip whose transcript starts with ``words``."""
    for clip in real_clips():
        if clip.text.startswith(normalise(words)):
            return clip
    raise KeyError(words)


@cache
def synthetic(text: str, voice: str, timed: bool = True) -> Clip:
    """Speech synthesised now: festival ``slt``/``ked`` or espeak-ng (``espeak``, ``ko``)."""
    with tempfile.TemporaryDirectory(prefix="vc-room-") as tmp:
        raw, out = Path(tmp) / "raw.wav", Path(tmp) / "out.wav"
        if voice in ("slt", "ked"):
            name = "cmu_us_slt_arctic_hts" if voice == "slt" else "ked_diphone"
            (Path(tmp) / "text.txt").write_text(text)
            command = ["text2wave", "-eval", f"(voice_{name})", "-o", str(raw), f"{tmp}/text.txt"]
        else:
            command = ["espeak-ng", "-v", "ko" if voice == "ko" else "en-us", "-w", str(raw), text]
        subprocess.run(command, check=True, capture_output=True, timeout=120)
        subprocess.run(
            ["sox", "-D", "-R", "-V1", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(out)],
            check=True,
            timeout=60,
        )
        pcm = read_pcm(out)
    return make_clip(
        pcm, text, voice if voice != "ko" else "espeak-ko", english=timed and voice != "ko"
    )


def join(clips: Sequence[Clip], gap_s: float = 0.4) -> Clip:
    """Clips one after another with ``gap_s`` of silence: a longer answer from few recordings."""
    parts: list[np.ndarray] = []
    words: list[TimedWord] = []
    at = 0.0
    for i, clip in enumerate(clips):
        if i:
            parts.append(np.zeros(int(gap_s * RATE), np.float32))
            at += gap_s
        parts.append(at_level(clip.pcm, SPEECH_DBFS))
        words.extend(TimedWord(w.word, w.start + at, w.end + at) for w in clip.words)
        at += clip.duration
    sources = "+".join(sorted({c.source for c in clips}))
    return Clip(np.concatenate(parts), tuple(words), sources)


@cache
def babble(seconds: float) -> np.ndarray:
    """A TV in the next room: an espeak-ng monologue low-passed at 2 kHz, unit RMS, looped."""
    clip = synthetic(BABBLE_TEXT, "espeak", timed=False).pcm
    looped = np.tile(clip, int(seconds * RATE / len(clip)) + 1)[: int(seconds * RATE)]
    looped = lowpass(looped, 2000.0)
    return looped / active_rms(looped)


# ---- the microphone recording ----------------------------------------------------------------
@dataclass
class Room:
    """What the microphone hears: the person's clips at given times, under a background."""

    seconds: float
    speech: list[tuple[float, Clip]] = field(default_factory=list)
    background: str | None = None
    """None, ``brown``, ``pink``, ``hum`` or ``tv``."""
    background_db: float = -20.0
    """Background level relative to the person's speech."""

    def say(self, at: float, clip: Clip) -> Room:
        self.speech.append((at, clip))
        return self

    def words(self) -> list[TimedWord]:
        """The person's words in recording time (from the clean source)."""
        return [
            TimedWord(w.word, w.start + at, w.end + at)
            for at, clip in self.speech
            for w in clip.words
        ]

    def mix(self) -> np.ndarray:
        n = int(self.seconds * RATE)
        out = np.zeros(n, np.float32)
        for at, clip in self.speech:
            start = int(at * RATE)
            pcm = at_level(clip.pcm, SPEECH_DBFS)[: max(0, n - start)]
            out[start : start + len(pcm)] += pcm
        if self.background is not None:
            bed = (
                babble(self.seconds)
                if self.background == "tv"
                else noise(self.background, self.seconds)
            )
            out += bed[:n] * 10 ** ((SPEECH_DBFS + self.background_db) / 20)
        return out

    def write(self, path: Path) -> Path:
        return write_wav(path, self.mix())


def answer_span(words: Sequence[TimedWord], pad_s: float = 0.3) -> tuple[float, float]:
    return words[0].start - pad_s, words[-1].end + pad_s
