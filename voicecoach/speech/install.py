"""Putting models and voices in place: from a zip, a folder, loose files or a catalogue; and
taking them away. One piece of code for every ``Kind`` (see ``artifacts.py``).

Everything is unpacked (or copied) into a hidden ``.incoming-PID-…`` folder inside the target
folder, checked, and only then renamed to its name — one atomic step on the same file system.
An interrupted install leaves at most a hidden folder, never a half-model (or half-voice) that
looks installed; the next install sweeps such leftovers away.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from voicecoach.config import ModelsSettings
from voicecoach.errors import ModelError
from voicecoach.files import tighten_folder
from voicecoach.hinting import command_hint
from voicecoach.paths import private_dir
from voicecoach.speech.artifacts import Installed, Kind
from voicecoach.speech.catalog import (
    CatalogEntry,
    Parser,
    catalog_url,
    fetch_catalog,
    find_entry,
    parse_catalog,
)
from voicecoach.speech.download import (
    DownloadJob,
    DownloadProgress,
    NetworkError,
    already_fetched,
    download,
)
from voicecoach.speech.models import MODELS, InstalledModel

INCOMING = ".incoming-"
REMOVING = ".removing-"
DOWNLOADS = ".downloads"
SPACE_MARGIN = 20 * 1024 * 1024
"""Bytes kept free beyond what a model or voice needs."""


def check_name(name: str, kind: Kind = MODELS) -> str:
    """A name is also a folder name: no slashes, no leading dot."""
    if not name or "/" in name or "\\" in name or name.startswith(".") or name != name.strip():
        raise ModelError(f"{name!r}: not a usable {kind.noun} name (a plain folder name is needed)")
    return name


def check_folder(folder: Path, name: str, kind: Kind, label: str | None = None) -> None:
    """Raise ModelError naming every missing part, unless the folder holds a whole one."""
    if not folder.is_dir():
        raise ModelError(f"{label or folder}: no such folder")
    missing = kind.folder_missing(folder, name)
    if missing:
        raise ModelError(
            f"{label or folder}: not {kind.described}: missing {', '.join(missing)} "
            f"({kind.layout_hint})"
        )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_leftovers(folder: Path) -> None:
    """Delete hidden unpack/remove folders left by runs that were killed."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if not path.name.startswith((INCOMING, REMOVING)) or not path.is_dir():
            continue
        pid_text = path.name.split("-")[1] if path.name.count("-") >= 2 else ""
        if pid_text.isdigit() and _pid_alive(int(pid_text)) and int(pid_text) != os.getpid():
            continue
        shutil.rmtree(path, ignore_errors=True)


def _check_space(folder: Path, needed: int, what: str) -> None:
    free = shutil.disk_usage(folder).free
    if free < needed + SPACE_MARGIN:
        raise ModelError(
            f"{what} needs {(needed + SPACE_MARGIN) / 1e6:.0f} MB free in {folder}, "
            f"only {free / 1e6:.0f} MB are; free some space and try again"
        )


def _target(folder: Path, name: str, kind: Kind) -> Path:
    target = folder / check_name(name, kind)
    if target.exists():
        raise ModelError(
            f"a {kind.noun} named {name!r} is already installed in {folder}; "
            f"{command_hint(f'{kind.command} remove {name}')} first"
            + (", or give another --name" if kind is MODELS else "")
        )
    return target


