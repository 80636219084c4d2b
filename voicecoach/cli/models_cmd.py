"""`voicecoach models …` (get, check and choose speech models) and `voicecoach doctor`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from voicecoach.cli.app import (
    PLAIN,
    PLAIN_DIM,
    TableJsonOpt,
    YesOpt,
    app,
    confirm,
    err_console,
    out_console,
    paths,
    print_json,
    settings_apart_from_journal,
    show_table,
    typed_column,
)
from voicecoach.errors import ModelError, UsageError
from voicecoach.hinting import command_hint
from voicecoach.paths import Paths
from voicecoach.speech.catalog import DEFAULT_MODEL, catalog_url, fetch_catalog
from voicecoach.speech.download import NetworkError
from voicecoach.speech.models import (
    InstalledModel,
    active_model_name,
    find_installed,
    folder_size,
    installed_models,
    installed_named,
    model_for_language,
    search_dirs,
    set_active_model,
)

models_app = typer.Typer(
    help="Get, check and choose speech models (Vosk). Only `pull` and `list --available` use "
    "the network.",
    no_args_is_help=True,
)
app.add_typer(models_app, name="models")


def models_dirs(home: Paths) -> list[Path]:
    return search_dirs(home)


def megabytes(count: object) -> str:
    """``"41 MB"`` for a byte count; "" for anything else (a size not known)."""
    return f"{count / 1e6:.0f} MB" if isinstance(count, int) else ""


def confirm_removal(kind: str, name: str, path: Path, yes: bool) -> None:
    """Before an installed model or voice (``kind``: "models", "voices") is deleted: unless
    ``yes``, ask on the terminal, naming its folder and size. UsageError off a terminal (naming
    --yes); when the answer is no, "Nothing deleted." and typer.Exit(0) (the person chose, as
    `forget` answered no)."""
    if yes:
        return
    question = f"Delete {path} ({megabytes(folder_size(path))})?"
    if not confirm(question, f"{kind} remove {name}: add --yes to remove it without a terminal"):
        err_console.print("Nothing deleted.", highlight=False, markup=False)
        raise typer.Exit(0)


def _active(home: Paths, found: list[InstalledModel]) -> tuple[str, str]:
    """(name, how): the model sessions use — chosen with `models use`, or picked by language."""
    chosen = active_model_name(home.state_file)
    if chosen and any(m.name == chosen for m in found):
        return chosen, "active"
    auto = model_for_language(settings_apart_from_journal().coach.language, models_dirs(home))
    return (auto.name, "auto") if auto is not None else ("", "")


def _require(name: str, home: Paths) -> InstalledModel:
    model = find_installed(name, models_dirs(home))
    if model is None:
        raise ModelError(f"no installed model named {name!r}: {installed_named(models_dirs(home))}")
    return model


def _catalogue_rows(installed: set[str], show_all: bool) -> list[dict[str, object]]:
    models = settings_apart_from_journal().models
    url = catalog_url(models)
    try:
        entries = fetch_catalog(url, models.timeout_s)
    except NetworkError as exc:
        raise NetworkError(
            f"{exc}; the catalogue is {url} (the models are listed there too): on a machine "
            "with a network, fetch a model's zip and add it here with "
            f"{command_hint('models add FILE.zip')}"
        ) from exc
    return [
        {
            "name": entry.name,
            "language": entry.language,
            "language_text": entry.language_text,
            "size": entry.size,
            "size_text": entry.size_text,
            "type": entry.kind,
            "raspberry_pi": entry.suits_pi,
            "obsolete": entry.obsolete,
            "installed": entry.name in installed,
        }
        for entry in entries
        if show_all or (entry.is_speech and not entry.obsolete)
    ]


def _print_installed(rows: list[dict[str, object]], how: str) -> None:
    if not rows:
        err_console.print(
            "No Vosk model installed: sessions use PocketSphinx, which hears much worse. "
            f"Get one with {command_hint('models pull')} (default {DEFAULT_MODEL}), or offline "
            f"with {command_hint('models add FILE.zip')}.",
            **PLAIN,
        )
        return
    table = Table("", title="Installed models")
    typed_column(table, "name", [row["name"] for row in rows])
    for header in ("language", "size", "from"):
        table.add_column(header)
    table.add_column("path", overflow="fold")
    for row in rows:
        table.add_row(
            ("✓ " + how) if row["active"] else "",
            escape(str(row["name"])),
            escape(str(row["language"])),
            megabytes(row["size"]),
            str(row["origin"]),
            escape(str(row["path"])),
        )
    show_table(table)


def _print_catalogue(rows: list[dict[str, object]]) -> None:
    table = Table(title="Available models")
    typed_column(table, "name", [row["name"] for row in rows])
    for header in ("language", "size", "type", "Pi", ""):
        table.add_column(header)
    for row in rows:
        table.add_row(
            escape(str(row["name"])),
            escape(f"{row['language']} ({row['language_text']})"),
            escape(str(row["size_text"])),
            escape(str(row["type"])),
            "✓" if row["raspberry_pi"] else "",
            "installed" if row["installed"] else "",
        )
    show_table(table)
    err_console.print("Pi ✓: small models, which run in real time on a Raspberry Pi.", **PLAIN_DIM)


@models_app.command("list")
def list_models(
    available: Annotated[
        bool, typer.Option("--available", help="Also the models you can pull (needs internet).")
    ] = False,
    show_all: Annotated[
        bool, typer.Option("--all", help="With --available: obsolete and non-speech ones too.")
    ] = False,
    as_json: TableJsonOpt = False,
) -> None:
    """Installed models, the active one marked. With --available, the catalogue too."""
    home = paths()
    found = installed_models(models_dirs(home))
    active, how = _active(home, found)
    rows: list[dict[str, object]] = [
        {
            "name": m.name,
            "language": m.language,
            "size": folder_size(m.path),
            "origin": m.origin,
            "path": str(m.path),
            "active": m.name == active,
        }
        for m in found
    ]
    names = {m.name for m in found}
    if as_json:
        doc: dict[str, object] = {"installed": rows}
        if available:
            doc["available"] = _catalogue_rows(names, show_all)
        print_json(doc)
        return
    _print_installed(rows, how)
    if available:  # after the installed ones, which are worth seeing even offline
        _print_catalogue(_catalogue_rows(names, show_all))


class RichDownloadProgress:
    """A progress bar on stderr, shown from the download's start: a pull that fails before
    (no network, no such name) prints its error line alone."""

    def __init__(self, label: str) -> None:
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=err_console,
        )
        self._label = label
        self._task: TaskID | None = None

    def __enter__(self) -> RichDownloadProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._bar.stop()

    def start(self, total: int | None, done: int) -> None:
        if self._task is None:
            self._bar.start()
            self._task = self._bar.add_task(self._label, total=total, completed=done)
        else:
            self._bar.update(self._task, total=total, completed=done)

    def advance(self, count: int) -> None:
        if self._task is not None:
            self._bar.advance(self._task, count)

    def note(self, text: str) -> None:
        self._bar.console.print(text, **PLAIN_DIM)


@models_app.command()
def pull(
    name: Annotated[str, typer.Argument(help="A model from `models list --available`.")] = (
        DEFAULT_MODEL
    ),
) -> None:
    """Download a model from the catalogue, check and install it. A broken pull resumes."""
    from voicecoach.speech.install import pull_model

    home = paths()
    existing = find_installed(name, models_dirs(home))
    if existing is not None:
        err_console.print(f"{name} is already installed ({existing.path}).", **PLAIN)
        return
    with RichDownloadProgress(name) as progress:
        model = pull_model(name, settings_apart_from_journal().models, home.models, progress)
    _installed(model)


def _installed(model: InstalledModel) -> None:
    out_console.print(f"installed {model.name} in {model.path}", **PLAIN)
    err_console.print(
        f"Check it with {command_hint(f'models verify {model.name}')}; "
        f"make it the one sessions use with {command_hint(f'models use {model.name}')}.",
        **PLAIN_DIM,
    )


@models_app.command()
def add(
    path: Annotated[Path, typer.Argument(help="A model zip, or an unpacked model folder.")],
    name: Annotated[str | None, typer.Option(help="Install under this name.")] = None,
    load_check: Annotated[
        bool,
        typer.Option(
            "--load-check/--no-load-check",
            help="Load the model once (in a separate process) before accepting it.",
        ),
    ] = True,
) -> None:
    """Install a model copied by hand. For instance one downloaded elsewhere, or brought on
    a USB stick."""
    from voicecoach.speech.install import install_archive, install_folder, remove_model
    from voicecoach.speech.probe import probe_model

    home = paths()
    # The layout is checked while installing (a quick look at the files), before the slow load.
    if path.is_dir():
        model = install_folder(path, home.models, name)
    else:
        model = install_archive(path, home.models, name)
    if load_check:
        err_console.print(f"loading {model.name} once to check it …", **PLAIN_DIM)
        try:
            probe_model(model.path, model.name)
        except ModelError as exc:
            remove_model(model)
            raise ModelError(f"{exc}; not installed") from exc
    _installed(model)


@models_app.command()
def use(
    name: Annotated[str | None, typer.Argument(help="An installed model.")] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="Forget the choice: pick by language again.")
    ] = False,
    any_language: Annotated[
        bool,
        typer.Option(
            "--any-language",
            help="Use it even though it hears another language than coach.language.",
        ),
    ] = False,
) -> None:
    """Make sessions listen with this model (engine "auto" or "vosk").

    A model of another language than the coach's (coach.language) is refused unless
    --any-language is given: it would mishear every answer and every command."""
    from voicecoach.config import setting_place
    from voicecoach.speech.models import same_language

    home = paths()
    if clear or name is None:
        if not clear:
            raise UsageError(f"name a model (see {command_hint('models list')}), or pass --clear")
        set_active_model(home.state_file, "")
        out_console.print("no active model: sessions pick one by language")
        return
    model = _require(name, home)
    language = settings_apart_from_journal().coach.language
    other = not same_language(model.language, language)
    if other and not any_language:
        raise ModelError(
            f"{model.name} hears {model.language}, the coach speaks {language} (coach.language, "
            f"{setting_place('coach.language')}); set coach.language = "
            f'"{model.language.split("-")[0]}" first, or pass --any-language to use it anyway'
        )
    set_active_model(home.state_file, model.name)
    out_console.print(f"sessions now listen with {model.name}", **PLAIN)
    if other:
        err_console.print(
            f"voicecoach: warning: {model.name} hears {model.language}; "
            f"the coach speaks {language} (coach.language)",
            style="yellow",
            **PLAIN,
        )


@models_app.command()
def remove(
    name: Annotated[str, typer.Argument(help="An installed model.")],
    yes: YesOpt = False,
) -> None:
    """Delete an installed model."""

    from voicecoach.speech.install import remove_model

    home = paths()
    model = _require(name, home)
    if model.origin == "package":
        remove_model(model)  # raises, saying how to uninstall the package
    confirm_removal("models", name, model.path, yes)
    remove_model(model)
    if active_model_name(home.state_file) == model.name:
        set_active_model(home.state_file, "")
    out_console.print(f"removed {model.name}", **PLAIN)


@models_app.command()
def verify(
    name: Annotated[
        str | None, typer.Argument(help="An installed model (default: the one sessions use).")
    ] = None,
    as_json: TableJsonOpt = False,
) -> None:
    """Load a model with Vosk and run one second of audio through it. It reports the time
    and memory taken."""
    from voicecoach.speech.verify import verify_model

    home = paths()
    if name is None:
        name, _how = _active(home, installed_models(models_dirs(home)))
        if not name:
            language = settings_apart_from_journal().coach.language
            get = f"{command_hint('models pull')} or {command_hint('models add FILE.zip')}"
            if not installed_models(models_dirs(home)):
                raise ModelError(f"no Vosk model to verify: get one with {get}")
            raise ModelError(
                f"no Vosk model of the coach's language ({language}) to verify: "
                f"{installed_named(models_dirs(home))} to verify it, or get one with {get}"
            )
    model = _require(name, home)
    err_console.print(f"loading {model.name} …", **PLAIN_DIM)
    report = verify_model(model)
    if as_json:
        print_json(report.to_record())
        return
    out_console.print(
        f"ok: {report.name} loaded in {report.load_s:.1f} s, "
        f"+{report.rss_growth / 1e6:.0f} MB memory; its first {report.audio_s:.1f} s of audio "
        f"decoded in {report.decode_s:.2f} s (a new recognizer's warm-up included)",
        **PLAIN,
    )


from voicecoach.cli import adapt_cmd  # noqa: E402, F401  (`models adapt`, on models_app)
