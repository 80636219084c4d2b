"""`voicecoach doctor`: what works on this machine, and what to do about what does not.

Each check gives one line: ok, warn (works, but could be better) or problem, with the fix.
Checks never raise; nothing here touches the network. The voice is loaded and timed on one
line (its real-time factor); the chosen Vosk model is loaded once, in a process of its own with
a time and memory bound (speech/probe.py), so a model that has the right files but does not
work is reported here. A check marked essential is needed for a spoken session (microphone,
speakers, voice, speech engine, settings, data folder, disk); the command exits non-zero when
one of those has a problem.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from voicecoach.config import Settings, load_settings
from voicecoach.errors import VoiceCoachError
from voicecoach.files import read_only_mount
from voicecoach.hinting import command_hint
from voicecoach.paths import Paths

LOW_DISK = 200 * 1000 * 1000
"""Below this much free space a model download may not fit (warn)."""
NO_DISK = 10 * 1000 * 1000
"""Below this much free space the journal cannot grow safely (problem)."""
NO_DEVICE_FIX = "plug in a {what} (USB ones work on a Raspberry Pi; `{tool}` should list it){extra}"


class Severity(Enum):
    """How a check came out: fine, worth knowing, or in the way of a spoken session."""

    OK = "ok"
    WARN = "warn"
    PROBLEM = "problem"


@dataclass(frozen=True)
class Check:
    """The result of one check."""

    area: str
    """What was checked ("microphone", "speech engine", …)."""
    status: Severity
    detail: str
    """What was found."""
    fix: str = ""
    """What to do about it ("" when nothing)."""
    essential: bool = True
    """A problem here stops a spoken session."""

    def to_record(self) -> dict[str, object]:
        return {
            "area": self.area,
            "status": self.status.value,
            "detail": self.detail,
            "fix": self.fix,
            "essential": self.essential,
        }


@dataclass(frozen=True)
class Context:
    """What the checks look at."""

    paths: Paths
    settings: Settings
    models_dirs: list[Path]
    active_model: str


def check_config(paths: Paths, config: Path | None) -> tuple[Check, Settings]:
    """The settings a session of this profile reads: ``config`` (else config.toml), with the
    profile's own file over it, as `voicecoach.cli.app.settings` loads them."""
    file = config if config is not None else paths.config_file
    own = paths.profile_config
    try:
        settings = load_settings(file, overlay=own)
    except VoiceCoachError as exc:
        fix = (
            f"edit {own}" if own is not None and str(exc).startswith(f"{own}:") else f"edit {file}"
        )
        return Check("settings", Severity.PROBLEM, str(exc), fix), Settings()
    found = str(file) if file.exists() else f"defaults (no {file})"
    if own is not None and own.exists():
        found = f"{found}, then {own}"
    return Check("settings", Severity.OK, found), settings


def _sounddevice() -> Any:
    from voicecoach.audio.devices import sounddevice

    return sounddevice()


def check_portaudio(ctx: Context) -> Check:
    sd = _sounddevice()
    return Check("PortAudio", Severity.OK, sd.get_portaudio_version()[1])


def _device_check(ctx: Context, kind: str) -> Check:
    from voicecoach.audio.devices import device_arg

    area = "microphone" if kind == "input" else "speakers"
    setting = (
        ctx.settings.audio.input_device if kind == "input" else ctx.settings.audio.output_device
    )
    key = f"audio.{kind}_device"
    sd = _sounddevice()
    channels = f"max_{kind}_channels"
    present = [str(d["name"]) for d in sd.query_devices() if d[channels] > 0]
    try:
        info = sd.query_devices(device_arg(setting), kind)
    except (ValueError, sd.PortAudioError):
        info = None
    if info is not None:
        rate = int(info["default_samplerate"])
        return Check(area, Severity.OK, f"{info['name']} ({rate} Hz)")
    if not present:
        what, tool = ("microphone", "arecord -l") if kind == "input" else ("speaker", "aplay -l")
        extra = (
            "; until then sessions run from recordings: --answers A.wav … or --mic-file"
            if kind == "input"
            else "; until then --speaker-file FILE.wav writes what the coach says"
        )
        return Check(
            area,
            Severity.PROBLEM,
            f"no {kind} sound device found (PortAudio sees no {what})",
            NO_DEVICE_FIX.format(what=what, tool=tool, extra=extra),
        )
    if setting:
        return Check(
            area,
            Severity.PROBLEM,
            f"config {key} = {setting!r} is not a {kind} device here",
            f'set {key} to one of: {", ".join(present[:6])} (or "" for the default)',
        )
    return Check(
        area,
        Severity.PROBLEM,
        f"no default {kind} device (present: {', '.join(present[:6])})",
        f"set {key} in config.toml to one of them",
    )


