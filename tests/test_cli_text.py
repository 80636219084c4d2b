"""What the command line prints is what was meant: square brackets in hints, file names and
model names are shown as written (Rich markup would take them for styles and drop them)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.modelserver import make_model_folder
from voicecoach.coach.script import builtin_dir

Cli = Callable[..., CliResult]


def test_voices_list_hint_keeps_the_piper_extra(cli: Cli) -> None:
    result = cli("voices", "list")
    assert result.code == 0, result.err
    assert "pip install 'voicecoach[piper]'" in result.err


def test_a_script_file_with_brackets_in_its_name_is_named_whole(cli: Cli, tmp_path: Path) -> None:
    script = tmp_path / "[draft] scripts" / "patience.toml"
    script.parent.mkdir()
    shutil.copy(builtin_dir() / "patience.toml", script)
    result = cli("sessions", "check", script)
    assert result.code == 0, result.err
    assert result.out.startswith(f"{script}: ok (")


def test_a_model_installed_under_a_folder_with_brackets_is_named_whole(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "[shared] voicecoach"
    monkeypatch.setenv("VOICECOACH_HOME", str(home))
    folder = make_model_folder(tmp_path / "vosk-model-small-xx-0.1", payload=10)
    added = cli("models", "add", folder, "--no-load-check")
    assert added.code == 0, added.err
    assert added.out.strip() == (
        f"installed vosk-model-small-xx-0.1 in {home / 'models' / 'vosk-model-small-xx-0.1'}"
    )
    assert "`voicecoach models use vosk-model-small-xx-0.1`" in added.err
