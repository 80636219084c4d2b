"""Exit codes and one-line errors across commands, as the README's table promises: 2 for a wrong
command line, 1 for a command that could not do its job, 130 after Ctrl-C."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, fixture_wav
from tests.test_journal_cli import A, B, kept
from voicecoach.cli import FAILED, INTERRUPTED, USAGE
from voicecoach.store.records import Turn

Cli = Callable[..., CliResult]
README = Path(__file__).parent.parent / "README.md"


def one_error_line(result: CliResult) -> str:
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("voicecoach: error: "), result.err
    assert result.out == ""
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["history", "--bogus"], "--bogus"),
        (["history", "--limit", "x"], "--limit"),
        (["stats", "--weeks", "0"], "--weeks"),
        (["stats", "--weeks", "261"], "'--weeks': expected at most 260, got '261'"),
        (["stats", "--weeks", "99999999999"], "'--weeks': expected at most 260"),
        (["show"], "SESSION_ID"),
        (["nosuch"], "nosuch"),
        (["profiles", "nosuch"], "nosuch"),
        (["history", "--since", "yesterday"], "--since"),
        (["forget", "--before", "soon"], "--before"),
        (["history", "--all", "--limit", "3"], "--all"),
        (["search", "  "], "search"),
        (["export"], "--all"),
        (["export", "x", "--all"], "--all"),
        (["export", "--all", "--format", "pdf"], "--format"),
        (["export", "--all", "-o", "out.pdf"], "out.pdf"),
        (["forget"], "--before"),
        (["session", "--answers", "a.wav", "--mic-file", "b.wav"], "--mic-file"),
        (["session", "--answers", "a.wav", "--speaker-file", "out.mp3", "--fast"], "out.mp3"),
        (["listen", "--mic-file", "a.wav", "--speaker-file", "out.mp3", "--fast"], "out.mp3"),
        (["--profile", "Sam Smith", "history"], "Sam Smith"),
        (["models", "use"], "--clear"),
        (["listen", "--clock-start", "noon"], "--clock-start"),
        (["session", "--engine", "foo", "--fast"], "--engine"),
        (["listen", "--engine", "foo", "--fast"], "--engine"),
        (["demo", "--engine", "foo"], "--engine"),
        (["listen", "--loop-mic-file", "--fast"], "--loop-mic-file needs --mic-file"),
        (["listen", "--mic-file", "s.wav", "--loop-mic-file", "--fast"], "needs --max-seconds"),
        (["listen", "--mic-file", "s.wav", "--max-seconds", "-5"], "--max-seconds"),
        (["listen", "--mic-file", "s.wav", "--max-seconds", "0"], "positive"),
        (["listen", "--mic-file", "s.wav", "--max-seconds", "nan"], "positive"),
        (
            ["listen", "--mic-file", "s.wav", "--max-seconds", "1e308"],
            "--max-seconds: expected at most 31622400 seconds (a year), got 1e+308",
        ),
        (
            ["listen", "--mic-file", "s.wav", "--clock-start", "9999-12-31T23:59"],
            "--clock-start: expected a time like 2025-01-31T19:59 in the years 1970 to 9998",
        ),
        (
            ["listen", "--mic-file", "s.wav", "--clock-start", "2026-01-31T19:59+05:00"],
            "(local time, no time zone), got '2026-01-31T19:59+05:00'",
        ),
        (["listen", "--fast", "--clock-start", "2026-01-31T19:59"], "--mic-file"),
        (["session", "--answers", "--fast"], "--answers needs at least one WAV file"),
        (["session", "--fast", "--answers"], "--answers needs at least one WAV file"),
        (["listen", "--answers", "--fast"], "--answers needs at least one WAV file"),
        (["session", "", "--answers", "a.wav", "--fast"], "the practice is empty"),
        (["session", " ", "--answers", "a.wav", "--fast"], "the practice is empty"),
        (["history", "--limit"], "--limit needs a value"),
    ],
)
def test_usage_errors_exit_2_with_one_line_naming_the_fix(
    cli: Cli, home: Path, argv: list[str], names: str
) -> None:
    kept(home, A).close()
    result = cli(*argv)
    assert result.code == USAGE == 2, result.err
    assert names in one_error_line(result)


@pytest.mark.parametrize(
    "argv",
    [
        ["show", "20990101-000000-none"],
        ["export", "20990101-000000-none"],
        ["models", "remove", "vosk-model-nothing", "--yes"],
        ["session", "no-such-practice", "--fast"],
        ["history", "--topic", "no-such-practice"],
        ["history", "--topic", "no-such-practice", "--json"],
    ],
)
def test_runtime_errors_exit_1(cli: Cli, home: Path, argv: list[str]) -> None:
    kept(home, A).close()
    result = cli(*argv)
    assert result.code == FAILED == 1, result.err
    one_error_line(result)


def test_readme_exit_code_table_matches_the_code() -> None:
    text = README.read_text().split("| exit code | when |", 1)[1].split("\n\n", 1)[0]
    table = dict(re.findall(r"^\| (\d+) \| (.+) \|$", text, re.MULTILINE))
    assert set(table) == {"0", str(FAILED), str(USAGE), str(INTERRUPTED)}
    assert "command line is wrong" in table[str(USAGE)]
    assert "Ctrl-C" in table[str(INTERRUPTED)]
    assert INTERRUPTED == 128 + signal.SIGINT


def test_export_refuses_an_unknown_suffix_and_writes_nothing(
    cli: Cli, home: Path, tmp_path: Path
) -> None:
    kept(home, A, B).close()
    target = tmp_path / "out.pdf"
    refused = cli("export", "--all", "-o", target)
    assert refused.code == 2
    line = one_error_line(refused)
    assert ".md" in line and ".json" in line and ".txt" in line and "--format" in line
    assert not target.exists() and list(tmp_path.glob("*out*")) == []
    # The format given outright wins over the name, and the known endings pick their format.
    assert cli("export", "--all", "-o", target, "--format", "txt").code == 0
    assert target.read_text().startswith("communication")
    assert cli("export", A.id, "-o", tmp_path / "a.JSON").code == 0
    assert (tmp_path / "a.JSON").read_text().lstrip().startswith("{")
    # A name with no ending is refused as an unknown one is, unless --format says.
    unnamed = cli("export", A.id, "-o", tmp_path / "plain")
    assert unnamed.code == 2 and "the name has no ending" in one_error_line(unnamed)
    assert not (tmp_path / "plain").exists()
    assert cli("export", A.id, "-o", tmp_path / "plain", "--format", "md").code == 0
    assert (tmp_path / "plain").read_text().startswith("## ")


def _voicecoach(home: Path, *args: str, **kwargs: object) -> subprocess.Popen[bytes]:
    env = {**os.environ, "VOICECOACH_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    env.pop("VOICECOACH_PASSPHRASE", None)
    return subprocess.Popen(
        [sys.executable, "-m", "voicecoach", *args],
        env=env,
        **kwargs,  # type: ignore[call-overload]
    )


def test_export_to_stdout_never_says_to_dash(home: Path) -> None:
    kept(home, A, B).close()
    piped = _voicecoach(home, "export", "--all", "-o", "-", stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE)  # fmt: skip
    out, err = piped.communicate(timeout=60)
    assert piped.returncode == 0, err
    assert out.startswith(b"# Journal") and A.id.encode() in out
    assert err == b""  # on a pipe the export is the whole answer

    leader, follower = os.openpty()  # a terminal as stdout
    shown = _voicecoach(home, "export", A.id, "-o", "-", stdout=follower, stderr=subprocess.PIPE)
    os.close(follower)
    _, err = shown.communicate(timeout=60)
    os.close(leader)
    assert shown.returncode == 0
    assert err.decode().strip() == "exported 1 session to stdout"


def test_a_home_that_is_a_file_is_one_line_naming_the_variable(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x\n")
    env = {**os.environ, "VOICECOACH_HOME": str(afile)}
    session = subprocess.run(
        [sys.executable, "-m", "voicecoach", "session", "--answers",
         str(fixture_wav("patience-1")), "--fast"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert session.returncode == FAILED and session.stdout == "", session.stderr
    assert session.stderr.splitlines() == [
        f"voicecoach: error: VOICECOACH_HOME is {afile}, which is not a folder: set "
        "VOICECOACH_HOME to a folder (it need not exist yet), or unset it"
    ]
    for variable, value in (("VOICECOACH_HOME", afile / "sub"), ("XDG_DATA_HOME", afile)):
        monkeypatch.delenv("VOICECOACH_HOME")
        monkeypatch.setenv(variable, str(value))
        for args in (("history",), ("forget", "--all", "--yes"), ("key", "init"), ("doctor",)):
            line = one_error_line(cli(*args))
            assert line.startswith(f"voicecoach: error: {variable} is {value}, "), line
            assert f"set {variable} to a folder" in line, line
        helped = cli("history", "--help")  # help needs no folder
        assert helped.code == 0 and "--topic" in helped.out and helped.err == "", helped.err
    assert afile.read_text() == "x\n" and [p.name for p in tmp_path.iterdir()] == ["afile"]


def test_forget_off_a_terminal_names_yes_and_erases_nothing(cli: Cli, home: Path) -> None:
    kept(home, A, B).close()
    refused = cli("forget", "--all")
    assert refused.code == 2
    assert "--yes" in one_error_line(refused) and "2 sessions" in refused.err
    assert [r["id"] for r in cli("history", "--json").json()] == [A.id, B.id]
    erased = cli("forget", B.id, "--yes")
    assert erased.code == 0 and B.id in erased.out


def _prompt_on_a_terminal(home: Path, *args: str) -> tuple[subprocess.Popen[bytes], int]:
    leader, follower = os.openpty()
    process = _voicecoach(home, *args, stdin=follower, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)  # fmt: skip
    os.close(follower)
    return process, leader


def _read_until(process: subprocess.Popen[bytes], text: bytes) -> bytes:
    assert process.stderr is not None
    os.set_blocking(process.stderr.fileno(), False)
    seen = b""
    deadline = time.monotonic() + 60
    while text not in seen:
        assert time.monotonic() < deadline, seen
        chunk = process.stderr.read()
        seen += chunk or b""
        time.sleep(0.02)
    return seen


def test_forget_prompt_on_a_terminal_ends_its_line(home: Path) -> None:
    kept(home, A).close()
    process, leader = _prompt_on_a_terminal(home, "forget", A.id)
    _read_until(process, b"[y/N] ")
    os.write(leader, b"n\n")
    out, rest = process.communicate(timeout=60)
    os.close(leader)
    assert process.returncode == 0 and out == b""  # declined: the person chose, no failure
    assert rest.decode().strip() == "Nothing erased."

    process, leader = _prompt_on_a_terminal(home, "forget", A.id)
    asked = _read_until(process, b"[y/N] ")
    assert A.id.encode() in asked  # what would be erased is listed first
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=60)
    os.close(leader)
    assert process.returncode == INTERRUPTED
    assert rest.decode() == "\nvoicecoach: stopped\n"  # on a line of its own, no error

    process, leader = _prompt_on_a_terminal(home, "forget", A.id)
    _read_until(process, b"[y/N] ")
    os.write(leader, b"y\n")
    out, _ = process.communicate(timeout=60)
    os.close(leader)
    assert process.returncode == 0 and f"erased {A.id}".encode() in out


def test_export_asks_before_replacing_a_file_on_a_terminal(home: Path, tmp_path: Path) -> None:
    kept(home, A).close()
    target = tmp_path / "one.md"
    target.write_text("written by hand")
    process, leader = _prompt_on_a_terminal(home, "export", A.id, "-o", str(target))
    asked = _read_until(process, b"[y/N] ")
    assert f"Replace {target}?".encode() in asked
    os.write(leader, b"n\n")
    out, rest = process.communicate(timeout=60)
    os.close(leader)
    assert process.returncode == 0 and out == b""
    assert rest.decode().strip() == "Nothing written."
    assert target.read_text() == "written by hand"

    process, leader = _prompt_on_a_terminal(home, "export", A.id, "-o", str(target))
    _read_until(process, b"[y/N] ")
    os.write(leader, b"y\n")
    process.communicate(timeout=60)
    os.close(leader)
    assert process.returncode == 0
    assert A.id in target.read_text()
    fresh = tmp_path / "new.md"  # nothing to replace: nothing asked, even without a terminal
    done = _voicecoach(home, "export", A.id, "-o", str(fresh), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert done.wait(timeout=60) == 0 and A.id in fresh.read_text()
    done.communicate()


def test_ctrl_c_exits_130_from_a_reading_command(home: Path, tmp_path: Path) -> None:
    """`export` to a FIFO nobody reads blocks in open(); Ctrl-C there ends it with 130."""
    kept(home, A).close()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    process = _voicecoach(home, "export", A.id, "-o", str(fifo), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 60
    while not _blocked_opening(process.pid):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == INTERRUPTED, err
    assert err.decode() == "voicecoach: stopped\n" and out == b""  # the user's stop: no error


def _blocked_opening(pid: int) -> bool:
    """True once the process waits in open() for a FIFO's reader."""
    try:
        syscall = Path(f"/proc/{pid}/syscall").read_text().split()
        wchan = Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return False
    return bool(syscall) and syscall[0] in ("2", "257") and "partner" in wchan


