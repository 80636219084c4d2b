"""Where a command said over the coach is lost: the echo canceller, or the coach's own echo check.

On the virtual sound card (speaker looped into the microphone 30 ms later), the coach's long
barge-in question plays and a command ("stop", "pause", "repeat") is said 2 s into it. What the
coach would hear is recorded along two paths:

  canceller   PulseAudio's WebRTC echo canceller on (the coach plays to ``speaker_aec`` and
              records ``mic_aec``), as in the barge-in rows of bench_room
  echo check  no canceller: the raw microphone through the coach's playback-aware echo check
              (``voicecoach.audio.echo.EchoGuard``, given exactly what was played)

For each recording the command is found by cross-correlation with the clean command, and:

  corr     normalised correlation of the recorded command with the clean one (1.0: intact)
  kept     share of the command's voiced 20 ms pieces that come through within 6 dB of their
           clean level (consonants are what goes first)
  decoded  what the session's listener makes of it (PocketSphinx, the command grammar's second
           opinion, the command spotter): the command, "unsure" (the coach would ask), or the
           words heard instead

The clean command, decoded the same way, is the first row. Nothing here is a session: this
isolates the audio path from the loop's decisions.

    python benchmarks/bench_barge_path.py [--trials N] [--out FILE]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_room import BARGE_COMMANDS, BARGE_PROMPT, publish  # noqa: E402

from tests.conftest import fixture_wav  # noqa: E402
from tests.room import read_pcm  # noqa: E402
from tests.virtual_audio import VirtualSoundCard  # noqa: E402
from voicecoach.audio.echo import EchoGuard  # noqa: E402
from voicecoach.audio.voice import trim_trailing_silence  # noqa: E402
from voicecoach.audio.wavfile import to_pcm16, write_wav  # noqa: E402
from voicecoach.config import Settings  # noqa: E402
from voicecoach.frames import FRAME_SAMPLES, SAMPLE_RATE, AudioChunk  # noqa: E402
from voicecoach.speech.events import Final, NoAnswer  # noqa: E402
from voicecoach.speech.sphinx_engine import SphinxRecognizer  # noqa: E402
from voicecoach.speech.tts import TextToSpeech  # noqa: E402
from voicecoach.wiring import coach_options, session_listener  # noqa: E402

INTO_S = 2.0
"""When the command is said, seconds after the question starts playing."""
LEAD_S = 0.5
"""Recording before the question starts."""
PIECE = SAMPLE_RATE // 50
"""20 ms, the piece the command's survival is measured on."""
VOICED_DB = -40.0
"""A piece of the clean command at least this loud (dBFS) is voiced."""
KEPT_DB = 6.0
"""A voiced piece recorded within this much of its clean level is kept."""


def db(x: np.ndarray) -> float:
    return 10.0 * float(np.log10(float(np.mean(x * x)) + 1e-12))


@dataclass
class Result:
    corr: float
    kept: float
    decoded: str


