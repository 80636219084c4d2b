"""The mood check-in through the rating grammar's second opinion: a number the open transcript
missed is taken when the words where it goes sound like it, checked ("Did you say 9?") when
they do not, and never taken from filler words alone; a number said to a paused coach does not
resume it. The spoken sessions run espeak-ng voices (whose numbers PocketSphinx mishears most)
through the real CLI, loop, PocketSphinx and journal.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from tests.conftest import STREAMING_WORDS, CliResult
from tests.test_commands import espeak
from tests.test_machine import Session, session
from tests.test_machine_e2e import config, run, turns
from voicecoach.audio.wavfile import read_wav
from voicecoach.coach import options as say
from voicecoach.coach.dialogue import State
from voicecoach.coach.intents import Command, PhraseBook
from voicecoach.coach.numbers import beyond_scale, number_word, parse_mood, said_number
from voicecoach.review.views import conversation
from voicecoach.speech.events import Utterance
from voicecoach.speech.grammar import Recheck, RecheckedFinal, focused
from voicecoach.speech.sphinx_engine import SphinxRecognizer
from voicecoach.store.journal import Journal


def hear(s: Session, text: str, rating: Recheck | None, recheck: Recheck | None = None) -> None:
    """An utterance as the listener gives it: the command grammar's opinion, and the rating
    grammar's on request."""
    assert s.io.listening, f"not listening in {s.machine.state}"
    s.io.listening = False
    utterance = Utterance(text=text, words=(), start=0.0, end=1.0)
    asked = (lambda: rating) if rating is not None else None
    heard = RecheckedFinal(utterance=utterance, recheck=recheck or Recheck("", 0.0), rating=asked)
    s.machine.hear(heard)


def spoken(voice: str, text: str, folder: Path) -> Path:
    """A WAV of ``text`` in an espeak-ng voice (as the festival fixtures are made)."""
    where = folder / f"{voice}-{text}"
    where.mkdir()
    espeak(voice, text, where)
    return where / "out.wav"


def said_after(s: Session, text: str, rating: Recheck | None) -> list[str]:
    before = len(s.io.said)
    hear(s, text, rating)
    return s.io.said[before:]


def test_the_agreement_is_about_the_number_not_its_frame() -> None:
    assert focused("ah out of ten", "one out of ten", number_word) == ("ah", "one")
    assert focused("i look and then", "like a ten", number_word) == ("i look and then", "ten")
    assert focused("out of ten", "nine out of ten", number_word) == ("", "nine")
    assert focused("sadly", "good", None) == ("sadly", "good")


def test_a_slip_is_a_number_only_among_cue_and_filler_words() -> None:
    assert parse_mood("um for") == 4
    assert parse_mood("maybe a for") == 4
    assert parse_mood("and ah to do") is None  # espeak-ng's "seven out of ten"
    assert parse_mood("who are you to") is None


def test_a_number_that_sounds_like_the_grammars_is_taken_at_once(journal: Journal) -> None:
    s = session(journal)
    assert said_after(s, "full", Recheck("four", 0.67))[0] == "Thank you."
    assert s.record.mood_before == 4
    assert s.turn("mood-before")["events"] == []


def test_an_unsure_number_is_checked_and_kept_on_yes(journal: Journal) -> None:
    s = session(journal)
    assert said_after(s, "i", Recheck("nine", 0.5)) == ["Did you say 9?"]  # "i" is a filler
    assert s.machine.state is State.CONFIRMING
    hear(s, "yes", None)
    assert s.record.mood_before == 9
    assert s.turn("mood-before")["events"] == ["mood-check"]
    # "No, seven": the number said is kept.
    t = session(journal)
    said_after(t, "sadly", Recheck("one", 0.25))
    hear(t, "no seven", None)
    assert t.record.mood_before == 7


