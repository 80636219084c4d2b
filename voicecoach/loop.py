"""The session loop, as data flows:

    FramePump ──Frame──▶ Hearing (listener + barge-in) ──events──▶ machine ──lines──▶ Voice
        ▲                                                            │
        └──────────── what the voice is playing, and when ◀──────────┘
                                                      journal ◀── records ──┘

One thread runs it: a live microphone's callback only queues bytes, playback is a queue the
speakers' callback drains, and frames are decoded here. Time is audio time.

The microphone is heard while the coach speaks (its own voice is taken out by the pump's echo
check). Speech that starts while the coach is still talking stops the voice at once, and the
machine is told it was said over the coach: it then continues the answer just given.

When the microphone (or speaker) goes away, the session pauses, the device is opened again
every few seconds, and once it is back the coach says so and asks the current question again;
if it does not come back in time the session ends as stopped, answers kept.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Protocol

from transitions import MachineError

from voicecoach.audio.devices import RetryPolicy, reopen_with_retries
from voicecoach.audio.voice import Voice
from voicecoach.coach import options as say
from voicecoach.coach.dialogue import HEARING, State
from voicecoach.coach.machine import SessionMachine
from voicecoach.coach.understanding import words_or_nothing
from voicecoach.errors import AudioDeviceError, SaveError
from voicecoach.frames import AudioChunk, seconds_to_samples
from voicecoach.pump import Frame, FramePump
from voicecoach.speech.events import Final, ListenEvent, Partial
from voicecoach.speech.listener import Listener
from voicecoach.stop import SIGNALS
from voicecoach.store.records import SessionRecord

log = logging.getLogger(__name__)

DEVICE_BACK = "I can hear you again. Let's continue."
"""Said when a lost device is back, before the current question is asked again."""
RESUME_WINDOW_S = 8.5
"""After an answer and the first line of the reply, the next question is still being asked (or
not yet begun) until this long after the person's last word (seconds): its pause is lengthened
before a short question. A question that is itself the reply (a follow-up) is not held. Words
resumed within it, after a reflective pause of up to ~7 s, are heard during the coach's turn
and join the answer they continue instead of answering a question the person did not hear."""
NOT_KEPT_WHILE_PAUSED = '(paused: what was just said is not kept; say "continue" to go on)'
"""Shown, not said, for speech while paused that is no command: it may be talk with someone
else in the room, so its words are neither kept nor shown."""
NEARLY_SAID_S = 1.0
"""A question cut off by the person's voice with at most this much of it left unsaid (seconds:
its last word or two) was heard: what they say is its answer, and it is not asked again."""
CANNOT_SAVE = "I can't save anything more right now, so we'll stop here. What was saved is kept."
"""Said when the journal refuses a save (disk full, read-only): the session then stops."""
CANNOT_SAVE_PRIVATE = (
    "I can't save anything more right now, so we'll stop here. As you asked, nothing you said "
    "was kept."
)
"""Said instead in a private session, where no words were ever kept."""
NOT_FILED = (
    "One more thing: I couldn't finish saving this session, but your answers are kept on this "
    "device."
)
"""Said when the session's last save fails after its goodbye (the month file could not take
it): the answers are in its write-ahead file, filed as interrupted when the journal is next
opened with room to spare."""
NOT_FILED_PRIVATE = (
    "One more thing: I couldn't finish saving this session. As you asked, nothing you said was "
    "kept."
)
"""Said instead in a private session."""


class Progress(Protocol):
    """Shows the conversation as it happens (the terminal, or nothing)."""

    def coach(self, text: str) -> None: ...
    def heard(self, event: ListenEvent) -> None: ...
    def note(self, text: str) -> None: ...


class FrameTap(Protocol):
    """Sees the frames of each listening turn, e.g. to keep the answers' audio."""

    def listening(self, at: int) -> None: ...
    def heard(self, chunk: AudioChunk) -> None: ...


class QuietProgress:
    """Shows nothing."""

    def coach(self, text: str) -> None:
        """Nothing shown."""

    def heard(self, event: ListenEvent) -> None:
        """Nothing shown."""

    def note(self, text: str) -> None:
        """Nothing shown."""


