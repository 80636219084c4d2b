"""Lines made from the person's own words are never written to the voice cache; fixed lines are.

The machine marks such lines where it makes them (a reflection of a feeling, a look back naming
last session's answer, the concern check's feedback, a mood question naming the numbers heard),
and the voice renders them without the cache.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, fixture_wav, group
from tests.test_machine import session
from voicecoach.coach.continuity import LastStep
from voicecoach.coach.plan import MOOD_BEFORE
from voicecoach.speech.tts import TextToSpeech
from voicecoach.store.journal import Journal

LAST_TIME = "i will take a breath before i answer"


def test_lines_made_from_answers_are_marked_where_they_are_made(journal: Journal) -> None:
    s = session(journal, "patience", history=lambda topic, step: LastStep(LAST_TIME, sure=True))
    s.hear("four or six")
    s.hear("five")
    s.hear("it went well, i took a breath")
    s.hear("last night my partner came home late and did not call me")
    s.hear("i felt it in my chest and in my hands")
    s.hear("i think i was afraid that he does not care about me")
    assert s.io.personal == [
        "Which is closer, 4 or 6?",
        "Last time you said you will take a breath before you answer. How did that go?",
        "It sounds like you felt afraid. That makes sense. Feelings usually come from somewhere.",
    ]
    fixed = [line for line in s.io.said if line not in s.io.personal]
    assert MOOD_BEFORE in fixed and "Thank you for describing that." in fixed

    concern = session(journal, "saying-a-concern", mood_checkin=False)
    for _ in range(2):
        concern.hear("i always feel ignored when you are on your phone")
    reflection, feedback = concern.io.personal
    assert reflection.startswith("It sounds like you felt ignored.")
    # the concern's feedback says the feeling back in the person's word, then the rest
    assert feedback.startswith("It sounds like you felt ignored. You could add") and (
        "always" in feedback
    ), feedback


def test_a_personal_line_is_rendered_without_the_cache(tmp_path: Path) -> None:
    tts = TextToSpeech(tmp_path / "cache")
    fixed, personal = "Thank you.", "It sounds like you felt lonely."
    assert tts.render(fixed) and tts.cache_path(fixed).exists()
    old_copy = tts.cache_path(personal)
    old_copy.write_bytes(tts.cache_path(fixed).read_bytes())  # left by an older version
    pcm = tts.render(personal, personal=True)
    assert len(pcm) > 16000 and not old_copy.exists()
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [tts.cache_path(fixed).name]


@pytest.mark.slow
def test_a_real_session_keeps_no_reflection_in_the_voice_cache(
    home: Path, cli: Callable[..., CliResult]
) -> None:
    home.mkdir(parents=True)
    (home / "config.toml").write_text("[coach]\nmood_checkin = false\n")
    answers = [fixture_wav(n) for n in group("patience")]
    done = cli("session", "patience", "--answers", *answers, "--fast", "--engine",
               "pocketsphinx", "--json")  # fmt: skip
    assert done.code == 0, done.err
    record = done.json()
    said = [line for turn in record["turns"] for line in turn["coach_lines"]]
    reflections = [line for line in said if line.startswith("It sounds like")]
    assert reflections, said  # the answers name feelings: the coach reflected them
    tts = TextToSpeech(home / "cache" / "voice")
    files = {p.name for p in (home / "cache" / "voice").rglob("*") if p.is_file()}
    assert not {tts.cache_path(line).name for line in reflections} & files
    fixed = [line for line in said if line not in reflections]
    assert {tts.cache_path(line).name for line in fixed} <= files  # fixed lines are cached
    words = {w.strip(".,?").lower() for line in reflections for w in line.split()}
    words |= {w for t in record["turns"] for w in t["answer"]["text"].split()}
    words = {w for w in words if len(w) > 4} - {"sounds"}  # "afraid", "partner", …
    assert words
    for path in (home / "cache").rglob("*"):  # no word in any file, whatever its format
        if path.is_file():
            data = path.read_bytes().lower()
            assert not [w for w in words if w.encode() in data], path
