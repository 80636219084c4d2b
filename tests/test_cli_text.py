"""What the command line prints is what was meant: square brackets in hints, file names and
model names are shown as written (Rich markup would take them for styles and drop them)."""

from __future__ import annotations

import ast
import dataclasses
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.modelserver import make_model_folder
from tests.test_journal_cli import A, B, kept
from tests.test_machine import session
from tests.virtual_audio import MINI_SCRIPT, write_mini_home
from voicecoach.coach.dialogue import State
from voicecoach.coach.plan import MOOD_AFTER, MOOD_BEFORE
from voicecoach.coach.script import builtin_dir
from voicecoach.store.journal import Journal
from voicecoach.store.records import Status

Cli = Callable[..., CliResult]


def test_voices_list_hint_installs_the_piper_extra_as_the_readme_did(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "piper", None)  # piper-tts missing: its install is named
    result = cli("voices", "list")
    assert result.code == 0, result.err
    root = Path(__file__).resolve().parents[1]  # a checkout, set up as the README says
    assert f"-m pip install -e '{root}[piper]'" in result.err
    readme = (root / "README.md").read_text()
    assert ".venv/bin/pip install -e '.[piper]'" in readme
    assert "pip install 'voicecoach[piper]'" not in readme


def test_voices_use_takes_the_language_shown_in_the_list(cli: Cli, home: Path) -> None:
    rows = cli("voices", "list", "--json").json()["installed"]
    by_language: dict[str, list[str]] = {}
    for row in rows:
        by_language.setdefault(row["language"], []).append(row["name"])
    unique = {lang: names[0] for lang, names in by_language.items() if len(names) == 1}
    assert unique.get("en-gb") == "gmw/en"  # the trial's case: the list shows en-gb for it
    for given in ("gmw/en-gb", "en-gb"):
        used = cli("voices", "use", given)
        assert used.code == 0, used.err
        assert used.out.strip() == "the coach now speaks with espeak-ng gmw/en"
        assert 'voice = "gmw/en"' in (home / "config.toml").read_text()
    refused = cli("voices", "use", "gmw/en-nowhere")
    assert refused.code == 1 and refused.err.count("\n") == 1
    assert "see `voicecoach voices list`" in refused.err


def test_a_script_file_with_brackets_in_its_name_is_named_whole(cli: Cli, tmp_path: Path) -> None:
    script = tmp_path / "[draft] scripts" / "patience.toml"
    script.parent.mkdir()
    shutil.copy(builtin_dir() / "patience.toml", script)
    result = cli("sessions", "check", script)
    assert result.code == 0, result.err
    assert result.out.startswith(f"{script}: ok (")


