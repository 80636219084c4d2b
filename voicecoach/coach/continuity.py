"""Continuity across sessions: the step the person named in their last session of a practice,
read from the journal, so the next session can look back at it.

Only the last session of the practice counts ("Last time you said …" must be about last time):
when its step question got no answer that names a step (an "I don't know", a word or two,
harsh self-talk, a rating, a feeling and nothing to do at a step with ``check = "step"``, or the
session ended before the step), nothing is looked back at, however good an older session's
answer was. A step heard with a doubtful word (a stored word
confidence under ``QUOTE_CONFIDENCE``) is not said back word for word; the look back then asks
in general terms ("Last time you named a small step. How did that go?").

The look back reads the journal when a session starts, on the device. An encrypted journal
cannot be read unattended; there it reads the small readable file of last steps the person may
opt in to keeping (``store/laststeps.py``, ``[journal] readable_last_step``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from voicecoach.coach.answers import AnswerClass, classify, only_a_feeling
from voicecoach.coach.numbers import parse_mood
from voicecoach.coach.script import Check, SessionScript
from voicecoach.errors import VoiceCoachError
from voicecoach.speech.events import Utterance
from voicecoach.store.laststeps import KeptStep, keep_step, read_steps, remove_steps
from voicecoach.store.records import SessionRecord
from voicecoach.store.summary import SessionSummary, order

QUOTE_CONFIDENCE = 0.5
"""Lowest word confidence (0.0–1.0) of a step said back word for word. The whole-answer decode
stores each word's posterior: festival's "next time i will take three slow breaths before i
answer him" scored 0.89–1.0 throughout, while "run out" heard as "right now" scored 0.16 and
"wanted" as "want it" 0.36."""


@dataclass(frozen=True)
class LastStep:
    """The step a person named at a practice's look-back step in their last session of it."""

    text: str
    """The answer as heard."""
    sure: bool
    """Every word was heard surely enough (``QUOTE_CONFIDENCE``) to say it back word for word."""


class JournalReader(Protocol):
    """The part of the journal the look back reads."""

    folder: Path

    def summaries(self) -> list[SessionSummary]: ...
    def get(self, session_id: str) -> SessionRecord: ...
    def months(self) -> list[str]: ...
    def month_listing(self, month: str) -> list[SessionSummary]: ...


NAMES_A_STEP = frozenset({AnswerClass.FULL, AnswerClass.FEELING})
"""Answer classes that can name a step to look back at: not a non-answer, a word or two, or
harsh self-talk ("Last time you said it's all your fault" would be no kindness)."""


def names_a_step(text: str, steps_only: bool = False) -> bool:
    """Does an answer name a step: a full answer (or one naming a feeling), not a bare rating
    ("eight out of ten"; a sentence that holds a number, "I will take three slow breaths", is
    a step)? ``steps_only`` (the question asked for a step, ``check = "step"``): a feeling and
    nothing to do ("I felt afraid and lonely") is none."""
    if steps_only and only_a_feeling(text):
        return False
    return classify(text).kind in NAMES_A_STEP and parse_mood(text) is None


def asks_for_step(script: SessionScript | None, step: str) -> bool:
    """Does ``step`` of ``script`` ask for a step to take (``check = "step"``)?"""
    found = script.step_by_id(step) if script is not None else None
    return found is not None and found.check is Check.STEP


def heard_surely(answer: Utterance) -> bool:
    """Were all of the answer's words heard with at least ``QUOTE_CONFIDENCE``? (An answer kept
    without words, as a typed one, is taken as said.)"""
    return all(word.conf >= QUOTE_CONFIDENCE for word in answer.words)


