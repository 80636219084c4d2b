"""The composition root: settings and command-line options → the loop's stages.

Only this module (and the CLI that calls it) reads ``config.toml`` settings; every stage gets
plain values or built objects in its constructor. ``session``, ``demo``, ``listen`` and the
tests all build through here, in this order: the speech engine and the voice (its first lines
rendered), then the sink, and the microphone last, so nothing is missed or heard late.

    source ─▶ FramePump (EchoGuard, Voice) ─▶ Listener (VoiceActivity, Recognizer) ─▶ machine
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from voicecoach.audio.devices import RetryPolicy
from voicecoach.audio.echo import EchoGuard
from voicecoach.audio.sink import AudioSink, SilentSink, WavFileSink
from voicecoach.audio.source import AudioSource, ScriptedAnswers, WavFileSource
from voicecoach.audio.voice import Voice
from voicecoach.coach.commands import CommandSpotter
from voicecoach.coach.continuity import journal_history, keep_readable
from voicecoach.coach.firstrun import FIRST_RUN_NOTE, first_run_done
from voicecoach.coach.intents import Command, PhraseBook, seems_continued, seems_unfinished
from voicecoach.coach.machine import SessionMachine
from voicecoach.coach.numbers import number_word
from voicecoach.coach.options import CoachOptions
from voicecoach.coach.plan import MOOD_BEFORE
from voicecoach.coach.recorder import Recorder
from voicecoach.coach.script import SessionScript
from voicecoach.coach.tone import grammar as tone_grammar
from voicecoach.config import ListenSettings, Settings
from voicecoach.errors import JournalError, SaveError
from voicecoach.frames import samples_to_seconds, seconds_to_samples
from voicecoach.loop import FrameTap, Progress, SessionLoop
from voicecoach.paths import Paths
from voicecoach.pump import FramePump
from voicecoach.speaker.sources import RoomAndAnswers
from voicecoach.speech.adapt import is_adapted
from voicecoach.speech.engines import EngineChoice, choose_engine
from voicecoach.speech.grammar import Hearing
from voicecoach.speech.listener import Listener
from voicecoach.speech.models import active_model_name, search_dirs
from voicecoach.speech.recognizer import Recognizer
from voicecoach.speech.timing import ListenTiming
from voicecoach.speech.tts.choose import VoiceChoice, open_voice
from voicecoach.speech.tts.voices import voices_dirs
from voicecoach.speech.vad import ALREADY_ON_S, VoiceActivity
from voicecoach.store.audio import AnswerAudio
from voicecoach.store.codec import PLAIN
from voicecoach.store.journal import Journal
from voicecoach.store.laststeps import remove_steps
from voicecoach.store.records import JournalWriter, SessionRecord

PHRASE_MARGIN_S = 1.0
"""Audio decoded around a command's speech (pre-roll and hangover), on top of max_command_s."""


@dataclass(frozen=True)
class AudioOptions:
    """Where sound comes from and goes to, from the command line (defaults: the devices)."""

    mic_file: Path | None = None
    """A recording played as the microphone (with ``answers``: the room between answers)."""
    answers: tuple[Path, ...] = ()
    """A scripted person: one WAV per listening turn, spoken when the coach falls silent."""
    loop_mic_file: bool = False
    """Play the ``mic_file`` recording over and over (long idle runs)."""
    speaker_file: Path | None = None
    """Write the coach's voice here (aligned with the microphone in audio time)."""
    fast: bool = False
    """Run file input faster than real time (and play nothing)."""


# ---- settings → values ---------------------------------------------------------------------
def engine_for(
    settings: Settings, home: Paths, engine: str | None = None, model: str | None = None
) -> EngineChoice:
    """The engine a session or `listen` uses: the command line's choice, else the settings'."""
    return choose_engine(
        engine or settings.speech.engine,
        model if model is not None else settings.speech.model,
        settings.coach.language,
        search_dirs(home),
        active=active_model_name(home.state_file),
        adapted=home.voice_model if is_adapted(home.voice_model) else None,
    )


