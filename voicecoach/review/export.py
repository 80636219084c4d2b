"""Sessions as files: Markdown that reads like a journal page, plain text, or the JSON records.

Files are written whole and atomically, readable by their owner only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from voicecoach.errors import JournalError
from voicecoach.outputs import write_output
from voicecoach.review.views import duration, long_date, mood, split_coach_lines, when
from voicecoach.store.records import SessionRecord, Turn
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


def _about(record: SessionRecord) -> str:
    summary = summarize(record)
    parts = [long_date(record.started_at), duration(summary.length_s), record.status.value]
    if record.mood_before is not None or record.mood_after is not None:
        parts.append(f"mood {mood(record.mood_before, record.mood_after)}")
    return " · ".join(p for p in parts if p != "—")


def markdown_page(record: SessionRecord) -> str:
    """One session as a journal page: the questions as headings, the answers as paragraphs."""
    title = _md(record.topic.replace("-", " ").capitalize())
    lines = [f"## {title}", "", f"*{_about(record)}*", ""]
    for turn in record.turns:
        lines += [f"### {_md(turn.prompt)}", ""]
        if turn.answer is None or turn.answer.is_empty:
            lines += ["*(no answer)*", ""]
        else:
            lines += [_md(tidy(turn.answer.text)), ""]
    if record.safety_flag:
        lines += ["*The coach gave crisis resources in this session.*", ""]
    lines += [f"<small>session {record.id}</small>", ""]
    return "\n".join(lines)


def markdown(records: Sequence[SessionRecord]) -> str:
    """A journal of one or more pages, oldest first."""
    pages = [markdown_page(r) for r in records]
    if len(records) == 1:
        return pages[0]
    return "# Journal\n\n" + "\n---\n\n".join(pages)


def _text_turn(turn: Turn) -> list[str]:
    before, after = split_coach_lines(turn)
    answer = "(no answer)" if turn.answer is None else turn.answer.text
    return [*(f"coach: {x}" for x in before), f"you:   {answer}", *(f"coach: {x}" for x in after)]


def text_page(record: SessionRecord) -> str:
    """One session as a plain transcript."""
    lines = [f"{record.topic} · {when(record.started_at)} · {record.status.value}", record.id, ""]
    lines += [f"coach: {line}" for line in record.opening_lines]
    for turn in record.turns:
        lines += ["", *_text_turn(turn)]
    if record.closing_lines:
        lines += ["", *[f"coach: {line}" for line in record.closing_lines]]
    return "\n".join(lines) + "\n"


def render(records: Sequence[SessionRecord], fmt: str, *, single: bool) -> str:
    """The export in ``fmt``; JSON is one record (``single``) or a list, as `show`/`history`."""
    if fmt == "md":
        return markdown(records)
    if fmt == "txt":
        return "\n\n".join(text_page(r) for r in records)
    if fmt == "json":
        doc: object = records[0].to_record() if single else [r.to_record() for r in records]
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    raise JournalError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")


def write_export(path: Path, content: str) -> None:
    """Write the export: a file atomically and owner-only, a device or FIFO in place, ``-`` to
    stdout. Raises OutputError naming the path (a folder, a link to a file, a failed write)."""
    with write_output(path) as handle:
        handle.write(content)
