"""`voicecoach review`: the journal in a terminal app (Textual), usable over SSH at 80×24.

┌ sessions: date · topic · length · mood · status ───────────────┐  ↑↓ choose a session
│ status line: how many, the search in force                      │  /  search all answers
├ the conversation: coach lines, answers (unsure words dimmed) ──┤  tab to move into it
│ …                                                               │  p  play an answer
└ keys ───────────────────────────────────────────────────────────┘  e export · d delete

From `WIDE` columns on, the list and the conversation stand side by side.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, ListItem, ListView, Static

from voicecoach.errors import VoiceCoachError
from voicecoach.outputs import check_output
from voicecoach.review.cells import when
from voicecoach.review.export import (
    AGE_SUFFIX,
    SUFFIXES,
    how_to_read,
    render,
    sealed_export,
    sealed_name,
    write_export,
)
from voicecoach.review.listing import OLDER, ListingApp, fitting, row_cells
from voicecoach.review.screens import (
    ConfirmScreen,
    ExportScreen,
    KeysScreen,
    keys_of,
    palette_of,
)
from voicecoach.review.views import (
    block,
    coach_lines,
    heading,
    matches,
    mood_kept,
    turn_lines,
)
from voicecoach.stop import INTERRUPTED
from voicecoach.store.audio import load_answer, saved_answers
from voicecoach.store.crypto import JournalKey
from voicecoach.store.journal import Journal
from voicecoach.store.records import SessionRecord
from voicecoach.store.summary import SessionSummary, summarize

Player = Callable[[bytes], None]
"""Plays 16 kHz mono PCM and returns when it has been heard."""
WIDE = 120
"""Columns from which the sessions list stands beside the conversation instead of above it."""
LIST_WIDTH = 64
"""Columns of the sessions list's pane beside the conversation (as app.tcss sets it)."""
SCROLLBAR = 2
"""Columns a vertical scroll bar takes."""
MOVES = (("↑ ↓", "choose a session, or move in the conversation"),)


class TurnItem(ListItem):
    """One block of the conversation; ``turn`` is its question's number (0: none)."""

    def __init__(self, body: Group, turn: int = 0) -> None:
        super().__init__(Static(body))
        self.turn = turn


