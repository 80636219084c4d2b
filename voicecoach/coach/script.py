"""Session scripts: the content of a session, as checked data (sessions/*.toml).

A script has an ``id``, a ``title``, a one-line ``summary``, ``[opening] say = [...]``, one
``[[steps]]`` table per step and ``[closing] say = [...]``. A step is a ``question`` (the coach
asks and listens) or a ``say`` step (the coach says it and goes on); a question may have
follow-ups chosen by what was said, and any step may name the step that comes ``next``.
docs/session-scripts.md documents every field. The user's own scripts in the data folder's
``sessions/`` are found beside the built-in ones (and replace a built-in one with the same id).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

from voicecoach.coach.scriptcheck import Problems, check_flow
from voicecoach.config import toml_value
from voicecoach.errors import SessionScriptError

END = "end"
"""The ``next`` value that goes to the closing lines."""


class StepType(StrEnum):
    """What a step does."""

    QUESTION = "question"
    """Ask the prompt, listen for the answer."""
    SAY = "say"
    """Say the prompt and go on without listening."""


class When(StrEnum):
    """What in an answer chooses a follow-up."""

    SHORT = "short"
    """The answer has fewer than ``max_words`` words."""
    MENTIONS = "mentions"
    """The answer contains one of ``words`` (whole words or phrases)."""
    ALWAYS = "always"
    """Any answer."""
    UNSURE = "unsure"
    """ "I don't know", "not sure" (see ``voicecoach.coach.answers``)."""
    HARSH = "harsh"
    """Harsh self-talk ("it's all my fault", "I'm stupid")."""
    FEELING = "feeling"
    """The answer names a feeling."""
    INCOMPLETE = "incomplete"
    """For a step with ``check = "concern"``: the concern lacks a feeling, a situation or a
    request, or says "always" / "never"."""
    NO_STEP = "no-step"
    """For a step with ``check = "step"``: the answer names a feeling and nothing to do ("I felt
    afraid and lonely")."""


class Check(StrEnum):
    """A rule-based check of a step's answer, whose result the coach says back."""

    NONE = "none"
    CONCERN = "concern"
    """A concern said out loud: feeling, situation, request; "always" / "never" noticed."""
    STEP = "step"
    """A small step to take, looked back at next time: an answer that names a feeling and
    nothing to do is no step (not praised as one, not looked back at)."""
    WIN = "win"
    """Something that already went a little better: an answer that only plans for next time
    ("next time I'll take a breath") is no win, and is not praised as one."""


@dataclass(frozen=True)
class FollowUp:
    """A question asked after an answer that fits its condition."""

    id: str
    """Unique within its step; stored as "<step id>.<follow-up id>"."""
    when: When
    """The condition."""
    prompt: str
    """What the coach asks."""
    acknowledge: str = ""
    """Said after its answer ("" = the step's own acknowledgement)."""
    max_words: int = 6
    """For ``short``: answers with fewer words than this get the follow-up."""
    words: tuple[str, ...] = ()
    """For ``mentions``: words or phrases (lower case) that choose it."""
    next: str = ""
    """Step id (or "end") to go to after it ("" = the step's own next)."""


@dataclass(frozen=True)
class Step:
    """One step of a session."""

    id: str
    """Unique within the script; stored with the answer."""
    prompt: str
    """What the coach asks (or says, for a ``say`` step)."""
    acknowledge: str = ""
    """What the coach says after an answer ("" = nothing)."""
    type: StepType = StepType.QUESTION
    """Question or say."""
    next: str = ""
    """Step id (or "end") that follows ("" = the next step in the file)."""
    follow_ups: tuple[FollowUp, ...] = ()
    """Checked in order after an answer; the first that fits is asked."""
    check: Check = Check.NONE
    """A check of the answer whose result is the acknowledgement (see ``Check``)."""
    replies: Mapping[str, str] = field(default_factory=dict)
    """Acknowledgement by answer class ("unsure", "short", "harsh", "feeling", "full"), in place
    of the coach's own; "{feeling}" in a "feeling" reply is the person's feeling word."""


GENERAL_LOOK_BACK = "Last time you named a small step. How did that go?"
"""The look back in general terms, when a script gives none of its own."""


@dataclass(frozen=True)
class LookBack:
    """Opens a session by looking back at what the person named in their last session of the
    same practice ("Last time you said you would …. How did that go?")."""

    step: str
    """Id of the step whose last answer is looked back at."""
    prompt: str
    """The question; "{answer}" is that answer, turned to "you"."""
    acknowledge: str = ""
    """Said after the reply ("" = the coach's own: a small win is named)."""
    general: str = GENERAL_LOOK_BACK
    """The question asked instead of ``prompt`` when the answer was heard too doubtfully to
    say it back word for word."""


@dataclass(frozen=True)
class SessionScript:
    """A whole session's content."""

    id: str
    """Topic name used on the command line, e.g. "patience"."""
    title: str
    """Human name."""
    summary: str
    """One line on what the session is for."""
    opening: tuple[str, ...]
    """Lines said before the first question."""
    steps: tuple[Step, ...]
    """The steps, in file order (the first one starts)."""
    closing: tuple[str, ...]
    """Lines said after the last question."""
    path: Path
    """Where the script was read from."""
    look_back: LookBack | None = None
    """Optional: the look back at the last session's step."""

    def step_by_id(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def after(self, step: Step, follow_up: FollowUp | None = None) -> str:
        """The id of what follows a step (or one of its follow-ups): a step id or END."""
        if follow_up is not None and follow_up.next:
            return follow_up.next
        if step.next:
            return step.next
        index = self.steps.index(step)
        return self.steps[index + 1].id if index + 1 < len(self.steps) else END


def builtin_dir() -> Path:
    """The folder of scripts shipped with voicecoach."""
    return Path(str(resources.files("voicecoach") / "data" / "sessions"))


def script_files(user_dir: Path | None) -> dict[str, Path]:
    """Every script file by its file stem; the user's folder wins over the built-in one."""
    found: dict[str, Path] = {}
    for folder in (builtin_dir(), user_dir):
        if folder is not None and folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                found[path.stem] = path
    return found


def unknown_topic(
    topic: str, user_dir: Path | None, spell: Callable[[str], str] = repr
) -> str | None:
    """What is wrong with ``topic`` when no script has it (``unknown topic 'x'; choose one of:
    …``, a close name offered first), or None when one has. ``spell`` writes the topic as it
    was given (`toml_value` for config.toml's ``coach.topic``: ``"x"``)."""
    files = script_files(user_dir)
    if topic in files:
        return None
    near = difflib.get_close_matches(topic, list(files), n=1)
    offer = f"did you mean {near[0]}? " if near else ""
    listed = ", ".join(sorted(files)) or "none"
    return f"unknown topic {spell(topic)}; {offer}choose one of: {listed}"


def find_script(topic: str, user_dir: Path | None) -> SessionScript:
    """Load the script for a topic; SessionScriptError saying which topics exist if none has
    it (see `unknown_topic`)."""
    problem = unknown_topic(topic, user_dir)
    if problem is not None:
        raise SessionScriptError(problem)
    return load_script(script_files(user_dir)[topic])


def load_script(path: Path) -> SessionScript:
    """Read and check one script; every problem is reported in one error."""
    from voicecoach.config import read_toml

    return script_from_doc(read_toml(path, SessionScriptError), path)


STEP_FIELDS = {"id", "type", "prompt", "acknowledge", "next", "follow_ups", "replies", "check"}
REPLY_CLASSES = ("unsure", "short", "harsh", "feeling", "full")
LOOK_BACK_FIELDS = {"step", "prompt", "acknowledge", "general"}
FOLLOW_UP_FIELDS = {"id", "when", "prompt", "acknowledge", "max_words", "words", "next"}
TOP_FIELDS = {"id", "title", "summary", "opening", "steps", "closing", "look_back"}


def script_from_doc(doc: dict[str, Any], path: Path) -> SessionScript:
    problems = Problems(path)
    problems.unknown(doc, TOP_FIELDS, "")
    script_id = problems.text(doc, "id", "")
    title = problems.text(doc, "title", "")
    summary = problems.text(doc, "summary", "", required=False)
    opening = problems.lines(doc, "opening")
    closing = problems.lines(doc, "closing")
    raw_steps = doc.get("steps")
    steps: list[Step] = []
    if not isinstance(raw_steps, list) or not raw_steps:
        problems.add("steps", "expected at least one [[steps]] table")
        raw_steps = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_steps, start=1):
        if not isinstance(raw, dict):
            problems.add(f"steps[{index}]", "expected a table")
            continue
        step = _step(raw, index, problems)
        if step.id in seen:
            problems.add(f"steps.{step.id}.id", "used by two steps")
        seen.add(step.id)
        steps.append(step)
    look_back = _look_back(doc.get("look_back"), problems)
    if look_back is not None and steps and look_back.step not in seen:
        problems.add("look_back.step", f"no step with id {toml_value(look_back.step)}")
    if script_id and script_id != path.stem:
        problems.add(
            "id", f"{toml_value(script_id)} must match the file name {toml_value(path.stem)}"
        )
    script = SessionScript(
        id=script_id,
        title=title,
        summary=summary,
        opening=opening,
        steps=tuple(steps),
        closing=closing,
        path=path,
        look_back=look_back,
    )
    if steps:
        check_flow(script, problems)
    problems.raise_if_any()
    return script


def _step(raw: dict[str, Any], index: int, problems: Problems) -> Step:
    step_id = problems.text(raw, "id", f"steps[{index}].")
    where = f"steps.{step_id}." if step_id else f"steps[{index}]."
    problems.unknown(raw, STEP_FIELDS, where)
    kind = problems.choice(raw, "type", where, StepType, StepType.QUESTION) or StepType.QUESTION
    follow_ups: list[FollowUp] = []
    raw_follow = raw.get("follow_ups", [])
    if not isinstance(raw_follow, list) or not all(isinstance(f, dict) for f in raw_follow):
        problems.add(f"{where}follow_ups", "expected [[steps.follow_ups]] tables")
        raw_follow = []
    if raw_follow and kind is StepType.SAY:
        problems.add(f"{where}follow_ups", "a say step has no answer to follow up")
    seen: set[str] = set()
    for number, item in enumerate(raw_follow, start=1):
        follow = _follow_up(item, f"{where}follow_ups", number, problems)
        if follow.id in seen:
            problems.add(f"{where}follow_ups.{follow.id}.id", "used twice in this step")
        seen.add(follow.id)
        follow_ups.append(follow)
    replies = _replies(raw.get("replies", {}), where, problems)
    check = problems.choice(raw, "check", where, Check, Check.NONE) or Check.NONE
    if any(f.when is When.INCOMPLETE for f in follow_ups) and check is not Check.CONCERN:
        problems.add(f"{where}follow_ups", 'when = "incomplete" needs check = "concern"')
    if any(f.when is When.NO_STEP for f in follow_ups) and check is not Check.STEP:
        problems.add(f"{where}follow_ups", 'when = "no-step" needs check = "step"')
    return Step(
        check=check,
        id=step_id,
        replies=replies,
        prompt=problems.text(raw, "prompt", where),
        acknowledge=problems.text(raw, "acknowledge", where, required=False),
        type=kind,
        next=problems.text(raw, "next", where, required=False),
        follow_ups=tuple(follow_ups),
    )


def _follow_up(raw: dict[str, Any], base: str, number: int, problems: Problems) -> FollowUp:
    follow_id = problems.text(raw, "id", f"{base}[{number}].")
    where = f"{base}.{follow_id}." if follow_id else f"{base}[{number}]."
    problems.unknown(raw, FOLLOW_UP_FIELDS, where)
    when = problems.choice(raw, "when", where, When, None)
    max_words = problems.whole(raw, "max_words", where, 6, low=1, high=100)
    words = problems.word_list(raw, "words", where)
    if when is When.MENTIONS and not words:
        problems.add(f"{where}words", 'missing (when = "mentions" needs a list of words)')
    return FollowUp(
        id=follow_id,
        when=when or When.ALWAYS,
        prompt=problems.text(raw, "prompt", where),
        acknowledge=problems.text(raw, "acknowledge", where, required=False),
        max_words=max_words,
        words=words,
        next=problems.text(raw, "next", where, required=False),
    )


def _replies(raw: Any, where: str, problems: Problems) -> dict[str, str]:
    if not isinstance(raw, dict):
        problems.add(f"{where}replies", "expected a table of answer class = line")
        return {}
    found: dict[str, str] = {}
    for key, value in raw.items():
        if key not in REPLY_CLASSES:
            allowed = ", ".join(map(toml_value, REPLY_CLASSES))
            problems.add(
                f"{where}replies.{key}", f"unknown answer class (expected one of {allowed})"
            )
        elif not isinstance(value, str) or not value.strip():
            problems.add(f"{where}replies.{key}", "expected a non-empty string")
        else:
            found[key] = value.strip()
    return found


def _look_back(raw: Any, problems: Problems) -> LookBack | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.add("look_back", "expected a table with step and prompt")
        return None
    problems.unknown(raw, LOOK_BACK_FIELDS, "look_back.")
    prompt = problems.text(raw, "prompt", "look_back.")
    if prompt and "{answer}" not in prompt:
        problems.add("look_back.prompt", 'expected "{answer}" where the last answer goes')
    return LookBack(
        step=problems.text(raw, "step", "look_back."),
        prompt=prompt,
        acknowledge=problems.text(raw, "acknowledge", "look_back.", required=False),
        general=problems.text(raw, "general", "look_back.", required=False) or GENERAL_LOOK_BACK,
    )
