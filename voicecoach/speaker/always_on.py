"""The always-on loop: wait (cheaply) for a wake phrase, the button or the invitation time, then
ask who it is (with two profiles or more) and which practice, run the session on the same
stream of frames, kept in that person's journal, and wait again.

Time is audio time (samples) as everywhere; the invitation schedule asks a ``Clock`` for the
wall-clock time of an audio time (the real clock for a microphone, a drivable one for files).
"""

from __future__ import annotations

import logging
import math
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from voicecoach.audio.devices import RetryPolicy, reopen_with_retries
from voicecoach.coach.script import SessionScript, find_script, script_files
from voicecoach.config import ReminderSettings
from voicecoach.errors import AudioDeviceError
from voicecoach.frames import SAMPLE_RATE, samples_to_seconds
from voicecoach.loop import Hearing, Progress
from voicecoach.pump import FramePump
from voicecoach.speaker import cues
from voicecoach.speaker.gpio import Light, Panel
from voicecoach.speaker.reminder import InvitationLog, Outcome, invitation_due
from voicecoach.speaker.replies import (
    CHOOSE_AGAIN,
    CHOOSE_QUESTION,
    DECLINED,
    INVITATION,
    NOT_CHOSEN,
    PRACTICES,
    SNOOZED,
    Reply,
    choose_practice,
    invitation_reply,
)
from voicecoach.speaker.sources import RoomAndAnswers
from voicecoach.speaker.wake import WakeSpotter
from voicecoach.speaker.whois import NameHearing, ask_who
from voicecoach.speech.events import Final, NoAnswer
from voicecoach.speech.listener import Listener
from voicecoach.store.records import SessionRecord

log = logging.getLogger(__name__)


class Clock(Protocol):
    """Wall-clock time at a given audio time."""

    def now(self, audio_time: int) -> datetime: ...


class WallClock:
    """The real time (a live microphone: audio time is wall time)."""

    def now(self, audio_time: int) -> datetime:
        return datetime.now()


@dataclass(frozen=True)
class AudioClock:
    """``start`` plus the audio heard: files played faster than real time keep their schedule."""

    start: datetime

    def now(self, audio_time: int) -> datetime:
        return self.start + timedelta(seconds=samples_to_seconds(audio_time))


class Trigger(Enum):
    """What woke the coach."""

    WAKE = "wake phrase"
    BUTTON = "button"
    REMINDER = "invitation"


@dataclass
class ListenReport:
    """What happened in a run (no words are kept, only what the coach did)."""

    audio_s: float = 0.0
    wakes: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)
    invitations: list[dict[str, str]] = field(default_factory=list)
    device_losses: int = 0
    overflows: int = 0
    """Input overflows and dropped blocks of a live microphone (audio lost before it was read)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "audio_s": round(self.audio_s, 1),
            "wakes": self.wakes,
            "sessions": self.sessions,
            "invitations": self.invitations,
            "device_losses": self.device_losses,
            "overflows": self.overflows,
        }


def lamp(panel: Panel) -> Callable[[bool], None]:
    """Shows "speaking" on the panel while the coach is audible, "listening" after; nothing
    while the panel is off (waiting for a wake)."""

    def show(speaking: bool) -> None:
        if panel.light is not Light.OFF:
            panel.show(Light.SPEAKING if speaking else Light.LISTENING)

    return show


SessionRunner = Callable[[SessionScript, threading.Event, str | None], SessionRecord]
"""Runs one session of a script on the shared stages until it ends or the event is set, kept
in the journal of the profile named (None: the one `listen` was started with)."""


def no_profiles() -> tuple[str, ...]:
    """No choice of profile by voice."""
    return ()


@dataclass(frozen=True)
class ListenParts:
    """Everything the always-on loop runs on, built at the entry point (``wiring``)."""

    pump: FramePump
    spotter: WakeSpotter
    reply_listener: Listener
    run_session: SessionRunner
    scripts_dir: Path | None
    invitations: InvitationLog
    clock: Clock
    panel: Panel
    progress: Progress
    reminder: ReminderSettings
    """When to offer the daily invitation."""
    cue: str = "voice"
    """How a wake is answered: "voice", "tone" or "none"."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    profiles: Callable[[], tuple[str, ...]] = no_profiles
    """The profiles to choose from by voice, asked at each wake (fewer than two: no question)."""
    names: NameHearing | None = None
    """Hears a reply naming one of them."""


