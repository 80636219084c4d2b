"""The journal's records: one per session, with its turns. Dicts exist only at this boundary."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol

from voicecoach.speech.events import EngineInfo, Utterance

SCHEMA_VERSION = 1
"""Version of the record layout written by this code."""


class Status(StrEnum):
    """Where a session ended up."""

    RUNNING = "running"
    """In progress (or its process died and nobody has looked since)."""
    COMPLETED = "completed"
    """Ran to its end with at least one answer."""
    UNANSWERED = "unanswered"
    """Ran to its end, or ended after questions left unanswered in a row
    (``listen.quiet_questions``), and nothing was answered (silence, or noise that held no
    words)."""
    STOPPED = "stopped"
    """Ended early, asked to (a voice command, Ctrl-C, SIGTERM, a lost device), or after
    questions left unanswered in a row once something had been answered."""
    INTERRUPTED = "interrupted"
    """Its process died mid-session, or its disk refused a save; what was saved before is
    kept."""


@dataclass(frozen=True, slots=True)
class Turn:
    """One question of a session and what came back."""

    prompt_id: str
    """Id of the step in the session script."""
    prompt: str
    """The question as the coach said it."""
    answer: Utterance | None
    """The answer, or None when nothing was said."""
    events: tuple[str, ...] = ()
    """What happened during the turn, in order (e.g. "reprompt", "skip", "command:repeat")."""
    coach_lines: tuple[str, ...] = ()
    """Every line the coach said during the turn, in order, the prompt included."""
    listened: bool = True
    """False for a line the coach said without listening after it (a script's ``say`` step):
    there was no question, so there is no answer to miss."""

    def to_record(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "prompt_id": self.prompt_id,
            "prompt": self.prompt,
            "answer": None if self.answer is None else self.answer.to_record(),
            "events": list(self.events),
            "coach_lines": list(self.coach_lines),
        }
        if not self.listened:
            doc["listened"] = False
        return doc

    @classmethod
    def from_record(cls, doc: dict[str, Any]) -> Turn:
        answer = doc.get("answer")
        return cls(
            prompt_id=str(doc["prompt_id"]),
            prompt=str(doc["prompt"]),
            answer=None if answer is None else Utterance.from_record(answer),
            events=tuple(doc.get("events", ())),
            coach_lines=tuple(doc.get("coach_lines", ())),
            listened=doc.get("listened", True) is not False,
        )


@dataclass(frozen=True)
class SessionRecord:
    """Everything kept about one session.

    (Its parts use ``slots=True`` to be cheap by the million; the record itself keeps a
    ``__dict__``, which scripts use to copy one with changes.)
    """

    id: str
    """Unique id, sortable by start time (e.g. "20261126-203000-ab12")."""
    topic: str
    """Session script id, e.g. "patience"."""
    started_at: str
    """ISO 8601 local time with offset, when the session began."""
    engine: EngineInfo
    """The recogniser used."""
    status: Status = Status.RUNNING
    """running while in progress; then completed, stopped or interrupted."""
    ended_at: str | None = None
    """ISO 8601 time the session ended, or None while running / when interrupted."""
    turns: tuple[Turn, ...] = ()
    """The questions asked (and the lines said without listening), in order."""
    mood_before: int | None = None
    """Mood 1–10 said at the start, or None."""
    mood_after: int | None = None
    """Mood 1–10 said at the end, or None."""
    safety_flag: bool = False
    """True when an answer spoke of danger and the coach gave crisis resources (not when the
    person, asked "are you safe right now?" about a doubtful or denied match, said yes)."""
    opening_lines: tuple[str, ...] = ()
    """What the coach said before the first question."""
    closing_lines: tuple[str, ...] = ()
    """What the coach said after the last question."""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    """Fields written by a newer version, kept untouched."""

    def to_record(self) -> dict[str, Any]:
        doc: dict[str, Any] = dict(self.extra)
        doc.update(
            {
                "schema": SCHEMA_VERSION,
                "id": self.id,
                "topic": self.topic,
                "started_at": self.started_at,
                "ended_at": self.ended_at,
                "status": self.status.value,
                "engine": self.engine.to_record(),
                "turns": [t.to_record() for t in self.turns],
                "mood_before": self.mood_before,
                "mood_after": self.mood_after,
                "safety_flag": self.safety_flag,
                "opening_lines": list(self.opening_lines),
                "closing_lines": list(self.closing_lines),
            }
        )
        return doc

    @classmethod
    def from_record(cls, doc: dict[str, Any]) -> SessionRecord:
        known = {
            "schema",
            "id",
            "topic",
            "started_at",
            "ended_at",
            "status",
            "engine",
            "turns",
            "mood_before",
            "mood_after",
            "safety_flag",
            "opening_lines",
            "closing_lines",
        }
        return cls(
            id=str(doc["id"]),
            topic=str(doc["topic"]),
            started_at=str(doc["started_at"]),
            ended_at=doc.get("ended_at"),
            status=Status(doc["status"]),
            engine=EngineInfo.from_record(doc["engine"]),
            turns=_turns(doc.get("turns", ()), Status(doc["status"])),
            mood_before=doc.get("mood_before"),
            mood_after=doc.get("mood_after"),
            safety_flag=bool(doc.get("safety_flag", False)),
            opening_lines=tuple(doc.get("opening_lines", ())),
            closing_lines=tuple(doc.get("closing_lines", ())),
            extra={k: v for k, v in doc.items() if k not in known},
        )


def _turns(docs: Any, status: Status) -> tuple[Turn, ...]:
    """The turns of a record. One written before turns said whether the coach listened is
    taken as a line said without listening (a ``say`` step) when nothing happened in it: no
    answer, no event, only its prompt said, and the session went on after it (a turn follows,
    or the session ran to its end); a question always notes what came of it."""
    turns = [Turn.from_record(t) for t in docs]
    ran_on = status in (Status.COMPLETED, Status.UNANSWERED)
    for n, (doc, turn) in enumerate(zip(docs, turns, strict=True)):
        went_on = n + 1 < len(turns) or ran_on
        if (
            "listened" not in doc
            and went_on
            and turn.answer is None
            and not turn.events
            and turn.coach_lines == (turn.prompt,)
        ):
            turns[n] = replace(turn, listened=False)
    return tuple(turns)


class JournalWriter(Protocol):
    """The part of the journal a running session writes to (the recorder's only way out)."""

    def begin(self, record: SessionRecord) -> None:
        """The session started: make its record durable as running."""
        ...

    def save(self, record: SessionRecord) -> None:
        """An answer was added: make the record durable before the coach goes on."""
        ...

    def forget(self, record: SessionRecord, turns: tuple[int, ...]) -> None:
        """The answers to questions ``turns`` (from 1) were taken out of the record: store it
        so that nothing kept (earlier saves, the answers' audio) still holds them."""
        ...

    def finish(self, record: SessionRecord) -> None:
        """The session ended (its status says how): the last durable write."""
        ...
