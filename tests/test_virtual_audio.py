"""The real sound path: sounddevice on a private PulseAudio daemon (a virtual sound card).

The person's answers are played into the virtual microphone, the coach's voice is recorded from
the virtual speaker and each line looked for in it; the microphone goes away (the daemon
is stopped) and comes back mid-session. PULSE_SERVER must be set before PortAudio is loaded,
so voicecoach runs in a subprocess. Everything here runs in real time: the sessions are short.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import FIXTURES, STREAMING_WORDS, fixture_wav
from tests.virtual_audio import VirtualSoundCard, available, heard_in_order, write_mini_home
from voicecoach.audio.wavfile import read_wav
from voicecoach.loop import DEVICE_BACK
from voicecoach.speaker.replies import CHOOSE_QUESTION
from voicecoach.speech.tts import TextToSpeech

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not available(), reason="needs pulseaudio and pulseaudio-utils"),
]

RUN_TIMEOUT_S = 120.0
REHEARSALS = 4
RENDER_TRIES = 3
RENDER_TIMEOUT_S = 30.0
REHEARSAL_TIMEOUT_S = 40.0
FIRST, FIRST_WORD = "safe-6", "worry"
SECOND, SECOND_WORD = "dialogue-feeling-1", "afraid"
"""Short whole answers (the sessions run in real time; a one-word answer would get a
follow-up question), and a word each must be heard as."""
HEARD = 0.6
"""Share of a coach line's 0.1 s pieces that must be found in the speaker recording. A dropout
of a busy machine's sound server garbles the piece it falls in: on a machine loaded ten times
over its cores, 0.73 at worst for a line that was played; a line not played scores 0.33 at most
(its first word in another line)."""
CHOICE = "choose-patience"
"""The answer to `listen`'s "which practice?"."""


def start_voicecoach(card: VirtualSoundCard, home: Path, *args: str) -> subprocess.Popen[str]:
    env = {**card.env, "VOICECOACH_HOME": str(home)}
    with (home / "stderr.txt").open("w") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "voicecoach", *args, "--engine", "pocketsphinx", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )


def wait_until_waiting(home: Path, timeout: float = 30.0) -> None:
    """`voicecoach listen` says what it waits for once its engines and microphone are open."""
    deadline = time.monotonic() + timeout
    while "waiting for" not in (home / "stderr.txt").read_text():
        if time.monotonic() > deadline:
            raise AssertionError("voicecoach listen did not start")
        time.sleep(0.05)
    time.sleep(0.5)


def wait_for_line(home: Path, line: str, count: int = 1, timeout: float = 30.0) -> float:
    """Wait until the coach says a line (the ``count``-th time); its length in seconds.

    The coach prints each line as it begins to say it; its voice comes from the voice cache.
    """
    log = home / "stderr.txt"
    deadline = time.monotonic() + timeout
    while log.read_text().count(f"coach {line}") < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"the coach never said {line!r}; it wrote:\n{log.read_text()}")
        time.sleep(0.05)
    return len(TextToSpeech(home / "cache" / "voice").render(line)) / 32000


RENDER_SCRIPT = """
import sys
from pathlib import Path
from voicecoach.errors import VoiceCoachError
from voicecoach.speech.tts import TextToSpeech
tts = TextToSpeech(Path(sys.argv[1]))
for line in sys.argv[2:]:
    for attempt in range(3):
        try:
            tts.render(line)
            break
        except VoiceCoachError:
            pass
"""


def render(home: Path, *lines: str) -> None:
    """Put lines in the voice cache, in a process of its own (pyttsx3's espeak driver now and
    then renders a line empty, and can hang): tried again there, and here on a timeout."""
    for _ in range(RENDER_TRIES):
        try:
            subprocess.run(
                [sys.executable, "-c", RENDER_SCRIPT, str(home / "cache" / "voice"), *lines],
                capture_output=True,
                timeout=RENDER_TIMEOUT_S,
                check=True,
            )
            return
        except subprocess.TimeoutExpired:
            continue


