"""config.toml → typed settings.

Every problem in the file is collected first and reported in one error, each naming the file,
the dotted key, what was expected and what was found.
"""

from __future__ import annotations

import codecs
import json
import math
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from voicecoach.errors import ConfigError, VoiceCoachError


def _num(low: float, high: float) -> dict[str, Any]:
    return {"range": (low, high)}


def _choice(*allowed: str) -> dict[str, Any]:
    return {"choices": allowed}


def _pattern(regex: str, expected: str) -> dict[str, Any]:
    return {"pattern": (regex, expected)}


def _at_least_one(item: str) -> dict[str, Any]:
    """A list that may not be empty; ``item`` names what it holds ("phrase")."""
    return {"at_least_one": item}


TIME_OF_DAY = r"([01]\d|2[0-3]):[0-5]\d"
"""A time of day as HH:MM (24 hours)."""

LANGUAGES = ("en", "ko")
"""The languages a coach speaks: each has its voice commands and short replies
(`voicecoach.coach.intents.BUILT_IN`). coach.language is one, or one with a region ("en-gb")."""
LANGUAGE = rf"({'|'.join(LANGUAGES)})(-[a-z0-9]+)*"
LANGUAGE_EXPECTED = (
    " or ".join(f'"{code}"' for code in LANGUAGES) + ', or one with a region ("en-gb")'
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Day names for [reminder] days, Monday first (as datetime.weekday() counts)."""


@dataclass(frozen=True)
class CoachSettings:
    """How the coach speaks."""

    topic: str = "patience"
    language: str = field(default="en", metadata=_pattern(LANGUAGE, LANGUAGE_EXPECTED))
    """The language of the voice commands, the speech model `auto` looks for and the voice."""
    voice_engine: str = field(default="auto", metadata=_choice("auto", "piper", "pyttsx3"))
    """"auto": a Piper voice when one is installed, else pyttsx3 (espeak-ng)."""
    voice: str = ""
    """A Piper voice name, or a pyttsx3 voice id or name ("" = picked by language)."""
    rate: int = field(default=160, metadata=_num(80, 300))
    volume: float = field(default=1.0, metadata=_num(0.0, 1.0))
    mood_checkin: bool = True
    """Ask "from one to ten, how are you feeling?" at the start and at the end."""
    rate_step: int = field(default=25, metadata=_num(5, 100))
    """Words per minute "slower" / "faster" change the speaking rate by."""
    pause_s: float = field(default=0.6, metadata=_num(0.0, 5.0))
    """Seconds of silence between two of the coach's lines."""
    question_pause_s: float = field(default=1.0, metadata=_num(0.0, 5.0))
    """Seconds of silence before a question that asks for reflection."""


SPEAK_UP_DBFS = -50.0
"""The default ``[listen] speak_up_dbfs``: an answer quieter than this was too soft to be heard
well, and the coach asks once to come closer or speak up.

Measured here as the listener measures an answer (``Final.level``: RMS over the 100 ms frames
the voice detector took for the person's speech), each answer through the session's listener
and PocketSphinx, at its own level and turned down (``benchmarks/bench_speech_level.py``);
level in dBFS, lowest to highest, and the word error rate of what was heard:

=============================  ===============  ===============  ===============  ==============
speech                         as recorded      -20 dB           -30 dB           -36 dB
=============================  ===============  ===============  ===============  ==============
festival slt answers (23)      -19.4…-14.0 .07  -39.3…-34.0 .08  -49.6…-44.0 .13  -54.9…-49.6 .29
LibriVox read speech (5)       -26.3…-21.8 .31  -45.9…-41.7 .38  -55.0…-51.2 .62  -57.7…-55.1 .75
a new user's spoken answer     -24.6            -44.3            -53.9            -59.5
=============================  ===============  ===============  ===============  ==============

The voice detector alone gives the same levels for all 136 festival fixtures (-21.6 … -12.3
as recorded), five espeak-ng voices (-21.4 … -17.7) and pocketsphinx's real "cards" speech
(-19.4 … -13.0). Ordinary speech sits at -26 to -12 dBFS, and even 20 dB softer (a quiet
voice, a microphone across the room) at -46 or louder, still heard nearly as well: -50 leaves
4 dB below the softest of those. Under -50 the words fall apart (LibriVox 30 dB down: 0.62
against 0.31); the new user's answer 36 dB down, half heard, measures -59.5. 45 dB down,
almost every frame is under the detector's -62 dBFS floor: nothing is heard, and nothing can
be asked (17 of 23 festival answers and every LibriVox clip gave no words).
"""


@dataclass(frozen=True)
class ListenSettings:
    """How the coach listens; all times in seconds of audio."""

    end_silence_s: float = field(default=2.0, metadata=_num(0.3, 30.0))
    no_answer_s: float = field(default=12.0, metadata=_num(1.0, 600.0))
    max_answer_s: float = field(default=180.0, metadata=_num(5.0, 3600.0))
    gate_tail_s: float = field(default=0.4, metadata=_num(0.0, 5.0))
    vad_mode: int = field(default=2, metadata=_num(0, 3))
    thinking_pause_s: float = field(default=5.0, metadata=_num(0.3, 60.0))
    """Silence that ends an answer whose last word announces more ("and", "because", "um")."""
    cap_grace_s: float = field(default=10.0, metadata=_num(0.0, 120.0))
    """Past max_answer_s, time a person still speaking gets to finish the sentence."""
    reprompts: int = field(default=1, metadata=_num(0, 3))
    """Gentle reprompts after no answer, before the coach moves on."""
    quiet_questions: int = field(default=2, metadata=_num(0, 20))
    """Questions in a row left with no answer at all (each asked again first) after which the
    session ends, as someone who stepped away would want (0 = never)."""
    speak_up_dbfs: float = field(default=SPEAK_UP_DBFS, metadata=_num(-90.0, -30.0))
    """An answer whose speech is quieter than this (RMS dBFS over its voiced frames) gets the
    coach's one request to come closer or speak up (-70 or lower: never; the voice detector
    hears nothing below -62). Why this default: ``SPEAK_UP_DBFS``."""
    pause_wait_s: float = field(default=300.0, metadata=_num(10.0, 3600.0))
    """While paused, how long the coach waits for "continue" before ending the session."""


@dataclass(frozen=True)
class SpeechSettings:
    """Which recogniser hears the answers."""

    engine: str = field(default="auto", metadata=_choice("auto", "vosk", "pocketsphinx"))
    model: str = ""
    second_decode: bool = True


@dataclass(frozen=True)
class AudioSettings:
    """Sound devices."""

    input_device: str = ""
    output_device: str = ""
    retry_every_s: float = field(default=2.0, metadata=_num(0.1, 60.0))
    """When a device goes away: wall-clock seconds between two tries to open it again."""
    give_up_s: float = field(default=600.0, metadata=_num(0.0, 86400.0))
    """When a device goes away: a session ends (answers kept) after this many seconds."""


@dataclass(frozen=True)
class WakeSettings:
    """Always-on mode (`voicecoach listen`): what wakes the coach; times in seconds of audio."""

    phrases: tuple[str, ...] = field(
        default=("hey coach", "let's reflect"), metadata=_at_least_one("phrase")
    )
    """What wakes the coach by voice (the button and the invitation wake it too); never empty."""
    threshold: float = field(default=1e-20, metadata=_num(1e-80, 1.0))
    """PocketSphinx keyphrase threshold: smaller hears the phrase more easily (and wrongly)."""
    min_confidence: float = field(default=0.6, metadata=_num(0.0, 1.0))
    """Vosk: lowest word confidence accepted for a wake phrase."""
    max_phrase_s: float = field(default=3.0, metadata=_num(0.5, 10.0))
    """A wake phrase is said on its own: longer stretches of speech are not searched."""
    reply_s: float = field(default=8.0, metadata=_num(2.0, 60.0))
    """How long to wait for the choice of practice, or a yes / not now."""
    cue: str = field(default="tone", metadata=_choice("tone", "voice", "none"))
    """How "I'm listening" and "done" are marked: a short tone, a spoken word, or nothing."""


@dataclass(frozen=True)
class ReminderSettings:
    """The daily invitation of `voicecoach listen` (wall-clock times of day)."""

    time: str = field(default="", metadata=_pattern(f"|{TIME_OF_DAY}", '"HH:MM" or ""'))
    days: tuple[str, ...] = field(default=WEEKDAYS, metadata=_choice(*WEEKDAYS))
    window_minutes: int = field(default=60, metadata=_num(1, 720))
    snooze_minutes: int = field(default=10, metadata=_num(1, 240))
    max_snoozes: int = field(default=1, metadata=_num(0, 5))
    quiet_start: str = field(default="22:00", metadata=_pattern(f"|{TIME_OF_DAY}", '"HH:MM" or ""'))
    quiet_end: str = field(default="08:00", metadata=_pattern(f"|{TIME_OF_DAY}", '"HH:MM" or ""'))
    skip_if_done_today: bool = True


@dataclass(frozen=True)
class GpioSettings:
    """A push button and an LED on a Raspberry Pi's GPIO header (BCM numbers; -1 = none)."""

    enabled: bool = False
    button_pin: int = field(default=17, metadata=_num(-1, 27))
    led_pin: int = field(default=27, metadata=_num(-1, 27))


@dataclass(frozen=True)
class ModelsSettings:
    """Where speech models are fetched from (only when you run `voicecoach models pull`)."""

    catalog_url: str = "https://alphacephei.com/vosk/models/model-list.json"
    timeout_s: float = field(default=30.0, metadata=_num(0.1, 600.0))


@dataclass(frozen=True)
class VoicesSettings:
    """Where Piper voices are fetched from (only when you run `voicecoach voices pull`)."""

    catalog_url: str = "https://huggingface.co/rhasspy/piper-voices/resolve/v1.0.0/voices.json"
    timeout_s: float = field(default=30.0, metadata=_num(0.1, 600.0))


@dataclass(frozen=True)
class JournalSettings:
    """What the journal keeps, and for how long."""

    keep_days: int = field(default=0, metadata=_num(0, 36500))
    save_audio: bool = False
    readable_last_step: bool = False
    """With an encrypted journal: keep the step named in each practice's last session readable
    (journal/last-steps.json), so the next session can look back at it unattended."""


@dataclass(frozen=True)
class CommandSettings:
    """Voice commands; phrase lists replace the built-in phrases of the coach's language."""

    min_agreement: float = field(default=0.45, metadata=_num(0.0, 1.0))
    """How closely the transcript must sound like the phrase the command grammar heard."""
    max_command_s: float = field(default=3.0, metadata=_num(0.5, 10.0))
    """Longer utterances are answers, never commands."""
    repeat: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    pause: tuple[str, ...] = ()
    resume: tuple[str, ...] = ()
    stop: tuple[str, ...] = ()
    help: tuple[str, ...] = ()
    slower: tuple[str, ...] = ()
    faster: tuple[str, ...] = ()
    forget: tuple[str, ...] = ()
    private: tuple[str, ...] = ()


DEFAULT_CRISIS_RESOURCES = (
    "If you are in danger or thinking about harming yourself, please call your local "
    "emergency number now. In the United States you can call or text 9 8 8, the Suicide and "
    "Crisis Lifeline, at any hour."
)


@dataclass(frozen=True)
class SafetySettings:
    """What the coach says when an answer speaks of self-harm or danger."""

    resources: str = field(
        default=DEFAULT_CRISIS_RESOURCES, metadata=_pattern(r"(?s).*\S.*", "a non-empty text")
    )
    """Crisis resources, said after "I am not a crisis service"."""


@dataclass(frozen=True)
class Settings:
    """All settings, one section per table of config.toml."""

    coach: CoachSettings = field(default_factory=CoachSettings)
    listen: ListenSettings = field(default_factory=ListenSettings)
    speech: SpeechSettings = field(default_factory=SpeechSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    models: ModelsSettings = field(default_factory=ModelsSettings)
    voices: VoicesSettings = field(default_factory=VoicesSettings)
    wake: WakeSettings = field(default_factory=WakeSettings)
    reminder: ReminderSettings = field(default_factory=ReminderSettings)
    gpio: GpioSettings = field(default_factory=GpioSettings)
    journal: JournalSettings = field(default_factory=JournalSettings)
    commands: CommandSettings = field(default_factory=CommandSettings)
    safety: SafetySettings = field(default_factory=SafetySettings)


def read_toml(path: Path, error: type[VoiceCoachError] = ConfigError) -> dict[str, Any]:
    """A UTF-8 TOML file as a dict; ``error`` (one line naming the file and the problem) if not.

    A byte-order mark and bytes that are not UTF-8 are named as such, with where they are.
    """
    try:
        data = path.read_bytes()
    except IsADirectoryError as exc:
        raise error(f"{path}: is a folder, not a TOML file") from exc
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror})") from exc
    if data.startswith(codecs.BOM_UTF8):
        raise error(f"{path}: starts with a byte-order mark (BOM); save it as UTF-8 without one")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(
            f"{path}: line {line}: byte {data[exc.start]:#04x} is not UTF-8; save it as UTF-8"
        ) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from exc
    except RecursionError as exc:
        raise error(f"{path}: not valid TOML: nested too deeply") from exc


