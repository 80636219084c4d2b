"""The session machine as a Mermaid state diagram: the TRANSITIONS table, with the script's
steps (and their follow-ups and jumps) drawn inside the asking state."""

from __future__ import annotations

import re
from typing import Any

from voicecoach.coach.dialogue import TRANSITIONS, State
from voicecoach.coach.plan import MOOD_AFTER, MOOD_BEFORE
from voicecoach.coach.script import END, FollowUp, SessionScript, When


def _id(name: str) -> str:
    return "s_" + re.sub(r"\W", "_", name)


def _label(text: str) -> str:
    """Text safe inside a Mermaid label (no quotes, colons or semicolons)."""
    return re.sub(r'[":;#]', " ", text).strip()


def _sources(transition: dict[str, Any]) -> list[State]:
    source = transition["source"]
    return list(source) if isinstance(source, list) else [source]


def machine_lines() -> list[str]:
    """One edge per source of every transition, labelled trigger [condition]."""
    lines = ["    [*] --> ready"]
    for transition in TRANSITIONS:
        label = transition["trigger"]
        if "conditions" in transition:
            label += f" [{transition['conditions']}]"
        for source in _sources(transition):
            dest = transition["dest"]
            target = source if dest in ("=", None) else dest
            lines.append(f"    {source.value} --> {target.value} : {label}")
    lines += ["    done --> [*]", "    stopped --> [*]"]
    return lines


def _condition(follow_up: FollowUp) -> str:
    if follow_up.when is When.SHORT:
        return f"fewer than {follow_up.max_words} words"
    if follow_up.when is When.MENTIONS:
        return "mentions " + ", ".join(follow_up.words[:3])
    if follow_up.when is When.ALWAYS:
        return "any answer"
    return f"{follow_up.when.value} answer"


def script_lines(script: SessionScript, mood: bool) -> list[str]:
    """The steps inside the asking state: [*] → (mood) → steps … → (mood) → [*]."""
    exit_to = _id("mood-after") if mood else "[*]"
    lines = ["    state asking {"]
    names: list[tuple[str, str]] = []
    if mood:
        names += [("mood-before", MOOD_BEFORE), ("mood-after", MOOD_AFTER)]
    for step in script.steps:
        names.append((step.id, f"{step.id} ({step.type.value})"))
        names += [(f"{step.id}.{f.id}", f"{step.id}.{f.id} (follow-up)") for f in step.follow_ups]
    for key, text in names:
        lines.append(f'        state "{_label(text)}" as {_id(key)}')
    first = _id(script.steps[0].id)
    if mood:
        lines += [
            f"        [*] --> {_id('mood-before')}",
            f"        {_id('mood-before')} --> {first}",
        ]
        lines.append(f"        {_id('mood-after')} --> [*]")
    else:
        lines.append(f"        [*] --> {first}")

    def target(name: str) -> str:
        return exit_to if name == END else _id(name)

    for step in script.steps:
        lines.append(f"        {_id(step.id)} --> {target(script.after(step))}")
        for follow in step.follow_ups:
            follow_id = _id(f"{step.id}.{follow.id}")
            lines.append(f"        {_id(step.id)} --> {follow_id} : {_label(_condition(follow))}")
            lines.append(f"        {follow_id} --> {target(script.after(step, follow))}")
    lines.append("    }")
    return lines


def mermaid(script: SessionScript, mood: bool) -> str:
    """The whole diagram as Mermaid text."""
    head = ["stateDiagram-v2", f"    %% {_label(script.title)}: {script.path.name}"]
    return "\n".join(head + machine_lines() + script_lines(script, mood)) + "\n"
