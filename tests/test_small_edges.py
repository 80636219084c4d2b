"""Small hostile edges: a model folder with a symbolic-link loop, a catalogue checksum that is
not a string, and the session-script documentation agreeing with the validator."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.modelserver import make_model_folder
from tests.virtual_audio import MINI_SCRIPT
from voicecoach.speech.catalog import parse_catalog

Cli = Callable[..., CliResult]
DOC = Path(__file__).resolve().parents[1] / "docs" / "session-scripts.md"


def test_a_model_folder_with_a_link_loop_is_one_short_line(
    cli: Cli, home: Path, tmp_path: Path
) -> None:
    folder = make_model_folder(tmp_path / "m", payload=1000)
    (folder / "loop").symlink_to("loop")
    (folder / "a").mkdir()
    (folder / "a" / "up").symlink_to("..")
    result = cli("models", "add", folder, "--no-load-check")
    assert result.code == 1
    assert len(result.err.strip().splitlines()) == 1
    assert len(result.err) < 300, result.err
    assert "symbolic links" in result.err and "more" in result.err
    assert not any((home / "models").glob("m*"))


@pytest.mark.parametrize("md5", [123, None, ["a"], {"x": 1}])
def test_a_catalogue_checksum_that_is_not_a_string_refuses_the_entry(md5: object) -> None:
    doc = [
        {"name": "vosk-model-small-de-0.15", "md5": md5, "url": "de.zip"},
        {"name": "vosk-model-small-fr-0.22", "md5": "0" * 32, "url": "fr.zip"},
    ]
    entries = parse_catalog(doc, "http://mirror.example/models/model-list.json")
    assert [e.name for e in entries] == ["vosk-model-small-fr-0.22"]


def documented_fields(heading: str) -> dict[str, bool]:
    """The `field | required` table under a heading of the guide: field → required."""
    text = DOC.read_text().split(heading, 1)[1]
    rows = re.findall(r"^\| `([^`]+)` \| (\w+)", text.split("\n\n#", 1)[0], flags=re.M)
    return {field: required == "yes" for field, required in rows}


def present(doc: str, field: str, step: bool) -> bool:
    """Whether the mini script has ``field`` (a table header, or a ``key =`` line)."""
    lines = doc.splitlines()
    if not step and field.startswith("["):
        return field.split("]")[0] + "]" in lines
    return any(line.startswith(f"{field} =") for line in lines)


def without(doc: str, field: str, step: bool) -> str:
    """The mini script with one top-level field, table or first-step field left out."""
    lines = doc.splitlines()
    if not step and field.startswith("["):  # a table: drop its header and its lines
        table = field.split("]")[0] + "]"
        start = lines.index(table)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), None)
        return "\n".join(lines[:start] + (lines[end:] if end else [])) + "\n"
    first = lines.index("[[steps]]")
    for i, line in enumerate(lines):
        if line.startswith(f"{field} =") and (i > first if step else i < first):
            return "\n".join(lines[:i] + lines[i + 1 :]) + "\n"
    return doc


def script_with_everything() -> str:
    script = MINI_SCRIPT.replace('id = "patience"', 'id = "mine"', 1)
    return script.replace(
        'prompt = "What happened?"', 'prompt = "What happened?"\ntype = "question"\nnext = "two"'
    )


@pytest.mark.parametrize(("heading", "step"), [("## ", False), ("### A step (`[[steps]]`)", True)])
def test_the_guide_says_which_fields_are_required_as_the_validator_does(
    cli: Cli, home: Path, heading: str, step: bool
) -> None:
    if not step:
        heading = DOC.read_text().split("| field | required |")[0].rsplit("\n#", 1)[1]
        heading = "#" + heading.split("\n")[0]
    fields = documented_fields(heading)
    assert fields, heading
    full = script_with_everything()
    tomllib.loads(full)
    (home / "sessions").mkdir(parents=True, exist_ok=True)
    path = home / "sessions" / "mine.toml"
    path.write_text(full)
    assert cli("sessions", "check", path).code == 0
    for field, required in fields.items():
        if (field in ("follow_ups", "acknowledge") and step) or field == "[[steps]]":
            continue  # not in the mini script / every step at once: checked elsewhere
        reduced = without(full, field, step) if present(full, field, step) else full
        if reduced == full:  # an optional field the mini script does not use: it passes without
            assert not required, f"{field} is documented as required but is not needed"
            continue
        path.write_text(reduced)
        result = cli("sessions", "check", path)
        assert (result.code != 0) == required, (field, result.err)


def test_the_script_guide_names_every_built_in_practice() -> None:
    """docs/session-scripts.md listed three built-in scripts when seven shipped."""
    from voicecoach.coach.script import builtin_dir

    shipped = sorted(p.name for p in builtin_dir().glob("*.toml"))
    assert len(shipped) >= 7
    named = DOC.read_text().split("Built-in scripts live in", 1)[1].split("\n- ", 1)[0]
    assert [name for name in shipped if f"`{name}`" not in named] == []