@pytest.mark.slow
def test_ctrl_c_ends_a_session_well_and_exits_130(tmp_path: Path) -> None:
    from tests.test_stop import long_home, wait_for

    home = tmp_path / "home"
    env = long_home(home)
    with (home / "stderr.txt").open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "voicecoach", "session", "--answers",
             str(fixture_wav("patience-1")), "--fast", "--engine", "pocketsphinx", "--json"],
            env=env, stdout=subprocess.PIPE, stderr=err,
        )  # fmt: skip
    wait_for(home, "partner")  # the answer is in; the long question is being rendered
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == INTERRUPTED, (home / "stderr.txt").read_text()
    record = json.loads(out)  # the session ended well: its record is printed and kept
    assert record["status"] == "stopped"
    assert "partner" in record["turns"][0]["answer"]["text"]


def test_show_play_of_an_answer_that_does_not_exist_names_those_that_do(
    cli: Cli, home: Path
) -> None:
    kept(home, A, B).close()
    missing = cli("show", B.id, "--play", "9")
    assert missing.code == 1
    assert one_error_line(missing) == (
        f"voicecoach: error: session {B.id} has no answer 9; its answers are 1, 2 and 3"
    )
    silent = dataclasses.replace(A, id="20261021-080000-dddd", turns=(A.turns[0], _unanswered()))
    kept(home, silent).close()
    assert one_error_line(cli("show", silent.id, "--play", "2")).endswith(
        "has no answer 2; its one answer is 1"
    )
    no_audio = cli("show", silent.id, "--play", "1")  # answered, but no audio was kept
    assert "no audio was kept for it" in one_error_line(no_audio)


