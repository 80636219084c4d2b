"""Output paths: in place to devices, FIFOs and stdout; never through a link; checked first."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, CliResult
from tests.test_journal_cli import A, kept
from voicecoach.audio.wavfile import write_wav
from voicecoach.errors import OutputError
from voicecoach.outputs import check_output, write_output

Cli = Callable[..., CliResult]
ROOT = Path(__file__).resolve().parents[1]


def one_line(result: CliResult, *words: str, code: int = 1) -> None:
    assert result.code == code, result.err
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert result.err.startswith("voicecoach: error: ")
    for word in words:
        assert word in result.err


def test_export_to_a_fifo_writes_into_it_and_leaves_it_a_fifo(
    home: Path, cli: Cli, tmp_path: Path
) -> None:
    kept(home, A)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = cli("export", A.id, "--format", "json", "-o", fifo)
    reader.join(timeout=10)
    assert result.code == 0, result.err
    assert json.loads(got[0])["id"] == A.id
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "pipe"]


def test_export_to_dev_null_and_stdout_writes_in_place(home: Path, cli: Cli) -> None:
    kept(home, A)
    assert cli("export", A.id, "-o", "/dev/null").code == 0
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)
    result = cli("export", A.id, "--format", "json", "-o", "-")
    assert result.code == 0, result.err
    assert json.loads(result.out)["id"] == A.id


def test_a_full_device_fails_with_one_line(home: Path, cli: Cli) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    kept(home, A)
    one_line(cli("export", A.id, "-o", "/dev/full"), "/dev/full", "No space left")
    assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)


@pytest.mark.parametrize(
    "args",
    [
        ["export", "--all", "-o", "-"],
        ["export", "--all"],
        ["history", "--json"],
        ["history"],
        ["--help"],
        ["session", "--help"],
        ["key"],
        [],
    ],
    ids=lambda args: " ".join(args) or "alone",
)
def test_a_full_stdout_fails_with_one_line(home: Path, args: list[str]) -> None:
    """`voicecoach export --all > /dev/full`: one line, exit 1, no traceback."""
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    kept(home, A).close()
    env = {**os.environ, "VOICECOACH_HOME": str(home), "PYTHONPATH": str(ROOT)}
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "voicecoach", *args],
            env=env,
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=60,
        )
    assert (done.returncode, done.stderr.decode()) == (
        1,
        "voicecoach: error: stdout: cannot write (No space left on device)\n",
    )


def test_a_link_to_a_file_is_refused_and_neither_is_replaced(
    home: Path, cli: Cli, tmp_path: Path
) -> None:
    kept(home, A)
    target = tmp_path / "notes.md"
    target.write_text("mine")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    one_line(cli("export", A.id, "-o", link), "symbolic link", str(target))
    assert link.is_symlink() and target.read_text() == "mine"


def test_a_folder_or_a_missing_folder_is_refused_before_the_journal_is_read(
    home: Path, cli: Cli, tmp_path: Path
) -> None:
    one_line(cli("export", "--all", "-o", tmp_path), "is a folder")
    one_line(cli("export", "--all", "-o", tmp_path / "no" / "x.md"), "no such folder")
    assert not (home / "journal").exists()


def test_speaker_file_is_checked_before_the_session_starts(
    cli: Cli, home: Path, tmp_path: Path
) -> None:
    answer = FIXTURES / "silence-10s.wav"
    for bad, words in [(tmp_path, "is a folder"), (tmp_path / "no" / "x.wav", "no such folder")]:
        result = cli("session", "--answers", answer, "--speaker-file", bad, "--fast")
        one_line(result, "--speaker-file", *words)
        result = cli("listen", "--mic-file", answer, "--speaker-file", bad, "--fast")
        one_line(result, "--speaker-file", *words)
    assert not (home / "journal").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name != "home"] == []


def test_speaker_file_is_never_an_input_nor_other_than_wav(
    cli: Cli, home: Path, tmp_path: Path
) -> None:
    answer = tmp_path / "seven.wav"
    answer.write_bytes((FIXTURES / "silence-10s.wav").read_bytes())
    before = answer.read_bytes()
    for command in (["session", "--answers"], ["listen", "--mic-file"]):
        result = cli(*command, answer, "--speaker-file", answer, "--fast")
        one_line(result, "--speaker-file", "also read as", "give another file")
        for ending in ("out.mp3", "no/out.mp3", "out"):  # a usage error, as `export -o x.pdf`
            result = cli(*command, answer, "--speaker-file", tmp_path / ending, "--fast")
            one_line(result, "--speaker-file", ending, "ending in .wav", code=2)
    assert answer.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == ["seven.wav"]
    assert not (home / "journal").exists()


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")

    class Boom(Exception):
        pass

    with pytest.raises(Boom), write_output(target) as handle:
        handle.write("half")
        raise Boom
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_write_wav_into_a_fifo_and_onto_a_link_to_a_device(tmp_path: Path) -> None:
    link = tmp_path / "null.wav"
    link.symlink_to("/dev/null")
    write_wav(link, bytes(3200))
    assert link.is_symlink()
    check_output("-")
    with pytest.raises(OutputError, match="symbolic link to nothing"):
        dangling = tmp_path / "dangling.wav"
        dangling.symlink_to(tmp_path / "nowhere")
        check_output(dangling)


def test_service_install_never_replaces_a_linked_unit_or_its_target(
    cli: Cli, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    folder = config_home / "systemd" / "user"
    folder.mkdir(parents=True)
    dotfiles = tmp_path / "dotfiles.service"
    dotfiles.write_bytes(b"[Unit]\nDescription=mine \xff\n")
    (folder / "voicecoach.service").symlink_to(dotfiles)
    one_line(cli("service", "install"), "symbolic link", str(dotfiles))
    assert (folder / "voicecoach.service").is_symlink()
    assert dotfiles.read_bytes() == b"[Unit]\nDescription=mine \xff\n"
    status = cli("service", "status", "--json")
    assert status.code == 0 and status.json()["installed"] and not status.json()["current"]
