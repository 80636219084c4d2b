"""What interrupts a session's questions, and how it comes back: a pause (the person's "wait",
or a lost audio device) and the safety offer after a concern.

``Interruptions`` is a part of ``SessionMachine`` (machine.py), kept apart so each file has one
job: the conditions and callbacks that the ``pause``, ``resume``, ``danger``, ``carry_on`` and
``offer`` rows of the transitions table (dialogue.py) name, and the waits of ``PAUSED`` and
``SAFETY`` (samples of audio time).
"""

from __future__ import annotations

from typing import Any

from voicecoach.coach import options as say
from voicecoach.coach.commands import Spotted
from voicecoach.coach.dialogue import CoachIO, State
from voicecoach.coach.options import CoachOptions
from voicecoach.coach.recorder import Recorder
from voicecoach.speech.events import Final


class Interruptions:
    """Pauses and the safety offer of a session machine."""

    state: State
    options: CoachOptions
    recorder: Recorder
    _io: CoachIO
    _ack: str
    _held: tuple[Final, Spotted] | None
    _resumed: bool = False
    """Back from a pause: SAFETY only offers again to end."""
    _paused_from: State | None = None
    _pause_reason: str = ""
    _pause_ends: int | None = None
    """Audio time the wait for "continue" runs out (talk while paused does not renew it)."""
    _checking_safe: bool = False
    """After a safety match that may be a mishearing, or a cue the person denied: asked
    whether the person is safe."""
    _flagged_before_asking: bool = False
    """The record's ``safety_flag`` before that question: kept again when the person is safe."""

    def _say(
        self, text: str, question: bool = False, personal: bool = False, patient: bool = False
    ) -> None:
        raise NotImplementedError

    def _ending(self, line: str) -> str:
        """A line that ends the session early, saying truly what was kept (``ending_line``)."""
        rec = self.recorder
        return say.ending_line(line, self.options.keeps, rec.private, rec.answered)

    # ---- conditions -----------------------------------------------------------------------
    def paused_in_safety(self, **_: Any) -> bool:
        return self._paused_from is State.SAFETY

    def resumable(self, reason: str = "resume", **_: Any) -> bool:
        """A device coming back resumes only a pause the device caused."""
        return reason != "device-back" or self._pause_reason == "device-lost"

    # ---- pause ----------------------------------------------------------------------------
    def note_pause(self, reason: str = "pause", line: str = "", **_: Any) -> None:
        """Pausing stops listening; ``line`` (if any) is said first, e.g. why."""
        self._paused_from = self.state
        self._pause_reason = reason
        self._pause_ends = None
        self._held = None
        self._io.stop_listening()
        self.recorder.event(reason)
        if line:
            self._say(line)

    def on_enter_PAUSED(self, listening: bool = False, **_: Any) -> None:
        if not listening:
            return
        now = self._io.now
        if self._pause_ends is None:
            self._pause_ends = now + self.options.pause_wait
        self._io.listen(max(self._pause_ends - now, 0))

    def note_resume(self, reason: str = "resume", line: str = "", **_: Any) -> None:
        """Resuming says ``line`` (if any), then asks the current question again."""
        self.recorder.event(reason)
        self._resumed = True
        self._paused_from = None
        self._pause_ends = None
        if line:
            self._say(line)

    def keep_paused(self, reason: str = "", **_: Any) -> None:
        """The device is back, but the person had paused: still paused, listening again."""
        self.recorder.event(reason or "still-paused")
        self._say(say.STILL_PAUSED)
        self._pause_ends = self._io.now + self.options.pause_wait  # a fresh wait after a blip
        self._io.listen(self.options.pause_wait)

    def note_wait_over(self, **_: Any) -> None:
        if self.state is State.PAUSED:
            self._say(self._ending(say.PAUSE_RAN_OUT))
        else:
            self._say(say.END_AFTER_SAFETY)

    # ---- safety ---------------------------------------------------------------------------
    def on_enter_SAFETY(self, misheard: bool = False, **_: Any) -> None:
        if self._resumed:  # back from a pause: only the offer again
            self._resumed = False
        elif misheard:  # maybe a mishearing, or denied: the resources, then ask, not stop
            self.recorder.event("safety-unsure")
            self._flagged_before_asking = self.recorder.record.safety_flag
            self.recorder.update(safety_flag=True)  # until the person says they are safe
            self._say(self.options.crisis_resources)
            self._say(say.MISHEARD)
            self._checking_safe = True
            self._io.listen(self.options.reply_wait)
            return
        else:
            self.recorder.event("safety")
            self.recorder.update(safety_flag=True)
            self._say(say.NOT_A_CRISIS_SERVICE)
            self._say(self.options.crisis_resources)
        self.offer_end()

    def offer_end(self, **_: Any) -> None:
        self._checking_safe = False
        self._say(say.OFFER_END)
        self._io.listen(self.options.reply_wait)

    def go_on(self, line: str = say.CARRY_ON, **_: Any) -> None:
        self.recorder.event("carry-on")
        self._ack = line
