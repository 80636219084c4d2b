"""The session machine: one `transitions` machine, generic over session scripts.

States and transitions are a table below; the script supplies what is asked (through the
``Plan``), and ``CoachOptions`` what the coach does beyond it (mood check-in, reprompts,
commands, crisis resources). The machine never touches audio: it asks its ``CoachIO`` to say a
line or to start listening, and is told what was heard through ``hear()``, which turns each
final utterance into exactly one trigger: a voice command, a safety concern, or an answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from transitions import Machine

from voicecoach.coach import options as say
from voicecoach.coach.dialogue import (
    COMMAND_TRIGGERS,
    LIVE,
    PAUSED_TRIGGERS,
    TALKING,
    TRANSITIONS,
    State,
)
from voicecoach.coach.firstrun import FIRST_RUN_NOTE, first_run_done, mark_first_run_done
from voicecoach.coach.intents import Command, wants_to_end
from voicecoach.coach.numbers import parse_mood
from voicecoach.coach.options import CoachOptions, help_line
from voicecoach.coach.plan import Item, Kind, Plan
from voicecoach.coach.recorder import Recorder
from voicecoach.coach.safety import check_safety
from voicecoach.coach.script import SessionScript
from voicecoach.speech.events import Final, ListenEvent, NoAnswer
from voicecoach.store.records import SessionRecord, Status

__all__ = ["LIVE", "TALKING", "TRANSITIONS", "CoachIO", "SessionMachine", "State"]


class CoachIO(Protocol):
    """What the machine asks of the loop."""

    def say(self, text: str) -> None:
        """Speak a line (returns once it is queued or heard)."""
        ...

    def listen(self, wait: int | None = None) -> None:
        """Start a listening turn after whatever is being said; ``wait`` replaces the
        no-answer wait (samples of audio time)."""
        ...

    def stop_listening(self) -> None:
        """Abandon the listening turn in progress, if any."""
        ...

    def change_rate(self, step: int) -> bool:
        """Speak ``step`` words per minute faster (or slower); False when at the limit."""
        ...


class SessionMachine:
    """Runs one session script: intro, each question in turn, closing."""

    state: State
    # Triggers, added by transitions.Machine from TRANSITIONS:
    begin: Callable[..., bool]
    advance: Callable[..., bool]
    listen: Callable[..., bool]
    answered: Callable[..., bool]
    continued: Callable[..., bool]
    danger: Callable[..., bool]
    unanswered: Callable[..., bool]
    pause: Callable[..., bool]
    resume: Callable[..., bool]
    carry_on: Callable[..., bool]
    finish: Callable[..., bool]
    stop: Callable[..., bool]
    trigger: Callable[..., bool]

    def __init__(
        self,
        script: SessionScript,
        io: CoachIO,
        recorder: Recorder,
        options: CoachOptions | None = None,
    ) -> None:
        self.script = script
        self.options = options or CoachOptions()
        self._io = io
        self.recorder = recorder
        self.plan = Plan(script, mood=self.options.mood_checkin)
        self._resumed = False
        """Back from a pause: SAFETY only offers again to end."""
        self._reprompts = 0
        self._ack = ""
        """What ACKNOWLEDGING says."""
        self._paused_from: State | None = None
        self.machine = Machine(
            model=self,
            states=State,
            transitions=TRANSITIONS,
            initial=State.READY,
            queued=True,
            auto_transitions=False,
        )

    # ---- driven by the loop -------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.state in (State.DONE, State.STOPPED)

    @property
    def record(self) -> SessionRecord:
        return self.recorder.record

    @property
    def item(self) -> Item | None:
        """What is being asked."""
        return self.plan.current

    def hear(self, event: ListenEvent, over_coach: bool = False) -> None:
        """A listening turn reported something: fire the one trigger it stands for.

        ``over_coach``: the person began while the coach was still speaking (its
        acknowledgement or the next question); an answer then continues the one just given.
        """
        if isinstance(event, NoAnswer):
            self.unanswered(event=event)
        elif isinstance(event, Final):
            name, kwargs = self.understand(event)
            if name == "answered" and over_coach and self._previous_answered():
                name = "continued"
            self.trigger(name, **kwargs)

    def _previous_answered(self) -> bool:
        """Is a question being asked right after one that was answered?"""
        turns = self.record.turns
        return (
            self.state is State.LISTENING
            and len(turns) >= 2
            and turns[-1].answer is None
            and turns[-2].answer is not None
        )

    def understand(self, event: Final) -> tuple[str, dict[str, Any]]:
        """The trigger a final utterance stands for, in this state."""
        text = event.utterance.text
        if self.state is State.SAFETY:
            ends = self._command(event) is not Command.RESUME and wants_to_end(text)
            return ("stop", {"line": say.END_AFTER_SAFETY}) if ends else ("carry_on", {})
        if check_safety(text) is not None:
            return "danger", {"event": event}
        if self.state is State.PAUSED:
            command = self._command(event)
            if command is None or command not in PAUSED_TRIGGERS:
                return "ignored", {"listening": True}
            self.recorder.event(f"command:{command}")
            name, kwargs = PAUSED_TRIGGERS[command]
            return name, {**kwargs, "listening": True}
        item = self.item
        if item is not None and item.is_mood and parse_mood(text) is not None:
            return "answered", {"event": event}
        command = self._command(event)
        if command is not None:
            self.recorder.event(f"command:{command}")
            return COMMAND_TRIGGERS[command]
        return "answered", {"event": event}

    def _command(self, event: Final) -> Command | None:
        return self.options.spotter.command(event)

    # ---- conditions -----------------------------------------------------------------------
    def has_more(self, **_: Any) -> bool:
        return self.plan.has_next()

    def may_reprompt(self, **_: Any) -> bool:
        return self._reprompts > 0

    def paused_in_safety(self, **_: Any) -> bool:
        return self._paused_from is State.SAFETY

    # ---- callbacks ------------------------------------------------------------------------
    def _say(self, text: str) -> None:
        self.recorder.coach_said(text)
        self._io.say(text)

    def on_enter_INTRO(self, **_: Any) -> None:
        state_file = self.options.first_run_file
        if state_file is not None and not first_run_done(state_file):
            self._say(FIRST_RUN_NOTE)
            mark_first_run_done(state_file)
        for line in self.script.opening:
            self._say(line)
        self.advance()

    def take_next(self, **_: Any) -> None:
        item = self.plan.next()
        if item is not None:
            self.recorder.start_turn(item.id, item.prompt)
        self._reprompts = self.options.reprompts

    def on_enter_ASKING(self, **_: Any) -> None:
        self._resumed = False
        item = self.item
        if item is None:  # pragma: no cover - ASKING is entered only with an item
            self.advance()
            return
        self._say(item.prompt)
        if item.expects_answer:
            self.listen()
        else:
            self.advance()

    def on_enter_LISTENING(self, **_: Any) -> None:
        self._io.listen()

    def reprompt(self, **_: Any) -> None:
        self._reprompts -= 1
        self.recorder.event("reprompt")
        item = self.item
        self._say(say.REPROMPT.format(prompt=item.prompt if item else ""))

    def note_no_answer(self, **_: Any) -> None:
        self.recorder.event("no-answer")
        self._ack = say.MOVE_ON

    def keep_concern(self, event: Final, **_: Any) -> None:
        """An answer that spoke of danger is kept as it was said; no follow-up is chosen."""
        self.recorder.answer(event.utterance, event.better)

    def join_answer(self, event: Final, **_: Any) -> None:
        """Speech over the coach's reply: it belongs to the answer just given."""
        self.recorder.continue_previous(event.utterance)

    def keep_answer(self, event: Final, **_: Any) -> None:
        item = self.item
        self.recorder.answer(event.utterance, event.better)
        if item is not None and item.is_mood:
            mood = parse_mood(event.utterance.text)
            field = "mood_before" if item.kind is Kind.MOOD_BEFORE else "mood_after"
            self.recorder.update(**{field: mood})
            self._ack = item.acknowledge if mood is not None else say.NO_MOOD
            return
        self.plan.answered(event.utterance.text)
        if event.capped:
            self._ack = say.CAPPED
        else:
            self._ack = "" if self.plan.follow_up_pending else (item.acknowledge if item else "")

    def on_enter_ACKNOWLEDGING(self, **_: Any) -> None:
        line, self._ack = self._ack, ""
        if line:
            self._say(line)
        self.advance()

    def ask_again(self, **_: Any) -> None:
        self.recorder.event("repeat")

    def skip_it(self, **_: Any) -> None:
        self.recorder.event("skip")
        self._ack = say.SKIPPED

    def help_me(self, **_: Any) -> None:
        paused = self.state is State.PAUSED
        self._say(say.HELP_PAUSED if paused else help_line(self.options.spotter.book))

    def change_rate(self, faster: bool, **_: Any) -> None:
        step = self.options.rate_step if faster else -self.options.rate_step
        changed = self._io.change_rate(step)
        if faster:
            self._say(say.FASTER if changed else say.FASTEST)
        else:
            self._say(say.SLOWER if changed else say.SLOWEST)

    def still_listening(self, **_: Any) -> None:
        self._say(say.LISTENING)

    def note_pause(self, reason: str = "pause", line: str = "", **_: Any) -> None:
        """Pausing stops listening; ``line`` (if any) is said first, e.g. why."""
        self._paused_from = self.state
        self._io.stop_listening()
        self.recorder.event(reason)
        if line:
            self._say(line)

    def on_enter_PAUSED(self, listening: bool = False, **_: Any) -> None:
        if listening:
            self._io.listen(self.options.pause_wait)

    def note_resume(self, reason: str = "resume", line: str = "", **_: Any) -> None:
        """Resuming says ``line`` (if any), then asks the current question again."""
        self.recorder.event(reason)
        self._resumed = True
        self._paused_from = None
        if line:
            self._say(line)

    def note_wait_over(self, **_: Any) -> None:
        if self.state is State.PAUSED:
            self._say(say.PAUSE_RAN_OUT)
        else:
            self._say(say.END_AFTER_SAFETY)

    def on_enter_SAFETY(self, **_: Any) -> None:
        if self._resumed:  # back from a pause: only the offer again
            self._resumed = False
        else:
            self.recorder.event("safety")
            self.recorder.update(safety_flag=True)
            self._say(say.NOT_A_CRISIS_SERVICE)
            self._say(self.options.crisis_resources)
        self._say(say.OFFER_END)
        self._io.listen(self.options.reply_wait)

    def go_on(self, **_: Any) -> None:
        self.recorder.event("carry-on")
        self._ack = say.CARRY_ON

    def on_enter_CLOSING(self, **_: Any) -> None:
        self.recorder.start_closing()
        for line in self.script.closing:
            self._say(line)
        self.finish()

    def on_enter_DONE(self, **_: Any) -> None:
        self.recorder.end(Status.COMPLETED)

    def on_enter_STOPPED(self, line: str = "", **_: Any) -> None:
        self._io.stop_listening()
        if line:
            self._say(line)
        self.recorder.end(Status.STOPPED)