_PLACES: dict[str, str] = {}
"""Dotted key → where the settings last loaded set it: ``PATH`` and its line (a profile's own
file for the keys it sets), for `config_error`."""
_FILE: list[str] = ["config.toml"]
"""The config file of the settings last loaded (where a key left at its default would go)."""


def config_error(key: str, problem: str) -> ConfigError:
    """A ConfigError about setting ``key`` (dotted, e.g. "coach.voice") found wrong only when
    used (a voice the system lacks, a word the recogniser does not know): it names the file
    and the line that set it, as the errors of `load_settings` do."""
    place = _PLACES.get(key)
    if place is None:
        return ConfigError(f"{_FILE[0]}: {key}: {problem}")
    path, line = place.rsplit(":", 1)
    return ConfigError(f"{path}: {key}: {problem} (line {line})")


def setting_place(key: str) -> str:
    """Where the settings last loaded set ``key`` (dotted): ``in PATH, line N``; for a key left
    at its default, ``its default; it goes in PATH`` (the config file, which may not exist
    yet)."""
    place = _PLACES.get(key)
    if place is None:
        return f"its default; it goes in {_FILE[0]}"
    path, line = place.rsplit(":", 1)
    return f"in {path}, line {line}"


def _remember(path: Path | None, overlay: Path | None) -> None:
    _PLACES.clear()
    _FILE[0] = str(path) if path is not None else "config.toml"
    for source in (path, overlay):
        if source is not None and source.exists():
            _PLACES.update({k: f"{source}:{n}" for k, n in key_lines(source).items()})


