"""Which feature normalisation should the second, whole-answer PocketSphinx decode use?

Every English answer fixture (festival voices) and the real recordings of Debian's
``pocketsphinx-testdata`` (5 LibriVox sentences, 5 spoken card names) is decoded the way a
session hears it (half a second of lead-in, 0.3 s after), in file order, three ways:

- **streaming**: the session's streaming decoder (first search pass only), fed 100 ms chunks;
- **batch CMN**: a lattice-search decoder normalising each answer's features over that answer
  alone (PocketSphinx's ``full_utt``);
- **live CMN**: the same decoder normalising live, the cepstral mean carried from answer to
  answer (what ``decode_whole`` does).

Reported: corpus word error rate per answer length (the LibriVox sentences apart).

    python benchmarks/bench_second_pass.py
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voicecoach.audio.wavfile import read_wav  # noqa: E402
from voicecoach.speech.scoring import corpus_error_rate  # noqa: E402
from voicecoach.speech.sphinx_engine import (  # noqa: E402
    SphinxRecognizer,
    _words,
    decode_whole,
    whole_decoder,
)

FIXTURES = ROOT / "tests" / "fixtures"
TESTDATA = Path("/usr/share/pocketsphinx/test/data")
LEAD_S, TAIL_S = 0.5, 0.3
CHUNK = 3200
"""Bytes in a 100 ms chunk of 16 kHz int16 audio."""


def listing(folder: Path, name: str, prefix: str) -> list[tuple[str, Path, str]]:
    """(label, WAV, text) from a Sphinx transcription file (``<s> words </s> (id)``)."""
    out = []
    for line in (folder / name).read_text().splitlines():
        text, _, ident = line.rpartition("(")
        words = " ".join(w for w in text.split() if w not in ("<s>", "</s>"))
        ident = ident.strip(" )")
        out.append((prefix, folder / f"{ident}.wav", words))
    return out


def material() -> list[tuple[str, Path, str]]:
    table = tomllib.loads((FIXTURES / "fixtures.toml").read_text())
    out = [
        ("", FIXTURES / v["file"], str(v["text"]))
        for v in table.values()
        if v.get("lang") == "en" and v.get("text")
    ]
    if (TESTDATA / "librivox").is_dir():
        out += listing(TESTDATA / "librivox", "transcription", "LibriVox")
        out += listing(TESTDATA / "cards", "cards.transcription", "")
    else:
        print("pocketsphinx-testdata is not installed: festival voices only", file=sys.stderr)
    return out


def bucket(label: str, seconds: float) -> str:
    if label:
        return label
    for limit in (1.5, 3.0, 6.0):
        if seconds < limit:
            return f"< {limit:g} s"
    return ">= 6 s"


def main() -> None:
    streaming = SphinxRecognizer()
    streaming.second_pass = None
    batch, live = whole_decoder(), whole_decoder()
    pairs: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for label, path, text in material():
        pcm = read_wav(path)
        audio = bytes(int(LEAD_S * 16000) * 2) + pcm + bytes(int(TAIL_S * 16000) * 2)
        for at in range(0, len(audio), CHUNK):
            streaming.accept(audio[at : at + CHUNK])
        batch.start_utt()
        batch.process_raw(audio, False, True)
        batch.end_utt()
        heard = {
            "streaming": streaming.finish(0.0).text,
            "batch CMN": " ".join(word for word, *_ in _words(batch)),
            "live CMN": decode_whole(live, audio, 0.0).text,
        }
        group = bucket(label, len(pcm) / 32000)
        for way, hyp in heard.items():
            pairs.setdefault((group, way), []).append((text.lower(), hyp))
    ways = ("streaming", "batch CMN", "live CMN")
    print(f"{'answers':12} {'n':>4} " + " ".join(f"{w:>10}" for w in ways))
    for group in ("< 1.5 s", "< 3 s", "< 6 s", ">= 6 s", "LibriVox"):
        if (group, ways[0]) not in pairs:
            continue
        n = len(pairs[(group, ways[0])])
        wers = " ".join(f"{corpus_error_rate(pairs[(group, w)]):>10.3f}" for w in ways)
        print(f"{group:12} {n:>4} {wers}")


if __name__ == "__main__":
    main()