def test_two_numbers_in_reply_to_did_you_say_are_asked_about(journal: Journal) -> None:
    """ "Did you say 1?" "Six or seven.": "Which is closer, 6 or 7?", as at the question itself;
    it was "Sorry, I didn't catch the number." """
    s = session(journal)
    assert said_after(s, "oh lovely", Recheck("one", 0.25)) == ["Did you say 1?"]
    assert said_after(s, "six or seven", None) == ["Which is closer, 6 or 7?"]
    hear(s, "seven", None)
    assert s.record.mood_before == 7
    assert s.turn("mood-before")["events"] == ["mood-check", "mood-reask"]


def test_one_pointing_at_a_thing_is_no_rating(journal: Journal) -> None:
    """en-gb+m3's "I'd say seven", heard "i'd like that one", was kept as 1: "that one" is
    no number, so the grammar's seven is taken where the transcript's words sound like it, and
    asked about where they do not."""
    assert parse_mood("i'd like that one") is None and parse_mood("the one") is None
    assert parse_mood("about a one") == 1 and parse_mood("just one") == 1
    assert parse_mood("this one is a seven") == 7
    s = session(journal)
    assert said_after(s, "i'd like that one", Recheck("i'd say seven", 0.4))[0] == "Thank you."
    assert s.record.mood_before == 7
    t = session(journal)
    assert said_after(t, "i'd like that one", Recheck("i'd say seven", 0.2)) == ["Did you say 7?"]
    hear(t, "yes", None)
    assert t.record.mood_before == 7


def test_a_number_word_the_rating_grammar_disputes_is_asked_about(journal: Journal) -> None:
    """en-gb+m3's "I'd say seven", heard "i'd like that one": the grammar heard seven where the
    transcript has "like that one" (agreement 0.40). Its seven is asked about, not the
    transcript's one kept; answered no, the question is asked again, and the number said then is
    kept (the check is once per question)."""
    s = session(journal)
    assert said_after(s, "i'd say so one", Recheck("i'd say seven", 0.4)) == ["Did you say 7?"]
    hear(s, "yes", None)
    assert s.record.mood_before == 7
    t = session(journal)
    said_after(t, "i'd say so one", Recheck("i'd say seven", 0.4))
    assert said_after(t, "no", None) == [say.MOOD_AGAIN]
    assert said_after(t, "one", Recheck("about a one", 0.25))[0] == "Thank you."
    assert t.record.mood_before == 1
    # a number the grammar would not take on its own disputes none the transcript holds: "I
    # would say about a six" heard word for word, the grammar forcing it onto "i'd say one"
    v = session(journal)
    assert said_after(v, "i would say about a six", Recheck("i'd say one", 0.25))[0] == "Thank you."
    assert v.record.mood_before == 6
    # unless the transcript's number is only the scale's ten, where the grammar heard "out of
    # ten": en-gb's "eight out of ten", heard "they doubt that ten" (0.36), was kept as 10
    w = session(journal)
    heard = Recheck("eight out of ten", 0.36)
    assert said_after(w, "they doubt that ten", heard) == ["Did you say 8?"]
    hear(w, "yes", None)
    assert w.record.mood_before == 8
    x = session(journal)  # a ten said where the rating goes stays a ten
    assert said_after(x, "about a ten", Recheck("about a seven", 0.3))[0] == "Thank you."
    assert x.record.mood_before == 10
    # the grammar agreeing, or its number sharing no sound with the word, leaves the word kept
    u = session(journal)
    assert said_after(u, "seven", Recheck("seven", 1.0))[0] == "Thank you."
    assert u.record.mood_before == 7
    v = session(journal)
    assert said_after(v, "one", Recheck("ten", 0.0))[0] == "Thank you."
    assert v.record.mood_before == 1


def test_a_number_from_filler_words_is_never_kept_unasked(journal: Journal) -> None:
    s = session(journal)
    assert said_after(s, "i", Recheck("a one", 0.25)) == ["Did you say 1?"]
    assert said_after(s, "no", None) == [say.MOOD_AGAIN]
    assert said_after(s, "i", Recheck("one out of ten", 0.0))[0] == say.NO_MOOD
    assert s.record.mood_before is None
    assert s.turn("mood-before")["events"] == ["mood-check", "mood-reask"]


