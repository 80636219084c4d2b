"""`voicecoach session` and `voicecoach demo`: build the loop's stages and run one session."""

from __future__ import annotations

import contextlib
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from voicecoach.cli.app import (
    PLAIN_DIM,
    app,
    err_console,
    paths,
    print_json,
    settings,
    settings_apart_from_journal,
)
from voicecoach.cli.progress import TerminalProgress
from voicecoach.coach.script import builtin_dir, find_script, unknown_topic
from voicecoach.config import Settings, config_error, toml_value
from voicecoach.errors import UsageError
from voicecoach.hinting import command_hint
from voicecoach.outputs import check_speaker_file
from voicecoach.paths import Paths
from voicecoach.speech.engines import EngineChoice
from voicecoach.stop import SIGNALS
from voicecoach.store.crypto import session_codec
from voicecoach.store.journal import Journal
from voicecoach.store.records import SessionRecord
from voicecoach.store.retention import apply_retention, retention_note
from voicecoach.wiring import (
    AudioOptions,
    build_session,
    coach_options,
    demo_options,
    engine_for,
    first_lines,
    low_rate_warnings,
)
from voicecoach.wiring import run_session as run_session_on


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
    """A demo: no first-run note, nothing remembered (the mood check-in as in a session)."""


def audio_options(options: RunOptions) -> AudioOptions:
    if options.answers and options.mic_file:
        raise UsageError("use either --answers or --mic-file, not both")
    return AudioOptions(
        mic_file=options.mic_file,
        answers=options.answers,
        speaker_file=options.speaker_file,
        fast=options.fast,
    )


@contextlib.contextmanager
def stop_on_signals(request_stop: Callable[[], None]) -> Iterator[None]:
    """Ctrl-C ends the session politely at the next frame; SIGTERM or a second Ctrl-C at once."""
    with SIGNALS.session(request_stop):
        yield


def adapt_tip(choice: EngineChoice, config: Settings, live: bool) -> str:
    """What follows the engine line when PocketSphinx listens to a microphone with its bundled
    model in the coach's language: that ``models adapt`` teaches it the person's voice (the
    dialogue benchmark's replies: 82 % fit their answer with it, 97 % adapted). "" otherwise."""
    bundled = choice.engine == "pocketsphinx" and choice.model is None
    if not live or not bundled or choice.mismatch(config.coach.language) is not None:
        return ""
    return f"; {command_hint('models adapt')} teaches it your voice in about two minutes"


def run_session(
    options: RunOptions, config: Settings, home: Paths, journal_dir: Path | None = None
) -> SessionRecord:
    """Check every input, then run the session; nothing is written before all inputs are good."""
    progress = TerminalProgress(err_console, show_partials=options.show_partials)
    script = find_script(options.topic, home.sessions)
    choice = engine_for(config, home, options.engine, options.model)
    audio = audio_options(options)
    coach = coach_options(config, home.state_file)
    if options.demo:
        coach = demo_options(coach)
    with contextlib.ExitStack() as stack, SIGNALS.starting():
        # The journal first: a folder it cannot write is said before engines load or a device opens.
        folder = journal_dir or home.journal
        journal = Journal(folder, codec=session_codec(folder))
        stack.callback(journal.close)
        journal.check_writable()
        stages = build_session(
            choice, audio, config, home, progress, stack, coach, first_lines(script, coach)
        )
        progress.note(stages.voice_reason)
        for warning in low_rate_warnings(audio):
            progress.note(warning)
        live = not options.answers and options.mic_file is None
        progress.note(f"listening with {choice.reason}{adapt_tip(choice, config, live)}")
        if language := choice.language_warning(config.coach.language, "answers and commands"):
            progress.note(language)
        keep_days = config.journal.keep_days
        erased = apply_retention(journal, keep_days)
        for notice in journal.notices:  # what was set aside or could not be tidied
            progress.note(f"voicecoach: warning: {notice}")
        if erased:
            progress.note(retention_note(erased, keep_days))
        stop = threading.Event()
        with stop_on_signals(stop.set):
            return run_session_on(stages, script, journal, stop)


TopicArg = Annotated[
    str | None, typer.Argument(help="Practice: patience, self-compassion, communication, …")
]
AnswersOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--answers",
        help="Scripted user: one WAV per listening turn (a mood question asked takes the first).",
    ),
]
MicFileOpt = Annotated[
    Path | None, typer.Option("--mic-file", help="A recording played as the microphone.")
]
SpeakerFileOpt = Annotated[
    Path | None, typer.Option("--speaker-file", help="Write the coach's voice to this WAV.")
]
ENGINES = ("auto", "vosk", "pocketsphinx")


def _engine(value: str | None) -> str | None:
    if value is not None and value not in ENGINES:
        raise UsageError(f"--engine: expected auto, vosk or pocketsphinx, got {value!r}")
    return value


EngineOpt = Annotated[
    str | None, typer.Option(help="auto, vosk or pocketsphinx.", callback=_engine)
]
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
    if topic is not None and not topic.strip():
        raise UsageError(
            f"the practice is empty: name one, e.g. patience ({command_hint('sessions list')})"
        )
    if speaker_file is not None:
        check_speaker_file(speaker_file, [*(answers or ()), *([mic_file] if mic_file else [])])
    cfg = settings(config)
    options = RunOptions(
        topic=topic or configured_topic(cfg, paths()),
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
        err_console.print(
            f"saved as {record.id} — {command_hint(f'show {record.id}')}", **PLAIN_DIM
        )


def configured_topic(config: Settings, home: Paths) -> str:
    """The practice config.toml names (``coach.topic``); a ConfigError naming the file, the key
    and its line when no practice is called so, as any other wrong setting is named."""
    problem = unknown_topic(config.coach.topic, home.sessions, spell=toml_value)
    if problem is not None:
        raise config_error("coach.topic", problem)
    return config.coach.topic


def sample_answers(mood_checkin: bool) -> tuple[Path, ...]:
    """The demo's recorded answers: the five of patience, and around them the moods ("about a
    six", "eight out of ten") when the check-in is asked, as a session asks it."""
    samples = builtin_dir().parent / "samples"
    answers = tuple(samples / f"patience-{n}.wav" for n in range(1, 6))
    if not mood_checkin:
        return answers
    return (samples / "mood-before.wav", *answers, samples / "mood-after.wav")


@app.command()
def demo(as_json: JsonOpt = False, engine: EngineOpt = None) -> None:
    """A whole session on sample answers, with nothing kept. It needs no microphone and no
    speakers, and asks for the mood too, as every session does."""
    cfg = settings_apart_from_journal()
    with tempfile.TemporaryDirectory(prefix="voicecoach-demo-") as scratch:
        options = RunOptions(
            topic="patience",
            answers=sample_answers(cfg.coach.mood_checkin),
            engine=engine,
            fast=True,
            show_partials=False,
            demo=True,
        )
        record = run_session(options, cfg, paths(), journal_dir=Path(scratch))
    if as_json:  # what a session would keep; it has no id, as nothing was kept
        print_json({**record.to_record(), "id": None})
        return
    from voicecoach.review.cells import answered, counted, duration
    from voicecoach.store.summary import summarize

    summary = summarize(record)
    heard = counted(answered(summary), "answer")
    err_console.print(  # the conversation itself was shown as it happened
        f"That was a demo: {heard} heard in {duration(summary.length_s)} of audio, "
        f"nothing kept. Run {command_hint('session')} to begin.",
        **PLAIN_DIM,
    )
