"""How commands read their options and show their help, without Typer's heavier paths.

Typer turns every value through a pydantic ``TypeAdapter`` (pydantic alone takes ~60 ms to
import) and prints types as ``<bool>``/``{session_id}``. The few types our commands take (text,
whole numbers, numbers, paths, flags and lists of these) are converted here instead, and help
lists options the usual way: ``-o, --output PATH``, arguments as ``SESSION_ID``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args, get_origin

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from voicecoach.cli.consoles import reader_gone

METAVARS: dict[Any, str] = {str: "TEXT", int: "N", float: "NUMBER", Path: "PATH"}
"""What an option's value is called in help, by its type."""


def truth(value: object) -> bool:
    """A flag's value: a bool as is, or the text true/false, yes/no, on/off, 1/0."""
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise ValueError(text)


CONVERTERS: dict[Any, tuple[Any, str]] = {
    bool: (truth, "true or false"),
    str: (str, "text"),
    int: (int, "a whole number"),
    float: (float, "a number"),
    Path: (Path, "a path"),
}


class PlainValue:
    """Converts one parameter's command-line text to its type: ``coerce(value, param, ctx)``,
    as Typer's own converters do; raises ``typer.BadParameter`` naming what was expected."""

    def __init__(self, kind: Any, low: float | None, high: float | None) -> None:
        self.kind, self.low, self.high = kind, low, high

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        many = getattr(param, "multiple", False) or getattr(param, "nargs", 1) == -1
        if value is None:
            return () if many else None
        if many:
            return [self.one(item, param, ctx) for item in value]
        return self.one(value, param, ctx)

    def one(self, value: Any, param: Any, ctx: Any) -> Any:
        convert, expected = CONVERTERS[self.kind]
        try:
            result = value if isinstance(value, self.kind) else convert(value)
        except (TypeError, ValueError):
            raise typer.BadParameter(f"expected {expected}, got {value!r}", ctx, param) from None
        if self.low is not None and result < self.low:
            raise typer.BadParameter(f"expected at least {self.low}, got {value!r}", ctx, param)
        if self.high is not None and result > self.high:
            raise typer.BadParameter(f"expected at most {self.high}, got {value!r}", ctx, param)
        return result


def plain_kind(param: Any) -> Any | None:
    """The simple type a parameter takes (``list[X]`` gives X), or None for anything else."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None:
        return None
    annotation = descriptor.annotation
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation)
    if descriptor.parameter_info.parser is not None:
        return None
    return annotation if annotation in CONVERTERS else None


def tidy_params(params: list[Any]) -> None:
    """Plain converters and upper-case argument names (``SESSION_ID``) for a command's
    parameters; parameters of other types keep Typer's own handling."""
    for param in params:
        if isinstance(param, TyperArgument) and param.metavar is None:
            param.metavar = param.name.upper() if param.name else None
        kind = plain_kind(param)
        if kind is not None and hasattr(param, "_runtime_param"):
            info = param.type_descriptor.parameter_info
            param._runtime_param = PlainValue(kind, info.min, info.max)


def metavar(param: Any) -> str:
    if param.metavar:
        return str(param.metavar)
    kind = plain_kind(param)
    return METAVARS.get(kind, "VALUE")


def help_record(param: Any, ctx: Any) -> tuple[str, str] | None:
    """One row of help: ``("-o, --output PATH", "Write to this file. [default: …]")``."""
    if getattr(param, "hidden", False):
        return None
    extra: list[str] = []
    if isinstance(param, TyperArgument):
        name = metavar(param) + ("..." if param.nargs == -1 else "")
        if param.required:
            extra.append("required")
    else:
        names = list(param.opts) + list(param.secondary_opts)
        name = ", ".join(sorted(names, key=len))
        if not getattr(param, "is_flag", False):
            name += f" {metavar(param)}"
            if param.multiple:
                name += "..."
        default = param.default
        if param.show_default and default not in (None, False, (), []) and not callable(default):
            extra.append(f"default: {default}")
    low = getattr(param, "min", None)
    high = getattr(param, "max", None)
    if low is not None and high is not None:
        extra.append(f"{low} to {high}")
    elif low is not None:
        extra.append(f"at least {low}")
    elif high is not None:
        extra.append(f"at most {high}")
    text = param.help or ""
    if extra:
        text = f"{text}  [{'; '.join(extra)}]" if text else f"[{'; '.join(extra)}]"
    return name, text


