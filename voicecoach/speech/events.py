"""What recognition yields: partial text while someone speaks, a final utterance at the end."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class EngineInfo:
    """Which recogniser heard the answers."""

    name: str
    """"vosk" or "pocketsphinx"."""
    model: str
    """Model name or path the engine loaded."""

    def to_record(self) -> dict[str, Any]:
        return {"name": self.name, "model": self.model}

    @classmethod
    def from_record(cls, doc: dict[str, Any]) -> EngineInfo:
        return cls(name=str(doc["name"]), model=str(doc["model"]))


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word and where it was heard."""

    word: str
    """The word as the engine spelled it."""
    start: float
    """Audio time the word began, in seconds since the session's audio began."""
    end: float
    """Audio time the word ended, in seconds."""
    conf: float
    """Engine confidence, 0.0–1.0."""

    def to_record(self) -> dict[str, Any]:
        return {"word": self.word, "start": self.start, "end": self.end, "conf": self.conf}

    @classmethod
    def from_record(cls, doc: dict[str, Any]) -> Word:
        return cls(
            word=str(doc["word"]),
            start=float(doc["start"]),
            end=float(doc["end"]),
            conf=float(doc["conf"]),
        )

    @classmethod
    def from_records(cls, docs: Iterable[dict[str, Any]]) -> tuple[Word, ...]:
        """Many words at once, as ``from_record`` would make them, about three times faster.

        A journal holds millions of words; this fills the slots directly instead of calling
        the frozen ``__init__`` with keywords.
        """
        new, word, start, end, conf = object.__new__, *_WORD_SLOTS
        out = []
        for doc in docs:
            w = new(cls)
            word(w, str(doc["word"]))
            start(w, float(doc["start"]))
            end(w, float(doc["end"]))
            conf(w, float(doc["conf"]))
            out.append(w)
        return tuple(out)


_WORD_SLOTS = tuple(Word.__dict__[name].__set__ for name in ("word", "start", "end", "conf"))
"""Setters of Word's slots, for ``Word.from_records``."""


@dataclass(frozen=True)
class Partial:
    """The engine's running guess at what is being said; replaced by the next one."""

    text: str
    """Words heard so far in the current answer."""


@dataclass(frozen=True, slots=True)
class Utterance:
    """A finished answer: its text, its words and its span in audio time."""

    text: str
    """The whole transcript, words separated by single spaces."""
    words: tuple[Word, ...]
    """Each word with its timing and confidence."""
    start: float
    """Audio time the answer began (first speech), in seconds."""
    end: float
    """Audio time the answer ended (last speech), in seconds."""

    @property
    def is_empty(self) -> bool:
        """True when nothing was recognised (an engine's empty final is no input)."""
        return not self.text.strip()

    def to_record(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "words": [w.to_record() for w in self.words],
            "start": self.start,
            "end": self.end,
        }

    @classmethod
    def from_record(cls, doc: dict[str, Any]) -> Utterance:
        return cls(
            text=str(doc["text"]),
            words=Word.from_records(doc.get("words", ())),
            start=float(doc["start"]),
            end=float(doc["end"]),
        )


@dataclass(frozen=True)
class NoAnswer:
    """The person said nothing before the no-answer timeout ran out."""

    waited: float
    """Seconds of audio time the coach listened."""
    level: float | None = None
    """Speech heard in the turn that gave no words at all (someone too quiet to make out), as
    ``Final.level``: the last such utterance of at least ``WORDLESS_SPEECH_FRAMES`` voiced
    frames (``speech/listener.py``). None when nothing like it was heard."""
    far: float | None = None
    """The level (dBFS) of speech in the turn taken for background, far under the person's
    level, that may have been the person answering from across the room (``Listener``'s
    ``FAR_SPEECH_FRAMES``); None when there was none."""


@dataclass(frozen=True)
class Final:
    """The end of an answer, decided by trailing silence or the length cap."""

    utterance: Utterance
    """What was said."""
    capped: bool = False
    """True when the answer reached the maximum answer length rather than ending by itself."""
    better: Future[Utterance] | None = field(default=None, compare=False)
    """The same audio decoded again whole, when the engine offers it: better words and real
    confidences, ready some time after the reply. Keep ``utterance`` if it fails."""
    level: float | None = None
    """How loud the person spoke: RMS in dBFS over the frames of the answer the voice detector
    took for their speech (``speech/vad.py``; background and silence left out). None when no
    frame was (noise let run to the longest answer), or when nobody measured it."""


ListenEvent = Partial | Final | NoAnswer
"""Everything a listening turn can report to the session machine."""