class Decoder:
    """The session's listener and command spotter, default settings, on one recognizer."""

    def __init__(self) -> None:
        settings = Settings()
        self.coach = coach_options(settings, None)
        self.recognizer = SphinxRecognizer()
        self.listener = session_listener(self.recognizer, settings, self.coach)
        self.listener.second_pass = None  # the answer's second decode does not decide commands

    def decode(self, audio: np.ndarray) -> str:
        """What the listener and spotter make of ``audio`` (float, 16 kHz) and 4 s after it."""
        pcm = to_pcm16(np.concatenate((audio, np.zeros(4 * SAMPLE_RATE))))
        self.listener.start(0)
        frame = FRAME_SAMPLES * 2
        for offset in range(0, len(pcm) - frame + 1, frame):
            event = self.listener.feed(AudioChunk(pcm[offset : offset + frame], offset // 2))
            if isinstance(event, NoAnswer):
                return "(nothing)"
            if isinstance(event, Final):
                spotted = self.coach.spotter.spot(event)
                if spotted is None:
                    return f'"{event.utterance.text}"'
                return spotted.command.value + ("" if spotted.sure else " (unsure)")
        self.listener.cancel()
        return "(nothing)"

    def close(self) -> None:
        self.recognizer.close()


def measure(recording: np.ndarray, command: np.ndarray, decoder: Decoder) -> Result:
    """Find the command in the recording and say how much of it came through."""
    recording, command = recording.astype(np.float64), command.astype(np.float64)
    n = command.size
    size = 1 << int(np.ceil(np.log2(recording.size + n)))
    corr = np.fft.irfft(np.fft.rfft(recording, size) * np.conj(np.fft.rfft(command, size)), size)
    energy = np.concatenate(([0.0], np.cumsum(recording * recording)))
    span = recording.size - n + 1
    window = np.sqrt(np.maximum(energy[n : n + span] - energy[:span], 0.0))
    audible = window > 1e-3 * float(np.linalg.norm(command))  # not the canceller's silence
    score = np.where(audible, corr[:span] / (np.maximum(window, 1e-9) * np.linalg.norm(command)), 0)
    at = int(np.argmax(score))
    heard = recording[at : at + n]
    voiced = kept = 0
    for i in range(0, n - PIECE + 1, PIECE):
        clean = db(command[i : i + PIECE])
        if clean < VOICED_DB:
            continue
        voiced += 1
        kept += abs(db(heard[i : i + PIECE]) - clean) <= KEPT_DB
    start = max(0, at - SAMPLE_RATE // 2)
    return Result(float(score[at]), kept / max(1, voiced), decoder.decode(recording[start:]))


def question(folder: Path) -> Path:
    """The barge-in question as the coach says it (trailing silence trimmed)."""
    tts = TextToSpeech(folder / "voice-cache")
    wav = folder / "question.wav"
    write_wav(wav, trim_trailing_silence(tts.render(BARGE_PROMPT)))
    return wav


class Played:
    """The question as the echo check sees it: placed where it was played in the recording."""

    def __init__(self, pcm: np.ndarray, at: int) -> None:
        self.pcm, self.at = pcm.astype(np.float32), at

    def played(self, start: int, end: int) -> np.ndarray:
        out = np.zeros(max(0, end - start), dtype=np.float32)
        lo, hi = max(start, self.at), min(end, self.at + self.pcm.size)
        if lo < hi:
            out[lo - start : hi - start] = self.pcm[lo - self.at : hi - self.at]
        return out


def through_card(path: str, command: str, wav: Path, folder: Path) -> np.ndarray:
    """Play the question, say the command ``INTO_S`` in; what the coach would hear (float)."""
    card = VirtualSoundCard(folder / f"pulse-{time.monotonic_ns()}").start()
    out = folder / f"{path}-{command}-{time.monotonic_ns()}.wav"
    try:
        card.loopback(30)
        cancel = path == "canceller"
        if cancel:
            card.echo_cancel()
        recorder = card.record("mic_aec" if cancel else "mic", out)
        time.sleep(LEAD_S)
        sink = "speaker_aec" if cancel else "speaker"
        player = subprocess.Popen(["paplay", "-d", sink, str(wav)], env=card.env)
        time.sleep(INTO_S)
        card.speak_into_mic(fixture_wav(f"cmd-{command}"))
        player.wait(timeout=60)
        time.sleep(0.3)
        card.stop_recording(recorder)
    finally:
        card.close()
    recording = read_pcm(out)
    if cancel:
        return recording
    # The echo check, frame by frame, given the question where it was sent to the speaker (the
    # recorder's start and the card's latency differ by less than the delays it searches).
    guard = EchoGuard(Played(read_pcm(wav), int(LEAD_S * SAMPLE_RATE)))
    pcm = to_pcm16(recording)
    frame = FRAME_SAMPLES * 2
    cleaned = [
        guard.clean(AudioChunk(pcm[i : i + frame], i // 2)).pcm
        for i in range(0, len(pcm) - frame + 1, frame)
    ]
    return np.frombuffer(b"".join(cleaned), dtype="<i2").astype(np.float64) / 32768.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=2, help="recordings per command and path")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    if args.trials < 1:
        parser.error("--trials must be 1 or more")
    began = time.perf_counter()
    decoder = Decoder()
    lines = [f"{'path':<12} {'command':<8} {'corr':>5} {'kept':>5}  decoded", "-" * 56]
    try:
        with tempfile.TemporaryDirectory(prefix="bench-barge-") as tmp:
            folder = Path(tmp)
            wav = question(folder)
            for command in BARGE_COMMANDS:
                clean = read_pcm(fixture_wav(f"cmd-{command}"))
                ref = measure(clean, clean, decoder)
                lines.append(f"{'clean':<12} {command:<8} {1.0:5.2f} {1.0:5.2f}  {ref.decoded}")
            for path in ("canceller", "echo check"):
                for command in BARGE_COMMANDS:
                    clean = read_pcm(fixture_wav(f"cmd-{command}"))
                    for _ in range(args.trials):
                        got = measure(through_card(path, command, wav, folder), clean, decoder)
                        lines.append(
                            f"{path:<12} {command:<8} {got.corr:5.2f} {got.kept:5.2f}  "
                            f"{got.decoded}"
                        )
                        print(lines[-1], file=sys.stderr, flush=True)
    finally:
        decoder.close()
    text = "\n".join(lines)
    took = time.perf_counter() - began
    text += f"\n(command said {INTO_S:.0f} s into the question; {took:.0f} s)"
    publish(text, args.out)


if __name__ == "__main__":
    main()
