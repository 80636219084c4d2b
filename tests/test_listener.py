"""End of answer on real speech through PocketSphinx: pauses, silence, noise, the length cap.

These look at the streaming words and where the answer ends, so their listeners leave out the
whole-answer second decode (``redecode=False``); the session tests keep it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from tests.conftest import FIXTURES, fixture_text, fixture_wav
from voicecoach.audio.source import FRAME_BYTES
from voicecoach.audio.wavfile import read_wav
from voicecoach.config import Settings
from voicecoach.frames import FRAME_SAMPLES, SAMPLE_RATE, AudioChunk
from voicecoach.speech.events import Final, ListenEvent, NoAnswer
from voicecoach.speech.listener import Listener
from voicecoach.speech.scoring import word_error_rate
from voicecoach.speech.sphinx_engine import SphinxRecognizer
from voicecoach.speech.timing import ListenTiming
from voicecoach.wiring import coach_options, session_listener


@pytest.fixture(scope="module")
def sphinx() -> SphinxRecognizer:
    return SphinxRecognizer()


def chunks(pcm: bytes, start: int = 0) -> Iterator[AudioChunk]:
    for offset in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES):
        yield AudioChunk(pcm[offset : offset + FRAME_BYTES], start + offset // 2)


def silence(seconds: float) -> bytes:
    return bytes(int(seconds * SAMPLE_RATE) * 2)


def run(listener: Listener, pcm: bytes, start: int = 0) -> list[tuple[float, ListenEvent]]:
    """Feed audio; return the decisive events with the audio time (s) they came at."""
    listener.start(start)
    events = []
    for chunk in chunks(pcm, start):
        event = listener.feed(chunk)
        if isinstance(event, Final | NoAnswer):
            events.append((chunk.end / SAMPLE_RATE, event))
    return events


def timing(end_silence: float = 2.0, no_answer: float = 8.0, cap: float = 60.0) -> ListenTiming:
    return ListenTiming.from_seconds(end_silence, no_answer, cap)


def test_a_pause_inside_an_answer_does_not_end_it(sphinx: SphinxRecognizer) -> None:
    first, second = read_wav(fixture_wav("patience-1")), read_wav(fixture_wav("patience-2"))
    # 1.6 s between the sentences: 1.0 s here plus the 0.3 s either fixture starts and ends with.
    audio = first + silence(1.0) + second + silence(3)
    events = run(Listener(sphinx, timing(end_silence=2.0), redecode=False), audio)
    assert len(events) == 1
    final = events[0][1]
    assert isinstance(final, Final) and not final.capped
    both = fixture_text("patience-1") + " " + fixture_text("patience-2")
    assert word_error_rate(both, final.utterance.text) < 0.2
    speech_end = (len(first) + len(silence(1.0)) + len(second)) / 2 / SAMPLE_RATE - 0.3
    assert speech_end + 1.9 < events[0][0] < speech_end + 2.4


def test_a_short_end_silence_splits_at_the_pause(sphinx: SphinxRecognizer) -> None:
    first, second = read_wav(fixture_wav("patience-1")), read_wav(fixture_wav("patience-2"))
    events = run(
        Listener(sphinx, timing(end_silence=1.0), redecode=False), first + silence(1.0) + second
    )
    assert len(events) == 1
    final = events[0][1]
    assert isinstance(final, Final)
    assert word_error_rate(fixture_text("patience-1"), final.utterance.text) < 0.25


def test_words_are_timed_in_session_audio_time(sphinx: SphinxRecognizer) -> None:
    start = 50 * FRAME_SAMPLES  # the turn begins 5 s into the session
    audio = silence(1.0) + read_wav(fixture_wav("patience-3")) + silence(3)
    events = run(Listener(sphinx, timing(), redecode=False), audio, start=start)
    final = events[0][1]
    assert isinstance(final, Final)
    words = final.utterance.words
    assert words and all(w.start < w.end for w in words)
    assert all(a.end <= b.start + 0.01 for a, b in zip(words, words[1:], strict=False))
    # Speech begins 1.3 s into the turn (1 s of silence + the fixture's 0.3 s lead-in).
    assert 6.0 < words[0].start < 6.8
    assert final.utterance.start == words[0].start and final.utterance.end == words[-1].end


def test_silence_gives_no_answer_at_the_timeout(sphinx: SphinxRecognizer) -> None:
    events = run(
        Listener(sphinx, timing(no_answer=3.0), redecode=False),
        read_wav(FIXTURES / "silence-10s.wav"),
    )
    assert len(events) == 1
    at, event = events[0]
    assert isinstance(event, NoAnswer)
    assert at == pytest.approx(3.0, abs=0.11)


def test_steady_noise_is_not_taken_for_an_answer(sphinx: SphinxRecognizer) -> None:
    events = run(
        Listener(sphinx, timing(no_answer=6.0), redecode=False),
        read_wav(FIXTURES / "noise-10s.wav"),
    )
    assert [type(e) for _, e in events] == [NoAnswer]


def test_a_very_long_answer_is_capped(sphinx: SphinxRecognizer) -> None:
    audio = read_wav(fixture_wav("patience-1")) + read_wav(fixture_wav("patience-2"))
    events = run(Listener(sphinx, timing(cap=5.0), redecode=False), audio)
    at, final = events[0]
    assert isinstance(final, Final) and final.capped
    assert final.utterance.text
    assert 5.0 < at < 5.6


def test_the_second_decode_is_left_out_when_the_settings_say_so() -> None:
    usual = Settings()
    off = replace(usual, speech=replace(usual.speech, second_decode=False))
    recognizer = SphinxRecognizer()
    try:
        coach = coach_options(usual, None)
        assert session_listener(recognizer, usual, coach).second_pass is recognizer.second_pass
        listener = session_listener(recognizer, off, coach)
        assert listener.second_pass is None
        events = run(listener, read_wav(fixture_wav("patience-3")) + silence(3))
        final = events[0][1]
        assert isinstance(final, Final) and final.better is None  # the streaming words stand
        assert word_error_rate(fixture_text("patience-3"), final.utterance.text) < 0.25
    finally:
        recognizer.close()


def test_a_one_word_answer_after_digital_silence_is_heard(sphinx: SphinxRecognizer) -> None:
    """A 0.18 s "eight" said 10 ms into a frame after digital silence: before the detector's
    lead-in (``vad.LEAD_WINDOWS``) only one frame was voiced and the turn ended unanswered."""
    audio = silence(0.01) + read_wav(fixture_wav("word-eight")) + silence(3)
    events = run(Listener(sphinx, timing(), redecode=False), audio)
    assert [type(event) for _, event in events] == [Final]
