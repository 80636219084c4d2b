"""Hints name only options the command takes and that were not given already."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import fixture_wav
from voicecoach.cli.app import root_command
from voicecoach.cli.hints import device_hint


def no_sound_card() -> bool:
    import sounddevice

    try:
        sounddevice.query_devices(kind="output")
        sounddevice.query_devices(kind="input")
    except (ValueError, sounddevice.PortAudioError):
        return True
    return False


needs_no_card = pytest.mark.skipif(not no_sound_card(), reason="this machine has a sound card")


@pytest.mark.parametrize(
    ("direction", "argv", "named", "not_named"),
    [
        ("output", ["session", "--answers", "a.wav"], ["--speaker-file", "--fast"], ["--answers"]),
        ("output", ["session", "--speaker-file", "x.wav"], ["--fast"], ["--speaker-file"]),
        ("output", ["session", "--fast"], ["--speaker-file"], ["--fast", "--mic-file"]),
        ("input", ["session"], ["--mic-file", "--answers"], ["--speaker-file"]),
        ("input", ["session", "--mic-file=a.wav"], ["--answers"], ["run with --mic-file"]),
        ("input", ["listen", "--fast"], ["--mic-file", "--answers"], ["--fast"]),
        ("output", ["show", "abc", "--play", "1"], [], ["--speaker-file", "--fast", "--mic"]),
        ("input", ["doctor"], [], ["run with"]),
    ],
)
def test_device_hint_names_only_what_the_command_takes_and_lacks(
    direction: str, argv: list[str], named: list[str], not_named: list[str]
) -> None:
    hint = device_hint(direction, root_command(), argv)
    for option in named:
        assert option in hint
    for text in not_named:
        assert text not in hint
    assert (hint == "") == (not named)


@needs_no_card
def test_no_speakers_with_answers_given_names_speaker_file_or_fast(cli: Any) -> None:
    result = cli("session", "patience", "--answers", fixture_wav("patience-1"))
    assert result.code == 1
    line = result.err.strip()
    assert line.startswith("voicecoach: error: no output device")
    assert "--speaker-file FILE.wav or --fast" in line
    assert "--answers" not in line and "--mic-file" not in line
    assert "output device :" not in line
    # In words a person knows, not PortAudio's "Error querying device -1".
    assert "speakers or headphones" in line and "-1" not in line


@needs_no_card
def test_no_speakers_for_show_play_names_the_kept_file(cli: Any, home: Path) -> None:
    config = home.parent / "config.toml"
    config.write_text(
        "[coach]\nmood_checkin = false\n\n[listen]\nreprompts = 0\n\n[journal]\nsave_audio = true\n"
    )
    ran = cli(
        "session", "patience", "--fast", "--json", "--config", config,
        "--answers", fixture_wav("patience-1"),
    )  # fmt: skip
    assert ran.code == 0, ran.err
    session_id = ran.json()["id"]
    result = cli("show", session_id, "--play", "1")
    assert result.code == 1
    # one line: nothing says "playing" when nothing can be played
    assert len(result.err.strip().splitlines()) == 1, result.err
    line = result.err.strip()
    assert line.startswith("voicecoach: error: no output device")
    assert line.endswith(f"{session_id}/1.wav with any audio player")
    for wrong in ("--answers", "--mic-file", "--speaker-file", "--fast"):
        assert wrong not in line
