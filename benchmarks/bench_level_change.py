"""Answers whose level changes within a session (the person moves away from the microphone, or
comes closer when asked to speak up): WER of the streaming PocketSphinx decoder with the
cepstral mean moved to each utterance's level (``speech/cepstral_mean.py``) and without
(``LEVEL_JUMP_DB`` infinite: the mean carried as learnt), on the same audio in the same run.

Material: the festival slt fixtures (tests/fixtures/en), in four sequences, each on a fresh
decoder: normal answers with two soft ones (36 dB down) among them; one soft answer among
normal ones; every answer soft; every answer 20 dB down. Each utterance is fed in 100 ms
blocks, as the loop does, with 0.5 s of silence after it.

    python benchmarks/bench_level_change.py [--verbose]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import fixture_text  # noqa: E402
from tests.test_cepstral_mean import SOFT_DB as SOFT  # noqa: E402
from tests.test_cepstral_mean import clip, streamed  # noqa: E402
from voicecoach.speech import cepstral_mean  # noqa: E402
from voicecoach.speech.scoring import word_error_rate  # noqa: E402
from voicecoach.speech.sphinx_engine import SphinxRecognizer  # noqa: E402

ANSWERS = ("patience-1", "patience-2", "patience-3", "patience-4", "patience-5")
SEQUENCES: dict[str, list[tuple[str, float]]] = {
    "soft answers, then normal": [
        ("patience-3", 0), ("patience-1", SOFT), ("patience-2", SOFT), ("cmd-stop", 0),
        ("cmd-repeat", 0), ("mood-1", 0), ("patience-4", 0), ("cmd-skip", 0), ("patience-5", 0),
    ],
    "one soft answer among normal": [
        ("communication-1", 0), ("communication-2", SOFT), ("cmd-pause", 0),
        ("communication-3", 0), ("cmd-help", 0), ("mood-2", 0),
    ],
    "every answer soft": [
        *((name, SOFT) for name in ANSWERS), ("cmd-stop", SOFT), ("mood-3", SOFT),
        ("self-compassion-1", SOFT), ("self-compassion-2", SOFT),
    ],
    "every answer 20 dB down": [
        *((name, -20.0) for name in ANSWERS), ("cmd-stop", -20.0), ("mood-3", -20.0),
        ("self-compassion-1", -20.0), ("self-compassion-2", -20.0),
    ],
}  # fmt: skip


def run(sequence: list[tuple[str, float]]) -> list[tuple[str, float, float, str]]:
    """Each utterance of ``sequence`` on one fresh decoder: (name, gain, WER, words)."""
    recognizer = SphinxRecognizer()
    if recognizer.second_pass is not None:
        recognizer.second_pass.close()
        recognizer.second_pass = None
    out = []
    for name, gain in sequence:
        words = streamed(recognizer, clip(name, gain))
        out.append((name, gain, word_error_rate(fixture_text(name), words), words))
    recognizer.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="Every utterance's words.")
    args = parser.parse_args()
    follows = cepstral_mean.LEVEL_JUMP_DB
    print(f"{'sequence':32} {'mean WER, carried':>18} {'moved':>8}   utterances")
    for title, sequence in SEQUENCES.items():
        results = {}
        for kind, jump in (("carried", float("inf")), ("moved", follows)):
            cepstral_mean.LEVEL_JUMP_DB = jump
            results[kind] = run(sequence)
        cepstral_mean.LEVEL_JUMP_DB = follows
        mean = {k: float(np.mean([r[2] for r in v])) for k, v in results.items()}
        print(f"{title:32} {mean['carried']:18.2f} {mean['moved']:8.2f}   {len(sequence)}")
        if args.verbose:
            for before, after in zip(results["carried"], results["moved"], strict=True):
                name, gain, wer, words = before
                print(f"    {name:18} {gain:+5.0f} dB  {wer:.2f} {words!r}")
                print(f"    {'':18} {'':8}  {after[2]:.2f} {after[3]!r}")


if __name__ == "__main__":
    main()
