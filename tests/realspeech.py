"""Real human read speech for tests: Debian's pocketsphinx-testdata LibriVox clips."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicecoach.audio.wavfile import read_wav

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
"""Five read sentences (16 kHz mono) with a ``transcription`` file."""


def librivox() -> list[tuple[Path, str]]:
    """(clip, what is said) for each clip; skips the test when the package is missing."""
    listing = LIBRIVOX / "transcription"
    if not listing.is_file():
        pytest.skip("needs the Debian package pocketsphinx-testdata")
    clips = []
    for line in listing.read_text().splitlines():
        text, _, name = line.rpartition("(")
        words = [w for w in text.split() if w not in ("<s>", "</s>")]
        clips.append((LIBRIVOX / f"{name.strip(' )')}.wav", " ".join(words)))
    return clips


def clip_pcm(index: int) -> bytes:
    """The 16 kHz int16 PCM of one clip."""
    return read_wav(librivox()[index][0])
