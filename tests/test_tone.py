"""Harsh self-talk and named feelings the open model mishears, heard again with the tone
grammar: real PocketSphinx on espeak-ng answers (the voices it mishears most), and no finding
on real answers that are neither (festival answers, LibriVox read speech)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.realspeech import librivox
from tests.test_commands import chunks, espeak, silence, timing
from tests.test_dialogue import PRAISE, replies_after
from tests.test_machine import ANSWER, session
from voicecoach.audio.wavfile import read_wav
from voicecoach.coach import answers
from voicecoach.coach.answers import AnswerClass, Heard, classify
from voicecoach.coach.tone import grammar, second_opinion, understood
from voicecoach.speech.events import Final, Utterance
from voicecoach.speech.grammar import Hearing, Recheck, RecheckedFinal, SphinxGrammar
from voicecoach.speech.listener import Listener
from voicecoach.speech.sphinx_engine import SphinxRecognizer
from voicecoach.store.journal import Journal

FIXTURES = Path(__file__).parent / "fixtures" / "en"


@pytest.fixture
def sphinx() -> SphinxRecognizer:
    """A new decoder for each test: what it hears depends on the cepstral mean it carries."""
    return SphinxRecognizer()


@pytest.fixture
def tone(sphinx: SphinxRecognizer) -> SphinxGrammar:
    return sphinx.grammar_search("tone", grammar)


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    journal = Journal(tmp_path / "journal")
    yield journal
    journal.close()


def final_of(sphinx: SphinxRecognizer, tone: SphinxGrammar, pcm: bytes, before: bytes) -> Final:
    """The listener's final for ``pcm`` after an answer ``before`` in the same voice (a session
    under way: the cepstral mean and the speaker's level are known), with the tone grammar to
    ask."""
    listener = Listener(sphinx, timing(phrase_max=4.0), redecode=False, tone_checker=tone.hear)
    for answer in (before, pcm):
        listener.start(0)
        finals = []
        for chunk in chunks(answer + silence(3)):
            event = listener.feed(chunk)
            if isinstance(event, Final):
                finals.append(event)
    assert len(finals) == 1, finals
    return finals[0]


@pytest.mark.parametrize(
    ("voice", "said", "expected"),
    [
        ("en-gb", "I was really angry.", Heard(AnswerClass.FEELING, "angry")),
        ("en-us", "I always ruin things.", Heard(AnswerClass.HARSH)),
        ("en-gb", "I always ruin things.", Heard(AnswerClass.HARSH)),
        ("en-us", "It's all my fault.", Heard(AnswerClass.HARSH)),
    ],
)
def test_a_misheard_feeling_or_harsh_word_is_heard_again_by_the_grammar(
    sphinx: SphinxRecognizer,
    tone: SphinxGrammar,
    tmp_path: Path,
    voice: str,
    said: str,
    expected: Heard,
) -> None:
    (tmp_path / "before").mkdir()
    before = espeak(voice, "My partner came home late.", tmp_path / "before")
    final = final_of(sphinx, tone, espeak(voice, said, tmp_path), before)
    text = final.utterance.text
    assert classify(text).kind in (AnswerClass.FULL, AnswerClass.SHORT), text  # misheard
    assert isinstance(final, RecheckedFinal) and final.tone is not None
    assert understood(final.utterance, final.tone) == expected, text


@pytest.mark.parametrize("name", [f"nocmd-{n}.wav" for n in range(1, 9)])
def test_real_answers_get_no_finding_their_words_do_not_say(
    sphinx: SphinxRecognizer, tone: SphinxGrammar, name: str
) -> None:
    before = read_wav(FIXTURES / "communication-1.wav")
    final = final_of(sphinx, tone, read_wav(FIXTURES / name), before)
    hearing = tone.hear(read_wav(FIXTURES / name), final.utterance.start)
    found = second_opinion(final.utterance, hearing)  # asked here whatever the transcript says
    assert found is None or found == classify(final.utterance.text), final.utterance.text


def test_read_speech_gets_no_finding_its_words_do_not_say(
    sphinx: SphinxRecognizer, tone: SphinxGrammar
) -> None:
    for clip, _ in librivox():
        pcm = read_wav(clip)
        sphinx.accept(pcm)
        utterance = sphinx.finish(0.0)
        found = second_opinion(utterance, tone.hear(pcm, 0.0))
        assert found is None or found == classify(utterance.text), utterance.text


def test_the_grammar_is_asked_only_about_a_full_or_short_answer() -> None:
    asked: list[str] = []

    def hearing() -> Hearing:
        asked.append("asked")
        return Hearing((), list)

    for text in ("", "i don't know", "it's all my fault", "i felt so lonely"):
        understood(Utterance(text=text, words=(), start=0.0, end=1.0), hearing)
    assert not asked
    for text in ("dinner", ANSWER):
        assert understood(Utterance(text=text, words=(), start=0.0, end=1.0), hearing) == (
            classify(text)
        )
    assert asked == ["asked", "asked"]


@pytest.mark.parametrize("heard", ["i might be a", "i don't really got", "i don't really go"])
def test_a_short_transcript_of_empty_words_is_not_praised(journal: Journal, heard: str) -> None:
    assert classify(heard).kind is AnswerClass.SHORT
    s = session(journal, mood_checkin=False)
    reply = " ".join(replies_after(s, heard)).lower()
    assert not any(word in reply for word in PRAISE), reply


def test_harsh_self_talk_the_grammar_heard_as_stop_is_an_answer(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    before = len(s.io.said)
    s.hear("i'm so stupid", Recheck("stop", 0.5))
    reply = s.io.said[before:]
    assert reply[0] in answers.REFRAMES, reply
    assert not any("did you want" in line.lower() for line in reply)


def test_audio_the_grammar_cannot_end_in_gives_no_words(tone: SphinxGrammar) -> None:
    assert tone.hear(silence(0.05), 0.0).words == ()
    assert tone.hear(b"", 0.0).words == ()