def check_microphone(ctx: Context) -> Check:
    return _device_check(ctx, "input")


def check_speakers(ctx: Context) -> Check:
    return _device_check(ctx, "output")


RTF_LINE = "Let's take a few quiet minutes together. There are no right answers."
"""What doctor renders to time the voice (about four seconds of speech)."""


def check_voice(ctx: Context) -> Check:
    """The voice engine and voice the settings choose, and how fast it renders here."""
    from voicecoach.speech.tts.choose import open_voice
    from voicecoach.speech.tts.espeak import espeak_voices, voices_for_language
    from voicecoach.speech.tts.voices import voices_dirs

    coach = ctx.settings.coach
    with tempfile.TemporaryDirectory(prefix="voicecoach-doctor-") as scratch:
        choice = open_voice(coach, Path(scratch), voices_dirs(ctx.paths))
        tts = choice.tts
        tts.check_voice()
        tts.render("Hello.")  # the first render of a process warms the engine up
        started = time.perf_counter()
        pcm = tts.render(RTF_LINE)
        took = time.perf_counter() - started
    if not pcm:
        return Check(
            "voice",
            Severity.PROBLEM,
            f"{tts.label} rendered no sound",
            "sudo apt-get install espeak-ng",
        )
    audio_s = len(pcm) / 2 / 16000
    rtf = took / audio_s
    speed = f"renders at {rtf:.2f}× real time ({audio_s:.1f} s of speech in {took:.2f} s)"
    detail = f"{tts.label}; {speed}"
    if choice.fell_back:
        return Check(
            "voice",
            Severity.WARN,
            f"{choice.reason}; {speed}",
            f"see {command_hint('voices list')}: remove the voice and pull or add it again",
            essential=False,
        )
    if rtf > 1.0:
        return Check(
            "voice",
            Severity.WARN,
            f"{detail}: slower than speech, so a new line keeps the listener waiting",
            f"choose a low or x_low Piper voice ({command_hint('voices list --available')}), or "
            'coach.voice_engine = "pyttsx3"',
            essential=False,
        )
    if tts.engine == "pyttsx3" and not voices_for_language(espeak_voices(), coach.language):
        return Check(
            "voice",
            Severity.WARN,
            f"speech renders, but no espeak-ng voice for {coach.language!r}; {speed}",
            "install a voice for the language, or set coach.voice",
            essential=False,
        )
    return Check("voice", Severity.OK, detail)


def _adapt_hint() -> str:
    """How to adapt PocketSphinx to the person's voice: ``models adapt``, after installing
    SphinxTrain's tools where they are missing."""
    from voicecoach.speech.adapt import missing_packages

    hint = f"{command_hint('models adapt')} for your voice"
    missing = missing_packages()
    return f"sudo apt install {' '.join(missing)}, then {hint}" if missing else hint


