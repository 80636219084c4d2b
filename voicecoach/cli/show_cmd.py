"""`voicecoach show` and `voicecoach search`: one conversation, or the answers holding words."""

from __future__ import annotations

from typing import Annotated

import typer

from voicecoach.cli.app import PLAIN_DIM, app, print_json, show_table
from voicecoach.cli.consoles import (
    stderr_console,
    stdout_console,
    stdout_is_terminal,
    tell,
    write_lines,
)
from voicecoach.cli.journal_open import IdArg, JsonOpt, check_id, open_journal, play_audio
from voicecoach.errors import AudioDeviceError, JournalError, UsageError


@app.command()
def show(
    session_id: IdArg,
    as_json: Annotated[bool, typer.Option("--json", help="The stored record as JSON.")] = False,
    play: Annotated[
        int | None, typer.Option("--play", help="Play the kept audio of answer N.", min=1)
    ] = None,
) -> None:
    """Show one session's conversation. Words the recogniser was unsure of are dimmed.

    An encrypted journal asks for its passphrase (VOICECOACH_PASSPHRASE in scripts)."""
    from voicecoach.store.audio import kept_files, load_answer, saved_answers  # numpy: here

    check_id(session_id, "show")
    with open_journal() as journal:
        record = journal.get(session_id)
    if play is not None:
        answered = [n for n, t in enumerate(record.turns, 1) if t.answer and not t.answer.is_empty]
        if play not in answered:
            raise JournalError(f"session {record.id} has no answer {play}; {_answers(answered)}")
        pcm = load_answer(journal.folder, record.id, play)
        try:
            play_audio(
                pcm,
                lambda: stderr_console().print(
                    f"playing answer {play} of {record.id}", **PLAIN_DIM
                ),
            )
        except AudioDeviceError as exc:
            wav = kept_files(journal.folder, record.id, play)[-1]
            if wav.suffix == ".age":  # sealed: the stock tool opens it with the exported key
                hint = f"decrypt {wav} with `age -d -i KEYFILE` and play it"
                raise AudioDeviceError(f"{exc}, or {hint}") from exc
            raise AudioDeviceError(f"{exc}, or play {wav} with any audio player") from exc
        return
    if as_json:
        print_json(record.to_record())
        return
    from voicecoach.review.views import conversation

    kept = saved_answers(journal.folder, record.id)
    out = stdout_console()
    out.print(conversation(record, audio=kept, plain=not out.is_terminal))


def _answers(numbers: list[int]) -> str:
    """ "its answers are 1, 2 and 4" (or "it has no answers"), for `show --play`."""
    if not numbers:
        return "it has no answers"
    if len(numbers) == 1:
        return f"its one answer is {numbers[0]}"
    listed = ", ".join(map(str, numbers[:-1]))
    return f"its answers are {listed} and {numbers[-1]}"


@app.command("search")
def search_answers(
    words: Annotated[
        list[str],
        typer.Argument(
            help="Words to look for (any case, all of them), quoted or not.", metavar="WORDS"
        ),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Find answers holding every one of the WORDS, oldest first.

    An encrypted journal asks for its passphrase (VOICECOACH_PASSPHRASE in scripts)."""
    from voicecoach.store.summary import search_words

    text = " ".join(words)
    if not search_words(text):  # blank, or marks alone: search compares words only
        raise UsageError("search: give some words to look for")
    with open_journal(skip_newer=True) as journal:
        hits = journal.hits(text)
    if as_json:
        print_json(
            [
                {
                    "id": h.session.id,
                    "started_at": h.session.started_at,
                    "topic": h.session.topic,
                    "turn": h.answer.turn,
                    "prompt_id": h.answer.prompt_id,
                    "prompt": h.answer.prompt,
                    "answer": h.answer.text,
                }
                for h in hits
            ]
        )
        return
    if not hits:
        tell(f"Nothing found for {text!r}.")
        return
    if not stdout_is_terminal():  # piped: plain lines, made without Rich
        from voicecoach.cli.plain_table import lay_out
        from voicecoach.review.cells import HIT_COLUMNS, HIT_RIGHT, hit_cells

        lines = lay_out(HIT_COLUMNS, [hit_cells(h) for h in hits], right=HIT_RIGHT)
        if lines is not None:
            write_lines(lines)
            return
    from voicecoach.review.views import hits_table

    show_table(hits_table(hits, text))