def usage_pieces(command: Any, ctx: Any) -> list[str]:
    pieces = [command.options_metavar] if command.options_metavar else []
    for param in command.get_params(ctx):
        if isinstance(param, TyperArgument):
            piece = metavar(param) + ("..." if param.nargs == -1 else "")
            pieces.append(piece if param.required else f"[{piece}]")
    return pieces


def format_params(command: Any, ctx: Any, formatter: Any) -> None:
    args: list[tuple[str, str]] = []
    opts: list[tuple[str, str]] = []
    for param in command.get_params(ctx):
        record = help_record(param, ctx)
        if record is None:
            continue
        (args if isinstance(param, TyperArgument) else opts).append(record)
    if args:
        with formatter.section("Arguments"):
            formatter.write_dl(args)
    if opts:
        with formatter.section("Options"):
            formatter.write_dl(opts)


def help_option(option: Any) -> Any:
    """The ``-h/--help`` option click makes for each command, with the plain converter too;
    help whose reader has gone away (`--help | head -1`) ends the command quietly, as help does
    (exit 0)."""
    if option is not None and not getattr(option.callback, "lasting", False):
        tidy_params([option])
        option.callback = _lasting_help(option.callback)
    return option


def _lasting_help(show: Any) -> Any:
    def show_help(ctx: Any, param: Any, value: bool) -> None:
        try:
            show(ctx, param, value)
        except BrokenPipeError:
            reader_gone(sys.stdout)
            ctx.exit()
        except OSError as exc:  # `--help > /dev/full`: one line, not a traceback
            from voicecoach.errors import OutputError

            reader_gone(sys.stdout)  # what is still buffered goes nowhere at exit
            raise OutputError(f"stdout: cannot write ({exc.strerror})") from exc

    show_help.lasting = True  # type: ignore[attr-defined]
    return show_help


if TYPE_CHECKING:
    _Base = TyperCommand
else:
    _Base = object


class PlainHelp(_Base):
    """What `Command` and `Group` share: plain converters, ``-h/--help`` tidied, usage pieces
    and options listed the usual way (``show [OPTIONS] SESSION_ID``, ``--play N``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tidy_params(self.params)

    def get_help_option(self, ctx: Any) -> Any:
        return help_option(super().get_help_option(ctx))

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return usage_pieces(self, ctx)

    def format_options(self, ctx: Any, formatter: Any) -> None:
        format_params(self, ctx, formatter)


class Command(PlainHelp, TyperCommand):
    """A command whose help reads ``show [OPTIONS] SESSION_ID`` and ``--play N``."""


class Group(PlainHelp, TyperGroup):
    """A command group with the same help as `Command`, its commands in the order given."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [*super().collect_usage_pieces(ctx), self.subcommand_metavar]

    def format_options(self, ctx: Any, formatter: Any) -> None:
        super().format_options(ctx, formatter)
        self.format_commands(ctx, formatter)


def plain_help(instance: typer.Typer) -> None:
    """Give a Typer app's commands and sub-groups (and theirs) the classes above."""
    if instance.info.cls in (None, TyperGroup) or not isinstance(instance.info.cls, type):
        instance.info.cls = Group
    for info in instance.registered_commands:
        if info.cls in (None, TyperCommand):
            info.cls = Command
    for group in instance.registered_groups:
        if group.typer_instance is not None:
            plain_help(group.typer_instance)


__all__ = ["Command", "Group", "TyperOption", "plain_help", "tidy_params"]