def answer_timing(settings: Settings) -> ListenTiming:
    """How a session listens for answers, from ``[listen]`` and ``[commands]``."""
    listen = settings.listen
    return ListenTiming.from_seconds(
        listen.end_silence_s,
        listen.no_answer_s,
        listen.max_answer_s,
        thinking_pause=listen.thinking_pause_s,
        cap_grace=listen.cap_grace_s,
        phrase_max=settings.commands.max_command_s + PHRASE_MARGIN_S,
    )


def longest_turn_s(listen: ListenSettings) -> float:
    """The most audio one listening turn can hold: the wait, the longest answer and its grace."""
    return listen.no_answer_s + listen.max_answer_s + listen.cap_grace_s


def coach_options(settings: Settings, state_file: Path | None) -> CoachOptions:
    """What the coach does beyond the script, from config.toml."""
    commands = settings.commands
    overrides = {c: tuple(getattr(commands, c.value)) for c in Command}
    book = PhraseBook.build(settings.coach.language, overrides)
    return CoachOptions(
        mood_checkin=settings.coach.mood_checkin,
        first_run_file=state_file,
        spotter=CommandSpotter(book, commands.min_agreement),
        reprompts=settings.listen.reprompts,
        quiet_questions=settings.listen.quiet_questions,
        speak_up_below=settings.listen.speak_up_dbfs,
        pause_wait=seconds_to_samples(settings.listen.pause_wait_s),
        reply_wait=seconds_to_samples(settings.listen.no_answer_s),
        rate_step=settings.coach.rate_step,
        crisis_resources=settings.safety.resources,
        pause_s=settings.coach.pause_s,
        question_pause_s=settings.coach.question_pause_s,
    )


def retry_policy(settings: Settings) -> RetryPolicy:
    """How a lost device is waited for ([audio] retry_every_s and give_up_s)."""
    return RetryPolicy(settings.audio.retry_every_s, settings.audio.give_up_s)


# ---- devices and files -----------------------------------------------------------------------
def open_source(options: AudioOptions, settings: Settings) -> AudioSource:
    """The microphone, or its file twins: answers, a recording, or a room with answers."""
    if options.mic_file is not None and (options.answers or options.loop_mic_file):
        return RoomAndAnswers(
            options.mic_file, options.answers, loop=options.loop_mic_file, fast=options.fast
        )
    if options.answers:
        return ScriptedAnswers(options.answers, fast=options.fast)
    if options.mic_file is not None:
        return WavFileSource(options.mic_file, fast=options.fast)
    from voicecoach.audio.mic import Microphone

    mic = Microphone(settings.audio.input_device)
    mic.open()
    return mic


def low_rate_warnings(options: AudioOptions) -> list[str]:
    """One warning line per input WAV recorded below the recogniser's 16 kHz (a phone's 8 kHz):
    it is resampled and played, but the sounds above half its rate are gone, so words are
    misheard. Empty when every file is 16 kHz or more (headers are checked by the sources)."""
    from voicecoach.audio.wavfile import check_wav
    from voicecoach.frames import SAMPLE_RATE

    paths = [*options.answers, *([options.mic_file] if options.mic_file else [])]
    out = []
    for path in paths:
        rate = check_wav(path).rate
        if rate < SAMPLE_RATE:
            out.append(
                f"voicecoach: warning: {path} is recorded at {rate} Hz; speech recognition "
                f"needs {SAMPLE_RATE} Hz or more, so its words will be misheard (record it "
                f"at {SAMPLE_RATE // 1000} kHz or more)"
            )
    return out


def open_sink(options: AudioOptions, settings: Settings) -> AudioSink:
    """--speaker-file, nothing (--fast), or the speakers."""
    if options.speaker_file is not None:
        return WavFileSink(options.speaker_file)
    if options.fast:
        return SilentSink()
    from voicecoach.audio.playback import Speakers

    return Speakers(settings.audio.output_device)


def open_tts(settings: Settings, home: Paths) -> VoiceChoice:
    """The voice ``[coach]`` asks for (Piper or espeak-ng), and why; VoiceCoachError when the
    voice named is not there (checked before anything is said or written)."""
    choice = open_voice(settings.coach, home.voice_cache, voices_dirs(home))
    choice.tts.check_voice()
    return choice


