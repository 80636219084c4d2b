"""A Textual app that keeps what it shows to the screen: the base of the review app.

Textual offers ways to put the screen elsewhere: a "Screenshot" command in its palette (an SVG
in ~/Downloads, readable by all), a screenshot taken when TEXTUAL_SCREENSHOT is set, and, on an
error, a traceback printed with its local variables (the answers shown among them). Here none
of them writes or prints anything: the palette keeps only Textual's commands that change the
screen (`TEXTUALS_KEPT`), a screenshot is refused, and the error the app ends on is kept in
``failure`` for the command to say in one line.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import App, SystemCommand
from textual.screen import Screen
from textual.worker import WorkerFailed

from voicecoach.errors import VoiceCoachError

TEXTUALS_KEPT = frozenset({"Theme", "Maximize", "Minimize"})
"""Textual's own commands the palette offers: they change only what is on the screen."""
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
