"""`history`, `show` and `search` on a real journal, damaged files and `keep_days` at start-up."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from tests.conftest import CliResult, fixture_wav
from tests.test_journal import make_record, make_turn
from voicecoach.speech.events import Utterance, Word
from voicecoach.store.journal import Journal
from voicecoach.store.records import SessionRecord, Status

Cli = Callable[..., CliResult]


def kept(home: Path, *records: SessionRecord) -> Journal:
    journal = Journal(home / "journal")
    for record in records:
        journal.save(record)
    return journal


def finished(sid: str, started: str, topic: str = "patience", text: str = "") -> SessionRecord:
    record = dataclasses.replace(
        make_record(sid, started, turns=2, status=Status.COMPLETED), topic=topic
    )
    if text:
        record = dataclasses.replace(record, turns=(*record.turns, make_turn(2, text)))
    return record


A = finished("20261020-080000-aaaa", "2026-10-20T08:00:00+02:00", "communication")
B = finished("20261101-210000-bbbb", "2026-11-01T21:00:00+01:00", text="A small Promise kept")
C = finished("20261126-203000-cccc", "2026-11-26T20:30:00+01:00", "self-compassion")


def test_history_lists_and_filters(home: Path, cli: Cli) -> None:
    kept(home, C, A, B)
    listed = cli("history")
    assert listed.code == 0
    rows = [line for line in listed.out.splitlines() if line.startswith("2026")]
    assert [r.split()[0] for r in rows] == [A.id, B.id, C.id]
    assert "communication" in rows[0] and "completed" in rows[0]

    def ids(*args: str) -> list[str]:
        result = cli("history", "--json", *args)
        assert result.code == 0, result.err
        return [r["id"] for r in result.json()]

    assert ids() == [A.id, B.id, C.id]
    assert ids("--topic", "patience") == [B.id]
    assert ids("--since", "2026-11-01") == [B.id, C.id]
    assert ids("--until", "2026-11-01") == [A.id, B.id]
    assert ids("--since", "2026-10-21", "--until", "2026-11-25") == [B.id]
    assert ids("--since", "0001-01-01", "--until", "9999-12-31") == [A.id, B.id, C.id]
    assert ids("--until", "9999-11-30") == [A.id, B.id, C.id]
    assert ids("--search", "PROMISE") == [B.id]
    none = cli("history", "--topic", "small-wins")  # a practice with no session yet
    assert none.code == 0 and none.err.strip() == "No sessions match.", none.err


def test_history_of_an_unknown_practice_is_the_error_session_gives(home: Path, cli: Cli) -> None:
    gone = finished("20261102-090000-dddd", "2026-11-02T09:00:00+01:00", "juggling")
    kept(home, A, gone).close()
    session = cli("session", "patiense", "--fast")
    assert session.code == 1, session.err
    (line,) = session.err.splitlines()
    assert line.startswith("voicecoach: error: unknown topic 'patiense'; did you mean patience?")
    assert "small-wins" in line
    for args in (("--topic", "patiense"), ("--topic", "patiense", "--json")):
        misspelt = cli("history", *args)
        assert (misspelt.code, misspelt.out, misspelt.err) == (1, "", session.err), args
    listed = cli("history", "--topic", "juggling")  # its script is gone; its sessions are kept
    assert listed.code == 0 and gone.id in listed.out and A.id not in listed.out, listed.err


def test_history_json_is_show_json_oldest_first(home: Path, cli: Cli) -> None:
    kept(home, B, A)
    listed = cli("history", "--json").json()
    assert listed == [cli("show", r, "--json").json() for r in (A.id, B.id)]
    assert listed[0] == A.to_record()


def test_bad_dates_are_one_clear_line(home: Path, cli: Cli) -> None:
    result = cli("history", "--since", "last tuesday")
    assert result.code == 2
    assert result.err.strip() == (
        "voicecoach: error: --since: expected a date like 2026-11-26, got 'last tuesday'"
    )


def test_a_since_after_the_until_is_one_clear_line(home: Path, cli: Cli) -> None:
    result = cli("history", "--since", "2026-12-02", "--until", "2026-12-01")
    assert result.code == 2
    assert result.err.strip() == (
        "voicecoach: error: --since 2026-12-02 is after --until 2026-12-01: no day is in both"
    )


def test_empty_journal(home: Path, cli: Cli) -> None:
    result = cli("history")
    assert (result.code, result.out) == (0, "")
    assert "No sessions yet" in result.err
    assert cli("history", "--json").json() == []
    assert cli("search", "x", "--json").json() == []


def test_show_prints_the_whole_conversation(home: Path, cli: Cli) -> None:
    record = dataclasses.replace(
        B,
        ended_at="2026-11-01T21:06:00+01:00",
        opening_lines=("Welcome back.",),
        closing_lines=("Goodbye for now.",),
        turns=(
            dataclasses.replace(B.turns[0], coach_lines=("Question 0?", "Thank you.")),
            dataclasses.replace(B.turns[1], answer=None, events=("no-answer", "skip")),
        ),
    )
    kept(home, record)
    result = cli("show", B.id[:12])
    assert result.code == 0, result.err
    lines = [line.rstrip() for line in result.out.splitlines() if line.strip()]
    assert lines[:3] == [
        "patience · 2026-11-01 21:00 · completed · 6 min · mood 4→?",
        B.id,
        "coach Welcome back.",
    ]
    assert lines[3:] == [
        "coach Question 0?",
        "you   I was patient with myself when the plan changed",
        "coach Thank you.",
        "coach Question 1?",
        "you   (no answer)",
        "      skipped",
        "coach Thank you.",
        "coach Goodbye for now.",
    ]
    assert cli("show", "nope").err.strip() == (
        "voicecoach: error: no session with id nope; see `voicecoach history`"
    )


def test_show_leaves_out_a_question_the_coach_never_said(home: Path, cli: Cli) -> None:
    """ "stop" said over the coach's reply: the next question was never said, so `show` does
    not print it as said (it did, from the turn's prompt); a question asked again is shown
    as it was said."""
    goodbye = "All right, let's end here. What you said is saved. Take care."
    again = "Let me ask again. Question 0?"
    record = dataclasses.replace(
        B,
        opening_lines=(),
        closing_lines=(),
        turns=(
            dataclasses.replace(B.turns[0], coach_lines=("Question 0?", again, "Thank you.")),
            dataclasses.replace(
                B.turns[1], answer=None, events=("command:stop",), coach_lines=(goodbye,)
            ),
        ),
    )
    kept(home, record)
    result = cli("show", B.id)
    assert result.code == 0, result.err
    lines = [line.rstrip() for line in result.out.splitlines() if line.strip()][2:]
    assert lines == [
        "coach Question 0?",
        f"coach {again}",
        "you   I was patient with myself when the plan changed",
        "coach Thank you.",
        "you   (no answer)",
        "      said: stop",
        f"coach {goodbye}",
    ]


def test_unsure_words_are_dimmed() -> None:
    from voicecoach.review.views import UNSURE_BELOW, answer_text

    words = (Word("i", 0.0, 0.1, 0.95), Word("felt", 0.2, 0.4, 0.31), Word("calm", 0.5, 0.8, 0.6))
    text = answer_text(Utterance("i felt calm", words, 0.0, 0.8))
    assert text.plain == "i felt calm"
    dim = [text.plain[s.start : s.end] for s in text.spans if s.style == "dim"]
    assert dim == ["felt"] and UNSURE_BELOW == 0.6
    console = Console(force_terminal=True, color_system="standard", width=40)
    with console.capture() as captured:
        console.print(text)
    assert "\x1b[2mfelt\x1b[0m" in captured.get()


def test_search_finds_answers(home: Path, cli: Cli) -> None:
    kept(home, A, B, C)
    hits = cli("search", "promise", "--json").json()
    assert hits == [
        {
            "id": B.id,
            "started_at": B.started_at,
            "topic": "patience",
            "turn": 3,
            "prompt_id": "q2",
            "prompt": "Question 2?",
            "answer": "A small Promise kept",
        }
    ]
    plain = cli("search", "Promise")
    assert B.id in plain.out and "A small Promise kept" in plain.out
    assert len(cli("search", "patient", "--json").json()) == 6
    assert cli("search", "zebra").err.strip() == "Nothing found for 'zebra'."
    assert cli("search", "  ").code == 2


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (lambda raw: raw[:100], "it was cut short"),
        (lambda raw: b"", "the file is empty"),
        (lambda raw: bytes(range(256)), "not valid JSON"),
        (lambda raw: b'["a list"]', "not a TinyDB database"),
    ],
    ids=["truncated", "emptied", "random bytes", "wrong shape"],
)
def test_a_damaged_journal_is_one_clear_line_and_the_rest_is_kept(
    home: Path, cli: Cli, damage: Callable[[bytes], bytes], why: str
) -> None:
    kept(home, A, B)
    kept(home, C)  # a second write of November: its .bak holds B alone
    shard = home / "journal" / "2026-11.json"
    shard.write_bytes(damage(shard.read_bytes()))
    result = cli("history", "--json")
    assert result.code == 0
    assert [r["id"] for r in result.json()] == [A.id, B.id]
    (line,) = result.err.splitlines()
    (aside,) = (home / "journal").glob("2026-11.json.corrupt-*")
    assert line == (
        f"voicecoach: warning: journal/2026-11.json is damaged ({why}); 0 sessions read from "
        "it, 1 more from "
        f"2026-11.json.bak; the damaged file is kept as {aside.name}"
    )
    again = cli("history", "--json")
    assert again.err == "" and len(again.json()) == 2
    assert cli("show", C.id).err.strip() == (
        f"voicecoach: error: no session with id {C.id}; see `voicecoach history`"
    )


def test_keep_days_erases_old_sessions_at_start_up(
    home: Path, cli: Cli, caplog: pytest.LogCaptureFixture
) -> None:
    now = datetime.now().astimezone().replace(microsecond=0)
    old = finished("old-1", (now - timedelta(days=40)).isoformat(), text="an old secret")
    older = finished("old-2", (now - timedelta(days=400)).isoformat())
    recent = finished("recent", (now - timedelta(days=2)).isoformat())
    kept(home, old, older, recent)
    audio = home / "journal" / "audio" / "old-1"
    audio.mkdir(parents=True)
    (audio / "1.wav").write_bytes(b"RIFF")
    (home / "config.toml").write_text("[journal]\nkeep_days = 30\n")
    with caplog.at_level(logging.INFO, logger="voicecoach.store.retention"):
        result = cli("history", "--json")
    assert [r["id"] for r in result.json()] == ["recent"]
    assert result.err.strip() == "erased 2 sessions older than 30 days ([journal] keep_days)"
    assert [r.getMessage() for r in caplog.records] == [
        "removed 2 session(s) older than 30 days ([journal] keep_days)"
    ]
    assert not audio.exists()
    for path in (home / "journal").rglob("*.json*"):
        assert b"an old secret" not in path.read_bytes(), path
    assert cli("history").err == ""


def test_search_is_not_stopped_by_punctuation_or_apostrophes(home: Path, cli: Cli) -> None:
    fault = finished("20261102-210000-fault", "2026-11-02T21:00:00+01:00", text="it's all my fault")
    know = finished("20261103-210000-know", "2026-11-03T21:00:00+01:00", text="i don’t know")
    kept(home, A, fault, know).close()
    for needle, found in (
        ("FAULT!", fault), ("dont", know), ("don't", know), ("DON’T know.", know),
        ("its", fault), ('"all, my"', fault),
    ):  # fmt: skip
        hits = cli("search", needle, "--json").json()
        assert [h["id"] for h in hits] == [found.id], needle
        listed = cli("history", "--search", needle, "--json").json()
        assert [r["id"] for r in listed] == [found.id], needle
    several = cli("search", "ALL", "my", "fault!", "--json")  # several words, without quotes
    assert several.code == 0 and [h["id"] for h in several.json()] == [fault.id], several.err
    apart = cli("search", "fault!", "dont")  # every word in one answer: none has both
    assert apart.code == 0 and apart.err == "Nothing found for 'fault! dont'.\n"
    assert cli("search", "--json").code == 2
    refused = cli("search", "!?")  # no word in it at all
    assert refused.code == 2 and "give some words" in refused.err
    refused = cli("history", "--search", "...")
    assert refused.code == 2 and "--search: give some words" in refused.err


def test_a_month_of_a_newer_voicecoach_leaves_the_others_listed(home: Path, cli: Cli) -> None:
    kept(home, A, B, C).close()
    month = home / "journal" / "2026-10.json"  # A's
    month.write_bytes(month.read_bytes().replace(b'"format": 2', b'"format": 3', 1))
    before = month.read_bytes()
    warning = (
        "voicecoach: warning: journal/2026-10.json was written by a newer voicecoach: its file "
        "format is 3, and this one reads up to 2; upgrade voicecoach to read it (its sessions "
        "are left out)"
    )
    listed = cli("history")
    assert listed.code == 0 and listed.err.splitlines() == [warning]  # told once
    assert [ln.split()[0] for ln in listed.out.splitlines() if ln.startswith("2026")] == [
        B.id,
        C.id,
    ]
    every = cli("history", "--json")
    assert every.code == 0 and every.err.splitlines() == [warning]
    assert [r["id"] for r in every.json()] == [B.id, C.id]
    exported = cli("export", "--all", "--format", "json")
    assert exported.code == 0 and exported.err.splitlines() == [warning]
    assert [r["id"] for r in exported.json()] == [B.id, C.id]
    found = cli("search", "promise", "--json")
    assert found.code == 0 and found.err.splitlines() == [warning]
    assert [h["id"] for h in found.json()] == [B.id]
    figures = cli("stats", "--json")
    assert figures.code == 0 and figures.err.splitlines() == [warning]
    assert figures.json()["sessions"] == 2
    assert month.read_bytes() == before  # never rewritten
    error = warning.replace("warning", "error").removesuffix(" (its sessions are left out)")
    refused = cli("show", A.id)  # what needs that month still says why, in one line
    assert refused.code == 1 and refused.err.splitlines() == [error]
    for args in (("--before", "2026-12-01"), ("--all",), (A.id,)):  # erasing leaves nothing
        refused = cli("forget", *args, "--yes")
        assert (refused.code, refused.out) == (1, ""), args
        assert refused.err.splitlines() == [f"{error}, then run forget again; nothing was erased"]
    assert [s["id"] for s in cli("history", "--json").json()] == [B.id, C.id]
    assert month.read_bytes() == before

    for other in (home / "journal").glob("2026-11.json*"):  # only that month left
        other.unlink()
    nothing = cli("export", "--all")  # nothing this voicecoach can read: not "empty"
    assert (nothing.code, nothing.out, nothing.err.splitlines()) == (1, "", [error])
    for args in (("search", "promise"), ("stats",), ("history",)):
        told = cli(*args)
        assert told.code == 0 and warning in told.err.splitlines(), args


def test_an_empty_session_id_is_refused_in_one_line(home: Path, cli: Cli) -> None:
    kept(home, A).close()
    for command in ("show", "export", "forget"):
        for empty in ("", "  "):
            refused = cli(command, empty, "--yes") if command == "forget" else cli(command, empty)
            assert refused.code == 2 and refused.out == "", (command, empty)
            assert refused.err.splitlines() == [
                f"voicecoach: error: {command}: the session id is empty; `voicecoach history` "
                "lists them"
            ]
    assert [r["id"] for r in cli("history", "--json").json()] == [A.id]


def test_keep_days_leaves_a_newer_voicecoachs_month_and_tidies_on(home: Path, cli: Cli) -> None:
    """A month a newer voicecoach wrote stopped `[journal] keep_days` and with it every session
    and `show`; now it is left as it is, told once, and the rest goes on."""
    now = datetime.now().astimezone()

    def at(days_ago: int, tag: str) -> SessionRecord:
        when = (now - timedelta(days=days_ago)).replace(microsecond=0)
        return finished(f"{when:%Y%m%d-%H%M%S}-{tag}", when.isoformat())

    newer, expired, recent = at(120, "nnnn"), at(70, "eeee"), at(1, "rrrr")
    kept(home, newer, expired, recent).close()
    month = home / "journal" / f"{newer.started_at[:7]}.json"
    assert month.name != f"{expired.started_at[:7]}.json"
    month.write_bytes(month.read_bytes().replace(b'"format": 2', b'"format": 3', 1))
    before = month.read_bytes()
    (home / "config.toml").write_text("[journal]\nkeep_days = 30\n")
    warning = (
        f"voicecoach: warning: journal/{month.name} was written by a newer voicecoach: its "
        "file format is 3, and this one reads up to 2; upgrade voicecoach to read it ([journal] "
        "keep_days leaves its sessions as they are)"
    )
    shown = cli("show", recent.id)
    assert shown.code == 0, shown.err
    assert warning in shown.err.splitlines()
    assert "erased 1 session older than 30 days ([journal] keep_days)" in shown.err
    assert cli("show", expired.id).code != 0  # erased
    session = cli("session", "patience", "--fast", "--answers", fixture_wav("patience-1"))
    assert session.code == 0, session.err
    assert warning in session.err.splitlines()
    assert month.read_bytes() == before  # never rewritten
