"""Commands on text, spoken numbers, replies: examples and generated phrasings (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import fixture_table
from voicecoach.coach.intents import (
    EDGE_WORDS,
    ENGLISH,
    Command,
    PhraseBook,
    cores,
    seems_continued,
    seems_unfinished,
    wants_to_end,
)
from voicecoach.coach.numbers import either_of, parse_mood
from voicecoach.text import normalise

BOOK = PhraseBook.build("en")
PHRASES = [(phrase, command) for command, phrases in ENGLISH.items() for phrase in phrases]

# Words that never sit at the edge of a command: content of an answer.
CONTENT = (
    "myself", "judging", "partner", "him", "her", "trust", "angry", "before", "react", "talking",
    "harshly", "work", "home", "time", "feel", "when", "because", "forgive", "listen", "week",
)  # fmt: skip


def styled(draw: st.DrawFn, text: str) -> str:
    """The same words as a recogniser or a person might write them: case, commas, stops."""
    words = text.split()
    out = []
    for word in words:
        case = draw(st.sampled_from([str.lower, str.upper, str.capitalize]))
        out.append(case(word) + draw(st.sampled_from(["", "", ",", "."])))
    return " ".join(out) + draw(st.sampled_from(["", ".", "!", "?", " ..."]))


@st.composite
def command_phrasings(draw: st.DrawFn) -> tuple[str, Command]:
    phrase, command = draw(st.sampled_from(PHRASES))
    before = draw(st.lists(st.sampled_from(EDGE_WORDS), max_size=2))
    after = draw(st.lists(st.sampled_from(EDGE_WORDS), max_size=2))
    return styled(draw, " ".join([*before, phrase, *after])), command


@st.composite
def answers_with_command_words(draw: st.DrawFn) -> str:
    phrase, _ = draw(st.sampled_from(PHRASES))
    before = draw(st.lists(st.sampled_from(CONTENT), max_size=3))
    after = draw(st.lists(st.sampled_from(CONTENT), max_size=3))
    if not before and not after:
        after = [draw(st.sampled_from(CONTENT))]
    return styled(draw, " ".join(["i", *before, phrase, *after]))


@given(command_phrasings())
@settings(max_examples=300, deadline=None)
def test_a_command_said_on_its_own_is_heard_whatever_the_polite_words(
    case: tuple[str, Command],
) -> None:
    text, command = case
    assert BOOK.match(text) is command, text


@given(answers_with_command_words())
@settings(max_examples=300, deadline=None)
def test_an_answer_containing_command_words_is_never_a_command(text: str) -> None:
    assert BOOK.match(text) is None, text


@pytest.mark.parametrize(
    "name", [n for n, e in fixture_table().items() if e["group"] in ("nocmd", "short", "safe")]
)
def test_the_answer_fixtures_are_not_commands(name: str) -> None:
    assert BOOK.match(fixture_table()[name]["text"]) is None


@pytest.mark.parametrize(
    "name", [n for n, e in fixture_table().items() if e["group"] in ("command", "command-extra")]
)
def test_every_command_fixture_is_its_command(name: str) -> None:
    entry = fixture_table()[name]
    assert BOOK.match(entry["text"]) is Command(entry["command"])


def test_phrases_can_be_replaced_per_command_and_per_language() -> None:
    book = PhraseBook.build("en", {Command.REPEAT: ["once more"]})
    assert book.match("once more") is Command.REPEAT
    assert book.match("repeat") is None, "the built-in repeat phrases were replaced"
    assert book.match("skip") is Command.SKIP, "the other commands keep theirs"
    korean = PhraseBook.build("ko")
    assert korean.match("계속") is Command.RESUME
    assert korean.match("continue") is None
    assert "네" in korean.grammar()
    assert PhraseBook.build("xx").phrases() == []


def test_the_grammar_holds_the_commands_then_short_replies_that_are_not_commands() -> None:
    grammar = BOOK.grammar()
    assert grammar[: len(BOOK.phrases())] == BOOK.phrases()
    for reply in ("seven", "about a six", "eight out of ten", "i don't know", "yes", "not now"):
        assert reply in grammar and BOOK.command_of(reply) is None
    assert len(grammar) == len(set(grammar))


def test_normalise_keeps_apostrophes_and_drops_marks() -> None:
    assert normalise("That\u2019s  enough, for TODAY!") == "that's enough for today"
    assert normalise("'quoted' words") == "quoted words"
    assert normalise("  ") == ""


@pytest.mark.parametrize(
    ("text", "unfinished"),
    [("i felt angry and", True), ("because um", True), ("i felt angry", False), ("", False)],
)
def test_a_pause_after_and_or_um_is_a_thinking_pause(text: str, unfinished: bool) -> None:
    assert seems_unfinished(text) is unfinished


@pytest.mark.parametrize(
    ("reply", "ends"),
    [
        ("yes", True),
        ("yes please", True),
        ("I'm not okay", True),
        ("hmm", True),
        ("", True),
        ("no", False),
        ("no, I'd like to continue", False),
        ("let's keep going", False),
        ("not now", False),
    ],
)
def test_after_a_safety_concern_only_a_clear_reply_goes_on(reply: str, ends: bool) -> None:
    assert wants_to_end(reply) is ends


# ---- spoken numbers ------------------------------------------------------------------------

WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
FRAMES = [
    "{n}", "about a {n}", "{n} out of ten", "maybe a {n}", "i feel like a {n} today",
    "i'd say {n}", "probably a {n}", "honestly about a {n} right now", "a solid {n}",
    "{n} out of 10", "um {n}", "i think i'm at a {n} today",
]  # fmt: skip


@given(st.integers(1, 10), st.sampled_from(FRAMES), st.booleans())
@settings(max_examples=300, deadline=None)
def test_a_rating_in_words_or_digits_is_understood(value: int, frame: str, digits: bool) -> None:
    said = str(value) if digits else WORDS[value - 1]
    text = frame.format(n=said)
    assert parse_mood(text) == value, text


@given(
    st.sampled_from(["i don't know", "not sure", "no idea", "i'd rather not say", "pass"]),
    st.sampled_from(["", "um ", "honestly "]),
)
def test_declining_gives_no_rating(declined: str, lead: str) -> None:
    assert parse_mood(lead + declined) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("seven", 7),
        ("7/10", 7),
        ("for", 4),  # a recogniser's "four" in a short reply
        ("maybe a for", 4),
        ("eight out of ten", 8),
        ("ate out of ten", 8),
        ("i have two kids and i feel like a six", 6),
        ("six and a half", 6),
        ("zero", None),
        ("eleven", None),
        ("pretty good", None),
        ("one of those days really", None),
        ("i want to go for a walk with my partner tonight", None),
        ("", None),
        ("i'd say seven", 7),
        ("seven because work went well", 7),
        ("i think i'm at a four right now", 4),
        ("five or so", 5),
        # a sentence that holds a number gives no rating
        ("next time i will take three slow breaths before i answer him", None),
        ("i can count to ten before i reply", None),
        ("tired, the kids woke me up at four", None),
        ("five hundred", None),
        ("it's three o'clock and i'm tired", None),
        ("i feel like ten years older", None),
        ("up at four", None),
        # a choice is asked about ("Which is closer, 6 or 7?"), not read as one of them
        ("six or seven", None),
        ("a five or a six", None),
    ],
)
def test_ratings_and_non_ratings(text: str, value: int | None) -> None:
    assert parse_mood(text) == value


@pytest.mark.parametrize("name", [n for n, e in fixture_table().items() if e["group"] == "number"])
def test_a_sentence_fixture_that_holds_a_number_gives_no_rating(name: str) -> None:
    text = fixture_table()[name]["text"]
    assert any(f" {w} " in f" {normalise(text)} " for w in WORDS), text
    assert parse_mood(text) is None, text
    assert either_of(text) is None, text


@pytest.mark.parametrize("name", [n for n, e in fixture_table().items() if e["group"] == "mood"])
def test_every_mood_fixture_parses_as_its_number(name: str) -> None:
    text = fixture_table()[name]["text"]
    expected = next((i + 1 for i, w in enumerate(WORDS) if f" {w} " in f" {text} "), None)
    assert parse_mood(text) == expected, text


@pytest.mark.parametrize(
    ("text", "continued"),
    [("i waited and", True), ("because", True), ("so um", True), ("to do for the", False),
     ("young man", False), ("", False)],
)  # fmt: skip
def test_only_conjunctions_and_fillers_continue(text: str, continued: bool) -> None:
    assert seems_continued(text) is continued
    if continued:
        assert seems_unfinished(text)  # a subset of the words announcing more


# ---- the readings of an utterance with its polite edges cut --------------------------------
EDGE_SPLIT = [tuple(edge.split()) for edge in EDGE_WORDS]


def readable_as_edges(words: tuple[str, ...]) -> bool:
    """By the definition: ``words`` split whole into polite words or phrases."""
    if not words:
        return True
    return any(
        words[: len(edge)] == edge and readable_as_edges(words[len(edge) :]) for edge in EDGE_SPLIT
    )


def cores_by_definition(text: str) -> list[str]:
    """Every cut of an utterance whose both edges are polite words only, longest first."""
    words = tuple(normalise(text).split())
    found = [
        (end - start, " ".join(words[start:end]))
        for start in range(len(words))
        if readable_as_edges(words[:start])
        for end in range(len(words), start, -1)
        if readable_as_edges(words[end:])
    ]
    return [core for _, core in sorted(found, key=lambda f: -f[0])]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from([*EDGE_WORDS, *CONTENT, "skip", "you", "thank", "all", "right"]),
        max_size=9,
    )
)
def test_cores_are_every_cut_between_polite_edges(parts: list[str]) -> None:
    """Multi-word polite phrases ("thank you", "all right", "can you") count at either edge,
    read in their own order ("you thank" is not polite)."""
    text = " ".join(parts)
    assert cores(text) == cores_by_definition(text)


def test_a_long_answer_has_one_reading_unless_its_edges_are_polite() -> None:
    """A two-minute answer (300 words) is read whole: its cuts are found in one pass each way,
    so the reply does not wait on them."""
    long = " ".join(["i kept checking his phone because i was afraid"] * 33)
    assert cores(long) == [normalise(long)]
    polite = f"okay {long} thank you"
    assert cores(polite)[:2] == [normalise(polite), normalise(f"{long} thank you")]
    assert normalise(long) in cores(polite)
    assert cores("you thank skip") == ["you thank skip"]
    assert cores("skip thank you") == ["skip thank you", "skip"]  # "you" alone is no edge
