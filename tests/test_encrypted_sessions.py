"""Real sessions on an encrypted journal, recorded with the public key only (no passphrase in
the environment, no terminal), as a speaker records unattended: one killed with SIGKILL
mid-answer, then one to its end, which files the dead one. No answer word is left readable
anywhere under the data folder, and every final answer reads back with the passphrase."""

from __future__ import annotations

import json
import re
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.crashkit import Run, covered
from voicecoach.store.codec import register
from voicecoach.store.crypto import JournalKey
from voicecoach.store.journal import Journal
from voicecoach.store.records import Status

pytestmark = pytest.mark.slow

PASS = "correct horse battery"
LISTED = {"patience", "completed", "interrupted", "running", "started", "status", "schema"}
"""Words the plain listing metadata and the JSON keys hold whatever was said."""


def test_no_answer_word_on_disk_after_a_kill_and_a_whole_session(
    home: Path, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", PASS)
    assert cli("key", "init").code == 0
    # to its end: every question asked, though the recorded answers run out before the last
    (home / "config.toml").write_text("[listen]\nquiet_questions = 0\n")
    monkeypatch.delenv("VOICECOACH_PASSPHRASE")  # the sessions run without it

    killed = Run.start(home, None)
    try:
        assert killed.wait_for(2), "\n".join(line for _, line in killed.lines)
        killed.proc.send_signal(signal.SIGKILL)
        killed.finish()
    finally:
        if killed.proc.poll() is None:
            killed.proc.kill()
    whole = Run.start(home, None)
    try:
        whole.proc.wait(timeout=600)  # renders every line of the voice anew: slow on a busy machine
    finally:
        if whole.proc.poll() is None:
            whole.proc.kill()
    assert whole.finish() == 0, "\n".join(line for _, line in whole.lines)
    assert not (home / "journal" / "running").exists() or not any(
        (home / "journal" / "running").glob("*.jsonl")
    )

    months = [p for p in (home / "journal").glob("*.json")]
    docs = [d for p in months for d in json.loads(p.read_text())["sessions"].values()]
    assert sorted(("entries" in d, d["status"]) for d in docs) == [
        (False, "completed"),
        (True, "interrupted"),  # filed as its sealed write-ahead entries: nothing unsealed
    ]

    key = JournalKey(home / "journal")
    codec = key.codec(PASS)
    register(codec)
    with Journal(home / "journal", codec=codec) as journal:
        records = journal.records()
        assert not journal.notices
    assert [r.status for r in records] == [Status.INTERRUPTED, Status.COMPLETED]
    said = [[t.answer.text for t in r.turns if t.answer is not None] for r in records]
    found, beyond = covered(killed.heard, said[0])
    assert found == len(killed.heard) >= 2 and beyond <= 1, (killed.heard, said[0])
    assert len(whole.heard) == 5 and covered(whole.heard, said[1]) == (5, 0), said[1]

    on_disk = b"".join(p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file()).lower()
    words = {w for text in said[0] + said[1] for w in re.findall(r"[a-z']{6,}", text.lower())}
    words -= LISTED
    assert len(words) >= 5, words  # the grep below proves something
    found = sorted(w for w in words if w.encode() in on_disk)
    assert found == []

    # history lists without the passphrase, the dead session too (filed sealed); with it the
    # index is made whole again, and the listing still needs no passphrase.
    from voicecoach.store import codec as codecs

    monkeypatch.setattr(codecs, "_CODECS", {codecs.PLAIN.name: codecs.PLAIN})  # a new process
    unattended = cli("history")
    assert unattended.code == 0, unattended.err
    assert "interrupted" in unattended.out and "completed" in unattended.out, unattended.out
    monkeypatch.setattr(codecs, "_CODECS", {codecs.PLAIN.name: codecs.PLAIN})
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", PASS)
    listed = cli("history")
    assert listed.code == 0 and listed.out.count("patience") == 2, listed.out + listed.err
    monkeypatch.delenv("VOICECOACH_PASSPHRASE")
    monkeypatch.setattr(codecs, "_CODECS", {codecs.PLAIN.name: codecs.PLAIN})
    plain = cli("history")
    assert plain.code == 0 and "interrupted" in plain.out and "completed" in plain.out, plain.err
