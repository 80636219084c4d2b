"""Continuity across sessions: what the person named at a step in their last session of a
practice, read from the journal, so the next session can look back at it.

The look back reads the journal when a session starts, on the device, and keeps nothing
elsewhere. An encrypted journal cannot be read unattended; there the look back works only when
the person opts in to keeping that one step readable (see docs/session-scripts.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from voicecoach.coach.answers import AnswerClass, classify
from voicecoach.coach.numbers import parse_mood
from voicecoach.errors import VoiceCoachError
from voicecoach.store.records import SessionRecord
from voicecoach.store.summary import SessionSummary

LOOK_BACK_SESSIONS = 10
"""Most recent sessions of the practice searched for an answer to the step."""


class JournalReader(Protocol):
    """The part of the journal the look back reads."""

    def summaries(self) -> list[SessionSummary]: ...
    def get(self, session_id: str) -> SessionRecord: ...


NAMES_A_STEP = frozenset({AnswerClass.FULL, AnswerClass.FEELING})
"""Answer classes that can name a step to look back at: not a non-answer, a word or two, or
harsh self-talk ("Last time you said it's all your fault" would be no kindness)."""


def step_answer(record: SessionRecord, step: str) -> str:
    """The last answer at a step (or one of its follow-ups) in a session that can name a step
    (``NAMES_A_STEP``, and no rating such as "eight out of ten"); "" if none."""
    said = [
        turn.answer.text
        for turn in record.turns
        if (turn.prompt_id == step or turn.prompt_id.startswith(f"{step}."))
        and turn.answer is not None
    ]
    real = [s for s in said if classify(s).kind in NAMES_A_STEP and parse_mood(s) is None]
    return real[-1] if real else ""


def last_answer(journal: JournalReader, topic: str, step: str) -> str:
    """The answer at ``step`` in the most recent session of ``topic`` that has one ("" if none)."""
    try:
        mine = [s for s in journal.summaries() if s.topic == topic]
    except VoiceCoachError:
        return ""  # e.g. an encrypted journal recording without its passphrase
    for summary in reversed(mine[-LOOK_BACK_SESSIONS:]):
        try:
            record = journal.get(summary.id)
        except VoiceCoachError:
            continue  # gone or unreadable since: the look back is only a kindness
        answer = step_answer(record, step)
        if answer:
            return answer
    return ""


def journal_history(journal: JournalReader) -> Callable[[str, str], str]:
    """(practice, step) → the last answer there, read from ``journal`` when asked."""
    return lambda topic, step: last_answer(journal, topic, step)
