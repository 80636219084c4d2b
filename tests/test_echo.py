"""The echo check while a person speaks over the coach: the command's first sounds survive in
the frame they begin in, and the coach's voice stays out of the words that follow; a voice cut
short is still heard for what the speakers had already been sent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import fixture_wav
from voicecoach.audio.echo import PIECE_SAMPLES, EchoGuard
from voicecoach.audio.sink import WavFileSink
from voicecoach.audio.voice import Voice
from voicecoach.audio.wavfile import read_wav
from voicecoach.frames import FRAME_SAMPLES, SAMPLE_RATE, AudioChunk
from voicecoach.speech.tts import TextToSpeech

QUESTION = "Think of a recent moment when your patience ran out, and tell me what happened."


@pytest.fixture
def voice(tmp_path: Path) -> Voice:
    return Voice(TextToSpeech(tmp_path / "cache"), WavFileSink(tmp_path / "coach.wav"))


def cleaned(guard: EchoGuard, mic: np.ndarray) -> np.ndarray:
    pcm = np.clip(mic, -32768, 32767).astype("<i2").tobytes()
    step = FRAME_SAMPLES * 2
    out = [
        guard.clean(AudioChunk(pcm[i : i + step], i // 2)).pcm
        for i in range(0, len(pcm) - step + 1, step)
    ]
    return np.frombuffer(b"".join(out), dtype="<i2").astype(float)


def db(x: np.ndarray) -> float:
    return 10.0 * float(np.log10(float(np.mean(x * x)) + 1e-9))


def test_a_command_begun_mid_frame_under_a_louder_echo_keeps_its_first_sound(
    voice: Voice,
) -> None:
    line = voice.say(QUESTION, now=0)
    echo = np.frombuffer(line.pcm, dtype="<i2").astype(float)
    said = np.frombuffer(read_wav(fixture_wav("cmd-stop")), dtype="<i2").astype(float)
    person = said[np.flatnonzero(np.abs(said) > 100)[0] :] * 0.5  # its "s" ~10 dB under the echo
    delay = int(0.03 * SAMPLE_RATE)
    at = 2 * SAMPLE_RATE + 3 * FRAME_SAMPLES + 2 * PIECE_SAMPLES  # part-way into a frame
    mic = np.zeros(delay + len(echo) + SAMPLE_RATE)
    mic[delay : delay + len(echo)] += echo
    mic[at : at + len(person)] += person
    out = cleaned(EchoGuard(voice), mic)
    onset = slice(at, at + 4 * PIECE_SAMPLES)  # the first 80 ms: the "s"
    assert db(mic[onset]) - db(person[: 4 * PIECE_SAMPLES]) > 6  # the echo is the louder
    assert abs(db(out[onset]) - db(person[: 4 * PIECE_SAMPLES])) < 1.5
    span = slice(at, at + len(person))
    coach = np.zeros_like(mic)
    coach[delay : delay + len(echo)] = echo
    assert np.corrcoef(mic[span], coach[span])[0, 1] > 0.7  # the command is said over the coach
    assert np.corrcoef(out[span], person)[0, 1] > 0.95  # and it is what comes through
    assert abs(np.corrcoef(out[span], coach[span])[0, 1]) < 0.1  # without the coach
    assert not out[delay + SAMPLE_RATE : at - FRAME_SAMPLES].any()  # the echo alone: silence


def test_the_echo_alone_leaves_nothing_however_the_path_colours_it(voice: Voice) -> None:
    line = voice.say(QUESTION, now=0)
    echo = np.frombuffer(line.pcm, dtype="<i2").astype(float)
    delay = int(0.3 * SAMPLE_RATE)
    room = np.convolve(echo, [0.1, 0.6, 0.25, -0.05])  # a path that is not a plain delay
    mic = np.zeros(delay + len(room) + SAMPLE_RATE)
    mic[delay : delay + len(room)] += room
    guard = EchoGuard(voice)
    out = cleaned(guard, mic)
    assert guard.stats.silenced > 0.8 * guard.stats.checked
    assert np.sqrt(np.mean(out**2)) < 3  # of a voice at ~ -20 dBFS (RMS ~3000)


class SentAhead(WavFileSink):
    """A file sink that, like a speaker stream, had already sent out audio past the stop."""

    ahead = SAMPLE_RATE // 4

    def stop(self, at: int) -> int:
        return super().stop(at + self.ahead)


def test_a_voice_stopped_is_heard_until_the_sink_falls_silent(tmp_path: Path) -> None:
    voice = Voice(TextToSpeech(tmp_path / "cache"), SentAhead(tmp_path / "coach.wav"))
    line = voice.say(QUESTION, now=0)
    cut = SAMPLE_RATE
    voice.stop(cut)
    heard_until = cut + SentAhead.ahead
    assert voice.quiet_from == heard_until
    played = voice.played(0, line.end)
    expected = np.frombuffer(line.pcm, dtype="<i2") / 32768.0
    assert np.allclose(played[:heard_until], expected[:heard_until])
    assert not played[heard_until:].any()


def test_a_soft_first_sound_far_under_the_echo_is_kept_with_its_word(voice: Voice) -> None:
    # "pause" said softly over the coach: its "p" lies ~20 dB under the echo, which explains
    # that piece to within PIECE_DB; it is kept because the vowel after it is a voice.
    line = voice.say(QUESTION, now=0)
    echo = np.frombuffer(line.pcm, dtype="<i2").astype(float)
    said = np.frombuffer(read_wav(fixture_wav("cmd-pause")), dtype="<i2").astype(float)
    said = said[np.flatnonzero(np.abs(said) > 100)[0] :]
    level = [db(said[i : i + PIECE_SAMPLES]) for i in range(0, len(said), PIECE_SAMPLES)]
    vowel = next(n for n, d in enumerate(level) if d > max(level) - 6)  # first loud piece
    assert vowel >= 1
    delay = int(0.03 * SAMPLE_RATE)
    at = 2 * SAMPLE_RATE + 3 * FRAME_SAMPLES + 4 * PIECE_SAMPLES - vowel * PIECE_SAMPLES
    assert (at + vowel * PIECE_SAMPLES) % FRAME_SAMPLES >= 2 * PIECE_SAMPLES  # one frame
    mic = np.zeros(delay + len(echo) + SAMPLE_RATE)
    mic[delay : delay + len(echo)] += echo
    person = said * 0.6
    mic[at : at + len(person)] += person
    out = cleaned(EchoGuard(voice), mic)
    onset = slice(at, at + vowel * PIECE_SAMPLES)
    coach = np.zeros_like(mic)
    coach[delay : delay + len(echo)] = echo
    assert db(coach[onset]) - db(person[: vowel * PIECE_SAMPLES]) > 14  # far under the echo
    # kept, not silenced: at the person's level, less what the residual suppression takes
    assert out[onset].any() and abs(db(out[onset]) - db(mic[onset] - coach[onset])) < 6
    span = slice(at, at + len(person))
    assert np.corrcoef(out[span], person)[0, 1] > 0.95


def test_audio_the_speakers_dropped_is_not_taken_out_of_silence(voice: Voice) -> None:
    # The voice played a line, but the speakers dropped 100 ms of it (a loaded machine): the
    # microphone is silent there, and subtracting the fitted echo would put the coach's voice
    # into the frame instead of taking it out.
    line = voice.say(QUESTION, now=0)
    echo = np.frombuffer(line.pcm, dtype="<i2").astype(float)
    delay = int(0.03 * SAMPLE_RATE)
    mic = np.zeros(delay + len(echo) + SAMPLE_RATE)
    mic[delay : delay + len(echo)] += echo
    loud = [
        i
        for i in range(2 * SAMPLE_RATE, len(echo) - SAMPLE_RATE, FRAME_SAMPLES)
        if db(echo[i : i + FRAME_SAMPLES]) > db(echo) - 3
    ]
    first = (delay + loud[0]) // PIECE_SAMPLES * PIECE_SAMPLES  # whole pieces dropped
    dropped = slice(first, first + FRAME_SAMPLES)
    mic[dropped] = 0.0
    guard = EchoGuard(voice)
    out = cleaned(guard, mic)
    assert not out[dropped].any()  # silence stays silence
    after = slice(dropped.stop + FRAME_SAMPLES, dropped.stop + 3 * FRAME_SAMPLES)
    assert not out[after].any()  # and the echo after it is still the coach's alone
    assert np.sqrt(np.mean(out**2)) < 3
