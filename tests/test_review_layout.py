"""The review app's layout, keys, command palette and search jumps, through Textual's pilot."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest
from rich.text import Text
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import DataTable, Footer, ListView, Static
from textual.widgets._data_table import default_cell_formatter

from tests.test_journal import make_turn
from tests.test_journal_cli import A, B, C
from tests.test_review import Scenario, journal_with, shown
from voicecoach.review import listing
from voicecoach.review.app import ReviewApp, TurnItem
from voicecoach.review.screens import KeysScreen

MANY_TURNS = dataclasses.replace(
    B,
    turns=(
        *[make_turn(n) for n in range(12)],
        make_turn(12, "I told her I worried about money and we made a plan"),
    ),
)


def drive_at(app: ReviewApp, size: tuple[int, int], scenario: Scenario) -> None:
    async def run() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await scenario(app, pilot)

    asyncio.run(asyncio.wait_for(run(), timeout=60))


def test_wide_terminal_puts_the_list_beside_the_conversation(tmp_path: Path) -> None:
    app = ReviewApp(journal_with(tmp_path / "journal", A, B, C), export_dir=tmp_path)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        table = app.query_one("#sessions", DataTable)
        conversation = app.query_one("#conversation", ListView)
        assert conversation.region.x > table.region.x
        assert conversation.region.y == table.region.y  # side by side
        assert conversation.size.height > 30

    drive_at(app, (160, 40), scenario)


def test_narrow_terminal_stacks_them(tmp_path: Path) -> None:
    app = ReviewApp(journal_with(tmp_path / "journal", A, B, C), export_dir=tmp_path)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        table = app.query_one("#sessions", DataTable)
        conversation = app.query_one("#conversation", ListView)
        assert conversation.region.y > table.region.y
        assert conversation.region.x == table.region.x

    drive_at(app, (100, 30), scenario)


def test_search_jumps_to_the_answer_found(tmp_path: Path) -> None:
    app = ReviewApp(journal_with(tmp_path / "journal", A, MANY_TURNS, C), export_dir=tmp_path)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        await pilot.press("slash", *"worried about MONEY", "enter")
        await pilot.pause()
        assert app.record is not None and app.record.id == B.id
        view = app.query_one("#conversation", ListView)
        item = view.highlighted_child
        assert isinstance(item, TurnItem) and item.turn == 13
        await pilot.pause()
        assert view.scroll_y > 0  # scrolled down to it
        assert item.region.y >= view.region.y and item.region.bottom <= view.region.bottom

    drive_at(app, (80, 24), scenario)


def test_question_mark_shows_every_key(tmp_path: Path) -> None:
    app = ReviewApp(journal_with(tmp_path / "journal", A, B), export_dir=tmp_path)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, KeysScreen)
        listed = dict(app.screen.keys)
        for key in ("/", "tab", "p", "e", "d", "q", "?", "↑ ↓"):
            assert key in listed, key
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, KeysScreen)

    drive_at(app, (80, 24), scenario)


def test_footer_shows_tab_and_the_keys(tmp_path: Path) -> None:
    app = ReviewApp(journal_with(tmp_path / "journal", A, B), export_dir=tmp_path)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        footer = app.query_one(Footer)
        keys = {
            key.description
            for key in footer.query("FooterKey")  # type: ignore[attr-defined]
        }
        assert {"Search", "Next pane", "Play", "Export", "Delete", "Keys", "Quit"} <= keys
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is app.query_one("#conversation", ListView)

    drive_at(app, (120, 30), scenario)


async def run_from_palette(app: ReviewApp, pilot: Pilot[None], words: str) -> None:
    """Open the command palette, type ``words`` and press enter on the first match."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(app.screen, CommandPalette)
    await pilot.press(*words)
    await pilot.pause(0.5)
    await pilot.press("enter")


def test_command_palette_lists_the_apps_actions(tmp_path: Path) -> None:
    app = ReviewApp(journal_with(tmp_path / "journal", A, B), export_dir=tmp_path)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert titles[:8] == [
            "Search", "Clear search", "Next pane", "Play", "Export", "Delete", "Keys", "Quit"
        ]  # fmt: skip
        assert set(titles[8:]) <= {"Theme", "Maximize", "Minimize"}  # none twice, none saving
        await run_from_palette(app, pilot, "keys")
        await pilot.pause()
        assert isinstance(app.screen, KeysScreen)

    drive_at(app, (100, 30), scenario)


def test_no_screenshot_of_the_conversation_is_ever_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / "Downloads").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DOWNLOAD_DIR", str(home / "Downloads"))
    monkeypatch.chdir(home)
    app = ReviewApp(journal_with(tmp_path / "journal", A, B), export_dir=tmp_path)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        await run_from_palette(app, pilot, "screenshot")
        await pilot.pause(0.5)
        if isinstance(app.screen, CommandPalette):
            await pilot.press("escape")
        app.action_screenshot()  # bound to no key, yet an action any binding could name
        await pilot.pause(0.5)
        told = [n.message for n in app._notifications]
        assert told == ["review takes no screenshots: one would keep the conversation, "
                        "unencrypted, outside the journal"]  # fmt: skip
        app.save_screenshot()  # as Textual takes one when TEXTUAL_SCREENSHOT is set: refused
        await pilot.pause()

    drive_at(app, (100, 30), scenario)
    assert [p for p in tmp_path.rglob("*") if p.suffix == ".svg"] == []
    assert str(app.failure).startswith("review takes no screenshots")  # said by the command
    assert app.return_code == 1


def labels(table: DataTable[object]) -> list[str]:
    return [column.label.plain for column in table.ordered_columns]


