"""Whole `voicecoach` processes on a big journal, each beside SQLite doing the same in the same run.

Used by ``bench_journal.py --processes``. The journal is written as the format-1 files older
versions wrote (flat records, the whole month on one line), so the same data serves a checkout
of any version (``--tree PATH`` runs that checkout's ``voicecoach``); a current checkout turns
them into its own format on the first command, which is not timed. The same records go into an
SQLite file: a table of sessions (the record as JSON) and an FTS5 table of answers.

For each command: wall time of the whole process (median of ``RUNS``; it includes a small
launcher's start, the same for both sides) and its peak resident memory, stdout sent to
/dev/null.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from voicecoach.store.records import SessionRecord

RUNS = 11

SQLITE_SCHEMA = """
create table sessions (id text primary key, topic text, started_at text, ended_at text,
                       status text, doc text);
create index sessions_started on sessions (started_at);
create virtual table answers using fts5 (session_id unindexed, turn unindexed, text);
"""

SQLITE_QUERIES = {
    "history": (
        "import sqlite3, sys\n"
        "con = sqlite3.connect(sys.argv[1])\n"
        "rows = con.execute('select id, started_at, topic, ended_at, status from sessions "
        "order by started_at desc limit 20').fetchall()\n"
        "for row in reversed(rows): print(*row)\n"
    ),
    "show": (
        "import json, sqlite3, sys\n"
        "con = sqlite3.connect(sys.argv[1])\n"
        "(doc,) = con.execute('select doc from sessions where id = ?', (sys.argv[2],)).fetchone()\n"
        "print(json.dumps(json.loads(doc), indent=2))\n"
    ),
    "search": (
        "import sqlite3, sys\n"
        "con = sqlite3.connect(sys.argv[1])\n"
        "for row in con.execute('select session_id, turn, text from answers "
        "where answers match ? order by session_id', (sys.argv[2],)): print(*row)\n"
    ),
    "history --json": (
        "import sqlite3, sys\n"
        "con = sqlite3.connect(sys.argv[1])\n"
        "out = sys.stdout\n"
        "out.write('[')\n"
        "for n, (doc,) in enumerate(con.execute('select doc from sessions order by started_at')):\n"
        "    out.write((',\\n' if n else '\\n') + doc)\n"
        "out.write('\\n]\\n')\n"
    ),
}
SQLITE_QUERIES["export --all"] = SQLITE_QUERIES["history --json"]


def write_format1(folder: Path, records: Iterable[SessionRecord]) -> None:
    """The records as format-1 month files (what every version reads)."""
    from voicecoach.store.stored import month_of

    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    months: dict[str, dict[str, object]] = {}
    for record in records:
        docs = months.setdefault(month_of(record), {})
        docs[str(len(docs) + 1)] = record.to_record()
    for month, docs in months.items():
        doc = {"meta": {"1": {"schema": 1}}, "sessions": docs}
        path = folder / f"{month}.json"
        path.write_text(json.dumps(doc, ensure_ascii=False))
        os.chmod(path, 0o600)


def write_sqlite(path: Path, records: Iterable[SessionRecord]) -> None:
    con = sqlite3.connect(path)
    con.executescript(SQLITE_SCHEMA)
    for record in records:
        con.execute(
            "insert into sessions values (?, ?, ?, ?, ?, ?)",
            (
                record.id,
                record.topic,
                record.started_at,
                record.ended_at,
                record.status.value,
                json.dumps(record.to_record(), ensure_ascii=False),
            ),
        )
        con.executemany(
            "insert into answers values (?, ?, ?)",
            [
                (record.id, n, turn.answer.text)
                for n, turn in enumerate(record.turns, start=1)
                if turn.answer is not None
            ],
        )
    con.commit()
    con.close()


LAUNCHER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)
"""Runs one command and prints its peak RSS (KB): a small process forks it, so the figure is
the command's own, not this benchmark's memory copied at fork."""


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one process; its output is thrown away."""
    start = time.perf_counter()
    done = subprocess.run(  # not run from a checkout: `-m` would import the one there
        [sys.executable, "-c", LAUNCHER, *argv],
        env=env,
        capture_output=True,
        text=True,
        cwd=env["VOICECOACH_HOME"],
    )
    spent = time.perf_counter() - start
    lines = done.stderr.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr.strip()[-300:]}")
    return spent, int(lines[-1]) / 1024


def measure(
    home: Path, database: Path, tree: Path, some_id: str, word: str
) -> dict[str, tuple[float, float, float, float]]:
    """For each command: (voicecoach s, voicecoach MB, SQLite s, SQLite MB), medians."""
    env = {**os.environ, "VOICECOACH_HOME": str(home), "PYTHONPATH": str(tree)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: byte code cached
    ours = [sys.executable, "-m", "voicecoach"]
    commands = {
        "history": [*ours, "history"],
        "show": [*ours, "show", some_id],
        "search": [*ours, "search", word],
        "history --json": [*ours, "history", "--json"],
        "export --all": [*ours, "export", "--all", "--format", "json"],
    }
    run([*ours, "search", word], env)  # every month read once: converted (now) and indexed
    out = {}
    for name, argv in commands.items():
        extra = {"show": [some_id], "search": [word]}.get(name, [])
        sql = [sys.executable, "-c", SQLITE_QUERIES[name], str(database), *extra]
        times = 1 if "--" in name else RUNS
        mine = [run(argv, env) for _ in range(times)]
        theirs = [run(sql, env) for _ in range(times)]
        out[name] = (
            statistics.median(t for t, _ in mine),
            max(m for _, m in mine),
            statistics.median(t for t, _ in theirs),
            max(m for _, m in theirs),
        )
    return out


def report(count: int, figures: dict[str, tuple[float, float, float, float]]) -> None:
    print(f"\nwhole processes at {count} sessions (median of {RUNS}; --json/--all once):")
    print(f"{'command':>16} {'voicecoach':>11} {'peak':>8} {'SQLite':>8} {'peak':>8} {'ratio':>6}")
    for name, (ours, ours_mb, sql, sql_mb) in figures.items():
        print(
            f"{name:>16} {ours:>9.2f} s {ours_mb:>5.0f} MB {sql:>6.2f} s {sql_mb:>5.0f} MB "
            f"{ours / sql:>5.1f}×"
        )