class Hearing:
    """One listening turn over the pump's frames: the listener, and the voice stopped when a
    person starts speaking while it plays (a barge-in)."""

    def __init__(self, listener: Listener, voice: Voice) -> None:
        self.listener = listener
        self.voice = voice
        self.over_coach = False
        """The current utterance began during the coach's turn: while a line was audible, or
        in the pause before a queued line."""
        self.stopped_at: int | None = None
        """Audio time the voice was stopped for the person (None: it was not)."""
        self.nearly_said = False
        """The current utterance began over the coach in the last ``NEARLY_SAID_S`` of what it
        had queued (the end of its question): the question counts as heard."""
        self.unheard: tuple[str, ...] = ()
        """Lines dropped whole when the voice was last stopped (never heard)."""

    def start(self, now: int, wait: int | None = None) -> int:
        """Listen from ``now`` on; the no-answer wait counts from when the coach falls silent.

        Returns the audio time the coach falls silent (when a scripted person answers).
        """
        quiet = max(now, self.voice.quiet_from)
        base = self.listener.timing.no_answer if wait is None else wait
        self.listener.start(now, base + quiet - now)
        self.over_coach = False
        self.nearly_said = False
        self.stopped_at = None
        return quiet

    def feed(self, frame: Frame) -> ListenEvent | None:
        """Give one frame to the listener; stop the voice if the person spoke over it."""
        began = self.listener.in_speech
        event = self.listener.feed(frame.chunk)
        if not began and self.listener.in_speech:
            # the coach's turn runs to the end of its last queued line, pauses between included
            self.over_coach = frame.chunk.start < self.voice.quiet_from
            left = self.voice.quiet_from - frame.chunk.start
            self.nearly_said = self.over_coach and left <= seconds_to_samples(NEARLY_SAID_S)
            if self.over_coach:
                self.unheard = self.voice.stop(frame.chunk.end)
                self.stopped_at = frame.chunk.end
                log.debug("the person spoke over the coach; the voice stopped")
        return event

    def cancel(self) -> None:
        self.listener.cancel()

    @property
    def active(self) -> bool:
        return self.listener.active