PRIVATE = dataclasses.replace(C, id="20261127-203000-dddd", turns=())  # only moods kept


@pytest.mark.parametrize(
    ("size", "columns"),
    [
        ((160, 30), ["date", "topic", "mood", "status"]),
        ((120, 30), ["date", "topic", "mood", "status"]),
        ((100, 30), ["date", "topic", "length", "mood", "status", "answers"]),
        ((60, 15), ["date", "topic", "mood", "status"]),
    ],
)
def test_the_sessions_list_fits_its_pane_and_never_cuts_the_status(
    tmp_path: Path, size: tuple[int, int], columns: list[str]
) -> None:
    app = ReviewApp(journal_with(tmp_path / "journal", A, B, C, PRIVATE), export_dir=tmp_path)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        table = app.query_one("#sessions", DataTable)
        assert labels(table) == columns
        assert table.max_scroll_x == 0  # no sideways scroll bar drawn in the list
        status = table.get_row(PRIVATE.id)[columns.index("status")]
        assert str(status) == "completed (private)"
        days = [str(table.get_row(r.id)[0]) for r in (A, B, C)]
        assert days == (["2026-10-20", "2026-11-01", "2026-11-26"] if size[0] < 80 else [
            "2026-10-20 08:00", "2026-11-01 21:00", "2026-11-26 20:30"])  # fmt: skip

    drive_at(app, size, scenario)


def test_the_sessions_list_fits_again_when_the_terminal_is_resized(tmp_path: Path) -> None:
    app = ReviewApp(journal_with(tmp_path / "journal", A, B, C, PRIVATE), export_dir=tmp_path)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        table = app.query_one("#sessions", DataTable)
        assert "answers" not in labels(table)
        chosen = app.record.id if app.record is not None else None
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert "answers" in labels(table) and table.max_scroll_x == 0
        assert app.record is not None and app.record.id == chosen  # still the one shown
        await pilot.resize_terminal(60, 15)
        await pilot.pause()
        assert labels(table) == ["date", "topic", "mood", "status"]
        assert table.max_scroll_x == 0

    drive_at(app, (130, 30), scenario)


def test_safety_flag_and_markup_in_messages(tmp_path: Path) -> None:
    flagged = dataclasses.replace(C, safety_flag=True, topic="[draft] money:smile:")
    app = ReviewApp(journal_with(tmp_path / "journal", A, flagged), export_dir=tmp_path)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        assert "crisis help given" in shown(app)
        table = app.query_one("#sessions", DataTable)
        topic = default_cell_formatter(table.get_row(C.id)[1])  # as the table draws it
        assert isinstance(topic, Text) and topic.plain == "[draft] money:smile:"
        status = labels(table).index("status")
        assert "crisis help" in str(table.get_row(C.id)[status])
        assert "crisis" not in str(table.get_row(A.id)[status])
        await pilot.press("p")  # no audio kept: the message names the setting as it is written
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("[journal] save_audio" in m for m in messages), messages

    drive_at(app, (80, 24), scenario)


def test_long_journal_lists_the_newest_then_more_on_moving_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "PAGE", 2)
    records = [
        dataclasses.replace(
            A, id=f"2026110{n}-080000-aaaa", started_at=f"2026-11-0{n}T08:00:00+01:00"
        )
        for n in range(1, 8)
    ]
    app = ReviewApp(journal_with(tmp_path / "journal", *records), export_dir=tmp_path)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        table = app.query_one("#sessions", DataTable)
        assert table.row_count == 3  # "… 5 older" and the newest two
        assert "5 older" in str(table.get_row_at(0)[0])
        assert app.record is not None and app.record.id == records[-1].id
        await pilot.press("up")
        await pilot.pause()
        assert app.record is not None and app.record.id == records[-2].id
        await pilot.press("up")  # onto "older": two more are listed, the cursor on the newer
        await pilot.pause()
        assert table.row_count == 5
        assert app.record is not None and app.record.id == records[-3].id
        await pilot.press("up", "up", "up")
        await pilot.pause()
        assert table.row_count == 7  # all seven, no "older" row left
        assert app.query_one("#status", Static).content == "7 sessions"

    drive_at(app, (80, 24), scenario)


def test_first_screen_reads_the_newest_months_then_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "PAGE", 2)
    days = ["2026-09-03", "2026-10-01", "2026-10-02", "2026-11-01", "2026-11-02", "2026-11-03"]
    records = [
        dataclasses.replace(
            A, id=f"{d.replace('-', '')}-080000-aaaa", started_at=f"{d}T08:00:00+01:00"
        )
        for d in days
    ]
    journal = journal_with(tmp_path / "journal", *records)
    read: list[str] = []
    month_summaries = journal.month_summaries

    def counted(month: str, *args: object) -> list[object]:
        read.append(month)
        return month_summaries(month, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(journal, "month_summaries", counted)
    app = ReviewApp(journal, export_dir=tmp_path)

    async def scenario(app: ReviewApp, pilot: Pilot[None]) -> None:
        assert read[0] == "2026-11"  # the first screen began with the newest month
        assert app.ready_at is not None
        table = app.query_one("#sessions", DataTable)
        assert table.row_count == 3
        assert "4 older" in str(table.get_row_at(0)[0])  # counted once the screen was up
        assert app.query_one("#status", Static).content == "6 sessions"
        assert app.record is not None and app.record.id == records[-1].id
        await pilot.press("up", "up")
        await pilot.pause()
        assert table.row_count == 5 and "2 older" in str(table.get_row_at(0)[0])

    drive_at(app, (80, 24), scenario)
