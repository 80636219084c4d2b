"""Harsh self-talk and named feelings the open model mishears, heard again with the tone
grammar: real PocketSphinx on espeak-ng answers (the voices it mishears most), and no finding
on real answers that are neither (festival answers, LibriVox read speech)."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from tests.realspeech import librivox
from tests.test_commands import EN, chunks, espeak, shaped, silence, timing
from tests.test_dialogue import PRAISE, replies_after
from tests.test_machine import ANSWER, session
from voicecoach.audio.wavfile import read_wav
from voicecoach.coach import answers
from voicecoach.coach.answers import AnswerClass, Heard, classify
from voicecoach.coach.commands import MEANT, CommandSpotter
from voicecoach.coach.tone import LOST_SHARE, grammar, second_opinion, understood
from voicecoach.speech.events import Final, Utterance, Word
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
        # heard "you so to the": the open model lost the time of "i'm" and "-less"
        ("en-gb", "I'm useless at this.", Heard(AnswerClass.HARSH)),
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


def test_harsh_self_talk_is_taken_where_the_open_transcript_lost_its_time(
    sphinx: SphinxRecognizer, tone: SphinxGrammar, tmp_path: Path
) -> None:
    """en-gb's "I'm useless at this.": the open transcript holds only "you" where the grammar
    heard "i'm useless" (the rest of that time it heard nothing), so the two cannot agree by
    sound; what it kept there is part of the form, and nothing it heard says otherwise."""
    (tmp_path / "before").mkdir()
    before = espeak("en-gb", "My partner came home late.", tmp_path / "before")
    final = final_of(sphinx, tone, espeak("en-gb", "I'm useless at this.", tmp_path), before)
    assert isinstance(final, RecheckedFinal) and final.tone is not None
    hearing = final.tone()
    found = [w for w in hearing.words if w.word in ("i'm", "useless")]
    assert [w.word for w in found] == ["i'm", "useless"], hearing.words
    start, end = found[0].start, found[-1].end
    covered = sum(max(0.0, min(w.end, end) - max(w.start, start)) for w in final.utterance.words)
    assert covered < LOST_SHARE * (end - start), final.utterance.words
    assert understood(final.utterance, final.tone) == Heard(AnswerClass.HARSH)


def test_the_same_time_heard_as_other_words_is_not_taken_as_harsh() -> None:
    """Where the open transcript heard words of its own in that time, they decide: a lost
    stretch is all the rule reads."""
    hearing = Hearing((Word("i'm", 0.35, 0.47, 1.0), Word("useless", 0.47, 0.86, 1.0)), _phones)
    lost = Utterance(
        "you so", (Word("you", 0.47, 0.58, 1.0), Word("so", 0.80, 0.91, 1.0)), 0.47, 0.91
    )
    assert second_opinion(lost, hearing) == Heard(AnswerClass.HARSH)
    other = (
        Word("i", 0.35, 0.47, 1.0),
        Word("use", 0.47, 0.62, 1.0),
        Word("this", 0.62, 0.86, 1.0),
    )
    heard = Utterance("i use this", other, 0.35, 0.86)
    assert second_opinion(heard, hearing) is None
    wrong = Utterance("the kitchen", (Word("kitchen", 0.47, 0.62, 1.0),), 0.47, 0.62)
    assert second_opinion(wrong, hearing) is None  # kept sounds that are not the form's


def _phones(word: str) -> list[str]:
    return {
        "i'm": ["AY", "M"], "useless": ["Y", "UW", "S", "L", "AH", "S"], "you": ["Y", "UW"],
        "so": ["S", "OW"], "i": ["AY"], "use": ["Y", "UW", "Z"], "this": ["DH", "IH", "S"],
        "kitchen": ["K", "IH", "CH", "AH", "N"],
    }[word]  # fmt: skip


def festival_slt(text: str, folder: Path) -> bytes:
    """``text`` spoken by festival's slt, in the shape of ``espeak``'s answers."""
    raw, out, said = folder / "raw.wav", folder / "out.wav", folder / "text.txt"
    said.write_text(text)
    voice = "(voice_cmu_us_slt_arctic_hts)"
    subprocess.run(
        ["text2wave", "-eval", voice, "-o", str(raw), str(said)], check=True, timeout=120
    )
    return shaped(raw, out)


def test_harsh_self_talk_the_phrase_grammar_heard_as_stop_is_not_asked_about(
    sphinx: SphinxRecognizer, tone: SphinxGrammar, tmp_path: Path
) -> None:
    """slt's "I'm so stupid." is heard "and says stupid", which the phrase grammar takes for
    "end session": the coach would ask "Did you want to end the session?". The tone grammar
    hears "i'm so stupid" where the transcript sounds like it: an answer."""
    phrases = sphinx.phrase_checker(EN.grammar(), singles=EN.single_words())
    listener = Listener(
        sphinx, timing(phrase_max=4.0), checker=phrases, redecode=False, tone_checker=tone.hear
    )
    (tmp_path / "before").mkdir()
    for answer in (
        festival_slt("My partner came home late.", tmp_path / "before"),
        festival_slt("I'm so stupid.", tmp_path),
    ):
        listener.start(0)
        finals = [
            e for c in chunks(answer + silence(3)) if isinstance(e := listener.feed(c), Final)
        ]
    assert len(finals) == 1 and isinstance(finals[0], RecheckedFinal), finals
    final = finals[0]
    text = final.utterance.text
    assert classify(text).kind not in MEANT, text  # the transcript alone is no harsh self-talk
    asked = CommandSpotter(EN).spot(replace(final, tone=None))
    assert asked is not None and not asked.sure, (text, final.recheck)  # asked about, before
    assert CommandSpotter(EN).spot(final) is None, text
    assert understood(final.utterance, final.tone) == Heard(AnswerClass.HARSH), text


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


def test_more_before_a_noun_is_no_lead_to_a_feeling(
    sphinx: SphinxRecognizer, tone: SphinxGrammar, tmp_path: Path
) -> None:
    """ "… needed more time …" (festival slt, as text2wave writes it): the grammar heard "more
    tired" there, and "time" sounds enough like "tired"; but "more" leads nouns as often as
    feelings, so the open transcript's "more" leads no feeling the coach may name back ("It
    sounds like you felt tired." to an answer about someone else's need)."""
    said = tmp_path / "said.txt"
    said.write_text("I think he just needed more time and some kindness.")
    wav = tmp_path / "slt.wav"
    voice = "(voice_cmu_us_slt_arctic_hts)"
    subprocess.run(["text2wave", "-eval", voice, "-o", str(wav), str(said)], check=True)
    pcm = read_wav(wav)
    final = final_of(sphinx, tone, pcm, read_wav(FIXTURES / "communication-1.wav"))
    assert final.utterance.text == "i think he just needed more time and some kindness"
    hearing = tone.hear(pcm, final.utterance.start)
    assert "tired" in [w.word for w in hearing.words]  # what the grammar made of "time"
    assert second_opinion(final.utterance, hearing) is None
    assert understood(final.utterance, lambda: hearing) == Heard(AnswerClass.FULL)
