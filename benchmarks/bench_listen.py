"""The listener on real speech in a simulated room: words kept, end of answer, reply delay.

Material: Debian's pocketsphinx-testdata LibriVox clips (real read speech, five sentences, ~70
words), each played as one answer at -22 dBFS with silence around it; long answers join the
clips (0.4 s apart) to ~10 s and ~110 s. Backgrounds under the whole answer, levels relative to
the person: pink and brown noise at -10 dB, a 100+200 Hz hum at -10 dB, and background speech
(an espeak-ng monologue low-passed at 2 kHz: a TV in the next room) at -30 and -20 dB.

For each condition, through the real listener and PocketSphinx:
- ``end``: end-of-answer delay = the audio-time decision after the person's last sound, plus the
  processing time of the frame that decided (the decoder's finish; CPU time of the loop's
  thread, so other work on a shared machine does not count). Median and max.
- ``bg words``: words stored from outside the person's speech (by word times) / words stored.
- ``WER``: the stored words against the transcription; ``raw`` is a fresh decoder given each
  clip whole (``process_raw(pcm, False, True)``).

    python benchmarks/bench_listen.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voicecoach.audio.wavfile import read_wav  # noqa: E402
from voicecoach.coach.intents import seems_unfinished  # noqa: E402
from voicecoach.config import Settings  # noqa: E402
from voicecoach.frames import FRAME_SAMPLES, SAMPLE_RATE, AudioChunk  # noqa: E402
from voicecoach.speech.events import Final, NoAnswer, Utterance  # noqa: E402
from voicecoach.speech.listener import Listener  # noqa: E402
from voicecoach.speech.scoring import corpus_error_rate  # noqa: E402
from voicecoach.speech.sphinx_engine import SphinxRecognizer  # noqa: E402
from voicecoach.speech.vad import VoiceActivity  # noqa: E402

try:
    from voicecoach.wiring import answer_timing  # noqa: E402
except ImportError:  # before the composition root existed
    from voicecoach.speech.listener import answer_timing  # type: ignore[attr-defined,no-redef]

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
PERSON_DBFS = -22.0
LEAD_S = 1.0
TAIL_S = 8.0
TV_TEXT = (
    "Good evening and welcome to the news at nine. Tonight the council met to discuss the new "
    "bridge over the river, which has been delayed for another year because of rising costs. "
    "In sport, the home team won their third match in a row after a late goal in the second "
    "half. The weather for tomorrow will be cloudy in the morning with some sunshine later in "
    "the afternoon, and temperatures will reach about fifteen degrees. Now, over to our reporter "
    "who has been following the story of the missing painting from the city museum. "
)


def clips() -> list[tuple[bytes, str]]:
    listing = (LIBRIVOX / "transcription").read_text().splitlines()
    out = []
    for line in listing:
        text, _, name = line.rpartition("(")
        words = " ".join(w for w in text.split() if w not in ("<s>", "</s>"))
        out.append((read_wav(LIBRIVOX / f"{name.strip(' )')}.wav"), words))
    return out


def samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64)


def active_level(x: np.ndarray) -> float:
    """RMS dBFS over the 10 ms frames within 30 dB of the loudest (speech, not its pauses)."""
    frames = x[: len(x) // 160 * 160].reshape(-1, 160)
    power = (frames**2).mean(axis=1) + 1e-9
    loud = power[power > power.max() / 1000]
    return 10 * float(np.log10(loud.mean() / 32768**2))


def scaled(x: np.ndarray, dbfs: float) -> np.ndarray:
    return x * 10 ** ((dbfs - active_level(x)) / 20)


def speech_span(x: np.ndarray) -> tuple[float, float]:
    """First and last 10 ms frame within 40 dB of the loudest, in seconds."""
    frames = x[: len(x) // 160 * 160].reshape(-1, 160)
    power = (frames**2).mean(axis=1)
    loud = np.flatnonzero(power > power.max() / 10_000)
    return loud[0] * 0.01, (loud[-1] + 1) * 0.01


def sox_noise(kind: str, seconds: float, folder: Path) -> np.ndarray:
    out = folder / f"{kind}.wav"
    if kind == "hum":
        synth = ["synth", f"{seconds}", "sine", "100", "sine", "200", "remix", "1,2"]
        cmd = ["sox", "-n", "-r", "16000", "-c", "2", "-b", "16", str(out), *synth]
    else:
        synth = ["synth", f"{seconds}", f"{kind}noise"]
        cmd = ["sox", "-R", "-n", "-r", "16000", "-c", "1", "-b", "16", str(out), *synth]
    subprocess.run(cmd, check=True, capture_output=True)
    return samples(read_wav(out))


def tv(seconds: float, folder: Path) -> np.ndarray:
    raw, out = folder / "tv-raw.wav", folder / "tv.wav"
    text = TV_TEXT * 4
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(raw), text], check=True)
    subprocess.run(
        ["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(out), "lowpass", "2000"],
        check=True,
        capture_output=True,
    )
    x = samples(read_wav(out))
    reps = int(np.ceil(seconds * SAMPLE_RATE / len(x)))
    return np.tile(x, reps)[: int(seconds * SAMPLE_RATE)]


@dataclass
class Trial:
    end_delay: float
    """Seconds from the person's last sound to the decision, plus its processing time."""
    words: int
    background: int
    text: str
    reference: str


