"""Commands heard through the real engines: the phrase grammar's second opinion (PocketSphinx
JSGF search, Vosk grammar on the Korean model), the decision rules, and the listener's patience
(a thinking pause, the cap's grace)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import KOREAN_MODEL, fixture_table, fixture_text, fixture_wav
from tests.room import synthetic
from voicecoach.audio.source import FRAME_BYTES
from voicecoach.audio.wavfile import read_wav, to_pcm16
from voicecoach.coach.answers import classify
from voicecoach.coach.commands import (
    CONFIRM_UNLESS_SAID,
    MEANT,
    UNSURE_FLOOR,
    CommandSpotter,
    Spotted,
)
from voicecoach.coach.intents import Command, PhraseBook, seems_unfinished
from voicecoach.frames import SAMPLE_RATE, AudioChunk
from voicecoach.speech.events import Final, ListenEvent, NoAnswer, Utterance
from voicecoach.speech.grammar import (
    Recheck,
    RecheckedFinal,
    SphinxPhrases,
    letters,
    phone_agreement,
    similarity,
)
from voicecoach.speech.listener import Listener
from voicecoach.speech.scoring import word_error_rate
from voicecoach.speech.sphinx_engine import SphinxRecognizer
from voicecoach.speech.timing import ListenTiming

EN = PhraseBook.build("en")
KO = PhraseBook.build("ko")


# ---- the decision ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "recheck", "expected"),
    [
        ("skip", None, Command.SKIP),  # no grammar: the text decides alone
        ("i want to skip that part", None, None),
        ("stop", Recheck("stop", 1.0), Command.STOP),
        ("stop", Recheck("skip", 0.2), None),  # the two disagree on which command: neither
        ("stop", Recheck("", 0.0), Command.STOP),  # the grammar heard nothing: the text decides
        ("ricky", Recheck("repeat", 0.67), Command.REPEAT),  # misheard, but sounds alike
        ("gods", Recheck("pause", 0.3), None),  # too far apart to be sure
        ("i need to stop judging myself", Recheck("end the session", 0.31), None),
        ("seven", Recheck("seven", 1.0), None),  # the grammar's other replies are not commands
    ],
)
def test_a_command_needs_the_transcript_and_the_grammar_to_agree(
    text: str, recheck: Recheck | None, expected: Command | None
) -> None:
    assert CommandSpotter(EN).decide(text, recheck) is expected


@pytest.mark.parametrize(
    ("text", "recheck", "expected"),
    [
        ("and says stupid", Recheck("stop", 0.5), Spotted(Command.STOP, False)),  # 3 words
        ("stuff", Recheck("stop", 0.45), Spotted(Command.STOP, False, guarded=True)),
        ("skipped", Recheck("skip", 0.6), Spotted(Command.SKIP, False, guarded=True)),
        ("please stop", Recheck("stop", 0.9), Spotted(Command.STOP)),  # the phrase itself
        ("skip this one", None, Spotted(Command.SKIP)),
        ("ricky", Recheck("repeat", 0.67), Spotted(Command.REPEAT)),  # nothing lost: acted on
        # The open transcript holds only words of no reading of their own: asked about.
        ("the", Recheck("repeat", 0.14), Spotted(Command.REPEAT, False, weak=True)),
        ("i'm a", Recheck("slower", 0.0), Spotted(Command.SLOWER, False, weak=True)),
        # More words than the phrase the grammar alone heard: a short answer, asked about.
        ("it's all all", Recheck("too slow", 0.5), Spotted(Command.FASTER, False)),
    ],
)
def test_a_stop_or_skip_heard_only_by_the_grammar_is_asked_about_first(
    text: str, recheck: Recheck | None, expected: Spotted
) -> None:
    utterance = Utterance(text=text, words=(), start=0.0, end=1.0)
    final = RecheckedFinal(utterance=utterance, recheck=recheck)
    assert CommandSpotter(EN).spot(final) == expected
    assert CommandSpotter(EN).command(final) == (expected.command if expected.sure else None)


@pytest.mark.parametrize(
    ("text", "recheck"),
    [
        ("the", Recheck("repeat that", 0.1)),  # only a one-word command is taken from "the"
        ("the", Recheck("six", 0.2)),  # "my sister" heard as "the": a rating, not a command
        ("okay", Recheck("help", 0.29)),  # a short reply of its own
        ("the kitchen", Recheck("quit", 0.1)),  # a word of its own
    ],
)
def test_a_transcript_of_its_own_words_is_not_overruled_by_the_grammar(
    text: str, recheck: Recheck
) -> None:
    utterance = Utterance(text=text, words=(), start=0.0, end=1.0)
    assert CommandSpotter(EN).spot(RecheckedFinal(utterance=utterance, recheck=recheck)) is None


@pytest.mark.parametrize(
    ("text", "recheck", "expected"),
    [
        ("i'm so stupid", Recheck("i'm done for today", 0.45), None),  # harsh self-talk
        ("i'm useless", Recheck("i'm done for today", 0.3), None),
        ("i'm so tired", Recheck("i'm done", 0.46), None),  # a feeling
        ("i felt so alone", Recheck("slow down", 0.5), None),
        # The command's own words are there: still a command, asked about first.
        ("i'm so tired stop", Recheck("stop", 0.8), Spotted(Command.STOP, False)),
        ("i'm done", Recheck("i'm done", 1.0), Spotted(Command.STOP)),  # the phrase itself
    ],
)
def test_self_talk_or_a_feeling_is_an_answer_whatever_the_grammar_heard(
    text: str, recheck: Recheck, expected: Spotted | None
) -> None:
    utterance = Utterance(text=text, words=(), start=0.0, end=1.0)
    assert CommandSpotter(EN).spot(RecheckedFinal(utterance=utterance, recheck=recheck)) == (
        expected
    )


def test_agreement_zero_trusts_the_grammar_alone() -> None:
    assert CommandSpotter(KO, min_agreement=0.0).decide("러시", Recheck("다시", 0.1)) is (
        Command.REPEAT
    )
    assert CommandSpotter(KO).decide("러시", Recheck("다시", 0.1)) is None


def test_sound_units() -> None:
    assert similarity(["a", "b"], ["a", "b"]) == 1.0
    assert similarity([], []) == 1.0
    assert similarity(["a"], []) == 0.0
    assert letters("다시 말해") == letters("다시말해") and len(letters("다시")) == 4  # jamo
    gods, pause = ["G", "AA", "D", "Z"], ["P", "AO", "Z"]
    assert phone_agreement(gods, pause, one_word=True) > phone_agreement(gods, pause, False)


# ---- PocketSphinx: a JSGF search on the session's decoder -----------------------------------


@pytest.fixture(scope="module")
def sphinx() -> SphinxRecognizer:
    """The listeners on it leave out the whole-answer second decode (``redecode=False``) unless
    a thinking pause is tested (its tail check uses the second decoder)."""
    return SphinxRecognizer()


@pytest.fixture(scope="module")
def sphinx_phrases(sphinx: SphinxRecognizer) -> SphinxPhrases:
    """The command grammar as a session wires it: every phrase, and the one-word commands."""
    return sphinx.phrase_checker(EN.grammar(), singles=EN.single_words())


def chunks(pcm: bytes) -> Iterator[AudioChunk]:
    for offset in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES):
        yield AudioChunk(pcm[offset : offset + FRAME_BYTES], offset // 2)


def silence(seconds: float) -> bytes:
    return bytes(int(seconds * SAMPLE_RATE) * 2)


def listen(listener: Listener, pcm: bytes) -> list[tuple[float, ListenEvent]]:
    listener.start(0)
    events: list[tuple[float, ListenEvent]] = []
    for chunk in chunks(pcm):
        event = listener.feed(chunk)
        if isinstance(event, Final | NoAnswer):
            events.append((chunk.end / SAMPLE_RATE, event))
    return events


def timing(**extra: float) -> ListenTiming:
    return ListenTiming.from_seconds(2.0, 8.0, 60.0, **extra)


def test_the_phrase_grammar_holds_every_phrase_the_dictionary_knows(
    sphinx_phrases: SphinxPhrases,
) -> None:
    assert set(sphinx_phrases.phrases) == set(EN.grammar())


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("cmd-say-that-again", Command.REPEAT),
        ("cmd-next-question", Command.SKIP),
        ("cmd-wait-a-moment", Command.PAUSE),
        ("cmd-continue", Command.RESUME),
        ("cmd-end-the-session", Command.STOP),
        ("cmd-what-can-i-say", Command.HELP),
        ("cmd-please-speak-slower", Command.SLOWER),
        ("cmd-speak-faster", Command.FASTER),
        ("cmd-forget-my-last-answer", Command.FORGET),
        ("cmd-private-session", Command.PRIVATE),
        ("nocmd-1", None),
        ("nocmd-7", None),
        ("short-6", None),
        ("mood-4", None),
    ],
)
def test_a_short_utterance_is_heard_twice_and_commands_come_out(
    sphinx: SphinxRecognizer, sphinx_phrases: SphinxPhrases, name: str, command: Command | None
) -> None:
    listener = Listener(sphinx, timing(phrase_max=4.0), checker=sphinx_phrases, redecode=False)
    events = listen(listener, read_wav(fixture_wav(name)) + silence(3))
    assert len(events) == 1
    final = events[0][1]
    assert isinstance(final, RecheckedFinal) and final.recheck is not None
    spotted = CommandSpotter(EN).spot(final)
    assert (spotted.command if spotted is not None else None) is command
    if spotted is not None:
        assert EN.command_of(final.recheck.phrase) is command
        said = EN.match(final.utterance.text) is command
        assert spotted.sure is (said or command not in CONFIRM_UNLESS_SAID)


def espeak(voice: str, text: str, folder: Path) -> bytes:
    """``text`` spoken by espeak-ng's ``voice``, as 16 kHz int16 with 0.3 s of silence around
    it (the same shape as the festival fixtures)."""
    raw = folder / "raw.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(raw), text], check=True, timeout=30)
    return shaped(raw, folder / "out.wav")


def shaped(raw: Path, out: Path) -> bytes:
    """A synthesised recording ``raw`` in the shape of the fixtures: 16 kHz mono int16, the
    silence at either end cut, -3 dB peak, 0.3 s of silence around it (written to ``out``)."""
    subprocess.run(
        ["sox", "-D", "-R", "-V1", str(raw), "-e", "signed-integer", "-b", "16", "-c", "1"]
        + ["-r", "16000", str(out), "silence", "1", "0.02", "0.5%", "reverse", "silence", "1"]
        + ["0.02", "0.5%", "reverse", "norm", "-3", "pad", "0.3", "0.3"],
        check=True,
        timeout=60,
    )
    return read_wav(out)


@pytest.mark.parametrize("voice", ["en-us", "en-gb"])
def test_a_one_word_repeat_the_open_model_hears_as_the_is_asked_about(
    sphinx: SphinxRecognizer, sphinx_phrases: SphinxPhrases, voice: str, tmp_path: Path
) -> None:
    listener = Listener(sphinx, timing(phrase_max=4.0), checker=sphinx_phrases, redecode=False)
    events = listen(listener, espeak(voice, "repeat", tmp_path) + silence(3))
    assert len(events) == 1
    final = events[0][1]
    assert isinstance(final, RecheckedFinal) and final.recheck is not None
    spotted = CommandSpotter(EN).spot(final)
    assert spotted is not None and spotted.command is Command.REPEAT, final


def fresh_phrases() -> SphinxPhrases:
    """The session's command grammar on a decoder that has heard nothing yet: what a grammar
    hears in a short clip moves with the audio the decoder heard before it."""
    return SphinxRecognizer().phrase_checker(EN.grammar(), singles=EN.single_words())


def test_a_one_word_command_heard_as_two_words_is_asked_about(tmp_path: Path) -> None:
    """In a benchmark session the open model wrote slt's one-word "pause" as "ah us": no phone
    in common with "pause" (agreement 0), though the two words have its shape of sounds. The
    command grammar, decoding the real audio of a spoken "pause", is checked against that
    transcript: taken as one word, it is close enough to ask "Did you want to pause?"."""
    recheck = fresh_phrases().check(espeak("en-us", "pause", tmp_path), "ah us")
    assert recheck.phrase == "pause", recheck
    assert recheck.agreement < UNSURE_FLOOR <= recheck.split, recheck
    utterance = Utterance(text="ah us", words=(), start=0.0, end=1.0)
    spotted = CommandSpotter(EN).spot(RecheckedFinal(utterance=utterance, recheck=recheck))
    assert spotted == Spotted(Command.PAUSE, sure=False)
    # without the one-word reading the same hearing was an answer
    plain = replace(recheck, split=0.0)
    assert CommandSpotter(EN).spot(RecheckedFinal(utterance=utterance, recheck=plain)) is None


def test_the_one_word_grammar_picks_which_command_to_ask_about(tmp_path: Path) -> None:
    """en-us+f3's "help" came out as "hail" in a benchmark session, and the whole grammar
    chose "hang on" (agreement 0.25): "Did you want to pause?", and yes paused the session.
    Given that hearing, the grammar of one-word commands alone is asked about the real audio
    of a spoken "help" (en-us: the clip the whole grammar hears as "two"): it hears "help",
    which sounds far more like "hail", and that is the command asked about, still unsure."""
    phrases = fresh_phrases()
    heard = phrases.check(espeak("en-us", "help", tmp_path), "hail")
    assert heard.single is not None
    alone = heard.single()
    assert alone.phrase == "help" and alone.agreement > 0.25, alone
    whole = Recheck("hang on", 0.25, single=heard.single)  # the session's whole-grammar hearing
    utterance = Utterance(text="hail", words=(), start=0.0, end=1.0)
    spotted = CommandSpotter(EN).spot(RecheckedFinal(utterance=utterance, recheck=whole))
    assert spotted == Spotted(Command.HELP, sure=False)
    alone_not_asked = replace(whole, single=None)
    before = CommandSpotter(EN).spot(RecheckedFinal(utterance=utterance, recheck=alone_not_asked))
    assert before == Spotted(Command.PAUSE, sure=False)
    # a transcript of two words or more is not heard again with the one-word grammar: kdl's
    # "hold on", heard "all the", was asked about as "repeat" when it was
    assert phrases.check(espeak("en-us", "help", tmp_path), "all the").single is None


def test_self_talk_and_feelings_that_sound_like_commands_are_answers(
    sphinx: SphinxRecognizer, sphinx_phrases: SphinxPhrases
) -> None:
    """festival's ked voice: PocketSphinx hears each word, and the grammar forces some of them
    onto a command ("i'm exhausted" → "i'm done for today", "i'm so tired" → "i'm done"), close
    enough that the coach would have asked "Did you want to end the session?"."""
    commands = []
    for text in ("I'm exhausted.", "I'm stupid.", "I'm so tired.", "I'm so stupid."):
        listener = Listener(sphinx, timing(phrase_max=4.0), checker=sphinx_phrases)
        spoken = synthetic(text, "ked", timed=False).pcm
        pcm = to_pcm16(spoken / np.abs(spoken).max() * 10 ** (-3 / 20))  # as the fixtures
        events = listen(listener, silence(0.3) + pcm + silence(3))
        assert len(events) == 1
        final = events[0][1]
        assert isinstance(final, RecheckedFinal) and final.recheck is not None
        assert classify(final.utterance.text).kind in MEANT, final
        assert CommandSpotter(EN).spot(final) is None, final
        commands.append(EN.command_of(final.recheck.phrase))
    assert any(commands), commands  # the grammar did hear commands in them


def test_a_long_answer_is_not_heard_twice(
    sphinx: SphinxRecognizer, sphinx_phrases: SphinxPhrases
) -> None:
    listener = Listener(sphinx, timing(phrase_max=4.0), checker=sphinx_phrases, redecode=False)
    events = listen(listener, read_wav(fixture_wav("patience-1")) + silence(3))
    final = events[0][1]
    assert isinstance(final, Final) and not isinstance(final, RecheckedFinal)
    assert word_error_rate(fixture_text("patience-1"), final.utterance.text) < 0.25
    # the open search is active again: the next answer is transcribed as usual
    events = listen(listener, read_wav(fixture_wav("patience-2")) + silence(3))
    final = events[0][1]
    assert isinstance(final, Final)
    assert word_error_rate(fixture_text("patience-2"), final.utterance.text) < 0.25


def test_a_thinking_pause_after_and_does_not_end_the_answer(sphinx: SphinxRecognizer) -> None:
    first, second = read_wav(fixture_wav("pause-part-1")), read_wav(fixture_wav("pause-part-2"))
    # 3.6 s of quiet between the parts (3 s here, 0.3 s at either fixture's edge)
    audio = first + silence(3.0) + second + silence(6)
    patient = Listener(sphinx, timing(thinking_pause=5.0), unfinished=seems_unfinished)
    events = listen(patient, audio)
    assert len(events) == 1
    final = events[0][1]
    assert isinstance(final, Final)
    both = fixture_text("pause-part-1") + " " + fixture_text("pause-part-2")
    assert word_error_rate(both, final.utterance.text) < 0.25
    # without the thinking pause the answer would end in the pause, after "and"
    hasty = listen(Listener(sphinx, timing(), redecode=False), audio)
    cut = hasty[0][1]
    assert isinstance(cut, Final) and cut.utterance.text.endswith("and")
    assert hasty[0][0] < len(first) / 2 / SAMPLE_RATE + 2.5


def test_a_finished_sentence_ends_at_the_usual_silence(sphinx: SphinxRecognizer) -> None:
    audio = read_wav(fixture_wav("patience-3")) + silence(6)
    events = listen(
        Listener(sphinx, timing(thinking_pause=5.0), unfinished=seems_unfinished), audio
    )
    speech_end = len(read_wav(fixture_wav("patience-3"))) / 2 / SAMPLE_RATE - 0.3
    assert speech_end + 1.9 < events[0][0] < speech_end + 2.6


def test_at_the_cap_a_sentence_is_let_finish(sphinx: SphinxRecognizer) -> None:
    first = read_wav(fixture_wav("patience-1"))  # 7.0 s of speech
    audio = first + silence(0.6) + read_wav(fixture_wav("patience-2")) + silence(3)
    listener = Listener(
        sphinx, ListenTiming.from_seconds(2.0, 8.0, 5.0, cap_grace=10.0), redecode=False
    )
    events = listen(listener, audio)
    at, final = events[0]
    assert isinstance(final, Final) and final.capped
    first_end = len(first) / 2 / SAMPLE_RATE - 0.3
    assert first_end < at < first_end + 0.9, "ended in the gap after the first sentence"
    assert word_error_rate(fixture_text("patience-1"), final.utterance.text) < 0.25


def test_the_grace_at_the_cap_has_its_own_limit(sphinx: SphinxRecognizer) -> None:
    audio = read_wav(fixture_wav("patience-1")) + silence(3)
    listener = Listener(
        sphinx, ListenTiming.from_seconds(2.0, 8.0, 5.0, cap_grace=1.0), redecode=False
    )
    at, final = listen(listener, audio)[0]
    assert isinstance(final, Final) and final.capped
    assert 6.0 <= at < 6.6


# ---- Vosk: a grammar recogniser on the session's (Korean) model -----------------------------


@pytest.fixture(scope="module")
def vosk_listener(korean_model: Any) -> Listener:
    from voicecoach.speech.vosk_engine import VoskRecognizer

    recognizer = VoskRecognizer(KOREAN_MODEL, model=korean_model)
    checker = recognizer.phrase_checker(KO.grammar())
    return Listener(recognizer, timing(phrase_max=4.0), checker=checker)


def test_vosk_keeps_only_phrases_its_model_knows(vosk_listener: Listener) -> None:
    checker = vosk_listener.opinions.checker
    assert checker is not None
    assert "계속" in checker.phrases and "다시 말해 주세요" in checker.phrases
    assert set(checker.phrases) <= set(KO.grammar())


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("ko-cmd-continue", Command.RESUME),
        ("ko-cmd-repeat", Command.REPEAT),
        ("ko-cmd-stop", Command.STOP),
        ("ko-cmd-wait", Command.PAUSE),
    ],
)
def test_the_vosk_grammar_hears_korean_commands(
    vosk_listener: Listener, name: str, command: Command
) -> None:
    events = listen(vosk_listener, read_wav(fixture_wav(name)) + silence(3))
    final = events[0][1]
    assert isinstance(final, RecheckedFinal) and final.recheck is not None
    assert final.recheck.phrase == fixture_table()[name]["text"]
    assert CommandSpotter(KO, min_agreement=0.0).command(final) is command


def test_a_korean_sentence_is_not_heard_as_a_command(vosk_listener: Listener) -> None:
    events = listen(vosk_listener, read_wav(fixture_wav("ko-1")) + silence(3))
    final = events[0][1]
    assert isinstance(final, Final)
    assert CommandSpotter(KO, min_agreement=0.0).command(final) is None


@pytest.mark.parametrize("said", ["no idea", "i don't know", "not sure"])
def test_i_dont_know_heard_whole_is_an_answer_whatever_the_grammar_chose(said: str) -> None:
    """Through PocketSphinx adapted to en-us and to kdl, "No idea." was heard word for word and
    the whole grammar chose "go on": the coach asked "Did you want to go on?"."""
    utterance = Utterance(text=said, words=(), start=0.0, end=1.0)
    for phrase in ("go on", "skip", "wait"):
        recheck = Recheck(phrase, 0.5)
        assert CommandSpotter(EN).spot(RecheckedFinal(utterance=utterance, recheck=recheck)) is None
