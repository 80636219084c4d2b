"""What the shared download and install machinery handles: speech models and voices alike.

A ``Kind`` says how one sort of thing is laid out and named (a Vosk model folder, a Piper
voice's two files); ``catalog.py``, ``download.py`` and ``install.py`` do the rest the same
way for both: fetch with resume and checksums, unpack into a hidden folder, check, rename.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Installed:
    """A speech model or a voice on this machine."""

    name: str
    """Folder name (e.g. "vosk-model-small-en-us-0.15", "en_US-joe-medium") or package name."""
    language: str
    """Language code read from the name ("en-us", "ko"); "" when unknown."""
    path: Path
    """The folder holding it."""
    origin: str
    """"folder" (models or voices directory) or "package" (installed with pip)."""


@dataclass(frozen=True)
class Kind:
    """One sort of installable thing, as the shared machinery needs to know it."""

    noun: str
    """"model" or "voice"."""
    command: str
    """The command group that manages it: "models" or "voices"."""
    described: str
    """In messages: "a Vosk model", "a Piper voice"."""
    layout_hint: str
    """Said after a list of missing parts."""
    missing: Callable[[Callable[[str], bool], str], list[str]]
    """(exists(relative path), name) → the parts a folder lacks; [] when whole."""
    root_in: Callable[[list[str]], tuple[str, str]]
    """Names in an archive → (the folder prefix that holds it, its name; "" = unknown)."""
    language_of: Callable[[str], str]
    """A name → its language code ("" when none)."""
    manual_route: Callable[[str, str], str]
    """(name, catalogue URL) → how to install it without internet on this machine."""

    def folder_missing(self, folder: Path, name: str) -> list[str]:
        """missing() of a folder on disk."""
        return self.missing(lambda rel: (folder / rel).is_file(), name)