def check_engine(ctx: Context) -> Check:
    from voicecoach.speech.adapt import is_adapted
    from voicecoach.speech.engines import choose_engine
    from voicecoach.speech.models import folder_missing_parts

    speech = ctx.settings.speech
    choice = choose_engine(
        speech.engine,
        speech.model,
        ctx.settings.coach.language,
        ctx.models_dirs,
        active=ctx.active_model,
        adapted=ctx.paths.voice_model if is_adapted(ctx.paths.voice_model) else None,
    )
    language = ctx.settings.coach.language
    mismatch = choice.mismatch(language)
    if mismatch is not None:
        return Check("speech engine", Severity.PROBLEM, mismatch, _language_fix(choice, speech))
    if choice.engine == "pocketsphinx":
        import pocketsphinx  # noqa: F401  (the fallback must at least import)

        if speech.engine == "pocketsphinx":
            return Check("speech engine", Severity.OK, choice.reason)
        return Check(
            "speech engine",
            Severity.WARN,
            choice.reason,
            f"{command_hint('models pull')} (online) or {command_hint('models add FILE.zip')} "
            "(offline) for a Vosk model, which hears much better"
            + ("" if choice.model else f", or {_adapt_hint()}"),
        )
    import vosk  # noqa: F401

    model_dir = choice.model
    if model_dir is not None and not model_dir.is_dir():
        return Check(
            "speech engine",
            Severity.PROBLEM,
            f"{choice.reason}: no such folder",
            f"fix speech.model in config.toml, or see {command_hint('models list')}",
        )
    if model_dir is None or folder_missing_parts(model_dir):
        missing = ", ".join(folder_missing_parts(model_dir)) if model_dir else "no folder"
        return Check(
            "speech engine",
            Severity.PROBLEM,
            f"{choice.reason}: the model is incomplete ({missing})",
            f"{command_hint('models remove NAME')} and pull or add it again",
        )
    from voicecoach.errors import ModelError
    from voicecoach.speech.probe import probe_model

    try:
        report = probe_model(model_dir, model_dir.name)
    except ModelError as exc:
        return Check(
            "speech engine",
            Severity.PROBLEM,
            f"{choice.reason}: {exc}",
            f"{command_hint('models remove NAME')} and pull or add it again",
        )
    loaded = f"loads in {report.get('load_s')} s, +{report.get('rss_growth_mb')} MB"
    return Check("speech engine", Severity.OK, f"{choice.reason}; {loaded}")


def _language_fix(choice: Any, speech: Any) -> str:
    """How to make the engine hear the coach's language (``choice`` an ``EngineChoice`` in
    another language: PocketSphinx's English, speech.model, else the active model): undo what
    chose it, or change coach.language."""
    also = f'or set coach.language = "{choice.language.split("-")[0]}"'
    if choice.engine == "pocketsphinx":
        if speech.engine == "pocketsphinx":
            return f'set speech.engine = "auto" and add a Vosk model of the language, {also}'
        return (
            f"add a Vosk model of the language ({command_hint('models list --available')}), {also}"
        )
    if speech.model:
        return f"set speech.model to a model of the language, {also}"
    return f"{command_hint('models use --clear')} (or use a model of the language), {also}"


