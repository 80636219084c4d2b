"""What only the always-on mode needs to be built: its options, engines and fixed lines."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from voicecoach.audio.source import AudioSource
from voicecoach.audio.voice import Voice
from voicecoach.coach.script import SessionScript, find_script, script_files
from voicecoach.config import Settings
from voicecoach.errors import ConfigError, VoiceCoachError
from voicecoach.loop import DEVICE_BACK, Progress
from voicecoach.paths import Paths
from voicecoach.speaker import replies, whois
from voicecoach.speaker.always_on import (
    AudioClock,
    Clock,
    ListenLoop,
    ListenParts,
    WallClock,
    lamp,
)
from voicecoach.speaker.gpio import Panel, open_panel
from voicecoach.speaker.reminder import InvitationLog
from voicecoach.speaker.sources import RoomAndAnswers
from voicecoach.speaker.wake import PhraseDecoder, SphinxPhrases, VoskPhrases, WakeSpotter
from voicecoach.speech.engines import EngineChoice
from voicecoach.speech.listener import Listener
from voicecoach.speech.recognizer import Recognizer
from voicecoach.speech.timing import ListenTiming
from voicecoach.speech.vad import VoiceActivity
from voicecoach.store.codec import Codec
from voicecoach.store.crypto import journal_codec, session_codec
from voicecoach.store.journal import Journal
from voicecoach.store.records import SessionRecord
from voicecoach.store.retention import apply_retention
from voicecoach.wiring import (
    AudioOptions,
    SessionStages,
    coach_options,
    engine_for,
    longest_turn_s,
    open_sink,
    open_source,
    open_tts,
    run_session,
    script_lines,
    stages_of,
)

log = logging.getLogger(__name__)

REPLY_END_SILENCE_S = 1.0
"""A one- or two-word reply ends after this much silence."""
REPLY_MAX_S = 15.0


@dataclass(frozen=True)
class ListenOptions(AudioOptions):
    """How `voicecoach listen` runs, from the command line: where sound comes from and goes
    (``mic_file`` is the room while waiting, ``answers`` the choice and then the answers), and
    which engine hears it."""

    engine: str | None = None
    model: str | None = None
    clock_start: datetime | None = None
    """Wall-clock time at audio time 0 for file input (default: now)."""


def invitation_log_path(home: Paths) -> Path:
    return home.data / "invitations.json"


def open_engines(choice: EngineChoice, settings: Settings) -> tuple[Recognizer, PhraseDecoder]:
    """The session recogniser and the wake phrase decoder (one Vosk model shared by both)."""
    wake = settings.wake
    if choice.engine == "vosk" and choice.model is not None:
        from voicecoach.speech.vosk_engine import VoskRecognizer, load_model

        model = load_model(choice.model)
        return (
            VoskRecognizer(choice.model, model=model),
            VoskPhrases(model, wake.phrases, wake.min_confidence),
        )
    from voicecoach.speech.sphinx_engine import SphinxRecognizer

    return SphinxRecognizer(), SphinxPhrases(wake.phrases, wake.threshold)


def fixed_lines(scripts_dir: Path | None, profiles: tuple[str, ...] = ()) -> list[str]:
    """Every line always-on mode may say that is known in advance: its own (with a greeting of
    each profile to choose from), and the practices'."""
    lines = [
        replies.CHOOSE_QUESTION,
        replies.CHOOSE_AGAIN,
        replies.NOT_CHOSEN,
        replies.INVITATION,
        replies.SNOOZED,
        replies.DECLINED,
        DEVICE_BACK,
    ]
    if len(profiles) > 1:
        lines += [whois.WHO_IS_THIS, whois.WHO_AGAIN, whois.NAME_NOT_CAUGHT, whois.NOT_YOU]
        lines += [whois.greeting(p) for p in profiles]
    known = script_files(scripts_dir)
    for topic in replies.PRACTICES:
        if topic not in known:
            continue
        try:
            lines += script_lines(find_script(topic, scripts_dir))
        except VoiceCoachError as exc:
            log.warning("%s", exc)
    return [line for line in dict.fromkeys(lines) if line]


def profile_stages(stages: SessionStages, settings: Settings, own: Settings) -> SessionStages:
    """The stages with a profile's own settings for what the coach does and keeps (``[coach]``
    but its voice and language, ``[journal]``, ``[safety]``); the devices, engines, voice and
    command phrases stay those `listen` was started with (``settings``)."""
    coach = coach_options(own, stages.coach.first_run_file)
    keep = longest_turn_s(settings.listen) if own.journal.save_audio else None
    return replace(
        stages,
        coach=replace(coach, spotter=stages.coach.spotter),
        save_audio_s=keep,
        readable_last_step=own.journal.readable_last_step,
    )


def voice_profiles(home: Paths) -> tuple[str, ...]:
    """The profiles a person names after the wake: the named ones, unless `listen` was started
    for one (``--profile`` / ``VOICECOACH_PROFILE``), which then keeps every session."""
    return () if home.profile is not None else home.profile_names()


