"""The dialogue as data: the session machine's states, its transitions table, and which trigger
each voice command fires. ``SessionMachine`` (machine.py) supplies the callbacks named here."""

from __future__ import annotations

from enum import Enum
from typing import Any

from voicecoach.coach import options as say
from voicecoach.coach.intents import Command


class State(Enum):
    """Where the session is."""

    READY = "ready"
    INTRO = "intro"
    ASKING = "asking"
    LISTENING = "listening"
    ACKNOWLEDGING = "acknowledging"
    PAUSED = "paused"
    SAFETY = "safety"
    CLOSING = "closing"
    DONE = "done"
    STOPPED = "stopped"


LIVE = [s for s in State if s not in (State.DONE, State.STOPPED)]
TALKING = [State.ASKING, State.LISTENING, State.ACKNOWLEDGING, State.SAFETY]
"""States a pause can interrupt (a voice command, or a lost audio device)."""

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
        "source": State.LISTENING,
        "dest": State.ACKNOWLEDGING,
        "before": "keep_answer",
    },
    {
        "trigger": "continued",
        "source": State.LISTENING,
        "dest": State.ASKING,
        "before": "join_answer",
    },
    {
        "trigger": "danger",
        "source": [State.LISTENING, State.PAUSED],
        "dest": State.SAFETY,
        "before": "keep_concern",
    },
    {
        "trigger": "unanswered",
        "source": State.LISTENING,
        "dest": "=",
        "conditions": "may_reprompt",
        "before": "reprompt",
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
    {"trigger": "repeat", "source": State.LISTENING, "dest": State.ASKING, "before": "ask_again"},
    {
        "trigger": "skip",
        "source": State.LISTENING,
        "dest": State.ACKNOWLEDGING,
        "before": "skip_it",
    },
    {
        "trigger": "help",
        "source": [State.LISTENING, State.PAUSED],
        "dest": "=",
        "before": "help_me",
    },
    {"trigger": "rate", "source": State.LISTENING, "dest": State.ASKING, "before": "change_rate"},
    {"trigger": "ready", "source": State.LISTENING, "dest": "=", "before": "still_listening"},
    {"trigger": "ignored", "source": State.PAUSED, "dest": "="},
    {"trigger": "pause", "source": TALKING, "dest": State.PAUSED, "before": "note_pause"},
    {
        "trigger": "resume",
        "source": State.PAUSED,
        "dest": State.SAFETY,
        "conditions": "paused_in_safety",
        "before": "note_resume",
    },
    {"trigger": "resume", "source": State.PAUSED, "dest": State.ASKING, "before": "note_resume"},
    # After a safety concern: go on, or end.
    {"trigger": "carry_on", "source": State.SAFETY, "dest": State.ACKNOWLEDGING, "before": "go_on"},
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
}
"""Each command heard while listening for an answer, as a trigger and its arguments."""

PAUSED_TRIGGERS: dict[Command, tuple[str, dict[str, Any]]] = {
    Command.RESUME: ("resume", {"reason": "resume"}),
    Command.STOP: ("stop", {"line": say.STOPPED}),
    Command.HELP: ("help", {"listening": True}),
}
"""While paused only these are heard; anything else is ``ignored`` (keep waiting)."""
