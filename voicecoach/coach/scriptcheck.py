"""Checking a session script: field by field, then its flow (every ``next`` leads somewhere,
no loop without an exit). Each problem names the file, the step and the field, and values are
spelled as in the TOML file (``"poem"``, ``true``), as config.toml's problems are."""

from __future__ import annotations

import difflib
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from voicecoach.config import toml_value
from voicecoach.errors import SessionScriptError

if TYPE_CHECKING:
    from voicecoach.coach.script import SessionScript

E = TypeVar("E", bound=StrEnum)


class Problems:
    """Collects every problem of one script, then raises them as one error."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.found: list[str] = []

    def __bool__(self) -> bool:
        return bool(self.found)

    def add(self, where: str, message: str) -> None:
        self.found.append(f"{self.path}: {where}: {message}")

    def unknown(self, table: dict[str, Any], known: set[str], where: str) -> None:
        """Each key of ``table`` not in ``known`` is a problem, named at ``where`` + key, with
        the known field it is probably a misspelling of ("promt": did you mean prompt?)."""
        for key in sorted(set(table) - known):
            near = difflib.get_close_matches(str(key), sorted(known), n=1)
            hint = f" (did you mean {near[0]}?)" if near else ""
            self.add(f"{where}{key}", f"unknown field{hint}")

    def raise_if_any(self) -> None:
        if self.found:
            raise SessionScriptError("; ".join(self.found))

    def text(self, table: dict[str, Any], key: str, where: str, required: bool = True) -> str:
        value = table.get(key, "")
        if not isinstance(value, str):
            self.add(f"{where}{key}", f"expected a string, got {toml_value(value)}")
            return ""
        if required and not value.strip():
            self.add(f"{where}{key}", "missing (expected a non-empty string)")
        return value.strip()

    def lines(self, doc: dict[str, Any], section: str) -> tuple[str, ...]:
        table = doc.get(section, {})
        said = table.get("say", []) if isinstance(table, dict) else None
        if not isinstance(said, list) or not all(isinstance(x, str) and x.strip() for x in said):
            got = "" if said is None else f", got {toml_value(said)}"
            self.add(f"{section}.say", f"expected a list of non-empty strings{got}")
            return ()
        return tuple(x.strip() for x in said)

    def choice(
        self, table: dict[str, Any], key: str, where: str, kind: type[E], default: E | None
    ) -> E | None:
        allowed = ", ".join(toml_value(m.value) for m in kind)
        if key not in table:
            if default is None:
                self.add(f"{where}{key}", f"missing (expected one of {allowed})")
            return default
        value = table[key]
        try:
            return kind(value)
        except ValueError:
            self.add(
                f"{where}{key}", f"unknown {key} {toml_value(value)} (expected one of {allowed})"
            )
            return default

    def whole(
        self, table: dict[str, Any], key: str, where: str, default: int, low: int, high: int
    ) -> int:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.add(
                f"{where}{key}",
                f"expected a whole number from {low} to {high}, got {toml_value(value)}",
            )
            return default
        return value

    def word_list(self, table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(x, str) and x.strip() for x in value):
            self.add(
                f"{where}{key}", f"expected a list of non-empty strings, got {toml_value(value)}"
            )
            return ()
        return tuple(" ".join(x.lower().split()) for x in value)


def check_flow(script: SessionScript, problems: Problems) -> None:
    """Every ``next`` names a step (or "end"), every step is reached, every loop has an exit."""
    from voicecoach.coach.script import END

    ids = {step.id for step in script.steps}
    for step in script.steps:
        targets = [(f"steps.{step.id}.next", step.next)] + [
            (f"steps.{step.id}.follow_ups.{f.id}.next", f.next) for f in step.follow_ups
        ]
        for where, target in targets:
            if target and target != END and target not in ids:
                problems.add(where, f'no step {toml_value(target)} (expected a step id or "end")')
    if problems:
        return
    edges = flow_edges(script)
    start = script.steps[0].id
    reached = _reachable(start, edges)
    for step in script.steps:
        if step.id not in reached:
            problems.add(f"steps.{step.id}", "never reached (no step leads to it)")
    reverse: dict[str, set[str]] = {}
    for source, dests in edges.items():
        for dest in dests:
            reverse.setdefault(dest, set()).add(source)
    finishing = _reachable(END, reverse)
    stuck = [s.id for s in script.steps if s.id in reached and s.id not in finishing]
    if stuck:
        loop = _a_loop(stuck[0], edges, set(stuck))
        path = " → ".join(loop)
        problems.add(
            f"steps.{loop[-2]}.next",
            f"a loop with no exit ({path}); let one of its steps (or a follow-up) go on to a "
            'step outside it or to "end"',
        )


def flow_edges(script: SessionScript) -> dict[str, list[str]]:
    """Step id → the ids that may follow it (END for the closing), in a stable order."""
    edges: dict[str, list[str]] = {}
    for step in script.steps:
        dests = [script.after(step)] + [script.after(step, f) for f in step.follow_ups]
        edges[step.id] = list(dict.fromkeys(dests))
    return edges


def _reachable(start: str, edges: dict[str, Any]) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for dest in edges.get(todo.pop(), ()):
            if dest not in seen:
                seen.add(dest)
                todo.append(dest)
    return seen


def _a_loop(start: str, edges: dict[str, list[str]], within: set[str]) -> list[str]:
    """A cycle inside ``within`` reached from ``start``, as ids with the first repeated last."""
    path = [start]
    while True:
        dest = next(d for d in edges[path[-1]] if d in within)
        if dest in path:
            return [*path[path.index(dest) :], dest]
        path.append(dest)