class ReviewApp(ListingApp):
    """Sessions list, the chosen session's conversation, search, play, export and delete."""

    TITLE = "voicecoach review"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("slash", "search", "Search"),
        Binding("escape", "clear_search", "Clear search", show=False),
        Binding("tab", "app.focus_next", "Next pane", priority=True),
        Binding("p", "play", "Play"),
        Binding("e", "export", "Export"),
        Binding("d", "delete", "Delete"),
        Binding("question_mark", "keys", "Keys"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "stop", "Quit as stopped (exit 130)", show=False, priority=True),
    ]
    ACTIONS = {
        "search": "Search all answers",
        "clear_search": "Clear the search",
        "focus_next": "Move to the next pane (the conversation scrolls there)",
        "play": "Play the kept audio of the chosen answer",
        "export": "Export this session (.md, .json or .txt)",
        "delete": "Erase this session for good",
        "keys": "Show the keys",
        "quit": "Quit",
    }
    """What each of the app's own actions does, for `?` and the command palette."""

    def __init__(
        self,
        journal: Journal,
        player: Player | None = None,
        export_dir: Path | None = None,
        titles: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.journal = journal
        """The journal shown (and changed by deletes)."""
        self.titles = dict(titles or {})
        """The practices' titles by topic, for export headings."""
        self.player = player
        """How answers are played; None when there are no speakers."""
        self.export_dir = export_dir or Path.cwd()
        """Where exports are suggested to go."""
        self.needle: str | None = None
        """The search in force."""
        self.sessions: list[SessionSummary] = []
        """The sessions found (all, or those with the search in force), oldest first."""
        self.first_listed = 0
        """Index in `sessions` of the oldest one listed (those before it: one "older" row)."""
        self.complete = True
        """False while only the newest months are read (the first screen)."""
        self.columns: list[Any] = []
        """The sessions list's column keys."""
        self.ready_at: float | None = None
        """When the first screen was ready (time.time()), for benchmarks."""
        self.record: SessionRecord | None = None
        """The session shown."""
        self.left_out: tuple[str, ...] = ()
        """The columns the sessions list leaves out to fit its pane."""
        self.told = 0
        """How many of the journal's notices were shown so far."""

    def compose(self) -> ComposeResult:
        with Container(id="body"):
            with Vertical(id="left"):
                yield DataTable(id="sessions", cursor_type="row")
                yield Static(id="status")
                yield Input(
                    placeholder="search all answers · enter: search · esc: clear", id="search"
                )
            yield ListView(id="conversation")
        yield Footer()

    async def on_mount(self) -> None:
        self.lay_out(self.size.width)
        table = self.query_one("#sessions", DataTable)
        await self.load_newest()
        table.focus()
        self.ready_at = time.time()
        if not self.complete:
            self.call_after_refresh(self.complete_list)

    def on_resize(self, event: events.Resize) -> None:
        self.lay_out(event.size.width)
        self.call_after_refresh(self.refit)

    def refit(self) -> None:
        """List the sessions again if other columns fit the list's pane now."""
        listed = self.sessions[self.first_listed :]
        older = self.older_label().plain if self.first_listed or not self.complete else ""
        if fitting([row_cells(s) for s in listed], self.list_width(), older) != self.left_out:
            self.fill_list(self.record.id if self.record is not None else None)

    def lay_out(self, width: int) -> None:
        """Side by side from `WIDE` columns on, else the list above the conversation."""
        self.query_one("#body").set_class(width >= WIDE, "wide")

    def list_width(self) -> int:
        """Columns the sessions list has for its cells: its pane (`LIST_WIDTH` beside the
        conversation, else the whole width), less a scroll bar."""
        width = self.size.width
        return (LIST_WIDTH if width >= WIDE else width) - SCROLLBAR

    # -- keys and the command palette --------------------------------------------------------

    def keys(self) -> list[tuple[str, str]]:
        """(keys, what they do) for every action of the app, in the order of BINDINGS."""
        return list(MOVES) + keys_of(self.BINDINGS, self.ACTIONS)

    def action_stop(self) -> None:
        """Ctrl-C: the app ends as every command does when stopped (``INTERRUPTED``)."""
        self.exit(return_code=INTERRUPTED)

    def action_keys(self) -> None:
        self.push_screen(KeysScreen(self.keys()))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The app's own actions in the command palette, then those of Textual's it keeps
        (`PrivateApp`: never its "Screenshot")."""
        for title, help_text, action in palette_of(self.BINDINGS, self.ACTIONS):
            yield SystemCommand(title, help_text, partial(self.run_action, action))
        yield from super().get_system_commands(screen)

    # -- the sessions list (filled by ListingApp) --------------------------------------------

    @on(DataTable.RowHighlighted, "#sessions")
    async def session_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value == OLDER:
            if event.data_table.cursor_row == 0:  # still there: not a passing highlight
                await self.list_older()
            return
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
            self.notify(str(exc), severity="error", markup=False)
            return
        finally:
            self.tell_notices()
        self.record = record
        audio = set(saved_answers(self.journal.folder, record.id))
        top: list[RenderableType] = [heading(summarize(record)), Text(record.id, style="dim")]
        if record.opening_lines:
            top.append(block(coach_lines(record.opening_lines)))
        items = [TurnItem(Group(*top))]
        for n, turn in enumerate(record.turns, start=1):
            lines = turn_lines(n, turn, self.needle, n in audio, mood_kept(record, turn))
            items.append(TurnItem(Group(block(lines)), n))
        if record.closing_lines:
            items.append(TurnItem(Group(block(coach_lines(record.closing_lines)))))
        await view.extend(items)
        found = next((i for i, item in enumerate(items) if self.matched(item)), None)
        view.index = found if found is not None else 0
        if found is not None:
            view.scroll_to_widget(items[found], animate=False, top=True)

    def matched(self, item: TurnItem) -> bool:
        """Whether the search in force is found in this item's answer."""
        if not self.needle or self.record is None or not item.turn:
            return False
        answer = self.record.turns[item.turn - 1].answer
        return answer is not None and matches(answer.text, self.needle)

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
            self.notify(str(exc), severity="warning", markup=False)
            return
        if self.player is None:
            self.notify("no speakers to play on", severity="warning", markup=False)
            return
        self.notify(f"playing answer {turn}", markup=False)
        self.play(pcm)

    @work(thread=True, exclusive=True, group="play")
    def play(self, pcm: bytes) -> None:
        """Play on a worker thread, so the app stays responsive."""
        if self.player is None:
            return
        try:
            self.player(pcm)
        except VoiceCoachError as exc:
            self.call_from_thread(self.notify, str(exc), severity="error", markup=False)

    def action_export(self) -> None:
        record = self.record
        if record is None:
            return
        suggestion = self.export_dir / f"voicecoach-{record.id}.md"
        self.push_screen(ExportScreen(suggestion, export_problem), partial(self.export_to, record))

    def export_to(self, record: SessionRecord, path: Path | None) -> None:
        """Write the export to ``path`` (found right by `export_problem`); the file name's
        ending picks the format. A file already there is replaced only after a yes (as
        `voicecoach export -o FILE` asks)."""
        if path is None:
            return
        fmt = SUFFIXES[path.suffix.lower()]
        if JournalKey(self.journal.folder).exists():
            path = sealed_name(path)  # sealed, as `voicecoach export -o FILE` writes it
            try:
                check_output(path)  # (what is in place of the name with .age added)
            except VoiceCoachError as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
        try:
            there = path.is_file()
        except OSError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        if there:
            question = ConfirmScreen(f"Replace {path}?", yes="replace it", no="keep it")
            self.push_screen(question, partial(self.replace, record, path, fmt))
            return
        self.write(record, path, fmt)

    def replace(self, record: SessionRecord, path: Path, fmt: str, yes: bool | None) -> None:
        """Write the export over ``path`` once confirmed."""
        if yes:
            self.write(record, path, fmt)
        else:
            self.notify(f"{path} kept; nothing was written", markup=False)

    def write(self, record: SessionRecord, path: Path, fmt: str) -> None:
        """Write ``record`` as ``fmt`` to ``path`` (sealed when the journal is encrypted, as
        `voicecoach export` writes it)."""
        try:
            page = render([record], fmt, single=True, titles=self.titles)
            write_export(path, sealed_export(self.journal.folder, [page]))
        except VoiceCoachError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        sealed = path.suffix.lower() == AGE_SUFFIX
        told = f"exported to {path}" + (f", {how_to_read(path)}" if sealed else "")
        self.notify(told, markup=False)

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
            self.notify(str(exc), severity="error", markup=False)
            return
        ids = [s.id for s in self.sessions]
        index = ids.index(record.id) if record.id in ids else 0
        neighbour = ids[index + 1] if index + 1 < len(ids) else (ids[index - 1] if index else None)
        self.record = None
        await self.load_sessions(neighbour)
        self.notify("session erased", markup=False)


def export_problem(path: Path) -> str | None:
    """What is wrong with ``path`` as the file of an export (its ending, its folder, a folder
    or a link in its place), in one line; None when it can be written."""
    if path.suffix.lower() not in SUFFIXES:
        return f"give a name ending in {', '.join(SUFFIXES)}"
    try:
        check_output(path)
    except (VoiceCoachError, OSError) as exc:
        return str(exc)
    return None
