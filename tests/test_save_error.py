"""A session whose journal cannot be written any more (the disk full, as the kernel tells it)
says so aloud and in one line, exits non-zero, and leaves nothing half-written.

The session runs in a process whose files may not grow past a limit (RLIMIT_FSIZE): writes
beyond it fail with EFBIG exactly as they would on a full disk, with no root and no mount.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from tests.conftest import fixture_wav
from tests.test_journal import make_record
from tests.virtual_audio import write_mini_home
from voicecoach.coach.options import PRIVATE
from voicecoach.loop import CANNOT_SAVE, CANNOT_SAVE_PRIVATE, NOT_FILED
from voicecoach.store.journal import Journal
from voicecoach.store.records import Status


def files_limited_to(size: int) -> Callable[[], None]:
    def limit() -> None:  # in the child, before it runs voicecoach
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


def run_limited(
    home: Path, size: int, names: tuple[str, ...] = ("patience-1", "patience-2")
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VOICECOACH_HOME": str(home)}
    answers = [str(fixture_wav(name)) for name in names]
    return subprocess.run(
        [sys.executable, "-m", "voicecoach", "session", "--answers", *answers, "--fast",
         "--engine", "pocketsphinx"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=files_limited_to(size),  # noqa: PLW1509
    )  # fmt: skip


def whole_lines(path: Path) -> list[dict[str, object]]:
    """Every line of a write-ahead file parsed: a half-written one fails here."""
    return [json.loads(line) for line in path.read_bytes().split(b"\n") if line.strip()]


def test_a_full_disk_mid_session_is_said_aloud_in_one_line_and_nothing_is_half_written(
    tmp_path: Path,
) -> None:
    home = write_mini_home(tmp_path / "home")
    done = run_limited(home, 1_500)  # the session begins (~0.5 kB); its first answer does not fit
    err = done.stderr
    assert done.returncode == 1, err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("voicecoach: error:")]
    assert len(errors) == 1 and "cannot save" in errors[0], err
    assert f"coach {CANNOT_SAVE}" in err  # said: shown as the voice says it
    assert "What did you feel?" not in err  # nothing more was asked
    # Every line is the coach's own: none printed by a library it loads (espeak-ng's libpulse
    # writes "ftruncate() failed: File too large" when its files cannot grow).
    ours = ("voicecoach: ", "coach ", "you ", "speaking with ", "listening with ")
    assert [line for line in err.splitlines() if not line.startswith(ours)] == [], err
    (running,) = (home / "journal" / "running").glob("*.jsonl")
    assert len(whole_lines(running)) == 1  # the begin line only, not a part of the answer's
    with Journal(home / "journal") as journal:  # no limit now: the session is closed
        (record,) = journal.records()
        assert not journal.notices
    assert record.status is Status.INTERRUPTED
    assert [t.prompt_id for t in record.turns] in ([], ["one"])


def test_a_full_disk_after_an_answer_keeps_that_answer(tmp_path: Path) -> None:
    home = write_mini_home(tmp_path / "home")
    done = run_limited(home, 3_500)  # room for the first answer (~2.4 kB), not for more
    assert done.returncode == 1, done.stderr
    assert f"coach {CANNOT_SAVE}" in done.stderr
    with Journal(home / "journal") as journal:
        (record,) = journal.records()
    first = record.turns[0].answer
    assert first is not None and "partner" in first.text
    assert record.status is Status.INTERRUPTED


def test_a_full_disk_at_the_start_is_said_aloud_and_leaves_no_session_behind(
    tmp_path: Path,
) -> None:
    home = write_mini_home(tmp_path / "home")
    done = run_limited(home, 200)  # not even the session's first line (~0.5 kB) fits
    err = done.stderr
    assert done.returncode == 1, err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("voicecoach: error:")]
    assert len(errors) == 1 and "cannot save" in errors[0], err
    assert f"coach {CANNOT_SAVE}" in err
    assert "What happened?" not in err  # no question is asked of a session that cannot save
    assert not list((home / "journal" / "running").iterdir())  # no empty file, no lock
    with Journal(home / "journal") as journal:
        assert journal.records() == [] and not journal.notices


def test_a_full_disk_in_a_private_session_does_not_say_words_were_kept(tmp_path: Path) -> None:
    home = write_mini_home(tmp_path / "home")
    done = run_limited(home, 1_600, ("cmd-private-session", "patience-1", "patience-2"))
    err = done.stderr
    assert done.returncode == 1, err
    assert f"coach {PRIVATE}" in err  # private: the first answer's save (a line more) fails
    assert f"coach {CANNOT_SAVE_PRIVATE}" in err and CANNOT_SAVE not in err, err
    assert "What did you feel?" not in err
    (running,) = (home / "journal" / "running").glob("*.jsonl")
    assert b"partner" not in running.read_bytes()


def test_a_session_that_cannot_be_filed_after_its_goodbye_says_so_without_a_second_goodbye(
    tmp_path: Path,
) -> None:
    """The questions are answered and the goodbye said; only the month file, which holds the
    month's earlier sessions too, cannot grow: the coach does not say it stops "here", it says
    the session was not filed, and the answers are found as an interrupted session."""
    home = write_mini_home(tmp_path / "home")
    now = datetime.now().astimezone()
    earlier = make_record(
        sid=now.strftime("%Y%m%d-000000-aa11"),
        started=now.replace(hour=0, minute=0, second=0, microsecond=0).isoformat(),
        turns=60,
    )
    with Journal(home / "journal") as journal:
        journal.begin(earlier)
        journal.finish(replace(earlier, status=Status.COMPLETED))
    (month,) = (home / "journal").glob("*.json")
    # the session's write-ahead file (~12.5 kB) fits; the month file with it added does not
    limit = max(month.stat().st_size + 1_000, 14_000)
    done = run_limited(home, limit)
    err = done.stderr
    assert done.returncode == 1, err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert "coach Goodbye." in lines, err  # the closing ran: every answer was saved
    assert f"coach {NOT_FILED}" in lines and f"coach {CANNOT_SAVE}" not in lines, err
    assert lines.index(f"coach {NOT_FILED}") > lines.index("coach Goodbye.")
    errors = [line for line in lines if line.startswith("voicecoach: error:")]
    assert len(errors) == 1 and "cannot save" in errors[0], err
    with Journal(home / "journal") as journal:  # no limit now: the session is filed
        records = {r.id: r for r in journal.records()}
    assert earlier.id in records and len(records) == 2
    (filed,) = (r for r in records.values() if r.id != earlier.id)
    assert filed.status is Status.INTERRUPTED
    assert [t.prompt_id for t in filed.turns] == ["one", "two"]
    assert all(t.answer is not None and t.answer.text for t in filed.turns)
