"""Catalogues of what can be pulled: entries with the files to fetch, sizes and checksums.

Each kind has its own catalogue format (Piper's voices.json is read in ``tts/voices.py``);
the Vosk project's model-list.json is read here. It is a JSON list of objects with the keys
name, lang, lang_text, md5, size, size_text, type ("small", "big", "big-lgraph", "spk", …),
url, version and obsolete ("true"/"false"). Only `pull` and `list --available` read a
catalogue, and only when asked.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from voicecoach.config import ModelsSettings
from voicecoach.errors import ModelError
from voicecoach.hinting import command_hint
from voicecoach.speech.artifacts import Kind
from voicecoach.speech.download import fetch_bytes

CATALOG_ENV = "VOICECOACH_MODEL_CATALOG"
"""Environment variable that overrides the catalogue URL of config.toml."""

DEFAULT_MODEL = "vosk-model-small-en-us-0.15"
"""What `voicecoach models pull` fetches when no name is given (~40 MB, fine on a Pi)."""

SPEECH_TYPES = ("small", "big", "big-lgraph")
"""Catalogue types that are speech-to-text models (others: speaker id, punctuation, …)."""


@dataclass(frozen=True)
class RemoteFile:
    """One file of a catalogue entry."""

    url: str
    """Where it is (absolute; relative addresses are resolved against the catalogue)."""
    name: str
    """The file's name once fetched, e.g. "vosk-model-small-en-us-0.15.zip"."""
    size: int | None
    """Bytes, when the catalogue says."""
    md5: str
    """MD5 (hex), "" when the catalogue does not say."""


@dataclass(frozen=True)
class CatalogEntry:
    """One model or voice a catalogue offers."""

    name: str
    """e.g. "vosk-model-small-en-us-0.15"; also the folder it is installed as."""
    language: str
    """Language code, e.g. "en-us"."""
    language_text: str
    """Language in words, e.g. "US English"."""
    files: tuple[RemoteFile, ...]
    """What to fetch: a model's zip, a voice's network and settings."""
    size: int | None
    """Bytes of all its files, when the catalogue says."""
    size_text: str
    """Size for people, e.g. "39.3MiB"."""
    kind: str
    """The catalogue's type: "small" (Raspberry Pi, phones), "big", …; a voice's quality."""
    version: str
    obsolete: bool
    """Replaced by a newer one."""
    suits_pi: bool
    """Runs in real time on a Raspberry Pi (small models; x_low, low and medium voices)."""

    @property
    def url(self) -> str:
        """Where the (first) file is."""
        return self.files[0].url

    @property
    def md5(self) -> str:
        return self.files[0].md5

    @property
    def is_speech(self) -> bool:
        return self.kind in SPEECH_TYPES


def catalog_url(settings: ModelsSettings, env: Mapping[str, str] | None = None) -> str:
    """The catalogue address: $VOICECOACH_MODEL_CATALOG, else config.toml models.catalog_url."""
    env = os.environ if env is None else env
    return env.get(CATALOG_ENV) or settings.catalog_url


def _entry(item: Any, base_url: str) -> CatalogEntry | None:
    if not isinstance(item, dict):
        return None
    name, url = item.get("name"), item.get("url")
    if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
        return None
    if not isinstance(url, str) or not url:
        url = name + ".zip"
    size = byte_count(item.get("size"))
    md5 = item.get("md5", "")
    if not isinstance(md5, str):
        return None  # a checksum that cannot be compared: the entry is not offered
    kind = str(item.get("type", ""))
    return CatalogEntry(
        name=name,
        language=str(item.get("lang", "")),
        language_text=str(item.get("lang_text", "")),
        files=(RemoteFile(urljoin(base_url, url), name + ".zip", size, md5_text(md5)),),
        size=size,
        size_text=str(item.get("size_text", "")),
        kind=kind,
        version=str(item.get("version", "")),
        obsolete=str(item.get("obsolete", "false")).lower() == "true",
        suits_pi=kind == "small",
    )


def byte_count(value: Any) -> int | None:
    """A catalogue's size field, when it is a positive whole number."""
    ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
    return value if ok else None


def md5_text(value: Any) -> str:
    return value.lower() if isinstance(value, str) else ""


def parse_catalog(doc: Any, base_url: str) -> list[CatalogEntry]:
    """The entries of a parsed model-list.json; entries without a usable name are skipped."""
    if not isinstance(doc, list):
        raise ModelError(f"{base_url}: not a model catalogue (expected a JSON list)")
    entries = [entry for item in doc if (entry := _entry(item, base_url)) is not None]
    if doc and not entries:
        raise ModelError(f"{base_url}: not a model catalogue (no entry has a name)")
    return entries


Parser = Callable[[Any, str], list[CatalogEntry]]
"""(parsed JSON, the catalogue's URL) → its entries; raises ModelError for a wrong format."""


def fetch_catalog(url: str, timeout: float, parse: Parser = parse_catalog) -> list[CatalogEntry]:
    """Download and parse a catalogue (by default the Vosk models')."""
    data = fetch_bytes(url, timeout)
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise ModelError(f"{url}: not a catalogue (not JSON)") from exc
    return parse(doc, url)


def find_entry(entries: list[CatalogEntry], name: str, url: str, kind: Kind) -> CatalogEntry:
    """The catalogue entry with this name; the error suggests near names."""
    for entry in entries:
        if entry.name == name:
            return entry
    near = difflib.get_close_matches(name, [e.name for e in entries], n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    raise ModelError(
        f"no {kind.noun} {name!r} in the catalogue {url}{hint} "
        f"(see {command_hint(f'{kind.command} list --available')})"
    )
