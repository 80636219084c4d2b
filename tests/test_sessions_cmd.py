"""`voicecoach sessions list | check | graph`, and scripts dropped into the sessions folder."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from voicecoach.coach.dialogue import TRANSITIONS
from voicecoach.coach.script import builtin_dir

ROOT = Path(__file__).resolve().parents[1]

GOOD = """
id = "{id}"
title = "Evening check"
summary = "A short look back at the day."
[opening]
say = ["Hello."]
[closing]
say = ["Good night."]
[[steps]]
id = "day"
prompt = "How was your day with your partner?"
  [[steps.follow_ups]]
  id = "more"
  when = "short"
  prompt = "Can you say a little more?"
[[steps]]
id = "thanks"
type = "say"
prompt = "Thank you for sharing."
"""

BROKEN = {
    "missing-field": (
        GOOD.replace('prompt = "How was your day with your partner?"\n', ""),
        "steps.day.prompt: missing (expected a non-empty string)",
    ),
    "unknown-type": (
        GOOD.replace('type = "say"', 'type = "poem"'),
        'steps.thanks.type: unknown type "poem" (expected one of "question", "say")',
    ),
    "no-exit": (
        GOOD.replace('type = "say"', 'type = "say"\nnext = "day"'),
        "steps.thanks.next: a loop with no exit (day → thanks → day)",
    ),
    "bad-next": (
        GOOD.replace('type = "say"', 'type = "say"\nnext = "tomorrow"'),
        'steps.thanks.next: no step "tomorrow" (expected a step id or "end")',
    ),
    # Values are spelled as in the file (TOML), as config.toml's problems are.
    "not-a-string": (
        GOOD.replace('title = "Evening check"', "title = true"),
        "title: expected a string, got true",
    ),
    "words-not-a-list": (
        GOOD.replace('when = "short"', 'when = "mentions"\n  words = "tired"'),
        'steps.day.follow_ups.more.words: expected a list of non-empty strings, got "tired"',
    ),
    "max-words": (
        GOOD.replace('when = "short"', 'when = "short"\n  max_words = 2.5'),
        "steps.day.follow_ups.more.max_words: expected a whole number from 1 to 100, got 2.5",
    ),
    "reply-class": (
        GOOD.replace(
            'prompt = "Thank you for sharing."', 'prompt = "Thanks."\nreplies = {{ sad = "x" }}'
        ),
        'steps.thanks.replies.sad: unknown answer class (expected one of "unsure", "short", '
        '"harsh", "feeling", "full")',
    ),
    "wrong-id": (
        GOOD.replace('id = "{id}"', 'id = "evening"'),
        'id: "evening" must match the file name "wrong-id"',
    ),
    "opening": (
        GOOD.replace('say = ["Hello."]', "say = [false]"),
        "opening.say: expected a list of non-empty strings, got [false]",
    ),
    "typo": (
        GOOD.replace('id = "more"', 'id = "more"\nwen = "short"'),
        "steps.day.follow_ups.more.wen: unknown field (did you mean when?)",
    ),
    "typo-step": (
        GOOD.replace('id = "day"', 'id = "day"\npromt = "x"'),
        "steps.day.promt: unknown field (did you mean prompt?)",
    ),
    "unlike-any": (
        GOOD.replace("title = ", 'colour = "blue"\ntitle = '),
        "colour: unknown field",  # like no field: no guess offered
    ),
}


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text.format(id=name) if "{id}" in text else text)
    return path


def test_list_shows_the_built_in_practices(cli: Callable[..., CliResult]) -> None:
    result = cli("sessions", "list", "--json")
    assert result.code == 0, result.err
    rows = {row["topic"]: row for row in result.json()}
    assert set(rows) == {
        "patience", "self-compassion", "communication", "where-it-comes-from",
        "saying-a-concern", "supporting-a-partner", "small-wins",
    }  # fmt: skip
    assert rows["patience"]["steps"] == 5 and rows["patience"]["origin"] == "built-in"
    assert all(not row["problem"] for row in rows.values())
    table = cli("sessions", "list")
    assert table.code == 0 and "self-compassion" in table.out


def test_a_script_dropped_into_the_sessions_folder_is_listed_checked_and_drawn(
    home: Path, cli: Callable[..., CliResult]
) -> None:
    write(home / "sessions", "evening", GOOD)
    rows = {row["topic"]: row for row in cli("sessions", "list", "--json").json()}
    assert rows["evening"]["origin"] == "yours" and rows["evening"]["steps"] == 2
    checked = cli("sessions", "check")
    assert checked.code == 0, checked.err
    assert "evening.toml: ok (2 steps)" in checked.out
    assert checked.out.count(": ok") == 8
    graph = cli("sessions", "graph", "evening")
    assert graph.code == 0, graph.err
    assert graph.out.startswith("stateDiagram-v2\n")
    assert "s_day --> s_day_more : fewer than 6 words" in graph.out
    assert "s_thanks --> s_mood_after" in graph.out


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_script_fails_check_with_one_line_naming_the_file_step_and_field(
    home: Path, cli: Callable[..., CliResult], tmp_path: Path, name: str
) -> None:
    text, expected = BROKEN[name]
    path = write(tmp_path, name, text)
    result = cli("sessions", "check", path)
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith(f"voicecoach: error: {path}: ")
    assert expected in lines[0]
    if expected.endswith("unknown field"):  # no field it could be a misspelling of
        assert f"{expected} (did you mean" not in lines[0]
    assert result.out == ""


@pytest.mark.parametrize("name", ["missing-field", "no-exit"])
def test_session_refuses_a_broken_script_before_anything_is_written(
    home: Path, cli: Callable[..., CliResult], name: str
) -> None:
    text, expected = BROKEN[name]
    write(home / "sessions", name, text)
    result = cli("session", name, "--answers", "x.wav", "--engine", "pocketsphinx", "--fast")
    assert result.code == 1
    assert expected in result.err and result.err.count("\n") == 1
    assert not (home / "journal").exists() or not any((home / "journal").iterdir())
    listed = {row["topic"]: row for row in cli("sessions", "list", "--json").json()}
    assert expected in listed[name]["problem"]
    whole = cli("sessions", "check")
    assert whole.code == 1 and expected in whole.err


def test_a_users_script_replaces_the_built_in_one_of_the_same_name(
    home: Path, cli: Callable[..., CliResult]
) -> None:
    write(home / "sessions", "patience", GOOD)
    rows = {row["topic"]: row for row in cli("sessions", "list", "--json").json()}
    assert rows["patience"]["origin"] == "yours (replaces the built-in one)"
    assert rows["patience"]["title"] == "Evening check"


def test_check_of_a_missing_file_says_so(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    result = cli("sessions", "check", tmp_path / "nope.toml")
    assert result.code == 1 and "cannot read" in result.err


def test_graph_draws_every_transition_of_the_table_and_every_step(
    cli: Callable[..., CliResult],
) -> None:
    result = cli("sessions", "graph", "patience")
    assert result.code == 0, result.err
    edges = set(re.findall(r"^    (\w+) --> (\w+) : (\w+)", result.out, re.M))
    for transition in TRANSITIONS:
        sources = transition["source"]
        for source in sources if isinstance(sources, list) else [sources]:
            dest = source if transition["dest"] in ("=", None) else transition["dest"]
            assert (source.value, dest.value, transition["trigger"]) in edges
    for step in ("moment", "body", "underneath", "other_side", "next_time"):
        assert f"as s_{step}" in result.out
    assert "[*] --> s_mood_before" in result.out
    unknown = cli("sessions", "graph", "juggling")
    assert unknown.code == 1 and "unknown topic 'juggling'" in unknown.err


def test_mood_off_in_config_leaves_it_out_of_the_graph(
    home: Path, cli: Callable[..., CliResult]
) -> None:
    home.mkdir(parents=True)
    (home / "config.toml").write_text("[coach]\nmood_checkin = false\n")
    result = cli("sessions", "graph", "patience")
    assert "mood" not in result.out and "[*] --> s_moment" in result.out


def test_the_documented_example_script_passes_the_check(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    doc = (ROOT / "docs" / "session-scripts.md").read_text()
    example = re.search(r"## An example\n\n```toml\n(.*?)```", doc, re.S)
    assert example is not None
    path = write(tmp_path, "my-practice", example.group(1))
    result = cli("sessions", "check", path)
    assert result.code == 0, result.err


def test_the_shipped_scripts_are_in_the_package() -> None:
    assert {p.stem for p in builtin_dir().glob("*.toml")} >= {"patience", "communication"}


@pytest.mark.parametrize("columns", [50, 80])
def test_list_on_a_terminal_keeps_every_topic_whole(home: Path, columns: int) -> None:
    from tests.test_search_output import ANSI, on_a_terminal

    long_topic = "evening-check-in-with-my-partner-after-work"
    write(home / "sessions", long_topic, GOOD)
    topics = [p.stem for p in builtin_dir().glob("*.toml")] + [long_topic]
    shown = ANSI.sub("", on_a_terminal(home, "sessions", "list", columns=columns))
    lines = shown.splitlines()
    assert "…" not in shown
    assert all(len(line) <= columns for line in lines), shown
    for topic in topics:  # each whole, on the line that starts its row
        assert any(line.split()[:1] == [topic] for line in lines if line.strip()), (topic, shown)
    assert "Listening without" in shown and "trust hard." in shown  # the summary wraps
    if columns == 80:  # wide enough for topic and summary side by side, plus the steps
        assert re.search(r"^supporting-a-partner +4 ", shown, re.MULTILINE), shown


@pytest.mark.parametrize("columns", [50, 160])
def test_a_broken_script_on_a_terminal_counts_no_steps(home: Path, columns: int) -> None:
    """A script that does not load has no steps to count: its row says so with a dash and
    points at `sessions check`, where the listing had said "0" steps."""
    from tests.test_search_output import ANSI, on_a_terminal

    text, _ = BROKEN["missing-field"]
    write(home / "sessions", "missing-field", text)
    shown = ANSI.sub("", on_a_terminal(home, "sessions", "list", columns=columns))
    words = " ".join(shown.split())  # the summary may wrap
    row = " ".join(words.split("missing-field", 1)[1].split()[:4])
    assert "broken: see" in words and "sessions check" in words, shown
    if columns == 160:
        assert row.startswith("– yours broken"), shown
    else:
        assert " 0 " not in row and "(0 steps)" not in shown, shown