def test_a_model_installed_under_a_folder_with_brackets_is_named_whole(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "[shared] voicecoach"
    monkeypatch.setenv("VOICECOACH_HOME", str(home))
    folder = make_model_folder(tmp_path / "vosk-model-small-xx-0.1", payload=10)
    added = cli("models", "add", folder, "--no-load-check")
    assert added.code == 0, added.err
    assert added.out.strip() == (
        f"installed vosk-model-small-xx-0.1 in {home / 'models' / 'vosk-model-small-xx-0.1'}"
    )
    assert "`voicecoach models use vosk-model-small-xx-0.1`" in added.err


def test_sessions_check_counts_steps_in_words(cli: Cli, tmp_path: Path) -> None:
    one = tmp_path / "patience.toml"
    text = MINI_SCRIPT.split("[[steps]]")
    one.write_text(
        text[0] + "[[steps]]" + text[1] + "[closing]" + MINI_SCRIPT.split("[closing]")[1]
    )
    result = cli("sessions", "check", one)
    assert result.code == 0, result.err
    assert result.out.strip() == f"{one}: ok (1 step)"


def test_an_export_is_headed_by_the_practices_own_title(cli: Cli, home: Path) -> None:
    record = dataclasses.replace(A, topic="self-compassion")
    kept(home, record).close()
    assert cli("export", record.id).out.startswith("## Self-compassion\n")
    write_mini_home(home)  # the user's own patience script: "Patience (short)"
    kept(home, B).close()
    assert cli("export", B.id).out.startswith("## Patience (short)\n")
    assert "## Patience (short)" in cli("export", "--all").out
    gone = dataclasses.replace(A, id="20261022-080000-eeee", topic="gone-practice")
    kept(home, gone).close()
    assert cli("export", gone.id).out.startswith("## Gone practice\n")


def test_a_session_that_heard_nothing_is_not_shown_as_completed(cli: Cli, home: Path) -> None:
    silent = dataclasses.replace(
        A, turns=tuple(dataclasses.replace(t, answer=None) for t in A.turns)
    )
    assert silent.status is Status.COMPLETED
    kept(home, silent, B).close()
    rows = {ln.split()[0]: ln for ln in cli("history").out.splitlines() if ln.startswith("2026")}
    assert rows[A.id].rstrip().endswith("no answers")
    assert rows[B.id].rstrip().endswith("completed")
    assert " · no answers" in cli("show", A.id).out.splitlines()[0]
    assert "· no answers" in cli("export", A.id, "--format", "txt").out.splitlines()[0]
    assert "· no answers ·" in cli("export", A.id).out.splitlines()[2]
    assert cli("show", A.id, "--json").json()["status"] == "completed"  # the record is as kept


def test_a_private_session_reads_as_its_status_and_as_private(cli: Cli, home: Path) -> None:
    with Journal(home / "journal") as journal:  # the real machine files a private session
        s = session(journal)
        s.hear("private session")
        s.hear("seven")
        for _ in range(12):
            if s.machine.state is State.DONE:
                break
            s.hear("eight" if s.io.said[-1] == MOOD_AFTER else "i stayed calm at dinner")
        sid = s.record.id
    assert s.machine.state is State.DONE
    assert cli("show", sid, "--json").json()["status"] == "completed"
    rows = [ln for ln in cli("history").out.splitlines() if ln.startswith(sid)]
    assert rows[0].rstrip().endswith("completed (private)"), rows
    heading = cli("show", sid).out.splitlines()[0]
    assert " · completed · private: only the moods and the date were kept · " in heading
    assert "no answers" not in heading and heading.endswith("mood 7→8")
    txt = cli("export", sid, "--format", "txt").out.splitlines()[0]
    assert txt.endswith("· completed · private: only the moods and the date were kept")
    page = cli("export", sid).out.splitlines()[2]
    assert "· completed · private: only the moods and the date were kept ·" in page


@pytest.mark.slow
def test_the_demo_shows_the_conversation_once_and_its_json_has_no_id(cli: Cli) -> None:
    shown = cli("demo", "--engine", "pocketsphinx")
    assert shown.code == 0, shown.err
    assert shown.out == ""
    first_question = "Think of a moment this week"
    assert shown.err.count(first_question) == 1
    assert shown.err.count("you   ") == 7  # the mood before, five answers, the mood after
    lines = shown.err.splitlines()
    mood_before = lines.index(f"coach {MOOD_BEFORE}")
    assert lines[mood_before + 1 : mood_before + 3] == ["you   about a six", "coach Thank you."]
    mood_after = lines.index(f"coach {MOOD_AFTER}")
    assert mood_before < mood_after and lines[mood_after + 1] == "you   eight out of ten"
    last = shown.err.strip().splitlines()[-1]
    assert re.fullmatch(
        r"That was a demo: 7 answers heard in \d+ min of audio, nothing kept\. Run "
        r"`voicecoach session` to begin\.",
        last,
    ), last
    assert cli("history", "--json").json() == []


def test_no_message_of_the_command_line_puts_a_value_through_rich_markup() -> None:
    """The kind behind the lost `[piper]`: a message that holds a value (a name, a path, a
    number) is printed with markup off, or the value is escaped; a message of fixed words may
    keep its markup."""
    offenders = []
    for path in sorted((Path(__file__).parent.parent / "voicecoach" / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "print"
                and node.args
                and isinstance(node.args[0], ast.JoinedStr)
            ):
                continue
            if any(k.arg in ("markup", None) for k in node.keywords):  # markup=… or **PLAIN
                continue
            for part in node.args[0].values:
                value = getattr(part, "value", None)
                escaped = isinstance(value, ast.Call) and ast.unparse(value.func) == "escape"
                if isinstance(part, ast.FormattedValue) and not escaped:
                    offenders.append(f"{path.name}:{node.lineno}: {ast.unparse(part.value)}")
    assert offenders == []


def test_names_typed_back_are_whole_in_a_narrow_terminal(cli: Cli, home: Path) -> None:
    from tests.test_search_output import ANSI, on_a_terminal

    models = [row["name"] for row in cli("models", "list", "--json").json()["installed"]]
    voices = [row["name"] for row in cli("voices", "list", "--json").json()["installed"]]
    assert models and voices
    for argv, names in ((("models", "list"), models), (("voices", "list"), voices)):
        shown = ANSI.sub("", on_a_terminal(home, *argv, columns=50))
        assert all(len(line) <= 50 for line in shown.splitlines()), shown
        for name in names:
            assert re.search(rf"[│ ]{re.escape(name)}[│ ]", shown), (name, shown)
