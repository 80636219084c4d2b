"""A folder or a named pipe where a month file of the journal belongs: every command stops
with one line naming it (never a traceback, never a hang), and nothing is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import STREAMING_WORDS, fixture_wav
from tests.test_journal_cli import A, B, kept
from tests.virtual_audio import write_mini_home
from voicecoach.cli import FAILED

READERS = (
    ("history",),
    ("history", "--json"),
    ("export", "--all"),
    ("search", "partner"),
    ("stats",),
    ("forget", "--before", "2026-01-01", "--yes"),
)


def in_the_way(journal: Path, kind: str) -> Path:
    """Put a folder or a named pipe where September's month file belongs."""
    path = journal / "2026-09.json"
    if kind == "folder":
        path.mkdir()
    else:
        os.mkfifo(path)
    return path


def voicecoach(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VOICECOACH_HOME": str(home)}
    env.pop("VOICECOACH_PASSPHRASE", None)
    return subprocess.run(
        [sys.executable, "-m", "voicecoach", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,  # a named pipe opened for reading would wait here for ever
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize("kind", ["folder", "named pipe"])
def test_every_reading_command_names_it_in_one_line(home: Path, kind: str) -> None:
    kept(home, A, B).close()
    journal = home / "journal"
    voicecoach(home, "history")  # the index written, so the run below changes nothing
    before = snapshot(journal)
    path = in_the_way(journal, kind)
    expected = (
        f"voicecoach: error: journal/2026-09.json is a {kind}, not a journal file; "
        f"move it out of {journal}\n"
    )
    for args in READERS:
        done = voicecoach(home, *args)
        assert (done.returncode, done.stderr, done.stdout) == (FAILED, expected, ""), args
    assert snapshot(journal) == before  # nothing erased, set aside or rewritten
    assert path.exists() and not path.is_file()  # left where it is, for the person to move

    path.rmdir() if kind == "folder" else path.unlink()
    listed = voicecoach(home, "history")
    assert listed.returncode == 0 and A.id in listed.stdout and B.id in listed.stdout


@pytest.mark.parametrize("name", ["2026-09.json", "2026-10.json.bak"])
def test_a_session_refuses_before_it_speaks(home: Path, name: str) -> None:
    kept(home, A).close()  # (2026-10)
    journal = home / "journal"
    path = journal / name
    path.unlink(missing_ok=True)
    path.mkdir()
    answers = [str(fixture_wav(n)) for n in ("patience-1", "patience-2")]
    done = voicecoach(home, "session", "--answers", *answers, "--fast", "--engine", "pocketsphinx")
    assert done.returncode == FAILED
    assert done.stderr == (
        f"voicecoach: error: journal/{name} is a folder, not a journal file; "
        f"move it out of {journal}\n"
    )  # before the welcome: nothing said, nothing begun
    running = journal / "running"
    assert not running.exists() or not list(running.iterdir())  # no session was begun
    path.rmdir()
    listed = voicecoach(home, "history", "--json")
    assert [s["id"] for s in json.loads(listed.stdout)] == [A.id]  # no "interrupted" one


def test_key_init_refuses_before_it_makes_a_key(home: Path) -> None:
    kept(home, A).close()
    journal = home / "journal"
    in_the_way(journal, "named pipe")
    before = snapshot(journal)
    env = {**os.environ, "VOICECOACH_HOME": str(home), "VOICECOACH_NEW_PASSPHRASE": "abcdefgh12"}
    done = subprocess.run(
        [sys.executable, "-m", "voicecoach", "key", "init"],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == FAILED
    assert done.stderr == (
        f"voicecoach: error: journal/2026-09.json is a named pipe, not a journal file; "
        f"move it out of {journal}\n"
    )
    assert not (journal / "key").exists()  # no key made over a journal left plain
    assert snapshot(journal) == before


@pytest.mark.parametrize(
    ("profile", "kind"), [(None, "folder"), (None, "named pipe"), ("sam", "folder")]
)
def test_listen_refuses_before_it_listens(home: Path, profile: str | None, kind: str) -> None:
    """The check a session makes before it begins, made by `listen` before it waits for a wake:
    for its own journal, or for each journal a voice may choose (with two profiles)."""
    write_mini_home(home, STREAMING_WORDS)
    if profile is not None:
        voicecoach(home, "profiles", "add", profile)
        voicecoach(home, "profiles", "add", "alex")
    journal = home / "journal" if profile is None else home / "profiles" / profile / "journal"
    kept(journal.parent, A).close()  # (2026-10)
    voicecoach(home, "history")  # the index written, so the run below changes nothing
    before = snapshot(journal)
    in_the_way(journal, kind)
    wavs = [str(fixture_wav(n)) for n in ("choose-patience", "patience-1", "patience-2")]
    done = voicecoach(
        home, "listen", "--mic-file", str(fixture_wav("wake-lets-reflect")), "--answers", *wavs,
        "--fast", "--engine", "pocketsphinx", "--once", "--clock-start", "2026-09-10T20:00",
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (FAILED, "")
    assert done.stderr == (
        f"voicecoach: error: journal/2026-09.json is a {kind}, not a journal file; "
        f"move it out of {journal}\n"
    )  # before the wake phrase is waited for: nothing heard, nothing said
    assert snapshot(journal) == before
    running = journal / "running"
    assert not running.exists() or not list(running.iterdir())  # no session was begun
