"""How the journal looks in the terminal: Rich tables and conversations, shared by the plain
commands (`history`, `show`, `search`) and the review app."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from voicecoach.review.cells import (
    COLUMNS,
    HIT_COLUMNS,
    HIT_RIGHT,
    LOCKED,
    NO_ANSWERS,
    PRIVATE_NOTE,
    PRIVATE_SHORT,
    SAFETY_MARK,
    SAFETY_SHORT,
    answered,
    duration,
    hit_cells,
    kept_private,
    mood,
    status_word,
    when,
)
from voicecoach.speech.events import Utterance
from voicecoach.store.records import SessionRecord, Status, Turn
from voicecoach.store.summary import SearchHit, SessionSummary, says_all, search_words, summarize

UNSURE_BELOW = 0.6
"""Words the recogniser gave less confidence than this are shown dimmed."""
COACH = "bold cyan"
YOU = "bold green"
UNSURE = "dim"
MATCH = "reverse"
STATUS_STYLE = {
    Status.COMPLETED: "green",
    Status.UNANSWERED: "dim",
    Status.STOPPED: "yellow",
    Status.INTERRUPTED: "red",
    Status.RUNNING: "bold blue",
}
EVENT_NAMES = {
    "no-answer": "no answer",
    "reprompt": "asked again",
    "skip": "skipped",
    "pause": "paused",
    "resume": "resumed",
    "cut-short": "cut short (the session was stopped)",
    "mood-reask": "asked again for a number",
    "unconfirmed": "no yes or no: asked again",
    "gone-quiet": "ended: nobody answered",
}


def long_date(started_at: str) -> str:
    """ "Thursday 26 November 2026, 20:30"."""
    try:
        started = datetime.fromisoformat(started_at)
    except ValueError:
        return started_at
    return f"{started:%A} {started.day} {started:%B %Y, %H:%M}"


def status_text(summary: SessionSummary, locked: bool = False) -> Text:
    """The status word, styled; ``locked``: the answers could not be read, so a session is
    never called one with no answers."""
    private = not locked and kept_private(summary)
    word = status_word(summary.status, 1 if locked else answered(summary), private)
    style = "dim" if word == NO_ANSWERS else STATUS_STYLE.get(summary.status, "")
    return Text(word, style=style)


NARROWER = (("length",), ("length", "mood"), ("length", "mood", "time"))
"""What `sessions_table` leaves out, in turn, until the table fits: never the id."""


def status_cell(summary: SessionSummary, short: bool = False, locked: bool = False) -> Text:
    """The status, and the safety mark when the coach gave crisis resources."""
    text = status_text(summary, locked)
    if not locked and kept_private(summary):
        text.append(f" ({PRIVATE_SHORT})" if short else f" · {PRIVATE_NOTE}", style="dim")
    if summary.safety_flag:
        text.append(f" {SAFETY_SHORT if short else SAFETY_MARK}", style="bold yellow")
    return text


def sessions_table(
    sessions: Sequence[SessionSummary], width: int | None = None, locked: bool = False
) -> Table:
    """One row per session: id, date, topic, length, mood, status. Given a ``width``, the
    length, then the mood, then the time of day are left out until it fits; ids are always
    whole, so they can be copied. ``locked``: listed from an encrypted journal without its
    passphrase, so the moods read "locked" (not "—", which means none was given)."""
    rows: list[dict[str, str | Text]] = [
        {
            "id": s.id,
            "date": when(s.started_at),
            "topic": Text(s.topic),  # a script's file name: shown as written, never markup
            "length": duration(s.length_s),
            "mood": LOCKED if locked else mood(s.mood_before, s.mood_after),
            "status": status_cell(s, short=True, locked=locked),
        }
        for s in sessions
    ]
    left_out: tuple[str, ...] = ()
    if width is not None:
        for option in ((), *NARROWER):
            left_out = option
            if _natural_width(rows, option) <= width:
                break
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
    names = [c for c in COLUMNS if c not in left_out]
    for name in names:
        longest = max((len(str(row[name])) for row in rows), default=len(name))
        if name == "id":
            table.add_column(name, no_wrap=True, min_width=longest)
        elif name in ("topic", "status"):
            table.add_column(name, overflow="fold", min_width=min(longest, 9))
        else:
            table.add_column(name, no_wrap=True, justify="right" if name == "length" else "left")
    for row in rows:
        date = str(row["date"])[:10] if "time" in left_out else row["date"]
        table.add_row(*[date if name == "date" else row[name] for name in names])
    return table


def _natural_width(rows: list[dict[str, str | Text]], left_out: tuple[str, ...]) -> int:
    names = [c for c in COLUMNS if c not in left_out]
    widths = [max((len(str(row[n])) for row in rows), default=0) for n in names]
    if "time" in left_out:
        widths[names.index("date")] = 10
    return sum(max(w, len(n)) for w, n in zip(widths, names, strict=True)) + len(names) - 1


def hits_table(hits: Sequence[SearchHit], text: str) -> Table:
    """One row per answer found, the text searched for highlighted."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
    for n, name in enumerate(HIT_COLUMNS):
        right = n in HIT_RIGHT
        table.add_column(name, no_wrap=n < 2, justify="right" if right else "left")
    for hit in hits:
        *rest, answer = hit_cells(hit)
        table.add_row(*rest, highlighted(Text(answer), text))
    return table


