"""The seam every private part of the journal goes through: what was said, moods, word indexes.

A codec turns a JSON object into the JSON value stored on disk (``seal``) and back (``unseal``).
Each stored unit names its codec (``"codec": "plain"``), so a journal may hold units written
with different codecs while it is being migrated. ``plain`` stores the object as it is; an
encrypting codec stores a string of ciphertext instead, with the same calls.
"""

from __future__ import annotations

from typing import Any, Protocol

from voicecoach.errors import JournalError


class JournalLocked(JournalError):
    """Sealed content was asked for without the passphrase."""


class DamagedContent(ValueError):
    """A stored unit cannot be read; the message says what is wrong in a few words, and holds
    nothing the person said (it may be shown and logged)."""


class Codec(Protocol):
    """Seals and unseals the private part of a stored unit."""

    name: str
    """What the unit says in its ``"codec"`` key."""

    @property
    def unlocked(self) -> bool:
        """True when this codec can unseal (an encrypting one needs its secret for that)."""
        ...

    def seal(self, content: dict[str, Any]) -> Any:
        """The JSON value stored for ``content``."""
        ...

    def unseal(self, stored: Any) -> dict[str, Any]:
        """``content`` back; ValueError when ``stored`` cannot be one."""
        ...


class PlainCodec:
    """Stores the content as readable JSON (the journal is private by its file modes only)."""

    name = "plain"
    unlocked = True

    def seal(self, content: dict[str, Any]) -> Any:
        return content

    def unseal(self, stored: Any) -> dict[str, Any]:
        if not isinstance(stored, dict):
            raise DamagedContent("its content is not a JSON object")
        return stored


PLAIN = PlainCodec()
"""The codec of an unencrypted journal."""

_CODECS: dict[str, Codec] = {PLAIN.name: PLAIN}


def register(codec: Codec) -> None:
    """Make ``codec`` readable by name (an encrypting codec registers once it is unlocked)."""
    _CODECS[codec.name] = codec


def codec_named(name: object) -> Codec:
    """The codec a stored unit names; JournalError when it is unknown or locked."""
    codec = _CODECS.get(name) if isinstance(name, str) else None
    if codec is None:
        raise JournalError(f"journal content sealed with {name!r} cannot be opened here")
    return codec
