"""Builds the session record turn by turn and hands it to the journal after every answer.

An answer is saved with its streaming words at once; when the engine decodes it again whole
(``Final.better``), the better words replace them at the next save after they are ready, and
a completed session's end waits a bounded time for any still running. A failed decode keeps the
streaming words. An answer said in parts (asked again, or going on over the coach's reply) is
improved part by part, once every part's decode is ready.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from voicecoach.speech.events import EngineInfo, Utterance
from voicecoach.store.records import JournalWriter, SessionRecord, Status, Turn

log = logging.getLogger(__name__)

MOOD_FIELDS = {"mood-before": "mood_before", "mood-after": "mood_after"}
"""The record field a mood question's answer sets, by the question's id."""

REDECODE_WAIT_S = 10.0
"""Longest wait at the end of a session for whole-utterance decodes still running."""


@dataclass(frozen=True, slots=True)
class _Pending:
    """An answer whose whole-utterance decodes are still to be put in place."""

    index: int
    """The turn it answers."""
    shown: Utterance
    """What the turn holds now (its streaming words): replaced only while it still does."""
    parts: tuple[tuple[Utterance, Future[Utterance] | None], ...]
    """Each part said, in order: its streaming words and its decode (None: none runs)."""


def new_session_id(started: datetime) -> str:
    """Sortable by start time, unique enough for one person's journal."""
    return f"{started:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


