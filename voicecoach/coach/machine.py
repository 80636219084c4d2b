"""The session machine: one `transitions` machine, generic over session scripts.

States and transitions are a table below; the script supplies what is asked (through the
``Plan``), and ``CoachOptions`` what the coach does beyond it (mood check-in, reprompts,
commands, crisis resources). The machine never touches audio: it asks its ``CoachIO`` to say a
line or to start listening, and is told what was heard through ``hear()``, which turns each
final utterance into exactly one trigger: a voice command, a safety concern, or an answer
(understanding.py). Pauses and the safety offer are handled in interruptions.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from transitions import Machine

from voicecoach.coach import answers
from voicecoach.coach import options as say
from voicecoach.coach.answers import AnswerClass, Heard
from voicecoach.coach.commands import Spotted
from voicecoach.coach.concern import check_concern, feedback
from voicecoach.coach.continuity import LastStep
from voicecoach.coach.dialogue import TRANSITIONS, CoachIO, State
from voicecoach.coach.firstrun import FIRST_RUN_NOTE, first_run_done, mark_first_run_done
from voicecoach.coach.interruptions import Interruptions
from voicecoach.coach.options import CoachOptions, help_line
from voicecoach.coach.plan import Item, Kind, Plan, no_step
from voicecoach.coach.recorder import MOOD_FIELDS, Recorder
from voicecoach.coach.script import Check, SessionScript
from voicecoach.coach.tone import understood
from voicecoach.coach.understanding import Understanding
from voicecoach.speech.events import Final
from voicecoach.speech.grammar import RecheckedFinal
from voicecoach.store.records import SessionRecord, Status


class SessionMachine(Understanding, Interruptions):
    """Runs one session script: intro, each question in turn, closing."""

    state: State
    # Triggers, added by transitions.Machine from TRANSITIONS:
    begin: Callable[..., bool]
    advance: Callable[..., bool]
    listen: Callable[..., bool]
    answered: Callable[..., bool]
    continued: Callable[..., bool]
    danger: Callable[..., bool]
    unanswered: Callable[..., bool]
    pause: Callable[..., bool]
    resume: Callable[..., bool]
    carry_on: Callable[..., bool]
    offer: Callable[..., bool]
    confirm: Callable[..., bool]
    unconfirmed: Callable[..., bool]
    reask: Callable[..., bool]
    finish: Callable[..., bool]
    forget: Callable[..., bool]
    private: Callable[..., bool]
    stop: Callable[..., bool]
    trigger: Callable[..., bool]

    def __init__(
        self,
        script: SessionScript,
        io: CoachIO,
        recorder: Recorder,
        options: CoachOptions | None = None,
    ) -> None:
        self.script = script
        self.options = options or CoachOptions()
        self._io = io
        self.recorder = recorder
        self.plan = Plan(script, mood=self.options.mood_checkin, last_step=self._last_step())
        self._reprompts = 0
        self._unanswered = 0
        """Questions in a row left with no answer at all (``gone_quiet``)."""
        self._gone_quiet = False
        """The session ended because nobody answered (``note_gone_quiet``)."""
        self._ack = ""
        """What ACKNOWLEDGING says."""
        self._ack_personal = False
        """The acknowledgement holds the person's own words (never kept in the voice cache)."""
        self._mood_reasks = 0
        self._held: tuple[Final, Spotted] | None = None
        """The short utterance being confirmed as a command, and the command."""
        self._turns = 0
        self._speak_up_next = False
        """The answer being acknowledged was spoken too softly: the coach asks the person to
        speak up after its reply, before the next question (``_too_quiet``)."""
        self.machine = Machine(
            model=self,
            states=State,
            transitions=TRANSITIONS,
            initial=State.READY,
            queued=True,
            auto_transitions=False,
        )

    # ---- driven by the loop -------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.state in (State.DONE, State.STOPPED)

    @property
    def record(self) -> SessionRecord:
        return self.recorder.record

    @property
    def item(self) -> Item | None:
        """What is being asked."""
        return self.plan.current

    def _last_step(self) -> LastStep | None:
        look = self.script.look_back
        history = self.options.history
        if look is None or history is None:
            return None
        return history(self.script.id, look.step)

    def _previous_answered(self) -> bool:
        """Is a question being asked right after one that was answered, for the first time?
        Asked again (no answer, a request to speak up, "repeat", a "no" to "Did you want to
        …?": any event of its own), it has been put to the person already, and speech over it
        answers it."""
        turns = self.record.turns
        return (
            self.state is State.LISTENING
            and len(turns) >= 2
            and turns[-1].answer is None
            and not turns[-1].events
            and turns[-2].answer is not None
        )

    # ---- conditions -----------------------------------------------------------------------
    def has_more(self, **_: Any) -> bool:
        return self.plan.has_next()

    def may_reprompt(self, **_: Any) -> bool:
        return self._reprompts > 0

    def rated_early(self, **_: Any) -> bool:
        """The mood question got no answer, but a rating was said before it was heard."""
        return self._early_mood is not None

    def take_early_mood(self, **_: Any) -> None:
        """The rating said before the mood question, kept as text then, is its mood: the
        person stayed silent because they had answered."""
        item = self.item
        if item is not None and item.is_mood:
            self._keep_mood(item, self._early_mood)
            self._ack = item.acknowledge
        self._early_mood = None

    def _keep_mood(self, item: Item, mood: int | None) -> None:
        """Store ``mood`` (None: none heard) as the rating of the mood question ``item``."""
        field = "mood_before" if item.kind is Kind.MOOD_BEFORE else "mood_after"
        self.recorder.update(**{field: mood})

    def gone_quiet(self, **_: Any) -> bool:
        """This question, too, is left with no answer at all, the ``quiet_questions``-th in a
        row: nothing was heard since the last answer (not even a command)."""
        limit = self.options.quiet_questions
        return limit > 0 and self._unanswered + 1 >= limit

    # ---- callbacks ------------------------------------------------------------------------
    def _say(
        self, text: str, question: bool = False, personal: bool = False, patient: bool = False
    ) -> None:
        """Say a line after the configured pause (longer before a question for reflection);
        ``personal`` (made from the person's words) and ``patient`` as in ``CoachIO.say``."""
        self.recorder.coach_said(text)
        opt = self.options
        pause = opt.question_pause_s if question else opt.pause_s
        self._io.say(text, pause=pause, personal=personal, patient=patient)

    def on_enter_INTRO(self, **_: Any) -> None:
        state_file = self.options.first_run_file
        if state_file is not None and not first_run_done(state_file):
            self._say(FIRST_RUN_NOTE)
            mark_first_run_done(state_file)
        for line in self.script.opening:
            self._say(line)
        self.advance()

    def take_next(self, **_: Any) -> None:
        item = self.plan.next()
        if item is not None:
            self.recorder.start_turn(item.id, item.prompt, listened=item.expects_answer)
        self._reprompts = self.options.reprompts
        self._mood_reasks = self.options.mood_reasks
        self._early_mood = None

    def on_enter_ASKING(self, **_: Any) -> None:
        self._resumed = False
        item = self.item
        if item is None:  # pragma: no cover - ASKING is entered only with an item
            self.advance()
            return
        reflective = item.kind in (Kind.QUESTION, Kind.FOLLOW_UP, Kind.LOOK_BACK)
        patient = item.expects_answer
        self._say(item.prompt, question=reflective, personal=item.personal, patient=patient)
        if item.expects_answer:
            self.listen()
        else:
            self.advance()

    def on_enter_LISTENING(self, **_: Any) -> None:
        self._io.listen()

    def reprompt(self, quiet: bool = False, **_: Any) -> None:
        """No answer: the question asked again, after "Take your time." or, when someone spoke
        too softly to make out (``quiet``), after the request to speak up."""
        self._reprompts -= 1
        self.recorder.event("reprompt")
        item = self.item
        personal = item is not None and item.personal
        if quiet:
            self._speak_up()
            self._say(item.prompt if item else "", question=True, personal=personal)
            return
        line = say.REPROMPT.format(prompt=item.prompt if item else "")
        self._say(line, question=True, personal=personal)

    def _speak_up(self) -> None:
        """Ask the person, once a session, to come closer or speak up (the turn's event
        ``speak-up``)."""
        self._spoke_up = True
        self.recorder.event("speak-up")
        self._say(say.SPEAK_UP)

    def ask_mood_again(
        self,
        line: str,
        event: Final | None = None,
        personal: bool = False,
        quiet: bool = False,
        **_: Any,
    ) -> None:
        """A mood not heard as a number (or two numbers): asked once more, then let go. What
        was said is kept as the answer so far; the reply joins it. ``personal``: the line
        names what the person said ("Which is closer, four or six?"). ``quiet``: it was said
        too softly; the request to speak up comes first, and the question itself replaces
        "Sorry, I didn't catch the number."."""
        self._mood_reasks -= 1
        self.recorder.event("mood-reask")
        if event is not None:
            self.recorder.answer_so_far(event.utterance, event.better)
        if quiet:
            self._speak_up()
            item = self.item
            if line == say.MOOD_AGAIN and item is not None:
                line, personal = item.prompt, item.personal
        self._say(line, personal=personal)

    def hold_for_confirming(self, event: Final, spotted: Spotted, **_: Any) -> None:
        self._held, self._mood_held = (event, spotted), None
        self.recorder.event(f"confirm:{spotted.command}")
        self._say(say.CONFIRM[spotted.command])

    def ask_once_more(self, **_: Any) -> None:
        """No clear reply to "Did you want to …?" about a command: the short utterance is
        neither acted on nor kept as the answer; the question is asked again."""
        self._held = None
        self.recorder.event("unconfirmed")
        item = self.item
        line = say.ASK_AGAIN.format(prompt=item.prompt if item else "")
        self._say(line, question=True, personal=item is not None and item.personal)

    def hold_mood(self, event: Final, mood: int, **_: Any) -> None:
        """A number heard unsurely: asked whether it is the one said."""
        self._mood_held, self._held = (event, mood), None
        self._mood_checked = self.item.id if self.item is not None else None
        self.recorder.event("mood-check")
        self._say(say.MOOD_CHECK.format(mood=mood))

    def on_enter_CONFIRMING(self, **_: Any) -> None:
        self._io.listen(self.options.reply_wait)

    def note_no_answer(self, **_: Any) -> None:
        self._unanswered += 1
        self.recorder.event("no-answer")
        self._ack = say.MOVE_ON if self.has_more() else say.LEFT_UNANSWERED  # nothing to go on to

    def note_gone_quiet(self, **_: Any) -> None:
        self._gone_quiet = True
        self.recorder.event("no-answer")
        self.recorder.event("gone-quiet")
        self._say(self._ending(say.GONE_QUIET))

    def keep_concern(self, event: Final, **_: Any) -> None:
        """An answer that spoke of danger is kept as it was said; no follow-up is chosen."""
        self.recorder.answer(event.utterance, event.better)

    def join_answer(self, event: Final, **_: Any) -> None:
        """Speech over the coach's reply: it belongs to the answer just given."""
        self.recorder.continue_previous(event.utterance, event.better)

    def keep_answer(
        self, event: Final, mood: int | None = None, quiet: bool = False, **_: Any
    ) -> None:
        """Keep the answer and choose the reply; ``quiet``: it was spoken too softly, and the
        request to speak up follows the reply."""
        self._speak_up_next = quiet
        item = self.item
        self.recorder.answer(event.utterance, event.better)
        if item is not None and item.is_mood:
            self._keep_mood(item, mood)
            self._ack = item.acknowledge if mood is not None else say.NO_MOOD
            return
        if event.capped:
            self.plan.answered(event.utterance.text)
            self._ack = say.CAPPED if self.has_more() else say.CAPPED_LAST
            return
        tone = event.tone if isinstance(event, RecheckedFinal) else None
        heard = understood(event.utterance, tone)
        self.plan.answered(event.utterance.text, heard)
        self._ack, self._ack_personal = self._reply(item, heard, event.utterance.text)

    def _reply(self, item: Item | None, heard: Heard, text: str) -> tuple[str, bool]:
        """What the coach says to an answer of this class (before any follow-up), and whether
        it is made from the answer's own words (a reflection, the concern's feedback)."""
        if item is None:
            return "", False
        if item.kind is Kind.LOOK_BACK:
            if item.acknowledge:
                return item.acknowledge, False
            return (answers.WIN if answers.small_win(text) else answers.NOT_YET), False
        step = self.plan.step_of(item)
        own = step.replies.get(heard.kind.value, "") if step is not None else ""
        pending = self.plan.follow_up_pending
        if (
            step is not None
            and step.check is Check.CONCERN
            and heard.kind not in (AnswerClass.UNSURE, AnswerClass.HARSH)  # a reframe first
            and not (heard.kind is AnswerClass.SHORT and pending)  # "yes": asked for more first
        ):
            felt = heard.kind is AnswerClass.FEELING and heard.who == "you"
            reflection = answers.reflect(heard.feeling, heard.who) if felt else ""
            return feedback(check_concern(text), reflection), True
        self._turns += 1
        if heard.kind is AnswerClass.UNSURE:
            return own or ("" if pending else answers.NOT_SURE[self._turns % 2]), False
        if heard.kind is AnswerClass.HARSH:
            return own or answers.REFRAMES[self._turns % len(answers.REFRAMES)], False
        ack = "" if pending else item.acknowledge
        if step is not None and step.check is Check.WIN and answers.only_a_plan(text):
            ack = "" if pending else answers.PLAN  # a plan, not praised as a win
        if step is not None and step.check is Check.STEP:
            if no_step(heard, text):
                ack = "" if pending else answers.NAMED  # a feeling, not praised as a step
            elif heard.kind is AnswerClass.FULL and not answers.names_something_to_do(text):
                ack = "" if pending else answers.THOUGHT  # nothing to do: not praised either
        if heard.kind is AnswerClass.FEELING:
            if own and heard.who == "you":
                return own.replace("{feeling}", heard.feeling), "{feeling}" in own
            return f"{answers.reflect(heard.feeling, heard.who)} {ack}".strip(), True
        return own or ack, False

    def on_enter_ACKNOWLEDGING(self, **_: Any) -> None:
        line, self._ack = self._ack, ""
        personal, self._ack_personal = self._ack_personal, False
        if line:
            self._say(line, personal=personal)
        speak_up, self._speak_up_next = self._speak_up_next, False
        if speak_up and self.has_more():  # before the next question, not before goodbye
            self._speak_up()
        self.advance()

    def ask_again(self, **_: Any) -> None:
        self.recorder.event("repeat")

    def skip_it(self, **_: Any) -> None:
        self.recorder.event("skip")
        self._ack = say.SKIPPED

    def forget_last(self, **_: Any) -> None:
        """Erase the last answer now (its words, its audio), say so, then ask again."""
        self._held = None
        forgotten = self.recorder.forget_last()
        self._say(say.FORGOTTEN if forgotten is not None else say.NOTHING_TO_FORGET)

    def go_private(self, **_: Any) -> None:
        """At the start (nothing but a mood answered, the first question at most): from now on
        only the moods and the date are kept, and what was kept of the rest goes. Later, the
        coach says it is chosen at the start."""
        self._held = None
        turns = self.record.turns
        questions = [t for t in turns if t.prompt_id not in MOOD_FIELDS and t.listened]
        at_start = len(questions) <= 1 and all(t.answer is None for t in questions)
        if at_start or self.recorder.private:
            self.recorder.go_private()
            self._say(say.PRIVATE)
        else:
            self._say(say.PRIVATE_TOO_LATE)

    def help_me(self, **_: Any) -> None:
        paused = self.state is State.PAUSED
        self._say(say.HELP_PAUSED if paused else help_line(self.options.spotter.book))

    def change_rate(self, faster: bool, **_: Any) -> None:
        step = self.options.rate_step if faster else -self.options.rate_step
        changed = self._io.change_rate(step)
        if faster:
            self._say(say.FASTER if changed else say.FASTEST)
        else:
            self._say(say.SLOWER if changed else say.SLOWEST)

    def still_listening(self, **_: Any) -> None:
        self._say(say.LISTENING)

    def on_enter_CLOSING(self, **_: Any) -> None:
        self.recorder.start_closing()
        rec = self.recorder
        kept = say.kept_line(self.options.keeps, rec.private, rec.answered)
        for line in say.closing_lines(self.script.closing, kept):
            self._say(line)
        self.finish()

    def on_enter_DONE(self, **_: Any) -> None:
        self.recorder.end(Status.COMPLETED)

    def on_enter_STOPPED(self, line: str = "", **_: Any) -> None:
        self._io.stop_listening()
        if line:
            self._say(self._ending(line))
        nobody = self._gone_quiet and not self.recorder.answered and not self.recorder.private
        self.recorder.end(Status.UNANSWERED if nobody else Status.STOPPED)
