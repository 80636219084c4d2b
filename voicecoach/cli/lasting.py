"""The command line's Rich console, which outlives its reader."""

from __future__ import annotations

from rich.console import Console

from voicecoach.cli.consoles import reader_gone


class LastingConsole(Console):
    """A Rich console whose reader may go away while a command runs (a session shown through
    `| head`): from then on it shows nothing, and the command goes on (Rich's own console
    ends the program there)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        reader_gone(self.file)
