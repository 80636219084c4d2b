"""What the coach asks next: the mood check-in, the script's steps (following ``next`` and the
follow-ups an answer calls for), the mood check-out. The machine asks the plan; the plan knows
nothing of audio or states."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from voicecoach.coach.answers import (
    GENTLER,
    MORE,
    ONE_THING,
    AnswerClass,
    Heard,
    names_something_to_do,
    only_a_feeling,
    said_back,
)
from voicecoach.coach.concern import check_concern
from voicecoach.coach.continuity import LastStep
from voicecoach.coach.script import (
    END,
    Check,
    FollowUp,
    SessionScript,
    Step,
    StepType,
    When,
)
from voicecoach.text import normalise

MOOD_BEFORE = "How are you feeling right now, from one to ten? One is very low, ten is very good."
MOOD_AFTER = "And now, from one to ten, how are you feeling?"
LOOK_BACK = "look-back"
"""The prompt_id of the look back at the last session."""

BUILT_IN_FOLLOW_UPS: dict[AnswerClass, FollowUp] = {
    AnswerClass.UNSURE: FollowUp("gentler", When.UNSURE, GENTLER),
    AnswerClass.SHORT: FollowUp("more", When.SHORT, MORE),
}
"""Asked after "I don't know" or a very short answer when the step has no follow-up for it."""

NO_STEP_FOLLOW_UP = FollowUp("one-thing", When.NO_STEP, ONE_THING)
"""Asked when a question asking for a step (``check = "step"``) got only a feeling, and the step
has no ``no-step`` follow-up of its own."""


def no_step(heard: Heard, text: str) -> bool:
    """Is an answer of class ``heard`` a feeling and nothing to do ("I felt afraid and lonely";
    the feeling may have been heard again by the tone grammar), or a feeling denied and nothing
    to do ("I never felt lonely")?"""
    if heard.kind is AnswerClass.FULL:
        return only_a_feeling(text)
    return heard.kind is AnswerClass.FEELING and not names_something_to_do(text)


MAX_ITEMS = 60
"""Most things asked in one session: a script whose loop exits only on a follow-up ends here."""


class Kind(StrEnum):
    """What an item of the plan is."""

    QUESTION = "question"
    SAY = "say"
    FOLLOW_UP = "follow-up"
    MOOD_BEFORE = "mood-before"
    MOOD_AFTER = "mood-after"
    LOOK_BACK = "look-back"


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
    personal: bool = False
    """The prompt is made from the person's own words (a look back naming their answer): it is
    never kept in the voice cache."""

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


_BY_CLASS = {
    When.UNSURE: AnswerClass.UNSURE,
    When.HARSH: AnswerClass.HARSH,
    When.FEELING: AnswerClass.FEELING,
}


def fits(follow_up: FollowUp, answer: str, heard: Heard | None = None) -> bool:
    """Does an answer (of class ``heard``, when known) call for this follow-up?"""
    said = normalise(answer)
    if follow_up.when is When.INCOMPLETE:
        return bool(said) and not check_concern(said).complete
    if follow_up.when is When.NO_STEP:
        return heard is not None and no_step(heard, answer)
    if follow_up.when in _BY_CLASS:
        return heard is not None and heard.kind is _BY_CLASS[follow_up.when]
    if follow_up.when is When.SHORT:
        if heard is not None and heard.kind in (AnswerClass.UNSURE, AnswerClass.HARSH):
            return False  # "I don't know" is not a short answer about the topic
        return len(said.split()) < follow_up.max_words
    if follow_up.when is When.MENTIONS:
        padded = f" {said} "
        return any(f" {normalise(word)} " in padded for word in follow_up.words)
    return True


class Plan:
    """The running order of one session."""

    def __init__(
        self, script: SessionScript, mood: bool = False, last_step: LastStep | None = None
    ) -> None:
        self.script = script
        self.mood = mood
        self.last_step = last_step
        """The step named at the look-back step in the last session (None = no look back)."""
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

    def answered(self, text: str, heard: Heard | None = None) -> None:
        """The current question was answered: choose a follow-up if the answer calls for one
        (at most one per question: a follow-up's answer gets none)."""
        cursor = self._cursor
        step = self._step(cursor)
        if step is None or cursor.via is not None or self.current is None:
            return
        if self.current.kind is not Kind.QUESTION:
            return
        chosen = next((f for f in step.follow_ups if fits(f, text, heard)), None)
        if chosen is None and heard is not None:
            chosen = BUILT_IN_FOLLOW_UPS.get(heard.kind)
            if step.check is Check.STEP and no_step(heard, text):
                chosen = NO_STEP_FOLLOW_UP
        self._cursor = replace(cursor, pending=chosen)

    def step_of(self, item: Item) -> Step | None:
        """The script step an item belongs to (None for mood and look-back items)."""
        return self.script.step_by_id(item.id.split(".")[0])

    def _step(self, cursor: _Cursor) -> Step | None:
        return self.script.step_by_id(cursor.step) if cursor.step else None

    def _advance(self, cursor: _Cursor) -> tuple[Item | None, _Cursor]:
        count = cursor.count + 1
        if cursor.stage == "before":
            if self.mood:
                item = Item("mood-before", MOOD_BEFORE, Kind.MOOD_BEFORE, "Thank you.")
                return item, _Cursor(stage="look-back", count=count)
            return self._advance(replace(cursor, stage="look-back"))
        if cursor.stage == "look-back":
            look = self.script.look_back
            last = self.last_step
            if look is not None and last is not None:
                said = said_back(last.text)
                prompt = look.prompt.replace("{answer}", said) if last.sure else look.general
                personal = last.sure and "{answer}" in look.prompt
                item = Item(LOOK_BACK, prompt, Kind.LOOK_BACK, look.acknowledge, personal)
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
