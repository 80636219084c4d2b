"""Sessions as files: Markdown that reads like a journal page, plain text, or the JSON records.

An export of many sessions is made one record at a time (``chunks``), so its memory does not
grow with the journal. Files are written whole and atomically, readable by their owner only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from voicecoach.errors import JournalError, UsageError
from voicecoach.hinting import command_hint
from voicecoach.outputs import write_output
from voicecoach.review.cells import (
    PRIVATE_NOTE,
    answered,
    duration,
    kept_private,
    mood,
    status_word,
    when,
)
from voicecoach.review.views import long_date, mood_kept, said_lines, split_coach_lines
from voicecoach.store.records import SessionRecord, Status, Turn
from voicecoach.store.summary import summarize

FORMATS = ("md", "json", "txt")
"""What `export --format` accepts."""

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#<>|])")
_LONE_I = re.compile(r"\bi\b(?=$|\s|')")


def tidy(text: str) -> str:
    """A transcript as a sentence: first letter capital, "i" → "I" (English), a full stop."""
    text = text.strip()
    if not text:
        return text
    if text.isascii():
        text = _LONE_I.sub("I", text)
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…" else text + "."


def _md(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _status(record: SessionRecord) -> str:
    """ "completed", "no answers", "completed · private: only the moods …"."""
    summary = summarize(record)
    private = kept_private(summary)
    status = status_word(record.status, answered(summary), private)
    return f"{status} · {PRIVATE_NOTE}" if private else status


def _about(record: SessionRecord) -> str:
    summary = summarize(record)
    parts = [long_date(record.started_at), duration(summary.length_s), _status(record)]
    if record.mood_before is not None or record.mood_after is not None:
        parts.append(f"mood {mood(record.mood_before, record.mood_after)}")
    return " · ".join(p for p in parts if p != "—")


def markdown_page(record: SessionRecord, title: str | None = None) -> str:
    """One session as a journal page: the questions as headings, the answers as paragraphs,
    a line said without listening (a ``say`` step) in italics.
    ``title`` is the practice's title (its script's); without it, one made from the topic."""
    title = _md(title or record.topic.replace("-", " ").capitalize())
    lines = [f"## {title}", "", f"*{_about(record)}*", ""]
    for n, turn in enumerate(record.turns):
        if not turn.listened:  # said, not asked: no heading, no answer to miss
            lines += [f"*{_md(line)}*" for line in said_lines(turn)] + [""]
            continue
        lines += [f"### {_md(turn.prompt)}", ""]
        if turn.answer is None or turn.answer.is_empty:
            lines += [f"*({unanswered(record, n)})*", ""]
        else:
            lines += [_md(tidy(turn.answer.text)) + _mood(record, turn), ""]
    if record.safety_flag:
        lines += ["*The coach gave crisis resources in this session.*", ""]
    lines += [f"<small>session {record.id}</small>", ""]
    return "\n".join(lines)


def markdown(records: Sequence[SessionRecord], titles: Mapping[str, str] | None = None) -> str:
    """A journal of one or more pages, oldest first (``titles``: practice titles by topic)."""
    pages = [markdown_page(r, (titles or {}).get(r.topic)) for r in records]
    if len(records) == 1:
        return pages[0]
    return "# Journal\n\n" + "\n---\n\n".join(pages)


def unanswered(record: SessionRecord, n: int) -> str:
    """What stands for the missing answer to turn ``n`` (from 0): "skipped" when the person
    skipped it, "stopped here" when the session ended on it, else "no answer"."""
    turn = record.turns[n]
    if "skip" in turn.events:
        return "skipped"
    last = n == len(record.turns) - 1
    if "command:stop" in turn.events or (last and record.status is Status.STOPPED):
        return "stopped here"
    return "no answer"


def _mood(record: SessionRecord, turn: Turn) -> str:
    """ " (mood 6)" after the words of a mood check-in's answer, as `show` has it; else ""."""
    kept = mood_kept(record, turn)
    return "" if kept is None else f" (mood {kept})"


def _text_turn(record: SessionRecord, n: int) -> list[str]:
    turn = record.turns[n]
    if not turn.listened:
        return [f"coach: {line}" for line in said_lines(turn)]
    before, after = split_coach_lines(turn)
    if turn.answer is None or turn.answer.is_empty:
        answer = f"({unanswered(record, n)})"
    else:
        answer = turn.answer.text + _mood(record, turn)
    return [*(f"coach: {x}" for x in before), f"you:   {answer}", *(f"coach: {x}" for x in after)]


def text_page(record: SessionRecord) -> str:
    """One session as a plain transcript."""
    lines = [f"{record.topic} · {when(record.started_at)} · {_status(record)}", record.id, ""]
    lines += [f"coach: {line}" for line in record.opening_lines]
    for n in range(len(record.turns)):
        lines += ["", *_text_turn(record, n)]
    if record.closing_lines:
        lines += ["", *[f"coach: {line}" for line in record.closing_lines]]
    return "\n".join(lines) + "\n"


def render(
    records: Sequence[SessionRecord],
    fmt: str,
    *,
    single: bool,
    titles: Mapping[str, str] | None = None,
) -> str:
    """The export in ``fmt``; JSON is one record (``single``) or a list, as `show`/`history`;
    ``titles``: the practices' titles by topic, for Markdown headings."""
    return "".join(chunks(records, fmt, single=single, titles=titles))


