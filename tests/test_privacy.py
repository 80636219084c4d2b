"""Unattended modes keep what was said private: `listen` run as the service's unit runs it.

There is no systemd here, so the test takes the unit `service install` writes, runs its exact
ExecStart with its Environment (plus file input, since there is no microphone), and greps
everything the process wrote to stdout and stderr — what journald would keep — for the words
of the answers that were heard and kept.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES, fixture_text, fixture_wav
from tests.virtual_audio import write_mini_home
from voicecoach.speaker.service import unit_text

ANSWERS = ("choose-patience", "patience-1", "safety-1")
RUN_TIMEOUT_S = 120.0


def unit_command(home: Path) -> tuple[list[str], dict[str, str]]:
    """The unit's ExecStart as argv, and the environment its Environment= lines set."""
    text = unit_text(sys.executable, env={"VOICECOACH_HOME": str(home)})
    argv: list[str] = []
    env = {"PATH": os.environ["PATH"], "HOME": str(home.parent)}
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key == "ExecStart":
            argv = shlex.split(value.replace("%%", "%"))
        elif key == "Environment":
            name, _, setting = shlex.split(value)[0].partition("=")
            env[name] = setting
        elif key in ("StandardOutput", "StandardError"):
            assert value == "journal"
    assert argv[1:] == ["-m", "voicecoach", "listen"]
    return argv, env


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z']+", text.lower()))


def test_the_service_command_line_logs_events_never_words(tmp_path: Path) -> None:
    home = write_mini_home(tmp_path / "home")
    room = tmp_path / "room.wav"
    quiet = tmp_path / "quiet.wav"
    subprocess.run(["sox", FIXTURES / "silence-10s.wav", quiet, "trim", "0", "2"], check=True)
    subprocess.run(["sox", quiet, fixture_wav("wake-lets-reflect"), quiet, room], check=True)
    argv, env = unit_command(home)
    answers = [str(fixture_wav(name)) for name in ANSWERS]
    files = [
        "--mic-file",
        str(room),
        "--answers",
        *answers,
        "--fast",
        "--once",
        "--max-seconds",
        "120",
    ]
    done = subprocess.run(
        [*argv, *files, "--engine", "pocketsphinx", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stderr
    (session_id,) = json.loads(done.stdout)["sessions"]
    shown = subprocess.run(
        [sys.executable, "-m", "voicecoach", "show", session_id, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    record = json.loads(shown.stdout)
    heard = " ".join(t["answer"]["text"] for t in record["turns"] if t.get("answer"))
    said = words(heard) | words(" ".join(fixture_text(n) for n in ANSWERS[1:]))
    private = {w for w in said if len(w) >= 5}
    assert {"partner", "chest"} & private, heard  # the answers were heard and kept
    streams = words(done.stdout + done.stderr)
    assert not private & streams, done.stderr
    assert "answer heard" in done.stderr and "coach speaks" in done.stderr
    # the safety lines say what the person spoke of: they stay out too
    assert "crisis" not in done.stderr.lower()


def test_unattended_progress_counts_the_coachs_words_without_them() -> None:
    from io import StringIO

    from rich.console import Console

    from voicecoach.cli.progress import EventProgress

    out = StringIO()
    progress = EventProgress(Console(file=out, width=200))
    progress.coach("Goodbye.")
    progress.coach("Take your time, there is no hurry.")
    assert out.getvalue().splitlines() == ["coach speaks (1 word)", "coach speaks (7 words)"]