def load_settings(
    path: Path | None,
    required: bool = False,
    overlay: Path | None = None,
    leave_out: frozenset[str] = frozenset(),
) -> Settings:
    """Read a config.toml over the defaults (a missing file gives them; with ``required``, a
    file named with --config, it is a ConfigError), then ``overlay`` (a profile's own
    config.toml, if it exists) over it key by key, its mistakes named in it. The sections named
    in ``leave_out`` are not read: they keep their defaults."""
    doc: dict[str, Any] = {}
    if path is not None and path.exists():
        doc = _without(read_toml(path), leave_out)
    elif path is not None and required:
        raise ConfigError(f"{path}: no such config file")
    if overlay is not None and overlay.exists():
        own = _without(read_toml(overlay), leave_out)
        settings_from_doc(own, source=str(overlay), lines=key_lines(overlay))
        for name, table in own.items():  # a table of the overlay's is merged into the shared one
            base = doc.get(name)
            doc[name] = {**base, **table} if isinstance(base, dict) else table
    if path is None or not doc:
        found = settings_from_doc(doc)
    else:
        found = settings_from_doc(doc, source=str(path), lines=key_lines(path))
    _remember(path, overlay)
    return found


def _without(doc: dict[str, Any], sections: frozenset[str]) -> dict[str, Any]:
    return {name: table for name, table in doc.items() if name not in sections}


