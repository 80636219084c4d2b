"""`voicecoach voices …`: pull from a real HTTP server on 127.0.0.1 (good, cut and resumed,
damaged, offline) through the same machinery as the models, add by hand, list, use, remove.

After every failure the voices folder is checked: no voice appears, no unpacking is left over;
only a partial download may wait in voices/.downloads to be continued.
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.modelserver import Behaviour, ModelServer, closed_port_url
from tests.piper_voice import VOICE, announce, voice_folder

Cli = Callable[..., CliResult]
SMALL = "en_US-tiny-low"
DAMAGED = "en_US-broken-low"
NAMELESS = "en_US-nameless-low"


def fake_voice(folder: Path, name: str, payload: int = 500_000) -> list[Path]:
    """A voice's files in the layout Piper publishes (the network is random bytes: only the
    machinery is under test here; real voices are loaded in test_voice_piper)."""
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / f"{name}.onnx"
    model.write_bytes(os.urandom(payload))
    config = folder / f"{name}.onnx.json"
    config.write_text('{"audio": {"sample_rate": 22050}}')
    card = folder / "MODEL_CARD"
    card.write_text(f"# {name}\nDataset licence: CC0\n")
    return [model, config, card]


@pytest.fixture(scope="module")
def voice_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    scratch = tmp_path_factory.mktemp("voices")
    return {name: fake_voice(scratch / name, name) for name in (SMALL, DAMAGED, NAMELESS)}


@pytest.fixture
def server(
    voice_files: dict[str, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> Iterator[ModelServer]:
    with ModelServer() as running:
        running.add_voice(SMALL, voice_files[SMALL])
        entry = running.add_voice(DAMAGED, voice_files[DAMAGED])
        first = next(iter(entry["files"]))
        entry["files"][first]["md5_digest"] = "1" * 32
        nameless = running.add_voice(NAMELESS, voice_files[NAMELESS])
        nameless["files"] = {k: v for k, v in nameless["files"].items() if k.endswith(".json")}
        monkeypatch.setenv("VOICECOACH_VOICE_CATALOG", running.voice_catalog_url)
        yield running


def voices_folder(home: Path) -> list[str]:
    """What the voices folder holds, one level down (hidden folders listed with their files)."""
    root = home / "voices"
    if not root.exists():
        return []
    found = []
    for path in sorted(root.iterdir()):
        found.append(path.name)
        if path.name.startswith(".") and path.is_dir():
            found += [f"{path.name}/{child.name}" for child in sorted(path.iterdir())]
    return found


def listed(cli: Cli) -> dict[str, dict]:
    result = cli("voices", "list", "--json")
    assert result.code == 0, result.err
    return {v["name"]: v for v in result.json()["installed"]}


def test_pull_installs_every_file_of_the_voice(cli: Cli, home: Path, server: ModelServer):
    result = cli("voices", "pull", SMALL)
    assert result.code == 0, result.err
    assert f"installed {SMALL}" in result.out
    assert voices_folder(home) == [".downloads", SMALL]
    folder = home / "voices" / SMALL
    assert sorted(p.name for p in folder.iterdir()) == [
        "MODEL_CARD",
        f"{SMALL}.onnx",
        f"{SMALL}.onnx.json",
    ]
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    voices = listed(cli)
    assert voices[SMALL]["engine"] == "piper" and voices[SMALL]["language"] == "en-us"
    assert voices[SMALL]["origin"] == "folder"
    assert voices[SMALL]["active"]  # auto: a Piper voice for the coach's language
    again = cli("voices", "pull", SMALL)
    assert again.code == 0 and "already installed" in again.err
    assert len(server.downloads()) == 3


def test_pull_cut_half_way_is_continued_by_the_next_run(
    cli: Cli, home: Path, server: ModelServer, voice_files: dict[str, list[Path]]
):
    network = voice_files[SMALL][0]
    size = network.stat().st_size
    half = size // 2
    server.behaviour = Behaviour(cut_at=half)
    first = cli("voices", "pull", SMALL)
    assert first.code == 1
    assert "connection closed after" in first.err and "next pull continues" in first.err
    assert f"voicecoach voices add {SMALL}.onnx" in first.err  # the offline route is offered
    assert SMALL not in listed(cli)
    assert voices_folder(home) == [  # the whole model card waits too, checked
        ".downloads",
        ".downloads/MODEL_CARD",
        f".downloads/{SMALL}.onnx.part",
        f".downloads/{SMALL}.onnx.part.json",
    ]
    server.behaviour = Behaviour()
    server.log.clear()
    second = cli("voices", "pull", SMALL)
    assert second.code == 0, second.err
    fetched = [(s.path.rsplit("/", 1)[-1], s.range, s.status) for s in server.downloads()]
    assert fetched == [
        (f"{SMALL}.onnx", f"bytes={half}-", 206),
        (f"{SMALL}.onnx.json", None, 200),
    ]
    assert SMALL in listed(cli)
    assert voices_folder(home) == [".downloads", SMALL]


def test_wrong_checksum_is_refused_and_nothing_is_installed(
    cli: Cli, home: Path, server: ModelServer
):
    result = cli("voices", "pull", DAMAGED)
    assert result.code == 1
    assert "damaged download" in result.err and "MD5" in result.err
    assert DAMAGED not in listed(cli)
    assert [p for p in voices_folder(home) if not p.startswith(".downloads/")] == [".downloads"]
    assert not any(p.endswith(".part") for p in voices_folder(home))


def test_an_unknown_name_is_the_error_line_alone(cli: Cli, home: Path, server: ModelServer):
    result = cli("voices", "pull", "nosuch")
    assert result.code == 1 and result.out == ""
    (line,) = result.err.splitlines()  # no line of an unstarted progress bar before it
    assert line.startswith("voicecoach: error: ") and "nosuch" in line, line
    assert voices_folder(home) == []


def test_catalogue_entry_without_the_network_is_not_offered(cli: Cli, server: ModelServer):
    result = cli("voices", "pull", NAMELESS)
    assert result.code == 1
    assert f"no voice '{NAMELESS}' in the catalogue" in result.err
    assert "voicecoach voices list --available" in result.err


def test_offline_says_how_to_install_by_hand(cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("VOICECOACH_VOICE_CATALOG", closed_port_url())
    result = cli("voices", "pull", SMALL)
    assert result.code == 1
    line = result.err.strip()
    assert "refused the connection" in line
    assert f"`voicecoach voices add {SMALL}.onnx`" in line
    assert voices_folder(home) == []


def test_list_available_marks_the_voices_for_a_pi(cli: Cli, server: ModelServer):
    assert cli("voices", "pull", SMALL).code == 0
    result = cli("voices", "list", "--available", "--json")
    assert result.code == 0, result.err
    available = {v["name"]: v for v in result.json()["available"]}
    assert set(available) == {SMALL, DAMAGED}
    assert available[SMALL]["installed"] and available[SMALL]["raspberry_pi"]
    assert available[SMALL]["language_text"] == "English (United States)"


def test_add_by_hand_use_and_remove(cli: Cli, home: Path, tmp_path: Path):
    source = voice_folder(tmp_path / "usb")
    missing_settings = tmp_path / "alone" / f"{VOICE}.onnx"
    missing_settings.parent.mkdir()
    missing_settings.write_bytes(b"onnx")
    refused = cli("voices", "add", missing_settings)
    assert refused.code == 1
    assert f"its settings {VOICE}.onnx.json must be beside it" in refused.err
    text = tmp_path / "alone" / "voice.txt"
    text.write_text("not a voice")
    for wrong, code, said in ((text, 2, "expected NAME.onnx"), (tmp_path / "gone", 1, "no such")):
        result = cli("voices", "add", wrong)  # a wrong ending is a usage error, as for `-o`
        assert result.code == code and len(result.err.splitlines()) == 1, result.err
        assert result.err.startswith(f"voicecoach: error: {wrong}: {said}"), result.err
    assert voices_folder(home) == []

    added = cli("voices", "add", source / f"{VOICE}.onnx")
    assert added.code == 0, added.err
    assert voices_folder(home) == [VOICE]
    assert (home / "voices" / VOICE / "MODEL_CARD").is_file()
    # the test voice's own recordings are CC0; it is fine-tuned from another voice
    assert "licence: CC0; fine-tuned from U.S. English lessac voice (medium quality)" in added.err

    # espeak-ng's voices for the coach's language are listed beside it; one is active
    voices = listed(cli)
    espeak = [v for v in voices.values() if v["engine"] == "pyttsx3"]
    assert espeak and all(v["language"].startswith("en") for v in espeak)
    assert voices[VOICE]["active"] and not any(v["active"] for v in espeak)
    assert voices[VOICE]["licence"].startswith("CC0; fine-tuned from U.S. English lessac")

    home.joinpath("config.toml").write_text("# mine\n[coach]\nrate = 150 # my pace\n")
    chosen = cli("voices", "use", espeak[0]["name"])
    assert chosen.code == 0, chosen.err
    config = home.joinpath("config.toml").read_text()
    assert "# mine" in config and "rate = 150 # my pace" in config
    coach = tomllib.loads(config)["coach"]
    assert (coach["voice_engine"], coach["voice"]) == ("pyttsx3", espeak[0]["name"])
    assert listed(cli)[espeak[0]["name"]]["active"]

    assert cli("voices", "use", VOICE).code == 0
    coach = tomllib.loads(home.joinpath("config.toml").read_text())["coach"]
    assert (coach["voice_engine"], coach["voice"], coach["rate"]) == ("piper", VOICE, 150)

    unknown = cli("voices", "use", "nobody")
    assert unknown.code == 1 and "no voice named 'nobody'" in unknown.err

    assert cli("voices", "remove", VOICE).code == 2  # would ask; no terminal here
    gone = cli("voices", "remove", VOICE, "--yes")
    assert gone.code == 0, gone.err
    assert voices_folder(home) == []
    coach = tomllib.loads(home.joinpath("config.toml").read_text())["coach"]
    assert (coach["voice_engine"], coach["voice"]) == ("auto", "")


def test_a_damaged_voice_is_not_chosen(cli: Cli, home: Path, tmp_path: Path):
    folder = voice_folder(home / "voices" / VOICE)
    (folder / f"{VOICE}.onnx").write_bytes(b"not a network")
    result = cli("voices", "use", VOICE)
    assert result.code == 1
    assert result.err.strip() == (
        f"voicecoach: error: voice {VOICE}: {folder / VOICE}.onnx is damaged"
        + result.err.strip().split("is damaged", 1)[1]
    )
    assert not home.joinpath("config.toml").exists()


def test_voices_from_python_packages_through_the_entry_point(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.syspath_prepend(str(announce(tmp_path / "announce")))
    voices = listed(cli)
    assert voices[VOICE]["origin"] == "package" and voices[VOICE]["active"]
    refused = cli("voices", "remove", VOICE, "--yes")
    assert refused.code == 1 and "installed as a Python package" in refused.err


def test_list_without_a_voice_offers_piper_only_when_it_is_missing(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    assert importlib.util.find_spec("piper") is not None, "piper-tts is a test dependency"
    installed = cli("voices", "list")
    assert installed.code == 0, installed.err
    assert "`voicecoach voices pull NAME`" in installed.err
    assert "pip install" not in installed.err  # piper-tts is there: only how to get a voice
    monkeypatch.setitem(sys.modules, "piper", None)  # `import piper` fails, as without it
    missing = cli("voices", "list")
    assert missing.code == 0, missing.err
    assert (
        "(needs `" in missing.err and "pip install" in missing.err and "[piper]'`)" in missing.err
    )
