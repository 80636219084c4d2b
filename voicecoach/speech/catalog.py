"""The catalogue of Vosk models the Vosk project publishes (model-list.json).

It is a JSON list of objects with the keys name, lang, lang_text, md5, size, size_text, type
("small", "big", "big-lgraph", "spk", …), url, version and obsolete ("true"/"false"). Only
`voicecoach models pull` and `models list --available` read it, and only when asked.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from voicecoach.config import ModelsSettings
from voicecoach.errors import ModelError
from voicecoach.speech.download import fetch_bytes

CATALOG_ENV = "VOICECOACH_MODEL_CATALOG"
"""Environment variable that overrides the catalogue URL of config.toml."""

DEFAULT_MODEL = "vosk-model-small-en-us-0.15"
"""What `voicecoach models pull` fetches when no name is given (~40 MB, fine on a Pi)."""

SPEECH_TYPES = ("small", "big", "big-lgraph")
"""Catalogue types that are speech-to-text models (others: speaker id, punctuation, …)."""


@dataclass(frozen=True)
class CatalogEntry:
    """One model the catalogue offers."""

    name: str
    """e.g. "vosk-model-small-en-us-0.15"; also the folder it is installed as."""
    language: str
    """Language code, e.g. "en-us"."""
    language_text: str
    """Language in words, e.g. "US English"."""
    url: str
    """Where the zip is (absolute; relative addresses are resolved against the catalogue)."""
    size: int | None
    """Size of the zip in bytes, when the catalogue says."""
    size_text: str
    """Size for people, e.g. "39.3MiB"."""
    md5: str
    """MD5 of the zip (hex), "" when the catalogue does not say."""
    kind: str
    """The catalogue's type: "small" (Raspberry Pi, phones), "big", "big-lgraph", …"""
    version: str
    obsolete: bool
    """Replaced by a newer model."""

    @property
    def suits_pi(self) -> bool:
        """Small models run in real time on a Raspberry Pi in a few hundred MB of memory."""
        return self.kind == "small"

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
    size = item.get("size")
    md5 = item.get("md5", "")
    if not isinstance(md5, str):
        return None  # a checksum that cannot be compared: the entry is not offered
    return CatalogEntry(
        name=name,
        language=str(item.get("lang", "")),
        language_text=str(item.get("lang_text", "")),
        url=urljoin(base_url, url),
        size=size if isinstance(size, int) and not isinstance(size, bool) and size > 0 else None,
        size_text=str(item.get("size_text", "")),
        md5=md5.lower(),
        kind=str(item.get("type", "")),
        version=str(item.get("version", "")),
        obsolete=str(item.get("obsolete", "false")).lower() == "true",
    )


def parse_catalog(doc: Any, base_url: str) -> list[CatalogEntry]:
    """The entries of a parsed model-list.json; entries without a usable name are skipped."""
    if not isinstance(doc, list):
        raise ModelError(f"{base_url}: not a model catalogue (expected a JSON list)")
    entries = [entry for item in doc if (entry := _entry(item, base_url)) is not None]
    if doc and not entries:
        raise ModelError(f"{base_url}: not a model catalogue (no entry has a name)")
    return entries


def fetch_catalog(url: str, timeout: float) -> list[CatalogEntry]:
    """Download and parse the catalogue."""
    data = fetch_bytes(url, timeout)
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise ModelError(f"{url}: not a model catalogue (not JSON)") from exc
    return parse_catalog(doc, url)


def find_entry(entries: list[CatalogEntry], name: str, url: str) -> CatalogEntry:
    """The catalogue entry with this name; the error suggests near names."""
    for entry in entries:
        if entry.name == name:
            return entry
    near = difflib.get_close_matches(name, [e.name for e in entries], n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    raise ModelError(
        f"no model {name!r} in the catalogue {url}{hint} (see `voicecoach models list --available`)"
    )


def manual_route(name: str, catalog: str) -> str:
    """How to install without internet on this machine."""
    zip_url = urljoin(catalog, name + ".zip")
    return (
        f"Without internet here: download {zip_url} on another machine, copy it over "
        f"(a USB stick works) and run `voicecoach models add {name}.zip`"
    )
