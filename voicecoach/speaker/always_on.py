"""The always-on loop: wait (cheaply) for a wake phrase, the button or the invitation time, then
ask which practice, run the session on the same stream of frames, and wait again.

Time is audio time (samples) as everywhere; the invitation schedule asks a ``Clock`` for the
wall-clock time of an audio time (the real clock for a microphone, a drivable one for files).
"""

from __future__ import annotations

import logging
import math
import random
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from voicecoach.audio.devices import Reopenable, RetryPolicy, reopen_with_retries
from voicecoach.audio.sink import AudioSink
from voicecoach.coach.continuity import journal_history
from voicecoach.coach.machine import SessionMachine
from voicecoach.coach.options import CoachOptions
from voicecoach.coach.recorder import Recorder
from voicecoach.coach.script import find_script, script_files
from voicecoach.config import Settings
from voicecoach.errors import AudioDeviceError
from voicecoach.frames import SAMPLE_RATE, samples_to_seconds
from voicecoach.loop import Progress, SessionLoop, Voice
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
from voicecoach.speaker.sources import SharedSource
from voicecoach.speaker.wake import WakeSpotter
from voicecoach.speech.events import Final, NoAnswer
from voicecoach.speech.listener import Listener
from voicecoach.speech.recognizer import Recognizer
from voicecoach.store.audio import AnswerAudio
from voicecoach.store.journal import Journal
from voicecoach.store.records import JournalWriter
from voicecoach.store.retention import apply_retention
from voicecoach.wiring import longest_turn_s

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


class LitSink:
    """Shows "speaking" on the panel while a sink plays, "listening" after."""

    def __init__(self, sink: AudioSink, panel: Panel) -> None:
        self.sink = sink
        self.panel = panel
        self.name = getattr(sink, "name", "speaker")

    def play(self, pcm: bytes, at: int) -> None:
        self.panel.show(Light.SPEAKING)
        try:
            self.sink.play(pcm, at)
        finally:
            self.panel.show(Light.LISTENING)

    def reopen(self) -> None:
        if isinstance(self.sink, Reopenable):
            self.sink.reopen()

    def close(self) -> None:
        self.sink.close()


@dataclass(frozen=True)
class ListenParts:
    """Everything the always-on loop runs on, built at the entry point."""

    source: SharedSource
    spotter: WakeSpotter
    recognizer: Recognizer
    session_listener: Listener
    reply_listener: Listener
    voice: Voice
    journal_dir: Path
    scripts_dir: Path | None
    invitations: InvitationLog
    clock: Clock
    panel: Panel
    progress: Progress
    coach: CoachOptions | None = None
    """What sessions do beyond the script (voice commands, mood check-in), as `session` does."""


