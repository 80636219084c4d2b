"""`voicecoach service install|uninstall|status`: a systemd user unit (systemd is not running)."""

from __future__ import annotations

import configparser
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "xdg-config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    return folder


def unit(config_home: Path) -> Path:
    return config_home / "systemd" / "user" / "voicecoach.service"


def test_install_writes_the_user_unit_once(
    cli: Callable[..., CliResult], config_home: Path, home: Path
) -> None:
    first = cli("service", "install")
    assert first.code == 0, first.err
    path = unit(config_home)
    assert f"wrote {path}" in first.out
    assert "loginctl enable-linger" in first.out
    # The sound system's echo cancellation is offered with what it costs, not set up.
    offer = next(line for line in first.out.splitlines() if line.startswith("Echo:"))
    assert "module-echo-cancel" in offer and "often missed" in offer, first.out
    parsed = configparser.ConfigParser(strict=False, interpolation=None)
    parsed.optionxform = str  # type: ignore[assignment,method-assign]
    parsed.read_string(path.read_text())
    service = parsed["Service"]
    assert service["ExecStart"] == f"{sys.executable} -m voicecoach listen"
    assert service["Restart"] == "on-failure"
    assert service["StandardOutput"] == "journal" and service["StandardError"] == "journal"
    assert parsed["Install"]["WantedBy"] == "default.target"
    assert f"VOICECOACH_HOME={home}" in path.read_text()
    written = path.read_text()
    again = cli("service", "install")
    assert again.code == 0 and "already up to date" in again.out
    assert path.read_text() == written


def test_uninstall_removes_it_and_is_idempotent(
    cli: Callable[..., CliResult], config_home: Path
) -> None:
    assert cli("service", "install").code == 0
    wants = unit(config_home).parent / "default.target.wants"
    wants.mkdir()
    (wants / "voicecoach.service").symlink_to(unit(config_home))  # as `enable` links it
    removed = cli("service", "uninstall")
    assert removed.code == 0
    assert removed.out.splitlines() == [
        f"removed {unit(config_home)}",
        "To stop it now, run:",
        "  systemctl --user stop voicecoach.service",
        "  systemctl --user daemon-reload",
    ]
    assert not unit(config_home).exists() and not os.path.lexists(wants / "voicecoach.service")
    again = cli("service", "uninstall")
    assert again.code == 0 and again.out == f"not installed: {unit(config_home)}\n"


def test_status_says_whether_it_is_installed(
    cli: Callable[..., CliResult], config_home: Path
) -> None:
    before = cli("service", "status", "--json")
    assert before.code == 0
    assert before.json()["installed"] is False
    cli("service", "install")
    after = cli("service", "status", "--json").json()
    assert after["installed"] is True and after["current"] is True
    assert after["unit"] == str(unit(config_home))
    assert isinstance(after["active"], str) and after["active"]
    text = cli("service", "status")
    assert "installed:" in text.out and "active:" in text.out
    # systemd is not running here: whether the unit is enabled is not known either.
    assert after["active"].startswith("unknown (")
    assert after["enabled"].startswith("unknown ("), after["enabled"]
    assert text.out.splitlines()[-1] == f"enabled: {after['enabled']}"


def environment(path: Path) -> dict[str, str]:
    """The unit's ``Environment=`` lines as a mapping."""
    lines = path.read_text().splitlines()
    return dict(line.removeprefix("Environment=").split("=", 1) for line in lines
                if line.startswith("Environment="))  # fmt: skip


def test_install_carries_the_profile_and_the_folders_into_the_unit(
    cli: Callable[..., CliResult],
    config_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VOICECOACH_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    assert cli("profiles", "add", "sam").code == 0
    result = cli("--profile", "sam", "service", "install")
    assert result.code == 0, result.err
    journal = tmp_path / "xdg-data" / "voicecoach" / "profiles" / "sam" / "journal"
    config = config_home / "voicecoach" / "config.toml"
    assert result.out.splitlines()[1] == (
        f"It runs `voicecoach --profile sam listen` with {config} and the journal in {journal}."
    )
    text = unit(config_home).read_text()
    assert f"ExecStart={sys.executable} -m voicecoach --profile sam listen\n" in text
    env = environment(unit(config_home))
    assert "VOICECOACH_HOME" not in env
    assert {k: env[k] for k in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")} == {
        "XDG_CONFIG_HOME": str(config_home),
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
    }
    # Started by systemd with another HOME and no profile variable, it finds the same folders.
    from voicecoach.paths import Paths

    found = Paths.from_env({**env, "HOME": str(tmp_path / "elsewhere")}).of_profile("sam")
    assert found == Paths.from_env().of_profile("sam") and found.journal == journal
    # Without the profile the unit is another one: status says it differs.
    mine = cli("service", "status", "--json").json()
    assert mine["installed"] is True and mine["current"] is False
    assert cli("--profile", "sam", "service", "status", "--json").json()["current"] is True


def test_a_relative_home_is_written_as_the_folder_it_names(
    cli: Callable[..., CliResult],
    config_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VOICECOACH_HOME", "coach-home")
    assert cli("service", "install").code == 0
    env = environment(unit(config_home))
    assert env["VOICECOACH_HOME"] == str(tmp_path / "coach-home")
    assert not {"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"} & env.keys()
    text = unit(config_home).read_text()
    assert f"ExecStart={sys.executable} -m voicecoach listen\n" in text


@pytest.mark.parametrize("own", [False, True])
def test_install_refuses_settings_that_listen_refuses(
    cli: Callable[..., CliResult], config_home: Path, home: Path, own: bool
) -> None:
    bad = home / "config.toml"
    argv = ["service", "install"]
    if own:  # the profile's own settings, read over config.toml by `--profile sam listen`
        assert cli("profiles", "add", "sam").code == 0
        bad = home / "profiles" / "sam" / "config.toml"
        argv = ["--profile", "sam", *argv]
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_text('[journal]\nkeep_days = "forever"\n')
    result = cli(*argv)
    assert result.code == 1 and result.out == ""
    assert result.err == (
        f"voicecoach: error: {bad}: journal.keep_days: expected a whole number, "
        'got "forever" (line 2)\n'
    )
    assert not unit(config_home).exists()
    bad.write_text("[journal]\nkeep_days = 30\n")
    assert cli(*argv).code == 0 and unit(config_home).exists()


def test_install_warns_of_a_short_wake_phrase_as_listen_does_and_writes_the_unit(
    cli: Callable[..., CliResult], config_home: Path, home: Path
) -> None:
    home.mkdir()
    config = home / "config.toml"
    config.write_text('[wake]\nphrases = ["hey"]\n')
    result = cli("service", "install")
    assert result.code == 0 and unit(config_home).exists()
    assert result.err == (
        f'voicecoach: warning: {config}: wake.phrases: "hey" has 1 syllable; a wake phrase of 3 '
        'syllables or more (such as "let\'s reflect") is less often heard in other speech '
        "(line 2)\n"
    )
