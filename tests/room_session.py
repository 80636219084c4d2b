"""Running the real session CLI on a simulated room, and scoring what it stored.

The coach's side of a ``--speaker-file`` (when each line is audible), a session run in this
process with the time spent on each microphone frame, and the score of one run: words lost,
misfiled, stored where the person was silent, and end-of-answer latency.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tests.room import RATE, TimedWord, frame_db, normalise, read_pcm

SCRIPT = """\
id = "patience"
title = "Patience (room)"
summary = "Two questions: the first is answered, the second shows misfiled words."

[opening]
say = ["Hello."]

[[steps]]
id = "one"
prompt = "What happened?"
acknowledge = "Thank you for describing that."

[[steps]]
id = "two"
prompt = "What did you feel?"

[closing]
say = ["Goodbye."]
"""
"""The session of every room run: two questions, only the first one answered."""

CONFIG = """\
[coach]
mood_checkin = false

[listen]
no_answer_s = 5.0
reprompts = 0
"""
"""Default listening settings, but a short wait on the unanswered second question."""

END_SILENCE_S = 2.0
"""The default ``end_silence_s`` the targets are relative to."""


def make_home(home: Path, extra_config: str = "") -> Path:
    """A VOICECOACH_HOME with the room script and settings, first-run note already given."""
    (home / "sessions").mkdir(parents=True, exist_ok=True)
    (home / "sessions" / "patience.toml").write_text(SCRIPT)
    (home / "config.toml").write_text(CONFIG + extra_config)
    (home / "state.json").write_text(json.dumps({"first_run_done": True}))
    return home


# ---- the coach's side ------------------------------------------------------------------------
def audible(speaker_wav: Path, gap_s: float = 0.3) -> list[tuple[float, float]]:
    """Spans (seconds) where the coach is audible in a ``--speaker-file``, short gaps merged."""
    levels = frame_db(read_pcm(speaker_wav))
    loud = levels > -55.0
    spans: list[tuple[float, float]] = []
    start = None
    for i, on in enumerate(np.append(loud, False)):
        if on and start is None:
            start = i
        elif not on and start is not None:
            if spans and start / 100 - spans[-1][1] < gap_s:
                spans[-1] = (spans[-1][0], i / 100)
            else:
                spans.append((start / 100, i / 100))
            start = None
    return spans


def first_question_end(speaker_wav: Path, silence_s: float = 2.0) -> float:
    """When the coach stops talking to wait for an answer (the first long silence)."""
    spans = audible(speaker_wav)
    for this, after in zip(spans, spans[1:], strict=False):
        if after[0] - this[1] >= silence_s:
            return this[1]
    return spans[-1][1]


def next_line_after(speaker_wav: Path, t: float) -> float | None:
    """When the coach first becomes audible after time ``t`` (seconds)."""
    for start, end in audible(speaker_wav):
        if start > t:
            return start
        if end > t:  # already speaking at t: talking over the person
            return t
    return None


# ---- running the real CLI --------------------------------------------------------------------
@dataclass
class SessionRun:
    record: dict[str, Any]
    speaker_wav: Path
    frame_costs: list[tuple[float, float]]
    """(audio time at the frame's end in s, CPU seconds the process spent on it)."""
    wall_s: float

    def answers(self) -> list[dict[str, Any] | None]:
        return [turn.get("answer") for turn in self.record["turns"]]

    def stored_words(self) -> list[TimedWord]:
        return [
            TimedWord(w["word"], w["start"], w["end"])
            for answer in self.answers()
            if answer
            for w in answer["words"]
        ]

    def processing_delay(self, decided_at: float) -> float:
        """How far behind real time the frame deciding at ``decided_at`` finished.

        The file run's per-frame processing times replayed against a real-time microphone:
        frame k is available at its end; it is done when it and everything queued before it
        are processed.
        """
        done = 0.0
        delay = 0.0
        for end, cost in self.frame_costs:
            done = max(done, end) + cost
            if end <= decided_at + 1e-6:
                delay = done - end
            else:
                break
        return delay


@contextlib.contextmanager
def timed_frames(costs: list[tuple[float, float]]) -> Iterator[None]:
    """Record how long the loop works on each frame of a ``--mic-file``.

    Counted as CPU time of this process (all its threads), so other programs on a shared
    machine do not inflate it.
    """
    from voicecoach.audio import source

    original = source.WavFileSource.frames

    def frames(self: Any) -> Iterator[Any]:
        for chunk in original(self):
            began = time.process_time()
            yield chunk
            costs.append((chunk.end / RATE, time.process_time() - began))

    source.WavFileSource.frames = frames  # type: ignore[method-assign]
    try:
        yield
    finally:
        source.WavFileSource.frames = original  # type: ignore[method-assign]


def run_session(
    mic_wav: Path,
    speaker_wav: Path,
    engine: str,
    model: Path | None = None,
    topic: str = "patience",
) -> SessionRun:
    """``voicecoach session TOPIC --mic-file … --speaker-file … --fast --json``, in this process.

    Uses the ``VOICECOACH_HOME`` of the environment. Raises RuntimeError when the CLI fails.
    """
    from voicecoach.cli import main

    args = [
        "session", topic, "--mic-file", str(mic_wav), "--speaker-file", str(speaker_wav),
        "--fast", "--json", "--engine", engine,
    ]  # fmt: skip
    if model is not None:
        args += ["--model", str(model)]
    out, err = io.StringIO(), io.StringIO()
    costs: list[tuple[float, float]] = []
    began = time.perf_counter()
    code: object = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), timed_frames(costs):
        try:
            main(args)
        except SystemExit as exc:
            code = exc.code
    if code not in (0, None):
        raise RuntimeError(f"session failed ({code}): {err.getvalue()[-500:]}")
    return SessionRun(json.loads(out.getvalue()), speaker_wav, costs, time.perf_counter() - began)


