"""How loud ordinary answers are, and what is heard of them turned down: ``[listen]
speak_up_dbfs`` is chosen from this table.

Material: the festival slt answer and mood fixtures (tests/fixtures/en), Debian's
pocketsphinx-testdata LibriVox clips (real read speech), and any WAVs given on the command line
(a recording of your own: the words are not scored). Each is played as one answer, with
silence around it, at its own level and turned down 20, 30, 36 and 45 dB, through the
session's listener and PocketSphinx (the streaming words; no second decode).

For each: ``level``, the answer's ``Final.level`` (RMS dBFS over the frames the voice detector
took for the person's speech), lowest … highest; ``WER`` of the words heard against the text;
``unheard``, answers that gave no words at all.

    python benchmarks/bench_speech_level.py [extra.wav ...]
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voicecoach.audio.wavfile import read_wav  # noqa: E402
from voicecoach.config import Settings  # noqa: E402
from voicecoach.frames import FRAME_SAMPLES, SAMPLE_RATE, SAMPLE_WIDTH, AudioChunk  # noqa: E402
from voicecoach.speech.events import Final, NoAnswer  # noqa: E402
from voicecoach.speech.scoring import word_error_rate  # noqa: E402
from voicecoach.speech.sphinx_engine import SphinxRecognizer  # noqa: E402
from voicecoach.wiring import coach_options, session_listener  # noqa: E402

DROPS_DB = (0, 20, 30, 36, 45)
FIXTURES = ROOT / "tests" / "fixtures"
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")


def reference(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", text.lower()).split())


def festival() -> list[tuple[Path, str | None]]:
    with (FIXTURES / "fixtures.toml").open("rb") as handle:
        table = tomllib.load(handle)
    groups = ("patience", "self-compassion", "communication", "mood")
    return [
        (FIXTURES / entry["file"], reference(entry["text"]))
        for entry in table.values()
        if isinstance(entry, dict) and entry.get("lang") == "en" and entry.get("group") in groups
    ]


def librivox() -> list[tuple[Path, str | None]]:
    listing = LIBRIVOX / "transcription"
    if not listing.is_file():
        return []
    clips: list[tuple[Path, str | None]] = []
    for line in listing.read_text().splitlines():
        text, _, name = line.rpartition("(")
        words = [w for w in text.split() if w not in ("<s>", "</s>")]
        clips.append((LIBRIVOX / f"{name.strip(' )')}.wav", " ".join(words).lower()))
    return clips


def turned_down(pcm: bytes, db: float) -> bytes:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64) * 10 ** (-db / 20)
    return np.clip(np.round(samples), -32768, 32767).astype("<i2").tobytes()


def hear(recognizer: SphinxRecognizer, pcm: bytes) -> Final | NoAnswer | None:
    """One answer through a fresh session listener (the person's level not yet known)."""
    settings = Settings()
    listener = session_listener(recognizer, settings, coach_options(settings, None))
    listener.second_pass = None
    audio = bytes(SAMPLE_RATE * SAMPLE_WIDTH) + pcm + bytes(14 * SAMPLE_RATE * SAMPLE_WIDTH)
    listener.start(0)
    step = FRAME_SAMPLES * SAMPLE_WIDTH
    for at in range(0, len(audio) - step + 1, step):
        event = listener.feed(AudioChunk(audio[at : at + step], at // SAMPLE_WIDTH))
        if isinstance(event, Final | NoAnswer):
            return event
    return None


def row(recognizer: SphinxRecognizer, items: list[tuple[Path, str | None]], db: float) -> str:
    levels, errors, unheard = [], [], 0
    for path, text in items:
        event = hear(recognizer, turned_down(read_wav(path), db))
        if isinstance(event, Final) and event.level is not None:
            levels.append(event.level)
            if text is not None:
                errors.append(word_error_rate(text, event.utterance.text))
        else:
            unheard += 1
            if text is not None:
                errors.append(1.0)
    level = f"{min(levels):.1f} … {max(levels):.1f}" if levels else "–"
    wer = f"{np.mean(errors):.2f}" if errors else "–"
    return f"| {level} | {wer} | {unheard}/{len(items)} |"


def main(extra: list[str]) -> None:
    recognizer = SphinxRecognizer()
    sets = [("festival slt answers and moods", festival()), ("LibriVox", librivox())]
    sets += [(Path(name).name, [(Path(name), None)]) for name in extra]
    print("| speech | turned down | level (dBFS) | WER | unheard |")
    print("| --- | --- | --- | --- | --- |")
    for name, items in sets:
        if not items:
            continue
        for db in DROPS_DB:
            print(f"| {name} ({len(items)}) | {db} dB {row(recognizer, items, db)}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
