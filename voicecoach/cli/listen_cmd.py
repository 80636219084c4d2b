"""`voicecoach listen` (always-on mode) and `voicecoach service install|uninstall|status`."""

from __future__ import annotations

import contextlib
import logging
import math
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from voicecoach.audio.echo_path import AEC_OFFER
from voicecoach.cli.app import (
    PLAIN,
    PLAIN_DIM,
    app,
    err_console,
    one_line,
    out_console,
    paths,
    print_json,
    settings,
)
from voicecoach.cli.progress import EventProgress, TerminalProgress
from voicecoach.cli.session_cmd import (
    AnswersOpt,
    ConfigOpt,
    EngineOpt,
    FastOpt,
    MicFileOpt,
    ModelOpt,
    SpeakerFileOpt,
    stop_on_signals,
)
from voicecoach.errors import UsageError
from voicecoach.hinting import command_hint
from voicecoach.outputs import check_speaker_file
from voicecoach.review.cells import counted
from voicecoach.speaker import service as unit
from voicecoach.speaker.build import ListenOptions, build_listen, voice_profiles
from voicecoach.stop import SIGNALS
from voicecoach.wiring import low_rate_warnings

OnceOpt = Annotated[bool, typer.Option("--once", help="Handle one wake, then exit.")]
MAX_SECONDS = 366 * 24 * 3600
"""The longest `--max-seconds` (a year of audio); for longer, leave it out."""
MaxSecondsOpt = Annotated[
    float | None,
    typer.Option(
        "--max-seconds",
        help=f"Exit after this much audio (seconds, more than 0, at most {MAX_SECONDS}).",
    ),
]
LoopOpt = Annotated[
    bool, typer.Option("--loop-mic-file", help="Play the --mic-file recording over and over.")
]
ReportOpt = Annotated[
    bool, typer.Option("--json", help="At the end, print what happened (wakes, sessions) as JSON.")
]
WordsOpt = Annotated[
    bool,
    typer.Option(
        "--show-words",
        help="Also print what the coach says and hears (stderr); never for the service.",
    ),
]
StatusJsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead.")]
ClockOpt = Annotated[
    str | None,
    typer.Option(
        "--clock-start",
        help="With file input: the wall-clock time (YYYY-MM-DDTHH:MM) at which the audio begins.",
    ),
]


CLOCK_YEARS = (1970, 9998)
"""The years a --clock-start may fall in (the clock then runs on for a year of audio)."""


def _clock_start(text: str | None) -> datetime | None:
    """--clock-start as a local wall-clock time; UsageError for anything else (a time zone, a
    year outside ``CLOCK_YEARS``)."""
    if text is None:
        return None
    expected = "expected a time like 2025-01-31T19:59"
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"--clock-start: {expected}, got {text!r}") from exc
    if when.tzinfo is not None:
        raise UsageError(f"--clock-start: {expected} (local time, no time zone), got {text!r}")
    low, high = CLOCK_YEARS
    if not low <= when.year <= high:
        raise UsageError(f"--clock-start: {expected} in the years {low} to {high}, got {text!r}")
    return when


def check_listen_input(
    mic_file: Path | None,
    answers: list[Path] | None,
    loop_mic_file: bool,
    fast: bool,
    max_seconds: float | None,
    clock_start: str | None,
) -> None:
    """UsageError for options that cannot work together, before anything is read or opened: a
    loop without a recording, a time limit that is not a positive number up to `MAX_SECONDS`,
    a looped recording in --fast with no limit (it would never end, at full speed), a clock
    for no file input or that is no local time (see `_clock_start`)."""
    if loop_mic_file and mic_file is None:
        raise UsageError("--loop-mic-file needs --mic-file (the recording to play over and over)")
    if max_seconds is not None and not (math.isfinite(max_seconds) and max_seconds > 0):
        raise UsageError(
            f"--max-seconds: expected a positive number of seconds, got {max_seconds:g}"
        )
    if max_seconds is not None and max_seconds > MAX_SECONDS:
        raise UsageError(
            f"--max-seconds: expected at most {MAX_SECONDS} seconds (a year), got {max_seconds:g}"
            "; leave it out to listen until stopped"
        )
    if loop_mic_file and fast and max_seconds is None:
        raise UsageError(
            "--loop-mic-file with --fast needs --max-seconds (a looped recording never ends)"
        )
    if clock_start is not None and mic_file is None and not answers:
        raise UsageError("--clock-start needs --mic-file or --answers (it dates file input)")
    _clock_start(clock_start)


