"""`voicecoach models adapt`: read sentences aloud so PocketSphinx learns your voice."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from voicecoach.cli.app import PLAIN, err_console, out_console, paths, settings_apart_from_journal
from voicecoach.cli.models_cmd import models_app
from voicecoach.errors import UsageError
from voicecoach.frames import FRAME_SAMPLES, AudioChunk
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
    chosen = [name for name, on in (("--sentences", show), ("--forget", forget_it)) if on]
    if len(chosen) > 1 or (chosen and mic_file is not None):
        given = [*chosen, *(["--mic-file"] if mic_file is not None else [])]
        raise UsageError(f"{' and '.join(given)} do not go together; give one")
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
    if mic_file is not None and mic_file.is_dir():
        raise UsageError(f"--mic-file {mic_file} is a folder; give the recording's WAV file")
    if mic_file is not None and not mic_file.is_file():
        raise UsageError(f"--mic-file {mic_file}: no such file")
    readings = _read_aloud(adaptation.sentences(), mic_file, fast)
    if len(readings) < adaptation.MIN_READINGS:
        again = (
            "record the sentences again, each read whole with a pause after it"
            if mic_file is not None
            else "run it again somewhere quieter, closer to the microphone"
        )
        raise adaptation.AdaptError(
            f"only {len(readings)} sentences were heard; at least {adaptation.MIN_READINGS} "
            f"are needed. Nothing was changed; {again}"
        )
    before = adaptation.describe(home.voice_model)
    out_console.print("adapting (a few seconds)…", **PLAIN)
    made = adaptation.adapt(readings, home.voice_model)
    replaced = " (it replaces the one made before)" if before is not None else ""
    out_console.print(
        f"adapted to your voice from {made.used} of {made.sentences} sentences "
        f"({made.seconds:.0f} s){replaced}: sessions with PocketSphinx now use it; "
        f"{command_hint('models adapt --forget')} goes back to the built-in model",
        **PLAIN,
    )


NOTHING_IN_A_ROW = 3
"""Sentences in a row with nothing heard before reading stops (a silent microphone)."""


def _read_aloud(sentences: list[str], mic_file: Path | None, fast: bool) -> list[Reading]:
    """Each sentence shown, then heard; the readings (sentences heard)."""
    from voicecoach.speech.adapt import Reading
    from voicecoach.speech.reading import hear_sentence
    from voicecoach.speech.vad import VoiceActivity

    settings = settings_apart_from_journal()
    frames, close = _frames(mic_file, fast, settings.audio.input_device)
    readings: list[Reading] = []
    out_console.print(
        "Read each sentence aloud when it appears, at your usual pace; pause after it.",
        **PLAIN,
    )
    missed = 0
    try:
        vad = VoiceActivity(settings.listen.vad_mode)
        for n, text in enumerate(sentences, 1):
            out_console.print(f"[{n}/{len(sentences)}] {text}", **PLAIN)
            heard = hear_sentence(frames, vad, len(text.split()))
            missed = 0 if heard.pcm else missed + 1
            if heard.pcm:
                readings.append(Reading(text, heard.pcm))
            elif not heard.ended:
                err_console.print("  (nothing heard; going on)", **PLAIN)
            if heard.ended or missed == NOTHING_IN_A_ROW:
                break
    finally:
        close()
    return readings


def _frames(
    mic_file: Path | None, fast: bool, device: str
) -> tuple[Iterator[AudioChunk], Callable[[], None]]:
    """The frames read from (a recording to its end, or the microphone), and how to close it."""
    from voicecoach.audio.source import Pacer, wav_frames

    if mic_file is None:
        from voicecoach.audio.mic import Microphone

        mic = Microphone(device)
        mic.open()
        return mic.frames(), mic.close

    blocks = wav_frames(mic_file)  # its header checked now, before any sentence is shown

    def played() -> Iterator[AudioChunk]:
        pacer, start = Pacer(fast), 0
        for pcm in blocks:
            pacer.wait_until(start)
            yield AudioChunk(pcm=pcm, start=start)
            start += FRAME_SAMPLES

    return played(), lambda: None
