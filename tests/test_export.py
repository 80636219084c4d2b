"""`voicecoach export`: a journal page in Markdown, JSON, plain text; atomic, owner-only files."""

from __future__ import annotations

import dataclasses
import os
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.test_journal import make_turn
from tests.test_journal_cli import A, B, C, kept
from tests.test_machine import session
from voicecoach.review.export import tidy
from voicecoach.speech.grammar import Recheck
from voicecoach.store.journal import Journal

Cli = Callable[..., CliResult]


def test_markdown_reads_like_a_journal_page(home: Path, cli: Cli) -> None:
    record = dataclasses.replace(
        B,
        ended_at="2026-11-01T21:06:00+01:00",
        mood_after=7,
        turns=(
            make_turn(0, "i think i was afraid he does not care about me"),
            dataclasses.replace(make_turn(1), answer=None),
        ),
    )
    kept(home, record)
    result = cli("export", B.id)
    assert result.code == 0, result.err
    assert result.out == (
        "## Patience\n"
        "\n"
        "*Sunday 1 November 2026, 21:00 · 6 min · completed · mood 4→7*\n"
        "\n"
        "### Question 0?\n"
        "\n"
        "I think I was afraid he does not care about me.\n"
        "\n"
        "### Question 1?\n"
        "\n"
        "*(no answer)*\n"
        "\n"
        f"<small>session {B.id}</small>\n"
    )


def test_tidy_only_touches_case_and_the_full_stop() -> None:
    assert tidy("i said i'm fine but i wasn't") == "I said I'm fine but I wasn't."
    assert tidy("is it time?") == "Is it time?"
    assert tidy("오늘은 괜찮았어요") == "오늘은 괜찮았어요."
    assert tidy("   ") == ""


def test_every_format_of_every_session(home: Path, cli: Cli) -> None:
    kept(home, C, A, B)
    every = cli("export", "--all", "--format", "json")
    assert every.json() == cli("history", "--json").json()
    assert cli("export", A.id, "--format", "json").json() == cli("show", A.id, "--json").json()
    pages = cli("export", "--all").out
    assert pages.startswith("# Journal\n\n## Communication\n")
    assert pages.count("\n---\n") == 2
    assert pages.index(A.id) < pages.index(B.id) < pages.index(C.id)
    text = cli("export", A.id[:10], "--format", "txt").out
    assert text.splitlines()[:2] == ["communication · 2026-10-20 08:00 · completed", A.id]
    assert "coach: Question 0?\nyou:   I was patient with myself when the plan changed\n" in text


def test_a_file_is_written_whole_and_private(home: Path, cli: Cli, tmp_path: Path) -> None:
    kept(home, A, B)
    target = tmp_path / "out" / "journal.md"
    target.parent.mkdir()
    old = os.umask(0)
    try:
        result = cli("export", "--all", "-o", target)
    finally:
        os.umask(old)
    assert result.code == 0, result.err
    assert result.err.strip() == f"exported 2 sessions to {target}"
    assert result.out == ""
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert A.id in target.read_text()
    assert [p.name for p in target.parent.iterdir()] == ["journal.md"]  # no temp file left

    target.write_text("an older export")
    refused = cli("export", B.id, "-o", target)  # not a terminal: not asked
    assert refused.code == 2 and refused.out == ""
    message = f"voicecoach: error: export: {target} exists; add --yes to replace it"
    assert refused.err.strip() == message
    assert target.read_text() == "an older export"
    assert cli("export", B.id, "-o", target, "--yes").code == 0
    assert B.id in target.read_text() and A.id not in target.read_text()
    assert cli("export", B.id, "-o", os.devnull).code == 0  # a device is written in place


def test_bad_exports_write_nothing(home: Path, cli: Cli, tmp_path: Path) -> None:
    kept(home, A)
    cases = {
        ("export",): "export: give a session id or --all (not both)",
        ("export", A.id, "--all"): "export: give a session id or --all (not both)",
        ("export", A.id, "--format", "pdf"): "--format: expected one of md, json, txt, got 'pdf'",
        (
            "export",
            A.id,
            "-o",
            tmp_path / "missing" / "x.md",
        ): f"{tmp_path / 'missing'}: no such folder",
        ("export", A.id, "-o", tmp_path): f"{tmp_path} is a folder; give a file name",
        ("export", "nope"): "no session with id nope; see `voicecoach history`",
    }
    usage = {("export",), ("export", A.id, "--all"), ("export", A.id, "--format", "pdf")}
    for args, message in cases.items():
        result = cli(*args)
        assert result.code == (2 if args in usage else 1), args
        assert result.err.strip() == f"voicecoach: error: {message}", args
    assert list(tmp_path.iterdir()) == [home]


