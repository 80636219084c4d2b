"""How a message names a voicecoach command: with the profile of the command being run, so
that the command it names, typed as shown, reads and writes the same journal."""

from __future__ import annotations

_profile: str | None = None
"""The profile of the command being run (--profile or VOICECOACH_PROFILE); None: the default
journal."""


def use_profile(name: str | None) -> None:
    """Name ``--profile NAME`` in every command named from now on (None: no profile)."""
    global _profile
    _profile = name


def command_hint(words: str) -> str:
    """The command ``voicecoach WORDS`` as a message names it, in backticks:
    ``"`voicecoach show ID`"``, or ``"`voicecoach --profile pat show ID`"`` while profile pat
    is in use."""
    profile = "" if _profile is None else f"--profile {_profile} "
    return f"`voicecoach {profile}{words}`"
