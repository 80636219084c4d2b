"""A Textual app that keeps what it shows to the screen: the base of the review app.

Textual offers ways to put the screen elsewhere: a "Screenshot" command in its palette (an SVG
in ~/Downloads, readable by all), a screenshot taken when TEXTUAL_SCREENSHOT is set, and, on an
error, a traceback printed with its local variables (the answers shown among them). Here none
of them writes or prints anything: the palette keeps only Textual's commands that change the
screen (`TEXTUALS_KEPT`), a screenshot is refused, and the error the app ends on is kept in
``failure`` for the command to say in one line.

It also ends when its terminal goes away (``watch_terminal``): with SIGHUP ignored (``nohup``, a
session manager), Textual's input thread reads the end of a closed terminal again and again and
keeps a core busy for as long as the process lives.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

from textual import on
from textual.app import App, SystemCommand
from textual.events import Mount
from textual.screen import Screen
from textual.worker import WorkerFailed

from voicecoach.errors import VoiceCoachError

TEXTUALS_KEPT = frozenset({"Theme", "Maximize", "Minimize"})
"""Textual's own commands the palette offers: they change only what is on the screen."""
TERMINAL_CHECK_S = 1.0
"""Seconds between checks that the terminal is still there."""
NO_SCREENSHOTS = (
    "review takes no screenshots: one would keep the conversation, unencrypted, outside the journal"
)


class PrivateApp(App[None]):
    """An app that writes no screenshot and prints no traceback (see the module)."""

    def __init__(self) -> None:
        super().__init__()
        self.failure: BaseException | None = None
        """The error the app ended on (a journal it could not read), for the command to say
        in one line; None when it was quit."""

    @on(Mount)
    def start_watching_terminal(self) -> None:
        """Checks every ``TERMINAL_CHECK_S`` that the terminal the app began on is still there
        (not in a headless run, which has none)."""
        if not self.is_headless and _on_a_terminal():
            self.set_interval(TERMINAL_CHECK_S, self.watch_terminal)

    def watch_terminal(self) -> None:
        """Ends the app when its terminal has hung up (closed, or the connection dropped): a
        hung-up terminal is no terminal any more."""
        if not _on_a_terminal():
            self.exit()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Those of Textual's commands that neither write a file nor repeat one of the app's
        own (`TEXTUALS_KEPT`): never its "Screenshot"."""
        for command in super().get_system_commands(screen):
            if command.title in TEXTUALS_KEPT:
                yield command

    def deliver_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str | None:
        """Refused: a screenshot would put the conversation in a file outside the journal."""
        self.notify(NO_SCREENSHOTS, severity="warning", markup=False)
        return None

    def save_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str:
        """Refused, as `deliver_screenshot`: Textual takes one this way (and then ends) when
        the TEXTUAL_SCREENSHOT variable is set, so the app ends on the refusal instead, which
        the command says in one line."""
        if self.failure is None:
            self.failure = VoiceCoachError(NO_SCREENSHOTS)
        self.exit(return_code=1)
        return ""

    def _handle_exception(self, error: Exception) -> None:
        """An error ends the app (exit code 1), as Textual ends it; it is kept in ``failure``
        (the error itself, for one raised in a worker)."""
        if self.failure is None:
            self.failure = error.error if isinstance(error, WorkerFailed) else error
        super()._handle_exception(error)

    def _print_error_renderables(self) -> None:
        """Never print what Textual prepared on an error: its traceback shows the local
        variables, and they hold the answers on the screen."""
        self._exit_renderables.clear()


def _on_a_terminal() -> bool:
    """Whether the process's standard input is a terminal that has not hung up."""
    stdin = sys.__stdin__
    return stdin is not None and os.isatty(stdin.fileno())
