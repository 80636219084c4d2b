"""`voicecoach models adapt`: read sentences aloud so PocketSphinx learns your voice."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from voicecoach.cli.app import PLAIN, err_console, out_console, paths, settings_apart_from_journal
from voicecoach.cli.models_cmd import models_app
from voicecoach.errors import UsageError
from voicecoach.hinting import command_hint

if TYPE_CHECKING:
    from voicecoach.speech.adapt import Reading


@models_app.command()
def adapt(
    mic_file: Annotated[
        Path | None,
        typer.Option(
            "--mic-file",
            help="A recording of the sentences read in turn, a pause after each, "
            "instead of the microphone.",
        ),
    ] = None,
    fast: Annotated[
        bool, typer.Option("--fast", help="Read --mic-file faster than real time.")
    ] = False,
    show: Annotated[
        bool, typer.Option("--sentences", help="Print the sentences to read, and stop.")
    ] = False,
    forget_it: Annotated[
        bool,
        typer.Option("--forget", help="Go back to PocketSphinx's built-in model."),
    ] = False,
) -> None:
    """Teach PocketSphinx your voice by reading 30 sentences aloud.

    Reading takes about two minutes; PocketSphinx hears you far better afterwards. Only
    PocketSphinx is adapted (not Vosk). Everything stays on this device: the recordings are
    deleted once the model is made; the adapted model (about 7 MB) is kept per profile.
    Needs SphinxTrain's tools (Debian packages sphinxtrain, sphinxbase-utils and
    pocketsphinx)."""
    from voicecoach.speech import adapt as adaptation

    home = paths()
    if show:
        for line in adaptation.sentences():
            out_console.print(line, **PLAIN)
        return
    if forget_it:
        gone = adaptation.forget(home.voice_model)
        said = "forgot the model adapted to your voice" if gone else "no adapted model"
        out_console.print(f"{said}; PocketSphinx uses its built-in model", **PLAIN)
        return
    missing = adaptation.missing_packages()
    if missing:
        raise UsageError(adaptation.tools_needed(missing))
    if mic_file is not None and not mic_file.is_file():
        raise UsageError(f"--mic-file {mic_file}: no such file")
    readings = _read_aloud(adaptation.sentences(), mic_file, fast)
    if len(readings) < adaptation.MIN_READINGS:
        raise UsageError(
            f"only {len(readings)} sentences were heard; at least {adaptation.MIN_READINGS} "
            "are needed. Nothing was changed; run it again somewhere quieter, closer to the "
            "microphone"
        )
    out_console.print("adapting (a few seconds)…", **PLAIN)
    made = adaptation.adapt(readings, home.voice_model)
    out_console.print(
        f"adapted to your voice from {made.sentences} sentences ({made.seconds:.0f} s): "
        f"sessions with PocketSphinx now use it; {command_hint('models adapt --forget')} "
        "goes back to the built-in model",
        **PLAIN,
    )


def _read_aloud(sentences: list[str], mic_file: Path | None, fast: bool) -> list[Reading]:
    """Each sentence shown, then heard; the readings (sentences heard)."""
    from voicecoach.speech.adapt import Reading
    from voicecoach.speech.reading import hear_sentence
    from voicecoach.speech.vad import VoiceActivity
    from voicecoach.wiring import AudioOptions, open_source

    settings = settings_apart_from_journal()
    source = open_source(AudioOptions(mic_file=mic_file, fast=fast), settings)
    readings: list[Reading] = []
    out_console.print(
        "Read each sentence aloud when it appears, at your usual pace; pause after it.",
        **PLAIN,
    )
    try:
        frames = source.frames()
        vad = VoiceActivity(settings.listen.vad_mode)
        for n, text in enumerate(sentences, 1):
            out_console.print(f"[{n}/{len(sentences)}] {text}", **PLAIN)
            heard = hear_sentence(frames, vad)
            if heard.pcm:
                readings.append(Reading(text, heard.pcm))
            else:
                err_console.print("  (nothing heard; going on)", **PLAIN)
            if heard.ended:
                break
    finally:
        source.close()
    return readings