def test_the_same_number_heard_in_both_answers_is_kept_unless_said_no_to(
    journal: Journal,
) -> None:
    s = session(journal)
    said_after(s, "the lobby", Recheck("one", 0.22))
    said_after(s, "the ads", None)  # the reply to the check was neither yes nor no: asked again
    assert said_after(s, "not a teddy", Recheck("one out of ten", 0.1))[0] == "Thank you."
    assert s.record.mood_before == 1
    # en-us's "seven", heard "silly" and then "to look up to you": the grammar's two both times
    t = session(journal)
    assert said_after(t, "silly", Recheck("two", 0.17)) == ["Did you say 2?"]
    assert said_after(t, "no", None) == [say.MOOD_AGAIN]
    assert said_after(t, "to look up to you", Recheck("two out of ten", 0.4))[0] == say.NO_MOOD
    assert t.record.mood_before is None


def test_a_command_said_is_taken_and_one_heard_by_the_grammar_alone_yields_to_a_number(
    journal: Journal,
) -> None:
    s = session(journal)
    hear(s, "stop", Recheck("two", 0.5), Recheck("stop", 1.0))
    assert s.machine.state is State.STOPPED
    t = session(journal)  # espeak-ng's "one" heard "learn", "slower" to the command grammar
    hear(t, "learn", Recheck("one", 0.67), Recheck("slower", 0.57))
    assert t.record.mood_before == 1
    assert t.turn("mood-before")["events"] == []


@pytest.mark.parametrize(
    "said",
    [
        "next time i will take three slow breaths before i answer him",
        "tired the kids woke me up at four",
        "next time i will take two or three slow breaths",  # no "Which is closer, 2 or 3?"
    ],
)
def test_a_sentence_that_holds_a_number_is_asked_about_not_kept(
    journal: Journal, said: str
) -> None:
    s = session(journal)
    assert said_after(s, said, None) == [say.MOOD_AGAIN]
    assert s.record.mood_before is None
    assert said_after(s, "seven", None)[0] == "Thank you."
    assert s.record.mood_before == 7


@pytest.mark.parametrize(
    ("said", "number"),
    [
        ("eleven", 11), ("twelve", 12), ("twenty", 20), ("a hundred", 100),
        ("five hundred", 500), ("twenty five", 25), ("minus one", -1), ("zero", 0),
        ("nought", 0), ("none", 0), ("zero out of ten", 0), ("eleven out of ten", 11),
        ("minus one out of ten", -1), ("11/10", 11), ("i'd say about a hundred", 100),
    ],
)  # fmt: skip
def test_a_number_beyond_the_scale_is_no_rating(said: str, number: int) -> None:
    assert said_number(said, strict=True) == number
    assert beyond_scale(said)
    assert parse_mood(said) is None and parse_mood(said, strict=True) is None


@pytest.mark.parametrize(
    "said",
    [
        "seven", "about a six", "ten out of ten", "one", "6/10", "six or seven",
        "the kids woke me up at twelve", "a hundred percent", "none of it went well",
        "next time i will take three slow breaths",
    ],
)  # fmt: skip
def test_a_rating_or_a_sentence_is_not_beyond_the_scale(said: str) -> None:
    assert not beyond_scale(said)


