"""The Typer app and what every command shares: settings, folders, the terminal.

Commands live in modules beside this one and are imported only when asked for (`COMMANDS`):
`voicecoach history` never loads the speech engines, numpy or the network code.
"""

from __future__ import annotations

import dataclasses
import importlib
import io
import pkgutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.main

from voicecoach.cli.consoles import (
    stderr_console,
    stdout_console,
    stdout_is_terminal,
    write_lines,
)
from voicecoach.cli.helpfmt import Group, plain_help, tidy_params

if TYPE_CHECKING:
    from rich.console import Console

    from voicecoach.config import Settings
    from voicecoach.paths import Paths

    out_console: Console
    """Results (stdout): JSON, tables, transcripts (see ``stdout_console``)."""
    err_console: Console
    """Progress and messages (stderr), so stdout stays clean for --json."""

COMMANDS: dict[str, str] = {
    "session": "session_cmd",
    "demo": "session_cmd",
    "history": "history_cmd",
    "show": "show_cmd",
    "search": "show_cmd",
    "export": "export_cmd",
    "forget": "forget_cmd",
    "stats": "review_cmd",
    "review": "review_cmd",
    "key": "key_cmd",
    "profiles": "profiles_cmd",
    "sessions": "sessions_cmd",
    "listen": "listen_cmd",
    "service": "listen_cmd",
    "models": "models_cmd",
    "voices": "voices_cmd",
    "doctor": "doctor_cmd",
}
"""Command name → the module of `voicecoach.cli` that defines it, in the order help lists them.
A command missing here is still found: every module of the package is then imported."""


class Commands(Group):
    """The top-level group: a command's module is imported the first time it is asked for."""

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands:
            module = COMMANDS.get(cmd_name)
            if module is not None:
                importlib.import_module(f"{__package__}.{module}")
            self.build_registered()
        if cmd_name not in self.commands:
            self.load_all()
        return self.commands.get(cmd_name)

    def list_commands(self, ctx: Any) -> list[str]:
        self.load_all()
        known = [name for name in COMMANDS if name in self.commands]
        return known + sorted(name for name in self.commands if name not in COMMANDS)

    def load_all(self) -> None:
        for module in pkgutil.iter_modules(importlib.import_module(__package__ or "").__path__):
            if not module.name.startswith("_"):
                importlib.import_module(f"{__package__}.{module.name}")
        self.build_registered()

    def build_registered(self) -> None:
        """Build the click commands of what the imported modules registered on `app`."""
        plain_help(app)
        for info in app.registered_commands:
            if info.callback is None:
                continue
            name = info.name or typer.main.get_command_name(info.callback.__name__)
            if name not in self.commands:
                self.commands[name] = typer.main.get_command_from_info(
                    info, pretty_exceptions_short=True, rich_markup_mode=None
                )
        for group in app.registered_groups:
            if isinstance(group.name, str) and group.name not in self.commands:
                self.commands[group.name] = typer.main.get_group_from_info(
                    group,
                    pretty_exceptions_short=True,
                    suggest_commands=True,
                    rich_markup_mode=None,
                )


app = typer.Typer(
    name="voicecoach",
    help="An offline voice coach for short spoken reflection sessions. Nothing leaves this "
    "machine.",
    cls=Commands,
    invoke_without_command=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


TableJsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
"""``--json`` of the commands that otherwise print a table."""

YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first.")]
"""``--yes`` of the commands that erase or delete after asking."""

_PROFILE: str | None = None
"""The --profile of the command being run (over VOICECOACH_PROFILE)."""
_TOLD: set[str] = set()
"""Warnings already printed by the command being run."""


def print_version(value: bool) -> None:
    if value:
        from voicecoach import __version__

        write_lines([f"voicecoach {__version__}"])
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", is_eager=True, callback=print_version
        ),
    ] = False,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            metavar="NAME",
            help="Whose journal to use (else VOICECOACH_PROFILE, else the default one).",
        ),
    ] = None,
) -> None:
    """An offline voice coach for short spoken reflection sessions. Nothing leaves this
    machine."""
    global _PROFILE
    _PROFILE = profile
    _TOLD.clear()
    if profile is not None:
        from voicecoach.paths import check_profile

        check_profile(profile)
    if ctx.invoked_subcommand not in (None, "profiles"):
        require_profile()
    from voicecoach.hinting import use_profile

    use_profile(paths().profile)  # the commands that messages name are run with it
    if ctx.invoked_subcommand is None:
        write_lines([ctx.get_help()])
        raise typer.Exit()