def load_settings_apart(
    path: Path | None, required: bool, overlay: Path | None, apart: frozenset[str]
) -> tuple[Settings, str | None]:
    """Settings (as `load_settings` reads them) for a command that never uses the sections
    ``apart`` (`models list` and the journal's): a problem found only in those is returned as
    one line, those sections left at their defaults; any other problem is the ConfigError
    `load_settings` raises, naming every problem. ``None``: the file is fine."""
    try:
        return load_settings(path, required, overlay), None
    except ConfigError as exc:
        problem = exc
    try:
        return load_settings(path, required, overlay, leave_out=apart), str(problem)
    except ConfigError:
        raise problem from None


def load_settings_for_reading(path: Path) -> tuple[Settings, str | None]:
    """Settings for commands that only read the journal, and what is wrong with the file.

    A section with a problem (or every section, when the file cannot be read as TOML) is left
    at its defaults instead of stopping the command; the problem comes back as one line
    (``None`` when the file is fine). The defaults never erase anything (``keep_days = 0``).
    """
    try:
        return load_settings(path), None
    except ConfigError as exc:
        problem = str(exc)
    try:
        doc = read_toml(path)
    except ConfigError:
        return Settings(), problem
    good: dict[str, Any] = {}
    for name, table in doc.items():
        try:
            good[name] = getattr(settings_from_doc({name: table}), name)
        except (ConfigError, AttributeError):
            continue
    return replace(Settings(), **good), problem


