"""`voicecoach session` and `voicecoach demo`: build the loop's stages and run one session."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated

import typer

from voicecoach.audio.devices import RetryPolicy
from voicecoach.audio.gate import HalfDuplexGate
from voicecoach.audio.sink import AudioSink, SilentSink, WavFileSink
from voicecoach.audio.source import AudioSource, ScriptedAnswers, WavFileSource
from voicecoach.cli.app import app, err_console, out_console, paths, print_json, settings
from voicecoach.cli.progress import TerminalProgress
from voicecoach.coach.continuity import journal_history
from voicecoach.coach.intents import seems_unfinished
from voicecoach.coach.machine import SessionMachine
from voicecoach.coach.options import CoachOptions
from voicecoach.coach.recorder import Recorder
from voicecoach.coach.script import builtin_dir, find_script
from voicecoach.config import Settings
from voicecoach.errors import AudioFileError, VoiceCoachError
from voicecoach.frames import seconds_to_samples
from voicecoach.loop import SessionLoop, Voice
from voicecoach.outputs import check_output
from voicecoach.paths import Paths
from voicecoach.speech.engines import open_recognizer
from voicecoach.speech.listener import Listener
from voicecoach.speech.tts.choose import open_voice
from voicecoach.speech.tts.voices import voices_dirs
from voicecoach.stop import SIGNALS
from voicecoach.store.audio import AnswerAudio
from voicecoach.store.journal import Journal
from voicecoach.store.records import JournalWriter, SessionRecord
from voicecoach.store.retention import apply_retention, retention_note
from voicecoach.wiring import answer_timing, engine_for, longest_turn_s


@dataclass(frozen=True)
class RunOptions:
    """How one session is run, from the command line."""

    topic: str
    answers: tuple[Path, ...] = ()
    mic_file: Path | None = None
    speaker_file: Path | None = None
    engine: str | None = None
    model: str | None = None
    fast: bool = False
    show_partials: bool = True
    demo: bool = False
    """A demo: no mood check-in, no first-run note, nothing remembered."""


def coach_options(config: Settings, home: Paths, options: RunOptions) -> CoachOptions:
    """What the coach does beyond the script, from config.toml (a demo asks no mood)."""
    coach = CoachOptions.from_settings(config, home.state_file)
    if options.demo:
        coach = replace(coach, mood_checkin=False, first_run_file=None)
    return coach


def open_source(options: RunOptions, config: Settings) -> AudioSource:
    if options.answers and options.mic_file:
        raise AudioFileError("use either --answers or --mic-file, not both")
    if options.answers:
        return ScriptedAnswers(options.answers, fast=options.fast)
    if options.mic_file is not None:
        return WavFileSource(options.mic_file, fast=options.fast)
    from voicecoach.audio.mic import Microphone

    mic = Microphone(config.audio.input_device)
    mic.open()
    return mic


def open_sink(options: RunOptions, config: Settings) -> AudioSink:
    if options.speaker_file is not None:
        return WavFileSink(options.speaker_file)
    if options.fast:
        return SilentSink()
    from voicecoach.audio.playback import Speakers

    return Speakers(config.audio.output_device)


@contextlib.contextmanager
def stop_on_signals(loop: SessionLoop) -> Iterator[None]:
    """Ctrl-C ends the session politely at the next frame; SIGTERM or a second Ctrl-C at once."""
    with SIGNALS.session(loop.stop_requested.set):
        yield


def run_session(
    options: RunOptions, config: Settings, home: Paths, journal_dir: Path | None = None
) -> SessionRecord:
    """Check every input, then run the session; nothing is written before all inputs are good."""
    progress = TerminalProgress(err_console, show_partials=options.show_partials)
    script = find_script(options.topic, home.sessions)
    choice = engine_for(config, home, options.engine, options.model)
    voice = open_voice(config.coach, home.voice_cache, voices_dirs(home))
    voice.tts.check_voice()  # a voice that is not there stops us before the journal is touched
    first = next(iter(script.opening), "") or (script.steps[0].prompt if script.steps else "")
    if first:  # rendered before the microphone opens, so the session starts without a wait
        with contextlib.suppress(VoiceCoachError):  # an empty render is tried again when said
            voice.tts.render(first)
    source = open_source(options, config)
    with contextlib.ExitStack() as stack, SIGNALS.starting():
        stack.callback(source.close)
        sink = open_sink(options, config)
        recognizer = open_recognizer(choice)
        stack.callback(recognizer.close)
        progress.note(voice.reason)
        progress.note(f"listening with {choice.reason}")
        journal = Journal(journal_dir or home.journal)
        stack.callback(journal.close)
        for notice in journal.notices:
            progress.note(notice)
        keep_days = config.journal.keep_days
        if erased := apply_retention(journal, keep_days):
            progress.note(retention_note(erased, keep_days))
        gate = HalfDuplexGate(seconds_to_samples(config.listen.gate_tail_s))
        timing = answer_timing(config)
        coach = coach_options(config, home, options)
        if not options.demo:
            coach = replace(coach, history=journal_history(journal))
        checker = recognizer.phrase_checker(coach.spotter.book.grammar())
        tts = voice.tts
        listener = Listener(
            recognizer, timing, config.listen.vad_mode, checker=checker, unfinished=seems_unfinished
        )
        loop = SessionLoop(source, listener, Voice(tts, sink, gate), progress)
        loop.retry = RetryPolicy(config.audio.retry_every_s, config.audio.give_up_s)
        writer: JournalWriter = journal
        if config.journal.save_audio:
            audio = AnswerAudio(journal.folder, longest_turn_s(config.listen))
            loop.tap = audio
            writer = audio.wrap(journal)
        machine = SessionMachine(script, loop, Recorder(writer, script.id, recognizer.info), coach)
        with stop_on_signals(loop):
            record = loop.run(machine)
        sink.close()
    return record


def print_transcript(record: SessionRecord) -> None:
    from rich.markup import escape

    topic = escape(record.topic)
    out_console.print(f"[bold]{topic}[/] · {record.started_at} · {record.status.value}")
    for turn in record.turns:
        out_console.print(f"\n[cyan]coach[/] {escape(turn.prompt)}", highlight=False)
        answer = escape(turn.answer.text) if turn.answer is not None else "[dim](no answer)[/]"
        out_console.print(f"[green]you  [/] {answer}", highlight=False)


TopicArg = Annotated[
    str | None, typer.Argument(help="Practice: patience, self-compassion, communication, …")
]
AnswersOpt = Annotated[
    list[Path] | None, typer.Option("--answers", help="Scripted user: one WAV per listening turn.")
]
MicFileOpt = Annotated[
    Path | None, typer.Option("--mic-file", help="A recording played as the microphone.")
]
SpeakerFileOpt = Annotated[
    Path | None, typer.Option("--speaker-file", help="Write the coach's voice to this WAV.")
]
EngineOpt = Annotated[str | None, typer.Option(help="auto, vosk or pocketsphinx.")]
ModelOpt = Annotated[str | None, typer.Option(help="A Vosk model folder or installed model name.")]
FastOpt = Annotated[bool, typer.Option("--fast", help="Run file input faster than real time.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the stored record as JSON.")]
ConfigOpt = Annotated[Path | None, typer.Option(help="Use this config.toml.")]


@app.command()
def session(
    topic: TopicArg = None,
    answers: AnswersOpt = None,
    mic_file: MicFileOpt = None,
    speaker_file: SpeakerFileOpt = None,
    engine: EngineOpt = None,
    model: ModelOpt = None,
    fast: FastOpt = False,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Run one spoken session."""
    if speaker_file is not None:
        check_output(speaker_file, "--speaker-file")
    cfg = settings(config)
    options = RunOptions(
        topic=topic or cfg.coach.topic,
        answers=tuple(answers or ()),
        mic_file=mic_file,
        speaker_file=speaker_file,
        engine=engine,
        model=model,
        fast=fast,
        show_partials=not as_json,
    )
    record = run_session(options, cfg, paths())
    if as_json:
        print_json(record.to_record())
    else:
        err_console.print(f"[dim]saved as {record.id} — `voicecoach show {record.id}`[/]")


def sample_answers() -> tuple[Path, ...]:
    samples = builtin_dir().parent / "samples"
    return tuple(sorted(samples.glob("patience-*.wav")))


@app.command()
def demo(as_json: JsonOpt = False, engine: EngineOpt = None) -> None:
    """A whole session on sample answers: no microphone, no speakers, nothing kept."""
    with tempfile.TemporaryDirectory(prefix="voicecoach-demo-") as scratch:
        options = RunOptions(
            topic="patience",
            answers=sample_answers(),
            engine=engine,
            fast=True,
            show_partials=False,
            demo=True,
        )
        record = run_session(options, settings(), paths(), journal_dir=Path(scratch))
    if as_json:
        print_json(record.to_record())
    else:
        print_transcript(record)
        err_console.print(
            "[dim]That was a demo: nothing was kept. Run `voicecoach session` to begin.[/]"
        )
