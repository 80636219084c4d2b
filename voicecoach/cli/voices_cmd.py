"""`voicecoach voices …`: every voice the coach can speak with — Piper voices (pulled, added by
hand, or from Python packages) and espeak-ng's through pyttsx3 — and which one it uses."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from voicecoach.cli.app import (
    PLAIN,
    PLAIN_DIM,
    TableJsonOpt,
    YesOpt,
    app,
    err_console,
    out_console,
    paths,
    print_json,
    settings_apart_from_journal,
    show_table,
    typed_column,
)
from voicecoach.cli.models_cmd import RichDownloadProgress, confirm_removal
from voicecoach.errors import UsageError, VoiceError
from voicecoach.extras import install_command
from voicecoach.hinting import command_hint
from voicecoach.speech.artifacts import Installed
from voicecoach.speech.models import folder_size
from voicecoach.speech.tts.choose import active_voice, load_piper
from voicecoach.speech.tts.voices import (
    VOICES,
    find_voice,
    installed_voices,
    parse_voice_catalog,
    voice_catalog_url,
    voice_licence,
    voices_dirs,
)

if TYPE_CHECKING:
    from voicecoach.speech.tts.espeak import EspeakVoice

voices_app = typer.Typer(
    help="Every voice the coach can speak with, and which one it uses. Only `pull` and "
    "`list --available` use the network.",
    no_args_is_help=True,
)
app.add_typer(voices_app, name="voices")


def _espeak_rows(language: str, active: tuple[str, str]) -> list[dict[str, object]]:
    from voicecoach.speech.tts.espeak import espeak_voices, voices_for_language

    return [
        {
            "name": v.id,
            "engine": "pyttsx3",
            "language": v.languages[0] if v.languages else "",
            "size": None,
            "origin": "espeak-ng",
            "path": "",
            "licence": "GPL-3.0",
            "active": active == ("pyttsx3", v.id),
        }
        for v in voices_for_language(espeak_voices(), language)
    ]


def _piper_rows(found: list[Installed], active: tuple[str, str]) -> list[dict[str, object]]:
    return [
        {
            "name": v.name,
            "engine": "piper",
            "language": v.language,
            "size": folder_size(v.path) if v.origin == "folder" else None,
            "origin": v.origin,
            "path": str(v.path),
            "licence": voice_licence(v),
            "active": active == ("piper", v.name),
        }
        for v in found
    ]


def _catalogue_rows(installed: set[str]) -> list[dict[str, object]]:
    from voicecoach.speech.catalog import fetch_catalog

    voices = settings_apart_from_journal().voices
    url = voice_catalog_url(voices.catalog_url)
    return [
        {
            "name": entry.name,
            "language": entry.language,
            "language_text": entry.language_text,
            "quality": entry.kind,
            "size": entry.size,
            "size_text": entry.size_text,
            "raspberry_pi": entry.suits_pi,
            "installed": entry.name in installed,
        }
        for entry in fetch_catalog(url, voices.timeout_s, parse_voice_catalog)
    ]


@voices_app.command("list")
def list_voices(
    available: Annotated[
        bool, typer.Option("--available", help="Also the Piper voices you can pull (internet).")
    ] = False,
    as_json: TableJsonOpt = False,
) -> None:
    """Installed voices of every engine, the active one marked. espeak-ng's are those for
    coach.language."""
    home, coach = paths(), settings_apart_from_journal().coach
    dirs = voices_dirs(home)
    found = installed_voices(dirs)
    active = active_voice(coach, dirs)
    rows = _piper_rows(found, active) + _espeak_rows(coach.language, active)
    if as_json:
        doc: dict[str, object] = {"installed": rows}
        if available:
            doc["available"] = _catalogue_rows({v.name for v in found})
        print_json(doc)
        return
    table = Table("", title="Voices")
    typed_column(table, "name", [row["name"] for row in rows])
    for header in ("engine", "language", "licence"):
        table.add_column(header)
    for row in rows:
        table.add_row(
            "✓" if row["active"] else "",
            escape(str(row["name"])),
            str(row["engine"]),
            escape(str(row["language"])),
            escape(str(row["licence"])),
        )
    show_table(table)
    if not found:
        from voicecoach.speech.tts.piper import piper_available

        needs = "" if piper_available() else f" (needs `{install_command('piper')}`)"
        err_console.print(
            "No Piper voice installed: the coach speaks with espeak-ng. A warmer voice: "
            f"{command_hint('voices list --available')}, then "
            f"{command_hint('voices pull NAME')}{needs}.",
            **PLAIN_DIM,
        )
    if available:
        _print_catalogue(_catalogue_rows({v.name for v in found}))


def _print_catalogue(rows: list[dict[str, object]]) -> None:
    table = Table(title="Available Piper voices")
    typed_column(table, "name", [row["name"] for row in rows])
    for header in ("language", "quality", "size", "Pi", ""):
        table.add_column(header)
    for row in rows:
        table.add_row(
            escape(str(row["name"])),
            escape(str(row["language_text"])),
            escape(str(row["quality"])),
            escape(str(row["size_text"])),
            "✓" if row["raspberry_pi"] else "",
            "installed" if row["installed"] else "",
        )
    show_table(table)
    err_console.print(
        "Pi ✓: x_low, low and medium voices speak in real time on a Pi 4.", **PLAIN_DIM
    )


def _installed(voice: Installed) -> None:
    out_console.print(f"installed {voice.name} in {voice.path}", **PLAIN)
    err_console.print(f"licence: {voice_licence(voice)}", markup=False, highlight=False)
    err_console.print(
        f"Make the coach speak with it: {command_hint(f'voices use {voice.name}')}.",
        **PLAIN_DIM,
    )


@voices_app.command()
def pull(
    name: Annotated[str, typer.Argument(help="A voice from `voices list --available`.")],
) -> None:
    """Download a Piper voice from the catalogue and install it. It is checked first, and a
    broken pull resumes."""
    from voicecoach.speech.install import pull as pull_from_catalogue

    home, voices = paths(), settings_apart_from_journal().voices
    existing = find_voice(name, voices_dirs(home))
    if existing is not None:
        err_console.print(f"{name} is already installed ({existing.path}).", **PLAIN)
        return
    url = voice_catalog_url(voices.catalog_url)
    with RichDownloadProgress(name) as progress:
        voice = pull_from_catalogue(
            VOICES, name, url, voices.timeout_s, voices_dirs(home)[0], progress,
            parse_voice_catalog,
        )  # fmt: skip
    _installed(voice)


@voices_app.command()
def add(
    path: Annotated[
        Path, typer.Argument(help="NAME.onnx (NAME.onnx.json beside it), a folder or a zip.")
    ],
) -> None:
    """Install a Piper voice copied by hand. For instance one downloaded elsewhere, or
    brought on a USB stick."""
    from voicecoach.speech.install import install_archive, install_files, install_folder

    folder = voices_dirs(paths())[0]
    if path.is_dir():
        voice = install_folder(path, folder, kind=VOICES)
    elif path.suffix == ".zip":
        voice = install_archive(path, folder, kind=VOICES)
    elif path.suffix == ".onnx":
        if not path.is_file():
            raise VoiceError(f"{path}: no such file")
        config = path.with_name(path.name + ".json")
        if not config.is_file():
            raise VoiceError(f"{path}: its settings {config.name} must be beside it")
        card = path.with_name("MODEL_CARD")
        files = [path, config] + ([card] if card.is_file() else [])
        voice = install_files(files, folder, path.name.removesuffix(".onnx"), VOICES, str(path))
    elif not path.exists():
        raise VoiceError(f"{path}: no such file or folder")
    else:  # a file of another kind: its ending is wrong, as an `-o` file ending is
        raise UsageError(f"{path}: expected NAME.onnx, a folder or a .zip of a Piper voice")
    _installed(voice)


@voices_app.command()
def use(
    name: Annotated[str, typer.Argument(help="A voice from `voicecoach voices list`.")],
) -> None:
    """Make the coach speak with this voice. It sets coach.voice and coach.voice_engine."""
    from voicecoach.config_edit import set_keys

    home, coach = paths(), settings_apart_from_journal().coach
    dirs = voices_dirs(home)
    if find_voice(name, dirs) is not None:
        load_piper(name, dirs)  # a damaged voice is refused here, not at the next session
        set_keys(home.config_file, "coach", {"voice_engine": "piper", "voice": name})
        out_console.print(f"the coach now speaks with Piper {name}", **PLAIN)
        return
    from voicecoach.speech.tts.espeak import espeak_voices, voices_for_language

    every = espeak_voices()
    match = next((v for v in every if name.lower() in (v.id.lower(), v.name.lower())), None)
    if match is None:
        match = _by_language(every, name)
    if match is None:
        piper = ", ".join(v.name for v in installed_voices(dirs))
        espeak = ", ".join(v.id for v in voices_for_language(every, coach.language)[:6])
        raise VoiceError(
            f"no voice named {name!r} (Piper: {piper or 'none installed'}; "
            f"espeak-ng for {coach.language!r}: {espeak} …); see {command_hint('voices list')}"
        )
    set_keys(home.config_file, "coach", {"voice_engine": "pyttsx3", "voice": match.id})
    out_console.print(f"the coach now speaks with espeak-ng {match.id}", **PLAIN)


def _by_language(every: list[EspeakVoice], name: str) -> EspeakVoice | None:
    """The one espeak-ng voice whose language (as `voices list` shows it) ``name`` gives, with
    or without the voice's family ("en-gb" or "gmw/en-gb" for gmw/en); None when no voice has
    that language. VoiceError naming the voices when several do."""
    language = name.lower().rsplit("/", 1)[-1]
    family = name.lower().rsplit("/", 1)[0] if "/" in name else None
    same = [
        v
        for v in every
        if v.languages
        and v.languages[0] == language
        and (family is None or v.id.lower().startswith(family + "/"))
    ]
    if len(same) > 1:
        names = ", ".join(v.id for v in same)
        raise VoiceError(f"{name!r} is the language of several voices: give one of {names}")
    return same[0] if same else None


@voices_app.command()
def remove(
    name: Annotated[str, typer.Argument(help="An installed Piper voice.")],
    yes: YesOpt = False,
) -> None:
    """Delete an installed Piper voice. espeak-ng's voices come with the system."""
    from voicecoach.config_edit import set_keys
    from voicecoach.speech.install import remove_installed

    home = paths()
    voice = find_voice(name, voices_dirs(home))
    if voice is None:
        raise VoiceError(
            f"no installed Piper voice named {name!r}; see {command_hint('voices list')}"
        )
    if voice.origin == "package":
        remove_installed(voice, VOICES)  # raises, saying how to uninstall the package
    confirm_removal("voices", name, voice.path, yes)
    remove_installed(voice, VOICES)
    if settings_apart_from_journal().coach.voice == name:
        set_keys(home.config_file, "coach", {"voice_engine": "auto", "voice": ""})
        err_console.print("coach.voice was this voice: back to auto.", **PLAIN_DIM)
    out_console.print(f"removed {name}", **PLAIN)
