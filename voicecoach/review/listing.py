"""The sessions list of the review app: the newest first, older ones on demand, the count.

Years of journal open in a blink: the first screen reads only the newest months (enough for
`PAGE` sessions); the rest is read once the screen is up, and listed `PAGE` at a time (more on
moving onto the "… older" row).
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable, Static

from voicecoach.hinting import command_hint
from voicecoach.review.cells import counted, duration, mood, when
from voicecoach.review.private import PrivateApp
from voicecoach.review.views import status_cell
from voicecoach.store.journal import Journal
from voicecoach.store.records import SessionRecord
from voicecoach.store.summary import SessionSummary

DAY = len("2026-11-26")
"""Cells of a date without its time of day."""
PAGE = 200
"""Sessions listed at first (the newest); more are listed on moving above them."""
OLDER = "older"
"""The key of the row standing for the sessions not listed yet."""
COLUMNS = ("date", "topic", "length", "mood", "status", "answers")
"""The sessions list's columns, when the pane is wide enough for all of them."""
LEAVE_OUT: tuple[tuple[str, ...], ...] = (
    (),
    ("answers",),
    ("answers", "length"),
    ("answers", "length", "time"),
    ("answers", "length", "time", "mood"),
)
"""What the list leaves out, in turn, until it fits its pane (as `history` does): the answers
count, the length, the time of day ("time": the date column keeps the day), the mood. The
status is never cut short."""
NOTICE_S = 20.0
"""Seconds a notice of the journal (a damaged month) stays on the screen."""


