"""Putting models in place: from a zip, a folder or the catalogue; and taking them away.

A model is unpacked (or copied) into a hidden ``.incoming-PID-…`` folder inside the models
folder, checked, and only then renamed to its name — one atomic step on the same file system.
An interrupted install leaves at most a hidden folder, never a half-model that looks
installed; the next install sweeps such leftovers away.
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
from voicecoach.paths import private_dir
from voicecoach.speech.catalog import (
    CatalogEntry,
    catalog_url,
    fetch_catalog,
    find_entry,
    manual_route,
)
from voicecoach.speech.download import DownloadJob, DownloadProgress, NetworkError, download
from voicecoach.speech.models import (
    LAYOUT_HINT,
    InstalledModel,
    check_layout,
    language_of,
    missing_parts,
)

INCOMING = ".incoming-"
REMOVING = ".removing-"
DOWNLOADS = ".downloads"
SPACE_MARGIN = 20 * 1024 * 1024
"""Bytes kept free beyond what a model needs."""


def check_name(name: str) -> str:
    """A model name is also a folder name: no slashes, no leading dot."""
    if not name or "/" in name or "\\" in name or name.startswith(".") or name != name.strip():
        raise ModelError(f"{name!r}: not a usable model name (a plain folder name is needed)")
    return name


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_leftovers(models_dir: Path) -> None:
    """Delete hidden unpack/remove folders left by runs that were killed."""
    if not models_dir.is_dir():
        return
    for path in models_dir.iterdir():
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


def _target(models_dir: Path, name: str) -> Path:
    target = models_dir / check_name(name)
    if target.exists():
        raise ModelError(
            f"a model named {name!r} is already installed in {models_dir}; "
            f"`voicecoach models remove {name}` first, or give another --name"
        )
    return target


def _move_into_place(
    models_dir: Path, name: str, fill: Callable[[Path], Path], label: str
) -> InstalledModel:
    """fill(scratch) puts the model somewhere below scratch and returns its folder."""
    private_dir(models_dir)
    sweep_leftovers(models_dir)
    target = _target(models_dir, name)
    scratch = Path(tempfile.mkdtemp(prefix=f"{INCOMING}{os.getpid()}-", dir=models_dir))
    try:
        root = fill(scratch)
        check_layout(root, label)
        tighten_folder(root)
        if target.exists():
            raise ModelError(f"a model named {name!r} was installed meanwhile; nothing changed")
        os.rename(root, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return InstalledModel(name, language_of(name), target, "folder")


def _zip_root(names: list[str]) -> str:
    """The folder inside the zip that holds the model ("" = the top of the zip)."""
    roots = {n[: -len("am/final.mdl")] for n in names if n.endswith("am/final.mdl")}
    roots = {r for r in roots if r == "" or r.endswith("/")}
    if len(roots) == 1:
        return roots.pop()
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and any("/" in n for n in names):
        return tops.pop() + "/"
    return ""


def _safe_members(archive: zipfile.ZipFile, label: str) -> list[str]:
    names = archive.namelist()
    for name in names:
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts or "\\" in name or ":" in path.parts[0]:
            raise ModelError(f"{label}: refused, it holds an unsafe path ({name!r})")
    return names


def install_archive(
    zip_path: Path, models_dir: Path, name: str | None = None, label: str | None = None
) -> InstalledModel:
    """Unpack a model zip into models_dir/NAME (the zip's folder name unless name is given).

    label names the zip in messages (default: its path).
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
        root = _zip_root(names)
        inside = set(names)
        missing = missing_parts(lambda rel: root + rel in inside)
        if missing:
            raise ModelError(
                f"{label}: not a Vosk model: missing {', '.join(missing)} ({LAYOUT_HINT})"
            )
        chosen = name or root.rstrip("/").rsplit("/", 1)[-1] or zip_path.stem
        members = [info for info in archive.infolist() if info.filename.startswith(root)]
        private_dir(models_dir)
        _check_space(models_dir, sum(info.file_size for info in members), label)

        def fill(scratch: Path) -> Path:
            try:
                for info in members:
                    archive.extract(info, scratch)
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                raise ModelError(f"{label}: damaged zip, cannot unpack it ({exc})") from exc
            return scratch / root if root else scratch

        return _move_into_place(models_dir, chosen, fill, label)


def copy_problem(exc: shutil.Error | OSError) -> str:
    """What went wrong in a copy, in a few words: the first file's problem and how many more."""
    problems = exc.args[0] if isinstance(exc, shutil.Error) and exc.args else None
    if isinstance(problems, list) and problems:
        source, _target, why = problems[0]
        why = re.sub(r"^\[Errno \d+\] ", "", str(why)).split(": '")[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return f"{source}: {why.lower()}{more}"
    return exc.strerror.lower() if isinstance(exc, OSError) and exc.strerror else str(exc)


def install_folder(folder: Path, models_dir: Path, name: str | None = None) -> InstalledModel:
    """Copy a model folder (e.g. from a USB stick) into models_dir/NAME."""
    folder = folder.expanduser()
    check_layout(folder)
    chosen = name or folder.resolve().name
    if folder.resolve().parent == models_dir.resolve():
        raise ModelError(f"{folder}: already in the models folder; see `voicecoach models list`")
    private_dir(models_dir)
    _check_space(
        models_dir, sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()), str(folder)
    )

    def fill(scratch: Path) -> Path:
        copy = scratch / "model"
        try:
            shutil.copytree(folder, copy, symlinks=False)
        except (shutil.Error, OSError) as exc:
            raise ModelError(f"{folder}: cannot copy it: {copy_problem(exc)}") from exc
        return copy

    return _move_into_place(models_dir, chosen, fill, str(folder))


def remove_model(model: InstalledModel) -> None:
    """Delete an installed model folder: renamed away first, so it vanishes in one step."""
    if model.origin == "package":
        package = model.name
        raise ModelError(
            f"{model.name} is installed as a Python package; remove it with "
            f"`pip uninstall {package}`"
        )
    away = model.path.with_name(f"{REMOVING}{os.getpid()}-{model.name}")
    try:
        os.rename(model.path, away)
    except OSError as exc:
        raise ModelError(f"{model.path}: cannot remove it ({exc.strerror})") from exc
    shutil.rmtree(away, ignore_errors=True)


def download_job(entry: CatalogEntry, models_dir: Path) -> DownloadJob:
    return DownloadJob(
        url=entry.url,
        dest=models_dir / DOWNLOADS / f"{entry.name}.zip",
        size=entry.size,
        md5=entry.md5,
    )


def pull_model(
    name: str,
    settings: ModelsSettings,
    models_dir: Path,
    progress: DownloadProgress | None = None,
) -> InstalledModel:
    """Fetch a model named in the catalogue, check it and install it in models_dir."""
    url = catalog_url(settings)
    check_name(name)
    try:
        entries = fetch_catalog(url, settings.timeout_s)
    except NetworkError as exc:
        raise ModelError(f"{exc}. {manual_route(name, url)}") from exc
    entry = find_entry(entries, name, url)
    _target(models_dir, entry.name)
    job = download_job(entry, models_dir)
    private_dir(job.dest.parent)
    if entry.size is not None:
        _check_space(models_dir, entry.size * 3, f"{entry.name} ({entry.size_text or entry.size})")
    try:
        archive = download(job, settings.timeout_s, progress)
    except NetworkError as exc:
        raise ModelError(f"{exc}. {manual_route(entry.name, url)}") from exc
    try:
        return install_archive(archive, models_dir, name=entry.name, label=entry.name)
    finally:
        with contextlib.suppress(OSError):
            archive.unlink()