def _unanswered() -> Turn:
    return Turn(prompt_id="q9", prompt="Anything else?", answer=None)


def test_review_off_a_terminal_says_what_to_use_instead(home: Path, tmp_path: Path) -> None:
    kept(home, A).close()
    out_file = tmp_path / "out"
    with out_file.open("wb") as out:
        piped = _voicecoach(home, "review", stdin=subprocess.DEVNULL, stdout=out,
                            stderr=subprocess.PIPE)  # fmt: skip
        _, err = piped.communicate(timeout=60)
    assert piped.returncode == USAGE
    assert err.decode() == (
        "voicecoach: error: review needs a terminal (use history, show or export)\n"
    )
    assert out_file.read_bytes() == b""  # no screen drawn into the file

    leader, follower = os.openpty()  # keys from a terminal, but the screen into a pipe
    half = _voicecoach(home, "review", stdin=follower, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)  # fmt: skip
    os.close(follower)
    out_bytes, err = half.communicate(timeout=60)
    os.close(leader)
    assert half.returncode == USAGE and out_bytes == b""
    assert err.decode().startswith("voicecoach: error: review needs a terminal")


def test_ctrl_c_in_review_on_a_terminal_is_one_line_and_130(home: Path) -> None:
    """The app reads keys in raw mode, so Ctrl-C reaches it as a key, not as SIGINT."""
    import select

    kept(home, A).close()
    leader, follower = os.openpty()
    env = {**os.environ, "VOICECOACH_HOME": str(home), "TERM": "xterm-256color"}
    env.pop("VOICECOACH_PASSPHRASE", None)
    app = subprocess.Popen([sys.executable, "-m", "voicecoach", "review"], env=env,
                           stdin=follower, stdout=follower, stderr=follower)  # fmt: skip
    os.close(follower)
    screen = b""

    def read(until: Callable[[], bool]) -> None:
        nonlocal screen
        deadline = time.monotonic() + 60
        while not until():
            assert time.monotonic() < deadline, screen[-300:]
            if select.select([leader], [], [], 0.2)[0]:
                with contextlib.suppress(OSError):  # the app has ended and the terminal closed
                    screen += os.read(leader, 65536)

    try:
        read(lambda: b"sessions" in screen or b"session" in screen)  # the app is drawn
        os.write(leader, b"\x03")  # Ctrl-C, as the terminal sends it to an app in raw mode
        read(lambda: app.poll() is not None)
        read(lambda: b"voicecoach: stopped" in screen)
    finally:
        if app.poll() is None:  # the test failed: no app is left behind
            app.kill()
        os.close(leader)
    assert app.wait(timeout=30) == INTERRUPTED
    assert screen.rstrip().endswith(b"voicecoach: stopped"), screen[-300:]


