"""How the journal scales with years of history.

For N = 10, 400 and 4000 past sessions (one a day, going back from yesterday; 8 turns, answers of
~60 words with word timings) it measures, each on a fresh ``Journal`` object unless said:

- save:    median (and max) time of ``Journal.save()`` after each answer of a new session;
           durable (one append + fdatasync to the session's write-ahead file, whose size
           after all its answers is shown as "run KB");
- floor:   in the same folder just before, a bare append + fdatasync of one such record
           (disk latency varies a lot on shared machines: compare save with this);
- finish:  ``finish()``: the record moves into this month's shard ("month KB") and its
           index entry is updated;
- open:    ``Journal(folder)`` alone;
- list:    ``summaries()`` (what `history`, `stats` and the review list read), first with no
           index on disk ("cold": every shard is read once and indexed), then with it ("warm");
- show:    ``get(id)`` of one session (reads and decodes one month);
- all:     ``records()``: every record decoded in full (`history --json`, `export --all`);
- search:  ``hits(word)`` for a word said in ~1% of answers (what `search` does).

The history is written month by month in the journal's own format (not one ``save()`` per
session) so the whole run stays short. Run: ``python benchmarks/bench_journal.py [N …]``.

``--encrypted`` measures each N twice in the same run: plain, then with an age key, where the
session saves and files with the public key only (as a speaker does, no passphrase) and every
read unlocks the key first; "unlock" (the passphrase's scrypt, about a second by design) is
timed apart and not counted in the other figures.

``--processes N`` instead times whole ``voicecoach`` processes (`history`, `show`, `search`,
and the peak memory of `history --json` and `export --all`) on N sessions, each beside SQLite
doing the same in the same run (see ``journal_processes.py``); ``--tree PATH`` runs the
``voicecoach`` of another checkout on the same data (for before/after figures).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from voicecoach.files import private_folder, write_private  # noqa: E402
from voicecoach.speech.events import EngineInfo, Utterance, Word  # noqa: E402
from voicecoach.store.codec import PLAIN, Codec, register  # noqa: E402
from voicecoach.store.crypto import AgeCodec, JournalKey  # noqa: E402
from voicecoach.store.journal import Journal, month_of  # noqa: E402
from voicecoach.store.monthfile import encode_month  # noqa: E402
from voicecoach.store.records import SessionRecord, Status, Turn  # noqa: E402
from voicecoach.store.stored import encode  # noqa: E402

SIZES = (10, 400, 4000)
TURNS = 8
WORDS_PER_ANSWER = 60
SAMPLE = (
    "i felt worried when you were late and then i remembered that you keep small promises "
    "so i tried to be patient with myself and say what i needed out loud without blaming "
    "anyone it was hard but i noticed a small win today because we talked about boundaries "
    "calmly and i asked for reassurance instead of guessing what you meant"
)
VOCABULARY = tuple(SAMPLE.split())
RARE = "lighthouse"
"""Said in about one answer in a hundred."""


def answer(rng: random.Random, start: float) -> Utterance:
    words, t = [], start
    for _ in range(WORDS_PER_ANSWER):
        length = round(rng.uniform(0.15, 0.6), 2)
        said = RARE if rng.random() < 1 / (100 * WORDS_PER_ANSWER) else rng.choice(VOCABULARY)
        words.append(
            Word(said, round(t, 2), round(t + length, 2), round(rng.uniform(0.55, 1.0), 2))
        )
        t += length + round(rng.uniform(0.02, 0.3), 2)
    return Utterance(" ".join(w.word for w in words), tuple(words), start, words[-1].end)


def turn(rng: random.Random, n: int) -> Turn:
    prompt = f"Question {n}: what did you notice about patience today?"
    return Turn(f"q{n}", prompt, answer(rng, 10.0 + 40 * n), (), (prompt, "Thank you."))


def session(rng: random.Random, started: datetime, status: Status) -> SessionRecord:
    return SessionRecord(
        id=started.strftime("%Y%m%d-%H%M%S-") + f"{rng.getrandbits(16):04x}",
        topic=rng.choice(("patience", "self-compassion", "communication")),
        started_at=started.isoformat(timespec="seconds"),
        engine=EngineInfo("pocketsphinx", "en-us"),
        status=status,
        ended_at=None if status is Status.RUNNING else started.isoformat(timespec="seconds"),
        turns=tuple(turn(rng, n) for n in range(TURNS)) if status is not Status.RUNNING else (),
        mood_before=rng.randint(1, 10),
        mood_after=rng.randint(1, 10),
    )


def fill(folder: Path, count: int, now: datetime, rng: random.Random, codec: Codec = PLAIN) -> int:
    """Write ``count`` past sessions, one shard at a time; returns the bytes on disk."""
    private_folder(folder / "running")
    shards: dict[str, list[dict[str, object]]] = {}
    for day in range(count, 0, -1):
        record = session(rng, now - timedelta(days=day, hours=1), Status.COMPLETED)
        shards.setdefault(month_of(record), []).append(encode(record, codec))
    for month, docs in shards.items():
        write_private(folder / f"{month}.json", encode_month(docs))
    return sum(p.stat().st_size for p in folder.glob("*.json"))


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bare_appends(folder: Path, record: SessionRecord, times: int) -> float:
    """Median seconds of appending the record as a JSON line and fdatasyncing it."""
    line = json.dumps(record.to_record()).encode() + b"\n"
    path = folder / "running" / "floor.tmp"
    spent = []
    for _ in range(times):
        start = time.perf_counter()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.write(fd, line)
        os.fdatasync(fd)
        os.close(fd)
        spent.append(time.perf_counter() - start)
    path.unlink()
    return statistics.median(spent)


PASSPHRASE = "a benchmark passphrase"


def keys(folder: Path) -> tuple[JournalKey, Codec, Codec]:
    """A new key for ``folder``: the key files, the codec that only seals, the one that reads."""
    key = JournalKey(folder)
    identity = key.create(PASSPHRASE)
    return key, AgeCodec(key.recipient()), AgeCodec(key.recipient(), identity)


def measure(count: int, encrypted: bool = False) -> dict[str, float]:
    rng = random.Random(count)
    now = datetime.now().astimezone().replace(microsecond=0)
    repeat = 3 if count < 1000 else 2
    with tempfile.TemporaryDirectory(prefix="bench-journal-") as tmp:
        folder = Path(tmp) / "journal"
        sealer: Codec = PLAIN
        reader: Codec = PLAIN
        unlocks = [0.0]
        if encrypted:
            key, sealer, reader = keys(folder)
            unlocks = [timed(lambda: key.unlock(PASSPHRASE)) for _ in range(repeat)]
        register(reader)
        size = fill(folder, count, now, rng, reader)
        opened = functools.partial(Journal, folder, codec=reader)

        opens = [timed(opened) for _ in range(repeat)]
        cold = []
        for _ in range(repeat):
            shutil.rmtree(folder / "index", ignore_errors=True)
            cold.append(timed(lambda: opened().summaries()))
        warm = [timed(lambda: opened().summaries()) for _ in range(repeat)]
        some_id = opened().summaries()[count // 2].id
        shows = [timed(lambda: opened().get(some_id)) for _ in range(repeat)]
        every = [timed(lambda: opened().records()) for _ in range(repeat)]

        register(sealer)  # the session knows the public key only
        journal = Journal(folder, codec=sealer)
        floor = bare_appends(folder, session(rng, now, Status.COMPLETED), TURNS * 3)
        saves, finishes, run_kb = [], [], 0.0
        for k in range(3):
            record = session(rng, now + timedelta(minutes=k), Status.RUNNING)
            journal.begin(record)
            for n in range(TURNS):
                record = dataclasses.replace(record, turns=record.turns + (turn(rng, n),))
                saves.append(timed(functools.partial(journal.save, record)))
            run_kb = (folder / "running" / f"{record.id}.jsonl").stat().st_size / 1e3
            done = dataclasses.replace(record, status=Status.COMPLETED)
            finishes.append(timed(functools.partial(journal.finish, done)))
        journal.close()

        this_month = (folder / f"{month_of(record)}.json").stat().st_size
        register(reader)
        hits: list[int] = []
        searches = [timed(lambda: hits.append(len(opened().hits(RARE)))) for _ in range(repeat)]
    return {
        "mode": "age" if encrypted else "plain",
        "unlock_s": statistics.median(unlocks),
        "sessions": count,
        "mb": size / 1e6,
        "run_kb": run_kb,
        "month_kb": this_month / 1e3,
        "save_ms": statistics.median(saves) * 1e3,
        "save_max_ms": max(saves) * 1e3,
        "floor_ms": floor * 1e3,
        "finish_ms": statistics.median(finishes) * 1e3,
        "open_ms": statistics.median(opens) * 1e3,
        "cold_s": statistics.median(cold),
        "warm_s": statistics.median(warm),
        "show_s": statistics.median(shows),
        "all_s": statistics.median(every),
        "hits_s": statistics.median(searches),
        "hits": hits[-1],
    }


def processes(count: int, tree: Path) -> None:
    """Whole-process figures at ``count`` sessions, beside SQLite (see journal_processes.py)."""
    import journal_processes as jp

    rng = random.Random(count)
    now = datetime.now().astimezone().replace(microsecond=0)
    records = [
        session(rng, now - timedelta(days=day, hours=1), Status.COMPLETED)
        for day in range(count, 0, -1)
    ]
    with tempfile.TemporaryDirectory(prefix="bench-journal-") as tmp:
        home = Path(tmp) / "home"
        jp.write_format1(home / "journal", records)
        jp.write_sqlite(Path(tmp) / "journal.sqlite", records)
        some_id = records[count // 2].id
        del records
        figures = jp.measure(home, Path(tmp) / "journal.sqlite", tree, some_id, RARE)
    jp.report(count, figures)


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["--processes"]:
        tree = Path(args[args.index("--tree") + 1]) if "--tree" in args else ROOT
        processes(int(args[1]) if len(args) > 1 and args[1].isdigit() else 4000, tree)
        return
    modes = (False, True) if "--encrypted" in args else (False,)
    sizes = tuple(int(a) for a in args if a.isdigit()) or SIZES
    print(
        f"{'mode':>5} {'sessions':>8} {'MB':>6} {'run KB':>6} {'month KB':>8} {'save':>8} "
        f"{'max':>8} {'floor':>8} "
        f"{'finish':>8} {'open':>7} {'list cold':>9} {'warm':>7} {'show':>7} {'all':>7} "
        f"{'search':>7} {'hits':>4} {'unlock':>7}"
    )
    for count in sizes:
        for encrypted in modes:
            r = measure(count, encrypted)
            print(
                f"{r['mode']:>5} {r['sessions']:>8} {r['mb']:>6.1f} {r['run_kb']:>6.0f} "
                f"{r['month_kb']:>8.0f} "
                f"{r['save_ms']:>5.1f} ms {r['save_max_ms']:>5.1f} ms {r['floor_ms']:>5.1f} ms "
                f"{r['finish_ms']:>5.0f} ms "
                f"{r['open_ms']:>4.0f} ms {r['cold_s']:>7.2f} s {r['warm_s']:>5.2f} s "
                f"{r['show_s']:>5.2f} s {r['all_s']:>5.2f} s {r['hits_s']:>5.2f} s "
                f"{r['hits']:>4} {r['unlock_s']:>5.2f} s",
                flush=True,
            )


if __name__ == "__main__":
    main()
