"""The session machine: one `transitions` machine, generic over session scripts.

States and transitions are a table below; the script supplies what is said. The machine never
touches audio: it asks its ``CoachIO`` to say a line or to start listening, and is told what was
heard through ``hear()``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, Protocol

from transitions import Machine

from voicecoach.coach.recorder import Recorder
from voicecoach.coach.script import SessionScript, Step
from voicecoach.speech.events import Final, ListenEvent, NoAnswer
from voicecoach.store.records import SessionRecord, Status

MOVE_ON = "That's all right. Let's go on."
CAPPED = "Thank you, that was a lot to say. Let's pause there and go on."


class State(Enum):
    """Where the session is."""

    READY = "ready"
    INTRO = "intro"
    ASKING = "asking"
    LISTENING = "listening"
    ACKNOWLEDGING = "acknowledging"
    PAUSED = "paused"
    CLOSING = "closing"
    DONE = "done"
    STOPPED = "stopped"


LIVE = [s for s in State if s not in (State.DONE, State.STOPPED)]

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "begin", "source": State.READY, "dest": State.INTRO},
    {
        "trigger": "advance",
        "source": [State.INTRO, State.ACKNOWLEDGING],
        "dest": State.ASKING,
        "conditions": "has_more_steps",
    },
    {"trigger": "advance", "source": [State.INTRO, State.ACKNOWLEDGING], "dest": State.CLOSING},
    {"trigger": "listen", "source": State.ASKING, "dest": State.LISTENING},
    {
        "trigger": "answered",
        "source": State.LISTENING,
        "dest": State.ACKNOWLEDGING,
        "before": "keep_answer",
    },
    {"trigger": "unanswered", "source": State.LISTENING, "dest": State.ACKNOWLEDGING},
    {
        "trigger": "pause",
        "source": [State.ASKING, State.LISTENING, State.ACKNOWLEDGING],
        "dest": State.PAUSED,
        "before": "note_pause",
    },
    {"trigger": "resume", "source": State.PAUSED, "dest": State.ASKING, "before": "note_resume"},
    {"trigger": "finish", "source": State.CLOSING, "dest": State.DONE},
    {"trigger": "stop", "source": LIVE, "dest": State.STOPPED},
]
"""trigger, source, dest (and conditions / callbacks): the whole dialogue."""


class CoachIO(Protocol):
    """What the machine asks of the loop."""

    def say(self, text: str) -> None:
        """Speak a line (returns once it is queued or heard)."""
        ...

    def listen(self) -> None:
        """Start a listening turn after whatever is being said."""
        ...

    def stop_listening(self) -> None:
        """Abandon the listening turn in progress, if any."""
        ...


class SessionMachine:
    """Runs one session script: intro, each question in turn, closing."""

    state: State
    # Triggers, added by transitions.Machine from TRANSITIONS:
    begin: Callable[..., bool]
    advance: Callable[..., bool]
    listen: Callable[..., bool]
    answered: Callable[..., bool]
    unanswered: Callable[..., bool]
    pause: Callable[..., bool]
    resume: Callable[..., bool]
    finish: Callable[..., bool]
    stop: Callable[..., bool]

    def __init__(self, script: SessionScript, io: CoachIO, recorder: Recorder) -> None:
        self.script = script
        self._io = io
        self.recorder = recorder
        self._index = -1
        self._resuming = False
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
    def step(self) -> Step | None:
        return self.script.steps[self._index] if 0 <= self._index < len(self.script.steps) else None

    def hear(self, event: ListenEvent) -> None:
        """A listening turn reported something."""
        if isinstance(event, Final):
            self.answered(event)
        elif isinstance(event, NoAnswer):
            self.unanswered(event)

    # ---- conditions and callbacks ---------------------------------------------------------
    def has_more_steps(self, *_: object) -> bool:
        return self._index + 1 < len(self.script.steps)

    def _say(self, text: str) -> None:
        self.recorder.coach_said(text)
        self._io.say(text)

    def on_enter_INTRO(self) -> None:
        for line in self.script.opening:
            self._say(line)
        self.advance()

    def on_enter_ASKING(self) -> None:
        if self._resuming:
            # Back from a pause: the same question again, in the same turn.
            self._resuming = False
            step = self.script.steps[self._index]
        else:
            self._index += 1
            step = self.script.steps[self._index]
            self.recorder.start_turn(step.id, step.prompt)
        self._say(step.prompt)
        self.listen()

    def note_pause(self, reason: str = "pause", line: str = "") -> None:
        """Pausing stops listening; ``line`` (if any) is said first, e.g. why."""
        self._io.stop_listening()
        self.recorder.event(reason)
        if line:
            self._say(line)

    def note_resume(self, reason: str = "resume", line: str = "") -> None:
        """Resuming says ``line`` (if any), then asks the current question again."""
        self.recorder.event(reason)
        self._resuming = True
        if line:
            self._say(line)

    def on_enter_LISTENING(self) -> None:
        self._io.listen()

    def keep_answer(self, event: Final) -> None:
        self.recorder.answer(event.utterance)

    def on_enter_ACKNOWLEDGING(self, event: ListenEvent) -> None:
        step = self.step
        if isinstance(event, Final):
            if event.capped:
                self._say(CAPPED)
            elif step is not None and step.acknowledge:
                self._say(step.acknowledge)
        else:
            self.recorder.event("no-answer")
            self._say(MOVE_ON)
        self.advance()

    def on_enter_CLOSING(self) -> None:
        self.recorder.start_closing()
        for line in self.script.closing:
            self._say(line)
        self.finish()

    def on_enter_DONE(self) -> None:
        self.recorder.end(Status.COMPLETED)

    def on_enter_STOPPED(self) -> None:
        self.recorder.end(Status.STOPPED)