def require_profile() -> None:
    """A named profile (--profile or VOICECOACH_PROFILE) must have been made with `profiles add`:
    a mistyped name would otherwise start an empty journal of its own. JournalError if not."""
    from voicecoach.errors import JournalError
    from voicecoach.paths import RESERVED_PROFILES

    current = paths()
    name = current.profile
    if name is not None and not (current.profiles / name).is_dir():
        if name in RESERVED_PROFILES:
            raise JournalError(
                f"no profile {name!r}: the default journal is the one used without --profile "
                "and without VOICECOACH_PROFILE"
            )
        raise JournalError(
            f"no profile {name!r}; `voicecoach profiles list` shows them "
            f"(`voicecoach profiles add {name}` makes it)"
        )


def root_command() -> Any:
    """The click command of the whole app (commands still to be imported are found lazily)."""
    plain_help(app)
    command = typer.main.get_command(app)
    tidy_params(command.params)  # the shell-completion options are added last
    return command


def __getattr__(name: str) -> Any:
    """``out_console`` and ``err_console``, made when first imported or used."""
    if name == "out_console":
        return stdout_console()
    if name == "err_console":
        return stderr_console()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


PLAIN: dict[str, Any] = {"markup": False, "highlight": False}
"""`Console.print` options for a message holding names, paths or commands: shown exactly as
written (Rich markup would eat ``[piper]`` or a ``[1]`` in a file name)."""
PLAIN_DIM: dict[str, Any] = {**PLAIN, "style": "dim"}
"""The same, dimmed (hints and notes)."""


LINE_BREAKS = {
    "\n": "\\n", "\r": "\\r", "\v": "\\v", "\f": "\\f", "\x1c": "\\x1c", "\x1d": "\\x1d",
    "\x1e": "\\x1e", "\x85": "\\x85", "\u2028": "\\u2028", "\u2029": "\\u2029",
}  # fmt: skip
"""Every character ``str.splitlines`` breaks a line at (and terminals may), shown escaped."""
_LINE_BREAKS = str.maketrans(LINE_BREAKS)


def one_line(message: str) -> str:
    """``message`` with its line breaks shown escaped (``\\n``, ``\\x85``, …): a name read from
    a file may hold one."""
    return message.translate(_LINE_BREAKS)


"""Progress and messages (stderr), so stdout stays clean for --json."""


def paths() -> Paths:
    from voicecoach.paths import Paths

    found = Paths.from_env()
    if _PROFILE is None:
        return found
    return dataclasses.replace(found, profile=_PROFILE)


def settings(config: Path | None = None, home: Paths | None = None) -> Settings:
    """The user's settings (or those of --config FILE) over the defaults, and the profile's own
    (``home``'s, else the current one's) over them."""
    from voicecoach.config import load_settings

    home = paths() if home is None else home
    if config is not None:
        return load_settings(config, required=True, overlay=home.profile_config)
    return load_settings(home.config_file, overlay=home.profile_config)


def confirm(question: str, refusal: str, shown: Sequence[str] = ()) -> bool:
    """Ask ``question`` (y/N) on stderr, after the ``shown`` lines, and read the answer from
    the terminal: True for y or yes (any case).

    Off a terminal nothing is asked: UsageError(``refusal``), which names ``--yes``. Ctrl-C or
    the end of input at the prompt ends the prompt's line, then raises KeyboardInterrupt (the
    command line prints one line and exits 130)."""
    import sys

    from voicecoach.errors import UsageError

    if not sys.stdin.isatty():
        raise UsageError(refusal)
    for line in shown:
        stderr_console().print(line, highlight=False, markup=False)
    err = stderr_console().file
    err.write(f"{question} [y/N] ")
    err.flush()
    try:
        answer = sys.stdin.readline()
    except KeyboardInterrupt:
        answer = ""
    if not answer.endswith("\n"):  # Ctrl-C or the end of input: the line is ended here
        err.write("\n")
        raise KeyboardInterrupt
    return answer.strip().lower() in ("y", "yes")


