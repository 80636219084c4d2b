"""Answer audio: kept only when asked, beside the journal, owner-only, and played back."""

from __future__ import annotations

import dataclasses
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import STREAMING_WORDS, CliResult, fixture_wav
from tests.test_hints import needs_no_card
from tests.test_journal import make_record, make_turn
from tests.test_journal_cli import A, B, kept
from tests.virtual_audio import VirtualSoundCard, available, heard_in_order
from voicecoach.audio.wavfile import read_wav
from voicecoach.frames import AudioChunk
from voicecoach.speech.events import Utterance, Word
from voicecoach.store.audio import AnswerAudio, load_answer, saved_answers, wav_bytes
from voicecoach.store.codec import JournalLocked, register
from voicecoach.store.crypto import JournalKey
from voicecoach.store.journal import Journal
from voicecoach.store.records import Status
from voicecoach.store.retention import apply_retention

Cli = Callable[..., CliResult]
RUN_TIMEOUT_S = 120.0


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_tap_keeps_the_answers_span(tmp_path: Path) -> None:
    tap = AnswerAudio(tmp_path / "journal", max_turn_s=30.0)
    tap.listening(at=16000)
    frames = [AudioChunk(pcm=bytes([n]) * 3200, start=16000 + 1600 * n) for n in range(40)]
    tap.heard(AudioChunk(pcm=b"\xff" * 3200, start=0))  # before the turn: ignored
    for chunk in frames:
        tap.heard(chunk)
    answer = Utterance("hello", (Word("hello", 1.5, 2.0, 0.9),), 1.5, 2.0)
    path = tap.keep("s1", 3, answer)
    assert path == tmp_path / "journal" / "audio" / "s1" / "3.wav"
    pcm = read_wav(path)
    assert len(pcm) == round((2.0 + 0.3 - 1.2) * 16000) * 2
    assert pcm[:3200] == bytes([2]) * 3200  # 1.2 s: the turn's third frame (it began at 1.0 s)
    tap.listening(at=16000 * 60)
    assert tap.keep("s1", 4, answer) is None  # nothing heard in this turn yet


def _keyed_journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, JournalKey]:
    """A journal folder with an age key (passphrase "correct horse battery"), no codec of an
    earlier test left registered."""
    from voicecoach.store import codec as codecs

    monkeypatch.setattr(codecs, "_CODECS", {codecs.PLAIN.name: codecs.PLAIN})
    folder = tmp_path / "journal"
    key = JournalKey(folder)
    key.create("correct horse battery")
    return folder, key


