"""The review app, driven headless by Textual's pilot at 80×24: open, select, search, delete,
export, play."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import stat
import unicodedata
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, ListView, Static

from tests.conftest import CliResult
from tests.test_journal import make_turn
from tests.test_journal_cli import A, B, C, kept
from voicecoach.review.app import ConfirmScreen, ExportScreen, ReviewApp, TurnItem
from voicecoach.speech.events import Utterance, Word
from voicecoach.store.audio import load_answer, wav_bytes
from voicecoach.store.journal import Journal
from voicecoach.store.records import SessionRecord

Scenario = Callable[[ReviewApp, Pilot[None]], Awaitable[None]]


def journal_with(folder: Path, *records: SessionRecord) -> Journal:
    journal = Journal(folder)
    for record in records:
        journal.save(record)
    return journal


def drive(app: ReviewApp, scenario: Scenario) -> None:
    """Run the app headless in an 80×24 terminal through ``scenario``."""

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await scenario(app, pilot)

    asyncio.run(asyncio.wait_for(run(), timeout=60))


def shown(app: ReviewApp) -> str:
    """The conversation pane as plain text."""
    console = Console(width=76, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    for item in app.query_one("#conversation", ListView).query(TurnItem):
        console.print(item.query_one(Static).content)
    console.file.close()
    return console.export_text()


def rows(app: ReviewApp) -> int:
    return app.query_one("#sessions", DataTable).row_count


def test_open_and_select(tmp_path: Path) -> None:
    app = ReviewApp(journal_with(tmp_path / "journal", A, B, C), export_dir=tmp_path)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        assert rows(app) == 3
        assert app.record is not None and app.record.id == C.id  # the newest, at the bottom
        assert "self-compassion · 2026-11-26 20:30 · completed" in shown(app)
        assert "you   I was patient with myself when the plan changed" in shown(app)
        assert app.query_one("#status", Static).content == "3 sessions"
        await pilot.press("up")
        await pilot.pause()
        assert app.record is not None and app.record.id == B.id
        assert "A small Promise kept" in shown(app)
        conversation = app.query_one("#conversation", ListView)
        assert conversation.size.height >= 10 and conversation.size.width == 80

    drive(app, scenario)


def test_search_filters_and_marks(tmp_path: Path) -> None:
    app = ReviewApp(journal_with(tmp_path / "journal", A, B, C), export_dir=tmp_path)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        await pilot.press("slash")
        assert app.focused is app.query_one("#search", Input)
        await pilot.press(*"PROMISE", "enter")
        await pilot.pause()
        assert rows(app) == 1
        assert app.record is not None and app.record.id == B.id
        assert app.query_one("#status", Static).content == "1 session with “PROMISE”"
        await pilot.press("escape")
        await pilot.pause()
        assert rows(app) == 3 and app.needle is None
        assert app.record is not None and app.record.id == B.id  # still the one chosen

    drive(app, scenario)


def test_search_needs_every_word_and_any_unicode_form(tmp_path: Path) -> None:
    said = "I worried about money 인내심"
    both = dataclasses.replace(A, turns=(*A.turns, make_turn(2, said)))
    apart = dataclasses.replace(C, turns=(*C.turns, make_turn(2, "money"), make_turn(3, "worried")))
    app = ReviewApp(journal_with(tmp_path / "journal", both, B, apart), export_dir=tmp_path)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        await pilot.press("slash")
        await pilot.press(*"money worried", "enter")
        await pilot.pause()
        assert rows(app) == 1
        assert app.record is not None and app.record.id == A.id
        await pilot.press("escape")
        await pilot.pause()
        app.needle = unicodedata.normalize("NFD", "인내심")
        await app.load_sessions()
        await pilot.pause()
        assert rows(app) == 1 and app.record is not None and app.record.id == A.id

    drive(app, scenario)


def test_delete_asks_then_erases(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    app = ReviewApp(journal_with(folder, A, B, C), export_dir=tmp_path)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        await pilot.press("up", "d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert rows(app) == 3
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert rows(app) == 2
        assert app.record is not None and app.record.id == C.id  # the next one is shown

    drive(app, scenario)
    assert [s.id for s in Journal(folder).summaries()] == [A.id, C.id]


def test_export_the_shown_session(tmp_path: Path) -> None:
    app = ReviewApp(journal_with(tmp_path / "journal", A, B), export_dir=tmp_path)
    old = os.umask(0)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        box = app.screen.query_one("#path", Input)
        assert box.value == str(tmp_path / f"voicecoach-{B.id}.md")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#path", Input).value = str(tmp_path / "b.json")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        box = app.screen.query_one("#path", Input)
        box.value = str(tmp_path / "b.pdf")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)  # kept open, the name there to correct
        problem = app.screen.query_one("#problem", Static)
        assert str(problem.content) == "give a name ending in .md, .markdown, .json, .txt, .text"
        box.value = str(tmp_path / "no such folder" / "b.txt")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        assert str(tmp_path / "no such folder") in str(problem.content)
        box.value = str(tmp_path / "b.txt")
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, ExportScreen)

    try:
        drive(app, scenario)
    finally:
        os.umask(old)
    page = tmp_path / f"voicecoach-{B.id}.md"
    assert page.read_text().startswith("## Patience\n")
    assert stat.S_IMODE(os.stat(page).st_mode) == 0o600
    assert '"id": "' + B.id in (tmp_path / "b.json").read_text()
    assert not (tmp_path / "b.pdf").exists()
    assert (
        (tmp_path / "b.txt")
        .read_text()
        .startswith(f"patience · 2026-11-01 21:00 · completed\n{B.id}\n")
    )


def test_export_asks_before_replacing_a_file(tmp_path: Path) -> None:
    app = ReviewApp(journal_with(tmp_path / "journal", A, B), export_dir=tmp_path)
    page = tmp_path / f"voicecoach-{B.id}.md"
    page.write_text("my own notes\n")

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert str(page) in str(app.screen.question)
        await pilot.press("n")
        await pilot.pause()
        assert page.read_text() == "my own notes\n"  # kept on a no
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()

    drive(app, scenario)
    assert page.read_text().startswith("## Patience\n")


def test_export_of_an_encrypted_journal_is_sealed(
    tmp_path: Path, home: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    from voicecoach.store.crypto import journal_codec

    kept(home, A, B).close()
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", "correct horse battery")
    assert cli("key", "init").code == 0
    folder = home / "journal"
    app = ReviewApp(Journal(folder, codec=journal_codec(folder, unlock=True)), export_dir=tmp_path)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()

    told: list[str] = []
    app.notify = lambda message, **_: told.append(str(message))  # type: ignore[method-assign]
    drive(app, scenario)
    assert not (tmp_path / f"voicecoach-{B.id}.md").exists()  # named for what it holds
    target = tmp_path / f"voicecoach-{B.id}.md.age"
    page = target.read_text()
    assert page.startswith("-----BEGIN AGE ENCRYPTED FILE-----") and "Promise" not in page
    assert told == [
        f"exported to {target}, encrypted to the journal's key: `age -d -i RECOVERY-FILE "
        f"{target}` reads it (RECOVERY-FILE from `voicecoach key export-recovery`)"
    ]


def test_play_an_answer(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    record = dataclasses.replace(B, turns=(make_turn(0), make_turn(1)))
    journal = journal_with(folder, A, record)
    pcm = bytes(range(256)) * 100
    audio = folder / "audio" / B.id
    audio.mkdir(parents=True)
    (audio / "2.wav").write_bytes(wav_bytes(pcm))
    played: list[bytes] = []
    app = ReviewApp(journal, player=played.append, export_dir=tmp_path)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        assert "♪ 2" in shown(app) and "♪ 1" not in shown(app)
        await pilot.press("tab")  # into the conversation
        await pilot.press("down", "down")  # the heading, then question 1, then question 2
        await pilot.pause()
        item = app.query_one("#conversation", ListView).highlighted_child
        assert isinstance(item, TurnItem) and item.turn == 2
        await pilot.press("p")
        await app.workers.wait_for_complete()
        await pilot.press("up", "p")  # question 1 has no audio: nothing is played
        await app.workers.wait_for_complete()

    drive(app, scenario)
    assert played == [load_answer(folder, B.id, 2)]
    assert played[0] == pcm


def test_an_empty_journal(tmp_path: Path) -> None:
    app = ReviewApp(Journal(tmp_path / "journal"), export_dir=tmp_path)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        assert rows(app) == 0 and app.record is None
        status = app.query_one("#status", Static).content
        assert status == "No sessions yet. Start one with `voicecoach session`."
        await pilot.press("d", "e", "p")  # nothing to act on: nothing happens
        await pilot.pause()
        assert app.screen is app.screen_stack[0]

    drive(app, scenario)


def test_unsure_words_reach_the_app(tmp_path: Path) -> None:
    words = (Word("keeping", 0.0, 0.4, 0.9), Word("promises", 0.5, 0.9, 0.2))
    unsure = dataclasses.replace(
        make_turn(0), answer=Utterance("keeping promises", words, 0.0, 0.9)
    )
    app = ReviewApp(
        journal_with(tmp_path / "journal", dataclasses.replace(A, turns=(unsure,))),
        export_dir=tmp_path,
    )

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        items = list(app.query_one("#conversation", ListView).query(TurnItem))
        console = Console(width=76, force_terminal=True, color_system="standard")
        with console.capture() as captured:
            console.print(items[1].query_one(Static).content)
        assert "\x1b[2mpromises" in captured.get()

    drive(app, scenario)


def test_a_damaged_month_is_told_in_the_app(tmp_path: Path) -> None:
    journal_with(tmp_path / "journal", A, B, C).close()
    month = tmp_path / "journal" / "2026-11.json"  # B's and C's month
    raw = month.read_bytes()
    month.write_bytes(raw[: raw.index(C.id.encode()) + 40])  # cut short in C's record
    app = ReviewApp(Journal(tmp_path / "journal"), export_dir=tmp_path)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        told = [(n.message, n.severity) for n in app._notifications]
        assert len(told) == 1 and told[0][1] == "warning"
        assert told[0][0].startswith("journal/2026-11.json is damaged (")
        assert rows(app) == 2  # A and B, read around the damage

    drive(app, scenario)


def test_ctrl_c_quits_as_stopped(tmp_path: Path) -> None:
    app = ReviewApp(journal_with(tmp_path / "journal", A, B), export_dir=tmp_path)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        await pilot.press("slash")  # even with the search box focused
        assert isinstance(app.focused, Input)
        await pilot.press("ctrl+c")
        await pilot.pause()

    drive(app, scenario)
    assert app.return_code == 130
    listed = app.keys()  # what `?` shows
    assert ("ctrl+c", "Quit as stopped (exit 130)") in [(k.lower(), what) for k, what in listed]