class SessionLoop:
    """Feeds frames through the stages until the machine says the session is over."""

    def __init__(
        self,
        pump: FramePump,
        listener: Listener,
        progress: Progress,
        retry: RetryPolicy | None = None,
        tap: FrameTap | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.pump = pump
        self.voice = pump.voice
        self.hearing = Hearing(listener, pump.voice)
        self.progress = progress
        self.retry = retry or RetryPolicy()
        """How a lost device is waited for ([audio] retry_every_s and give_up_s)."""
        self.tap = tap
        """Given every frame the listener gets (keeping the answers' audio), or None."""
        self.stop_requested = stop or threading.Event()
        """Set (e.g. by a signal handler) to end the session politely at the next frame."""
        self._device_lost: AudioDeviceError | None = None
        self._unshown: ListenEvent | None = None
        self._answer_end: int | None = None
        """Audio time the answer being replied to ended (while the machine hears it)."""
        self._keep: Callable[[], None] = lambda: None
        """Writes the session's record if it changed (set by ``run``)."""

    @property
    def now(self) -> int:
        """Audio time (samples) at the end of the last frame read."""
        return self.pump.now

    # CoachIO, for the machine
    def say(
        self, text: str, pause: float = 0.0, personal: bool = False, patient: bool = False
    ) -> None:
        """Queue a line after ``pause`` seconds of silence (when it follows another line); it is
        shown when it begins to be heard. ``personal`` lines are not kept in the voice cache.
        A ``patient`` question in reply to an answer, after a first line of that reply, lasts
        until ``RESUME_WINDOW_S`` after the answer; as the reply's first line it starts at once."""
        self._show_heard()
        if self._device_lost is not None:
            self.progress.coach(text)
            return  # not heard: the question is asked again once the device is back
        until = None
        answered = self._answer_end
        if patient and answered is not None and self.voice.quiet_from > answered:
            until = answered + seconds_to_samples(RESUME_WINDOW_S)  # after the reply's first line
        try:
            self.voice.say(
                text,
                self.now,
                announce=self.progress.coach,
                pause=pause,
                personal=personal,
                end_not_before=until,
            )
        except AudioDeviceError as exc:
            self.progress.coach(text)
            self._device_lost = exc

    def listen(self, wait: int | None = None) -> None:
        """Listen from now on (over the coach, too); ``wait`` replaces the no-answer wait."""
        quiet = self.hearing.start(self.now, wait)
        self.pump.listening(quiet)
        if self.tap is not None:
            self.tap.listening(self.now)

    def stop_listening(self) -> None:
        self.hearing.cancel()

    def change_rate(self, step: int) -> bool:
        """Speak ``step`` words per minute faster (negative: slower), within 80–300."""
        return self.voice.change_rate(step)

    def run(self, machine: SessionMachine) -> SessionRecord:
        """Run the session to its end, or until a stop is requested (what was said is kept).

        Raises SaveError when the journal refuses a save, once the coach has said so aloud
        (what was saved before stays; nothing more is asked).
        """
        try:
            return self._run(machine)
        except SaveError:
            self.cannot_save(private=machine.recorder.private, farewell_said=machine.finished)
            raise

    def cannot_save(self, private: bool = False, farewell_said: bool = False) -> None:
        """Say aloud (and show) that nothing more can be saved; the session is over.
        ``private``: a private session, which kept none of the person's words.
        ``farewell_said``: the goodbye was already said (the last save failed), so the coach
        does not say it stops here, only that the session was not filed."""
        self._unshown = None
        self.hearing.cancel()
        if farewell_said:
            line = NOT_FILED_PRIVATE if private else NOT_FILED
        else:
            line = CANNOT_SAVE_PRIVATE if private else CANNOT_SAVE
        try:
            self.voice.say(line, self.now, announce=self.progress.coach)
        except AudioDeviceError:
            self.progress.coach(line)
        self.voice.announce_all()

    def _run(self, machine: SessionMachine) -> SessionRecord:
        self._keep = machine.recorder.keep
        machine.begin()
        frames = self.pump.frames()
        while not machine.finished:
            if self.stop_requested.is_set():
                self._cut_short(machine)
                self._fall_silent(machine)
                machine.stop(line=say.GOODBYE)  # stopped from outside: a short goodbye
                break
            try:
                frame = self._next_frame(frames)
            except AudioDeviceError as exc:
                if not self._recover(machine, exc):
                    break
                frames = self.pump.frames()
                continue
            if self.tap is not None and self.hearing.active:
                self.tap.heard(frame.chunk)
            event = self.hearing.feed(frame)
            if self.hearing.unheard:  # the coach was cut short: what it never said is not kept
                machine.recorder.unsaid(self.hearing.unheard)
                self.hearing.unheard = ()
            if event is None:
                continue
            if isinstance(event, Partial):
                self.progress.heard(event)
                continue
            event = words_or_nothing(event)  # noise without words is shown as no answer
            self._unshown = event  # shown once the machine has kept (saved) it, before its reply
            if isinstance(event, Final) and not self.hearing.over_coach:  # (continued: no wait)
                self._answer_end = seconds_to_samples(event.utterance.end)
            paused = machine.state is State.PAUSED
            machine.hear(
                event, over_coach=self.hearing.over_coach, nearly_said=self.hearing.nearly_said
            )
            self._answer_end = None
            if paused and machine.state is State.PAUSED and isinstance(event, Final):
                self._unshown = None  # talk while paused is not kept, so it is not shown either
                self.progress.note(NOT_KEPT_WHILE_PAUSED)
            self._show_heard()
        self.voice.announce_all()
        return machine.record

    def _cut_short(self, machine: SessionMachine) -> None:
        """Keep the words of an answer being spoken when the session is stopped, then show them
        (an answer or a reply to "did you want to …?"; not what is said while paused, nor a
        reply to the safety check, which are never kept as answers)."""
        with SIGNALS.keeping():  # an urgent stop waits for these words to be saved
            said = self.hearing.listener.cut_short()
            if said is not None and machine.state in HEARING:  # not talk while paused
                machine.recorder.cut_short(said.utterance)
                self._unshown = said
            self._show_heard()

    def _fall_silent(self, machine: SessionMachine) -> None:
        """Stop the voice now (the session is being stopped from outside): a line being said
        ends there, and lines not yet begun are never said, nor kept as said."""
        unheard = self.voice.stop(self.now)
        if unheard:
            machine.recorder.unsaid(unheard)

    def _show_heard(self) -> None:
        """Show the answer just heard: after the journal has it, so what is shown is kept."""
        event, self._unshown = self._unshown, None
        if event is not None:
            self._keep()  # what the machine made of it (an answer, an event) is durable first
            self.progress.heard(event)

    def _next_frame(self, frames: Iterator[Frame]) -> Frame:
        if self._device_lost is not None:
            raise self._device_lost
        return next(frames)

    def _recover(self, machine: SessionMachine, exc: AudioDeviceError) -> bool:
        """Pause, wait for the device, then go on; False when the session ended instead."""
        log.warning("audio device lost (%s); the session is paused", exc)
        self._device_lost = exc
        self._cut_short(machine)  # the words heard before the device went are kept
        try:
            machine.pause(reason="device-lost")
        except MachineError:
            self.hearing.cancel()
        # The output stream goes before the microphone makes PortAudio list devices again.
        back = reopen_with_retries([self.voice.sink, self.pump], self.retry, self.stop_requested)
        self._device_lost = None
        if not back:
            if not machine.finished:
                self.hearing.cancel()
                machine.stop(line=say.GOODBYE)  # stopped from outside: a short goodbye
            return False
        try:
            machine.resume(reason="device-back", line=DEVICE_BACK)
        except MachineError:
            log.debug("device back while %s: nothing to resume", machine.state)
        return True
