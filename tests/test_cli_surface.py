"""The command line itself: help, version, completion, errors, and what a light command loads."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.test_journal_cli import B, kept

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "pydantic", "http.client", "ssl", "transitions", "rich.markdown", "textual")
"""Modules a command that only reads files or prints a version has no use for."""


def run_python(code: str, *args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "VOICECOACH_HOME": str(home), "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


LOADED = """
import sys
from voicecoach.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print("LOADED " + " ".join(sorted(m for m in sys.modules if m.split(".")[0] in {heavy})))
print("CODE", code)
"""


@pytest.mark.parametrize("argv", [["--version"], ["history"], ["sessions", "list"], ["stats"]])
def test_light_commands_load_no_heavy_module(argv: list[str], home: Path) -> None:
    tops = {name.split(".")[0] for name in HEAVY} - {"http", "rich"}
    code = LOADED.replace("{heavy}", repr(tops | {"http", "ssl", "rich"}))
    done = run_python(code, *argv, home=home)
    lines = dict(
        line.split(" ", 1) for line in done.stdout.splitlines() if line[:5] in ("LOADE", "CODE ")
    )
    assert lines["CODE"].strip() in ("0", "None"), done.stderr
    loaded = set(lines["LOADED"].split())
    assert not loaded & set(HEAVY), f"{' '.join(argv)} imported {sorted(loaded & set(HEAVY))}"


@pytest.mark.parametrize("argv", [["show", B.id], ["search", "promise"]])
def test_reading_one_session_or_searching_loads_no_heavy_module(
    argv: list[str], home: Path
) -> None:
    kept(home, B).close()
    code = LOADED.replace("{heavy}", repr({name.split(".")[0] for name in HEAVY}))
    done = run_python(code, *argv, home=home)
    assert "promise" in done.stdout.lower(), done.stderr  # it did show the session
    loaded = set(done.stdout.split("LOADED", 1)[1].split()) & set(HEAVY)
    assert not loaded, f"{' '.join(argv)} imported {sorted(loaded)}"


def test_the_session_command_is_found_and_loads_the_engines(home: Path) -> None:
    """The lazy loading still finds a command's module (here, the session's help)."""
    code = LOADED.replace("{heavy}", repr({"transitions"}))
    done = run_python(code, "session", "--help", home=home)
    assert "--speaker-file PATH" in done.stdout
    assert "LOADED transitions" in done.stdout


def test_help_reads_plainly(cli: Any) -> None:
    result = cli("show", "--help")
    assert result.code == 0
    assert "Usage: voicecoach show [OPTIONS] SESSION_ID" in result.out
    assert "--play N" in result.out
    assert "at least 1" in result.out
    for oddity in ("<bool>", "<str>", "{session_id}", "<int range>", "x>=1"):
        assert oddity not in result.out
    assert cli("export", "-h").out.count("-o, --output PATH") == 1


def test_every_command_has_plain_help(cli: Any) -> None:
    top = cli("--help").out
    names = [line.split()[0] for line in top.split("Commands:")[1].splitlines() if line.strip()]
    assert len(names) >= 12
    for name in names:
        result = cli(name, "-h")
        assert result.code == 0, (name, result.err)
        assert f"Usage: voicecoach {name}" in result.out
        for oddity in ("<bool>", "<str>", "<path>", "<int", "<float>", "{"):
            assert oddity not in result.out, (name, oddity)


def test_no_help_names_an_internal_exception_class(cli: Any) -> None:
    def commands(*group: str) -> list[list[str]]:
        listing = cli(*group, "--help").out.split("Commands:", 1)[1]
        return [[*group, line.split()[0]] for line in listing.splitlines() if line.strip()]

    every = commands()
    for group in ("models", "voices", "key", "profiles", "sessions", "service"):
        every += commands(group)
    assert ["review"] in every and ["key", "init"] in every
    for argv in every:
        shown = cli(*argv, "--help").out
        assert not re.search(r"\b[A-Z]\w*(Error|Exception)\b", shown), (argv, shown)
    review = " ".join(cli("review", "--help").out.split())
    assert "otherwise it exits with code 2 (the command was used where it cannot work)" in review


def test_bare_command_shows_help_with_session_and_demo_first(cli: Any) -> None:
    result = cli()
    assert result.code == 0
    commands = result.out.split("Commands:")[1].split()
    assert commands[0] == "session"
    assert "demo" in commands[:10] and commands.index("demo") < commands.index("history")
    assert "--version" in result.out and "-h, --help" in result.out


def test_version(cli: Any) -> None:
    from voicecoach import __version__

    result = cli("--version")
    assert (result.code, result.out.strip()) == (0, f"voicecoach {__version__}")


def test_shell_completion(home: Path) -> None:
    done = run_python(
        "from voicecoach.cli import main; main()",
        home=home,
        _VOICECOACH_COMPLETE="complete_bash",
        COMP_WORDS="voicecoach his",
        COMP_CWORD="1",
    )
    assert done.stdout.split() == ["history"]
    script = run_python("from voicecoach.cli import main; main()", "--show-completion", "bash",
                        home=home)  # fmt: skip
    assert "_voicecoach_completion" in script.stdout


@pytest.mark.parametrize(
    ("argv", "code", "words"),
    [
        (["show"], 2, "Missing argument 'SESSION_ID'"),
        (["stats", "--weeks", "x"], 2, "'--weeks': expected a whole number, got 'x'"),
        (["stats", "--weeks", "0"], 2, "expected at least 1"),
        (["history", "--bogus"], 2, "No such option: --bogus"),
        (["hstory"], 2, "Did you mean 'history'"),
        (["show", "nope"], 1, "no session with id nope"),
        (["history", "--since", "yesterday"], 2, "--since: expected a date"),
    ],
)
def test_usage_and_app_errors_look_the_same(
    cli: Any, argv: list[str], code: int, words: str
) -> None:
    result = cli(*argv)
    assert result.code == code
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("voicecoach: error: ")
    assert words in lines[0]


def test_a_suggested_command_reads_as_a_question_then_where_to_look(cli: Any) -> None:
    result = cli("sesion")
    assert result.code == 2
    assert result.err == (
        "voicecoach: error: No such command 'sesion'. Did you mean 'session', 'sessions'? "
        "See `voicecoach --help`\n"
    )


@pytest.mark.parametrize("group", [[], ["models"], ["voices"], ["key"], ["profiles"],
                                   ["sessions"], ["service"]])  # fmt: skip
def test_every_command_is_listed_with_a_whole_sentence(
    cli: Any, monkeypatch: pytest.MonkeyPatch, group: list[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    listing = cli(*group, "--help").out.split("Commands:\n", 1)[1]
    lines = [line for line in listing.splitlines() if line.startswith("  ")]
    assert lines
    for line in lines:
        assert len(line) <= 80, line
        assert line.endswith(".") and not line.endswith(("...", "e.g.", "i.e.")), line


@pytest.mark.parametrize("group", ["models", "voices", "key", "profiles", "sessions", "service"])
def test_a_group_named_alone_lists_its_commands_as_the_app_alone_does(
    cli: Any, monkeypatch: pytest.MonkeyPatch, group: str
) -> None:
    """`voicecoach key` is someone looking for what `key` does: its help, readable, on stdout
    (it had been folded into one error line)."""
    monkeypatch.setenv("COLUMNS", "80")
    result = cli(group)
    assert result.code == 0 and result.err == ""
    assert result.out == cli(group, "--help").out
    assert result.out.startswith(f"Usage: voicecoach {group} [OPTIONS] COMMAND")
    assert cli().code == 0
