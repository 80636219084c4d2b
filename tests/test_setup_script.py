"""scripts/offer-model.sh (run by setup.sh): the small English model is pulled from a real HTTP
server on 127.0.0.1 when it can be, and setup never fails because of it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.modelserver import ModelServer, closed_port_url, make_model_zip

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "offer-model.sh"
MODEL = "vosk-model-small-en-us-0.15"


@pytest.fixture
def command(tmp_path: Path) -> Path:
    """A `voicecoach` command running this checkout."""
    wrapper = tmp_path / "bin" / "voicecoach"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m voicecoach "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ModelServer]:
    with ModelServer() as running:
        running.add_model(MODEL, make_model_zip(tmp_path, MODEL))
        yield running


def offer(command: Path, home: Path, catalog: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "VOICECOACH_HOME": str(home),
        "VOICECOACH_BIN": str(command),
        "VOICECOACH_MODEL_CATALOG": catalog,
        **env,
    }
    return subprocess.run(
        ["bash", str(SCRIPT)],
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def installed(home: Path) -> list[str]:
    folder = home / "models"
    return (
        sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
        if folder.exists()
        else []
    )


def test_pulls_the_model_when_the_network_allows(
    command: Path, home: Path, server: ModelServer
) -> None:
    done = offer(command, home, server.catalog_url)
    assert done.returncode == 0, done.stderr
    assert installed(home) == [MODEL]
    asked = len(server.log)
    assert asked >= 2  # the catalogue, then the model
    again = offer(command, home, server.catalog_url)
    assert again.returncode == 0
    assert again.stdout.strip() == f"Speech model {MODEL} is already installed."
    assert len(server.log) == asked  # nothing fetched twice


def test_offline_is_one_line_on_adding_it_by_hand(command: Path, home: Path) -> None:
    done = offer(command, home, closed_port_url())
    assert done.returncode == 0
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Offline?")
    assert "refused the connection" in lines[0]  # why, on the same line as the way round it
    assert f"voicecoach models add {MODEL}.zip" in lines[0]
    assert installed(home) == []
    assert done.stderr == ""  # nothing else is printed: the error is in that one line


def test_can_be_declined(command: Path, home: Path, server: ModelServer) -> None:
    done = offer(command, home, server.catalog_url, VOICECOACH_SETUP_MODEL="no")
    assert done.returncode == 0
    assert "voicecoach models pull" in done.stdout
    assert installed(home) == []
    assert server.log == []  # nothing was asked of the network


def test_setup_runs_the_offer_and_goes_on_whatever_it_says() -> None:
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    assert "scripts/offer-model.sh || true" in setup
    assert setup.index("offer-model.sh") < setup.index("voicecoach demo")
