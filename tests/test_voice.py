"""The voice in audio time: trimmed lines, back-to-back scheduling, what is audible when, a stop
that cuts the speaker file, and the echo check that takes the coach's own voice back out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import fixture_wav
from voicecoach.audio.echo import EchoGuard
from voicecoach.audio.sink import WavFileSink
from voicecoach.audio.voice import Voice, trim_trailing_silence
from voicecoach.audio.wavfile import read_wav
from voicecoach.frames import FRAME_SAMPLES, SAMPLE_RATE, AudioChunk
from voicecoach.speech.tts import TextToSpeech


@pytest.fixture
def voice(tmp_path: Path) -> Voice:
    return Voice(TextToSpeech(tmp_path / "cache"), WavFileSink(tmp_path / "coach.wav"))


def test_rendered_lines_lose_their_trailing_silence(tmp_path: Path) -> None:
    pcm = TextToSpeech(tmp_path / "cache").render("Thank you.")
    trimmed = trim_trailing_silence(pcm)
    samples = np.frombuffer(trimmed, dtype="<i2")
    tail = np.abs(np.frombuffer(pcm[len(trimmed) :], dtype="<i2").astype(int))
    assert (len(pcm) - len(trimmed)) / 2 / SAMPLE_RATE > 0.2  # espeak-ng ends with ~0.36 s
    assert tail.max(initial=0) <= 64 < np.abs(samples[-800:].astype(int)).max()
    assert trim_trailing_silence(bytes(3200)) == b""


def test_lines_play_back_to_back_and_say_what_is_audible(voice: Voice, tmp_path: Path) -> None:
    first = voice.say("Hello there.", now=1600)
    second = voice.say("How are you?", now=1600)
    assert first.start == 1600 and second.start == first.end
    assert voice.quiet_from == second.end
    assert voice.speaking(1599) is None and voice.speaking(second.end) is None
    middle = voice.speaking(first.end + 10)
    assert middle is not None and middle.line.text == "How are you?" and middle.offset == 10
    voice.sink.close()
    heard = np.frombuffer(read_wav(tmp_path / "coach.wav"), dtype="<i2")
    assert len(heard) == second.end and not heard[:1600].any()


def test_a_short_question_is_held_to_last_until_the_given_time(voice: Voice) -> None:
    ack = voice.say("Thank you.", now=0)
    until = ack.end + 5 * SAMPLE_RATE
    short = voice.say("What did you feel?", now=0, pause=1.0, end_not_before=until)
    assert short.end == until and short.start > ack.end + SAMPLE_RATE  # a longer pause
    again = voice.say("What did you feel?", now=0, pause=1.0, end_not_before=short.start)
    assert again.start == short.end + SAMPLE_RATE  # already audible past the time: the pause


def test_a_stop_cuts_the_speaker_file_where_the_person_spoke(voice: Voice, tmp_path: Path) -> None:
    line = voice.say("Thank you for describing that so carefully.", now=0)
    cut = line.start + 8000
    voice.stop(cut)
    assert voice.quiet_from == cut and voice.speaking(cut) is None
    later = voice.say("What did you feel?", now=cut + 1600)
    assert later.start == cut + 1600
    voice.sink.close()
    heard = np.frombuffer(read_wav(tmp_path / "coach.wav"), dtype="<i2")
    assert len(heard) == later.end and not heard[cut : cut + 1600].any()
    assert np.array_equal(heard[:cut], np.frombuffer(line.pcm[: cut * 2], dtype="<i2"))


def frames_of(pcm: bytes, start: int = 0) -> list[AudioChunk]:
    step = FRAME_SAMPLES * 2
    return [
        AudioChunk(pcm[i : i + step], start + i // 2) for i in range(0, len(pcm) - step + 1, step)
    ]


@pytest.mark.parametrize("delay_s", [-0.2, 0.03, 0.3, 0.8])
def test_the_echo_check_silences_a_delayed_copy_of_the_coach(voice: Voice, delay_s: float) -> None:
    # negative: heard before the voice placed it (a stream's first line, clocks started apart)
    line = voice.say("Thank you for describing that so carefully.", now=SAMPLE_RATE // 4)
    delay = int(delay_s * SAMPLE_RATE)
    mic = bytes((line.start + delay) * 2) + line.pcm + bytes(SAMPLE_RATE)  # heard late (early)
    guard = EchoGuard(voice)
    cleaned = [guard.clean(chunk) for chunk in frames_of(mic)]
    residual = np.concatenate([np.frombuffer(c.pcm, dtype="<i2") for c in cleaned]).astype(float)
    assert np.sqrt(np.mean(residual**2)) < 5  # of a voice at ~ -20 dBFS (RMS ~3000)
    found = guard.stats.delay
    assert guard.stats.silenced > 0 and found is not None and abs(found - delay) <= 2


def test_the_echo_check_keeps_a_person_who_talks_over_the_coach(voice: Voice) -> None:
    line = voice.say("Thank you for describing that so carefully.", now=0)
    person = np.frombuffer(read_wav(fixture_wav("cmd-stop")), dtype="<i2").astype(float)
    echo = np.frombuffer(line.pcm, dtype="<i2").astype(float) * 0.5
    delay = int(0.3 * SAMPLE_RATE)
    mic = np.zeros(delay + len(echo) + SAMPLE_RATE)
    mic[delay : delay + len(echo)] += echo
    mic[SAMPLE_RATE : SAMPLE_RATE + len(person)] += person
    pcm = np.clip(mic, -32768, 32767).astype("<i2").tobytes()
    guard = EchoGuard(voice)
    cleaned = [guard.clean(c) for c in frames_of(pcm)]
    out = np.concatenate([np.frombuffer(c.pcm, dtype="<i2") for c in cleaned]).astype(float)
    span = slice(SAMPLE_RATE, SAMPLE_RATE + len(person))
    kept = np.corrcoef(out[span], person[: len(out[span])])[0, 1]
    assert kept > 0.9  # the person's words are there, the coach's mostly gone
