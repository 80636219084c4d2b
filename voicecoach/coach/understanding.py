"""How the session machine understands what it heard: each final utterance (or silence) becomes
exactly one trigger, given the state: a safety concern, a voice command (or a question whether it
was one), a mood, an answer, a reply to "are you safe?" or "did you want to …?".

``Understanding`` is a part of ``SessionMachine`` (machine.py), kept apart so each file has one
job; it only decides, the machine's callbacks act.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, NamedTuple

from voicecoach.coach import options as say
from voicecoach.coach.commands import Spotted
from voicecoach.coach.dialogue import COMMAND_TRIGGERS, PAUSED_TRIGGERS, State
from voicecoach.coach.intents import Command, wants_to_end
from voicecoach.coach.numbers import beyond_scale, declined, either_of, number_word, parse_mood
from voicecoach.coach.options import CoachOptions
from voicecoach.coach.plan import Item, Kind
from voicecoach.coach.recorder import Recorder, joined
from voicecoach.coach.safety import check_safety, says_safe, uncertain
from voicecoach.coach.yesno import only_yes_or_no, yes_or_no
from voicecoach.speech.events import Final, ListenEvent, NoAnswer
from voicecoach.speech.grammar import Recheck, RecheckedFinal, focused
from voicecoach.text import normalise

RATING_AGREEMENT = 0.4
"""How closely the open transcript's words where the number goes must sound like the number
the rating grammar heard ("full" for "four": 0.67; "ah" for "one": 0.25) for its rating to be
taken on one hearing."""


class Rating(NamedTuple):
    """The rating grammar's number in an answer, and how the open transcript compares."""

    value: int
    """The number it heard, 1–10."""
    agreement: float
    """0.0–1.0: how closely the transcript's words where the number goes sound like it."""
    filler: bool
    """Those words are filler words only ("i", "the"), or there are none."""
    scale_only: bool
    """The transcript's only number is a ten the grammar's phrase holds as the scale ("out of
    ten"), none where the rating goes: "they doubt that ten" for "eight out of ten"."""


def words_or_nothing(event: ListenEvent) -> ListenEvent:
    """A final utterance that holds no words (noise capped at the longest answer) is no
    answer: never kept as an empty one."""
    if isinstance(event, Final) and event.utterance.is_empty:
        said = event.utterance
        return NoAnswer(waited=max(0.0, said.end - said.start), level=event.level)
    return event


_MOODS = frozenset({Kind.MOOD_BEFORE.value, Kind.MOOD_AFTER.value})
"""Turn ids of the mood check-in."""
_HEARS_EVERY_COMMAND = frozenset({State.PAUSED, State.CONFIRMING, State.SAFETY})
"""States where speech over the coach may be any command: "go on" to a paused coach saying
how to resume it, or to a question about going on."""


