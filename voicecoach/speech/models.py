"""Installed Vosk models: found in the models folders and in Python packages (vosk_model_*)."""

from __future__ import annotations

import importlib.util
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path

from voicecoach.errors import ModelError


@dataclass(frozen=True)
class InstalledModel:
    """A Vosk model on this machine."""

    name: str
    """Folder name (e.g. "vosk-model-small-en-us-0.15") or package name."""
    language: str
    """Language code read from the name ("en-us", "ko"); "" when unknown."""
    path: Path
    """The model folder (with am/, conf/, graph/ …)."""
    origin: str
    """"folder" (models directory) or "package" (installed with pip)."""


_LANG = re.compile(r"vosk[-_]model[-_](?:small[-_])?([a-z]{2}(?:[-_][a-z]{2})?)", re.IGNORECASE)


def language_of(name: str) -> str:
    """The language code in a Vosk model's name, or ""."""
    match = _LANG.search(name)
    return match.group(1).lower().replace("_", "-") if match else ""


def repo_models_dir() -> Path:
    """models/ beside the package, when running from a checkout."""
    return Path(__file__).resolve().parents[2] / "models"


def _looks_like_model(path: Path) -> bool:
    return (path / "am").is_dir() and (path / "conf").is_dir()


def installed_models(models_dirs: list[Path]) -> list[InstalledModel]:
    """Models in the given folders, then models shipped as Python packages."""
    found: list[InstalledModel] = []
    for folder in models_dirs:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
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


def resolve_model(setting: str, models_dirs: list[Path]) -> Path:
    """A model setting (a folder path or an installed model's name) → its folder."""
    candidate = Path(setting).expanduser()
    if candidate.is_dir() or "/" in setting or setting.startswith("."):
        return candidate
    for model in installed_models(models_dirs):
        if model.name == setting:
            return model.path
    names = ", ".join(m.name for m in installed_models(models_dirs)) or "none installed"
    raise ModelError(f"no model named {setting!r} ({names}); see `voicecoach models list`")


def model_for_language(language: str, models_dirs: list[Path]) -> InstalledModel | None:
    """The first installed model whose language matches ("en" matches "en-us")."""
    for model in installed_models(models_dirs):
        if model.language and model.language.split("-")[0] == language.split("-")[0]:
            return model
    return None
