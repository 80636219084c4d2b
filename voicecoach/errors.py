"""The errors voicecoach raises on purpose.

Every error a user can cause or fix is one of these; the CLI catches the base class once,
prints its message on one line and exits 1, or 2 for a UsageError (as for the command-line
parser's own usage errors).

    VoiceCoachError
    ├── UsageError           the command line itself is wrong (options that exclude each other,
    │                        a value of the wrong shape): judged before anything is read
    ├── ConfigError          config.toml is unreadable or holds a wrong value
    ├── AudioDeviceError     no microphone / speaker, or a device vanished
    ├── AudioFileError       a WAV file that cannot be read as audio
    ├── ModelError           a speech model is missing, broken or cannot be fetched
    │   └── VoiceError       a Piper voice is missing, damaged or cannot be loaded
    ├── SessionScriptError   a sessions/*.toml script is malformed, or a topic is unknown
    ├── OutputError          a file to write is a folder, a link to a file, or not writable
    └── JournalError         the journal cannot be opened, read or written
        └── SaveError        a running session cannot save (disk full or read-only)
"""

from __future__ import annotations


class VoiceCoachError(Exception):
    """Base of every error that names something the user can fix."""


class UsageError(VoiceCoachError):
    """The command line cannot be run as given: options that exclude each other, a missing
    choice, a value of the wrong shape (a date, a file suffix). Exit code 2."""


class ConfigError(VoiceCoachError):
    """config.toml cannot be read, or a setting has a value out of its range."""


class AudioDeviceError(VoiceCoachError):
    """A microphone or speaker is missing, busy, or went away.

    ``direction`` is "input" (a microphone), "output" (speakers) or "" (unknown), so the
    command line can say which of its own options does without that device.
    """

    def __init__(self, message: str, direction: str = "") -> None:
        super().__init__(message)
        self.direction = direction


class AudioFileError(VoiceCoachError):
    """A WAV file is missing, unreadable or not audio."""


class ModelError(VoiceCoachError):
    """A speech model is missing, incomplete, or cannot be loaded or fetched."""


class VoiceError(ModelError):
    """A text-to-speech voice (a Piper voice model) is missing, damaged or cannot be loaded."""


class SessionScriptError(VoiceCoachError):
    """A session script is malformed, or the requested topic has no script."""


class JournalError(VoiceCoachError):
    """The journal cannot be opened, read or written."""


class OutputError(VoiceCoachError):
    """A file named for output cannot be written (a folder, a link to a file, no such folder)."""


class SaveError(JournalError):
    """A running session could not save an answer (disk full, read-only, gone).

    Everything saved before it is kept; the session should say so and stop.
    """
