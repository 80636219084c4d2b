"""The listener in a room, on real read speech through PocketSphinx: background sound does not
hold the turn, the thinking pause reads the words decoded up to the pause, and each answer is
decoded again whole for the journal without waiting for it."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import fixture_text, fixture_wav
from tests.realspeech import clip_pcm, librivox
from tests.virtual_audio import write_mini_home
from voicecoach.audio.wavfile import read_wav
from voicecoach.coach.intents import seems_unfinished
from voicecoach.coach.recorder import Recorder
from voicecoach.config import load_settings
from voicecoach.frames import FRAME_SAMPLES, SAMPLE_RATE, AudioChunk
from voicecoach.loop import QuietProgress
from voicecoach.paths import Paths
from voicecoach.speaker.build import ListenOptions, build_listen
from voicecoach.speech.events import EngineInfo, Final, Utterance, Word
from voicecoach.speech.listener import Listener
from voicecoach.speech.nearwords import WORD_TAIL_S
from voicecoach.speech.redecode import Redecoder
from voicecoach.speech.scoring import corpus_error_rate, word_error_rate
from voicecoach.speech.sphinx_engine import SphinxRecognizer
from voicecoach.speech.timing import ListenTiming
from voicecoach.store.journal import Journal
from voicecoach.store.records import Status

END_SILENCE_S = 2.0
PERSON_DBFS = -22.0


@pytest.fixture
def sphinx() -> Iterator[SphinxRecognizer]:
    """A recognizer of its own for each test, as at a session's first answer: what one has
    adapted to before changes what it hears (after the LibriVox clips, an "and" before a pause
    is heard as "end"), so no test depends on which ran before it."""
    recognizer = SphinxRecognizer()
    yield recognizer
    recognizer.close()


def timing(**extra: float) -> ListenTiming:
    return ListenTiming.from_seconds(END_SILENCE_S, 8.0, 60.0, **extra)


def as_float(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64)


def to_pcm(x: np.ndarray) -> bytes:
    return np.clip(np.round(x), -32768, 32767).astype("<i2").tobytes()


def level(x: np.ndarray) -> float:
    """Active speech level, dBFS: 10 ms frames within 30 dB of the loudest."""
    power = (x[: len(x) // 160 * 160].reshape(-1, 160) ** 2).mean(axis=1) + 1e-9
    return 10 * float(np.log10(power[power > power.max() / 1000].mean() / 32768**2))


def at(x: np.ndarray, dbfs: float) -> np.ndarray:
    return x * 10 ** ((dbfs - level(x)) / 20)


def listen(listener: Listener, pcm: bytes) -> list[tuple[float, Final]]:
    """Feed audio; the Finals with the audio time (s) each came at."""
    listener.start(0)
    out = []
    step = FRAME_SAMPLES * 2
    for offset in range(0, len(pcm) - step + 1, step):
        event = listener.feed(AudioChunk(pcm[offset : offset + step], offset // 2))
        if isinstance(event, Final):
            out.append(((offset + step) / 2 / SAMPLE_RATE, event))
    return out


def tv(seconds: float, folder: Path) -> np.ndarray:
    """A news reader in the next room: espeak-ng, low-passed at 2 kHz, looped to length."""
    raw, out = folder / "tv-raw.wav", folder / "tv.wav"
    text = "Good evening and welcome to the news at nine. The council met tonight to discuss "
    text += "the new bridge over the river, which has been delayed for another year. " * 3
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(raw), text], check=True)
    subprocess.run(
        ["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(out), "lowpass", "2000"],
        check=True,
    )
    x = as_float(read_wav(out))
    return np.tile(x, int(np.ceil(seconds * SAMPLE_RATE / len(x))))[: int(seconds * SAMPLE_RATE)]


def pink(seconds: float, folder: Path) -> np.ndarray:
    out = folder / "pink.wav"
    subprocess.run(
        ["sox", "-R", "-n", "-r", "16000", "-c", "1", "-b", "16", str(out)]
        + ["synth", str(seconds), "pinknoise"],
        check=True,
    )
    return as_float(read_wav(out))


@pytest.mark.parametrize(("background", "rel_db"), [("tv", -20.0), ("pink", -10.0)])
def test_background_sound_does_not_hold_the_turn(
    tmp_path: Path, background: str, rel_db: float
) -> None:
    person = at(as_float(clip_pcm(1)), PERSON_DBFS)  # "he was not an ill disposed young man"
    lead, tail = np.zeros(SAMPLE_RATE), np.zeros(6 * SAMPLE_RATE)
    answer = np.concatenate((lead, person, tail))
    make = tv if background == "tv" else pink
    noise = make(len(answer) / SAMPLE_RATE + 1, tmp_path)[: len(answer)]
    mixed = answer + at(noise, PERSON_DBFS + rel_db)
    loud = np.flatnonzero(np.abs(answer) > 300)
    speech_start, speech_end = loud[0] / SAMPLE_RATE, loud[-1] / SAMPLE_RATE

    # A recognizer of its own: its feature normalisation adapts to the noise it hears.
    sphinx = SphinxRecognizer()
    finals = listen(Listener(sphinx, timing(), redecode=False), to_pcm(mixed))
    sphinx.close()

    assert finals, "the answer never ended"
    ended_at, final = finals[0]
    assert ended_at <= speech_end + END_SILENCE_S + 0.5
    words = final.utterance.words
    assert words, "the person's answer was kept"
    # PocketSphinx itself hears little through pink noise at -10 dB (WER ~0.8 on whole clips)
    assert background != "tv" or "was not" in final.utterance.text
    outside = [w for w in words if not speech_start - 0.3 <= w.start <= speech_end + 0.3]
    assert outside == [], "background words were kept as the person's"
    late = [w for w in words if w.end > speech_end + WORD_TAIL_S + 0.1]  # a frame's slack
    assert late == [], "a word ran on over the background after the voice ended"


@pytest.mark.parametrize("lead_s", [0.0, 0.2, 0.4])
def test_the_thinking_pause_reads_the_words_decoded_up_to_it(
    sphinx: SphinxRecognizer, lead_s: float
) -> None:
    # Shifting the start moves the 0.5 s rhythm of partial transcripts against the final "and".
    first, second = read_wav(fixture_wav("pause-part-1")), read_wav(fixture_wav("pause-part-2"))
    quiet = bytes(int(lead_s * SAMPLE_RATE) * 2)
    pause = bytes(3 * SAMPLE_RATE * 2)
    audio = quiet + first + pause + second + bytes(6 * SAMPLE_RATE * 2)
    listener = Listener(
        sphinx, timing(thinking_pause=5.0), unfinished=seems_unfinished, redecode=False
    )
    finals = listen(listener, audio)
    assert len(finals) == 1, "the answer was cut at the pause after 'and'"
    both = fixture_text("pause-part-1") + " " + fixture_text("pause-part-2")
    assert word_error_rate(both, finals[0][1].utterance.text) < 0.25


@pytest.mark.parametrize(
    ("first", "held"),
    [
        ("i waited for him all evening and he did not call and", True),  # streamed: "tell hands"
        ("we went to the park with them", False),
        ("he will call them", False),
    ],
)
def test_the_last_word_before_a_pause_is_checked_by_the_second_decoder(
    sphinx: SphinxRecognizer, first: str, held: bool
) -> None:
    from tests import room

    speech = at(room.synthetic(first, "slt", timed=False).pcm * 32768.0, PERSON_DBFS)
    audio = bytes(SAMPLE_RATE) + to_pcm(speech) + bytes(8 * SAMPLE_RATE * 2)
    listener = Listener(sphinx, timing(thinking_pause=5.0), unfinished=seems_unfinished)
    assert sphinx.second_pass is not None
    assert sphinx.second_pass.warm().result(timeout=120)  # a session starts it at its question
    finals = listen(listener, audio)
    assert len(finals) == 1
    speech_end = 0.5 + len(speech) / SAMPLE_RATE
    waited = finals[0][0] - speech_end
    if held:  # the thinking pause: someone who stopped on "and" is given time to go on
        assert 4.5 <= waited <= 5.5, waited
    else:  # an ordinary end is not made to wait
        assert waited <= END_SILENCE_S + 0.5, waited


def test_each_answer_is_decoded_again_whole_with_real_confidences(
    sphinx: SphinxRecognizer,
) -> None:
    listener = Listener(sphinx, timing())
    streamed, whole, references = [], [], []
    for pcm, text in ((clip_pcm(i), librivox()[i][1]) for i in range(len(librivox()))):
        finals = listen(listener, bytes(SAMPLE_RATE) + pcm + bytes(3 * SAMPLE_RATE * 2))
        assert len(finals) == 1
        final = finals[0][1]
        assert final.better is not None
        streamed.append(final.utterance)
        whole.append(final.better.result(timeout=120))
        references.append(text)
    stream_wer = corpus_error_rate([(r, u.text) for r, u in zip(references, streamed, strict=True)])
    whole_wer = corpus_error_rate([(r, u.text) for r, u in zip(references, whole, strict=True)])
    assert whole_wer <= stream_wer + 0.03  # as good as the streaming words, or better
    confidences = [w.conf for u in whole for w in u.words]
    assert min(confidences) < 0.5 and max(confidences) > 0.9
    for utterance, first in zip(whole, streamed, strict=True):
        assert abs(utterance.start - first.start) < 0.5, "whole decode in session audio time"


def test_a_failed_second_decode_keeps_the_streaming_words(tmp_path: Path) -> None:
    broken = Redecoder(model_dir=tmp_path / "no-such-model")  # the child cannot load it
    streamed = Utterance(text="he was not", words=(Word("he", 1.0, 1.2, 1.0),), start=1.0, end=1.2)
    with Journal(tmp_path / "journal") as journal:
        recorder = Recorder(journal, "patience", EngineInfo(name="pocketsphinx", model="en-us"))
        recorder.start_turn("p1", "What happened?")
        failing = broken.submit(clip_pcm(1), 1.0)
        recorder.answer(streamed, failing)
        with pytest.raises(Exception):  # noqa: B017 - whatever the child died of
            failing.result(timeout=120)
        recorder.start_turn("p2", "And then?")
        ready: Future[Utterance] = Future()
        better = Utterance(text="he was not ill", words=(), start=5.0, end=6.0)
        ready.set_result(better)
        second = Utterance(text="he was", words=(), start=5.0, end=5.5)
        recorder.answer(second, ready)
        record = recorder.end(Status.COMPLETED)
        kept = journal.get(record.id)
    broken.close()
    assert kept.turns[0].answer == streamed
    assert kept.turns[1].answer == better


def test_an_answer_said_in_parts_keeps_each_parts_whole_decode(tmp_path: Path) -> None:
    """An answer asked again and one going on over the coach's reply: each part is decoded
    again whole, and the answer kept is those decodes joined (the parts after the first had
    kept their streaming words, every confidence 1.0)."""
    child = Redecoder()
    parts = [
        (
            Utterance(text=f"part {i}", words=(Word("part", at, at + 0.2, 1.0),), start=at, end=at),
            at,
        )
        for i, at in enumerate((1.0, 20.0, 40.0))
    ]
    with Journal(tmp_path / "journal") as journal:
        recorder = Recorder(journal, "patience", EngineInfo(name="pocketsphinx", model="en-us"))
        recorder.start_turn("mood-before", "How are you feeling?")
        decodes = [child.submit(clip_pcm(i + 1), at) for i, (_, at) in enumerate(parts)]
        recorder.answer_so_far(parts[0][0], decodes[0])  # asked again: "Sorry, I didn't …"
        recorder.answer(parts[1][0], decodes[1])
        recorder.start_turn("p1", "What happened?")
        recorder.continue_previous(parts[2][0], decodes[2])  # over the coach's reply
        wholes = [d.result(timeout=120) for d in decodes]
        record = recorder.end(Status.COMPLETED)
        kept = journal.get(record.id).turns[0].answer
    child.close()
    assert kept is not None
    assert kept.text == " ".join(w.text for w in wholes)
    assert [w.start for w in kept.words] == [w.start for u in wholes for w in u.words]
    assert min(w.conf for w in kept.words[len(wholes[0].words) :]) < 1.0


def test_a_run_not_held_to_real_time_keeps_each_answers_whole_decode(tmp_path: Path) -> None:
    """``--fast`` files: the whole-utterance decode is waited for as the answer is kept, so a
    session stopped at once (which takes only decodes already done) still keeps it; live, the
    streaming words stay when the child has not finished (here it is still loading)."""
    pcm = clip_pcm(1)
    streamed = Utterance(text="he was not", words=(Word("he", 1.0, 1.2, 1.0),), start=1.0, end=1.2)
    kept = []
    for unhurried in (True, False):
        child = Redecoder()
        child.unhurried = unhurried
        with Journal(tmp_path / f"journal-{unhurried}") as journal:
            engine = EngineInfo(name="pocketsphinx", model="en-us")
            recorder = Recorder(journal, "patience", engine, unhurried=unhurried)
            recorder.start_turn("p1", "What happened?")
            decode = child.submit(pcm, 1.0)
            recorder.answer(streamed, decode)
            record = recorder.end(Status.STOPPED)
            kept.append(journal.get(record.id).turns[0].answer)
        whole = decode.result(timeout=120)
        child.close()
        assert not whole.is_empty
    waited, live = kept
    assert waited == whole and waited != streamed
    assert live == streamed


def test_a_run_not_held_to_real_time_always_asks_for_the_tail_check() -> None:
    """Live, a pause that begins while the child is still decoding an earlier answer gets no
    tail check (it would come too late); unhurried, the child is never too busy to wait for."""
    child = Redecoder()
    try:
        decoding = child.submit(clip_pcm(1), 0.0)
        assert child.busy  # cold: still loading its model
        child.unhurried = True
        assert not child.busy
        decoding.result(timeout=120)
    finally:
        child.close()


@pytest.mark.parametrize("fast", [True, False])
def test_listen_on_files_read_fast_waits_for_the_child(
    home: Path, tmp_path: Path, fast: bool
) -> None:
    """The always-on speaker on files is unhurried exactly when they are read faster than
    real time, as a session is."""
    write_mini_home(home)
    silence = Path(__file__).parent / "fixtures" / "silence-10s.wav"
    speaker = tmp_path / "coach.wav"
    options = ListenOptions(
        mic_file=silence, speaker_file=speaker, fast=fast, engine="pocketsphinx"
    )
    with contextlib.ExitStack() as stack:
        settings = load_settings(home / "config.toml")
        loop, _ = build_listen(options, settings, Paths.from_env(), QuietProgress(), stack)
        second_pass = loop.parts.reply_listener.recognizer.second_pass  # the sessions' too
        assert second_pass is not None and second_pass.unhurried is fast