def key_lines(path: Path) -> dict[str, int]:
    """``"section.key"`` → its 1-based line in a TOML file, for error messages ({} if unread)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    found: dict[str, int] = {}
    section = ""
    for number, line in enumerate(text.splitlines(), 1):
        header = re.fullmatch(r"\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?", line)
        if header:
            section = header.group(1).strip().strip("\"'")
            found.setdefault(section, number)
            continue
        key = re.match(r"\s*[\"']?([A-Za-z0-9_-]+)[\"']?\s*=", line)
        if key:
            found.setdefault(f"{section}.{key.group(1)}" if section else key.group(1), number)
    return found


def settings_from_doc(
    doc: dict[str, Any], source: str = "config.toml", lines: dict[str, int] | None = None
) -> Settings:
    """Validate a parsed TOML document; raise one ConfigError listing every problem, each
    naming ``source``, the dotted key, what was expected and what was found, and its line
    when ``lines`` (from `key_lines`) knows it."""
    problems: list[str] = []
    sections: dict[str, Any] = {}
    defaults = Settings()
    known = {f.name: f for f in fields(Settings)}
    for name, value in doc.items():
        if name not in known:
            problems.append(f"{source}: {name}: unknown section (expected one of {_names(known)})")
        elif not isinstance(value, dict):
            problems.append(f"{source}: {name}: expected a table, got {toml_value(value)}")
    for name in known:
        table = doc.get(name, {})
        if isinstance(table, dict):
            sections[name] = _section(getattr(defaults, name), table, f"{source}: {name}", problems)
    if problems:
        raise ConfigError("; ".join(_with_line(p, source, lines or {}) for p in problems))
    return replace(defaults, **sections)


def _with_line(problem: str, source: str, lines: dict[str, int]) -> str:
    """``problem`` with `` (line N)`` after it when the key it names is found in the file."""
    key = problem.removeprefix(f"{source}: ").split(":", 1)[0]
    return f"{problem} (line {lines[key]})" if key in lines else problem


def _section(default: Any, table: dict[str, Any], where: str, problems: list[str]) -> Any:
    known = {f.name: f for f in fields(default)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        spec = known.get(key)
        if spec is None:
            problems.append(f"{where}.{key}: unknown key (expected one of {_names(known)})")
            continue
        try:
            values[key] = _check(value, type(getattr(default, key)), spec.metadata)
        except _Invalid as exc:
            problems.append(f"{where}.{key}: {exc}")
    return replace(default, **values)


class _Invalid(ValueError):
    """A value that does not fit its key; the message says what was expected."""


def _check(value: Any, kind: type, meta: Any) -> Any:
    """Return the value converted to kind, or raise _Invalid saying what was expected."""
    wrong = _Invalid(f"expected {_kind_name(kind)}, got {toml_value(value)}")
    if kind is bool or isinstance(value, bool):
        if kind is not bool or not isinstance(value, bool):
            raise wrong
        return value
    if kind in (int, float):
        if not isinstance(value, int | float) or (kind is int and not isinstance(value, int)):
            raise wrong
        low, high = meta.get("range", (None, None))
        if low is not None and not low <= value <= high:
            raise _Invalid(
                f"expected {_kind_name(kind)} from {low} to {high}, got {toml_value(value)}"
            )
        return kind(value)
    choices = meta.get("choices")
    if kind is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise _Invalid(f"expected a list of non-empty strings, got {toml_value(value)}")
        if not value and meta.get("at_least_one"):
            raise _Invalid(f"expected a list of at least one {meta['at_least_one']}, got []")
        for item in value:
            if choices and item not in choices:
                raise _Invalid(f"expected items from {_listed(choices)}, got {toml_value(item)}")
        return tuple(item.strip() for item in value)
    if not isinstance(value, str):
        raise wrong
    if choices and value not in choices:
        raise _Invalid(f"expected one of {_listed(choices)}, got {toml_value(value)}")
    pattern = meta.get("pattern")
    if pattern and not re.fullmatch(pattern[0], value):
        raise _Invalid(f"expected {pattern[1]}, got {toml_value(value)}")
    return value


def toml_value(value: Any) -> str:
    """A value as it is written in a TOML file (``true``, ``"long"``, ``[1, 2]``, ``nan``), for
    messages about config.toml."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inside = ", ".join(f"{_toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + inside + " }" if inside else "{}"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _listed(choices: Any) -> str:
    return ", ".join(map(toml_value, choices))


def _kind_name(kind: type) -> str:
    names = {int: "a whole number", float: "a number", bool: "true or false", tuple: "a list"}
    return names.get(kind, "a string")


def _names(known: dict[str, Any]) -> str:
    return ", ".join(known)