# ---- scoring ---------------------------------------------------------------------------------
@dataclass
class Outcome:
    """One run of one condition, scored against the person's words."""

    words: int
    lost: int
    """Words (timed on the clean source) that reached no answer."""
    misfiled: int
    """Words that reached the answer of another question."""
    stray: int
    """Stored words heard where the person did not speak (background or the coach)."""
    stored: int
    answers: int
    loop_text: str
    """What was stored as the answer to the question being answered."""
    latency_audio: float | None
    """Last word → the coach's next line audible, in audio time (s)."""
    latency: float | None
    """The same plus the processing the deciding frame waited for in real time (s)."""


def score(run: SessionRun, person: Sequence[TimedWord], question: int = 0) -> Outcome:
    """Words lost / misfiled / stray, and end-of-answer latency, for one answered question."""
    answers = run.answers()
    lost = misfiled = 0
    for word in person:
        middle = (word.start + word.end) / 2
        where = [
            i for i, a in enumerate(answers) if a and a["start"] - 0.15 <= middle <= a["end"] + 0.15
        ]
        if not where:
            lost += 1
        elif question not in where:
            misfiled += 1
    stored = run.stored_words()
    stray = sum(
        1
        for w in stored
        if not any(p.start - 0.5 <= (w.start + w.end) / 2 <= p.end + 0.5 for p in person)
    )
    latency_audio = latency = None
    if person:
        last = person[-1].end
        audible_at = next_line_after(run.speaker_wav, last)
        if audible_at is not None:
            latency_audio = audible_at - last
            latency = latency_audio + run.processing_delay(audible_at)
    answer = answers[question] if question < len(answers) else None
    return Outcome(
        words=len(person),
        lost=lost,
        misfiled=misfiled,
        stray=stray,
        stored=len(stored),
        answers=sum(1 for a in answers if a),
        loop_text=normalise(answer["text"]) if answer else "",
        latency_audio=latency_audio,
        latency=latency,
    )


def live_session(
    env: dict[str, str], home: Path, engine: str, model: Path | None = None
) -> dict[str, Any]:
    """``voicecoach session patience --json`` in real time on a sound card (``env``'s
    ``PULSE_SERVER``), in a child process. Returns the stored record; RuntimeError on failure."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    args = [sys.executable, "-m", "voicecoach", "session", "patience", "--json"]
    args += ["--engine", engine] + (["--model", str(model)] if model else [])
    env = {**env, "VOICECOACH_HOME": str(home), "PYTHONPATH": str(root)}
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"live session failed: {done.stderr[-400:]}")
    record: dict[str, Any] = json.loads(done.stdout)
    return record


def stored_answers(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The answers a session record holds."""
    return [turn["answer"] for turn in record["turns"] if turn.get("answer")]