def test_with_a_key_the_answer_is_sealed_before_it_reaches_the_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, key = _keyed_journal(tmp_path, monkeypatch)
    locked = key.codec()
    register(locked)  # as a session holds it: the public key only
    said = read_wav(fixture_wav("patience-1"))
    tap = AnswerAudio(folder, max_turn_s=30.0, codec=locked)
    tap.listening(at=0)
    for start in range(0, len(said) // 2, 1600):
        tap.heard(AudioChunk(pcm=said[start * 2 : (start + 1600) * 2], start=start))
    answer = Utterance("words", (Word("words", 0.5, 1.5, 0.9),), 0.5, 1.5)
    path = tap.keep("s1", 2, answer)
    assert path == folder / "audio" / "s1" / "2.wav.age"
    assert sorted(p.name for p in (folder / "audio" / "s1").iterdir()) == ["2.wav.age"]
    assert mode(path) == 0o600
    every = b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
    assert b"RIFF" not in every and b"WAVE" not in every
    assert saved_answers(folder, "s1") == [2]
    with pytest.raises(JournalLocked):
        load_answer(folder, "s1", 2)
    register(key.codec("correct horse battery"))
    assert load_answer(folder, "s1", 2) == said[int(0.2 * 16000) * 2 : int(1.8 * 16000) * 2]

    # keep_days lets the session go with its sealed audio, without the passphrase
    register(locked)
    with Journal(folder, codec=locked) as journal:
        journal.save(
            make_record(sid="s1", started="2026-01-05T08:00:00+01:00", status=Status.COMPLETED)
        )
        now = datetime.fromisoformat("2026-11-30T12:00:00+01:00")
        assert apply_retention(journal, 30, now) == 1
    assert not (folder / "audio" / "s1").exists()


def test_the_review_app_plays_sealed_audio_decrypted_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual.pilot import Pilot
    from textual.widgets import ListView

    from tests.test_review import drive, journal_with
    from voicecoach.review.app import ReviewApp, TurnItem

    folder, key = _keyed_journal(tmp_path, monkeypatch)
    unlocked = key.codec("correct horse battery")
    register(unlocked)
    record = dataclasses.replace(B, turns=(make_turn(0), make_turn(1)))
    journal = journal_with(folder, record)
    said = read_wav(fixture_wav("patience-2"))
    audio = folder / "audio" / B.id
    audio.mkdir(parents=True)
    (audio / "2.wav.age").write_bytes(unlocked.encrypt_bytes(wav_bytes(said)))
    played: list[bytes] = []
    app = ReviewApp(journal, player=played.append, export_dir=tmp_path)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        await pilot.press("tab", "down", "down")  # question 2 of the conversation
        await pilot.pause()
        item = app.query_one("#conversation", ListView).highlighted_child
        assert isinstance(item, TurnItem) and item.turn == 2
        await pilot.press("p")
        await app.workers.wait_for_complete()

    drive(app, scenario)
    assert played == [said]
    assert sorted(p.name for p in audio.iterdir()) == ["2.wav.age"]  # nothing decrypted to disk


@needs_no_card
def test_no_speakers_for_sealed_audio_names_the_age_file(
    home: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", "correct horse battery")
    assert cli("key", "init").code == 0
    (home / "config.toml").write_text(
        "[coach]\nmood_checkin = false\n\n[listen]\nreprompts = 0\n\n[journal]\nsave_audio = true\n"
    )
    ran = cli(
        "session", "patience", "--fast", "--json", "--answers", fixture_wav("patience-1")
    )  # fmt: skip
    assert ran.code == 0, ran.err
    session_id = ran.json()["id"]
    result = cli("show", session_id, "--play", "1")
    assert result.code == 1
    line = result.err.strip().splitlines()[-1]
    assert line.startswith("voicecoach: error: no output device")
    assert line.endswith(
        f"decrypt {home}/journal/audio/{session_id}/1.wav.age with `age -d -i KEYFILE` and play it"
    )


def test_a_session_keeps_each_answer_when_asked(home: Path, cli: Cli) -> None:
    home.mkdir()
    (home / "config.toml").write_text(
        "[journal]\nsave_audio = true\n[listen]\nno_answer_s = 3.0\n" + STREAMING_WORDS
    )
    # The mood check-in is the first question: it is answered with a number (prose there is
    # asked for a number again, and the second try replaces the first), then two questions.
    answers = [fixture_wav(name) for name in ("mood-1", "patience-1", "patience-2")]
    result = cli(
        "session", "patience", "--answers", *answers, "--fast", "--engine", "pocketsphinx", "--json"
    )
    assert result.code == 0, result.err
    record = result.json()
    journal = home / "journal"
    assert saved_answers(journal, record["id"]) == [1, 2, 3]
    folder = journal / "audio" / record["id"]
    assert mode(journal / "audio") == 0o700 and mode(folder) == 0o700
    for n, wav in enumerate(answers, start=1):
        assert mode(folder / f"{n}.wav") == 0o600
        said, kept_pcm = read_wav(wav), load_answer(journal, record["id"], n)
        # The scripted user's frames are the fixture's samples: the kept audio is a slice of
        # them (with the quiet room either side), from just before the first word to after
        # the last.
        spoken = np.trim_zeros(np.frombuffer(kept_pcm, dtype="<i2")).tobytes()
        voiced = np.trim_zeros(np.frombuffer(said, dtype="<i2")).tobytes()
        assert len(spoken) > len(voiced) * 0.7
        assert said.find(spoken) >= 0
    shown = cli("show", record["id"])
    assert all(f"♪ {n}" in shown.out for n in (1, 2, 3))


def test_no_audio_is_kept_by_default(home: Path, cli: Cli) -> None:
    result = cli(
        "session",
        "patience",
        "--answers",
        fixture_wav("patience-1"),
        "--fast",
        "--engine",
        "pocketsphinx",
        "--json",
    )
    assert result.code == 0, result.err
    assert not (home / "journal" / "audio").exists()
    record = result.json()
    answered = [n for n, t in enumerate(record["turns"], 1) if t["answer"]]
    played = cli("show", record["id"], "--play", str(answered[0] if answered else 1))
    assert played.code == 1
    assert played.err.strip().endswith(
        "no audio was kept for it ([journal] save_audio was off)"
        if answered
        else "has no answer 1; it has no answers"
    )


@pytest.mark.slow
@pytest.mark.skipif(not available(), reason="needs pulseaudio and pulseaudio-utils")
def test_show_plays_an_answer_on_the_speakers(
    card: VirtualSoundCard, home: Path, tmp_path: Path
) -> None:
    kept(home, A)
    said = read_wav(fixture_wav("patience-2"))
    folder = home / "journal" / "audio" / A.id
    folder.mkdir(parents=True)
    (folder / "2.wav").write_bytes(wav_bytes(said))
    heard = tmp_path / "speaker.wav"
    recorder = card.record_speaker(heard)
    shown = subprocess.run(
        [sys.executable, "-m", "voicecoach", "show", A.id, "--play", "2"],
        env={**card.env, "VOICECOACH_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    card.stop_recording(recorder)
    assert shown.returncode == 0, shown.stderr
    assert shown.stderr.strip() == f"playing answer 2 of {A.id}"
    rec = np.frombuffer(read_wav(heard), "<i2").astype(np.float64)
    ref = np.frombuffer(said, "<i2").astype(np.float64)
    assert len(rec) >= len(ref)
    assert heard_in_order(rec, ref) >= 0.8
