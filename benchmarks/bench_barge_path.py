"""Where a command said over the coach is lost: the echo canceller, or the coach's own echo check.

On the virtual sound card (speaker looped into the microphone 30 ms later), the coach's long
barge-in question plays and a command ("stop", "pause", "repeat") is said 2 s into it. What the
coach would hear is recorded along these paths:

  canceller   PulseAudio's WebRTC echo canceller on (the coach plays to ``speaker_aec`` and
              records ``mic_aec``), as in the barge-in rows of bench_room
  echo check  no canceller: the raw microphone through the coach's playback-aware echo check
              (``voicecoach.audio.echo.EchoGuard``, given exactly what was played)
  AEC3        the same raw recording through libwebrtc's AEC3 in process
              (``voicecoach.audio.aec.WebRtcCanceller``, the far end exactly what was played)
  AEC3+check  AEC3, then the echo check on what it leaves

For each recording the command is found by cross-correlation with the clean command, and:

  corr     normalised correlation of the recorded command with the clean one (1.0: intact)
  kept     share of the command's voiced 20 ms pieces that come through within 6 dB of their
           clean level (consonants are what goes first)
  decoded  what the session's listener makes of it (PocketSphinx, the command grammar's second
           opinion, the command spotter): the command, "unsure" (the coach would ask), or the
           words heard instead

The clean command, decoded the same way, is the first row. Then the echo alone (nobody speaks)
over 30, 300 and 800 ms loops, raw microphone, per in-process path: how far the coach's voice is
taken down over the whole question and after its first second (dB), and what is decoded.
Nothing here is a session: this isolates the audio path from the loop's decisions.

    python benchmarks/bench_barge_path.py [--trials N] [--paths a,b] [--out FILE]
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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
from voicecoach.audio.echo import LEAD_S as ECHO_LEAD_S  # noqa: E402
from voicecoach.audio.echo import (  # noqa: E402
    MAX_DELAY_S,
    QUIET,
    SURE_SHARE,
    EchoGuard,
    Playback,
    fit_echo,
)
from voicecoach.audio.voice import trim_trailing_silence  # noqa: E402
from voicecoach.audio.wavfile import to_pcm16, write_wav  # noqa: E402
from voicecoach.config import Settings  # noqa: E402
from voicecoach.frames import FRAME_SAMPLES, SAMPLE_RATE, AudioChunk, seconds_to_samples  # noqa: E402
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
        """What the listener and spotter make of ``audio`` (float, 16 kHz) and 4 s after it,
        said over the coach's voice (as the session machine hears a barge-in)."""
        pcm = to_pcm16(np.concatenate((audio, np.zeros(4 * SAMPLE_RATE))))
        self.listener.start(0)
        frame = FRAME_SAMPLES * 2
        for offset in range(0, len(pcm) - frame + 1, frame):
            event = self.listener.feed(AudioChunk(pcm[offset : offset + frame], offset // 2))
            if isinstance(event, NoAnswer):
                return "(nothing)"
            if isinstance(event, Final):
                spotted = self.coach.spotter.spot(self.coach.spotter.over_coach(event))
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


class Aec3:
    """libwebrtc's AEC3 (``livekit.rtc.AudioProcessingModule``, default settings: livekit
    exposes no others) in the coach's place: ``clean(chunk)`` as ``EchoGuard``'s, the far end
    exactly what was played, fed 10 ms at a time beside the microphone.

    AEC3 finds the echo's delay itself only within about half a second and only after the far
    end it was given, while the echo can come ``ECHO_LEAD_S`` early or ``MAX_DELAY_S`` late
    (the echo check's window). So the far end is fed shifted: the delay is found as the echo
    check finds it (``fit_echo`` on frames the coach's voice alone explains) and the far end is
    fed ``HEADROOM_S`` ahead of its echo; until then ``ECHO_LEAD_S`` ahead of the microphone.
    It runs on every frame so its output is one stream (AEC3 passes audio on 8 ms late).
    """

    HEADROOM_S = 0.05
    BLOCK = SAMPLE_RATE // 100

    def __init__(self, playback: Playback) -> None:
        from livekit import rtc

        self.rtc = rtc
        self.apm = rtc.AudioProcessingModule(echo_cancellation=True, high_pass_filter=True)
        self.playback = playback
        self.max_delay = seconds_to_samples(MAX_DELAY_S)
        self.lead = seconds_to_samples(ECHO_LEAD_S)
        self.headroom = seconds_to_samples(self.HEADROOM_S)
        self.shift = -self.lead
        """Samples the far end is fed behind the microphone (negative: ahead of it)."""

    def clean(self, chunk: AudioChunk) -> AudioChunk:
        reference = self.playback.played(chunk.start - self.max_delay, chunk.end + self.lead)
        mic = np.frombuffer(chunk.pcm, dtype="<i2")
        samples = mic / 32768.0
        if float(np.mean(reference * reference)) >= QUIET and np.dot(samples, samples) > 0:
            _, share, delay = fit_echo(samples, reference.astype(np.float64), lead=self.lead)
            if share >= SURE_SHARE:
                self.shift = max(-self.lead, min(self.max_delay, delay - self.headroom))
        at = reference.size - mic.size - self.lead - self.shift
        far = to_pcm16(reference[at : at + mic.size])
        out = bytearray()
        block, rtc = self.BLOCK, self.rtc
        for i in range(0, len(chunk.pcm), 2 * block):
            self.apm.process_reverse_stream(
                rtc.AudioFrame(far[i : i + 2 * block], SAMPLE_RATE, 1, block)
            )
            self.apm.set_stream_delay_ms(round(1000 * self.HEADROOM_S))
            frame = rtc.AudioFrame(chunk.pcm[i : i + 2 * block], SAMPLE_RATE, 1, block)
            self.apm.process_stream(frame)
            out += bytes(frame.data.cast("B"))
        return AudioChunk(pcm=bytes(out), start=chunk.start)


IN_PROCESS = ("echo check", "AEC3", "AEC3+check")
"""Paths run on the raw microphone's recording, in the coach's own process."""

ECHO_DELAYS_MS = (30, 300, 800)
"""Speaker-to-microphone loops of the echo-only recordings."""


def through_card(
    folder: Path, wav: Path, command: str | None, delay_ms: int = 30, cancel: bool = False
) -> np.ndarray:
    """Play the question and say ``command`` ``INTO_S`` into it (None: nobody speaks); the
    raw microphone (``cancel``: PulseAudio's canceller's output) as float samples."""
    card = VirtualSoundCard(folder / f"pulse-{time.monotonic_ns()}").start()
    out = folder / f"{command}-{time.monotonic_ns()}.wav"
    try:
        card.loopback(delay_ms)
        if cancel:
            card.echo_cancel()
        recorder = card.record("mic_aec" if cancel else "mic", out)
        time.sleep(LEAD_S)
        sink = "speaker_aec" if cancel else "speaker"
        player = subprocess.Popen(["paplay", "-d", sink, str(wav)], env=card.env)
        if command is not None:
            time.sleep(INTO_S)
            card.speak_into_mic(fixture_wav(f"cmd-{command}"))
        player.wait(timeout=60)
        time.sleep(0.3 + delay_ms / 1000)
        card.stop_recording(recorder)
    finally:
        card.close()
    return read_pcm(out)


def cleaners(path: str, played: Played) -> list[Callable[[AudioChunk], AudioChunk]]:
    """The stages of an in-process path, in order, given what was played."""
    if path == "echo check":
        return [EchoGuard(played).clean]
    if path == "AEC3":
        return [Aec3(played).clean]
    return [Aec3(played).clean, EchoGuard(played).clean]


def in_process(path: str, recording: np.ndarray, wav: Path, at: int | None = None) -> np.ndarray:
    """The raw recording through an in-process path, frame by frame, given the question where
    it was sent to the speaker (``at``, samples; default ``LEAD_S``: the recorder's start and
    the card's latency differ by less than the delays the echo check and AEC3 search)."""
    placed = int(LEAD_S * SAMPLE_RATE) if at is None else at
    stages = cleaners(path, Played(read_pcm(wav), placed))
    pcm = to_pcm16(recording)
    frame = FRAME_SAMPLES * 2
    cleaned = []
    for i in range(0, len(pcm) - frame + 1, frame):
        chunk = AudioChunk(pcm[i : i + frame], i // 2)
        for stage in stages:
            chunk = stage(chunk)
        cleaned.append(chunk.pcm)
    return np.frombuffer(b"".join(cleaned), dtype="<i2").astype(np.float64) / 32768.0


def echo_rows(paths: list[str], folder: Path, wav: Path, decoder: Decoder) -> list[str]:
    """The echo alone over each loop: dB taken out (whole question, after its first second)
    and what is decoded, per in-process path."""
    lines = [
        "",
        f"{'echo alone':<12} {'loop':>6} {'whole':>6} {'after 1 s':>9}  decoded",
        "-" * 56,
    ]
    question_s = read_pcm(wav).size / SAMPLE_RATE
    at = int(LEAD_S * SAMPLE_RATE)
    for delay_ms in ECHO_DELAYS_MS:
        raw = through_card(folder, wav, None, delay_ms)
        span = slice(at, at + int((question_s + delay_ms / 1000) * SAMPLE_RATE))
        late = slice(span.start + SAMPLE_RATE, span.stop)
        for path in paths:
            out = in_process(path, raw, wav)
            n = min(out.size, raw.size)
            whole = db(raw[:n][span]) - db(out[:n][span])
            after = db(raw[:n][late]) - db(out[:n][late])
            lines.append(
                f"{path:<12} {delay_ms:>4}ms {whole:6.1f} {after:9.1f}  {decoder.decode(out)}"
            )
            print(lines[-1], file=sys.stderr, flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=2, help="recordings per command and path")
    parser.add_argument(
        "--paths",
        help="paths to run, comma-separated (canceller, echo check, AEC3, AEC3+check; "
        "default: all, the AEC3 ones when livekit is installed)",
    )
    parser.add_argument("--no-echo", action="store_true", help="skip the echo-alone rows")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    if args.trials < 1:
        parser.error("--trials must be 1 or more")
    aec3 = importlib.util.find_spec("livekit") is not None
    default = ["canceller", "echo check", *(["AEC3", "AEC3+check"] if aec3 else [])]
    paths = [p.strip() for p in args.paths.split(",") if p.strip()] if args.paths else default
    unknown = set(paths) - {"canceller", *IN_PROCESS}
    if unknown:
        parser.error(f"unknown paths: {', '.join(sorted(unknown))}")
    if not aec3 and {"AEC3", "AEC3+check"} & set(paths):
        parser.error("the AEC3 paths need the livekit package (pip install livekit)")
    began = time.perf_counter()
    decoder = Decoder()
    lines = [f"{'path':<12} {'command':<8} {'corr':>5} {'kept':>5}  decoded", "-" * 56]

    def row(path: str, command: str, got: Result) -> None:
        lines.append(f"{path:<12} {command:<8} {got.corr:5.2f} {got.kept:5.2f}  {got.decoded}")
        print(lines[-1], file=sys.stderr, flush=True)

    try:
        with tempfile.TemporaryDirectory(prefix="bench-barge-") as tmp:
            folder = Path(tmp)
            wav = question(folder)
            for command in BARGE_COMMANDS:
                clean = read_pcm(fixture_wav(f"cmd-{command}"))
                ref = measure(clean, clean, decoder)
                lines.append(f"{'clean':<12} {command:<8} {1.0:5.2f} {1.0:5.2f}  {ref.decoded}")
                if "AEC3" in paths:  # AEC3's own filters, nothing played: its corr when intact
                    alone = np.concatenate((np.zeros(SAMPLE_RATE), clean, np.zeros(SAMPLE_RATE)))
                    got = measure(in_process("AEC3", alone, wav, at=alone.size), clean, decoder)
                    row("AEC3, quiet", command, got)
            local = [p for p in IN_PROCESS if p in paths]
            rows: dict[str, list[tuple[str, Result]]] = {p: [] for p in paths}
            for command in BARGE_COMMANDS:
                clean = read_pcm(fixture_wav(f"cmd-{command}"))
                for _ in range(args.trials):
                    if "canceller" in paths:
                        heard = through_card(folder, wav, command, cancel=True)
                        got = measure(heard, clean, decoder)
                        rows["canceller"].append((command, got))
                    if local:
                        raw = through_card(folder, wav, command)
                        for path in local:
                            got = measure(in_process(path, raw, wav), clean, decoder)
                            rows[path].append((command, got))
                            print(path, command, got, file=sys.stderr, flush=True)
            for path in paths:
                for command, got in rows[path]:
                    row(path, command, got)
            if local and not args.no_echo:
                lines += echo_rows(local, folder, wav, decoder)
    finally:
        decoder.close()
    text = "\n".join(lines)
    took = time.perf_counter() - began
    text += f"\n(command said {INTO_S:.0f} s into the question; {took:.0f} s)"
    publish(text, args.out)


if __name__ == "__main__":
    main()
