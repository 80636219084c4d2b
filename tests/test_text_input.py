"""config.toml and session scripts that are not clean UTF-8 TOML: one line naming the problem."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, CliResult
from tests.virtual_audio import MINI_SCRIPT

Cli = Callable[..., CliResult]

LATIN1 = '[coach]\ntopic = "caf\xe9"\n'.encode("latin-1")
BOM = codecs.BOM_UTF8 + b'[coach]\ntopic = "patience"\n'
ANSWER = FIXTURES / "silence-10s.wav"


def one_line(result: CliResult, *words: str) -> None:
    assert result.code != 0
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert "Traceback" not in result.err
    for word in words:
        assert word in result.err, result.err


@pytest.mark.parametrize(
    ("content", "words"), [(LATIN1, ["line 2", "0xe9", "UTF-8"]), (BOM, ["byte-order mark"])]
)
def test_a_config_that_is_not_clean_utf8_is_one_line(
    cli: Cli, home: Path, content: bytes, words: list[str]
) -> None:
    home.mkdir()
    (home / "config.toml").write_bytes(content)
    one_line(cli("session", "--answers", ANSWER, "--fast"), "config.toml", *words)
    listed = cli("history")  # reading goes on with the defaults, the problem told in one line
    assert listed.code == 0, listed.err
    (warning,) = [ln for ln in listed.err.splitlines() if ln.startswith("voicecoach: warning:")]
    assert "config.toml" in warning and all(word in warning for word in words), warning
    assert not (home / "journal").exists()


@pytest.mark.parametrize(
    ("content", "words"),
    [(MINI_SCRIPT.replace("Hello.", "Caf\xe9.").encode("latin-1"), ["line", "0xe9"]),
     (codecs.BOM_UTF8 + MINI_SCRIPT.encode(), ["byte-order mark"])],
)  # fmt: skip
def test_a_script_that_is_not_clean_utf8_is_one_line(
    cli: Cli, home: Path, content: bytes, words: list[str]
) -> None:
    (home / "sessions").mkdir(parents=True)
    script = home / "sessions" / "mine.toml"
    script.write_bytes(content)
    one_line(cli("session", "mine", "--answers", ANSWER, "--fast"), "mine.toml", *words)
    one_line(cli("sessions", "check", script), "mine.toml", *words)
    listed = cli("sessions", "list", "--json")
    assert listed.code == 0, listed.err
    (mine,) = [row for row in listed.json() if row["topic"] == "mine"]
    assert all(word in mine["problem"] for word in words)


def test_a_config_file_that_is_not_there_is_an_error(cli: Cli, home: Path) -> None:
    one_line(
        cli("session", "--answers", ANSWER, "--fast", "--config", "/nope.toml"),
        "/nope.toml",
        "no such config file",
    )
    folder = cli("session", "--answers", ANSWER, "--fast", "--config", home.parent)
    one_line(folder, "is a folder")
