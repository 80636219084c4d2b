"""What listing, searching and statistics need of a session, without its word timings.

A summary is a few hundred bytes against tens of kilobytes for the whole record, so a journal
of years is listed and searched from the summaries (kept in ``journal/index/``, see
``index.py``) and only the sessions actually shown are decoded in full.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from voicecoach.store.records import SessionRecord, Status
from voicecoach.store.stored import month_of_time


@dataclass(frozen=True, slots=True)
class AnswerText:
    """One answer's words, without timings: what search looks through."""

    turn: int
    """Position of the question in the session, from 1."""
    prompt_id: str
    """Id of the step in the session script."""
    prompt: str
    """The question as the coach said it."""
    text: str
    """The answer's transcript."""


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """One session in brief: when, what about, how it went, and its answers' text."""

    id: str
    """The session id."""
    topic: str
    """Session script id, e.g. "patience"."""
    started_at: str
    """ISO 8601 local time with offset."""
    ended_at: str | None
    """ISO 8601 time it ended, or None."""
    status: Status
    """running, completed, unanswered, stopped or interrupted."""
    mood_before: int | None
    """Mood 1–10 said at the start, or None."""
    mood_after: int | None
    """Mood 1–10 said at the end, or None."""
    safety_flag: bool
    """True when the coach gave crisis resources."""
    questions: int
    """Questions asked (a line said without listening, a ``say`` step, is none)."""
    answers: tuple[AnswerText, ...]
    """The answers given, in order."""
    spoken_s: float
    """Seconds of speech in the answers (first word to last word of each), audio time."""
    words: int
    """Words spoken in the answers."""
    length_s: float | None
    """From start to end in seconds; for an unfinished session, to the end of its last answer
    (audio time); None when neither is known."""

    @property
    def started(self) -> datetime:
        """``started_at`` as an aware datetime (a time without offset is taken as local)."""
        started = datetime.fromisoformat(self.started_at)
        return started if started.tzinfo is not None else started.astimezone()

    @property
    def day(self) -> date:
        """The local date the session started on."""
        return self.started.date()

    @property
    def month(self) -> str:
        """The journal shard the session lives in, "YYYY-MM"."""
        return month_of_time(self.started_at, self.id)

    def to_index(self) -> dict[str, Any]:
        """The JSON document kept in the index."""
        return {
            "id": self.id,
            "topic": self.topic,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "status": self.status.value,
            "mood_before": self.mood_before,
            "mood_after": self.mood_after,
            "safety_flag": self.safety_flag,
            "questions": self.questions,
            "answers": [[a.turn, a.prompt_id, a.prompt, a.text] for a in self.answers],
            "spoken_s": self.spoken_s,
            "words": self.words,
            "length_s": self.length_s,
        }

    @classmethod
    def from_index(cls, doc: dict[str, Any]) -> SessionSummary:
        """Back from ``to_index()``; KeyError/ValueError/TypeError when the document is damaged."""
        return cls(
            id=str(doc["id"]),
            topic=str(doc["topic"]),
            started_at=str(doc["started_at"]),
            ended_at=doc["ended_at"],
            status=Status(doc["status"]),
            mood_before=doc["mood_before"],
            mood_after=doc["mood_after"],
            safety_flag=bool(doc["safety_flag"]),
            questions=int(doc["questions"]),
            answers=tuple(
                AnswerText(int(t), str(p_id), str(p), str(x)) for t, p_id, p, x in doc["answers"]
            ),
            spoken_s=float(doc["spoken_s"]),
            words=int(doc["words"]),
            length_s=None if doc["length_s"] is None else float(doc["length_s"]),
        )


def summarize(record: SessionRecord) -> SessionSummary:
    """The summary of a whole record."""
    answers = tuple(
        AnswerText(n, turn.prompt_id, turn.prompt, turn.answer.text)
        for n, turn in enumerate(record.turns, start=1)
        if turn.answer is not None
    )
    spans = [t.answer for t in record.turns if t.answer is not None]
    return SessionSummary(
        id=record.id,
        topic=record.topic,
        started_at=record.started_at,
        ended_at=record.ended_at,
        status=record.status,
        mood_before=record.mood_before,
        mood_after=record.mood_after,
        safety_flag=record.safety_flag,
        questions=sum(1 for t in record.turns if t.listened),
        answers=answers,
        spoken_s=round(sum(max(0.0, a.end - a.start) for a in spans), 2),
        words=sum(len(a.text.split()) for a in answers),
        length_s=_length(record, max((a.end for a in spans), default=None)),
    )


def _length(record: SessionRecord, last_answer_end: float | None) -> float | None:
    """Seconds from start to end. Answers are timed in audio time, which a file run at --fast
    speed gets through quicker than the clock: the session lasted at least until its last
    answer ended, whatever the wall clock says."""
    if record.ended_at is not None:
        try:
            span = datetime.fromisoformat(record.ended_at) - datetime.fromisoformat(
                record.started_at
            )
        except (ValueError, TypeError):
            span = None
        if span is not None:
            return max(0.0, span.total_seconds(), round(last_answer_end or 0.0, 2))
    return None if last_answer_end is None else round(last_answer_end, 2)


def order(item: SessionRecord | SessionSummary) -> tuple[float, str]:
    """Sort key: oldest first by ``started_at`` (across UTC offsets), then by id."""
    try:
        return datetime.fromisoformat(item.started_at).timestamp(), item.id
    except ValueError:
        return float("inf"), item.id


@dataclass(frozen=True, slots=True)
class SearchHit:
    """An answer that contains the text searched for."""

    session: SessionSummary
    """The session it was said in."""
    answer: AnswerText
    """The answer."""


_APOSTROPHES = str.maketrans(dict.fromkeys("'\u2019\u2018\u02bc`"))
_NOT_WORD = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """Text as search compares it, the words searched for and the answers alike: Unicode NFC,
    case-folded, apostrophes dropped ("don't" → "dont"), every other mark a space, on one line
    with single spaces. ``"It's all my FAULT!"`` → ``"its all my fault"``."""
    folded = unicodedata.normalize("NFC", text).casefold().translate(_APOSTROPHES)
    return " ".join(_NOT_WORD.sub(" ", folded).split())


def search_words(text: str) -> list[str]:
    """The words of a search, folded; an answer matches when it holds every one of them."""
    return fold(text).split()


def says_all(answer: str, words: Sequence[str]) -> bool:
    """True when ``answer`` holds every one of ``words`` (folded, as from ``search_words``)."""
    folded = fold(answer)
    return bool(words) and all(w in folded for w in words)


def select(
    sessions: Iterable[SessionSummary],
    *,
    topic: str | None = None,
    since: date | None = None,
    until: date | None = None,
    text: str | None = None,
) -> list[SessionSummary]:
    """The sessions on ``topic``, started from ``since`` to ``until`` (local dates, both
    included), with an answer holding every word of ``text`` (any case, any Unicode form);
    None = any."""
    words = search_words(text) if text else None
    return [
        s
        for s in sessions
        if (topic is None or s.topic == topic)
        and (since is None or s.day >= since)
        and (until is None or s.day <= until)
        and (words is None or any(says_all(a.text, words) for a in s.answers))
    ]