class Understanding:
    """Turns what a listening turn reported into the machine's trigger."""

    state: State
    options: CoachOptions
    recorder: Recorder
    _held: tuple[Final, Spotted] | None
    _checking_safe: bool
    _flagged_before_asking: bool
    _mood_reasks: int
    _unanswered: int
    """Questions in a row left with no answer at all (words heard since reset it)."""
    _mood_held: tuple[Final, int] | None = None
    """The answer to the mood question whose number is being checked ("Did you say 9?")."""
    _mood_checked: str | None = None
    """The mood question whose number was checked (once per question)."""
    _rating_before: tuple[int, bool] | None = None
    """The rating the grammar heard, unsure, in the first answer to the mood question, and
    whether the transcript had only filler words where it goes."""
    _mood_denied: int | None = None
    """The number the person said no to ("Did you say 2?" "No."), for the mood question being
    asked: never taken again from the grammar's hearing alone."""
    _spoke_up: bool = False
    """The coach has asked the person to come closer or speak up (``_too_quiet``)."""
    _over_coach: bool = False
    """The utterance being understood began over the coach's voice (``hear``)."""
    _early_mood: int | None = None
    """The rating said before the mood question being asked was heard (over the welcome):
    its mood if the question itself then gets no answer (``keep_early``)."""
    answered: Callable[..., bool]
    unanswered: Callable[..., bool]
    unconfirmed: Callable[..., bool]
    offer: Callable[..., bool]
    trigger: Callable[..., bool]

    @property
    def item(self) -> Item | None:
        raise NotImplementedError

    def _previous_answered(self) -> bool:
        raise NotImplementedError

    def hear(self, event: ListenEvent, over_coach: bool = False, nearly_said: bool = False) -> None:
        """A listening turn reported something: fire the one trigger it stands for.

        ``over_coach``: the person began while the coach was still speaking (its
        acknowledgement or the next question); an answer then continues the one just given.
        With no answer, it tells of the turn's last wordless utterance (``NoAnswer.level``).
        ``nearly_said``: it began over the question's last word or two (``NEARLY_SAID_S``), so
        the question was heard and is not asked again.
        """
        event = words_or_nothing(event)
        if isinstance(event, NoAnswer):
            if self.state is State.CONFIRMING and self._held is not None:
                self.unconfirmed()  # no reply: neither the command nor an answer; asked again
            elif self.state is State.CONFIRMING and self._mood_held is not None:
                held, self._mood_held = self._mood_held[0], None
                self.answered(event=held)  # no reply: the number is not taken
            elif self.state is State.SAFETY and self._checking_safe:
                self.offer()
            else:
                # (not over the coach: its own echo begins there)
                quiet = not over_coach and (
                    self._too_quiet(event.level) or self._from_afar(event.far)
                )
                self.unanswered(event=event, quiet=quiet)
        elif isinstance(event, Final):
            self._unanswered = 0  # someone is there
            if over_coach and self.state not in _HEARS_EVERY_COMMAND:
                event = self.options.spotter.over_coach(event)
            self._over_coach = over_coach
            name, kwargs = self.understand(event)
            rating = name == "answered" and kwargs.get("mood") is not None
            unasked = self.recorder.question_unheard  # not one word of it said yet
            if name in ("answered", "reask") and over_coach and (unasked or not rating):
                # (a number said over a mood question is that mood, whatever came before; said
                # before the mood question began, over the welcome, it is no reply to it)
                after_rating = self._after_a_rating()
                if self._previous_answered() and not after_rating:
                    name = "continued"
                elif self.state is State.LISTENING and (
                    unasked or (after_rating and not nearly_said)
                ):
                    name, kwargs = "early", {"event": event, "mood": kwargs.get("mood")}
            if name in ("answered", "reask") and not over_coach and self._too_quiet(event.level):
                kwargs = {**kwargs, "quiet": True}  # the coach's echo always begins over it
            self.trigger(name, **kwargs)

    def _too_quiet(self, level: float | None) -> bool:
        """Whether what a question got was spoken too softly to be heard well (``level``, dBFS:
        ``Final.level`` or ``NoAnswer.level``, under ``CoachOptions.speak_up_below``), so the
        coach asks the person to come closer or speak up; its words are kept all the same.

        Once a session, not once a question: someone who can come closer does so after the
        first request, and someone who cannot (a soft voice, a microphone that stays where it
        is) would be told at every question that they are not heard while their words are kept
        anyway, which is nagging. Only for an answer to the question waiting for one (a mood
        too), never for speech that began over the coach's voice (its own echo starts there),
        nor for background speech or noise the listener set aside (no level)."""
        below = self.options.speak_up_below
        return (
            below is not None
            and level is not None
            and level < below
            and self.state is State.LISTENING
            and not self._spoke_up
        )

    def _from_afar(self, far: float | None) -> bool:
        """Whether a question that got no answer heard speech far under the person's level
        (``NoAnswer.far``, dBFS) that may have been them answering from across the room: the
        coach asks them to come closer, once a session like ``_too_quiet`` (a TV that began
        talking is asked about once, then left alone)."""
        return (
            far is not None
            and self.options.speak_up_below is not None
            and self.state is State.LISTENING
            and not self._spoke_up
        )

    def _after_a_rating(self) -> bool:
        """The question being asked follows the mood check-in: a rating is complete, so speech
        over this question is no more of it."""
        turns = self.recorder.record.turns
        return len(turns) >= 2 and turns[-2].prompt_id in _MOODS

    def keep_early(self, event: Final, mood: int | None = None, **_: Any) -> None:
        """Speech begun before the question was heard at all (over the welcome), or over the
        question after a rating: kept as the start of its answer, and the question asked; the
        answer to it joins this. A rating said before the mood question (``mood``) is its
        mood if the question then gets no answer (the person thinks they have answered)."""
        unheard = self.recorder.question_unheard
        if mood is not None and unheard:
            self._early_mood = mood
        self.recorder.answer_so_far(event.utterance)
        self.recorder.event("before-question" if unheard else "over-question")

    def understand(self, event: Final) -> tuple[str, dict[str, Any]]:
        """The trigger a final utterance stands for, in this state."""
        text = event.utterance.text
        if self.state is State.SAFETY:
            return self._after_safety(event)
        concern = check_safety(text)
        if concern is not None:
            confidences = [w.conf for w in event.utterance.words]
            misheard = uncertain(confidences, self.options.sure_confidence)
            # a cue the person denied ("not afraid of him") is asked about, like a mishearing
            return "danger", {"event": event, "misheard": misheard or concern.negated}
        if self.state is State.PAUSED:
            return self._while_paused(event)
        if self.state is State.CONFIRMING:
            return self._confirming(event)
        item = self.item
        mood_asked = item is not None and item.is_mood
        spotted = self._at_a_question(self.options.spotter.spot(event), event)
        text = event.utterance.text
        said = spotted is not None and spotted.sure and self._says_command(text)
        if mood_asked and not said:
            mood = self._mood(event)  # a command said is no number ("stop" sounds like "two")
            if mood is not None:
                return "answered", {"event": event, "mood": mood}
            if beyond_scale(text):  # "eleven", "zero": no rating, and no command either
                return self._beyond(event)
        if spotted is not None and spotted.sure:
            self.recorder.event(f"command:{spotted.command}")
            return COMMAND_TRIGGERS[spotted.command]
        unclear = mood_asked and not declined(text) and either_of(text) is None
        heard = self._rating_of(event) if unclear else None
        if heard is not None and item is not None and self._mood_checked != item.id:
            return "check_number", {"event": event, "mood": heard[0]}  # not "did you want …?"
        if spotted is not None and heard is not None and self._mood_reasks > 0:
            return self._answer(event)  # a number misheard: asked again
        if spotted is not None:
            return "confirm", {"event": event, "spotted": spotted}
        return self._answer(event)

    def _at_a_question(self, spotted: Spotted | None, event: Final) -> Spotted | None:
        """A command heard while a question waits for its answer; a pause or a resume the open
        transcript does not say is only asked about.

        A pause, because the coach is silent already and waits: nothing is gained by stopping
        at once, while a pause the grammar alone heard in a short answer halts the session on
        a word the person never said. En-us's "Work.", heard "where'd", was heard by the
        grammar as "wait" (0.57) and paused the session; real pauses the transcript missed
        came from 0.43 ("lost" for slt's "pause") to 0.83 ("told on"), so no agreement tells
        them apart. Asking costs one short question ("Did you want to pause for a moment?").
        Said over the coach's voice, a pause is a barge-in and acts at once.

        A resume ("Did you want to go on?"), because nothing is paused there,
        so "go on" only tells the coach it is listening ("I'm listening.") and drops the
        utterance: a short answer the grammar alone took for it was lost (slt's "Mum.", heard
        "on"; en-us's, heard "ah"; "Tired.", heard "on on": all "go on" at 0.40-0.67). A real
        "continue" heard otherwise ("ten ten year", 0.47) is acted on after a yes.

        Where the transcript kept only the end of it ("on", "oh ah"), "go on" cannot be told
        from "hold on", and only the pause does anything here: the audio is heard again without
        the resume phrases, as speech over the coach's voice is (``CommandSpotter.over_coach``),
        and a pause heard then is the command asked about ("Did you want to pause for a
        moment?"). Another command heard then is not taken: en-us's "carry on" was heard again
        as "repeat". A transcript that holds a resume phrase among other words (kdl's
        "continue", heard "continue to") is not heard again: heard without the resume phrases,
        it was taken for "hold on" and asked about as a pause."""
        if spotted is None:
            return None
        spotter = self.options.spotter
        if spotted.command is Command.PAUSE:
            weak_transcript = spotter.min_agreement == 0.0  # the grammar alone decides there
            said = spotter.book.match(event.utterance.text) is Command.PAUSE
            if self._over_coach or weak_transcript or said:
                return spotted
            return replace(spotted, sure=False)  # en-us's "Work.", heard "where'd": "wait"
        if spotted.command is not Command.RESUME:
            return spotted
        if spotter.book.match(event.utterance.text) is Command.RESUME:
            return spotted
        if spotter.book.holds(event.utterance.text, Command.RESUME):
            return replace(spotted, sure=False)  # kdl's "continue", heard "continue to"
        again = spotter.spot(spotter.over_coach(event))
        if again is not None and again.command is Command.PAUSE:
            return replace(again, sure=False)
        return replace(spotted, sure=False)

    def _answer(self, event: Final) -> tuple[str, dict[str, Any]]:
        """An utterance that is no command: the answer, or (a mood question not answered with a
        number while it may still be asked again) the mood asked once more."""
        item, text = self.item, event.utterance.text
        if item is not None and item.is_mood and self._mood_reasks > 0:
            pair = either_of(text)
            if pair is not None:
                line = say.MOOD_WHICH.format(first=pair[0], second=pair[1])
                return "reask", {"event": event, "line": line, "personal": True}
            if not declined(text):
                return "reask", {"event": event, "line": say.MOOD_AGAIN}
        return "answered", {"event": event}

    def _beyond(self, event: Final) -> tuple[str, dict[str, Any]]:
        """A number beyond the scale said as the mood ("eleven", "five hundred"): the question
        is asked once more, naming the scale; then it is let go, no number kept."""
        if self._mood_reasks > 0:
            return "reask", {"event": event, "line": say.MOOD_SCALE}
        return "answered", {"event": event}

    def _says_command(self, text: str) -> bool:
        """The open transcript itself is a command phrase and holds no number: at the mood
        question, a command heard by the phrase grammar alone ("learn" heard as "slower" for
        espeak-ng's "one") yields to a number the rating grammar heard."""
        book = self.options.spotter.book
        return book.match(text) is not None and parse_mood(text, strict=True) is None

    def _mood(self, event: Final) -> int | None:
        """The rating heard: a number word in the open transcript (unless the rating grammar
        disputes it: ``_disputed``); else the rating grammar's number where the transcript's
        words sound like it (never from filler words alone: "i", "the"); else a recogniser slip
        read as a number ("for" for "four"); else, in the answer to the question asked again,
        the number the grammar heard in both answers. A number the person said no to is never
        taken from the grammar again, nor is one in a reply that says a number beyond the scale
        (the grammar of one to ten heard "seven" in "eleven")."""
        text = event.utterance.text
        first = self._mood_reasks >= self.options.mood_reasks
        if first:
            self._rating_before = self._mood_denied = None
        if either_of(text) and self._mood_reasks > 0:
            return None  # "six or seven": asked which
        if declined(text) or beyond_scale(text):
            return None
        strict = parse_mood(text, strict=True)
        heard = self._rating_of(event)
        if heard is not None and heard[0] == self._mood_denied:
            heard = None  # espeak-ng's "seven", heard "silly" and "to look up to you": the
            # grammar's two both times, said no to in between, was kept as the mood
        if strict is not None:
            return None if self._disputed(strict, heard) else strict
        if heard is not None and heard[1] >= RATING_AGREEMENT and not heard[2]:
            return heard[0]
        loose = parse_mood(text)
        if loose is not None:
            return loose
        if heard is None:
            return None
        if first:
            self._rating_before = heard[0], heard[2]
            return None
        before = self._rating_before
        if before is not None and before[0] == heard[0] and not (before[1] and heard[2]):
            return heard[0]  # heard twice, in two answers
        return None

    def _disputed(self, said: int, heard: Rating | None) -> bool:
        """The open transcript's number word is disputed by the rating grammar: it heard another
        number on the same audio, where the transcript's words sound like it in part (not filler
        words alone), and this question's number has not been checked yet. The grammar's number
        is then asked about ("Did you say 7?") instead of the transcript's being kept: en-gb+m3's
        "I'd say seven", heard "i'd like that one", was kept as 1 while the grammar heard "i'd say
        seven". Answered no, the question is asked again. Only a number the grammar would take
        on its own (``RATING_AGREEMENT``) disputes one the transcript holds: through PocketSphinx
        adapted to an en-gb voice, "I would say about a six" was heard word for word, and the
        grammar, which has no such phrase, chose "i'd say one" (0.25). Unless the transcript's
        number is the scale's ten the grammar's phrase holds, none where the rating goes
        (``Rating.scale_only``): en-gb's "eight out of ten", heard "they doubt that ten", was
        kept as 10 while the grammar heard "eight out of ten" (0.36)."""
        item = self.item
        if heard is None or heard.value == said or heard.filler or item is None:
            return False
        if heard.agreement < RATING_AGREEMENT and not heard.scale_only:
            return False
        return self._mood_checked != item.id

    def _rating_of(self, event: Final) -> Rating | None:
        """The rating grammar's number in a short utterance, or None when it heard no rating.
        Without a rating grammar, the command grammar's rating phrases."""
        if not isinstance(event, RecheckedFinal):
            return None
        if event.rating is not None:
            check: Recheck | None = event.rating()
        elif event.recheck is not None and event.recheck.phrase in self._ratings:
            check = event.recheck
        else:
            check = None
        if check is None or not check.phrase:
            return None
        value = parse_mood(check.phrase, strict=True)
        if value is None:
            return None
        text = normalise(event.utterance.text)
        slot = focused(text, check.phrase, number_word)[0]
        filler = not slot or self.options.spotter.book.says_nothing(slot)
        scale_only = parse_mood(slot, strict=True) is None and parse_mood(text, strict=True) == 10
        return Rating(value, check.agreement, filler, scale_only)

    @property
    def _ratings(self) -> tuple[str, ...]:
        return self.options.spotter.book.others

    def _while_paused(self, event: Final) -> tuple[str, dict[str, Any]]:
        spotted = self.options.spotter.spot(event)
        command = spotted.command if spotted is not None else None
        unsure = spotted is not None and not spotted.sure and not spotted.guarded
        if unsure and command is Command.STOP:
            command = None  # an unsure "stop" while paused: keep waiting
        if spotted is not None and spotted.weak:
            command = None  # the grammar alone heard it ("the" for a cough): keep waiting
        if command is None or command not in PAUSED_TRIGGERS:
            return "ignored", {"listening": True}
        self.recorder.event(f"command:{command}")
        name, kwargs = PAUSED_TRIGGERS[command]
        return name, {**kwargs, "listening": True}

    def _confirming(self, event: Final) -> tuple[str, dict[str, Any]]:
        """The reply to "Did you want to …?" about a command: yes, or the same command said
        again, acts on it; another command said acts on that; no keeps the short utterance as
        the answer; a short reply that says neither (filler words only, or maybe another
        command) asks the question again, keeping neither; anything else is the answer. At the
        mood question, a rating said is the mood."""
        if self._mood_held is not None:
            return self._mood_confirmed(event)
        mood = self._rating_instead(event)
        if mood is not None:
            self._held = None
            return "answered", {"event": event, "mood": mood}
        held, self._held = self._held, None
        if held is None:  # pragma: no cover - CONFIRMING is entered with a held utterance
            return "answered", {"event": event}
        short, spotted = held
        reply = _yes_or_no(event)
        again = self.options.spotter.spot(event)
        if spotted.command is Command.PAUSE:
            again = self._at_a_question(again, event)  # "hold on" again, heard "go on" again
        command = again.command if again is not None and again.sure else None
        if reply is True or (reply is None and command is None and _again(again, spotted)):
            command = spotted.command
        if command is not None:
            self.recorder.event(f"command:{command}")
            return COMMAND_TRIGGERS[command]
        if reply is False:  # words said after the no join the answer held: none is dropped
            return self._answer(
                short if only_yes_or_no(event.utterance.text) else _with_reply(short, event)
            )
        if self._says_neither(event):
            return "unconfirmed", {}
        return "answered", {"event": event}

    def _says_neither(self, event: Final) -> bool:
        """A short reply that is no answer of its own: filler words only ("the", "um"), or an
        utterance that only may be a command (not "go on": see ``_again``)."""
        text = event.utterance.text
        if len(text.split()) > SHORT_REPLY_WORDS:
            return False
        spotter = self.options.spotter
        if spotter.book.says_nothing(text):
            return True
        again = spotter.spot(event)
        return again is not None and again.command is not Command.RESUME

    def _rating_instead(self, event: Final) -> int | None:
        """A rating said in reply to "Did you want to …?" asked at the mood question ("zero",
        heard as "help"; then "seven"): the number is the mood, the command was not meant."""
        item = self.item
        if item is None or not item.is_mood:
            return None
        return parse_mood(event.utterance.text, strict=True)

    def _mood_confirmed(self, event: Final) -> tuple[str, dict[str, Any]]:
        """The reply to "Did you say 9?": yes keeps it; a number said keeps that one; two
        ("six or seven") are asked about ("Which is closer, 6 or 7?"); a command acts; anything
        else asks for the number once more (while a re-ask is left). Words of
        their own in a reply that is neither yes nor no join the answer held: what the person
        says is never dropped."""
        assert self._mood_held is not None
        (held, mood), self._mood_held = self._mood_held, None
        said = parse_mood(event.utterance.text, strict=True)
        if said is not None:
            return "answered", {"event": event, "mood": said}
        pair = either_of(event.utterance.text)
        if pair is not None and self._mood_reasks > 0:  # "six or seven": asked which
            line = say.MOOD_WHICH.format(first=pair[0], second=pair[1])
            return "reask", {"event": _with_reply(held, event), "line": line, "personal": True}
        reply = _yes_or_no(event)
        if reply is True:
            return "answered", {"event": held, "mood": mood}
        if reply is False:
            self._mood_denied = mood
        command = self._command(event)
        if command is not None:
            self.recorder.event(f"command:{command}")
            return COMMAND_TRIGGERS[command]
        if reply is None and not self.options.spotter.book.says_nothing(event.utterance.text):
            held = _with_reply(held, event)
        if self._mood_reasks > 0:
            line = say.MOOD_SCALE if beyond_scale(event.utterance.text) else say.MOOD_AGAIN
            return "reask", {"event": held, "line": line}
        return "answered", {"event": held}

    def _after_safety(self, event: Final) -> tuple[str, dict[str, Any]]:
        text = event.utterance.text
        if self._checking_safe:
            self._checking_safe = False
            safe = says_safe(text)
            if safe is True:  # no danger after all: the record is marked only as before
                self.recorder.update(safety_flag=self._flagged_before_asking)
                return "carry_on", {"line": say.SAFE_TO_GO_ON}
            if safe is False:
                return "stop", {"line": say.END_AFTER_SAFETY}
            return "offer", {}
        ends = self._command(event) is not Command.RESUME and wants_to_end(text)
        return ("stop", {"line": say.END_AFTER_SAFETY}) if ends else ("carry_on", {})

    def _command(self, event: Final) -> Command | None:
        return self.options.spotter.command(event)


