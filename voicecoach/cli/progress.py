"""Live progress on the terminal (stderr): what the coach says and what it hears."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from voicecoach.review.cells import counted
from voicecoach.speech.events import Final, ListenEvent, NoAnswer, Partial


class TerminalProgress:
    """Coach lines as they are said; the running transcript on one line while you speak."""

    def __init__(self, console: Console, show_partials: bool = True) -> None:
        self._console = console
        self._partials = show_partials and console.is_terminal
        self._partial_shown = False

    def _clear_partial(self) -> None:
        if self._partial_shown:
            self._console.file.write("\r\x1b[2K")
            self._partial_shown = False

    def coach(self, text: str) -> None:
        self._clear_partial()
        self._console.print(Text.assemble(("coach", "bold cyan"), " ", text), highlight=False)

    def heard(self, event: ListenEvent) -> None:
        if isinstance(event, Partial):
            if self._partials and event.text:
                width = max(10, self._console.width - 8)
                self._console.file.write(f"\r\x1b[2K  … {event.text[-width:]}")
                self._console.file.flush()
                self._partial_shown = True
            return
        self._clear_partial()
        if isinstance(event, Final):
            said = event.utterance.text
            self._console.print(Text.assemble(("you  ", "bold green"), " ", said), highlight=False)
        elif isinstance(event, NoAnswer):
            self._console.print("[dim]      (no answer)[/]", highlight=False)

    def note(self, text: str) -> None:
        """A message about the session itself (engine chosen, journal notices), printed as is."""
        self._clear_partial()
        self._console.print(Text(text, style="dim"), highlight=False)


class EventProgress:
    """Progress for unattended runs (`listen`, the service's log): events, never words.

    What the person says and what the coach says back (a follow-up picked by their words, the
    safety lines) stay out of stderr, which a service sends to the system log.
    """

    def __init__(self, console: Console) -> None:
        self._console = console

    def coach(self, text: str) -> None:
        self._console.print(
            f"coach speaks ({counted(len(text.split()), 'word')})", markup=False, highlight=False
        )

    def heard(self, event: ListenEvent) -> None:
        if isinstance(event, Final):
            said = event.utterance
            seconds = max(0.0, said.end - said.start)
            self._console.print(f"answer heard ({seconds:.1f} s)", markup=False, highlight=False)
        elif isinstance(event, NoAnswer):
            self._console.print("no answer", highlight=False)

    def note(self, text: str) -> None:
        """A message about the run itself (engine chosen, journal notices), printed as is."""
        self._console.print(Text(text), highlight=False)
