"""`voicecoach review`: the journal in a terminal app (Textual), usable over SSH at 80×24.

┌ sessions: date · topic · length · mood · status ───────────────┐  ↑↓ choose a session
│ status line: how many, the search in force                      │  /  search all answers
├ the conversation: coach lines, answers (unsure words dimmed) ──┤  tab to move into it
│ …                                                               │  p  play an answer
└ keys ───────────────────────────────────────────────────────────┘  e export · d delete
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, ListItem, ListView, Static

from voicecoach.errors import VoiceCoachError
from voicecoach.review.export import render, write_export
from voicecoach.review.views import (
    block,
    coach_lines,
    duration,
    heading,
    mood,
    status_text,
    turn_lines,
    when,
)
from voicecoach.store.audio import load_answer, saved_answers
from voicecoach.store.journal import Journal
from voicecoach.store.records import SessionRecord
from voicecoach.store.summary import SessionSummary, select, summarize

Player = Callable[[bytes], None]
"""Plays 16 kHz mono PCM and returns when it has been heard."""
SUFFIXES = {".md": "md", ".json": "json", ".txt": "txt"}


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; dismissed with True for "y"."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question)
            yield Static(Text.from_markup("[b]y[/] erase for good    [b]n[/] keep it"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ExportScreen(ModalScreen[Path | None]):
    """Asks where to export; the file name's ending (.md, .json, .txt) picks the format."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, suggestion: Path) -> None:
        super().__init__()
        self.suggestion = suggestion

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Export this session to (.md, .json or .txt):")
            yield Input(value=str(self.suggestion), id="path")
            yield Static(Text.from_markup("[b]enter[/] export    [b]esc[/] cancel"))

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        self.dismiss(Path(value).expanduser() if value else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TurnItem(ListItem):
    """One block of the conversation; ``turn`` is its question's number (0: none)."""

    def __init__(self, body: Group, turn: int = 0) -> None:
        super().__init__(Static(body))
        self.turn = turn


class ReviewApp(App[None]):
    """Sessions list, the chosen session's conversation, search, play, export and delete."""

    TITLE = "voicecoach review"
    CSS = """
    #sessions { height: 9; }
    #status { height: 1; color: $text-muted; padding: 0 1; }
    #search { height: 1; border: none; padding: 0 1; display: none; }
    #search.shown { display: block; }
    #conversation { height: 1fr; border-top: solid $primary; }
    #conversation > TurnItem { padding: 0 1; margin: 0 0 1 0; }
    ConfirmScreen, ExportScreen { align: center middle; }
    .dialog {
        width: 70; height: auto; padding: 1 2;
        border: thick $accent; background: $surface;
    }
    .dialog Input { margin: 1 0; }
    """
    BINDINGS = [
        Binding("slash", "search", "Search"),
        Binding("escape", "clear_search", "Clear search", show=False),
        Binding("p", "play", "Play"),
        Binding("e", "export", "Export"),
        Binding("d", "delete", "Delete"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self, journal: Journal, player: Player | None = None, export_dir: Path | None = None
    ) -> None:
        super().__init__()
        self.journal = journal
        """The journal shown (and changed by deletes)."""
        self.player = player
        """How answers are played; None when there are no speakers."""
        self.export_dir = export_dir or Path.cwd()
        """Where exports are suggested to go."""
        self.needle: str | None = None
        """The search in force."""
        self.sessions: list[SessionSummary] = []
        """The sessions listed, oldest first."""
        self.record: SessionRecord | None = None
        """The session shown."""

    def compose(self) -> ComposeResult:
        yield DataTable(id="sessions", cursor_type="row")
        yield Static(id="status")
        yield Input(placeholder="search all answers · enter: search · esc: clear", id="search")
        yield ListView(id="conversation")
        yield Footer()

    async def on_mount(self) -> None:
        table = self.query_one("#sessions", DataTable)
        table.add_columns("date", "topic", "length", "mood", "status", "answers")
        await self.load_sessions()
        table.focus()

    # -- the sessions list -------------------------------------------------------------------

    async def load_sessions(self, keep: str | None = None) -> None:
        """Fill the list (newest at the bottom, selected), honouring the search in force."""
        every = self.journal.summaries()
        self.sessions = select(every, text=self.needle) if self.needle else every
        table = self.query_one("#sessions", DataTable)
        table.clear()
        for s in self.sessions:
            table.add_row(
                when(s.started_at),
                s.topic,
                duration(s.length_s),
                mood(s.mood_before, s.mood_after),
                status_text(s.status),
                f"{len(s.answers)}/{s.questions}",
                key=s.id,
            )
        ids = [s.id for s in self.sessions]
        row = (ids.index(keep) if keep in ids else len(ids) - 1) if ids else None
        if row is not None:
            table.move_cursor(row=row)
        await self.show(None if row is None else self.sessions[row])
        count = f"{len(self.sessions)} session{'' if len(self.sessions) == 1 else 's'}"
        status = f"{count} with “{self.needle}”" if self.needle else count
        if not every:
            status = "No sessions yet. Start one with `voicecoach session`."
        self.query_one("#status", Static).update(status)

    @on(DataTable.RowHighlighted, "#sessions")
    async def session_highlighted(self, event: DataTable.RowHighlighted) -> None:
        chosen = next((s for s in self.sessions if s.id == event.row_key.value), None)
        if chosen is not None and (self.record is None or self.record.id != chosen.id):
            await self.show(chosen)

    async def show(self, summary: SessionSummary | None) -> None:
        """Show a session's conversation (or nothing)."""
        view = self.query_one("#conversation", ListView)
        await view.clear()
        self.record = None
        if summary is None:
            return
        try:
            record = self.journal.get(summary.id)
        except VoiceCoachError as exc:
            self.notify(str(exc), severity="error")
            return
        self.record = record
        audio = set(saved_answers(self.journal.folder, record.id))
        top: list[RenderableType] = [heading(summarize(record)), Text(record.id, style="dim")]
        if record.opening_lines:
            top.append(block(coach_lines(record.opening_lines)))
        items = [TurnItem(Group(*top))]
        for n, turn in enumerate(record.turns, start=1):
            items.append(TurnItem(Group(block(turn_lines(n, turn, self.needle, n in audio))), n))
        if record.closing_lines:
            items.append(TurnItem(Group(block(coach_lines(record.closing_lines)))))
        await view.extend(items)
        view.index = 0

    # -- actions -----------------------------------------------------------------------------

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.add_class("shown")
        box.focus()

    @on(Input.Submitted, "#search")
    async def search_submitted(self, event: Input.Submitted) -> None:
        self.needle = event.value.strip() or None
        keep = self.record.id if self.record is not None else None
        self.record = None  # shown again, with the words found marked
        await self.load_sessions(keep)
        self.query_one("#sessions", DataTable).focus()

    async def action_clear_search(self) -> None:
        box = self.query_one("#search", Input)
        box.value = ""
        box.remove_class("shown")
        if self.needle is not None:
            self.needle = None
            keep = self.record.id if self.record is not None else None
            self.record = None
            await self.load_sessions(keep)
        self.query_one("#sessions", DataTable).focus()

    def action_play(self) -> None:
        record = self.record
        if record is None:
            return
        kept = saved_answers(self.journal.folder, record.id)
        item = self.query_one("#conversation", ListView).highlighted_child
        turn = item.turn if isinstance(item, TurnItem) and item.turn else None
        if turn is None:
            turn = kept[0] if kept else 1
        try:
            pcm = load_answer(self.journal.folder, record.id, turn)
        except VoiceCoachError as exc:
            self.notify(str(exc), severity="warning")
            return
        if self.player is None:
            self.notify("no speakers to play on", severity="warning")
            return
        self.notify(f"playing answer {turn}")
        self.play(pcm)

    @work(thread=True, exclusive=True, group="play")
    def play(self, pcm: bytes) -> None:
        """Play on a worker thread, so the app stays responsive."""
        if self.player is None:
            return
        try:
            self.player(pcm)
        except VoiceCoachError as exc:
            self.call_from_thread(self.notify, str(exc), severity="error")

    def action_export(self) -> None:
        record = self.record
        if record is None:
            return
        suggestion = self.export_dir / f"voicecoach-{record.id}.md"
        self.push_screen(ExportScreen(suggestion), partial(self.export_to, record))

    def export_to(self, record: SessionRecord, path: Path | None) -> None:
        """Write the export; the file name's ending picks the format."""
        if path is None:
            return
        fmt = SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            self.notify("give a name ending in .md, .json or .txt", severity="error")
            return
        try:
            write_export(path, render([record], fmt, single=True))
        except VoiceCoachError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"exported to {path}")

    def action_delete(self) -> None:
        record = self.record
        if record is None:
            return
        question = (
            f"Erase the {record.topic} session of {when(record.started_at)} "
            "(its answers and audio) for good?"
        )
        self.push_screen(ConfirmScreen(question), partial(self.delete, record))

    async def delete(self, record: SessionRecord, yes: bool | None) -> None:
        """Erase the session once confirmed; the next one is shown."""
        if not yes:
            return
        try:
            self.journal.remove([summarize(record)])
        except VoiceCoachError as exc:
            self.notify(str(exc), severity="error")
            return
        ids = [s.id for s in self.sessions]
        index = ids.index(record.id) if record.id in ids else 0
        neighbour = ids[index + 1] if index + 1 < len(ids) else (ids[index - 1] if index else None)
        self.record = None
        await self.load_sessions(neighbour)
        self.notify("session erased")
