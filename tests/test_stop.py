"""Signals end a run in time, at any moment, with the answers kept and no traceback.

Each test runs voicecoach in a process of its own and signals it: during a long rendering (the
coach's second prompt is thousands of words, which espeak renders for minutes), and during
start-up.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import fixture_wav
from tests.virtual_audio import FAST_CONFIG

LONG_PROMPT = " ".join(["Take your time and tell me what you noticed about that moment."] * 130)
LONG_SCRIPT = f"""\
id = "patience"
title = "Long"

[opening]
say = ["Hello."]

[[steps]]
id = "one"
prompt = "What happened?"

[[steps]]
id = "two"
prompt = "{LONG_PROMPT}"

[closing]
say = ["Goodbye."]
"""
STOP_WITHIN_S = 1.0
START_TIMEOUT_S = 60.0


def long_home(home: Path) -> dict[str, str]:
    (home / "sessions").mkdir(parents=True)
    (home / "sessions" / "patience.toml").write_text(LONG_SCRIPT)
    (home / "config.toml").write_text(FAST_CONFIG)
    return {**os.environ, "VOICECOACH_HOME": str(home), "PYTHONUNBUFFERED": "1"}


def start(env: dict[str, str], home: Path, *args: str) -> subprocess.Popen[bytes]:
    with (home / "stderr.txt").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "voicecoach", *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


def wait_for(home: Path, text: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while text not in (home / "stderr.txt").read_text(errors="replace"):
        assert time.monotonic() < deadline, (home / "stderr.txt").read_text()
        time.sleep(0.05)


def stopped_within(process: subprocess.Popen[bytes], sent_at: float) -> float:
    process.wait(timeout=30)
    return time.monotonic() - sent_at


def kept_answers(env: dict[str, str]) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "voicecoach", "history", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    (summary,) = json.loads(done.stdout)
    shown = subprocess.run(
        [sys.executable, "-m", "voicecoach", "show", summary["id"], "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    record = json.loads(shown.stdout)
    return [t["answer"]["text"] for t in record["turns"] if t.get("answer")]


@pytest.mark.parametrize("signals", [[signal.SIGTERM], [signal.SIGINT, signal.SIGINT]])
def test_sigterm_or_a_second_ctrl_c_ends_a_long_rendering_within_a_second(
    tmp_path: Path, signals: list[signal.Signals]
) -> None:
    home = tmp_path / "home"
    env = long_home(home)
    answer = str(fixture_wav("patience-1"))
    process = start(env, home, "session", "--answers", answer, "--fast", "--engine", "pocketsphinx")
    wait_for(home, "partner")  # the answer is shown, then the long question is rendered
    time.sleep(0.5)  # well into the rendering
    for number, sig in enumerate(signals):
        if number:
            time.sleep(0.2)
        process.send_signal(sig)
        sent_at = time.monotonic()
    took = stopped_within(process, sent_at)
    err = (home / "stderr.txt").read_text()
    assert took < STOP_WITHIN_S, f"{took:.2f} s"
    assert "Traceback" not in err
    assert "partner" in kept_answers(env)[0]


def wait_until_voicecoach_runs(pid: int) -> None:
    """Until then Ctrl-C interrupts the interpreter's own start-up (its site module), not ours:
    wait for the first library voicecoach loads to be mapped."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while "numpy" not in Path(f"/proc/{pid}/maps").read_text():
        assert time.monotonic() < deadline
        time.sleep(0.005)


@pytest.mark.parametrize("delay", [0.0, 0.2, 0.5, 1.0])
def test_ctrl_c_during_start_up_is_one_line(tmp_path: Path, delay: float) -> None:
    home = tmp_path / "home"
    env = long_home(home)
    answer = str(fixture_wav("patience-1"))
    process = start(env, home, "session", "--answers", answer, "--fast", "--engine", "pocketsphinx")
    wait_until_voicecoach_runs(process.pid)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    sent_at = time.monotonic()
    took = stopped_within(process, sent_at)
    err = (home / "stderr.txt").read_text()
    assert "Traceback" not in err and "Exception" not in err, err
    assert process.returncode in (0, 130), err
    last = err.strip().splitlines()[-1]
    if last.startswith("saved as "):  # the session had begun: it ended politely, answers kept
        assert process.returncode == 130, err
    elif process.returncode != 0:
        assert last == "voicecoach: stopped", err  # one wording, whenever it came
    assert took < 5.0  # a polite stop of a session that had begun says a short goodbye first