def _existing_ancestor(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_data_folder(ctx: Context) -> Check:
    data = ctx.paths.data
    if not data.exists():
        parent = _existing_ancestor(data)
        if os.access(parent, os.W_OK | os.X_OK):
            return Check("data folder", Severity.OK, f"{data} (made at the first session)")
        return Check(
            "data folder",
            Severity.PROBLEM,
            f"{data} cannot be made: {parent} is not writable",
            "set VOICECOACH_HOME to a folder you own",
        )
    if data.is_dir() and read_only_mount(data):
        return Check(
            "data folder",
            Severity.PROBLEM,
            f"{data} is on a disk mounted read-only",
            "mount it read-write, or set VOICECOACH_HOME to a folder on a writable disk",
        )
    if not data.is_dir() or not os.access(data, os.W_OK | os.X_OK):
        return Check(
            "data folder",
            Severity.PROBLEM,
            f"{data} is not a writable folder",
            f"sudo chown -R $USER {data}",
        )
    loose = [
        p
        for p in (data, ctx.paths.journal)
        if p.exists() and stat.S_IMODE(p.stat().st_mode) & 0o077
    ]
    if loose:
        return Check(
            "data folder",
            Severity.WARN,
            f"{', '.join(map(str, loose))} can be read by other users",
            f"chmod 700 {' '.join(map(str, loose))}",
            essential=False,
        )
    return Check("data folder", Severity.OK, f"{data} (owner only)")


def check_disk(ctx: Context) -> Check:
    where = _existing_ancestor(ctx.paths.data)
    free = shutil.disk_usage(where).free
    text = f"{free / 1e9:.1f} GB free on {where}"
    if free < NO_DISK:
        return Check("disk", Severity.PROBLEM, text, "free some space: the journal needs room")
    if free < LOW_DISK:
        return Check(
            "disk",
            Severity.WARN,
            text,
            "a speech model needs ~150 MB while installing; free some space",
            essential=False,
        )
    return Check("disk", Severity.OK, text, essential=False)


def check_echo(ctx: Context) -> Check:
    """The echo path: the sound system's echo cancellation on or off, and the output latency
    measured on the speakers. The coach's own echo check always runs; with the sound system's
    canceller on, commands said over the coach are often missed (``audio/echo_path.py``)."""
    from voicecoach.audio.echo_path import AEC_OFFER, AEC_TRADE, probe

    audio = ctx.settings.audio
    path = probe(audio.output_device, audio.input_device)
    latency = (
        "no output"
        if path.output_latency_s is None
        else (f"output latency {path.output_latency_s * 1000:.0f} ms")
    )
    if path.default_source_cancels:
        detail = f"echo cancellation on in the sound system; {latency}"
        fix = (
            f"{AEC_TRADE}; the coach's own echo check works without it: "
            "set [audio] input_device to the plain microphone"
        )
        return Check("echo", Severity.OK, detail, fix, essential=False)
    if path.cancelling:
        detail = f"echo cancellation loaded but not the microphone used; {latency}"
        return Check("echo", Severity.OK, detail, AEC_OFFER, essential=False)
    detail = f"the coach's own echo check (sound system's echo cancellation off); {latency}"
    return Check("echo", Severity.OK, detail, AEC_OFFER, essential=False)


def check_wake(ctx: Context) -> Check:
    """The wake phrases of `listen`: a short one is heard in other speech (warn)."""
    from voicecoach.config import setting_place, toml_value
    from voicecoach.speech.syllables import ADVICE, described, short_wake_phrases

    phrases = ctx.settings.wake.phrases
    short = short_wake_phrases(phrases)
    if short:
        fix = f"{ADVICE}: change wake.phrases ({setting_place('wake.phrases').removeprefix('in ')})"
        return Check("wake phrase", Severity.WARN, described(short), fix, essential=False)
    listed = ", ".join(map(toml_value, phrases))
    return Check("wake phrase", Severity.OK, listed, essential=False)


CHECKS: tuple[tuple[str, Callable[[Context], Check]], ...] = (
    ("PortAudio", check_portaudio),
    ("microphone", check_microphone),
    ("speakers", check_speakers),
    ("echo", check_echo),
    ("voice", check_voice),
    ("speech engine", check_engine),
    ("data folder", check_data_folder),
    ("disk", check_disk),
    ("wake phrase", check_wake),
)


def run_checks(paths: Paths, config: Path | None, models_dirs: list[Path]) -> list[Check]:
    """Every check, in order; an unexpected failure of a check becomes its problem line."""
    from voicecoach.speech.models import active_model_name

    first, settings = check_config(paths, config)
    ctx = Context(paths, settings, models_dirs, active_model_name(paths.state_file))
    results = [first]
    for area, check in CHECKS:
        try:
            results.append(check(ctx))
        except VoiceCoachError as exc:
            results.append(Check(area, Severity.PROBLEM, str(exc), _fix_for(area)))
        except Exception as exc:  # a doctor reports, it does not crash
            results.append(
                Check(area, Severity.PROBLEM, f"{type(exc).__name__}: {exc}", _fix_for(area))
            )
    return results


def _fix_for(area: str) -> str:
    return {
        "PortAudio": "sudo apt-get install libportaudio2",
        "microphone": "sudo apt-get install libportaudio2, then plug in a microphone",
        "speakers": "sudo apt-get install libportaudio2, then connect speakers",
        "voice": "sudo apt-get install espeak-ng",
        "speech engine": f'{command_hint("models list")}; or set speech.engine = "pocketsphinx"',
    }.get(area, "")


def blocking(checks: list[Check]) -> list[Check]:
    """Problems that stop a spoken session."""
    return [c for c in checks if c.status is Severity.PROBLEM and c.essential]
