"""Search through a month's index file: the answers found are exactly those holding every word,
each with its whole session, whether the month's summaries were made or not."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from tests.test_journal import make_record, make_turn
from voicecoach.store.index import SummaryIndex, build
from voicecoach.store.records import Status
from voicecoach.store.summary import SearchHit, SessionSummary, says_all, search_words, summarize

WORDS = ("worried", "late", "promise", "kept", "calm", "Patient", "약속", "ｗide", "x")


def _month(seed: int) -> list[SessionSummary]:
    rng = random.Random(seed)
    summaries = []
    for n in range(12):
        turns = tuple(
            make_turn(t, " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 5))))
            for t in range(rng.randint(0, 4))
        )
        record = make_record(f"20261101-0{n:02d}000-ab{n:02d}", turns=0, status=Status.COMPLETED)
        summaries.append(summarize(dataclasses.replace(record, turns=turns)))
    return summaries


def _expected(summaries: list[SessionSummary], query: str) -> list[SearchHit]:
    words = search_words(query)
    return [SearchHit(s, a) for s in summaries for a in s.answers if says_all(a.text, words)]


@pytest.mark.parametrize("seed", range(6))
def test_hits_from_the_index_file_are_every_answer_holding_every_word(
    tmp_path: Path, seed: int
) -> None:
    summaries = _month(seed)
    index = SummaryIndex(tmp_path)
    index.store("2026-11", (1, 2, 3, 4), build(summaries))
    queries = ["worried", "late worried", "PROMISE kept", "약속", "x", "wide", "nothing", "a"]
    for query in queries:
        read = SummaryIndex(tmp_path).load("2026-11", (1, 2, 3, 4))  # summaries not made
        assert read is not None
        expected = _expected(summaries, query)
        assert read.hits(search_words(query)) == expected, query
        assert build(summaries).hits(search_words(query)) == expected, query
    assert any(_expected(summaries, q) for q in queries)