def script_lines(script: SessionScript) -> list[str]:
    """Every line of a script known in advance (to render before the microphone opens)."""
    lines = [*script.opening, *script.closing]
    for step in script.steps:
        lines += [step.prompt, step.acknowledge]
    return [line for line in dict.fromkeys(lines) if line]


def first_lines(script: SessionScript, coach: CoachOptions | None = None) -> list[str]:
    """What a session says before it first listens, in order: the first-run note (on the very
    first session), the opening, and the first question (the mood question when it is asked;
    the first step's is said soon after)."""
    state = coach.first_run_file if coach is not None else None
    note = [FIRST_RUN_NOTE] if state is not None and not first_run_done(state) else []
    mood = [MOOD_BEFORE] if coach is not None and coach.mood_checkin else []
    return [*note, *script.opening, *mood, *(step.prompt for step in script.steps[:1])]


# ---- a session -------------------------------------------------------------------------------
@dataclass(frozen=True)
class SessionStages:
    """What one or more sessions run on (built once; ``listen`` runs many sessions on it)."""

    pump: FramePump
    recognizer: Recognizer
    listener: Listener
    progress: Progress
    coach: CoachOptions
    retry: RetryPolicy
    save_audio_s: float | None
    """Keep each answer's audio (the longest turn in seconds), or None."""
    voice_reason: str = ""
    """Which voice speaks, and why (one line for the user)."""
    readable_last_step: bool = False
    """Keep the step named in each practice's last session readable beside an encrypted
    journal, for the look back (``[journal] readable_last_step``)."""
    unhurried: bool = False
    """The run is not held to real time (``--fast`` files): work handed to the engine's child
    process is waited for, never given up on a deadline, so the run is deterministic."""

    @property
    def voice(self) -> Voice:
        return self.pump.voice


def session_listener(recognizer: Recognizer, settings: Settings, coach: CoachOptions) -> Listener:
    """The listener of answers: answer timing, the command phrases' second opinion (and the
    ratings' one, for the mood check-in), and the whole-answer second decode unless
    ``[speech] second_decode`` is off."""
    book = coach.spotter.book
    phrases = book.grammar()
    ratings = book.others if coach.mood_checkin else ()
    rating_checker = recognizer.phrase_checker(ratings, "ratings", number_word) if ratings else None
    return Listener(
        recognizer,
        answer_timing(settings),
        VoiceActivity(settings.listen.vad_mode, already_on_s=ALREADY_ON_S),
        checker=recognizer.phrase_checker(
            phrases, singles=book.single_words(), over_coach=book.over_coach_grammar()
        )
        if phrases
        else None,
        unfinished=seems_unfinished,
        redecode=settings.speech.second_decode,
        continued=seems_continued,
        rating_checker=rating_checker,
        tone_checker=tone_checker(recognizer, settings),
    )


def tone_checker(
    recognizer: Recognizer, settings: Settings
) -> Callable[[bytes, float], Hearing] | None:
    """The tone grammar's hearing of an answer (PocketSphinx, English), else None."""
    from voicecoach.speech.sphinx_engine import SphinxRecognizer

    if not isinstance(recognizer, SphinxRecognizer) or not settings.coach.language.startswith("en"):
        return None
    return recognizer.grammar_search("tone", tone_grammar).hear


def stages_of(
    recognizer: Recognizer,
    source: AudioSource,
    voice: Voice,
    settings: Settings,
    progress: Progress,
    coach: CoachOptions,
    on_speaking: Callable[[bool], None] | None = None,
    unhurried: bool = False,
) -> SessionStages:
    """The session stages over parts already open (the CLI's, or a test's own source);
    ``on_speaking`` is told when the coach becomes audible or silent (a lamp). ``unhurried``:
    the source is files read faster than real time (``SessionStages.unhurried``)."""
    echo = EchoGuard(voice) if voice.sink.echoes else None
    if unhurried and recognizer.second_pass is not None:
        recognizer.second_pass.unhurried = True
    return SessionStages(
        pump=FramePump(source, voice, echo, on_speaking),
        recognizer=recognizer,
        listener=session_listener(recognizer, settings, coach),
        progress=progress,
        coach=coach,
        retry=retry_policy(settings),
        save_audio_s=longest_turn_s(settings.listen) if settings.journal.save_audio else None,
        readable_last_step=settings.journal.readable_last_step,
        unhurried=unhurried,
    )


