"""A reader that goes away ends nothing: `voicecoach session … 2>&1 | head -6` and
`voicecoach session … --json | head -c 0` run the whole session through the real CLI, PocketSphinx
and journal, without the display from then on, and exit as usual, with no traceback; a stream
closed from the start changes no exit code; the commands that print (`history --json | head -1`,
`export`, `show`, `--help`, …) stop there and exit 0 with nothing on stderr."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pytest

from tests.conftest import STREAMING_WORDS, CliResult, fixture_wav
from tests.test_journal_cli import A, B, C, kept
from tests.test_machine_e2e import PROMPTS, config, heard, turns

REPO = Path(__file__).resolve().parents[1]
ANSWERS = ("patience-1", "patience-2", "patience-3", "patience-4", "patience-5")
"""A whole patience session (no mood check-in): five answers."""


def session_process(home: Path, *extra: str, **streams: Any) -> subprocess.Popen[bytes]:
    """`voicecoach session patience` on ``ANSWERS`` in a process of its own."""
    config(home, "[coach]\nmood_checkin = false\n" + STREAMING_WORDS)
    env = {**os.environ, "VOICECOACH_HOME": str(home), "PYTHONPATH": str(REPO)}
    env.pop("VOICECOACH_PASSPHRASE", None)
    wavs = [str(fixture_wav(name)) for name in ANSWERS]
    args = ["session", "patience", "--answers", *wavs, "--fast", "--engine", "pocketsphinx"]
    return subprocess.Popen([sys.executable, "-m", "voicecoach", *args, *extra], env=env, **streams)


def read_lines(stream: IO[bytes], count: int, seconds: float) -> list[bytes]:
    """The first ``count`` lines of ``stream``, waiting at most ``seconds`` in all."""
    deadline = time.monotonic() + seconds
    data = b""
    while data.count(b"\n") < count:
        left = deadline - time.monotonic()
        assert left > 0, f"only {data!r} within {seconds} s"
        ready, _, _ = select.select([stream], [], [], left)
        if ready:
            chunk = os.read(stream.fileno(), 4096)
            assert chunk, f"the output ended after {data!r}"
            data += chunk
    return data.split(b"\n")[:count]


def whole_session(cli: Callable[..., CliResult]) -> dict[str, Any]:
    """The journal's record of the one session run: completed, every answer kept."""
    history = cli("history", "--json").json()
    assert len(history) == 1, history
    record: dict[str, Any] = cli("show", history[0]["id"], "--json").json()
    assert record["status"] == "completed", record["status"]
    by_id = turns(record)
    assert list(by_id) == list(PROMPTS)
    for number, step in enumerate(PROMPTS, start=1):
        assert heard(by_id[step], f"patience-{number}"), by_id[step]
    return record


@pytest.mark.slow
def test_a_display_closed_after_six_lines_leaves_the_session_whole(
    home: Path, cli: Callable[..., CliResult]
) -> None:
    """`2>&1 | head -6`: the reader goes after the first question; the session is not ended
    there (it was filed as interrupted, exit 1, with nothing said)."""
    proc = session_process(home, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    try:
        shown = read_lines(proc.stdout, 6, 120)
    finally:
        proc.stdout.close()
    assert any(line.startswith(b"coach ") for line in shown), shown
    assert proc.wait(timeout=300) == 0
    whole_session(cli)


@pytest.mark.slow
def test_json_for_a_reader_already_gone_leaves_the_session_whole_and_no_traceback(
    home: Path, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    """`--json` whose reader closed before the record is printed: the display on stderr goes
    on to the goodbye, the exit is 0, and nothing but the session is on stderr."""
    read, write = os.pipe()
    os.close(read)  # nobody will read stdout
    err = tmp_path / "stderr.txt"
    with err.open("wb") as err_file:
        proc = session_process(home, "--json", stdout=write, stderr=err_file)
        os.close(write)
        code = proc.wait(timeout=300)
    text = err.read_text()
    assert code == 0, text
    assert "Traceback" not in text and "Exception ignored" not in text, text
    assert "voicecoach: error" not in text, text
    assert text.rstrip().splitlines()[-1].startswith("coach "), text  # the closing, shown
    whole_session(cli)


def test_a_stream_closed_from_the_start_changes_no_exit_code(home: Path) -> None:
    """`voicecoach search WORD 2>&-`: the message that nothing was found has nowhere to go, and
    the exit code is the one it has with stderr open."""
    env = {**os.environ, "VOICECOACH_HOME": str(home), "PYTHONPATH": str(REPO)}
    command = '"$0" -m voicecoach search zzzqqq'
    for redirect in ("", " 2>&-", " >&-"):
        done = subprocess.run(
            ["sh", "-c", f"exec {command}{redirect}", sys.executable],
            env=env,
            capture_output=True,
            timeout=60,
        )
        assert done.returncode == 0, (redirect, done.stderr)
        assert done.stdout == b"", redirect
        said = b"Nothing found for 'zzzqqq'.\n"
        assert done.stderr == (b"" if "2>&-" in redirect else said), (redirect, done.stderr)


READER_GONE_COMMANDS = [
    ["history", "--json"],
    ["history", "--json", "--limit", "2"],
    ["history"],
    ["show", B.id],
    ["show", B.id, "--json"],
    ["export", "--all"],
    ["export", "--all", "--format", "json"],
    ["export", "--all", "-o", "-"],
    ["export", A.id, "--format", "txt"],
    ["search", "promise"],
    ["stats", "--json"],
    ["sessions", "list"],
    ["sessions", "list", "--json"],
    ["sessions", "graph", "patience"],
    ["--help"],
    ["session", "--help"],
    ["--version"],
]
"""Commands that print a lot, or print at once: each with a reader that has already gone."""


@pytest.mark.parametrize("args", READER_GONE_COMMANDS, ids=" ".join)
def test_a_reader_gone_from_stdout_ends_the_command_quietly_with_exit_0(
    home: Path, args: list[str]
) -> None:
    """`voicecoach history --json | head -1`: the reader closing the pipe is normal, so the
    command exits 0 with nothing on stderr (it exited 1 silently); `session --help` for a
    reader gone runs no session."""
    kept(home, C, A, B).close()
    env = {**os.environ, "VOICECOACH_HOME": str(home), "PYTHONPATH": str(REPO)}
    env.pop("VOICECOACH_PASSPHRASE", None)
    read, write = os.pipe()
    os.close(read)  # the reader has gone before anything is written
    try:
        done = subprocess.run(
            [sys.executable, "-m", "voicecoach", *args],
            env=env,
            stdout=write,
            stderr=subprocess.PIPE,
            timeout=60,
        )
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (0, b""), args