@pytest.mark.parametrize(
    ("said", "rating"),
    [
        ("eleven", Recheck("a seven", 0.73)),  # festival slt, as the rating grammar heard it
        ("five hundred", Recheck("five out of ten", 0.46)),
        ("zero out of ten", Recheck("two out of ten", 0.5)),
        ("eleven out of ten", Recheck("seven out of ten", 0.6)),
        ("none", Recheck("one", 0.67)),
        ("minus one", Recheck("one", 0.5)),
        ("twenty", Recheck("two", 0.5)),
    ],
)
def test_a_number_beyond_the_scale_is_asked_about_naming_the_scale(
    journal: Journal, said: str, rating: Recheck
) -> None:
    """The rating grammar holds only one to ten, so it hears one of them in any number: a
    number said beyond the scale is never the grammar's number, and asked about once."""
    s = session(journal)
    assert said_after(s, said, rating) == [say.MOOD_SCALE]
    assert s.record.mood_before is None
    assert said_after(s, "seven", Recheck("seven", 1.0))[0] == "Thank you."
    assert s.record.mood_before == 7
    assert s.turn("mood-before")["events"] == ["mood-reask"]
    # said again beyond the scale: let go, no number kept
    t = session(journal)
    said_after(t, said, rating)
    assert said_after(t, said, rating)[0] == say.NO_MOOD
    assert t.record.mood_before is None


def test_zero_heard_as_a_command_is_asked_about_as_a_number(journal: Journal) -> None:
    """festival slt's "zero": the command grammar unsure of "help"; the number wins."""
    s = session(journal)
    hear(s, "zero", Recheck("fine", 0.0), Recheck("help", 0.3))
    assert s.io.said[-1] == say.MOOD_SCALE
    assert s.machine.state is State.LISTENING


def test_a_number_said_to_did_you_want_at_the_mood_question_is_the_mood(
    journal: Journal,
) -> None:
    s = session(journal)
    hear(s, "the", None, Recheck("slower", 0.1))  # espeak-ng's "four": heard as "slower"
    assert s.io.said[-1] == say.CONFIRM[Command.SLOWER]
    assert said_after(s, "seven", Recheck("seven", 1.0))[0] == "Thank you."
    assert s.record.mood_before == 7
    assert s.turn("mood-before")["events"] == ["confirm:slower"]
    # "no, seven" too; a yes still acts on the command
    t = session(journal)
    hear(t, "the", None, Recheck("slower", 0.1))
    hear(t, "no seven", None)
    assert t.record.mood_before == 7


def test_no_to_did_you_say_with_a_number_beyond_the_scale_names_the_scale(
    journal: Journal,
) -> None:
    s = session(journal)
    assert said_after(s, "i", Recheck("seven", 0.5)) == ["Did you say 7?"]
    assert said_after(s, "no eleven", None) == [say.MOOD_SCALE]
    assert s.record.mood_before is None


def test_words_of_their_own_said_to_did_you_say_join_the_answer(journal: Journal) -> None:
    """A reply to "Did you say 7?" that is neither yes, no nor a number was dropped: the
    person's words appeared on screen and in no turn of the journal."""
    s = session(journal)
    assert said_after(s, "i", Recheck("seven", 0.5)) == ["Did you say 7?"]
    assert said_after(s, "he was not a build those young men", None) == [say.MOOD_AGAIN]
    hear(s, "six", Recheck("six", 1.0))
    assert s.turn("mood-before")["answer"]["text"] == "i he was not a build those young men six"
    assert s.record.mood_before == 6
    # the last chance to give a number gone, the words are kept all the same
    t = session(journal, mood_reasks=0)
    assert said_after(t, "i", Recheck("seven", 0.5)) == ["Did you say 7?"]
    hear(t, "my partner came home late", None)
    assert t.turn("mood-before")["answer"]["text"] == "i my partner came home late"
    assert t.record.mood_before is None
    # a yes, a no and filler words are replies to the check, not part of the answer
    for reply in ("yes", "no", "the"):
        u = session(journal)
        hear(u, "i", Recheck("seven", 0.5))
        hear(u, reply, None)
        assert u.turn("mood-before")["answer"]["text"] == "i", reply


def test_show_gives_the_mood_kept_beside_the_words_as_heard(journal: Journal) -> None:
    s = session(journal)
    assert said_after(s, "about is sex", Recheck("about a six", 0.67))[0] == "Thank you."
    kept = journal.get(s.record.id)
    assert kept.mood_before == 6
    console = Console(record=True, width=100)
    console.print(conversation(kept, plain=True))
    shown = console.export_text()
    assert "you   about is sex (mood 6)" in shown, shown


