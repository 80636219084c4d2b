"""The review app's dialogs: confirm an erase, choose where to export, the keys."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; dismissed with True for "y". ``yes`` and ``no`` say what each
    answer does."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, yes: str = "erase for good", no: str = "keep it") -> None:
        super().__init__()
        self.question = question
        self.choices = Text.assemble(("y", "bold"), f" {yes}    ", ("n", "bold"), f" {no}")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.question))
            yield Static(self.choices)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ExportScreen(ModalScreen[Path | None]):
    """Asks where to export; the file name's ending (.md, .json, .txt) picks the format. A name
    ``problem`` finds wrong is said in the dialog, which stays open with the name to correct."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, suggestion: Path, problem: Callable[[Path], str | None]) -> None:
        super().__init__()
        self.suggestion = suggestion
        self.problem = problem

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Export this session to (.md, .json or .txt):")
            yield Input(value=str(self.suggestion), id="path")
            yield Static(id="problem")
            yield Static(Text.from_markup("[b]enter[/] export    [b]esc[/] cancel"))

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not value:
            self.dismiss(None)
            return
        path = Path(value).expanduser()
        problem = self.problem(path)
        if problem is not None:
            self.query_one("#problem", Static).update(Text(problem))
            return
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)


def key_name(keys: str) -> str:
    """A binding's keys as a person reads them: "slash" → "/", "question_mark" → "?"."""
    names = {"slash": "/", "question_mark": "?", "escape": "esc", "tab": "tab", "up": "↑"}
    return " ".join(names.get(k, k) for k in keys.split(","))


def keys_of(bindings: Iterable[object], actions: dict[str, str]) -> list[tuple[str, str]]:
    """(keys, what they do) for each binding, described by ``actions`` where it can be."""
    rows = []
    for binding in bindings:
        if isinstance(binding, Binding):
            action = binding.action.removeprefix("app.")
            rows.append((key_name(binding.key), actions.get(action, binding.description)))
    return rows


def palette_of(bindings: Iterable[object], actions: dict[str, str]) -> list[tuple[str, str, str]]:
    """(title, help, action) of each bound action ``actions`` describes, for the palette."""
    found = []
    for binding in bindings:
        if isinstance(binding, Binding):
            action = binding.action.removeprefix("app.")
            if action in actions:
                found.append((binding.description, actions[action], action))
    return found


class KeysScreen(ModalScreen[None]):
    """Every key of the app and what it does; any key closes it."""

    BINDINGS = [Binding("escape,question_mark,q,enter", "close", "Close")]

    def __init__(self, keys: Iterable[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = list(keys)

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        for keys, description in self.keys:
            table.add_row(Text(keys, style="bold"), Text(description))
        with Vertical(classes="dialog", id="keys"):
            yield Static(Text("Keys", style="bold"))
            yield Static(table)
            yield Static(Text("esc or ? to close", style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
