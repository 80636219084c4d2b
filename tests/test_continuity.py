"""Continuity across sessions through the real CLI, PocketSphinx and journal: a sentence that
holds a number is no mood (asked again instead of kept), the step named in it is looked back
at in the next session of the practice, and only the last session counts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.test_machine_e2e import config, run, turns
from voicecoach.coach import options as say
from voicecoach.coach.plan import LOOK_BACK, MOOD_BEFORE
from voicecoach.coach.script import find_script

PATIENCE = find_script("patience", None)
LOOKING_BACK = PATIENCE.look_back.prompt if PATIENCE.look_back is not None else ""


@pytest.mark.slow
def test_a_step_with_a_number_is_no_mood_and_is_looked_back_at_next_time(
    home: Path, cli: Callable[..., CliResult]
) -> None:
    config(home, "[listen]\nno_answer_s = 3.0\n")
    first = run(
        cli,
        "patience",
        "number-breaths",  # at the mood question: "... take three slow breaths ...": no mood
        "mood-1",  # asked again: "seven"
        "patience-1",
        "patience-2",
        "patience-3",
        "patience-4",
        "number-breaths",  # the step, the same sentence
        "mood-3",
    )
    mood = turns(first)["mood-before"]
    assert first["mood_before"] == 7, json.dumps(mood, indent=1)
    assert mood["coach_lines"][:2] == [MOOD_BEFORE, say.MOOD_AGAIN], json.dumps(mood, indent=1)
    step = turns(first)["next-time"]["answer"]
    assert "three slow breaths" in step["text"], step["text"]
    assert min(w["conf"] for w in step["words"]) >= 0.5, step  # heard surely: said back

    time.sleep(1.1)  # sessions are ordered by their start, to the second
    second = run(cli, "patience", "mood-1", "patience-5", "cmd-stop")
    looked = turns(second)[LOOK_BACK]
    assert looked["prompt"] == LOOKING_BACK.replace(
        "{answer}", "next time you will take three slow breaths before you answer him"
    ), looked["prompt"]

    time.sleep(1.1)  # the second session ended before its step: nothing to look back at
    third = run(cli, "patience", "mood-1", "cmd-stop")
    assert LOOK_BACK not in turns(third), [t["prompt"] for t in third["turns"]]
