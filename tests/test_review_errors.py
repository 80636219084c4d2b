"""`voicecoach review` on a journal it cannot read: one error line and exit code 1, in a real
terminal; and no error of the app ever prints the answers it was showing."""

from __future__ import annotations

import asyncio
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from textual.worker import WorkerFailed

from tests.test_journal_cli import A, B, kept
from tests.test_review import journal_with
from voicecoach.cli import FAILED
from voicecoach.cli.review_cmd import ended_on
from voicecoach.review.app import ReviewApp

WORDS = "my partner came home late again"
"""Words of an answer that must never reach stderr."""


def review_in_a_terminal(home: Path) -> tuple[int, str]:
    """Run `voicecoach review` on a pseudo-terminal; its exit code and stderr (the screen is
    drawn on the terminal). It is sent "q" if it is still open after a few seconds."""
    leader, follower = os.openpty()
    env = {**os.environ, "VOICECOACH_HOME": str(home), "TERM": "xterm-256color"}
    env.pop("VOICECOACH_PASSPHRASE", None)
    app = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "review"],
        stdin=follower, stdout=follower, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    os.close(follower)
    deadline, asked = time.monotonic() + 60, False
    while app.poll() is None and time.monotonic() < deadline:
        if select.select([leader], [], [], 0.2)[0]:
            try:
                os.read(leader, 65536)
            except OSError:
                break
        if not asked and time.monotonic() > deadline - 45:
            os.write(leader, b"q")  # still open: quit it
            asked = True
    assert app.stderr is not None
    with app.stderr:
        err = app.stderr.read().decode(errors="replace")
    code = app.wait(timeout=30)
    os.close(leader)
    return code, CONTROL.sub("", err)


CONTROL = re.compile(r"\x1b\][^\x07]*\x07|\x1b\[[0-9;?<>=$]*[A-Za-z~]|\x07")
"""Terminal control sequences (Textual sets up and restores the terminal through stderr)."""


def test_a_folder_for_a_month_is_one_line_before_the_app_opens(home: Path) -> None:
    kept(home, A, B).close()
    (home / "journal" / "2026-09.json").mkdir()
    code, err = review_in_a_terminal(home)
    assert code == FAILED
    assert err == (
        "voicecoach: error: journal/2026-09.json is a folder, not a journal file; "
        f"move it out of {home / 'journal'}\n"
    )


def test_a_month_of_a_newer_voicecoach_is_left_out_with_one_warning(home: Path) -> None:
    kept(home, A, B).close()
    month = home / "journal" / "2026-11.json"  # B's month, read once the app is up
    month.write_bytes(month.read_bytes().replace(b'"format": 2', b'"format": 3', 1))
    before = month.read_bytes()
    code, err = review_in_a_terminal(home)  # the app opens on A's month, and is quit
    assert code == 0
    warning = (
        "voicecoach: warning: journal/2026-11.json was written by a newer voicecoach: its file "
        "format is 3, and this one reads up to 2; upgrade voicecoach to read it (its sessions "
        "are left out)\n"
    )  # once, at the end (the app's screen, drawn through stderr, shows the notice too)
    assert err.endswith(warning) and err.count("voicecoach: warning:") == 1
    assert "Traceback" not in err
    assert month.read_bytes() == before  # never rewritten


def test_an_unexpected_error_never_prints_the_answers(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    def player(pcm: bytes) -> None:
        raise RuntimeError(f"cannot play {WORDS!r}")  # a message quoting the answer

    app = ReviewApp(journal_with(tmp_path / "journal", A), player=player)

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.play(b"\0\0" * 160)
            await pilot.pause(1)

    with pytest.raises(WorkerFailed):  # (run_test raises what ended the app)
        asyncio.run(asyncio.wait_for(run(), timeout=60))
    assert isinstance(app.failure, RuntimeError)
    assert app.return_code == 1
    out, err = capfd.readouterr()
    assert WORDS not in out + err and "Traceback" not in out + err
    line = str(ended_on(app.failure))
    assert line.startswith("review stopped on an unexpected error (RuntimeError at ")
    assert WORDS not in line


def test_the_app_ends_when_its_terminal_goes_away_with_sighup_ignored(home: Path) -> None:
    """Closed terminal, SIGHUP ignored (``nohup``): the app ends instead of reading the closed
    terminal again and again on a busy core."""
    kept(home, A, B).close()
    leader, follower = os.openpty()
    env = {**os.environ, "VOICECOACH_HOME": str(home), "TERM": "xterm-256color"}
    env.pop("VOICECOACH_PASSPHRASE", None)
    app = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "review"],
        stdin=follower, stdout=follower, stderr=follower, env=env, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN),
    )  # fmt: skip
    os.close(follower)
    seen, deadline = b"", time.monotonic() + 60
    while time.monotonic() < deadline:  # the app is up: it drew its screen, then went quiet
        if select.select([leader], [], [], 3.0)[0]:
            seen += os.read(leader, 65536)
        elif seen:
            break
    assert app.poll() is None and b"\x1b[?1049h" in seen, "the app never opened"
    os.close(leader)  # the terminal goes away
    try:
        code = app.wait(timeout=15)
    except subprocess.TimeoutExpired:
        app.kill()
        app.wait()
        pytest.fail("the app kept running on a closed terminal")
    assert code == 0