def test_nothing_to_export(home: Path, cli: Cli) -> None:
    result = cli("export", "--all")
    assert result.code == 1
    assert result.err.strip() == "voicecoach: error: the journal is empty: nothing to export"


def test_a_spoken_mood_a_skip_and_a_stop_read_as_the_record_has_them(home: Path, cli: Cli) -> None:
    with Journal(home / "journal") as journal:  # the real machine files the session
        s = session(journal)
        s.hear("thanks", Recheck("six", 0.9))  # "six" heard as "thanks" by the open decoder
        s.hear("skip")
        s.hear("i felt it in my chest")
        s.hear("that's enough for today")
        record = s.record
    assert record.mood_before == 6 and [t.answer is None for t in record.turns] == [
        False, True, False, True,
    ]  # fmt: skip
    page = cli("export", record.id).out
    mood_q, skipped_q, body_q, stopped_q = (t.prompt for t in record.turns)
    assert f"### {mood_q}\n\nThanks. (mood 6)\n" in page
    assert f"### {skipped_q}\n\n*(skipped)*\n" in page
    assert f"### {body_q}\n\nI felt it in my chest.\n" in page
    assert f"### {stopped_q}\n\n*(stopped here)*\n" in page
    assert "(no answer)" not in page
    text = cli("export", record.id, "--format", "txt").out
    for said in ("thanks (mood 6)", "(skipped)", "i felt it in my chest", "(stopped here)"):
        assert f"\nyou:   {said}\n" in text, said
    assert "thanks (mood 6)" in cli("show", record.id).out  # as show has it


def test_a_format_against_the_files_ending_is_refused(home: Path, cli: Cli, tmp_path: Path) -> None:
    kept(home, A).close()
    for args, line in (
        (("--format", "json", "-o", tmp_path / "x.md"), "the name ends .md, which is md"),
        (("--format", "md", "-o", tmp_path / "x.txt"), "the name ends .txt, which is txt"),
        (("-o", tmp_path / "x.md.age"), "the journal has no key, so the export is not encrypted"),
    ):
        refused = cli("export", A.id, *args)
        assert refused.code == 2 and refused.out == "", args
        (message,) = refused.err.splitlines()
        assert message.startswith("voicecoach: error: ") and line in message, message
    assert list(tmp_path.iterdir()) == [home]
    assert cli("export", A.id, "--format", "json", "-o", tmp_path / "x.json").code == 0


def test_an_export_file_of_an_encrypted_journal_is_an_age_file_named_so(
    home: Path, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_journal_crypto import PASS, encrypted

    kept(home, A, B).close()
    encrypted(cli, monkeypatch)
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", PASS)
    out = tmp_path / "out"
    out.mkdir()
    recovery = tmp_path / "recovery.txt"
    assert cli("key", "export-recovery", recovery).code == 0

    page = cli("export", B.id)  # what is shown is in clear, with or without -o -
    assert page.code == 0 and "A small Promise kept" in page.out
    assert cli("export", B.id, "-o", "-").out == page.out

    sealed = cli("export", B.id, "-o", out / "one.md")
    target = out / "one.md.age"
    assert sealed.code == 0 and sealed.out == ""
    assert sealed.err.splitlines() == [
        f"exported 1 session to {target}, encrypted to the journal's key: "
        f"`age -d -i RECOVERY-FILE {target}` reads it (RECOVERY-FILE from "
        "`voicecoach key export-recovery`)"
    ]
    assert [p.name for p in out.iterdir()] == ["one.md.age"]
    assert "Promise" not in target.read_text() and stat.S_IMODE(target.stat().st_mode) == 0o600
    age = shutil.which("age")
    assert age is not None, "the Debian age package is in scripts/system-packages.sh --test"
    opened = subprocess.run(
        [age, "-d", "-i", str(recovery), str(target)], capture_output=True, text=True, check=True
    )
    assert opened.stdout == page.out  # the very page shown on stdout

    named = cli("export", B.id, "--format", "json", "-o", out / "two.json.age")
    assert named.code == 0 and (out / "two.json.age").exists()  # .age not added twice
    again = cli("export", B.id, "-o", out / "one.md")  # replacing asks about the file it replaces
    assert again.code == 2 and f"{target} exists; add --yes" in again.err

    clear = cli("export", B.id, "--plain", "-o", out / "page.md")
    assert clear.code == 0 and clear.err.splitlines() == [f"exported 1 session to {out}/page.md"]
    assert (out / "page.md").read_text() == page.out
    assert stat.S_IMODE((out / "page.md").stat().st_mode) == 0o600
    refused = cli("export", B.id, "--plain", "-o", out / "page.md.age")
    assert refused.code == 2 and "--plain was given, so the export is not encrypted" in refused.err
    assert sorted(p.name for p in out.iterdir()) == ["one.md.age", "page.md", "two.json.age"]
