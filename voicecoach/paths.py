"""Where voicecoach keeps its files: one home folder, owner-only.

``VOICECOACH_HOME`` puts everything under one folder. Otherwise the XDG folders are used:
config in ``$XDG_CONFIG_HOME/voicecoach``, data (journal, models, own sessions) in
``$XDG_DATA_HOME/voicecoach`` and the voice cache in ``$XDG_CACHE_HOME/voicecoach``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from voicecoach.errors import UsageError, VoiceCoachError
from voicecoach.files import private_folder


@dataclass(frozen=True)
class Paths:
    """The folders of one voicecoach installation."""

    config_file: Path
    """The user's config.toml (may not exist)."""
    data: Path
    """Journal, models and the user's own session scripts live below this."""
    cache: Path
    """Rendered prompts; safe to delete."""
    profile: str | None = None
    """Whose journal (``--profile`` / ``VOICECOACH_PROFILE``); None: the default one."""

    @property
    def journal(self) -> Path:
        """``data/journal``, or ``data/profiles/<profile>/journal`` for a named profile."""
        if self.profile is None:
            return self.data / "journal"
        return self.profiles / self.profile / "journal"

    @property
    def profiles(self) -> Path:
        """The folder of the named profiles, one sub-folder each."""
        return self.data / "profiles"

    @property
    def profile_config(self) -> Path | None:
        """The named profile's own settings, read over config.toml (None: the default one)."""
        return None if self.profile is None else self.profiles / self.profile / "config.toml"

    def profile_names(self) -> tuple[str, ...]:
        """The named profiles made with `profiles add` (folders below ``profiles``), sorted;
        folders whose names cannot name a profile, and symbolic links, are not profiles."""
        try:
            entries = list(self.profiles.iterdir())
        except OSError:
            return ()
        return tuple(
            sorted(
                p.name
                for p in entries
                if PROFILE_NAME.fullmatch(p.name) and p.is_dir() and not p.is_symlink()
            )
        )

    def of_profile(self, name: str | None) -> Paths:
        """The same installation with ``name``'s journal (None: the default one)."""
        return replace(self, profile=name)

    @property
    def models(self) -> Path:
        return self.data / "models"

    @property
    def voice_model(self) -> Path:
        """PocketSphinx's model adapted to this profile's voice (`models adapt`):
        ``data/voice-model``, or ``data/profiles/<profile>/voice-model``."""
        if self.profile is None:
            return self.data / "voice-model"
        return self.profiles / self.profile / "voice-model"

    @property
    def sessions(self) -> Path:
        return self.data / "sessions"

    @property
    def voice_cache(self) -> Path:
        return self.cache / "voice"

    @property
    def state_file(self) -> Path:
        """Small JSON of settings the program changes itself (active model, first run)."""
        return self.data / "state.json"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Paths:
        env = dict(os.environ) if env is None else env
        profile = (
            check_profile(env["VOICECOACH_PROFILE"]) if env.get("VOICECOACH_PROFILE") else None
        )
        home = env.get("VOICECOACH_HOME")
        if home:
            root = Path(home).expanduser()
            return cls(
                config_file=root / "config.toml", data=root, cache=root / "cache", profile=profile
            )
        user_home = Path(env.get("HOME", str(Path.home())))
        config_root = Path(env.get("XDG_CONFIG_HOME") or user_home / ".config")
        data_root = Path(env.get("XDG_DATA_HOME") or user_home / ".local" / "share")
        cache_root = Path(env.get("XDG_CACHE_HOME") or user_home / ".cache")
        return cls(
            config_file=config_root / "voicecoach" / "config.toml",
            data=data_root / "voicecoach",
            cache=cache_root / "voicecoach",
            profile=profile,
        )


HOME_VARIABLES = ("VOICECOACH_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")
"""The variables naming where voicecoach keeps its files (the first wins over the others)."""


def check_home(env: dict[str, str] | None = None) -> None:
    """VoiceCoachError, in one line naming the variable to fix, when a folder voicecoach keeps
    files in cannot be one: ``VOICECOACH_HOME`` (else an ``XDG_*_HOME`` that is set) names a
    file, or a path through one. Nothing is read or written."""
    env = dict(os.environ) if env is None else env
    named = HOME_VARIABLES[:1] if env.get(HOME_VARIABLES[0]) else HOME_VARIABLES[1:]
    for variable in named:
        value = env.get(variable)
        if not value:
            continue
        path = Path(value).expanduser()
        found = path
        while not os.path.lexists(found) and found.parent != found:
            found = found.parent
        if os.path.lexists(found) and not found.is_dir():
            what = "which is" if found == path else f"but {found} is"
            raise VoiceCoachError(
                f"{variable} is {value}, {what} not a folder: set {variable} to a folder "
                "(it need not exist yet), or unset it"
            )


PROFILE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
"""A profile's name: lower-case letters, digits, ``-`` and ``_``, up to 32 characters."""


RESERVED_PROFILES = frozenset({"default"})
"""Names no profile is made with: `profiles list` shows the journal used without a profile as
"(default)", and the speaker would offer a profile "default" beside it."""


def check_profile(name: str) -> str:
    """``name`` when it can name a profile; UsageError naming what to fix otherwise (the
    lower-case name to use, when that is all that is wrong)."""
    if not PROFILE_NAME.fullmatch(name):
        if PROFILE_NAME.fullmatch(name.lower()):
            raise UsageError(f"profile {name!r}: profile names are lower case; use {name.lower()}")
        raise UsageError(
            f"profile {name!r}: use lower-case letters, digits, - and _ (up to 32 characters)"
        )
    return name


def check_new_profile(name: str) -> str:
    """``name`` when a new profile may be made with it: `check_profile`, and UsageError for a
    name in ``RESERVED_PROFILES``."""
    if check_profile(name) in RESERVED_PROFILES:
        raise UsageError(
            f"profile {name!r}: reserved for the journal used without a profile; "
            "choose another name"
        )
    return name


def private_dir(path: Path) -> Path:
    """Create the folder (and any missing parents, each 0700 whatever the umask); an existing
    one loses group/other bits (never through a symlink). VoiceCoachError when it cannot."""
    try:
        private_folder(path)
    except OSError as exc:
        raise VoiceCoachError(f"{path}: cannot create a private folder ({exc.strerror})") from exc
    return path
