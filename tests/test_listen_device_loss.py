"""A session survives its microphone going away: it pauses, waits, says so and asks again."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, STREAMING_WORDS, fixture_wav
from tests.virtual_audio import write_mini_home
from voicecoach.audio.devices import RetryPolicy
from voicecoach.audio.sink import SilentSink
from voicecoach.audio.source import ScriptedAnswers
from voicecoach.audio.voice import Voice
from voicecoach.audio.wavfile import read_wav
from voicecoach.coach.script import find_script
from voicecoach.config import load_settings
from voicecoach.errors import AudioDeviceError
from voicecoach.frames import AudioChunk, seconds_to_samples
from voicecoach.loop import DEVICE_BACK, QuietProgress
from voicecoach.paths import Paths
from voicecoach.speaker.build import ListenOptions, build_listen
from voicecoach.speaker.sources import RoomAndAnswers
from voicecoach.speech.sphinx_engine import SphinxRecognizer
from voicecoach.speech.tts import TextToSpeech
from voicecoach.store.journal import Journal
from voicecoach.store.records import SessionRecord, Status
from voicecoach.wiring import coach_options, run_session, stages_of


class UnpluggedOnSecondQuestion:
    """A scripted user whose microphone goes away when the second question is asked.

    It stands in for a USB microphone (absent here) and implements the real protocol:
    ``frames()`` raises AudioDeviceError, ``reopen()`` fails ``failures`` times, then works.
    """

    def __init__(self, answers: list[Path], failures: int) -> None:
        self.name = "flaky microphone"
        self.lost_blocks = 0
        self._inner = ScriptedAnswers(answers, fast=True)
        self._frames = self._inner.frames()
        self._listens = 0
        self._lost = False
        self._failures = failures
        self.reopen_tries = 0

    def frames(self) -> Iterator[AudioChunk]:
        while True:
            if self._lost:
                raise AudioDeviceError("the microphone stopped sending audio")
            yield next(self._frames)

    def listening(self, at: int) -> None:
        self._listens += 1
        if self._listens == 2:
            self._lost = True
            return
        self._inner.listening(at)

    def reopen(self) -> None:
        self.reopen_tries += 1
        if self.reopen_tries <= self._failures:
            raise AudioDeviceError("no such device")
        self._lost = False

    def close(self) -> None:
        self._inner.close()


def run_mini(home: Path, source: UnpluggedOnSecondQuestion, retry: RetryPolicy) -> SessionRecord:
    """One session through the shipped wiring, on this test's flaky source."""
    write_mini_home(home, STREAMING_WORDS)
    settings = load_settings(home / "config.toml")
    script = find_script("patience", home / "sessions")
    recognizer = SphinxRecognizer()
    journal = Journal(home / "journal")
    try:
        voice = Voice(TextToSpeech(home / "cache"), SilentSink())
        coach = coach_options(settings, None)
        stages = stages_of(recognizer, source, voice, settings, QuietProgress(), coach)
        record = run_session(dataclasses.replace(stages, retry=retry), script, journal)
        assert journal.get(record.id) == record
        return record
    finally:
        journal.close()
        recognizer.close()


def test_the_session_pauses_and_asks_again_when_the_mic_is_back(
    home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = UnpluggedOnSecondQuestion(
        [fixture_wav("patience-1"), fixture_wav("patience-2")], failures=2
    )
    with caplog.at_level(logging.WARNING):
        record = run_mini(home, source, RetryPolicy(every_s=0.01, give_up_s=30.0))
    assert record.status is Status.COMPLETED
    assert source.reopen_tries == 3
    first, second = record.turns
    assert first.answer is not None and "partner" in first.answer.text
    assert second.events[:2] == ("device-lost", "device-back")
    assert second.coach_lines.count("What did you feel?") == 2
    assert DEVICE_BACK in second.coach_lines
    assert second.answer is not None and "chest" in second.answer.text
    retries = [r for r in caplog.records if "trying again" in r.getMessage()]
    assert len(retries) == 2 and all(r.levelno == logging.WARNING for r in retries)


def test_a_mic_that_never_comes_back_ends_the_session_with_answers_kept(home: Path) -> None:
    source = UnpluggedOnSecondQuestion(
        [fixture_wav("patience-1"), fixture_wav("patience-2")], failures=10_000
    )
    record = run_mini(home, source, RetryPolicy(every_s=0.01, give_up_s=0.1))
    assert record.status is Status.STOPPED
    assert record.turns[0].answer is not None and "partner" in record.turns[0].answer.text
    assert record.turns[1].answer is None
    assert record.turns[1].events == ("device-lost",)


class LostWhileWaiting:
    """A room whose microphone goes away after two seconds, is back on the second try, and then
    hears the wake phrase (a stand-in for a USB microphone, implementing the real protocol)."""

    def __init__(self) -> None:
        self.name = "flaky room microphone"
        self.lost_blocks = 0
        wake = read_wav(fixture_wav("wake-lets-reflect"))
        self._inner = RoomAndAnswers(FIXTURES / "silence-10s.wav", fast=True)
        self._wake = [wake[i : i + 3200].ljust(3200, b"\0") for i in range(0, len(wake), 3200)]
        self._start = 0
        self.reopen_tries = 0

    def frames(self) -> Iterator[AudioChunk]:
        while True:
            if self._start == seconds_to_samples(2.0) and self.reopen_tries < 2:
                raise AudioDeviceError("the microphone stopped sending audio")
            if self._start >= seconds_to_samples(3.0) and self._wake:
                pcm = self._wake.pop(0)
            else:
                pcm = bytes(3200)
            chunk = AudioChunk(pcm, self._start)
            self._start += 1600
            yield chunk

    def listening(self, at: int) -> None:
        """Nobody answers."""

    def reopen(self) -> None:
        self.reopen_tries += 1
        if self.reopen_tries == 1:
            raise AudioDeviceError("no such device")

    def close(self) -> None:
        self._inner.close()


def test_listen_waits_for_a_lost_microphone_and_wakes_after(
    home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_mini_home(home, STREAMING_WORDS)
    source = LostWhileWaiting()
    options = ListenOptions(mic_file=FIXTURES / "silence-10s.wav", fast=True, engine="pocketsphinx")
    with contextlib.ExitStack() as stack, caplog.at_level(logging.WARNING):
        settings = load_settings(home / "config.toml")
        loop, _ = build_listen(
            options, settings, Paths.from_env(), QuietProgress(), stack, source=source
        )
        loop.parts = dataclasses.replace(loop.parts, retry=RetryPolicy(every_s=0.01, give_up_s=5.0))
        report = loop.run(until_s=30, once=True)
    assert report.device_losses == 1 and source.reopen_tries == 2
    assert [w["phrase"] for w in report.wakes] == ["let's reflect"]
    assert any("trying again" in r.getMessage() for r in caplog.records)
