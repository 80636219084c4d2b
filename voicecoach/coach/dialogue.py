"""The dialogue as data: the session machine's states, its transitions table, which trigger
each voice command fires, and what the machine asks of the loop (``CoachIO``).
``SessionMachine`` (machine.py) supplies the callbacks named here."""

from __future__ import annotations

from enum import Enum
from typing import Any, Protocol

from voicecoach.coach import options as say
from voicecoach.coach.intents import Command


class State(Enum):
    """Where the session is."""

    READY = "ready"
    INTRO = "intro"
    ASKING = "asking"
    LISTENING = "listening"
    CONFIRMING = "confirming"
    """A short utterance may have been a command, or a number heard unsurely: the coach asked,
    and listens for yes or no."""
    ACKNOWLEDGING = "acknowledging"
    PAUSED = "paused"
    SAFETY = "safety"
    CLOSING = "closing"
    DONE = "done"
    STOPPED = "stopped"


LIVE = [s for s in State if s not in (State.DONE, State.STOPPED)]
TALKING = [State.ASKING, State.LISTENING, State.CONFIRMING, State.ACKNOWLEDGING, State.SAFETY]
"""States a pause can interrupt (a voice command, or a lost audio device)."""
HEARING = [State.LISTENING, State.CONFIRMING]
"""States that take an answer or a command."""

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "begin", "source": State.READY, "dest": State.INTRO},
    {
        "trigger": "advance",
        "source": [State.INTRO, State.ASKING, State.ACKNOWLEDGING],
        "dest": State.ASKING,
        "conditions": "has_more",
        "before": "take_next",
    },
    {
        "trigger": "advance",
        "source": [State.INTRO, State.ASKING, State.ACKNOWLEDGING],
        "dest": State.CLOSING,
    },
    {"trigger": "listen", "source": State.ASKING, "dest": State.LISTENING},
    # What a listening turn heard.
    {
        "trigger": "answered",
        "source": HEARING,
        "dest": State.ACKNOWLEDGING,
        "before": "keep_answer",
    },
    {
        "trigger": "continued",
        "source": State.LISTENING,
        "dest": State.ASKING,
        "before": "join_answer",
    },
    # Speech begun before the question was heard (over the welcome): asked, then joined.
    {"trigger": "early", "source": State.LISTENING, "dest": State.ASKING, "before": "keep_early"},
    {
        "trigger": "danger",
        "source": [*HEARING, State.PAUSED],
        "dest": State.SAFETY,
        "before": "keep_concern",
    },
    # A mood not heard as a number, or two numbers: asked once more.
    {"trigger": "reask", "source": State.LISTENING, "dest": "=", "before": "ask_mood_again"},
    # ... also when a mood misheard as a command was not one ("Did you want to …?" "No.").
    {
        "trigger": "reask",
        "source": State.CONFIRMING,
        "dest": State.LISTENING,
        "before": "ask_mood_again",
    },
    # A number the rating grammar heard but the transcript does not clearly say: "Did you say …?"
    {
        "trigger": "check_number",
        "source": State.LISTENING,
        "dest": State.CONFIRMING,
        "before": "hold_mood",
    },
    # A short utterance that may be a command: asked before acting.
    {
        "trigger": "confirm",
        "source": State.LISTENING,
        "dest": State.CONFIRMING,
        "before": "hold_for_confirming",
    },
    # No reply to "Did you want to …?" about a command, or none that says yes or no: neither
    # the command nor what was said is taken; the question is asked again.
    {
        "trigger": "unconfirmed",
        "source": State.CONFIRMING,
        "dest": State.LISTENING,
        "before": "ask_once_more",
    },
    # A rating said over the welcome, then silence at the mood question: that was the mood.
    {
        "trigger": "unanswered",
        "source": State.LISTENING,
        "dest": State.ACKNOWLEDGING,
        "conditions": "rated_early",
        "before": "take_early_mood",
    },
    {
        "trigger": "unanswered",
        "source": State.LISTENING,
        "dest": "=",
        "conditions": "may_reprompt",
        "before": "reprompt",
    },
    # Question after question left unanswered (each asked again first): the person has
    # likely stepped away, and the session ends instead of talking to an empty room.
    {
        "trigger": "unanswered",
        "source": State.LISTENING,
        "dest": State.STOPPED,
        "conditions": "gone_quiet",
        "before": "note_gone_quiet",
    },
    {
        "trigger": "unanswered",
        "source": State.LISTENING,
        "dest": State.ACKNOWLEDGING,
        "before": "note_no_answer",
    },
    {
        "trigger": "unanswered",
        "source": [State.PAUSED, State.SAFETY],
        "dest": State.STOPPED,
        "before": "note_wait_over",
    },
    # Voice commands (see COMMAND_TRIGGERS).
    {"trigger": "repeat", "source": HEARING, "dest": State.ASKING, "before": "ask_again"},
    {
        "trigger": "skip",
        "source": HEARING,
        "dest": State.ACKNOWLEDGING,
        "before": "skip_it",
    },
    # after the commands, the question again: the person may have asked for help to answer it
    {"trigger": "help", "source": State.LISTENING, "dest": State.ASKING, "before": "help_me"},
    {"trigger": "help", "source": State.PAUSED, "dest": "=", "before": "help_me"},
    {"trigger": "help", "source": State.CONFIRMING, "dest": State.LISTENING, "before": "help_me"},
    {"trigger": "rate", "source": HEARING, "dest": State.ASKING, "before": "change_rate"},
    {"trigger": "forget", "source": HEARING, "dest": State.ASKING, "before": "forget_last"},
    {"trigger": "private", "source": HEARING, "dest": State.ASKING, "before": "go_private"},
    {"trigger": "ready", "source": HEARING, "dest": State.LISTENING, "before": "still_listening"},
    {"trigger": "ignored", "source": State.PAUSED, "dest": "="},
    {"trigger": "pause", "source": TALKING, "dest": State.PAUSED, "before": "note_pause"},
    {
        "trigger": "resume",
        "source": State.PAUSED,
        "dest": State.SAFETY,
        "conditions": ["paused_in_safety", "resumable"],
        "before": "note_resume",
    },
    {
        "trigger": "resume",
        "source": State.PAUSED,
        "dest": State.ASKING,
        "conditions": "resumable",
        "before": "note_resume",
    },
    # The device came back while the person had paused: still paused.
    {"trigger": "resume", "source": State.PAUSED, "dest": None, "before": "keep_paused"},
    # After a safety concern: go on, or end; after one that may be a mishearing, ask first.
    {"trigger": "carry_on", "source": State.SAFETY, "dest": State.ACKNOWLEDGING, "before": "go_on"},
    {"trigger": "offer", "source": State.SAFETY, "dest": None, "before": "offer_end"},
    {"trigger": "finish", "source": State.CLOSING, "dest": State.DONE},
    {"trigger": "stop", "source": LIVE, "dest": State.STOPPED},
]
"""trigger, source, dest (and conditions / callbacks): the whole dialogue."""