def step_answer(record: SessionRecord, step: str, steps_only: bool = False) -> LastStep | None:
    """The last answer at a step (or one of its follow-ups) in a session, if it names a step
    (``names_a_step``, with ``steps_only``); None otherwise."""
    said = [
        turn.answer
        for turn in record.turns
        if (turn.prompt_id == step or turn.prompt_id.startswith(f"{step}."))
        and turn.answer is not None
    ]
    real = [answer for answer in said if names_a_step(answer.text, steps_only)]
    if not real:
        return None
    return LastStep(text=real[-1].text, sure=heard_surely(real[-1]))


def last_step(
    journal: JournalReader,
    topic: str,
    step: str,
    current: str = "",
    readable: bool = False,
    steps_only: bool = False,
) -> LastStep | None:
    """The step named at ``step`` in the last session of ``topic`` (the session ``current``,
    being recorded, left out); None when that session named none or cannot be read. A session
    that cannot be read here (an encrypted journal, no passphrase) is looked at through the
    readable last steps when ``readable`` (the person opted in): the kept step counts only if
    it was named in that very session. ``steps_only``: the step asks for a step to take
    (``asks_for_step``), so a feeling and nothing to do names none."""
    last = _last_session(journal, topic, current)
    if last is None:
        return None
    try:
        record = journal.get(last)
    except VoiceCoachError:
        return _kept(journal.folder, topic, step, last, steps_only) if readable else None
    return step_answer(record, step, steps_only)


def _last_session(journal: JournalReader, topic: str, current: str) -> str | None:
    """Id of the last session of ``topic`` but ``current``: from the summaries, else from the
    listing an encrypted journal keeps readable; None when there is none."""
    try:
        listed = journal.summaries()
    except VoiceCoachError:
        try:
            listed = [s for m in journal.months() for s in journal.month_listing(m)]
        except VoiceCoachError:
            return None
    mine = sorted((s for s in listed if s.topic == topic and s.id != current), key=order)
    return mine[-1].id if mine else None


def _kept(
    folder: Path, topic: str, step: str, session: str, steps_only: bool = False
) -> LastStep | None:
    """The step kept readable for ``topic``, if it was named at ``step`` in ``session`` (and,
    with ``steps_only``, is more than a feeling)."""
    kept = read_steps(folder).get(topic)
    if kept is None or kept.session != session or kept.step != step:
        return None
    if not names_a_step(kept.text, steps_only):
        return None
    return LastStep(text=kept.text, sure=kept.sure)


def keep_readable(folder: Path, record: SessionRecord, script: SessionScript, on: bool) -> None:
    """After a session on an encrypted journal: keep the step it named readable for the next
    session's look back (``on``: ``[journal] readable_last_step``), or take out the entry of a
    session that named none; with the setting off, remove the readable file altogether.
    JournalError when the disk refuses."""
    if not on:
        remove_steps(folder)
        return
    look = script.look_back
    if look is None:
        return
    named = step_answer(record, look.step, asks_for_step(script, look.step))
    kept = None
    if named is not None:
        kept = KeptStep(session=record.id, step=look.step, text=named.text, sure=named.sure)
    keep_step(folder, script.id, kept)


def last_answer(journal: JournalReader, topic: str, step: str, current: str = "") -> str:
    """The text of ``last_step`` ("" when there is none)."""
    found = last_step(journal, topic, step, current)
    return found.text if found is not None else ""


History = Callable[[str, str], LastStep | None]
"""(practice id, step id) → the step named there in the last session of the practice."""


def journal_history(
    journal: JournalReader,
    current: str = "",
    readable: bool = False,
    script: SessionScript | None = None,
) -> History:
    """(practice, step) → ``last_step`` in ``journal``, read when asked, the session ``current``
    left out; ``readable``: the person opted in to readable last steps. A step of ``script``
    (the practice being run) that asks for a step to take (``asks_for_step``) is looked back at
    only when it named more than a feeling."""

    def history(topic: str, step: str) -> LastStep | None:
        steps_only = script is not None and topic == script.id and asks_for_step(script, step)
        return last_step(journal, topic, step, current, readable, steps_only)

    return history