def json_list(docs: Iterable[dict[str, object]]) -> Iterator[str]:
    """A JSON list written one document at a time, one per line (CPython's C encoder)."""
    first = True
    for doc in docs:
        yield ("[\n" if first else ",\n") + json.dumps(doc, ensure_ascii=False)
        first = False
    yield "[]\n" if first else "\n]\n"


def chunks(
    records: Iterable[SessionRecord],
    fmt: str,
    *,
    single: bool,
    titles: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """The export in ``fmt``, a piece per record; JSON is one record (``single``) or a list;
    ``titles``: the practices' titles by topic, for Markdown headings."""
    titles = titles or {}
    if fmt not in FORMATS:
        raise JournalError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt == "json":
        if single:
            for record in records:
                yield json.dumps(record.to_record(), ensure_ascii=False, indent=2) + "\n"
        else:
            yield from json_list(r.to_record() for r in records)
        return
    for n, record in enumerate(records):
        if fmt == "txt":
            yield ("\n\n" if n else "") + text_page(record)
        elif single:
            yield markdown_page(record, titles.get(record.topic))
        else:
            page = markdown_page(record, titles.get(record.topic))
            yield ("# Journal\n\n" if n == 0 else "\n---\n\n") + page


SUFFIXES = {".md": "md", ".markdown": "md", ".json": "json", ".txt": "txt", ".text": "txt"}
"""File suffixes `export -o` knows, and the format each one means."""


AGE_SUFFIX = ".age"
"""The ending of an export file sealed to an encrypted journal's key (added when not given)."""


def format_for(path: Path | None, given: str | None) -> str:
    """The export format: ``given``, else from the file's suffix (.md, .json, .txt; an ``.age``
    after one of these is looked through); md for stdout (``None`` or ``-``) and for a device
    or FIFO written in place.

    Raises UsageError (one line) for an unknown ``given`` format, for a ``given`` one that
    contradicts a known suffix (``--format json -o x.md``), and, when no format is given, for
    an unknown suffix (``out.pdf`` would otherwise be Markdown under a PDF's name) or a file
    name with none.
    """
    if given is not None and given not in FORMATS:
        raise UsageError(f"--format: expected one of {', '.join(FORMATS)}, got {given!r}")
    if path is None or str(path) == "-" or _in_place(path):
        return given or "md"
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == AGE_SUFFIX:
        suffixes.pop()
    named = SUFFIXES.get(suffixes[-1]) if suffixes else None
    if given is not None:
        if named is not None and named != given:
            raise UsageError(
                f"--format {given} -o {path}: the name ends {suffixes[-1]}, which is {named}; "
                f"name the file for {given}, or leave out --format"
            )
        return given
    if named is not None:
        return named
    if not suffixes:
        raise UsageError(
            f"-o {path}: the name has no ending to tell the format; name it "
            f"{path.name}.md, {path.name}.json or {path.name}.txt, or give --format md|json|txt"
        )
    known = ", ".join(SUFFIXES)
    raise UsageError(
        f"-o {path}: cannot export as {suffixes[-1]!r}; name a file ending {known}, "
        "or give --format md|json|txt"
    )


def _in_place(path: Path) -> bool:
    """Whether ``path`` is there and no file: a device or FIFO (written in place, its name not
    ours to choose), or a folder (which ``check_output`` refuses)."""
    try:
        return path.exists() and not path.is_file()
    except OSError:
        return False


def sealed_name(path: Path) -> Path:
    """The name a sealed export named ``path`` gets: ``.age`` added unless it ends so already
    (a device or FIFO is written in place, as it is)."""
    if path.suffix.lower() == AGE_SUFFIX or _in_place(path):
        return path
    return path.with_name(path.name + AGE_SUFFIX)


def how_to_read(path: Path) -> str:
    """What a sealed export's confirmation adds: that it is encrypted and how to read it."""
    return (
        f"encrypted to the journal's key: `age -d -i RECOVERY-FILE {path}` reads it "
        f"(RECOVERY-FILE from {command_hint('key export-recovery')})"
    )


def sealed_export(journal: Path, pieces: Iterable[str]) -> Iterable[str]:
    """What an export file holds: ``pieces`` as they are for a plain journal; for an encrypted
    one, one ASCII-armoured age file to the journal's public key (``age -d -i`` with the
    identity of ``voicecoach key export-recovery`` reads it)."""
    from voicecoach.store.crypto import JournalKey

    key = JournalKey(journal)
    if not key.exists():
        return pieces
    import pyrage

    recipient = pyrage.x25519.Recipient.from_str(key.recipient())
    data = "".join(pieces).encode()
    return [pyrage.encrypt(data, [recipient], armored=True).decode("ascii")]


def write_export(path: Path, content: str | Iterable[str]) -> None:
    """Write the export, piece by piece: a file atomically and owner-only, a device or FIFO in
    place, ``-`` to stdout. Raises OutputError naming the path (a folder, a link to a file, a
    failed write)."""
    pieces = [content] if isinstance(content, str) else content
    with write_output(path) as handle:
        for piece in pieces:
            handle.write(piece)
