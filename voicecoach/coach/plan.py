"""What the coach asks next: the mood check-in, the script's steps (following ``next`` and the
follow-ups an answer calls for), the mood check-out. The machine asks the plan; the plan knows
nothing of audio or states."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from voicecoach.coach.script import END, FollowUp, SessionScript, Step, StepType, When
from voicecoach.text import normalise

MOOD_BEFORE = "Before we begin: from one to ten, how are you feeling?"
MOOD_AFTER = "Before we finish: from one to ten, how are you feeling now?"

MAX_ITEMS = 60
"""Most things asked in one session: a script whose loop exits only on a follow-up ends here."""


class Kind(StrEnum):
    """What an item of the plan is."""

    QUESTION = "question"
    SAY = "say"
    FOLLOW_UP = "follow-up"
    MOOD_BEFORE = "mood-before"
    MOOD_AFTER = "mood-after"


@dataclass(frozen=True)
class Item:
    """One thing the coach says and, unless it is a ``say`` step, listens after."""

    id: str
    """Stored as the turn's prompt_id: a step id, "<step>.<follow-up>", or "mood-before"."""
    prompt: str
    """What the coach says."""
    kind: Kind
    """Question, say step, follow-up or mood check."""
    acknowledge: str = ""
    """What the coach says after an answer ("" = nothing)."""

    @property
    def expects_answer(self) -> bool:
        return self.kind is not Kind.SAY

    @property
    def is_mood(self) -> bool:
        return self.kind in (Kind.MOOD_BEFORE, Kind.MOOD_AFTER)


@dataclass(frozen=True)
class _Cursor:
    stage: str = "before"
    """before → steps → after → done."""
    step: str = ""
    """Id of the current step ("" before the first)."""
    via: FollowUp | None = None
    """The follow-up just asked, if the current item is one."""
    pending: FollowUp | None = None
    """The follow-up an answer called for, asked next."""
    count: int = 0


def fits(follow_up: FollowUp, answer: str) -> bool:
    """Does an answer call for this follow-up?"""
    said = normalise(answer)
    if follow_up.when is When.SHORT:
        return len(said.split()) < follow_up.max_words
    if follow_up.when is When.MENTIONS:
        padded = f" {said} "
        return any(f" {normalise(word)} " in padded for word in follow_up.words)
    return True


class Plan:
    """The running order of one session."""

    def __init__(self, script: SessionScript, mood: bool = False) -> None:
        self.script = script
        self.mood = mood
        self._cursor = _Cursor()
        self.current: Item | None = None
        """The item being asked."""

    def has_next(self) -> bool:
        return self._advance(self._cursor)[0] is not None

    def next(self) -> Item | None:
        """Move on to the next item (None when everything was asked)."""
        item, self._cursor = self._advance(self._cursor)
        self.current = item
        return item

    @property
    def follow_up_pending(self) -> bool:
        return self._cursor.pending is not None

    def answered(self, text: str) -> None:
        """The current question was answered: choose a follow-up if the answer calls for one."""
        cursor = self._cursor
        step = self._step(cursor)
        if step is None or cursor.via is not None or self.current is None:
            return
        if self.current.kind is not Kind.QUESTION:
            return
        chosen = next((f for f in step.follow_ups if fits(f, text)), None)
        self._cursor = replace(cursor, pending=chosen)

    def _step(self, cursor: _Cursor) -> Step | None:
        return self.script.step_by_id(cursor.step) if cursor.step else None

    def _advance(self, cursor: _Cursor) -> tuple[Item | None, _Cursor]:
        count = cursor.count + 1
        if cursor.stage == "before":
            if self.mood:
                item = Item("mood-before", MOOD_BEFORE, Kind.MOOD_BEFORE, "Thank you.")
                return item, _Cursor(stage="steps", count=count)
            return self._advance(replace(cursor, stage="steps"))
        if cursor.stage == "steps":
            step = self._step(cursor)
            if cursor.pending is not None and step is not None:
                follow = cursor.pending
                item = Item(
                    id=f"{step.id}.{follow.id}",
                    prompt=follow.prompt,
                    kind=Kind.FOLLOW_UP,
                    acknowledge=follow.acknowledge or step.acknowledge,
                )
                return item, replace(cursor, via=follow, pending=None, count=count)
            target = (
                self.script.steps[0].id if step is None else self.script.after(step, cursor.via)
            )
            following = self.script.step_by_id(target) if target != END else None
            if following is None or cursor.count >= MAX_ITEMS:
                return self._advance(_Cursor(stage="after", count=cursor.count))
            kind = Kind.SAY if following.type is StepType.SAY else Kind.QUESTION
            item = Item(following.id, following.prompt, kind, following.acknowledge)
            return item, _Cursor(stage="steps", step=following.id, count=count)
        if cursor.stage == "after" and self.mood:
            return Item("mood-after", MOOD_AFTER, Kind.MOOD_AFTER, "Thank you."), _Cursor("done")
        return None, _Cursor(stage="done", count=cursor.count)
