"""Ctrl-C or SIGTERM while the person is answering keeps the words said so far.

A real session (PocketSphinx, the scripted answer played in real time, the coach's voice
written to a file, a terminal to show the running transcript on) is signalled once the first
answer's first words are shown; the journal's files then hold those words, noted as cut short.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import fixture_wav
from tests.virtual_audio import FAST_CONFIG
from voicecoach.store.journal import Journal
from voicecoach.store.records import Status

pytestmark = pytest.mark.slow

SCRIPT = """\
id = "patience"
title = "Short"

[opening]
say = []

[[steps]]
id = "one"
prompt = "What happened?"

[[steps]]
id = "two"
prompt = "And then?"

[closing]
say = ["Goodbye."]
"""
WORDS_FIRST = 5
"""Running words shown before the signal is sent (the whole answer is 26 words)."""
WAIT_S = 120.0


def read_until(fd: int, done: Callable[[str], bool]) -> str:
    """What the session wrote to its terminal, until ``done`` says so (or it ends)."""
    seen = b""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the session ended and closed its terminal
            break
        if not chunk:
            break
        seen += chunk
        if done(seen.decode(errors="replace")):
            break
    return seen.decode(errors="replace")


def running_words(seen: str) -> int:
    """Words in the newest running transcript shown ("… last night my …")."""
    shown = seen.rsplit("\u2026", 1)
    return len(shown[1].split()) if len(shown) == 2 else 0


def signalled_mid_answer(home: Path, sig: signal.Signals) -> tuple[int, str]:
    """Run a session on a terminal; send ``sig`` while its first answer is being spoken."""
    (home / "sessions").mkdir(parents=True)
    (home / "sessions" / "patience.toml").write_text(SCRIPT)
    (home / "config.toml").write_text(FAST_CONFIG)
    env = {**os.environ, "VOICECOACH_HOME": str(home), "COLUMNS": "400", "TERM": "dumb"}
    answer = str(fixture_wav("patience-1"))
    speaker = str(home / "coach.wav")
    main, terminal = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "session", "--answers", answer,
         "--speaker-file", speaker, "--engine", "pocketsphinx"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=terminal,
    )  # fmt: skip
    os.close(terminal)
    try:
        seen = read_until(main, lambda text: running_words(text) >= WORDS_FIRST)
        assert "you " not in seen and running_words(seen) >= WORDS_FIRST, seen
        proc.send_signal(sig)
        seen += read_until(main, lambda _: False)
        proc.wait(timeout=WAIT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main)
    return proc.returncode, seen


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_mid_answer_keeps_the_words_said_so_far(
    tmp_path: Path, sig: signal.Signals
) -> None:
    home = tmp_path / "home"
    code, err = signalled_mid_answer(home, sig)
    assert "Traceback" not in err, err
    with Journal(home / "journal") as journal:
        (record,) = journal.records()
        assert not journal.notices
    first = record.turns[0]
    assert first.answer is not None, err
    said = first.answer.text.split()
    assert said[:3] == ["last", "night", "my"], first.answer.text
    assert WORDS_FIRST - 1 <= len(said) < 24, first.answer.text  # the whole answer: 26 words
    assert "cut-short" in first.events
    assert len(record.turns) == 1
    assert code == 128 + sig, err
    if sig is signal.SIGINT:  # a polite stop: a goodbye, the session filed as stopped
        assert record.status is Status.STOPPED
        env = {**os.environ, "VOICECOACH_HOME": str(home)}
        shown = subprocess.run(
            [sys.executable, "-m", "voicecoach", "show", record.id],
            env=env,
            capture_output=True,
            text=True,
            timeout=WAIT_S,
        )
        assert "cut short" in shown.stdout and first.answer.text in shown.stdout, shown.stdout
    else:  # at once: filed as stopped, or (if the process had to exit) interrupted
        assert record.status in (Status.STOPPED, Status.INTERRUPTED)


def test_ctrl_c_while_the_coach_speaks_stops_its_voice_and_keeps_only_what_it_said(
    tmp_path: Path,
) -> None:
    """Signalled 1 s into the first of several lines (real time, the voice written to a file):
    the coach falls silent there and says its goodbye; the lines it never began are neither in
    the speaker file nor kept as said."""
    from voicecoach.audio.wavfile import read_wav
    from voicecoach.coach.options import GOODBYE

    home = tmp_path / "home"
    (home / "sessions").mkdir(parents=True)
    (home / "sessions" / "patience.toml").write_text(
        SCRIPT.replace(
            "say = []",
            'say = ["Let us take a few quiet minutes together.", "There are no right answers.",'
            ' "Speak freely, and pause as long as you like."]',
        )
    )
    (home / "config.toml").write_text(FAST_CONFIG)
    speaker = tmp_path / "coach.wav"
    env = {**os.environ, "VOICECOACH_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "session", "--answers",
         str(fixture_wav("patience-1")), "--speaker-file", str(speaker), "--engine",
         "pocketsphinx"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None
    seen = ""
    deadline = time.monotonic() + WAIT_S
    while "coach Let us take" not in seen:
        assert time.monotonic() < deadline and proc.poll() is None, seen
        seen += proc.stderr.readline().decode()
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    seen += proc.communicate(timeout=WAIT_S)[1].decode()
    assert proc.returncode == 130, seen
    with Journal(home / "journal") as journal:
        (record,) = journal.records()
    said = [*record.opening_lines, *(line for t in record.turns for line in t.coach_lines)]
    assert "There are no right answers." not in said and "What happened?" not in said, said
    assert "coach There are no right answers." not in seen, seen
    assert said[-1] == GOODBYE or record.closing_lines[-1:] == (GOODBYE,), record
    voice_s = len(read_wav(speaker)) / 2 / 16000
    assert voice_s < 8.0, (voice_s, said, seen)  # the note, 1 s of the first line, goodbye
