"""A second opinion on short utterances: a recogniser restricted to a list of phrases.

An open-vocabulary model mishears short commands ("skip" → "scan", "repeat" → "ricky"). A
recogniser whose grammar holds only the command phrases cannot mishear them as other words,
but it will force anything it hears onto some phrase. Each check therefore returns two things:
the phrase the restricted recogniser chose, and how closely the open transcript *sounds* like
that phrase (phones from the PocketSphinx dictionary, or letters for Vosk). A command is taken
only when both agree (see ``voicecoach.coach.commands``). A one-word utterance may also be
heard again with a grammar of the one-word phrases alone (``Recheck.single``, decoded only
when asked): the grammar of every phrase may pick a longer phrase for one spoken word. Speech
begun over the coach's voice may be heard again with the grammar of what is said over it
(``Recheck.over_coach``): the coach's echo left inside a word makes the whole grammar choose
phrases nobody says to a speaker that is talking ("pause" heard as "go on").

Both checkers are created once per session and share the session recogniser's model:
PocketSphinx gets a second (JSGF) search on the same decoder, Vosk a second Kaldi recogniser on
the same model (a new Vosk recogniser stalls on its first audio; this one is warmed up at once).
"""

from __future__ import annotations

import difflib
import json
import logging
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

from voicecoach.errors import ModelError
from voicecoach.frames import SAMPLE_RATE
from voicecoach.speech.events import Final, Word
from voicecoach.text import normalise

log = logging.getLogger(__name__)

LISTED_AT_MOST = 6
"""Phrases a warning names before it only counts the rest (a model of another language knows
none of the hundred rating and command phrases)."""


def listed(phrases: Sequence[str]) -> str:
    """``phrases`` for a one-line warning: all of them when few, else the first few and how
    many more ("a eight, a five, … and 180 more")."""
    if len(phrases) <= LISTED_AT_MOST:
        return ", ".join(phrases)
    shown = ", ".join(phrases[:LISTED_AT_MOST])
    return f"{shown} and {len(phrases) - LISTED_AT_MOST} more"


T = TypeVar("T")

SEARCH = "voicecoach-phrases"
"""Name of the PocketSphinx search holding the command phrase grammar."""


def search_name(grammar: str) -> str:
    """The PocketSphinx search of a named grammar (each name its own search on the decoder)."""
    return SEARCH if grammar == "commands" else f"voicecoach-{grammar}"


@dataclass(frozen=True)
class Recheck:
    """What the phrase recogniser made of a short utterance."""

    phrase: str
    """The one phrase it heard ("" when it heard none, or several in a row)."""
    agreement: float
    """0.0–1.0: how closely the open transcript sounds like that phrase."""
    split: float = 0.0
    """0.0–1.0, for a one-word phrase the open transcript heard as two words ("ah us" for
    "pause"): how closely the two sound like it taken as one word (phones and their sound
    classes, as ``phone_agreement`` compares one word with one word); else 0.0."""
    single: Callable[[], Recheck] | None = field(default=None, compare=False, repr=False)
    """Asks a grammar of the one-word phrases alone about the same audio, once, when called
    (None when there is none, or the transcript is longer than ``SINGLE_WORDS``): the grammar
    of every phrase may choose a longer phrase for one spoken word."""
    over_coach: Callable[[], Recheck] | None = field(default=None, compare=False, repr=False)
    """Asks the grammar of the phrases said over the coach's voice about the same audio, once,
    when called (None when there is none): for speech begun while the coach spoke."""


SINGLE_WORDS = 1
"""Longest open transcript (in words) for which the one-word grammar is offered: a one-word
utterance. Offered for two words as well, it took kdl's "hold on", heard "all the" (0.20 to
"hold on"), for "repeat", which sounds more like the two taken as one word."""


@dataclass(frozen=True)
class RecheckedFinal(Final):
    """A short final utterance, also heard by the phrase recogniser."""

    recheck: Recheck | None = None
    """The phrase recogniser's opinion (None when it was not asked)."""
    rating: Callable[[], Recheck] | None = field(default=None, compare=False, repr=False)
    """Asks the rating grammar (numbers said as a mood, and a few short replies) about the same
    audio, once, when called (None when there is no rating grammar); only a question that
    expects a rating asks."""
    tone: Callable[[], Hearing] | None = field(default=None, compare=False, repr=False)
    """Asks the tone grammar (harsh self-talk, feelings: ``voicecoach.coach.tone``) about the
    same audio, once, when called (None when there is none); only an answer the transcript
    alone reads as a full or very short one asks."""