def answer(speech: np.ndarray) -> tuple[np.ndarray, float, float]:
    """The answer placed in silence; (audio, speech start s, speech end s)."""
    lead = np.zeros(int(LEAD_S * SAMPLE_RATE))
    tail = np.zeros(int(TAIL_S * SAMPLE_RATE))
    start, end = speech_span(speech)
    return np.concatenate((lead, speech, tail)), LEAD_S + start, LEAD_S + end


def run(listener: Listener, x: np.ndarray, span: tuple[float, float], reference: str) -> Trial:
    pcm = np.clip(np.round(x), -32768, 32767).astype("<i2").tobytes()
    listener.start(0)
    step = FRAME_SAMPLES * 2
    for offset in range(0, len(pcm) - step + 1, step):
        chunk = AudioChunk(pcm[offset : offset + step], offset // 2)
        t0 = time.thread_time()
        event = listener.feed(chunk)
        took = time.thread_time() - t0
        if isinstance(event, NoAnswer):
            return Trial(99.0, 0, 0, "", reference)
        if isinstance(event, Final):
            stored = stored_utterance(event)
            lo, hi = span[0] - 0.3, span[1] + 0.3
            outside = sum(1 for w in stored.words if not lo <= (w.start + w.end) / 2 <= hi)
            delay = chunk.end / SAMPLE_RATE - span[1] + took
            return Trial(delay, len(stored.words), outside, stored.text, reference)
    listener.cancel()
    return Trial(99.0, 0, 0, "", reference)


def stored_utterance(event: Final) -> Utterance:
    """What the journal ends up with: the whole-utterance decode when there is one."""
    better = getattr(event, "better", None)
    if better is not None:
        try:
            return better.result(timeout=120)
        except Exception:
            return event.utterance
    return event.utterance


def raw_wer(pairs: list[tuple[bytes, str]]) -> float:
    import pocketsphinx

    out = []
    for pcm, ref in pairs:
        decoder = pocketsphinx.Decoder(pocketsphinx.Config(loglevel="FATAL"))
        decoder.start_utt()
        decoder.process_raw(pcm, False, True)
        decoder.end_utt()
        hyp = decoder.hyp()
        out.append((ref, hyp.hypstr if hyp is not None else ""))
    return corpus_error_rate(out)


def joined(pairs: list[tuple[bytes, str]], seconds: float) -> tuple[np.ndarray, str]:
    gap = np.zeros(int(0.4 * SAMPLE_RATE))
    parts: list[np.ndarray] = []
    words: list[str] = []
    i = 0
    while sum(len(p) for p in parts) < seconds * SAMPLE_RATE:
        pcm, ref = pairs[i % len(pairs)]
        parts += [scaled(samples(pcm), PERSON_DBFS), gap]
        words.append(ref)
        i += 1
    return np.concatenate(parts[:-1]), " ".join(words)


def table(name: str, trials: list[Trial]) -> str:
    delays = [t.end_delay for t in trials]
    words = sum(t.words for t in trials)
    bg = sum(t.background for t in trials)
    wer = corpus_error_rate([(t.reference, t.text) for t in trials])
    return (
        f"| {name} | {statistics.median(delays):.2f} | {max(delays):.2f} | "
        f"{bg}/{words} | {wer:.3f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 110 s answer")
    args = parser.parse_args()
    settings = Settings()
    timing = answer_timing(settings)
    recognizer = SphinxRecognizer()
    listener = Listener(
        recognizer, timing, VoiceActivity(settings.listen.vad_mode), unfinished=seems_unfinished
    )
    pairs = clips()
    print(f"end_silence_s = {settings.listen.end_silence_s}")
    print(f"raw engine WER (each clip whole, fresh decoder): {raw_wer(pairs):.3f}\n")
    print("| condition | end median s | end max s | bg words | WER |")
    print("| --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        longest = max(len(p) for p, _ in pairs) / SAMPLE_RATE + LEAD_S + TAIL_S
        backgrounds: dict[str, tuple[np.ndarray | None, float]] = {
            "quiet": (None, 0.0),
            "pink noise -10 dB": (sox_noise("pink", longest, folder), -10.0),
            "brown noise -10 dB": (sox_noise("brown", longest, folder), -10.0),
            "hum -10 dB": (sox_noise("hum", longest, folder), -10.0),
            "TV -30 dB": (tv(longest, folder), -30.0),
            "TV -20 dB": (tv(longest, folder), -20.0),
        }
        for name, (noise, rel) in backgrounds.items():
            trials = []
            for pcm, ref in pairs:
                x, start, end = answer(scaled(samples(pcm), PERSON_DBFS))
                if noise is not None:
                    x = x + scaled(noise[: len(x)], PERSON_DBFS + rel)
                trials.append(run(listener, x, (start, end), ref))
            print(table(name, trials))
        for seconds in (10.0,) if args.quick else (10.0, 110.0):
            speech, ref = joined(pairs, seconds)
            x, start, end = answer(speech)
            trials = [run(listener, x, (start, end), ref) for _ in range(3)]
            print(table(f"answer {seconds:.0f} s, quiet", trials))
    recognizer.close()


if __name__ == "__main__":
    main()