def check_journals(home: Paths, codec: Codec) -> None:
    """What a session checks before it begins (``Journal.check_writable``: the folder can be
    written, no month file or ``.bak`` is a folder or a named pipe), for every journal a session
    started now may be kept in: the one `listen` was started with (``codec``), or with two
    profiles or more each one a voice may choose. JournalError (one line, naming the folder or
    file) for the first that could not take a session."""
    profiles = voice_profiles(home)
    journals = [(home.journal, codec)]
    if len(profiles) > 1:  # a name is asked after each wake (see `ListenLoop`)
        folders = [home.of_profile(p).journal for p in profiles]
        journals = [(f, journal_codec(f, unlock=False)) for f in folders]
    for folder, chosen in journals:
        with Journal(folder, codec=chosen) as journal:
            journal.check_writable()


def build_listen(
    options: ListenOptions,
    settings: Settings,
    home: Paths,
    progress: Progress,
    stack: contextlib.ExitStack,
    panel: Panel | None = None,
    source: AudioSource | None = None,
    settings_of: Callable[[Paths], Settings] | None = None,
) -> tuple[ListenLoop, str]:
    """Open everything (closed by ``stack``); the loop, ready to run, and the engine chosen.

    Input files are checked first (a bad one is its one error, before any engine loads or
    anything is said), then the journals as a session checks them (``check_journals``); the
    engines load and the fixed lines render before the microphone
    opens. ``source``
    replaces the one the options name (tests: a device that goes away). ``settings_of`` reads
    the settings of a profile chosen by voice (its own config.toml over ``settings``).
    """
    files = options.mic_file is not None or bool(options.answers)
    if source is None and files:  # a run on files (bad files: found first, before any engine)
        source = RoomAndAnswers(  # it ends when they are used up
            options.mic_file, options.answers, loop=options.loop_mic_file, fast=options.fast
        )
    if source is not None:
        stack.callback(source.close)
    codec = session_codec(home.journal)  # the public key suffices to record
    check_journals(home, codec)  # as a session checks, before an engine loads or a word is said
    choice = engine_for(settings, home, options.engine, options.model)
    misheard = "the wake phrase, answers and commands"
    if warning := choice.language_warning(settings.coach.language, misheard):
        progress.note(warning)
    if panel is None:
        gpio = settings.gpio
        panel = open_panel(gpio.enabled, gpio.button_pin, gpio.led_pin)
    stack.callback(panel.close)
    recognizer, decoder = open_engines(choice, settings)
    stack.callback(recognizer.close)
    listen = settings.listen
    spotter = WakeSpotter(decoder, VoiceActivity(listen.vad_mode), settings.wake.max_phrase_s)
    stack.callback(spotter.close)
    sink = open_sink(options, settings)
    stack.callback(sink.close)
    spoken = open_tts(settings, home)
    (log.warning if spoken.fell_back else log.info)("%s", spoken.reason)
    voice = Voice(spoken.tts, sink)
    voice.prepare(fixed_lines(home.sessions, voice_profiles(home)))
    if source is None:
        source = open_source(options, settings)  # the microphone, last
        stack.callback(source.close)
    clock: Clock = WallClock()
    if files:
        clock = AudioClock(options.clock_start or datetime.now())
    coach = coach_options(settings, home.state_file)
    stages = stages_of(
        recognizer, source, voice, settings, progress, coach, lamp(panel), files and options.fast
    )
    reply_timing = ListenTiming.from_seconds(
        min(REPLY_END_SILENCE_S, listen.end_silence_s), settings.wake.reply_s, REPLY_MAX_S
    )
    keep_days = settings.journal.keep_days

    def run_one(script: SessionScript, stop: threading.Event, profile: str | None) -> SessionRecord:
        session, days, folder = stages, keep_days, home.journal
        if profile is not None:
            person = home.of_profile(profile)
            own = settings
            try:
                own = settings_of(person) if settings_of is not None else settings
            except ConfigError as exc:  # the speaker keeps running; the shared settings apply
                log.warning("%s; the shared settings are used", exc)
            session, days, folder = (
                profile_stages(stages, settings, own),
                own.journal.keep_days,
                person.journal,
            )
        # A profile chosen by voice: its public key alone (a passphrase set for the default
        # journal is not its own).
        chosen = codec if profile is None else journal_codec(folder, unlock=False)
        journal = Journal(folder, codec=chosen)
        try:
            # Running for months: [journal] keep_days is applied before each session.
            apply_retention(journal, days)
            # Dated by the clock the run's audio is on (a file's --clock-start, like the
            # invitations), not by the wall clock of a run that goes faster than real time.
            return run_session(session, script, journal, stop, lambda: clock.now(stages.pump.now))
        finally:
            journal.close()

    parts = ListenParts(
        pump=stages.pump,
        spotter=spotter,
        reply_listener=Listener(recognizer, reply_timing, VoiceActivity(listen.vad_mode)),
        run_session=run_one,
        scripts_dir=home.sessions,
        invitations=InvitationLog(invitation_log_path(home)),
        clock=clock,
        panel=panel,
        progress=progress,
        reminder=settings.reminder,
        cue=settings.wake.cue,
        retry=stages.retry,
        profiles=lambda: voice_profiles(home),
        names=whois.NameHearing(recognizer, reply_timing, listen.vad_mode),
    )
    return ListenLoop(parts), choice.reason