def _move_into_place(
    folder: Path, name: str, fill: Callable[[Path], Path], label: str, kind: Kind
) -> Installed:
    """fill(scratch) puts the thing somewhere below scratch and returns its folder."""
    private_dir(folder)
    sweep_leftovers(folder)
    target = _target(folder, name, kind)
    scratch = Path(tempfile.mkdtemp(prefix=f"{INCOMING}{os.getpid()}-", dir=folder))
    try:
        root = fill(scratch)
        check_folder(root, name, kind, label)
        tighten_folder(root)
        if target.exists():
            raise ModelError(f"a {kind.noun} named {name!r} was installed meanwhile; no change")
        os.rename(root, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Installed(name, kind.language_of(name), target, "folder")


def _safe_members(archive: zipfile.ZipFile, label: str) -> list[str]:
    names = archive.namelist()
    for name in names:
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts or "\\" in name or ":" in path.parts[0]:
            raise ModelError(f"{label}: refused, it holds an unsafe path ({name!r})")
    return names


def install_archive(
    zip_path: Path,
    folder: Path,
    name: str | None = None,
    label: str | None = None,
    kind: Kind = MODELS,
) -> Installed:
    """Unpack a zip into folder/NAME (the name found in the zip unless name is given).

    label names the zip in messages (default: its path). Raises ModelError.
    """
    label = label or str(zip_path)
    if not zip_path.is_file():
        raise ModelError(f"{label}: no such file")
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelError(f"{label}: not a readable zip file ({exc})") from exc
    with archive:
        names = _safe_members(archive, label)
        root, found = kind.root_in(names)
        chosen = name or found or zip_path.stem
        inside = set(names)
        missing = kind.missing(lambda rel: root + rel in inside, chosen)
        if missing:
            raise ModelError(
                f"{label}: not {kind.described}: missing {', '.join(missing)} ({kind.layout_hint})"
            )
        members = [info for info in archive.infolist() if info.filename.startswith(root)]
        private_dir(folder)
        _check_space(folder, sum(info.file_size for info in members), label)

        def fill(scratch: Path) -> Path:
            try:
                for info in members:
                    archive.extract(info, scratch)
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                raise ModelError(f"{label}: damaged zip, cannot unpack it ({exc})") from exc
            return scratch / root if root else scratch

        return _move_into_place(folder, chosen, fill, label, kind)


def copy_problem(exc: shutil.Error | OSError) -> str:
    """What went wrong in a copy, in a few words: the first file's problem and how many more."""
    problems = exc.args[0] if isinstance(exc, shutil.Error) and exc.args else None
    if isinstance(problems, list) and problems:
        source, _target, why = problems[0]
        why = re.sub(r"^\[Errno \d+\] ", "", str(why)).split(": '")[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return f"{source}: {why.lower()}{more}"
    return exc.strerror.lower() if isinstance(exc, OSError) and exc.strerror else str(exc)


def install_folder(
    source: Path, folder: Path, name: str | None = None, kind: Kind = MODELS
) -> Installed:
    """Copy a folder (e.g. from a USB stick) into folder/NAME. Raises ModelError."""
    source = source.expanduser()
    if not source.is_dir():
        raise ModelError(f"{source}: no such folder")
    _root, found = kind.root_in(
        [p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file()]
    )
    chosen = name or found or source.resolve().name
    check_folder(source, chosen, kind)
    if source.resolve().parent == folder.resolve():
        raise ModelError(
            f"{source}: already in the {kind.command} folder; "
            f"see {command_hint(f'{kind.command} list')}"
        )
    private_dir(folder)
    _check_space(
        folder, sum(p.stat().st_size for p in source.rglob("*") if p.is_file()), str(source)
    )

    def fill(scratch: Path) -> Path:
        copy = scratch / "copy"
        try:
            shutil.copytree(source, copy, symlinks=False)
        except (shutil.Error, OSError) as exc:
            raise ModelError(f"{source}: cannot copy it: {copy_problem(exc)}") from exc
        return copy

    return _move_into_place(folder, chosen, fill, str(source), kind)


def install_files(
    files: list[Path], folder: Path, name: str, kind: Kind, label: str | None = None
) -> Installed:
    """Copy loose files (a voice's network and settings) into folder/NAME. Raises ModelError."""
    label = label or name
    for path in files:
        if not path.is_file():
            raise ModelError(f"{path}: no such file")
    private_dir(folder)
    _check_space(folder, sum(p.stat().st_size for p in files), label)

    def fill(scratch: Path) -> Path:
        copy = scratch / "copy"
        copy.mkdir()
        try:
            for path in files:
                shutil.copyfile(path, copy / path.name)
        except OSError as exc:
            raise ModelError(f"{label}: cannot copy it ({exc.strerror or exc})") from exc
        return copy

    return _move_into_place(folder, name, fill, label, kind)


def remove_installed(item: Installed, kind: Kind = MODELS) -> None:
    """Delete an installed folder: renamed away first, so it vanishes in one step."""
    if item.origin == "package":
        package = item.name if kind is MODELS else "PACKAGE"  # a voice's package is named apart
        raise ModelError(
            f"{item.name} is installed as a Python package; remove it with "
            f"`pip uninstall {package}`" + ("" if kind is MODELS else " (`pip list` names it)")
        )
    away = item.path.with_name(f"{REMOVING}{os.getpid()}-{item.name}")
    try:
        os.rename(item.path, away)
    except OSError as exc:
        raise ModelError(f"{item.path}: cannot remove it ({exc.strerror})") from exc
    shutil.rmtree(away, ignore_errors=True)


def remove_model(model: InstalledModel) -> None:
    """Delete an installed model folder."""
    remove_installed(model, MODELS)


def download_jobs(entry: CatalogEntry, folder: Path) -> list[DownloadJob]:
    """One job per file of the entry, each fetched into folder/.downloads."""
    return [
        DownloadJob(url=f.url, dest=folder / DOWNLOADS / f.name, size=f.size, md5=f.md5)
        for f in entry.files
    ]


def pull(
    kind: Kind,
    name: str,
    catalog: str,
    timeout: float,
    folder: Path,
    progress: DownloadProgress | None = None,
    parse: Parser = parse_catalog,
) -> Installed:
    """Fetch what the catalogue names, check every file, install it in folder.

    A broken transfer keeps its part (the next pull continues it); a file with the wrong size
    or MD5 is deleted; nothing appears in folder unless it is whole. Raises ModelError.
    """
    check_name(name, kind)
    try:
        entries = fetch_catalog(catalog, timeout, parse)
    except NetworkError as exc:
        raise ModelError(f"{exc}. {kind.manual_route(name, catalog)}") from exc
    entry = find_entry(entries, name, catalog, kind)
    _target(folder, entry.name, kind)
    jobs = download_jobs(entry, folder)
    private_dir(folder / DOWNLOADS)
    if entry.size is not None:
        _check_space(folder, entry.size * 3, f"{entry.name} ({entry.size_text or entry.size})")
    fetched: list[Path] = []
    try:
        for job in jobs:
            fetched.append(job.dest if already_fetched(job) else download(job, timeout, progress))
    except NetworkError as exc:
        raise ModelError(f"{exc}. {kind.manual_route(entry.name, catalog)}") from exc
    try:
        if len(fetched) == 1 and fetched[0].suffix == ".zip":
            return install_archive(fetched[0], folder, entry.name, entry.name, kind)
        return install_files(fetched, folder, entry.name, kind, entry.name)
    finally:
        for path in fetched:
            with contextlib.suppress(OSError):
                path.unlink()


def pull_model(
    name: str,
    settings: ModelsSettings,
    models_dir: Path,
    progress: DownloadProgress | None = None,
) -> Installed:
    """Fetch a model named in the catalogue, check it and install it in models_dir."""
    return pull(MODELS, name, catalog_url(settings), settings.timeout_s, models_dir, progress)