def reading_settings() -> Settings:
    """The settings of a command that only reads the journal (`history`, `show`, `review`, …).

    A mistake in config.toml does not stop it: what is wrong is left at its default and told
    once, in one line on stderr naming the file, the key and its line (a session still refuses
    the file until it is fixed)."""
    from voicecoach.config import load_settings_for_reading

    found, problem = load_settings_for_reading(paths().config_file)
    _default_used(problem)
    return found


JOURNAL_SECTIONS = frozenset({"journal"})
"""The sections of config.toml that only matter to a command that opens the journal."""


def settings_apart_from_journal(config: Path | None = None) -> Settings:
    """The settings of a command that never opens the journal (`models`, `voices`, `sessions
    graph`, `demo`), read as `settings` reads them; a mistake in ``JOURNAL_SECTIONS`` does not
    stop it: it is told once, as `reading_settings` tells it, and the defaults are used. Any
    other mistake is the ConfigError `settings` raises."""
    from voicecoach.config import load_settings_apart

    home = paths()
    file = config if config is not None else home.config_file
    found, problem = load_settings_apart(
        file, config is not None, home.profile_config, JOURNAL_SECTIONS
    )
    _default_used(problem)
    return found


def _default_used(problem: str | None) -> None:
    """A mistake in config.toml that a command went on without: one warning line on stderr,
    once per command."""
    if problem is not None and problem not in _TOLD:
        _TOLD.add(problem)
        stderr_console().print(
            f"voicecoach: warning: {one_line(problem)}; its default is used here, "
            "fix it before the next session",
            style="yellow",
            markup=False,
            highlight=False,
        )


def typed_column(table: Any, header: str, values: Sequence[object]) -> None:
    """Add a column of names typed back on the command line (a topic, a model, a voice): never
    cut nor wrapped, whatever the terminal's width (the other columns give way)."""
    longest = max((len(str(value)) for value in values), default=0)
    table.add_column(header, no_wrap=True, min_width=max(longest, len(header)))


def show_table(table: Any) -> None:
    """A table (or any renderable) on stdout: fitted to a terminal; in a pipe or file, at its
    natural width (nothing cut or wrapped) and without trailing spaces."""
    if stdout_is_terminal():
        stdout_console().print(table)
        return
    write_lines(plain_table_lines(table))


def plain_table_lines(table: Any) -> list[str]:
    """The lines of a table (or any renderable) at its natural width, with no trailing spaces
    and no styles: what `show_table` writes to a pipe or a file."""
    from rich.console import Console

    from voicecoach.cli.plain_table import plain_lines

    laid_out = plain_lines(table, Console(file=io.StringIO(), color_system=None, emoji=False))
    if laid_out is not None:  # a table of one-line cells: laid out directly, same result
        return laid_out
    return rich_plain_lines(table)


def rich_plain_lines(renderable: Any) -> list[str]:
    """The lines of ``renderable`` as Rich prints it at its natural width, trailing spaces
    removed."""
    from rich.console import Console
    from rich.measure import Measurement

    out_console = stdout_console()
    options = out_console.options.update_width(10_000)
    width = Measurement.get(out_console, options, renderable).maximum
    plain = Console(
        file=io.StringIO(), width=max(width, 1), color_system=None, soft_wrap=True, emoji=False
    )
    plain.print(renderable)
    lines = plain.file.getvalue().splitlines()  # type: ignore[attr-defined]
    return [line.rstrip() for line in lines]


def print_json(doc: object) -> None:
    """JSON on stdout, nothing else; nothing, when its reader has gone away."""
    import json

    write_lines([json.dumps(doc, ensure_ascii=False, indent=2)])