def rehearse(home: Path, *args: str | Path, answers: tuple[str, ...] = (FIRST, SECOND)) -> None:
    """The same conversation headless and fast first, so every line is in the voice cache.

    Each line the coach began is rendered here too (with retries), so a rehearsal that failed on
    an empty rendering gets further the next time. The live run then only plays cached lines.
    """
    wavs = [str(fixture_wav(name)) for name in answers]
    problems = []
    for _ in range(REHEARSALS):
        try:
            done = subprocess.run(
                [sys.executable, "-m", "voicecoach", *map(str, args), "--answers", *wavs]
                + ["--fast", "--engine", "pocketsphinx"],
                env={**os.environ, "VOICECOACH_HOME": str(home)},
                capture_output=True,
                text=True,
                timeout=REHEARSAL_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired as exc:
            problems.append(f"rehearsal hung: {exc.stderr!r}")
            continue
        problems.append(done.stderr)
        lines = done.stderr.splitlines()
        render(home, *(line.removeprefix("coach ") for line in lines if line.startswith("coach ")))
        if done.returncode == 0:
            break
    else:
        raise AssertionError("\n".join(problems))
    render(home, DEVICE_BACK)


def played(home: Path, heard: Path, line: str) -> float:
    """How much of the line the coach rendered the speaker recording holds, in order (0..1;
    see ``heard_in_order``: a dropout under load delays the rest of a line, it loses nothing)."""
    line_pcm = np.frombuffer(
        read_wav(TextToSpeech(home / "cache" / "voice").cache_path(line)), "<i2"
    )
    rec = np.frombuffer(read_wav(heard), "<i2").astype(np.float64)
    return heard_in_order(rec, line_pcm.astype(np.float64))


def finish(process: subprocess.Popen[str], home: Path) -> dict[str, object]:
    out, _ = process.communicate(timeout=RUN_TIMEOUT_S)
    assert process.returncode == 0, (home / "stderr.txt").read_text()
    result: dict[str, object] = json.loads(out)
    return result


def speak_after(
    card: VirtualSoundCard, home: Path, lines: list[str], answer: str, count: int = 1
) -> None:
    """Once the coach has said these lines, answer into the microphone."""
    length = wait_for_line(home, lines[0], count)
    rest = sum(wait_for_line(home, line, count) for line in lines[1:])
    time.sleep(length + rest + 0.8)
    card.speak_into_mic(fixture_wav(answer))


def test_a_whole_session_through_the_sound_card(card: VirtualSoundCard, tmp_path: Path) -> None:
    home = write_mini_home(tmp_path / "home", STREAMING_WORDS)
    rehearse(home, "session", "patience")
    heard = tmp_path / "speaker.wav"
    recorder = card.record_speaker(heard)
    process = start_voicecoach(card, home, "session", "patience")
    speak_after(card, home, ["What happened?"], FIRST)
    speak_after(card, home, ["What did you feel?"], SECOND)
    record = finish(process, home)
    card.stop_recording(recorder)
    assert record["status"] == "completed"
    turns = record["turns"]
    assert [turn["prompt_id"] for turn in turns] == ["one", "two"]  # type: ignore[attr-defined]
    answers = [turn["answer"]["text"] for turn in turns]  # type: ignore[attr-defined]
    assert FIRST_WORD in answers[0] and SECOND_WORD in answers[1]
    assert all(turn["coach_lines"].count(turn["prompt"]) == 1 for turn in turns)  # type: ignore[attr-defined]
    assert played(home, heard, "What happened?") >= HEARD
    assert played(home, heard, "Goodbye.") >= HEARD


def test_listen_wakes_on_the_phrase_and_runs_a_session(
    card: VirtualSoundCard, tmp_path: Path
) -> None:
    home = write_mini_home(tmp_path / "home", STREAMING_WORDS)
    room = tmp_path / "room.wav"
    quiet = FIXTURES / "silence-10s.wav"
    subprocess.run(
        ["sox", quiet, fixture_wav("wake-lets-reflect"), quiet, room, "trim", "0", "12"],
        check=True,
        timeout=RUN_TIMEOUT_S,
    )
    rehearse(
        home,
        *("listen", "--show-words", "--once", "--max-seconds", "60", "--mic-file", room),
        answers=(CHOICE, FIRST, SECOND),
    )
    heard = tmp_path / "speaker.wav"
    recorder = card.record_speaker(heard)
    process = start_voicecoach(
        card, home, "listen", "--show-words", "--once", "--max-seconds", "90"
    )
    wait_until_waiting(home)
    card.speak_into_mic(fixture_wav("wake-lets-reflect"))
    speak_after(card, home, [CHOOSE_QUESTION], CHOICE)
    speak_after(card, home, ["What happened?"], FIRST)
    speak_after(card, home, ["What did you feel?"], SECOND)
    report = finish(process, home)
    card.stop_recording(recorder)
    assert [w["phrase"] for w in report["wakes"]] == ["let's reflect"]  # type: ignore[index]
    assert len(report["sessions"]) == 1  # type: ignore[arg-type]
    session_id = report["sessions"][0]  # type: ignore[index]
    shown = subprocess.run(
        [sys.executable, "-m", "voicecoach", "show", str(session_id), "--json"],
        env={**card.env, "VOICECOACH_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    record = json.loads(shown.stdout)
    assert FIRST_WORD in record["turns"][0]["answer"]["text"]
    assert SECOND_WORD in record["turns"][1]["answer"]["text"]
    assert played(home, heard, CHOOSE_QUESTION) >= HEARD
    assert played(home, heard, "What did you feel?") >= HEARD


def test_the_microphone_goes_away_and_comes_back_mid_session(
    card: VirtualSoundCard, tmp_path: Path
) -> None:
    home = write_mini_home(tmp_path / "home", STREAMING_WORDS)
    rehearse(home, "session", "patience")
    process = start_voicecoach(card, home, "session", "patience")
    speak_after(card, home, ["What happened?"], FIRST)
    wait_for_line(home, "What did you feel?")
    time.sleep(1.0)
    card.stop()
    time.sleep(2.5)
    card.start()
    heard = tmp_path / "speaker.wav"
    recorder = card.record_speaker(heard)
    wait_for_line(home, DEVICE_BACK)
    speak_after(card, home, ["What did you feel?"], SECOND, count=2)
    record = finish(process, home)
    card.stop_recording(recorder)
    assert record["status"] == "completed"
    first, second = record["turns"]  # type: ignore[misc]
    assert FIRST_WORD in first["answer"]["text"]
    assert second["events"][:2] == ["device-lost", "device-back"]
    assert second["coach_lines"].count("What did you feel?") == 2  # asked again once
    assert SECOND_WORD in second["answer"]["text"]
    assert played(home, heard, DEVICE_BACK) >= HEARD


PLAY_SCRIPT = """
import sys, time
import numpy as np
from voicecoach.audio.playback import Speakers
tone = (np.sin(np.arange(8000) * 2 * np.pi * 440 / 16000) * 8000).astype("<i2").tobytes()
speakers = Speakers()
first = speakers.play(tone, 0)
second = speakers.play(tone, 8000 + 16000)  # a second of silence between the two
print(first, second)
speakers.close()
"""


def run_and_hear(
    card: VirtualSoundCard, tmp_path: Path, script: str
) -> tuple[subprocess.CompletedProcess[str], np.ndarray]:
    """Run a playing script on the card; its result, and which 10 ms blocks the speaker's
    recording has loud (peak over 1000 of 32768)."""
    heard = tmp_path / "speaker.wav"
    recorder = card.record_speaker(heard)
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=card.env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    card.stop_recording(recorder)
    assert done.returncode == 0, done.stderr
    rec = np.frombuffer(read_wav(heard), "<i2").astype(np.float64)
    loud = np.array(
        [np.abs(rec[i : i + 160]).max(initial=0) > 1000 for i in range(0, len(rec), 160)]
    )
    return done, loud


def test_the_speakers_keep_the_pause_between_two_lines(
    card: VirtualSoundCard, tmp_path: Path
) -> None:
    done, loud = run_and_hear(card, tmp_path, PLAY_SCRIPT)
    block = 160  # 10 ms
    assert done.stdout.split() == ["0", "24000"]
    played_at = np.flatnonzero(loud)
    assert played_at.size * block >= 2 * 8000 * 0.9  # both tones
    # the longest silence between the first sound and the last: the pause (a busy machine's
    # dropouts add short silences inside the tones, never a second)
    gaps = np.diff(played_at) - 1
    assert gaps.max() * block / 16000 >= 0.95


STALL_SCRIPT = """
import json, time
import numpy as np
from voicecoach.audio.playback import Speakers
from voicecoach.audio.voice import Voice
tone = (np.sin(np.arange(48000) * 2 * np.pi * 440 / 16000) * 8000).astype("<i2").tobytes()
speakers = Speakers()
original, calls = speakers._callback, []
def late(outdata, frames, time_info, status):
    calls.append(1)
    if len(calls) == 60:  # 1.2 s into the line the callback comes 0.4 s late
        time.sleep(0.4)
    original(outdata, frames, time_info, status)
speakers._callback = late
voice = Voice(None, speakers)
voice.cue(tone, 0)
time.sleep(4.5)
voice.heard_until(10**9)
played = voice.played(0, 6 * 16000)
loud = [bool(np.abs(played[i : i + 160]).max() > 0.1) for i in range(0, len(played), 160)]
print(json.dumps(loud))
speakers.close()
"""


def span_and_gap(loud: np.ndarray) -> tuple[float, float, float]:
    """Of 10 ms blocks, loud or not: first to last loud (s), the longest gap inside (s), and
    where it begins after the first loud block (s)."""
    at = np.flatnonzero(loud)
    gaps = np.diff(at) - 1
    longest = int(np.argmax(gaps))
    return (at[-1] - at[0] + 1) / 100, gaps[longest] / 100, (at[longest] + 1 - at[0]) / 100


def test_the_voice_knows_when_the_speakers_fell_behind(
    card: VirtualSoundCard, tmp_path: Path
) -> None:
    """The output callback comes 0.4 s late in the middle of a 3 s line (a busy machine): the
    device plays silence it was never sent and the rest of the line is heard later. What the
    voice says it played (the echo check's reference) has the same gap at the same place."""
    done, loud = run_and_hear(card, tmp_path, STALL_SCRIPT)
    span, gap, gap_at = span_and_gap(loud)
    assert gap >= 0.15, "the speakers did not fall behind"
    voice = span_and_gap(np.array(json.loads(done.stdout)))
    assert abs(voice[0] - span) <= 0.05, (voice, (span, gap, gap_at))
    # (a slip under SLIP_S is counted with the next: on a loaded machine part of the gap can
    # land a block or two later)
    assert abs(voice[1] - gap) <= 0.1 and abs(voice[2] - gap_at) <= 0.1, (
        voice,
        (span, gap, gap_at),
    )