class Recorder:
    """The record of the running session; every answer is written the moment it is final."""

    def __init__(
        self,
        journal: JournalWriter,
        topic: str,
        engine: EngineInfo,
        heard_s: Callable[[], float] = lambda: 0.0,
        unhurried: bool = False,
        now: Callable[[], datetime] = datetime.now,
    ) -> None:
        """``heard_s``: seconds of audio the session has gone through (audio time); a file
        run at --fast speed lasts that long however soon the clock says it ended.
        ``unhurried``: the run is not held to real time (``--fast`` files): each answer's
        whole-utterance decode is waited for once its streaming words are written, so the
        record is the same however busy the machine is. ``now``: the wall-clock time (a
        naive one is local time), which dates the session and its id; `listen` on files
        passes the clock its audio runs on (``--clock-start``)."""
        self._now = lambda: now().astimezone()
        started = self._now()
        self._started = started
        self._heard_s = heard_s
        self._unhurried = unhurried
        self._journal = journal
        self.record = SessionRecord(
            id=new_session_id(started),
            topic=topic,
            started_at=started.isoformat(timespec="seconds"),
            engine=engine,
        )
        self._phase = "opening"
        self._pending: list[_Pending] = []
        """Answers whose whole-utterance decodes are running."""
        self._joining: int | None = None
        """The turn whose answer so far the next answer joins (it was asked again)."""
        self.private = False
        """A private session: only the moods and the date are stored (``go_private``)."""
        journal.begin(self.record)
        self._saved = self.record
        """The record as last written."""

    @property
    def turn(self) -> Turn | None:
        """The question being asked (the last turn), once questions have begun."""
        turns = self.record.turns
        return turns[-1] if self._phase == "turns" and turns else None

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

    def unsaid(self, lines: tuple[str, ...]) -> None:
        """Lines queued but never heard (the person spoke over the coach first): each one's
        last mention in the current turn (or the closing) is taken back."""
        turn = self.turn
        opening = self._phase == "opening" or (turn is not None and len(self.record.turns) == 1)
        kept: list[str] = []
        if self._phase != "opening":
            kept = list(turn.coach_lines if turn is not None else self.record.closing_lines)
        rest = _take_back(kept, lines)
        if turn is not None:
            self._replace_turn(coach_lines=tuple(kept))
        elif self._phase != "opening":
            self.record = replace(self.record, closing_lines=tuple(kept))
        if opening and rest:  # the opening lines queued before the first question
            said = list(self.record.opening_lines)
            _take_back(said, rest)
            self.record = replace(self.record, opening_lines=tuple(said))

    @property
    def question_unheard(self) -> bool:
        """The current question was taken back whole, unanswered: the person began to speak
        before the coach had begun to ask it."""
        turn = self.turn
        return turn is not None and turn.answer is None and not turn.coach_lines

    def start_turn(self, prompt_id: str, prompt: str, listened: bool = True) -> None:
        """A new question (``listened`` False: a line said without listening after it); the
        lines and events that follow belong to it."""
        self._phase = "turns"
        self._joining = None
        turn = Turn(prompt_id=prompt_id, prompt=prompt, answer=None, listened=listened)
        self.record = replace(self.record, turns=(*self.record.turns, turn))

    def event(self, name: str) -> None:
        """Note something that happened in the turn (reprompt, skip, a command …)."""
        turn = self.turn
        if turn is not None:
            self._replace_turn(events=(*turn.events, name))

    def answer(self, utterance: Utterance, better: Future[Utterance] | None = None) -> None:
        """Keep the turn's answer and write the record durably, now.

        ``better`` is the same answer decoded again whole; it replaces ``utterance`` once ready.
        """
        self._improve()
        turn = self.turn
        if turn is not None and not utterance.is_empty:  # no words: nothing to keep
            index = len(self.record.turns) - 1
            so_far = turn.answer if self._joining == index else None
            self._joining = None
            if so_far is not None:  # said after the question was asked again: one answer
                utterance = self._extend(index, so_far, utterance, better)
            elif better is not None:
                self._pending.append(_Pending(index, utterance, ((utterance, better),)))
            self._replace_turn(answer=utterance)
        self._save()
        self._wait_unhurried()

    def _wait_unhurried(self) -> None:
        """A run not held to real time waits for the whole decodes now and saves them."""
        if self._unhurried and self._pending and self._improve(wait=None):
            self._save()  # the whole decode, waited for

    def answer_so_far(self, utterance: Utterance, better: Future[Utterance] | None = None) -> None:
        """Keep what was said to a question that is asked again (a mood heard without a
        number), durably now: the next answer to the same question joins it."""
        if self.turn is None:
            return
        self.answer(utterance, better)
        self._joining = len(self.record.turns) - 1

    def cut_short(self, utterance: Utterance) -> None:
        """What was being said when the session was stopped (or a device went): kept durably
        now as the current question's answer (joined to any it already has), noted
        "cut-short"; an answer given after the question is asked again joins it."""
        turn = self.turn
        if turn is None or utterance.is_empty:
            return
        self._improve()
        index = len(self.record.turns) - 1
        said = utterance if turn.answer is None else self._extend(index, turn.answer, utterance)
        self._replace_turn(answer=said, events=(*turn.events, "cut-short"))
        self._joining = len(self.record.turns) - 1  # asked again (a device back): joins it
        self._save()

    def forget_last(self) -> int | None:
        """Take the last answer out of the record and store the record so that nothing kept
        holds it (earlier saves, its audio); the question number (from 1) it answered, or None
        when no question has an answer.

        The answer's words go, and so do the coach's lines of that turn other than the question
        (a reply may say the person's own words back), any second decode still running for it,
        and the mood it gave; the turn is noted "forgotten". SaveError when the disk refuses.
        """
        self._improve()
        turns = self.record.turns
        index = next((i for i in reversed(range(len(turns))) if turns[i].answer is not None), None)
        if index is None:
            return None
        turn = turns[index]
        asked = tuple(line for line in turn.coach_lines if turn.prompt and turn.prompt in line)
        kept = replace(turn, answer=None, coach_lines=asked, events=(*turn.events, "forgotten"))
        self.record = replace(self.record, turns=(*turns[:index], kept, *turns[index + 1 :]))
        field = MOOD_FIELDS.get(turn.prompt_id)
        if field is not None:
            self.record = replace(self.record, **{field: None})  # type: ignore[arg-type]
        self._pending = [p for p in self._pending if p.index != index]
        if self._joining == index:
            self._joining = None
        self._journal.forget(self._stored(), (index + 1,))
        self._saved = self.record
        return index + 1

    @property
    def answered(self) -> bool:
        """Whether some question has an answer kept (a forgotten one is not)."""
        return any(t.answer is not None and not t.answer.is_empty for t in self.record.turns)

    def go_private(self) -> None:
        """From now on store only the moods and the date (and the listing's topic, times and
        status): no question, answer or line of the coach. What was stored of them goes now,
        the kept audio of any answer too. SaveError when the disk refuses (the session is then
        not told it is private)."""
        answered = tuple(i + 1 for i, t in enumerate(self.record.turns) if t.answer is not None)
        self._journal.forget(self._bare(), answered)
        self.private = True
        self._saved = self.record

    def _bare(self) -> SessionRecord:
        """The record without what was said: as a private session's is written."""
        return replace(self.record, opening_lines=(), turns=(), closing_lines=())

    def _stored(self) -> SessionRecord:
        """The record as it is written: a private session's without what was said."""
        return self._bare() if self.private else self.record

    def keep(self) -> None:
        """Write the record now if it changed since it was last written (an event, a line)."""
        if self.record is not self._saved:
            self._save()

    def _save(self) -> None:
        self._journal.save(self._stored())
        self._saved = self.record

    def settle(self) -> None:
        """Save now if a whole-utterance decode has become ready (cheap when none has)."""
        if self._pending and self._improve():
            self._save()

    def _improve(self, wait: float | None = 0.0) -> bool:
        """Put ready whole-utterance decodes in place of streaming words (waiting up to
        ``wait`` seconds for them; None: until each is done); True if any was."""
        deadline = None if wait is None else time.monotonic() + wait
        waiting = []
        changed = False
        for pending in self._pending:
            futures = [future for _, future in pending.parts if future is not None]
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if wait_for(futures, timeout=left).not_done:
                waiting.append(pending)
                continue
            bests = [_best(streamed, future) for streamed, future in pending.parts]
            better = bests[0]
            for part in bests[1:]:
                better = joined(better, part)
            turns = self.record.turns
            index = pending.index
            if turns[index].answer is pending.shown and better is not pending.shown:
                turn = replace(turns[index], answer=better)
                kept = (*turns[:index], turn, *turns[index + 1 :])
                self.record = replace(self.record, turns=kept)
                changed = True
        self._pending = waiting
        return changed

    def _extend(
        self,
        index: int,
        so_far: Utterance,
        more: Utterance,
        better: Future[Utterance] | None = None,
    ) -> Utterance:
        """Turn ``index``'s answer ``so_far`` with ``more`` said after it (decoded again whole
        by ``better``, if at all): the two joined, each part's decode put in place later."""
        prior = next((p for p in self._pending if p.index == index and p.shown is so_far), None)
        self._pending = [p for p in self._pending if p is not prior]
        parts = prior.parts if prior is not None else ((so_far, None),)
        shown = joined(so_far, more)
        parts = (*parts, (more, better))
        if any(future is not None for _, future in parts):
            self._pending.append(_Pending(index, shown, parts))
        return shown

    def continue_previous(self, more: Utterance, better: Future[Utterance] | None = None) -> None:
        """More of the previous question's answer (said over the coach's reply): joined to it,
        noted as "continued" on that turn, and written durably now. ``better``: ``more``
        decoded again whole, put in place with the rest of the answer's decodes."""
        self._improve()
        turns = self.record.turns
        before = turns[-2] if len(turns) >= 2 else None
        answer = before.answer if before is not None else None
        if before is None or answer is None:
            return
        said = self._extend(len(turns) - 2, answer, more, better)
        updated = replace(before, answer=said, events=(*before.events, "continued"))
        self.record = replace(self.record, turns=(*turns[:-2], updated, turns[-1]))
        self._save()
        self._wait_unhurried()

    def start_closing(self) -> None:
        """The questions are over; what the coach says now closes the session."""
        self._phase = "closing"
        self._improve()
        self._save()

    def update(self, **fields: object) -> None:
        """Change top-level fields (mood, safety flag) and save."""
        self.record = replace(self.record, **fields)  # type: ignore[arg-type]
        self._improve()
        self._save()

    def end(self, status: Status) -> SessionRecord:
        """Close the session with its final status (completed becomes unanswered when no
        question got an answer).

        A completed session waits up to ``REDECODE_WAIT_S`` for second decodes still running;
        a stopped one takes only those ready (the person asked to stop, now).
        """
        self._improve(wait=REDECODE_WAIT_S if status is Status.COMPLETED else 0.0)
        if status is Status.COMPLETED and not self.answered and not self.private:
            status = Status.UNANSWERED  # ran to its end, but nothing was said
        ended = max(self._now(), self._started + timedelta(seconds=self._heard_s()))
        self.record = replace(
            self.record, status=status, ended_at=ended.isoformat(timespec="seconds")
        )
        self.record = self._stored()
        self._journal.finish(self.record)
        self._saved = self.record
        return self.record


def _best(streamed: Utterance, future: Future[Utterance] | None) -> Utterance:
    """A part's whole decode (``future`` done, or None: there is none); its streaming words
    when there is none, it failed or heard nothing."""
    if future is None:
        return streamed
    try:
        better = future.result(timeout=0)
    except Exception as exc:  # the decode failed: the streaming words stay
        log.warning("an answer's second decode failed (%s)", type(exc).__name__)
        return streamed
    return streamed if better.is_empty else better


def joined(first: Utterance, more: Utterance) -> Utterance:
    """One utterance of two said one after the other."""
    return Utterance(
        text=f"{first.text} {more.text}".strip(),
        words=(*first.words, *more.words),
        start=first.start,
        end=max(first.end, more.end),
    )


def _take_back(said: list[str], lines: tuple[str, ...] | list[str]) -> list[str]:
    """Remove each line's last mention from ``said`` (in place); the lines not found there."""
    missing = []
    for line in lines:
        if line in said:
            del said[len(said) - 1 - said[::-1].index(line)]
        else:
            missing.append(line)
    return missing
