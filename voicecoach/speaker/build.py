"""Builds the always-on loop's parts from the settings and the command line (the entry point)."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from voicecoach.audio.gate import HalfDuplexGate
from voicecoach.audio.sink import AudioSink, SilentSink, WavFileSink
from voicecoach.audio.source import AudioSource
from voicecoach.coach.intents import seems_unfinished
from voicecoach.coach.options import CoachOptions
from voicecoach.coach.script import find_script, script_files
from voicecoach.config import Settings
from voicecoach.errors import AudioFileError, VoiceCoachError
from voicecoach.frames import seconds_to_samples
from voicecoach.loop import DEVICE_BACK, Progress, Voice
from voicecoach.paths import Paths
from voicecoach.speaker import replies
from voicecoach.speaker.always_on import (
    AudioClock,
    Clock,
    ListenLoop,
    ListenParts,
    LitSink,
    WallClock,
)
from voicecoach.speaker.gpio import Panel, open_panel
from voicecoach.speaker.reminder import InvitationLog
from voicecoach.speaker.sources import RoomAndAnswers, SharedSource
from voicecoach.speaker.wake import PhraseDecoder, SphinxPhrases, VoskPhrases, WakeSpotter
from voicecoach.speech.engines import EngineChoice
from voicecoach.speech.listener import Listener, ListenTiming
from voicecoach.speech.recognizer import Recognizer
from voicecoach.speech.tts import TextToSpeech
from voicecoach.speech.tts.choose import open_voice
from voicecoach.speech.tts.voices import voices_dirs
from voicecoach.wiring import answer_timing, engine_for

log = logging.getLogger(__name__)

REPLY_END_SILENCE_S = 1.0
"""A one- or two-word reply ends after this much silence."""
REPLY_MAX_S = 15.0


@dataclass(frozen=True)
class ListenOptions:
    """How `voicecoach listen` runs, from the command line."""

    mic_file: Path | None = None
    """A recording of the room played as the microphone while waiting."""
    answers: tuple[Path, ...] = ()
    """A scripted person: one WAV per listening turn (the choice, then the answers)."""
    loop_mic_file: bool = False
    """Play the room recording over and over (long idle runs)."""
    speaker_file: Path | None = None
    engine: str | None = None
    model: str | None = None
    fast: bool = False
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


def open_listen_source(options: ListenOptions, settings: Settings) -> tuple[AudioSource, Clock]:
    if options.mic_file is not None or options.answers:
        source = RoomAndAnswers(
            options.mic_file, options.answers, loop=options.loop_mic_file, fast=options.fast
        )
        return source, AudioClock(options.clock_start or datetime.now())
    from voicecoach.audio.mic import Microphone

    mic = Microphone(settings.audio.input_device)
    mic.open()
    return mic, WallClock()


def open_listen_sink(options: ListenOptions, settings: Settings) -> AudioSink:
    """--speaker-file, nothing (--fast), or the speakers."""
    if options.speaker_file is not None:
        folder = options.speaker_file.parent
        if not folder.is_dir():
            raise AudioFileError(f"{folder}: no such folder for --speaker-file")
        return WavFileSink(options.speaker_file)
    if options.fast:
        return SilentSink()
    from voicecoach.audio.playback import Speakers

    return Speakers(settings.audio.output_device)


def fixed_lines(scripts_dir: Path | None) -> list[str]:
    """Every line always-on mode may say that is known in advance: its own, and the practices'."""
    lines = [
        replies.CHOOSE_QUESTION,
        replies.CHOOSE_AGAIN,
        replies.NOT_CHOSEN,
        replies.INVITATION,
        replies.SNOOZED,
        replies.DECLINED,
        DEVICE_BACK,
    ]
    known = script_files(scripts_dir)
    for topic in replies.PRACTICES:
        if topic not in known:
            continue
        try:
            script = find_script(topic, scripts_dir)
        except VoiceCoachError as exc:
            log.warning("%s", exc)
            continue
        lines += [*script.opening, *script.closing]
        for step in script.steps:
            lines += [step.prompt, step.acknowledge]
    return [line for line in dict.fromkeys(lines) if line]


WARM_TRIES = 3
"""pyttsx3's espeak driver now and then renders a line empty; the warm-up tries it again."""


def warm_voice(tts: TextToSpeech, lines: list[str]) -> None:
    """Render the lines before the microphone opens (then they come from the voice cache)."""
    for line in lines:
        for attempt in range(1, WARM_TRIES + 1):
            try:
                tts.render(line)
                break
            except VoiceCoachError as exc:
                if attempt == WARM_TRIES:
                    log.warning("could not prepare a line in advance (%s)", exc)


def build_listen(
    options: ListenOptions,
    settings: Settings,
    home: Paths,
    progress: Progress,
    stack: contextlib.ExitStack,
    panel: Panel | None = None,
) -> tuple[ListenLoop, str]:
    """Open everything (closed by ``stack``); the loop, ready to run, and the engine chosen."""
    choice = engine_for(settings, home, options.engine, options.model)
    if panel is None:
        gpio = settings.gpio
        panel = open_panel(gpio.enabled, gpio.button_pin, gpio.led_pin)
    stack.callback(panel.close)
    voice = open_voice(settings.coach, home.voice_cache, voices_dirs(home))
    (log.warning if voice.fell_back else log.info)("%s", voice.reason)
    tts = voice.tts
    warm_voice(tts, fixed_lines(home.sessions))
    source, clock = open_listen_source(options, settings)
    stack.callback(source.close)
    sink = open_listen_sink(options, settings)
    stack.callback(sink.close)
    recognizer, decoder = open_engines(choice, settings)
    stack.callback(recognizer.close)
    listen = settings.listen
    spotter = WakeSpotter(decoder, listen.vad_mode, settings.wake.max_phrase_s)
    stack.callback(spotter.close)
    gate = HalfDuplexGate(seconds_to_samples(listen.gate_tail_s))
    session_timing = answer_timing(settings)
    reply_timing = ListenTiming.from_seconds(
        min(REPLY_END_SILENCE_S, listen.end_silence_s), settings.wake.reply_s, REPLY_MAX_S
    )
    coach = CoachOptions.from_settings(settings, home.state_file)
    checker = recognizer.phrase_checker(coach.spotter.book.grammar())
    parts = ListenParts(
        source=SharedSource(source),
        spotter=spotter,
        recognizer=recognizer,
        session_listener=Listener(
            recognizer, session_timing, listen.vad_mode, checker, seems_unfinished
        ),
        reply_listener=Listener(recognizer, reply_timing, listen.vad_mode),
        voice=Voice(tts, LitSink(sink, panel), gate),
        journal_dir=home.journal,
        scripts_dir=home.sessions,
        invitations=InvitationLog(invitation_log_path(home)),
        clock=clock,
        panel=panel,
        progress=progress,
        coach=coach,
    )
    return ListenLoop(parts, settings), choice.reason