@app.command()
def listen(
    mic_file: MicFileOpt = None,
    answers: AnswersOpt = None,
    loop_mic_file: LoopOpt = False,
    speaker_file: SpeakerFileOpt = None,
    engine: EngineOpt = None,
    model: ModelOpt = None,
    fast: FastOpt = False,
    once: OnceOpt = False,
    max_seconds: MaxSecondsOpt = None,
    clock_start: ClockOpt = None,
    as_json: ReportOpt = False,
    show_words: WordsOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Always on: wait for a wake, then run a session. A wake is the wake phrase, the button
    or the daily invitation."""
    # A service's log (journalctl) also gets what it did: wakes, clean-ups, recoveries. No
    # message at this level holds what was said.
    logging.getLogger("voicecoach").setLevel(logging.INFO)
    check_listen_input(mic_file, answers, loop_mic_file, fast, max_seconds, clock_start)
    if speaker_file is not None:
        check_speaker_file(speaker_file, [*(answers or ()), *([mic_file] if mic_file else [])])
    cfg = settings(config)
    options = ListenOptions(
        mic_file=mic_file,
        answers=tuple(answers or ()),
        loop_mic_file=loop_mic_file,
        speaker_file=speaker_file,
        engine=engine,
        model=model,
        fast=fast,
        clock_start=_clock_start(clock_start),
    )
    progress: EventProgress | TerminalProgress = EventProgress(err_console)
    if show_words:
        progress = TerminalProgress(err_console, show_partials=False)
    with contextlib.ExitStack() as stack:
        with SIGNALS.starting():
            loop, reason = build_listen(
                options, cfg, paths(), progress, stack, settings_of=lambda p: settings(config, p)
            )
        _advise_on_wake_phrases(cfg.wake.phrases)  # once the phrases are known to be usable
        for warning in low_rate_warnings(options):
            progress.note(warning)
        phrases = " or ".join(f'"{p}"' for p in cfg.wake.phrases)
        progress.note(f"waiting for {phrases}; listening with {reason}")
        names = voice_profiles(paths())
        if len(names) > 1:
            progress.note(f"after a wake, asks who it is: {', '.join(names)}")
        with stop_on_signals(loop.request_stop):
            report = loop.run(until_s=max_seconds, once=once)
    if as_json:
        print_json(report.to_json())
    else:
        err_console.print(
            f"{report.audio_s:.0f} s listened, {counted(len(report.wakes), 'wake')}, "
            f"{counted(len(report.sessions), 'session')}",
            **PLAIN_DIM,
        )


def _advise_on_wake_phrases(phrases: tuple[str, ...]) -> None:
    """One warning line on stderr for wake phrases too short to be told from other speech."""
    from voicecoach.config import config_error
    from voicecoach.speech.syllables import ADVICE, described, short_wake_phrases

    short = short_wake_phrases(phrases)
    if short:
        problem = config_error("wake.phrases", f"{described(short)}; {ADVICE}")
        err_console.print(f"voicecoach: warning: {one_line(str(problem))}", style="yellow", **PLAIN)


service_app = typer.Typer(
    help="Run `voicecoach listen` at boot as a systemd user service.", no_args_is_help=True
)
app.add_typer(service_app, name="service")


def _unit() -> tuple[Path, str]:
    return unit.unit_path(), unit.unit_text(unit.this_python(), profile=paths().profile)


@service_app.command("install")
def service_install() -> None:
    """Write the systemd user unit and say how to enable it. It runs `listen` with the
    profile (--profile, VOICECOACH_PROFILE) and the folders (VOICECOACH_HOME, XDG_*_HOME) of
    this command, and settings `listen` would refuse are refused here first (what it would
    warn of is told here too)."""
    home = paths()
    # A ConfigError (one line, the file, the key and its line) before any write; the warning
    # `listen` gives at start, here where it is read.
    _advise_on_wake_phrases(settings().wake.phrases)
    path, text = _unit()
    changed = unit.install(path, text)
    out_console.print(f"{'wrote' if changed else 'already up to date:'} {path}", **PLAIN)
    who = f" --profile {home.profile}" if home.profile else ""
    out_console.print(
        f"It runs `voicecoach{who} listen` with {home.config_file} and the journal in "
        f"{home.journal}.",
        **PLAIN,
    )
    out_console.print("To start it now and at every boot, run:", highlight=False)
    for command in unit.enable_commands():
        out_console.print(f"  {command}", highlight=False, markup=False)
    out_console.print("Its log: journalctl --user -u voicecoach -f", highlight=False, markup=False)
    out_console.print(
        "Echo: the coach takes its own voice out of what the microphone hears; "
        f"{AEC_OFFER}. {command_hint('doctor')} shows the echo path.",
        highlight=False,
        markup=False,
    )


@service_app.command("uninstall")
def service_uninstall() -> None:
    """Remove the systemd user unit and say how to stop it."""
    path, _ = _unit()
    if not unit.uninstall(path):
        out_console.print(f"not installed: {path}", **PLAIN)
        return
    out_console.print(f"removed {path}", **PLAIN)
    out_console.print("To stop it now, run:", highlight=False)
    for command in unit.disable_commands():
        out_console.print(f"  {command}", highlight=False, markup=False)


@service_app.command("status")
def service_status(as_json: StatusJsonOpt = False) -> None:
    """Whether the unit is installed, and what systemd says of it."""
    path, text = _unit()
    state = unit.status(path, text)
    if as_json:
        print_json(
            {
                "unit": str(state.unit),
                "installed": state.installed,
                "current": state.current,
                "active": state.active,
                "enabled": state.enabled,
            }
        )
        return
    if not state.installed:
        out_console.print(f"not installed ({path}); run {command_hint('service install')}", **PLAIN)
    else:
        note = "" if state.current else " (differs from what `service install` would write)"
        out_console.print(f"installed: {path}{note}", **PLAIN)
    out_console.print(f"active: {state.active}\nenabled: {state.enabled}", **PLAIN)
