"""Live progress prints the coach's lines, the answers and notes exactly as they are."""

from __future__ import annotations

from io import StringIO

from rich.console import Console

from voicecoach.cli.progress import TerminalProgress
from voicecoach.speech.events import Final, NoAnswer, Utterance


def test_square_brackets_are_printed_not_read_as_markup() -> None:
    buffer = StringIO()
    progress = TerminalProgress(Console(file=buffer, force_terminal=False, width=100))
    progress.coach("Name one thing [just one] you noticed.")
    progress.heard(Final(Utterance(text="i said [bold]no[/]", words=(), start=0.0, end=1.0)))
    progress.heard(NoAnswer(waited=12.0))
    progress.note("journal.json set aside as journal.json.damaged-[1]")
    lines = buffer.getvalue().splitlines()
    assert lines == [
        "coach Name one thing [just one] you noticed.",
        "you   i said [bold]no[/]",
        "      (no answer)",
        "journal.json set aside as journal.json.damaged-[1]",
    ]
