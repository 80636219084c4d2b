"""The session machine: one `transitions` machine, generic over session scripts.

States and transitions are a table below; the script supplies what is said. The machine never
touches audio: it asks its ``CoachIO`` to say a line or to start listening, and is told what was
heard through ``hear()``.
"""

from __future__ import annotations

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
    CLOSING = "closing"
    DONE = "done"
    STOPPED = "stopped"


LIVE = [s for s in State if s not in (State.DONE, State.STOPPED)]

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "begin", "source": State.READY, "dest": State.INTRO},
    {"trigger": "advance", "source": [State.INTRO, State.ACKNOWLEDGING], "dest": State.ASKING,
     "conditions": "has_more_steps"},
    {"trigger": "advance", "source": [State.INTRO, State.ACKNOWLEDGING], "dest": State.CLOSING},
    {"trigger": "listen", "source": State.ASKING, "dest": State.LISTENING},
    {"trigger": "answered", "source": State.LISTENING, "dest": State.ACKNOWLEDGING,
     "before": "keep_answer"},
    {"trigger": "unanswered", "source": State.LISTENING, "dest": State.ACKNOWLEDGING},
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


class SessionMachine:
    """Runs one session script: intro, each question in turn, closing."""

    state: State

    def __init__(self, script: SessionScript, io: CoachIO, recorder: Recorder) -> None:
        self.script = script
        self._io = io
        self.recorder = recorder
        self._index = -1
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
        self._index += 1
        step = self.script.steps[self._index]
        self.recorder.start_turn(step.id, step.prompt)
        self._say(step.prompt)
        self.listen()

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
