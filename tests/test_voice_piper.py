"""The coach speaking with a Piper voice: whole sessions, the fallback to pyttsx3, the cache."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import CliResult, fixture_wav, group
from tests.piper_voice import (
    VOICE,
    announce,
    script_language_model,
    speech_segments,
    transcribe,
    voice_folder,
)
from voicecoach.audio.wavfile import read_wav
from voicecoach.config import CoachSettings
from voicecoach.speech.scoring import word_error_rate
from voicecoach.speech.tts.choose import open_voice
from voicecoach.speech.tts.piper import length_scale_for

Cli = Callable[..., CliResult]


@pytest.fixture
def joe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test voice package, announced through the entry point group."""
    monkeypatch.syspath_prepend(str(announce(tmp_path / "announce")))
    return VOICE


def coach_lines(err: str) -> list[str]:
    return [line[len("coach ") :] for line in err.splitlines() if line.startswith("coach ")]


@pytest.mark.slow
def test_a_whole_session_speaks_with_the_piper_voice(
    cli: Cli, home: Path, tmp_path: Path, joe: str
) -> None:
    speaker = tmp_path / "coach.wav"
    answers = [fixture_wav("mood-1"), *[fixture_wav(n) for n in group("patience")]]
    answers.append(fixture_wav("mood-3"))
    result = cli(
        "session", "patience", "--answers", *answers, "--fast", "--engine", "pocketsphinx",
        "--speaker-file", speaker,
    )  # fmt: skip
    assert result.code == 0, result.err
    assert f"speaking with Piper {VOICE} (auto)" in result.err
    said = coach_lines(result.err)
    assert len(said) > 10
    lm = script_language_model(said, tmp_path / "script.arpa")
    heard = transcribe(speech_segments(speaker), lm)
    wer = word_error_rate(" ".join(said), heard)
    assert wer <= 0.15, (wer, heard)
    # Piper's cached renderings are the ones played, at 16 kHz; the reflections of the person's
    # feelings are never cached.
    cached = sorted((home / "cache" / "voice").glob("*.wav"))
    fixed = {line for line in said if not line.startswith("It sounds like")}
    assert len(fixed) < len(set(said)) and len(cached) >= len(fixed) - 1
    assert read_wav(cached[0])


def damage(folder: Path) -> None:
    model = folder / f"{VOICE}.onnx"
    model.write_bytes(model.read_bytes()[:1_000_000])


def test_a_damaged_voice_falls_back_to_pyttsx3_with_a_note(
    cli: Cli, home: Path, tmp_path: Path
) -> None:
    damage(voice_folder(home / "voices" / VOICE))
    home.joinpath("config.toml").write_text(
        f'[coach]\nvoice_engine = "piper"\nvoice = "{VOICE}"\nmood_checkin = false\n'
        "[listen]\nno_answer_s = 1.0\nreprompts = 0\n"
    )
    speaker = tmp_path / "coach.wav"
    answers = [fixture_wav("patience-1")]
    result = cli(
        "session", "patience", "--answers", *answers, "--fast", "--engine", "pocketsphinx",
        "--speaker-file", speaker,
    )  # fmt: skip
    assert result.code == 0, result.err
    note = next(line for line in result.err.splitlines() if "speaking with pyttsx3" in line)
    assert note.startswith(f"voice {VOICE}: {home / 'voices' / VOICE / VOICE}.onnx is damaged")
    assert note.endswith(
        f"speaking with pyttsx3 (espeak-ng) instead (`voicecoach voices remove {VOICE}` and "
        "pull or add it again)"
    )
    assert "Traceback" not in result.err
    assert np.abs(np.frombuffer(read_wav(speaker), dtype="<i2")).max() > 1000