class ListenLoop:
    """Waits for a wake, handles it, waits again; until stopped or out of audio time."""

    def __init__(self, parts: ListenParts, rng: random.Random | None = None) -> None:
        self.parts = parts
        self.rng = rng or random.Random()
        self.pump = parts.pump
        self.voice = parts.pump.voice
        self.stop = threading.Event()
        """Set (signal handler) to stop after the session in progress, politely."""
        self.report = ListenReport()
        self._pressed = threading.Event()
        self._session_stop: threading.Event | None = None
        self._hearing = Hearing(parts.reply_listener, self.voice)
        self._checked_second = -1
        self._stopped = False
        """The last listening turn was ended by the button or a stop."""
        parts.panel.on_press = self.press

    @property
    def now(self) -> int:
        """Audio time (samples) at the end of the last frame read."""
        return self.pump.now

    # ---- outside events (other threads) ----------------------------------------------------
    def press(self) -> None:
        """The button: stops the running session, or starts one."""
        session = self._session_stop
        if session is not None:
            session.set()
        else:
            self._pressed.set()

    def request_stop(self) -> None:
        self.stop.set()
        session = self._session_stop
        if session is not None:
            session.set()

    # ---- the loop --------------------------------------------------------------------------
    def run(self, until_s: float | None = None, once: bool = False) -> ListenReport:
        """Wait and handle wakes until ``until_s`` seconds of audio, one wake (``once``) or stop."""
        until = math.inf if until_s is None else until_s * SAMPLE_RATE
        self.parts.panel.show(Light.OFF)
        while not self.stop.is_set() and self.now < until:
            try:
                trigger = self._wait(until)
                if trigger is None:
                    break
                self._handle(trigger)
            except AudioDeviceError as exc:
                self._device_lost(exc)
                continue
            if once:
                break
        self.voice.announce_all()
        self.report.audio_s = samples_to_seconds(self.now)
        self.report.overflows = self.pump.lost_blocks
        return self.report

    def _wait(self, until: float) -> Trigger | None:
        files = self.pump.source if isinstance(self.pump.source, RoomAndAnswers) else None
        if files is not None:
            files.waiting(max(self.now, self.voice.quiet_from))
        ends_when_used_up = files is not None and until == math.inf  # no --max-seconds
        for frame in self.pump.frames():
            if self.stop.is_set() or self.now >= until:
                return None
            if ends_when_used_up and files is not None and files.used_up:
                return None  # a run on files: nothing more will be heard
            if self._pressed.is_set():
                self._pressed.clear()
                return Trigger.BUTTON
            if self._invitation_due():
                return Trigger.REMINDER
            if frame.speaking is not None or frame.chunk.start < self.voice.quiet_from:
                continue  # the coach's own cue or line is no wake phrase
            wake = self.parts.spotter.feed(frame.chunk)
            if wake is not None:
                log.info("wake phrase heard")
                self.report.wakes.append(
                    {"phrase": wake.phrase, "at_s": round(samples_to_seconds(wake.at), 1)}
                )
                return Trigger.WAKE
            if files is not None and self.parts.spotter.idle:
                files.still_waiting(frame.chunk.end)  # it was no wake: the person goes on
        return None

    def _invitation_due(self) -> bool:
        second = self.now // SAMPLE_RATE
        if second == self._checked_second:
            return False
        self._checked_second = second
        now = self.parts.clock.now(self.now)
        return invitation_due(self.parts.reminder, now, self.parts.invitations.entries).due

    def _device_lost(self, exc: AudioDeviceError) -> None:
        self.report.device_losses += 1
        log.warning("audio device lost while waiting (%s)", exc)
        self.parts.panel.show(Light.OFF)
        devices = [self.voice.sink, self.pump]  # the output stream goes before PortAudio restarts
        while not self.stop.is_set():
            if reopen_with_retries(devices, self.parts.retry, self.stop):
                self.parts.spotter.reset()
                return

    # ---- a wake ------------------------------------------------------------------------------
    def _handle(self, trigger: Trigger) -> None:
        self.parts.spotter.reset()
        self.parts.panel.show(Light.LISTENING)
        try:
            if trigger is Trigger.REMINDER:
                chosen = self._invite()
            else:
                self._cue(cues.LISTENING, "I'm listening.")
                chosen = self._who_and_what()
            if chosen is not None:
                topic, profile = chosen
                self._session_of(topic, profile, self_started=trigger is not Trigger.REMINDER)
            self._cue(cues.DONE, "Done.")
        finally:
            self.parts.panel.show(Light.OFF)
            self.parts.spotter.reset()

    def _note(self, outcome: Outcome, at: int | None = None) -> None:
        """Keep what came of an invitation asked at audio time ``at`` (or of a session)."""
        moment = self.parts.clock.now(self.now if at is None else at)
        entry = self.parts.invitations.add(moment, outcome)
        if outcome is not Outcome.SELF_STARTED:
            self.report.invitations.append(
                {"at": entry.at.isoformat(timespec="seconds"), "outcome": outcome.value}
            )

    def _invite(self) -> tuple[str, str | None] | None:
        asked = self.now
        self._say(INVITATION)
        text = self._reply()
        reply = invitation_reply(text) if text is not None else Reply.UNCLEAR
        if reply is Reply.YES:
            self._note(Outcome.ACCEPTED, asked)
            return self._who_and_what(asked=True)
        if reply is Reply.NOT_NOW:
            self._note(Outcome.SNOOZED, asked)
            self._say(SNOOZED)
        elif reply is Reply.NO:
            self._note(Outcome.DECLINED, asked)
            self._say(DECLINED)
        else:
            self._note(Outcome.UNANSWERED, asked)
        return None

    def _who_and_what(self, asked: bool = False) -> tuple[str, str | None] | None:
        """Whose session (when there is a choice) and which practice; None: no session.
        ``asked``: the coach spoke first (an invitation), so "who is this?" comes at once."""
        profiles = self.parts.profiles()
        profile = None
        if len(profiles) > 1 and self.parts.names is not None:
            profile = self._who(profiles, self.parts.names, asked)
            if profile is None:
                return None
        topic = self._choose()
        return None if topic is None else (topic, profile)

    def _who(self, profiles: tuple[str, ...], names: NameHearing, asked: bool) -> str | None:
        """The profile named right after the wake, or when asked (once more if not heard);
        None when no name was heard (said so) or the person said it is not for them."""
        hearing = Hearing(names.listener(profiles), self.voice)
        return ask_who(
            profiles,
            self._say,
            lambda wait: self._heard(hearing, wait),
            lambda: self.stop.is_set() or self._stopped,
            asked,
        )

    def _offered(self) -> tuple[str, ...]:
        known = script_files(self.parts.scripts_dir)
        return tuple(p for p in PRACTICES if p in known)

    def _choose(self) -> str | None:
        for question in (CHOOSE_QUESTION, CHOOSE_AGAIN):
            self._say(question)
            text = self._reply()
            if text is None:
                break
            topic = choose_practice(text, self._offered(), self.rng)
            if topic is not None:
                return topic
        self._say(NOT_CHOSEN)
        return None

    def _reply(self) -> str | None:
        """One short listening turn; the words heard, or None (silence, button, stop)."""
        final = self._heard(self._hearing)
        return None if final is None else final.utterance.text

    def _heard(self, hearing: Hearing, wait: int | None = None) -> Final | None:
        """One short listening turn (``wait``: samples of silence before giving up); what was
        heard, or None (silence, button, stop: ``_stopped`` tells those apart)."""
        self._stopped = False
        quiet = hearing.start(self.now, wait)
        self.pump.listening(quiet)
        for frame in self.pump.frames():
            if self.stop.is_set() or self._pressed.is_set():
                self._pressed.clear()
                self._stopped = True
                hearing.cancel()
                return None
            event = hearing.feed(frame)
            if isinstance(event, Final):
                log.debug("reply heard")
                return event
            if isinstance(event, NoAnswer):
                return None
        hearing.cancel()
        return None

    def _say(self, text: str) -> None:
        self.voice.say(text, self.now, announce=self.parts.progress.coach)

    def _cue(self, pcm: bytes, words: str) -> None:
        if self.parts.cue == "voice":
            self._say(words)
        elif self.parts.cue == "tone":
            self.voice.cue(pcm, self.now)

    def _session_of(self, topic: str, profile: str | None, self_started: bool) -> None:
        script = find_script(topic, self.parts.scripts_dir)
        stop = threading.Event()
        self._session_stop = stop
        if self.stop.is_set():
            stop.set()
        try:
            record = self.parts.run_session(script, stop, profile)
        finally:
            self._session_stop = None
        self.report.sessions.append(record.id)
        if self_started:
            self._note(Outcome.SELF_STARTED)