def test_declining_is_never_checked_as_a_number(journal: Journal) -> None:
    s = session(journal)
    assert said_after(s, "i don't know", Recheck("three", 0.3))[0] == say.NO_MOOD
    assert s.record.mood_before is None


def test_a_number_said_while_paused_does_not_resume(journal: Journal) -> None:
    s = session(journal, mood_checkin=False)
    s.hear("pause", Recheck("pause", 1.0))
    assert s.machine.state is State.PAUSED
    s.hear("i", Recheck("go on", 0.3))  # a "nine" to a paused coach, heard "i"
    assert s.machine.state is State.PAUSED
    s.hear("continue", Recheck("continue", 1.0))
    assert s.machine.state is not State.PAUSED


@pytest.mark.slow
def test_spoken_numbers_the_open_model_mishears_are_kept(
    home: Path, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    config(home, "[listen]\nno_answer_s = 3.0\n" + STREAMING_WORDS)
    # en-us+f3's "ten" is heard "any": the rating grammar's "ten" sounds like it, kept at once
    record = run(cli, "small-wins", spoken("en-us+f3", "ten", tmp_path), "cmd-stop")
    mood = turns(record)["mood-before"]
    assert record["mood_before"] == 10, json.dumps(mood, indent=1)
    assert "ten" not in mood["answer"]["text"].split()
    assert mood["events"] == []
    # en-us's "nine" is heard as filler words: the grammar's nine is asked about, kept on yes
    nine = spoken("en-us", "nine", tmp_path)
    second = run(cli, "small-wins", nine, "dialogue-yes-1", "cmd-stop")
    mood = turns(second)["mood-before"]
    assert second["mood_before"] == 9, json.dumps(mood, indent=1)
    assert mood["coach_lines"][1] == "Did you say 9?"
    assert mood["events"] == ["mood-check"]
    # ... and not kept when the reply to "Did you say 9?" is no yes (here "stop")
    third = run(cli, "small-wins", nine, "cmd-stop")
    assert third["mood_before"] is None


@pytest.mark.slow
@pytest.mark.parametrize("beyond", ["beyond-eleven", "beyond-five-hundred", "beyond-zero"])
def test_a_spoken_number_beyond_the_scale_is_asked_about_and_the_next_one_kept(
    home: Path, cli: Callable[..., CliResult], beyond: str
) -> None:
    """festival slt's "eleven" (the rating grammar heard "a seven"), "five hundred" (heard "i've
    hundred") and "zero" (the command grammar unsure of "help"), then "seven"."""
    config(home, "[listen]\nno_answer_s = 3.0\n" + STREAMING_WORDS)
    record = run(cli, "small-wins", beyond, "mood-1", "cmd-stop")
    mood = turns(record)["mood-before"]
    assert record["mood_before"] == 7, json.dumps(mood, indent=1)
    assert mood["coach_lines"][1] == say.MOOD_SCALE, json.dumps(mood, indent=1)
    assert mood["events"] == ["mood-reask"]
    assert mood["answer"]["text"].split()[-1] == "seven", "both replies kept as heard"
    # said twice: no mood kept
    twice = run(cli, "small-wins", beyond, beyond, "cmd-stop")
    mood = turns(twice)["mood-before"]
    assert twice["mood_before"] is None, json.dumps(mood, indent=1)
    assert mood["coach_lines"][1:3] == [say.MOOD_SCALE, say.NO_MOOD]


def test_the_rating_grammar_agrees_only_with_a_word_that_shares_a_sound(tmp_path: Path) -> None:
    book = PhraseBook.build()
    checker = SphinxRecognizer().phrase_checker(book.others, "ratings", number_word)
    ten = read_wav(spoken("en-us+f3", "ten", tmp_path))
    assert checker.check(ten, "dan") == Recheck("ten", pytest.approx(0.67, abs=0.01))
    assert checker.check(ten, "do") == Recheck("ten", 0.0)  # alike in shape only
    assert checker.check(ten, "ten").agreement == 1.0
