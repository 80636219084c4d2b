"""The `voicecoach` command. Each command group lives in its own module beside this one,
imported only when one of its commands is run (see `voicecoach.cli.app.COMMANDS`)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import NoReturn

import typer

from voicecoach.cli.app import app, one_line, root_command
from voicecoach.cli.consoles import stderr_console
from voicecoach.errors import AudioDeviceError, UsageError, VoiceCoachError
from voicecoach.hinting import use_profile
from voicecoach.paths import check_home
from voicecoach.stop import INTERRUPTED, STOPPED, exit_interrupted

MULTI_VALUE_OPTIONS = {"--answers": "at least one WAV file"}
"""Options that take several values in a row (`--answers a.wav b.wav c.wav`), and what they
need."""
AUDIO_SUFFIXES = (".wav", ".wave", ".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".aac",
                  ".aif", ".aiff", ".wma", ".webm", ".amr", ".3gp")  # fmt: skip
"""Endings of sound files: a word ending so is meant as an answer (and is then told to be no
WAV file, or missing), never taken for a practice's name."""


def _is_value(arg: str) -> bool:
    """A WAV path for a multi-value option: ends like a sound file or names an existing file.
    Anything else (a practice's name such as ``communication``) ends the list and goes to the
    command."""
    return arg.lower().endswith(AUDIO_SUFFIXES) or Path(arg).is_file()


def expand_multi_value(argv: list[str]) -> list[str]:
    """`--answers a b c` → `--answers a --answers b --answers c`, as click expects.

    The list ends at the next option or at the first word that is no WAV file (see `_is_value`),
    so `--answers a.wav b.wav communication` leaves `communication` as the practice. UsageError
    when the option is given no value at all (`--answers --fast`).
    """
    expanded: list[str] = []
    current: str | None = None
    took_value = False
    for arg in argv:
        if arg in MULTI_VALUE_OPTIONS:
            _close_option(expanded, current, took_value)
            current, took_value = arg, False
            continue
        if current is not None and not arg.startswith("-") and (not took_value or _is_value(arg)):
            expanded += [current, arg]
            took_value = True
            continue
        _close_option(expanded, current, took_value)
        current = None
        expanded.append(arg)
    _close_option(expanded, current, took_value)
    return expanded


def _close_option(expanded: list[str], option: str | None, took_value: bool) -> None:
    """UsageError for an option given no value at all (the next option is not its value)."""
    if option is not None and not took_value:
        raise UsageError(f"{option} needs {MULTI_VALUE_OPTIONS[option]}")


NO_HOME_NEEDED = frozenset(
    {"-h", "--help", "--version", "--install-completion", "--show-completion"}
)
"""Options that answer without touching voicecoach's folders (a wrong home is not named)."""

FAILED = 1
"""Exit code when a command could not do its job (a VoiceCoachError)."""
USAGE = 2
"""Exit code when the command line itself is wrong (the parser's errors and UsageError)."""


class HouseFormatter(logging.Formatter):
    """Log records as the command line's own messages: ``voicecoach: warning: …`` (the level in
    lower case, as ``voicecoach: error:``), one line each."""

    def format(self, record: logging.LogRecord) -> str:
        return f"voicecoach: {record.levelname.lower()}: {one_line(record.getMessage())}"


def error_line(message: str) -> None:
    """What every failure prints: one line on stderr, ``voicecoach: error: …``."""
    stderr_console().print(f"voicecoach: error: {one_line(message)}", markup=False, highlight=False)


def stopped_line() -> None:
    """What a command stopped by the user prints: one line on stderr, ``voicecoach: stopped``
    (the user's own stop is no error)."""
    stderr_console().print(STOPPED, markup=False, highlight=False)


def usage_message(exc: typer.BadParameter | Exception) -> str:
    """A usage error as one line, ending with where to read more."""
    from typer._click.exceptions import BadOptionUsage, UsageError

    message = " ".join(exc.format_message().split()) if isinstance(exc, UsageError) else str(exc)
    if isinstance(exc, BadOptionUsage) and message.endswith(
        ("requires an argument.", "arguments.")
    ):
        name = exc.option_name
        message = f"{name} needs {MULTI_VALUE_OPTIONS.get(name, 'a value')}"
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        see = f"`{ctx.command_path} --help`"
        if message.endswith("?"):  # "… Did you mean 'session', 'sessions'?"
            message = f"{message} See {see}"
        else:
            message = f"{message.rstrip('.')}; see {see}"
    return message


def main(argv: list[str] | None = None) -> None:
    """Entry point: run a command. Every failure prints the same way, one line on stderr
    (``voicecoach: error: …``), and exits ``USAGE`` (2) for a wrong command line, ``FAILED`` (1)
    when the command could not do its job; after Ctrl-C it prints ``voicecoach: stopped`` and
    exits ``INTERRUPTED`` (130)."""
    use_profile(None)  # until the command line is read
    try:
        _run(argv)
    except KeyboardInterrupt:  # before the command began: while its commands were being built
        stopped_line()
        _interrupted(argv)
    finally:
        use_profile(None)  # what runs next in this process names no profile of this command


def _run(argv: list[str] | None) -> None:
    """``main``'s work (see there)."""
    from typer._click.exceptions import ClickException, NoArgsIsHelpError

    from voicecoach.stop import SIGNALS, exit_code

    SIGNALS.received = None
    handler = logging.StreamHandler()
    handler.setFormatter(HouseFormatter())
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    root = root_command()
    args: list[str] = []
    try:
        args = expand_multi_value(sys.argv[1:] if argv is None else argv)
        if args and not NO_HOME_NEEDED.intersection(args):
            check_home()  # one line naming the variable, before any command reads or writes
        code = root.main(args=args, prog_name="voicecoach", standalone_mode=False)
    except NoArgsIsHelpError as exc:  # a group named alone (`voicecoach key`): its commands
        from voicecoach.cli.consoles import write_pieces

        help_text = exc.ctx.get_help() if exc.ctx is not None else exc.format_message()
        try:
            write_pieces([help_text + "\n"])
        except VoiceCoachError as failed:  # stdout cannot be written (`> /dev/full`)
            error_line(str(failed))
            sys.exit(FAILED)
        sys.exit(0)
    except ClickException as exc:
        error_line(usage_message(exc))
        sys.exit(USAGE if exc.exit_code == USAGE else FAILED)
    except typer.Abort:  # a prompt given Ctrl-C or the end of its input
        stopped_line()
        sys.exit(INTERRUPTED)
    except KeyboardInterrupt:
        stopped_line()
        _interrupted(argv)
    except UsageError as exc:
        error_line(str(exc))
        sys.exit(USAGE)
    except AudioDeviceError as exc:
        from voicecoach.cli.hints import device_hint

        error_line(f"{exc}{device_hint(exc.direction, root, args)}")
        sys.exit(FAILED)
    except VoiceCoachError as exc:
        error_line(str(exc))
        sys.exit(FAILED)
    if SIGNALS.received is not None:  # a session ended well after Ctrl-C (or SIGTERM)
        sys.exit(exit_code(SIGNALS.received))
    if code == INTERRUPTED:  # Typer turns Ctrl-C into this exit code, silently
        stopped_line()
        _interrupted(argv)
    sys.exit(code if isinstance(code, int) else 0)


def _interrupted(argv: list[str] | None) -> NoReturn:
    """Exit 130 after Ctrl-C: at once in a process of its own (``exit_interrupted``), by
    SystemExit when ``main`` was called with arguments (in-process, as the tests do)."""
    if argv is None:
        exit_interrupted()
    sys.exit(INTERRUPTED)


__all__ = ["app", "main"]