def matches(text: str, needle: str) -> bool:
    """Whether every word searched for is in ``text``, compared as the journal's search
    compares them (so the answer the app jumps to is one the search found)."""
    return says_all(text, search_words(needle))


APOSTROPHES = "'\u2019\u2018\u02bc`"
"""Marks search leaves out of words ("don't" is found by "dont"), see ``store.summary.fold``."""


def highlighted(text: Text, needle: str | None) -> Text:
    """``text`` with every occurrence of each word of ``needle`` marked, found as search finds
    it: any case, the needle's punctuation aside, apostrophes in the text skipped ("dont"
    marks "don't")."""
    plain = unicodedata.normalize("NFKC", text.plain).lower()
    if len(plain) != len(text.plain) or not needle:
        return text  # a character changed length when folded: nothing marked, nothing wrong
    kept = [n for n, char in enumerate(plain) if char not in APOSTROPHES]
    bare = "".join(plain[n] for n in kept)
    for word in search_words(needle):
        for found in re.finditer(re.escape(word), bare):
            text.stylize(MATCH, kept[found.start()], kept[found.end() - 1] + 1)
    return text


def answer_text(answer: Utterance, needle: str | None = None) -> Text:
    """The answer's words; those the recogniser was unsure of dimmed."""
    words = [w.word for w in answer.words]
    if words != answer.text.split():  # no timings kept (older records): plain text
        return highlighted(Text(answer.text), needle)
    text = Text()
    for n, word in enumerate(answer.words):
        if n:
            text.append(" ")
        text.append(word.word, style=UNSURE if word.conf < UNSURE_BELOW else "")
    return highlighted(text, needle)


def split_coach_lines(turn: Turn) -> tuple[list[str], list[str]]:
    """The coach's lines of a turn said before the answer (up to the last asking of the
    question, "Let me ask again. …" too) and after it. A turn whose lines never ask it (a
    "stop" said over the coach cut it off before the question) shows none: only what was
    said is shown. With no lines kept at all, the question stands for them."""
    lines = list(turn.coach_lines)
    if not lines:
        return [turn.prompt], []
    asked = [n for n, line in enumerate(lines) if turn.prompt and turn.prompt in line]
    if not asked:
        return [], lines
    return lines[: asked[-1] + 1], lines[asked[-1] + 1 :]


def said_lines(turn: Turn) -> list[str]:
    """What the coach said in a turn it did not listen after (its prompt, when no line was
    kept)."""
    return list(turn.coach_lines) or [turn.prompt]