PHASE_ENDS_AFTER_A_SIGNAL = {
    "start-up": (
        "with SIGNALS.starting():\n    os.kill(os.getpid(), signal.SIGINT)\nprint('went on')\n"
    ),
    "a finished session": (
        "with SIGNALS.starting():\n"
        "    with SIGNALS.session(lambda: None):\n"
        "        pass\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "print('received', SIGNALS.received)\n"
    ),
}


@pytest.mark.parametrize("phase", list(PHASE_ENDS_AFTER_A_SIGNAL))
def test_a_signal_just_before_a_phase_ends_is_acted_on(phase: str) -> None:
    """The signal reaches the phase's socket; the phase ends before the socket is read."""
    code = "import os, signal\nfrom voicecoach.stop import SIGNALS\n"
    done = subprocess.run(
        [sys.executable, "-c", code + PHASE_ENDS_AFTER_A_SIGNAL[phase]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if phase == "start-up":  # nothing was said or kept yet: the process ends at once
        assert (done.returncode, done.stdout, done.stderr) == (130, "", "voicecoach: stopped\n")
    else:  # the command exits 130 once its session's answers are kept
        assert (done.returncode, done.stdout) == (0, "received 2\n"), done.stderr


def small_files_only() -> None:
    """In the child: every file it writes is cut at 16 kB (a full disk, as the writer sees it)."""
    import resource

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (16_000, 16_000))


def test_a_voice_cache_that_cannot_be_written_does_not_hang_the_session(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "sessions").mkdir(parents=True)
    from tests.virtual_audio import write_mini_home

    write_mini_home(home)
    env = {**os.environ, "VOICECOACH_HOME": str(home)}
    answers = [str(fixture_wav("patience-1")), str(fixture_wav("patience-2"))]
    done = subprocess.run(
        [sys.executable, "-m", "voicecoach", "session", "--answers", *answers, "--fast",
         "--engine", "pocketsphinx", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=small_files_only,  # noqa: PLW1509
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    record = json.loads(done.stdout)
    assert "partner" in record["turns"][0]["answer"]["text"]
    assert not list((home / "cache").rglob("*.wav"))  # nothing half-written in the cache


def spawned_child(parent: int) -> int | None:
    """The pid of ``parent``'s multiprocessing child (the whole-answer decoder), if started."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"multiprocessing" in cmdline:
            return int(entry.name)
    return None


def ignores_sigint(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status").read_text()
    ignored = int(status.split("SigIgn:")[1].split()[0], 16)
    return bool(ignored & (1 << (signal.SIGINT - 1)))


def test_ctrl_c_to_the_whole_group_as_the_decoder_child_starts_is_one_line(
    tmp_path: Path,
) -> None:
    """Ctrl-C at a terminal reaches every process of the group: the whole-answer decoder's
    child, still starting its interpreter, ignores it from its first instant (it printed a
    KeyboardInterrupt traceback from its imports), and the session stops politely."""
    home = tmp_path / "home"
    env = long_home(home)
    answer = str(fixture_wav("patience-1"))
    with (home / "stderr.txt").open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "voicecoach", "session", "--answers", answer, "--fast"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,  # a group of its own, as a terminal's foreground job
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while (child := spawned_child(process.pid)) is None:
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.002)
    born_deaf = ignores_sigint(child)
    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=30)
    err_text = (home / "stderr.txt").read_text()
    assert born_deaf
    assert "Traceback" not in err_text and "Fatal Python error" not in err_text, err_text
    assert process.returncode in (0, 130), err_text
    last = err_text.strip().splitlines()[-1]
    assert last.startswith("saved as ") or last == "voicecoach: stopped", err_text