class Hearing(NamedTuple):
    """What a grammar search heard in an utterance's audio."""

    words: tuple[Word, ...]
    """The grammar's words (fillers of the decoder left out), in session audio time."""
    phones: Callable[[str], list[str]]
    """The sound units of a word (dictionary phones; letters for a word the model lacks)."""


class Once(Generic[T]):
    """A value made the first time it is asked for (``make`` is called at most once)."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make: Callable[[], T] | None = make
        self._value: T | None = None

    def __call__(self) -> T:
        if self._make is not None:
            make, self._make = self._make, None
            self._value = make()
        assert self._value is not None
        return self._value


class PhraseChecker(Protocol):
    """Re-decodes a short stretch of audio with a grammar of phrases."""

    phrases: tuple[str, ...]
    """The phrases it can hear (those the model has every word of)."""

    def check(self, pcm: bytes, heard: str) -> Recheck:
        """The phrase in ``pcm`` and its agreement with the open transcript ``heard``."""
        ...

    def close(self) -> None: ...


def similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """0.0–1.0 closeness of two sequences of sound units (1.0 = the same)."""
    if not a and not b:
        return 1.0
    return difflib.SequenceMatcher(None, list(a), list(b), autojunk=False).ratio()


_CLASS_OF: dict[str, str] = {
    "vowel": "AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW",
    "stop": "P B T D K G",
    "fricative": "F V TH DH S Z SH ZH HH",
    "affricate": "CH JH",
    "nasal": "M N NG",
    "glide": "L R W Y",
}
SOUND_CLASSES: dict[str, str] = {p: name for name, ps in _CLASS_OF.items() for p in ps.split()}
"""Broad classes of the PocketSphinx (CMU) phones: a one-word command misheard by the open
model ("gods" for "pause", "flower" for "slower") keeps its shape of sounds."""


def differing(heard: str, phrase: str) -> tuple[str, str]:
    """The words of each text that the other lacks (in order, each shared word taken out once):
    "ah out of ten" against "one out of ten" → ("ah", "one")."""
    said, chosen = heard.split(), phrase.split()
    only_heard, only_phrase = _without(said, chosen), _without(chosen, said)
    return " ".join(only_heard), " ".join(only_phrase)


def _without(words: list[str], other: list[str]) -> list[str]:
    """``words`` less those found in ``other`` (each found word used once), in order."""
    rest = list(other)
    left = []
    for word in words:
        if word in rest:
            rest.remove(word)
        else:
            left.append(word)
    return left


Focus = Callable[[str], str]
"""The part of a phrase its agreement is about (a rating's number word: "one" of "one out of
ten")."""


def focused(heard: str, phrase: str, focus: Focus | None) -> tuple[str, str]:
    """What the agreement compares: the open transcript and the phrase, or, with a ``focus``,
    the transcript's words left once those of the rest of the phrase are taken out, against the
    focus: "ah out of ten" against "one out of ten" → ("ah", "one"); "i look and then" against
    "like a ten" → ("i look and then", "ten"). A focused comparison with no sound in common
    ("do" for "ten": alike in shape only) is no agreement at all."""
    if focus is None:
        return heard, phrase
    part = focus(phrase)
    frame = differing(phrase, part)[0]
    return differing(heard, frame)[0], part


def phone_agreement(heard: Sequence[str], phrase: Sequence[str], one_word: bool) -> float:
    """Phone similarity; for one word against one word, averaged with the sound-class one."""
    exact = similarity(heard, phrase)
    if not one_word:
        return exact
    shape = similarity(
        [SOUND_CLASSES.get(p, p) for p in heard], [SOUND_CLASSES.get(p, p) for p in phrase]
    )
    return (exact + shape) / 2


def letters(text: str) -> list[str]:
    """Sound units of a text without a pronouncing dictionary: its letters, Hangul split into
    jamo (NFD), spaces and marks dropped."""
    return [c for c in unicodedata.normalize("NFD", text.lower()) if c.isalnum()]


def dictionary_phones(decoder: Any, word: str) -> list[str]:
    """The PocketSphinx dictionary phones of ``word`` (its letters when the model lacks it)."""
    found = decoder.lookup_word(word)
    return found.split() if found else letters(word)


def decode_in(
    decoder: Any, search: str, back_to: str, pcm: bytes, full_utt: bool
) -> tuple[Any, list[Any]]:
    """Decode ``pcm`` (16 kHz int16) with the search ``search``, then go back to the search
    ``back_to`` and the cepstral mean from before (audio heard already: the mean is not moved
    twice). ``full_utt``: normalise over this audio alone. Returns the hypothesis (None: nothing
    heard) and its segments."""
    carried = decoder.get_cmn(False)
    decoder.activate_search(search)
    try:
        decoder.start_utt()
        decoder.process_raw(pcm, False, full_utt)
        decoder.end_utt()
        hyp = decoder.hyp()
        segments = list(decoder.seg() or ()) if hyp is not None else []
    finally:
        decoder.activate_search(back_to)
        decoder.set_cmn(carried)
    return hyp, segments


class SphinxPhrases:
    """A JSGF search of the phrases on the session's PocketSphinx decoder (``search`` names it:
    searches of other names stay; one of the same name is replaced). ``focus``: see
    ``focused``."""

    def __init__(
        self,
        decoder: Any,
        phrases: Sequence[str],
        search: str = SEARCH,
        focus: Focus | None = None,
        singles: Sequence[str] = (),
        over_coach: Sequence[str] = (),
    ) -> None:
        self._decoder = decoder
        self._search = search
        self._focus = focus
        known = [p for p in map(normalise, phrases) if p and self._knows(p)]
        dropped = sorted(set(map(normalise, phrases)) - set(known))
        if dropped:
            log.warning("PocketSphinx does not know every word of: %s", listed(dropped))
        self.phrases = tuple(dict.fromkeys(known))
        self._open_search = decoder.current_search()
        if self.phrases:
            _add_phrases(decoder, search, self.phrases)
        single = [p for p in map(normalise, singles) if p in self.phrases and " " not in p]
        self._singles = tuple(dict.fromkeys(single))
        """One-word phrases heard again on their own (``Recheck.single``)."""
        if self._singles:
            _add_phrases(decoder, f"{search}-one-word", self._singles)
        spoken_over = [p for p in map(normalise, over_coach) if p in self.phrases]
        self._over_coach = tuple(dict.fromkeys(spoken_over))
        """The phrases said over the coach's voice (``Recheck.over_coach``; none when they are
        all the phrases: the same grammar)."""
        if len(self._over_coach) == len(self.phrases):
            self._over_coach = ()
        if self._over_coach:
            _add_phrases(decoder, f"{search}-over-coach", self._over_coach)

    def _knows(self, phrase: str) -> bool:
        return all(self._decoder.lookup_word(w) is not None for w in phrase.split())

    def _phones(self, text: str) -> list[str]:
        return [unit for word in text.split() for unit in dictionary_phones(self._decoder, word)]

    def check(self, pcm: bytes, heard: str) -> Recheck:
        if not self.phrases:
            return Recheck("", 0.0)
        single = None
        if self._singles and 0 < len(normalise(heard).split()) <= SINGLE_WORDS:
            single = Once(partial(self._check_in, f"{self._search}-one-word", pcm, heard))
        over_coach = None
        if self._over_coach:
            over = partial(self._check_in, f"{self._search}-over-coach", pcm, heard)
            over_coach = Once(lambda: replace(over(), single=single))
        whole = self._check_in(self._search, pcm, heard)
        return replace(whole, single=single, over_coach=over_coach)

    def _check_in(self, search: str, pcm: bytes, heard: str) -> Recheck:
        """The phrase the search ``search`` hears in ``pcm``, and its agreement with ``heard``."""
        hyp, _ = decode_in(self._decoder, search, self._open_search, pcm, full_utt=True)
        phrase = normalise(hyp.hypstr) if hyp is not None else ""
        if phrase not in self.phrases:
            return Recheck("", 0.0)
        said, chosen = focused(normalise(heard), phrase, self._focus)
        if not said:
            return Recheck(phrase, 0.0)
        one_word = len(said.split()) == 1 and len(chosen.split()) == 1
        heard_units, phrase_units = self._phones(said), self._phones(chosen)
        if self._focus is not None and not set(heard_units) & set(phrase_units):
            return Recheck(phrase, 0.0)  # no sound in common ("do" for "ten"): no agreement
        agreement = phone_agreement(heard_units, phrase_units, one_word)
        split = len(said.split()) == 2 and len(chosen.split()) == 1
        whole = phone_agreement(heard_units, phrase_units, True) if split else 0.0
        return Recheck(phrase, agreement, split=whole)

    def close(self) -> None:
        """The search goes with the decoder."""


def _add_phrases(decoder: Any, search: str, phrases: Sequence[str]) -> None:
    """A JSGF search named ``search`` of the phrases (known words only) on ``decoder``."""
    rule = " | ".join(phrases)
    decoder.add_jsgf_string(search, f"#JSGF V1.0;\ngrammar phrases;\npublic <phrase> = {rule};\n")


class SphinxGrammar:
    """A JSGF grammar as the search ``search`` on the session's PocketSphinx decoder;
    ``hear`` decodes audio with it, leaving the open search and its cepstral mean as they were.
    ``jsgf`` makes the grammar's text from a test of whether the model knows a word (a word
    the dictionary lacks cannot be in it)."""

    def __init__(self, decoder: Any, search: str, jsgf: Callable[[Callable[[str], bool]], str]):
        self._decoder = decoder
        self._search = search
        self._open_search = decoder.current_search()
        decoder.add_jsgf_string(search, jsgf(self.knows))

    def knows(self, word: str) -> bool:
        """Whether the model's dictionary holds ``word``."""
        return self._decoder.lookup_word(word) is not None

    def phones(self, word: str) -> list[str]:
        """The dictionary phones of ``word`` (its letters when the model lacks it)."""
        return dictionary_phones(self._decoder, word)

    def hear(self, pcm: bytes, offset: float) -> Hearing:
        """The grammar's words in ``pcm`` (16 kHz int16 whose first sample is at ``offset``
        seconds of session audio time)."""
        if len(pcm) < 2 * SAMPLE_RATE // 100:  # less than a frame: nothing to hear
            return Hearing((), self.phones)
        # the decoder's running mean, not this utterance's alone: espeak-ng's "It's all my
        # fault" came out as "so ah it ah oh" normalised over itself
        _, segments = decode_in(self._decoder, self._search, self._open_search, pcm, False)
        words = []
        for seg in segments:
            word = seg.word.split("(")[0] if seg.word else ""
            if not word or word.startswith(("<", "[", "++")):
                continue
            start, end = offset + seg.start_frame / 100, offset + (seg.end_frame + 1) / 100
            words.append(Word(word=word, start=round(start, 3), end=round(end, 3), conf=1.0))
        return Hearing(tuple(words), self.phones)


def vosk_phrase_recognizer(
    model: Any, phrases: Sequence[str], what: str
) -> tuple[tuple[str, ...], Any]:
    """A Kaldi recogniser on ``model`` restricted to the phrases it knows every word of.

    Returns the phrases kept (cleaned, in order) and the recogniser (None when none is known);
    phrases with unknown words are named in one warning (``what`` says whose phrases they are).
    Raises ModelError when the model cannot take a grammar (large models have a static graph).
    """
    from voicecoach.speech.vosk_engine import kaldi_recognizer

    def known(word: str) -> bool:
        return bool(model.vosk_model_find_word(word) >= 0)

    wanted = [p for p in map(normalise, phrases) if p]
    kept = tuple(dict.fromkeys(p for p in wanted if all(map(known, p.split()))))
    dropped = sorted(set(wanted) - set(kept))
    if dropped:
        log.warning("the Vosk model does not know every word of %s: %s", what, listed(dropped))
    if not kept:
        return (), None
    grammar = [*kept, *(["[unk]"] if known("[unk]") else [])]
    try:
        rec = kaldi_recognizer(model, SAMPLE_RATE, json.dumps(grammar, ensure_ascii=False))
    except Exception as exc:  # vosk raises a bare Exception
        raise ModelError(
            f"this Vosk model cannot restrict itself to {what} ({exc}); "
            "it needs a model with a dynamic graph, such as the small models"
        ) from exc
    return kept, rec


class VoskPhrases:
    """A Kaldi recogniser on the session's Vosk model whose grammar is the phrases."""

    def __init__(
        self,
        model: Any,
        phrases: Sequence[str],
        what: str = "the command phrases",
        focus: Focus | None = None,
    ) -> None:
        self._rec: Any = None
        self._focus = focus
        try:
            self.phrases, self._rec = vosk_phrase_recognizer(model, phrases, what)
        except ModelError as exc:
            log.warning("%s; no second opinion on %s", exc, what)
            self.phrases = ()
            return
        if self._rec is not None:
            self._rec.AcceptWaveform(bytes(SAMPLE_RATE // 5))  # pay the first-audio stall now
            self._rec.FinalResult()

    def check(self, pcm: bytes, heard: str) -> Recheck:
        if self._rec is None:
            return Recheck("", 0.0)
        texts = []
        if self._rec.AcceptWaveform(pcm):
            texts.append(json.loads(self._rec.Result()).get("text", ""))
        texts.append(json.loads(self._rec.FinalResult()).get("text", ""))
        phrase = normalise(" ".join(t for t in texts if t))
        if phrase not in self.phrases:
            return Recheck("", 0.0)
        said, chosen = focused(normalise(heard), phrase, self._focus)
        heard_units, phrase_units = letters(said), letters(chosen)
        if self._focus is not None and not set(heard_units) & set(phrase_units):
            return Recheck(phrase, 0.0)
        return Recheck(phrase, similarity(heard_units, phrase_units))

    def close(self) -> None:
        self._rec = None