Line = tuple[Text, Text]
"""Who speaks ("coach", "you" or nothing) and what."""


def coach_lines(lines: Iterable[str]) -> list[Line]:
    """The coach's lines, as rows of a conversation."""
    return [(Text("coach", style=COACH), Text(line)) for line in lines]


def block(lines: Sequence[Line], plain: bool = False) -> RenderableType:
    """Rows of a conversation; wrapped lines stay indented under their text. ``plain``: one
    line each, neither wrapped nor padded (for a pipe or a file)."""
    if plain:
        rows = [Text.assemble(who, " " * (6 - len(who.plain)) if who.plain else "      ", body)
                for who, body in lines]  # fmt: skip
        return Text("\n").join(rows)
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=5, no_wrap=True)
    grid.add_column(ratio=1)
    for who, body in lines:
        grid.add_row(who, body)
    return grid


def turn_lines(
    number: int,
    turn: Turn,
    needle: str | None = None,
    has_audio: bool = False,
    mood: int | None = None,
) -> list[Line]:
    """A turn: the coach asking, the answer (or its absence), what the coach said next;
    ``mood``: the rating kept from this turn's answer, shown beside the words as heard
    ("about is sex (mood 6)"). A line said without listening (a ``say`` step) is the coach's
    lines alone: nobody was asked, so there is no "you"."""
    if not turn.listened:
        return coach_lines(said_lines(turn))
    before, after = split_coach_lines(turn)
    out = coach_lines(before)
    if turn.answer is None:
        body = Text("(no answer)", style="dim italic")
    else:
        body = answer_text(turn.answer, needle)
        if mood is not None:
            body.append(f" (mood {mood})", style="dim")
        if has_audio:
            body.append(f"  ♪ {number}", style="dim")
    out.append((Text("you", style=YOU), body))
    events = [e for e in turn.events if not (e == "no-answer" and turn.answer is None)]
    notes = [EVENT_NAMES.get(e, e.replace("command:", "said: ")) for e in events]
    if notes:
        out.append((Text(), Text(" · ".join(notes), style="dim italic")))
    return out + coach_lines(after)


def mood_kept(record: SessionRecord, turn: Turn) -> int | None:
    """The mood kept from a mood check-in turn's answer (None for any other turn)."""
    if turn.answer is None:
        return None
    return {"mood-before": record.mood_before, "mood-after": record.mood_after}.get(turn.prompt_id)


def heading(summary: SessionSummary) -> Text:
    """ "patience · 2026-11-26 20:30 · completed · 6 min · mood 4→7"."""
    text = Text(summary.topic, style="bold")
    text.append(f" · {when(summary.started_at)} · ")
    text.append_text(status_cell(summary))
    if summary.length_s is not None:
        text.append(f" · {duration(summary.length_s)}")
    if summary.mood_before is not None or summary.mood_after is not None:
        text.append(f" · mood {mood(summary.mood_before, summary.mood_after)}")
    return text


def conversation(
    record: SessionRecord,
    needle: str | None = None,
    audio: Iterable[int] = (),
    plain: bool = False,
) -> RenderableType:
    """The whole session: heading, opening, each question and answer, closing. ``plain``:
    nothing wrapped or padded to the terminal's width (for a pipe or a file)."""
    with_audio = set(audio)
    parts: list[RenderableType] = [heading(summarize(record)), Text(record.id, style="dim")]
    if record.opening_lines:
        parts.append(block(coach_lines(record.opening_lines), plain))
    for n, turn in enumerate(record.turns, start=1):
        lines = turn_lines(n, turn, needle, n in with_audio, mood_kept(record, turn))
        parts += [Text(), block(lines, plain)]
    if record.closing_lines:
        parts += [Text(), block(coach_lines(record.closing_lines), plain)]
    if record.safety_flag:
        parts.append(Text("\nThe coach gave crisis resources in this session.", style="yellow"))
    return Group(*parts)