@pytest.mark.parametrize(
    "problem", ["missing", "bad-json", "unknown-name", "no-voice", "auto-unknown-name"]
)
def test_missing_voice_files_fall_back_to_pyttsx3(tmp_path: Path, problem: str) -> None:
    voices = tmp_path / "voices"
    folder = voice_folder(voices / VOICE)
    name = VOICE
    if problem == "missing":
        (folder / f"{VOICE}.onnx").unlink()
    elif problem == "bad-json":
        (folder / f"{VOICE}.onnx.json").write_text("{not json")
    elif problem in ("unknown-name", "auto-unknown-name"):
        name = "en_US-nobody-low"
    else:
        shutil.rmtree(folder)
        name = ""
    engine = "auto" if problem.startswith("auto") else "piper"
    coach = CoachSettings(voice_engine=engine, voice=name)
    choice = open_voice(coach, tmp_path / "cache", [voices])
    assert choice.fell_back and choice.tts.engine == "pyttsx3"
    expected = {
        "missing": f"voice {VOICE}: {folder / VOICE}.onnx is missing",
        "bad-json": f"voice {VOICE}: {folder / VOICE}.onnx.json is damaged",
        "unknown-name": "no Piper voice named 'en_US-nobody-low' is installed",
        "auto-unknown-name": "no Piper voice named 'en_US-nobody-low' is installed",
        "no-voice": "no Piper voice for 'en' is installed",
    }[problem]
    assert choice.reason.startswith(expected), choice.reason
    assert "speaking with pyttsx3 (espeak-ng) instead" in choice.reason
    assert choice.tts.render("Hello.")


def test_rate_maps_to_length_scale_and_the_cache_keys_hold_engine_and_voice(
    tmp_path: Path, joe: str
) -> None:
    assert length_scale_for(160) == 1.0
    assert length_scale_for(80) == 2.0 and length_scale_for(320) == 0.5
    cache = tmp_path / "cache"
    piper = open_voice(CoachSettings(), cache, []).tts
    espeak = open_voice(CoachSettings(voice_engine="pyttsx3"), cache, []).tts
    assert (piper.engine, espeak.engine) == ("piper", "pyttsx3")
    line = "Take a slow breath. Then tell me what you noticed."
    assert piper.cache_path(line) != espeak.cache_path(line)
    usual = piper.render(line)
    piper.rate = 110
    slower = piper.render(line)
    # 160/110 = 1.45 times the length scale; Piper's random noise varies a rendering's length
    # from process to process (1.29–1.43 times measured), a line at the same rate by about 3 %
    assert len(slower) > len(usual) * 1.15
    assert len({p.name for p in cache.glob("*.wav")}) == 2
    # two sentences: a pause of natural length between them
    pcm = np.frombuffer(usual, dtype="<i2")
    quiet = np.abs(pcm[: len(pcm) // 160 * 160].reshape(-1, 160)).max(axis=1) < 300
    runs = [len(m.group()) for m in re.finditer("1+", "".join("1" if q else "0" for q in quiet))]
    assert max(runs[1:-1]) * 0.01 >= 0.3


def test_doctor_names_the_voice_and_its_render_speed(cli: Cli, home: Path, joe: str) -> None:
    voice = next(c for c in cli("doctor", "--json").json() if c["area"] == "voice")
    assert voice["status"] == "ok", voice
    match = re.fullmatch(
        rf"Piper {VOICE}; renders at ([0-9.]+)× real time \(([0-9.]+) s of speech in [0-9.]+ s\)",
        voice["detail"],
    )
    assert match, voice["detail"]
    assert 0 < float(match.group(1)) < 1.0 and float(match.group(2)) > 2.0


def test_doctor_warns_when_the_voice_falls_back(cli: Cli, home: Path) -> None:
    damage(voice_folder(home / "voices" / VOICE))
    voice = next(c for c in cli("doctor", "--json").json() if c["area"] == "voice")
    assert voice["status"] == "warn" and not voice["essential"]
    assert voice["detail"].startswith(f"voice {VOICE}: ") and "is damaged" in voice["detail"]
    assert "speaking with pyttsx3 (espeak-ng) instead" in voice["detail"]
    assert "real time" in voice["detail"] and voice["fix"]
