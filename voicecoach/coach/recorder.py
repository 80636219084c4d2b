"""Builds the session record turn by turn and hands it to the journal after every answer."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime

from voicecoach.speech.events import EngineInfo, Utterance
from voicecoach.store.records import JournalWriter, SessionRecord, Status, Turn


def now_iso() -> str:
    """Local time with its UTC offset, to the second."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def new_session_id(started: datetime) -> str:
    """Sortable by start time, unique enough for one person's journal."""
    return f"{started:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


class Recorder:
    """The record of the running session; every answer is written the moment it is final."""

    def __init__(self, journal: JournalWriter, topic: str, engine: EngineInfo) -> None:
        started = datetime.now().astimezone()
        self._journal = journal
        self.record = SessionRecord(
            id=new_session_id(started),
            topic=topic,
            started_at=started.isoformat(timespec="seconds"),
            engine=engine,
        )
        self._phase = "opening"
        journal.begin(self.record)

    @property
    def turn(self) -> Turn | None:
        """The question being asked (the last turn), once questions have begun."""
        return self.record.turns[-1] if self._phase == "turns" else None

    def _replace_turn(self, **fields: object) -> None:
        turns = self.record.turns
        last = replace(turns[-1], **fields)  # type: ignore[arg-type]
        self.record = replace(self.record, turns=(*turns[:-1], last))

    def coach_said(self, line: str) -> None:
        """Keep a line the coach said: before, within or after the questions."""
        turn = self.turn
        if turn is not None:
            self._replace_turn(coach_lines=(*turn.coach_lines, line))
        elif self._phase == "opening":
            self.record = replace(self.record, opening_lines=(*self.record.opening_lines, line))
        else:
            self.record = replace(self.record, closing_lines=(*self.record.closing_lines, line))

    def start_turn(self, prompt_id: str, prompt: str) -> None:
        """A new question; the lines and events that follow belong to it."""
        self._phase = "turns"
        turn = Turn(prompt_id=prompt_id, prompt=prompt, answer=None)
        self.record = replace(self.record, turns=(*self.record.turns, turn))

    def event(self, name: str) -> None:
        """Note something that happened in the turn (reprompt, skip, a command …)."""
        turn = self.turn
        if turn is not None:
            self._replace_turn(events=(*turn.events, name))

    def answer(self, utterance: Utterance) -> None:
        """Keep the turn's answer and write the record durably, now."""
        if self.turn is not None:
            self._replace_turn(answer=utterance)
        self._journal.save(self.record)

    def start_closing(self) -> None:
        """The questions are over; what the coach says now closes the session."""
        self._phase = "closing"
        self._journal.save(self.record)

    def update(self, **fields: object) -> None:
        """Change top-level fields (mood, safety flag) and save."""
        self.record = replace(self.record, **fields)  # type: ignore[arg-type]
        self._journal.save(self.record)

    def end(self, status: Status) -> SessionRecord:
        """Close the session with its final status."""
        self.record = replace(self.record, status=status, ended_at=now_iso())
        self._journal.finish(self.record)
        return self.record