class ListenLoop:
    """Waits for a wake, handles it, waits again; until stopped or out of audio time."""

    def __init__(self, parts: ListenParts, settings: Settings, rng: random.Random | None = None):
        self.parts = parts
        self.settings = settings
        self.rng = rng or random.Random()
        self.now = 0
        """Audio time (samples) at the end of the last frame read."""
        self.stop = threading.Event()
        """Set (signal handler) to stop after the session in progress, politely."""
        self.retry = RetryPolicy(settings.audio.retry_every_s, settings.audio.give_up_s)
        self.report = ListenReport()
        self._pressed = threading.Event()
        self._session: SessionLoop | None = None
        self._checked_second = -1
        parts.panel.on_press = self.press

    # ---- outside events (other threads) ----------------------------------------------------
    def press(self) -> None:
        """The button: stops the running session, or starts one."""
        session = self._session
        if session is not None:
            session.stop_requested.set()
        else:
            self._pressed.set()

    def request_stop(self) -> None:
        self.stop.set()
        session = self._session
        if session is not None:
            session.stop_requested.set()

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
        self.report.audio_s = samples_to_seconds(self.now)
        self.report.overflows = self.parts.source.lost_blocks
        return self.report

    def _wait(self, until: float) -> Trigger | None:
        gate = self.parts.voice.gate
        for chunk in self.parts.source.frames():
            self.now = chunk.end
            if self.stop.is_set() or self.now >= until:
                return None
            if self._pressed.is_set():
                self._pressed.clear()
                return Trigger.BUTTON
            if self._invitation_due():
                return Trigger.REMINDER
            if not gate.passes(chunk):
                continue
            wake = self.parts.spotter.feed(chunk)
            if wake is not None:
                log.info("wake phrase heard")
                self.report.wakes.append(
                    {"phrase": wake.phrase, "at_s": round(samples_to_seconds(wake.at), 1)}
                )
                return Trigger.WAKE
        return None

    def _invitation_due(self) -> bool:
        second = self.now // SAMPLE_RATE
        if second == self._checked_second:
            return False
        self._checked_second = second
        now = self.parts.clock.now(self.now)
        return invitation_due(self.settings.reminder, now, self.parts.invitations.entries).due

    def _device_lost(self, exc: AudioDeviceError) -> None:
        self.report.device_losses += 1
        log.warning("audio device lost while waiting (%s)", exc)
        self.parts.panel.show(Light.OFF)
        devices = [self.parts.source, self.parts.voice.sink]
        while not self.stop.is_set():
            if reopen_with_retries(devices, self.retry, self.stop):
                self.parts.spotter.reset()
                return

    # ---- a wake ------------------------------------------------------------------------------
    def _handle(self, trigger: Trigger) -> None:
        self.parts.spotter.reset()
        self.parts.panel.show(Light.LISTENING)
        try:
            if trigger is Trigger.REMINDER:
                topic = self._invite()
            else:
                self._cue(cues.LISTENING, "I'm listening.")
                topic = self._choose()
            if topic is not None:
                self._session_of(topic, self_started=trigger is not Trigger.REMINDER)
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

    def _invite(self) -> str | None:
        asked = self.now
        self._say(INVITATION)
        text = self._reply()
        reply = invitation_reply(text) if text is not None else Reply.UNCLEAR
        if reply is Reply.YES:
            self._note(Outcome.ACCEPTED, asked)
            return self._choose()
        if reply is Reply.NOT_NOW:
            self._note(Outcome.SNOOZED, asked)
            self._say(SNOOZED)
        elif reply is Reply.NO:
            self._note(Outcome.DECLINED, asked)
            self._say(DECLINED)
        else:
            self._note(Outcome.UNANSWERED, asked)
        return None

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
        listener = self.parts.reply_listener
        gate = self.parts.voice.gate
        at = gate.open_at
        listener.start(at)
        self.parts.source.listening(at)
        for chunk in self.parts.source.frames():
            self.now = chunk.end
            if self.stop.is_set() or self._pressed.is_set():
                self._pressed.clear()
                listener.cancel()
                return None
            if not gate.passes(chunk):
                continue
            event = listener.feed(chunk)
            if isinstance(event, Final):
                log.debug("reply heard")
                return event.utterance.text
            if isinstance(event, NoAnswer):
                return None
        listener.cancel()
        return None

    def _say(self, text: str) -> None:
        self.parts.progress.coach(text)
        self.parts.voice.say(text, self.now)

    def _cue(self, pcm: bytes, words: str) -> None:
        kind = self.settings.wake.cue
        if kind == "voice":
            self._say(words)
        elif kind == "tone":
            voice = self.parts.voice
            voice.sink.play(pcm, voice.gate.coach_speaks(self.now, len(pcm) // 2))

    def _session_of(self, topic: str, self_started: bool) -> None:
        parts = self.parts
        script = find_script(topic, parts.scripts_dir)
        journal = Journal(parts.journal_dir)
        try:
            # Running for months: [journal] keep_days is applied before each session.
            apply_retention(journal, self.settings.journal.keep_days)
            loop = SessionLoop(parts.source, parts.session_listener, parts.voice, parts.progress)
            loop.now = self.now
            loop.retry = self.retry
            self._session = loop
            if self.stop.is_set():
                loop.stop_requested.set()
            writer: JournalWriter = journal
            if self.settings.journal.save_audio:
                audio = AnswerAudio(journal.folder, longest_turn_s(self.settings.listen))
                loop.tap = audio
                writer = audio.wrap(journal)
            recorder = Recorder(writer, script.id, parts.recognizer.info)
            coach = replace(parts.coach, history=journal_history(journal)) if parts.coach else None
            record = loop.run(SessionMachine(script, loop, recorder, coach))
        finally:
            self._session = None
            journal.close()
        self.now = max(self.now, loop.now)
        self.report.sessions.append(record.id)
        if self_started:
            self._note(Outcome.SELF_STARTED)