def build_session(
    choice: EngineChoice,
    audio: AudioOptions,
    settings: Settings,
    home: Paths,
    progress: Progress,
    stack: contextlib.ExitStack,
    coach: CoachOptions,
    lines: Iterable[str] = (),
) -> SessionStages:
    """Open everything a session runs on (closed by ``stack``): the engine, then the voice with
    ``lines`` rendered, then the microphone, so the first line plays as the microphone opens.

    espeak-ng renders in a child process: ``lines`` are sent to it before the engine loads, so
    on two cores they are ready when it is (the voice is still checked before anything is
    said or written); the first is collected here, the others as they are said."""
    from voicecoach.speech.engines import open_recognizer

    files = audio.mic_file is not None or bool(audio.answers)
    source = open_source(audio, settings) if files else None  # bad files: found first
    if source is not None:
        stack.callback(source.close)
    spoken = open_voice(settings.coach, home.voice_cache, voices_dirs(home))
    ahead = spoken.tts.prefetch(list(lines))
    recognizer = open_recognizer(choice)
    stack.callback(recognizer.close)
    spoken.tts.check_voice()
    sink = open_sink(audio, settings)
    stack.callback(sink.close)
    voice = Voice(spoken.tts, sink)
    voice.prepare(list(lines)[:1] if ahead else list(lines))  # the rest: collected when said
    if source is None:
        source = open_source(audio, settings)  # the microphone, last
        stack.callback(source.close)
    unhurried = files and audio.fast
    stages = stages_of(recognizer, source, voice, settings, progress, coach, unhurried=unhurried)
    return replace(stages, voice_reason=spoken.reason)


def run_session(
    stages: SessionStages,
    script: SessionScript,
    journal: Journal,
    stop: threading.Event | None = None,
    now: Callable[[], datetime] = datetime.now,
) -> SessionRecord:
    """Run one session of ``script`` on the stages, writing to ``journal``; its record.
    ``now``: the wall-clock time that dates the session (the real one by default)."""
    writer: JournalWriter = journal
    tap: FrameTap | None = None
    if stages.save_audio_s is not None:
        answers = AnswerAudio(journal.folder, stages.save_audio_s, journal.codec)
        tap, writer = answers, answers.wrap(journal)
    loop = SessionLoop(stages.pump, stages.listener, stages.progress, stages.retry, tap, stop)
    begun = loop.now  # `listen` shares its audio stream with the sessions it starts
    try:
        recorder = Recorder(
            writer,
            script.id,
            stages.recognizer.info,
            lambda: samples_to_seconds(loop.now - begun),
            unhurried=stages.unhurried,
            now=now,
        )
    except SaveError:
        loop.cannot_save()  # said aloud too, not only printed
        raise
    readable = stages.readable_last_step and journal.codec is not PLAIN
    if not readable:
        readable_steps_off(journal.folder, stages.progress)
    look_back = journal_history(
        journal, current=recorder.record.id, readable=readable, script=script
    )
    coach = replace(stages.coach, history=look_back)
    record = loop.run(SessionMachine(script, loop, recorder, coach))
    if readable:
        try:
            keep_readable(journal.folder, record, script, on=True)
        except JournalError as exc:
            stages.progress.note(f"the step to look back at next time was not kept: {exc}")
    return record


def readable_steps_off(folder: Path, progress: Progress) -> None:
    """``[journal] readable_last_step`` is off (or the journal is not encrypted): no step is
    kept readable beside the journal."""
    try:
        remove_steps(folder)
    except JournalError as exc:
        progress.note(str(exc))


def demo_options(coach: CoachOptions) -> CoachOptions:
    """A demo asks the mood as a session does (when the settings ask it), and remembers and
    keeps nothing."""
    return replace(coach, first_run_file=None, keeps=False)
