"""How the journal scales with years of history.

For N = 10, 400 and 4000 past sessions (one a day, going back from yesterday; 8 turns, answers of
~60 words with word timings) it measures:

- save:   median time of ``Journal.save()`` after each answer of a new session started now;
          each is durable (temp file, fsync, rename, directory fsync) and rewrites one shard,
          this month's ("month KB");
- open:   ``Journal(folder)`` + ``records()`` on a fresh object (parses and decodes everything);
- search: ``search(word)`` on an open journal, case-insensitive over every answer.

The history is written shard by shard through ``AtomicJSONStorage`` (not one ``save()`` per
session) so the whole run stays short. Run: ``python benchmarks/bench_journal.py``.
"""

from __future__ import annotations

import dataclasses
import functools
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voicecoach.speech.events import Utterance, Word  # noqa: E402
from voicecoach.store.journal import META_TABLE, SESSIONS_TABLE, Journal, month_of  # noqa: E402
from voicecoach.store.records import (  # noqa: E402
    SCHEMA_VERSION,
    EngineInfo,
    SessionRecord,
    Status,
    Turn,
)
from voicecoach.store.storage import AtomicJSONStorage  # noqa: E402

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


def answer(rng: random.Random, start: float) -> Utterance:
    words, t = [], start
    for _ in range(WORDS_PER_ANSWER):
        length = round(rng.uniform(0.15, 0.6), 2)
        words.append(Word(rng.choice(VOCABULARY), round(t, 2), round(t + length, 2),
                          round(rng.uniform(0.55, 1.0), 2)))
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


def fill(folder: Path, count: int, now: datetime, rng: random.Random) -> int:
    """Write ``count`` past sessions, one shard at a time; returns the bytes on disk."""
    Journal(folder).close()  # creates the folder with its modes
    shards: dict[str, dict[str, dict[str, object]]] = {}
    for day in range(1, count + 1):
        record = session(rng, now - timedelta(days=day, hours=1), Status.COMPLETED)
        docs = shards.setdefault(month_of(record), {})
        docs[str(len(docs) + 1)] = record.to_record()
    for month, docs in shards.items():
        storage = AtomicJSONStorage(folder / f"{month}.json")
        storage.write({META_TABLE: {"1": {"schema": SCHEMA_VERSION}}, SESSIONS_TABLE: docs})
    return sum(p.stat().st_size for p in folder.glob("*.json"))


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(count: int) -> dict[str, float]:
    rng = random.Random(count)
    now = datetime.now().astimezone().replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="bench-journal-") as tmp:
        folder = Path(tmp) / "journal"
        size = fill(folder, count, now, rng)

        opens = [timed(lambda: Journal(folder).records()) for _ in range(3 if count < 1000 else 2)]

        journal = Journal(folder)
        saves = []
        for k in range(3):
            record = session(rng, now + timedelta(minutes=k), Status.RUNNING)
            journal.begin(record)
            for n in range(TURNS):
                record = dataclasses.replace(record, turns=record.turns + (turn(rng, n),))
                saves.append(timed(functools.partial(journal.save, record)))
            journal.finish(dataclasses.replace(record, status=Status.COMPLETED))

        this_month = (folder / f"{month_of(record)}.json").stat().st_size
        hits: list[int] = []
        searches = [timed(lambda: hits.append(len(journal.search("Promises"))))
                    for _ in range(5)]
        journal.close()
    return {
        "sessions": count,
        "mb": size / 1e6,
        "month_kb": this_month / 1e3,
        "save_ms": statistics.median(saves) * 1e3,
        "save_max_ms": max(saves) * 1e3,
        "open_s": statistics.median(opens),
        "search_ms": statistics.median(searches) * 1e3,
        "hits": hits[-1],
    }


def main() -> None:
    print(f"{'sessions':>8} {'MB':>7} {'month KB':>9} {'save median':>12} {'save max':>9} "
          f"{'open+records':>13} {'search':>9} {'hits':>6}")
    for count in SIZES:
        r = measure(count)
        print(f"{r['sessions']:>8} {r['mb']:>7.1f} {r['month_kb']:>9.0f} {r['save_ms']:>9.1f} ms "
              f"{r['save_max_ms']:>6.1f} ms {r['open_s']:>11.2f} s "
              f"{r['search_ms']:>6.1f} ms {r['hits']:>6}")


if __name__ == "__main__":
    main()