COMMAND_TRIGGERS: dict[Command, tuple[str, dict[str, Any]]] = {
    Command.REPEAT: ("repeat", {}),
    Command.SKIP: ("skip", {}),
    Command.PAUSE: ("pause", {"reason": "pause", "line": say.PAUSED, "listening": True}),
    Command.RESUME: ("ready", {}),
    Command.STOP: ("stop", {"line": say.STOPPED}),
    Command.HELP: ("help", {"listening": True}),
    Command.SLOWER: ("rate", {"faster": False}),
    Command.FASTER: ("rate", {"faster": True}),
    Command.FORGET: ("forget", {}),
    Command.PRIVATE: ("private", {}),
}
"""Each command heard while listening for an answer, as a trigger and its arguments."""

PAUSED_TRIGGERS: dict[Command, tuple[str, dict[str, Any]]] = {
    Command.RESUME: ("resume", {"reason": "resume"}),
    Command.STOP: ("stop", {"line": say.STOPPED}),
    Command.HELP: ("help", {"listening": True}),
}
"""While paused only these are heard; anything else is ``ignored`` (keep waiting)."""


class CoachIO(Protocol):
    """What the machine asks of the loop."""

    @property
    def now(self) -> int:
        """Audio time (samples) the loop has reached."""
        ...

    def say(
        self, text: str, pause: float = 0.0, personal: bool = False, patient: bool = False
    ) -> None:
        """Speak a line (returns once it is queued or heard), after ``pause`` seconds of
        silence when it follows another line. ``personal``: the line is made from the person's
        own words (a reflection, a look back at their answer), so its rendering is never
        written to the voice cache. ``patient``: a question asked in reply to an answer; it is
        still being asked (or not yet begun) while the person might go on after a pause."""
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
