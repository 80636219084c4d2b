"""The Raspberry Pi button and LED, on gpiozero's mock pins, driving the real listen loop."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from tests.conftest import FIXTURES, STREAMING_WORDS, fixture_wav
from tests.virtual_audio import write_mini_home
from voicecoach.config import load_settings
from voicecoach.paths import Paths
from voicecoach.speaker.always_on import ListenLoop
from voicecoach.speaker.build import ListenOptions, build_listen
from voicecoach.speaker.gpio import GpioPanel, Light
from voicecoach.speaker.replies import CHOOSE_QUESTION
from voicecoach.speech.events import ListenEvent
from voicecoach.store.journal import Journal
from voicecoach.store.records import Status

BUTTON, LED = 17, 27


@pytest.fixture
def factory() -> MockFactory:
    return MockFactory()


@pytest.fixture
def panel(factory: MockFactory) -> Iterator[GpioPanel]:
    board = GpioPanel(BUTTON, LED, pin_factory=factory)
    yield board
    board.close()


def press(factory: MockFactory, panel: GpioPanel) -> None:
    """Push and release the button; wait until the press is seen."""
    before = panel.presses
    pin = factory.pin(BUTTON)
    pin.drive_low()
    deadline = time.monotonic() + 5.0
    while panel.presses == before:
        assert time.monotonic() < deadline, "the press was never seen"
        time.sleep(0.01)
    pin.drive_high()


class Watch:
    """Progress that notes the LED whenever the coach speaks, and presses on a given line."""

    def __init__(self, factory: MockFactory, panel: GpioPanel, press_on: str = "") -> None:
        self.factory = factory
        self.panel = panel
        self.press_on = press_on
        self.seen: list[tuple[str, Light, int]] = []

    def coach(self, text: str) -> None:
        self.seen.append((text, self.panel.light, self.factory.pin(LED).state))
        if text == self.press_on:
            press(self.factory, self.panel)

    def heard(self, event: ListenEvent) -> None:
        """Nothing to note."""

    def note(self, text: str) -> None:
        """Nothing to note."""


@contextlib.contextmanager
def listen_loop(home: Path, panel: GpioPanel, progress: Watch) -> Iterator[ListenLoop]:
    write_mini_home(home, STREAMING_WORDS)
    answers = tuple(
        fixture_wav(n) for n in ("choose-patience", "choose-communication", "reply-yes")
    )
    options = ListenOptions(
        mic_file=FIXTURES / "silence-10s.wav", answers=answers, fast=True, engine="pocketsphinx"
    )
    with contextlib.ExitStack() as stack:
        loop, _ = build_listen(
            options, load_settings(home / "config.toml"), Paths.from_env(), progress, stack, panel
        )
        yield loop


def test_a_press_starts_a_session_and_the_led_shows_listening(
    home: Path, factory: MockFactory, panel: GpioPanel
) -> None:
    watch = Watch(factory, panel)
    with listen_loop(home, panel, watch) as loop:
        press(factory, panel)
        report = loop.run(until_s=120, once=True)
    assert report.wakes == [] and len(report.sessions) == 1
    # Each line is noted as it becomes audible: after listening, or while the line (or tone)
    # before it still plays (speaking); the LED is on whenever the coach listens.
    assert all(light in (Light.LISTENING, Light.SPEAKING) for _, light, _ in watch.seen)
    assert all(led == 1 for _, light, led in watch.seen if light is Light.LISTENING)
    assert any(light is Light.SPEAKING for _, light, _ in watch.seen)
    said = [text for text, _, _ in watch.seen]
    assert said[0] == CHOOSE_QUESTION
    assert said.index("Hello.") < said.index("What happened?") < said.index("Goodbye.")
    assert panel.light is Light.OFF and factory.pin(LED).state == 0
    with Journal(home / "journal") as journal:
        assert journal.get(report.sessions[0]).status is Status.COMPLETED


def test_a_press_during_a_session_stops_it_with_answers_kept(
    home: Path, factory: MockFactory, panel: GpioPanel
) -> None:
    watch = Watch(factory, panel, press_on="What did you feel?")
    with listen_loop(home, panel, watch) as loop:
        press(factory, panel)
        report = loop.run(until_s=120, once=True)
    with Journal(home / "journal") as journal:
        record = journal.get(report.sessions[0])
    assert record.status is Status.STOPPED
    assert record.turns[0].answer is not None
    assert "communication" in record.turns[0].answer.text
    assert panel.light is Light.OFF


def test_the_led_blinks_while_the_coach_speaks(factory: MockFactory, panel: GpioPanel) -> None:
    states: set[int] = set()
    done = threading.Event()
    panel.show(Light.SPEAKING)
    deadline = time.monotonic() + 3.0
    while len(states) < 2 and time.monotonic() < deadline:
        states.add(factory.pin(LED).state)
        done.wait(0.02)
    assert states == {0, 1}
    panel.show(Light.LISTENING)
    assert factory.pin(LED).state == 1
    panel.show(Light.OFF)
    assert factory.pin(LED).state == 0
