"""The room simulator itself: levels, noise colours, word timing and the scoring of a run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests import room, room_session
from tests.room import RATE, Room, TimedWord


def band_db(pcm: np.ndarray, low: float, high: float) -> float:
    spectrum = np.abs(np.fft.rfft(pcm)) ** 2
    freqs = np.fft.rfftfreq(len(pcm), 1 / RATE)
    return float(10 * np.log10(spectrum[(freqs >= low) & (freqs < high)].mean()))


def test_the_background_sits_at_its_level_below_the_voice() -> None:
    clip = room.real_clip("he was not")
    quiet = Room(6.0).say(1.0, clip).mix()
    noisy = Room(6.0, background="pink", background_db=-20.0).say(1.0, clip).mix()
    voice_db = 20 * np.log10(room.active_rms(quiet))
    bed = (noisy - quiet)[: RATE // 2 * 2]
    bed_db = 20 * np.log10(np.sqrt(np.mean(bed**2)))
    assert voice_db == pytest.approx(room.SPEECH_DBFS, abs=0.5)
    assert bed_db - voice_db == pytest.approx(-20.0, abs=0.5)


@pytest.mark.parametrize(("kind", "slope_db"), [("pink", -10.0), ("brown", -20.0)])
def test_noise_colours_fall_per_decade(kind: str, slope_db: float) -> None:
    pcm = room.noise(kind, 10.0)
    fall = band_db(pcm, 1000, 1200) - band_db(pcm, 100, 120)
    assert fall == pytest.approx(slope_db, abs=2.0)


def test_the_tv_is_low_passed() -> None:
    tv = room.babble(8.0)
    assert band_db(tv, 3000, 6000) < band_db(tv, 300, 1500) - 60


def test_real_speech_words_are_timed_in_order_inside_the_clip() -> None:
    for clip in room.real_clips():
        assert clip.text, clip.source
        starts = [w.start for w in clip.words]
        assert starts == sorted(starts)
        assert clip.words[0].start >= 0.0 and clip.words[-1].end <= clip.duration + 0.05
    assert sum(len(c.words) for c in room.real_clips()) >= 80


def run_with(answers: list[dict | None], speaker: Path) -> room_session.SessionRun:
    turns = [{"answer": a} for a in answers]
    return room_session.SessionRun({"turns": turns}, speaker, [(0.1, 0.01)], 0.0)


def answer(words: list[TimedWord]) -> dict:
    return {
        "text": " ".join(w.word for w in words),
        "words": [{"word": w.word, "start": w.start, "end": w.end} for w in words],
        "start": words[0].start,
        "end": words[-1].end,
    }


def test_scoring_counts_lost_misfiled_and_stray_words(tmp_path: Path) -> None:
    coach = np.zeros(RATE * 12, np.float32)
    coach[int(RATE * 8.0) : int(RATE * 9.0)] = 0.3  # the coach's next line at 8 s
    speaker = room.write_wav(tmp_path / "speaker.wav", coach)
    person = [TimedWord(w, 1.0 + i, 1.5 + i) for i, w in enumerate(["a", "b", "c", "d", "e"])]
    tv = TimedWord("news", 10.0, 10.4)
    run = run_with([answer(person[:2]), answer([*person[3:], tv])], speaker)
    outcome = room_session.score(run, person)
    assert (outcome.lost, outcome.misfiled, outcome.stray) == (1, 2, 1)
    assert outcome.latency_audio == pytest.approx(8.0 - 5.5, abs=0.02)
    assert outcome.loop_text == "a b"
