"""Hints that name only options the command takes and the user has not given already."""

from __future__ import annotations

from typing import Any

WITHOUT_DEVICE: dict[str, tuple[tuple[str, str], ...]] = {
    "input": (("--mic-file", "--mic-file FILE.wav"), ("--answers", "--answers A.wav B.wav …")),
    "output": (("--speaker-file", "--speaker-file FILE.wav"), ("--fast", "--fast")),
}
"""For a missing microphone ("input") or speakers ("output"): the options that do without it,
as (option, how it is written in the hint)."""


def command_of(root: Any, argv: list[str]) -> Any:
    """The (sub)command ``argv`` runs: the deepest group member named by its leading words."""
    command = root
    for word in argv:
        if word.startswith("-"):
            break
        commands = getattr(command, "commands", None)
        if commands is None:
            break
        found = command.get_command(None, word) if hasattr(command, "get_command") else None
        if found is None:
            break
        command = found
    return command


def options_of(command: Any) -> set[str]:
    names: set[str] = set()
    for param in getattr(command, "params", []):
        names.update(getattr(param, "opts", []))
        names.update(getattr(param, "secondary_opts", []))
    return names


def device_hint(direction: str, root: Any, argv: list[str]) -> str:
    """``", or run with --speaker-file FILE.wav or --fast"`` for a missing speaker, naming
    only options of the command that ran and not already on its line ("" when none is left)."""
    command = command_of(root, argv)
    accepted = options_of(command)
    given = {arg.split("=", 1)[0] for arg in argv if arg.startswith("--")}
    offers = [
        text
        for option, text in WITHOUT_DEVICE.get(direction, ())
        if option in accepted and option not in given
    ]
    return ", or run with " + " or ".join(offers) if offers else ""