def _again(again: Spotted | None, asked: Spotted) -> bool:
    """The reply (spotted as ``again``) is the command asked about, said again as unsurely
    ("stomp", "Did you want to end the session?", "stomp"): it is meant. Not a "go on" at a
    question, which only drops what was said: a short answer heard twice as "on" ("Mum.") is
    that answer. A "hold on" asked about as a pause and said again is heard again as the pause
    was (``Understanding._at_a_question``): en-us+m3's, heard "are you" and "go on" both
    times, had been kept as the answer."""
    if again is None or again.weak or again.command is not asked.command:
        return False
    return asked.command is not Command.RESUME


def _with_reply(held: Final, reply: Final) -> Final:
    """The answer ``held`` with the ``reply`` said after it joined on, as one answer (its
    whole-utterance decode dropped: it covers the first part only)."""
    return replace(held, utterance=joined(held.utterance, reply.utterance), better=None)


def _yes_or_no(event: Final) -> bool | None:
    """A reply to "Did you want to …?" or "Did you say …?": yes (True), no (False) or neither
    (None), as ``yesno.yes_or_no`` reads it. The open transcript decides; when it holds neither
    and the reply was short, the phrase grammar's choice does (a short "yes" is often
    misheard: "the ads")."""
    reply = yes_or_no(event.utterance.text)
    if reply is not None or not isinstance(event, RecheckedFinal) or event.recheck is None:
        return reply
    if len(event.utterance.text.split()) > SHORT_REPLY_WORDS or not event.recheck.phrase:
        return None
    return yes_or_no(event.recheck.phrase)


SHORT_REPLY_WORDS = 2
"""A reply to a confirmation this short is taken as the phrase grammar heard it."""