class ListingApp(PrivateApp):
    """The half of the review app that fills ``#sessions`` and ``#status``."""

    journal: Journal
    needle: str | None
    sessions: list[SessionSummary]
    first_listed: int
    complete: bool
    columns: list[Any]
    record: SessionRecord | None
    left_out: tuple[str, ...]
    """The columns the list leaves out to fit its pane (one of `LEAVE_OUT`)."""
    told: int
    """How many of the journal's notices were shown (as notifications) so far."""

    async def show(self, summary: SessionSummary | None) -> None:
        """Show a session's conversation (the app's other half)."""
        raise NotImplementedError

    async def load_newest(self) -> None:
        """The first screen: the newest months only, enough for `PAGE` sessions; the rest is
        read once the screen is up (`complete_list`)."""
        months = self.journal.months()
        newest: list[SessionSummary] = []
        taken = 0
        for month in reversed(months):
            newest = self.journal.month_summaries(month) + newest
            taken += 1
            if len(newest) > PAGE:
                break
        self.sessions = newest
        self.complete = taken == len(months)
        self.first_listed = max(0, len(newest) - PAGE)
        await self.show(self.fill_list(newest[-1].id if newest else None))
        self.show_count()
        self.tell_notices()

    async def complete_list(self) -> None:
        """Every session, under those listed; the "older" row and the count made whole."""
        if self.complete:
            return
        listed = self.sessions[self.first_listed :]
        every = self.journal.summaries()
        self.complete = True
        if [s.id for s in every[len(every) - len(listed) :]] != [s.id for s in listed]:
            await self.load_sessions(self.record.id if self.record else None)  # changed meanwhile
            return
        self.sessions = every
        self.first_listed = len(every) - len(listed)
        table = self.query_one("#sessions", DataTable)
        if self.first_listed:
            table.update_cell(OLDER, self.columns[0], self.older_label())
        else:
            table.remove_row(OLDER)
        self.show_count()
        self.tell_notices()

    def tell_notices(self) -> None:
        """Show each notice the journal has added (a damaged month, a record skipped) as a
        warning that stays a while; they are also printed when the app ends."""
        for notice in self.journal.notices[self.told :]:
            self.notify(notice, severity="warning", timeout=NOTICE_S, markup=False)
        self.told = len(self.journal.notices)

    def older_label(self) -> Text:
        if not self.complete:
            return Text("… older", style="dim")
        return Text(f"… {self.first_listed:,} older", style="dim")

    def show_count(self) -> None:
        """The status line: how many sessions (found), or how to begin."""
        n = len(self.sessions)
        count = counted(n, "session") if self.complete else f"latest {n} sessions"
        status = f"{count} with “{self.needle}”" if self.needle else count
        if not self.sessions and self.complete and not self.needle:
            status = f"No sessions yet. Start one with {command_hint('session')}."
        self.query_one("#status", Static).update(status)

    async def load_sessions(self, keep: str | None = None) -> None:
        """Fill the list (newest at the bottom, selected), honouring the search in force.

        Only the newest `PAGE` sessions are listed at first, under one row standing for the
        older ones: moving onto it lists more (years of journal open in a blink)."""
        every = self.journal.summaries()
        if self.needle:  # every word, through each month's index
            found = {hit.session.id for hit in self.journal.hits(self.needle)}
            self.sessions = [s for s in every if s.id in found]
        else:
            self.sessions = every
        ids = [s.id for s in self.sessions]
        self.first_listed = max(0, len(ids) - PAGE)
        if keep in ids:
            self.first_listed = min(self.first_listed, ids.index(keep))
        self.complete = True
        chosen = self.fill_list(keep if keep in ids else (ids[-1] if ids else None))
        await self.show(chosen)
        self.show_count()
        self.tell_notices()
        if not every:
            self.query_one("#status", Static).update(
                f"No sessions yet. Start one with {command_hint('session')}."
            )

    def list_width(self) -> int:
        """Columns the sessions list has for its cells (the app's other half knows its pane)."""
        raise NotImplementedError

    def fill_list(self, cursor_on: str | None) -> SessionSummary | None:
        """List the sessions from `first_listed` on; the cursor on ``cursor_on`` (its summary).
        The columns are those that fit `list_width` (see `LEAVE_OUT`)."""
        table = self.query_one("#sessions", DataTable)
        older = self.first_listed or not self.complete
        listed = self.sessions[self.first_listed :]
        rows = [row_cells(s) for s in listed]
        label = self.older_label()
        left_out = fitting(rows, self.list_width(), label.plain if older else "")
        shown = [c for c in COLUMNS if c not in left_out]
        self.left_out = left_out
        table.clear(columns=True)
        self.columns = table.add_columns(*shown)
        if older:
            table.add_row(label, *[""] * (len(shown) - 1), key=OLDER)
        for s, row in zip(listed, rows, strict=True):
            if "time" in left_out:
                row["date"] = str(row["date"])[:DAY]
            table.add_row(*(row[c] for c in shown), key=s.id)
        ids = [s.id for s in listed]
        if cursor_on not in ids:
            return None
        table.move_cursor(row=ids.index(cursor_on) + (1 if older else 0))
        return listed[ids.index(cursor_on)]

    async def list_older(self) -> None:
        """List twice as many sessions (older ones above); the cursor on the newest added."""
        await self.complete_list()
        if not self.first_listed:
            return
        shown = len(self.sessions) - self.first_listed
        was_first = self.first_listed
        self.first_listed = max(0, self.first_listed - max(shown, PAGE))
        chosen = self.fill_list(self.sessions[was_first - 1].id)
        if chosen is not None and (self.record is None or self.record.id != chosen.id):
            await self.show(chosen)


Row = dict[str, str | Text]
"""One row of the list: its cell by column name."""


def row_cells(s: SessionSummary) -> Row:
    """Every cell of a session's row."""
    return {
        "date": when(s.started_at),
        "topic": Text(s.topic),  # a script's file name: shown as written, never markup
        "length": duration(s.length_s),
        "mood": mood(s.mood_before, s.mood_after),
        "status": status_cell(s, short=True),
        "answers": f"{len(s.answers)}/{s.questions}",
    }


def fitting(rows: list[Row], width: int, older: str = "") -> tuple[str, ...]:
    """The first of `LEAVE_OUT` whose columns fit in ``width`` cells (each column as wide as
    its widest cell or its name, and one cell of padding on each side); the last when none
    does. ``older``: the label of the row standing for older sessions (in the date column)."""
    for left_out in LEAVE_OUT:
        need = 0
        for column in COLUMNS:
            if column in left_out:
                continue
            cells = [cell_len(str(row[column])) for row in rows]
            if column == "date":
                cells = [min(c, DAY) for c in cells] if "time" in left_out else cells
                cells.append(cell_len(older))
            need += max([len(column), *cells]) + 2
        if need <= width:
            return left_out
    return LEAVE_OUT[-1]