def test_a_recovery_file_that_exists_is_a_usage_error_and_kept(
    cli: Cli, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", "a long enough passphrase")
    assert cli("key", "init").code == 0
    taken = tmp_path / "rec.txt"
    taken.write_text("mine\n")
    refused = cli("key", "export-recovery", taken)
    assert refused.code == USAGE and "already exists; give a new file" in one_error_line(refused)
    assert taken.read_text() == "mine\n"


def test_profiles_remove_without_yes_off_a_terminal_exits_2(cli: Cli, home: Path) -> None:
    assert cli("profiles", "add", "sam").code == 0
    kept(home / "profiles" / "sam", A).close()
    refused = cli("profiles", "remove", "sam")
    assert refused.code == USAGE and "add --yes" in one_error_line(refused)
    assert (home / "profiles" / "sam").is_dir()


def test_ctrl_c_while_the_installed_command_starts_is_one_line_and_130(
    home: Path, tmp_path: Path
) -> None:
    """The `voicecoach` command pip installs, stopped at moments from Python's start to the
    command waiting (`export` to a FIFO nobody reads): one line and 130 wherever our code had
    begun; only a stop inside Python's own start-up (before any of voicecoach runs) is
    Python's to report."""
    command = Path(sys.executable).with_name("voicecoach")
    assert command.is_file(), "the package is installed with its command"
    kept(home, A).close()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    env = {**os.environ, "VOICECOACH_HOME": str(home)}
    ours = 0
    for tenths in range(1, 160):  # every 25 ms, until five stops landed in our code
        if ours >= 5:
            break
        process = subprocess.Popen(
            [str(command), "export", A.id, "-o", str(fifo)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        time.sleep(tenths * 0.025)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        said = err.decode()
        if process.returncode == INTERRUPTED:
            assert said == "voicecoach: stopped\n", said
            ours += 1
        else:  # stopped before the command's own code ran: no frame of ours in the report
            assert "voicecoach/" not in said, said
    assert ours >= 5
