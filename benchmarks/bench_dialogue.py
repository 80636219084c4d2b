"""Whole spoken sessions with scripted users in several voices, through the real loop.

Each run builds what `voicecoach session` builds (the real Listener over PocketSphinx with the
command grammar, the real session machine, the real journal in a temporary folder, the coach's
lines rendered by the real text-to-speech) and replaces only the microphone: a scripted user who
answers each listening turn by what the coach just said. The user's utterances are synthesised
once per voice (festival slt and kdl, espeak-ng en-us and en-gb with variants) and cached.

Reported, per voice and in total:

- replies that fit the answer's class (no answer, "I don't know", one word, a full answer, harsh
  self-talk, a named feeling), judged on the coach's words: a non-answer is never praised and
  gets a gentle reprompt or follow-up; a very short answer gets a follow-up; harsh self-talk a
  self-compassionate reframe; a named feeling is reflected back with the person's own word;
- moods captured: the rating stored equals the one spoken (numbers one to ten, in words and in
  phrases), re-asks counted (asked again, the user says it again, or in the form the coach
  offers as an example, as a person would), numbers checked ("Did you say 9?", answered yes
  or no truthfully) and wrong moods stored counted;
- commands recognised: every command as one word and as a phrase, said to the first question,
  acted on (directly, or after the coach asked to confirm and the user said yes);
- false commands: commands taken from answers, and confirmations asked on answers;
- gaps between the coach's lines (audible end of one to audible start of the next, when no one
  spoke in between), and how long the first session speaks before its first question.

    python benchmarks/bench_dialogue.py [--voices slt,kdl,us,us-f3,gb,gb-m3] [--only classes]
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voicecoach.audio.sink import SilentSink  # noqa: E402
from voicecoach.audio.source import SILENT_FRAME, split_frames  # noqa: E402
from voicecoach.audio.voice import Line as VoiceLine  # noqa: E402
from voicecoach.audio.voice import Voice  # noqa: E402
from voicecoach.audio.wavfile import read_wav  # noqa: E402
from voicecoach.coach.intents import Command  # noqa: E402
from voicecoach.coach.options import CONFIRM, CoachOptions  # noqa: E402
from voicecoach.coach.script import SessionScript, find_script  # noqa: E402
from voicecoach.config import Settings  # noqa: E402
from voicecoach.frames import FRAME_SAMPLES, SAMPLE_RATE, AudioChunk, seconds_to_samples  # noqa: E402
from voicecoach.loop import RESUME_WINDOW_S  # noqa: E402
from voicecoach.speech.events import Final, ListenEvent, NoAnswer  # noqa: E402
from voicecoach.speech.grammar import RecheckedFinal  # noqa: E402
from voicecoach.speech.recognizer import Recognizer  # noqa: E402
from voicecoach.speech.tts import TextToSpeech  # noqa: E402
from voicecoach.speech.tts.choose import open_voice  # noqa: E402
from voicecoach.store.journal import Journal  # noqa: E402
from voicecoach.store.records import SessionRecord  # noqa: E402
from voicecoach.wiring import coach_options, run_session, stages_of  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "voicecoach-bench-dialogue"

VOICES: dict[str, tuple[str, str]] = {
    "slt": ("festival", "voice_cmu_us_slt_arctic_hts"),
    "kdl": ("festival", "voice_ked_diphone"),
    "us": ("espeak-ng", "en-us"),
    "us-f3": ("espeak-ng", "en-us+f3"),
    "gb": ("espeak-ng", "en-gb"),
    "gb-m3": ("espeak-ng", "en-gb+m3"),
}
"""Scripted users: festival slt and kdl (the kdlpc16k package's diphone voice), espeak-ng."""

PRACTICES = ("patience", "self-compassion", "communication")

ANSWERS: dict[str, tuple[str, ...]] = {
    "full": (
        "My partner came home late and I kept checking my phone the whole evening.",
        "My chest got tight and I wanted to send another message right away.",
        "I think I was worried that I did not matter to him.",
        "She was probably tired after a long day at work.",
        "Next time I could take a few slow breaths before I answer.",
    ),
    "unsure": ("I don't know.", "I'm not sure.", "I don't really know.", "Not sure.", "No idea."),
    "short": ("Work.", "Dinner.", "Yesterday.", "The kitchen.", "My sister."),
    "harsh": (
        "It's all my fault.",
        "I'm so stupid.",
        "I always ruin things.",
        "I'm useless at this.",
        "I hate myself for it.",
    ),
    "feeling": (
        "I felt afraid that he would leave.",
        "I was really angry.",
        "Mostly I felt lonely.",
        "I felt hurt when she laughed.",
        "I get anxious when he is late.",
    ),
}
"""What the scripted user says to each step, by class; silence is the sixth class."""

FEELING_OF = {
    "I felt afraid that he would leave.": "afraid",
    "I was really angry.": "angry",
    "Mostly I felt lonely.": "lonely",
    "I felt hurt when she laughed.": "hurt",
    "I get anxious when he is late.": "anxious",
}
CLASSES = ("silence", *ANSWERS)

NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
MOOD_FRAMES = ("about a {n}", "I'd say {n}", "{n} out of ten", "maybe a {n}", "probably {n}")

COMMANDS: dict[str, tuple[str, str]] = {
    "repeat": ("repeat", "repeat the question"),
    "skip": ("skip", "skip this one"),
    "pause": ("pause", "hold on"),
    "resume": ("continue", "carry on"),
    "stop": ("stop", "end the session"),
    "help": ("help", "what can I say"),
    "slower": ("slower", "speak slower"),
    "faster": ("faster", "speak faster"),
}
"""Each command as one word and as a phrase."""

ONE_QUESTION = """\
id = "bench-one"
title = "One question"
summary = "One question, for the benchmark."

[opening]
say = ["Let's begin."]

[[steps]]
id = "moment"
prompt = "Think of a moment this week when you felt impatient. What was happening?"
acknowledge = "Thank you."

[closing]
say = ["Goodbye for now."]
"""

PRAISE = re.compile(
    r"thank you for|brave|kind and doable|already a kind of|makes sense|takes care|well done|"
    r"that's great|wonderful|good job|beautiful|honest|thank you"
)
"""What praises an answer: never said after a non-answer."""
REFRAME = re.compile(
    r"friend|gentl|kind(?:er|ly|ness)? to yourself|hard on yourself|harsh|deserve|"
    r"self-compassion|human|be kind"
)
"""What marks a self-compassionate reframe."""


# ---- the scripted user's voice ---------------------------------------------------------------
def synth(voice: str, text: str) -> bytes:
    """16 kHz mono int16 PCM of ``text`` in ``voice`` (cached), 0.3 s of silence either side."""
    engine, name = VOICES[voice]
    key = hashlib.sha1(f"{engine}:{name}:{text}".encode()).hexdigest()[:16]
    path = CACHE / voice / f"{key}.wav"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            raw = Path(tmp) / "raw.wav"
            if engine == "festival":
                text_file = Path(tmp) / "text.txt"
                text_file.write_text(text)
                subprocess.run(
                    ["text2wave", "-eval", f"({name})", "-o", str(raw), str(text_file)],
                    check=True,
                    capture_output=True,
                )
            else:
                subprocess.run(
                    ["espeak-ng", "-v", name, "-w", str(raw), text], check=True, capture_output=True
                )
            out = Path(tmp) / "out.wav"
            subprocess.run(
                ["sox", "-D", "-R", "-V1", str(raw), "-t", "wav", "-e", "signed-integer"]
                + ["-b", "16", "-c", "1", "-r", "16000", str(out)]
                + ["silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%"]
                + ["reverse", "norm", "-3", "pad", "0.3", "0.3"],
                check=True,
                capture_output=True,
            )
            shutil.move(str(out), path)
    return read_wav(path)


# ---- one session --------------------------------------------------------------------------
@dataclass
class Line:
    text: str
    at: int = 0
    """Audio time the rendered line starts (samples)."""
    onset: int = 0
    """Audible start (samples, absolute)."""
    offset: int = 0
    """Audible end (samples, absolute)."""


@dataclass
class Log:
    """What happened in one session, in order: ("coach", Line), ("listen", at), ("heard", ev)."""

    items: list[tuple[str, object]] = field(default_factory=list)

    def last_line(self) -> str:
        for kind, item in reversed(self.items):
            if kind == "coach" and isinstance(item, Line):
                return item.text
        return ""


class TimedVoice(Voice):
    """The real voice, keeping where each line is placed in audio time and where its sound is
    audible, for the log (the sink is silent: a file-like sink with no echo and no latency)."""

    def __init__(self, tts: TextToSpeech, log: Log) -> None:
        super().__init__(tts, SilentSink())
        self.log = log
        self.placed: deque[VoiceLine] = deque()
        """Lines queued and not yet announced (announced in the same order)."""

    def _queue(self, text: str, pcm: bytes, now: int) -> VoiceLine:
        line = super()._queue(text, pcm, now)
        if text:
            self.placed.append(line)
        return line

    def timed(self, text: str) -> Line:
        """The log's line for ``text``, announced as it begins to be heard."""
        while self.placed:
            line = self.placed.popleft()
            if line.text == text:
                onset, offset = audible(line.pcm)
                return Line(text, line.start, line.start + onset, line.start + offset)
        return Line(text)

    def stop(self, now: int) -> None:
        """A barge-in: what was not yet heard of the logged lines is cut."""
        super().stop(now)
        for kind, item in self.log.items:
            if kind == "coach" and isinstance(item, Line) and item.offset > now:
                item.offset = max(item.onset, now)


def audible(pcm: bytes, threshold: int = 400) -> tuple[int, int]:
    """First and last sample louder than ``threshold`` (10 ms windows)."""
    import numpy as np

    samples = np.abs(np.frombuffer(pcm, dtype=np.int16).astype(np.int32))
    window = 160
    n = len(samples) // window
    if n == 0:
        return 0, 0
    peaks = samples[: n * window].reshape(n, window).max(axis=1)
    loud = np.nonzero(peaks > threshold)[0]
    if len(loud) == 0:
        return 0, 0
    return int(loud[0]) * window, (int(loud[-1]) + 1) * window


class Recording:
    """Progress: the coach's lines and what was heard, into the log."""

    def __init__(self, log: Log) -> None:
        self.log = log
        self.voice: TimedVoice | None = None

    def coach(self, text: str) -> None:
        line = self.voice.timed(text) if self.voice is not None else Line(text)
        self.log.items.append(("coach", line))

    def heard(self, event: ListenEvent) -> None:
        if isinstance(event, Final | NoAnswer):
            self.log.items.append(("heard", event))

    def note(self, text: str) -> None:
        """Notes are not part of the dialogue."""


Respond = Callable[[str], bytes | None]


class ScriptedUser:
    """Answers each listening turn with what ``respond`` says to the coach's last line."""

    name = "scripted user"

    def __init__(self, log: Log, respond: Respond) -> None:
        self.log = log
        self.respond = respond
        self._pending: int | None = None
        self.audio_end = 0

    def listening(self, at: int) -> None:
        """The coach listens from ``at`` on (logged when the audio reaches it)."""
        self._pending = at

    def frames(self) -> Iterator[AudioChunk]:
        start = 0
        while start < seconds_to_samples(900.0):
            if self._pending is not None and start >= self._pending:
                self.log.items.append(("listen", self._pending))
                self._pending = None
                pcm = self.respond(self.log.last_line())
                for frame in split_frames([pcm or b""]):
                    yield AudioChunk(pcm=frame, start=start)
                    start += FRAME_SAMPLES
                continue
            yield AudioChunk(pcm=SILENT_FRAME, start=start)
            start += FRAME_SAMPLES

    @property
    def lost_blocks(self) -> int:
        """Nothing is lost."""
        return 0

    def close(self) -> None:
        """Nothing to release."""


@dataclass
class Bench:
    recognizer: Recognizer
    settings: Settings
    work: Path

    def run(
        self,
        script: SessionScript,
        respond: Respond,
        mood: bool = False,
        first_run: bool = False,
    ) -> tuple[SessionRecord, Log]:
        log = Log()
        settings = self.settings
        state = self.work / "state.json"
        if first_run and state.exists():
            state.unlink()
        options = _with(coach_options(settings, state if first_run else None), mood_checkin=mood)
        tts = open_voice(settings.coach, self.work / "voice-cache", []).tts
        user = ScriptedUser(log, respond)
        progress = Recording(log)
        progress.voice = TimedVoice(tts, log)
        stages = stages_of(self.recognizer, user, progress.voice, settings, progress, options)
        journal = Journal(self.work / "journal")
        try:
            record = run_session(stages, script, journal)
        finally:
            journal.close()
        return record, log


def _with(options: CoachOptions, **changes: object) -> CoachOptions:
    from dataclasses import replace

    return replace(options, **changes)  # type: ignore[arg-type]


# ---- judging ------------------------------------------------------------------------------
def replies(log: Log) -> list[tuple[ListenEvent, list[str]]]:
    """Each heard event with the coach's lines after it, up to the next listening turn."""
    found: list[tuple[ListenEvent, list[str]]] = []
    current: list[str] | None = None
    for kind, item in log.items:
        if kind == "heard" and isinstance(item, Final | NoAnswer):
            current = []
            found.append((item, current))
        elif kind == "coach" and current is not None and isinstance(item, Line):
            current.append(item.text)
        elif kind == "listen":
            current = None
    return found


def fits(kind: str, said: str, lines: list[str], prompts: set[str]) -> bool:
    """Does the coach's reply fit what the user said? ``prompts``: the script's questions and
    closing lines, which are not part of the reply to an answer."""
    own = [line for line in lines if line not in prompts]
    ack = " ".join(own).lower()
    asks_more = any(line.rstrip().endswith("?") for line in own) or any(
        line in FOLLOW_UPS for line in lines
    )
    if not lines:
        return False
    if kind in ("silence", "unsure"):
        return not PRAISE.search(ack)
    if kind == "short":
        return asks_more and not PRAISE.search(ack)
    if kind == "harsh":
        return bool(REFRAME.search(ack))
    if kind == "feeling":
        return FEELING_OF[said] in ack
    return bool(ack.strip()) and "all right" not in ack and "take your time" not in ack


FOLLOW_UPS: set[str] = set()
"""Every follow-up prompt of the practices (filled as scripts are read)."""


def questions(script: SessionScript) -> set[str]:
    """The script's questions, follow-ups and look-back (with its general form, asked when the
    last answer was too doubtful to quote): the lines that ask for reflection (a look-back's
    "{answer}" stands for any text)."""
    asked = {s.prompt for s in script.steps if s.type.value == "question"}
    back = script.look_back
    looked = {back.prompt, back.general} if back is not None else set()
    return asked | looked | {f.prompt for s in script.steps for f in s.follow_ups}


def step_prompts(script: SessionScript) -> set[str]:
    """The script's own lines that are not replies to an answer: questions and closing."""
    follow = {f.prompt for s in script.steps for f in s.follow_ups}
    FOLLOW_UPS.update(follow)
    return {s.prompt for s in script.steps} | follow | set(script.closing)


@dataclass
class Tally:
    fit: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    praised_non_answer: int = 0
    moods: int = 0
    moods_ok: int = 0
    moods_stored: int = 0
    moods_wrong: int = 0
    reasks: int = 0
    mood_checks: int = 0
    commands: Counter[str] = field(default_factory=Counter)
    commands_ok: Counter[str] = field(default_factory=Counter)
    confirmed: int = 0
    wrong_commands: int = 0
    """Command sessions in which a command other than the one said was acted on first."""
    answers: int = 0
    false_commands: int = 0
    confirms_on_answers: int = 0
    gaps: list[tuple[float, float]] = field(default_factory=list)
    """(measured gap, expected pause) in seconds."""
    held: list[float] = field(default_factory=list)
    """Gaps (s) before a question held until ``RESUME_WINDOW_S`` after the answer it replies to."""
    misses: list[str] = field(default_factory=list)


def gaps(log: Log, tally: Tally, pause: Callable[[str], float]) -> None:
    """Gaps between lines with no one speaking in between. A question that replies to an answer
    and ends exactly ``RESUME_WINDOW_S`` after the person's last word was held there on purpose
    (the listening rule that lets a resumed answer join the answer it continues): it is counted
    apart (``Tally.held``), not as a gap."""
    previous: Line | None = None
    answer_end: float | None = None
    for kind, item in log.items:
        if kind == "coach" and isinstance(item, Line):
            if previous is not None and item.onset > 0:
                gap = (item.onset - previous.offset) / SAMPLE_RATE
                expected = pause(item.text)
                held_to = None if answer_end is None else answer_end + RESUME_WINDOW_S
                if (
                    held_to is not None
                    and gap > expected
                    and abs(item.offset / SAMPLE_RATE - held_to) <= 0.05
                ):
                    tally.held.append(gap)
                else:
                    tally.gaps.append((gap, expected))
                    if abs(gap - expected) > 0.1:
                        tally.misses.append(
                            f"gap {gap:.2f} s (expected {expected:.1f} s) before {item.text[:50]!r}"
                        )
            previous = item
        elif kind in ("heard", "listen"):
            previous = None
            if isinstance(item, Final):
                answer_end = item.utterance.end


def commands_in(record: SessionRecord) -> list[str]:
    return [e for turn in record.turns for e in turn.events if e.startswith("command:")]


# ---- the scenarios ------------------------------------------------------------------------
class ClassUser:
    """Answers each of a script's questions once with an answer of one class; a follow-up with a
    full answer; "no" to "did you want (me) to …?"."""

    def __init__(self, voice: str, kind: str, script: SessionScript) -> None:
        self.voice = voice
        self.kind = kind
        self.prompts = [s.prompt for s in script.steps]
        self.said: dict[str, str] = {}
        """What was said to each question (by its prompt)."""

    def __call__(self, line: str) -> bytes | None:
        if "did you want" in line.lower():
            return synth(self.voice, "No.")
        for position, prompt in enumerate(self.prompts):
            if line.endswith(prompt) and prompt not in self.said:
                if self.kind == "silence":
                    self.said[prompt] = ""
                    return None
                sentences = ANSWERS[self.kind]
                self.said[prompt] = sentences[position % len(sentences)]
                return synth(self.voice, self.said[prompt])
        if line.endswith(tuple(self.prompts)) and self.kind == "silence":
            return None  # the reprompt: still nothing
        return synth(self.voice, ANSWERS["full"][0])  # a follow-up: a full answer


def class_sessions(bench: Bench, voice: str, index: int, tally: Tally, pause: PauseRule) -> None:
    for number, kind in enumerate(CLASSES):
        topic = PRACTICES[(index + number) % len(PRACTICES)]
        script = find_script(topic, None)
        user = ClassUser(voice, kind, script)
        record, log = bench.run(script, user)
        prompts = step_prompts(script)
        gaps(log, tally, pause.expected(questions(script)))
        for turn in record.turns:
            tally.answers += turn.answer is not None
        tally.false_commands += len(commands_in(record))
        for turn in record.turns:
            asked = [line for line in turn.coach_lines if "did you want" in line.lower()]
            tally.confirms_on_answers += len(asked)
            if asked:
                heard = turn.answer.text if turn.answer else None
                tally.misses.append(f"{voice} {kind}: asked {asked[0]!r} (answer heard {heard!r})")
        judge_replies(log, user, prompts, tally)


def judge_replies(log: Log, user: ClassUser, prompts: set[str], tally: Tally) -> None:
    """The reply to the first answer to each question, judged against the answer's class."""
    asked: set[str] = set()
    current = ""
    reply_to = {id(event): lines for event, lines in replies(log)}
    for kind, item in log.items:
        if kind == "coach" and isinstance(item, Line):
            current = next((p for p in user.prompts if item.text.endswith(p)), "")
        if kind != "heard" or not current or current in asked:
            continue
        asked.add(current)
        lines = reply_to[id(item)]
        said = user.said.get(current, "")
        ok = fits(user.kind, said, lines, prompts)
        tally.total[user.kind] += 1
        tally.fit[user.kind] += ok
        own = " ".join(x for x in lines if x not in prompts).lower()
        if user.kind in ("silence", "unsure") and PRAISE.search(own):
            tally.praised_non_answer += 1
        if not ok:
            heard = item.utterance.text if isinstance(item, Final) else "(nothing)"
            tally.misses.append(f"{user.voice} {user.kind}: {said!r} heard {heard!r} → {lines}")


class MoodUser:
    """Says one rating to the first mood question, another to the last; asked again, says it
    again, or in the form the coach gives as an example ("like this: six out of ten"); asked
    "Did you say 9?", says yes when it is the number it said, else no; paused, says continue."""

    def __init__(self, voice: str, before: str, after: str) -> None:
        self.voice = voice
        self.before = before
        self.after = after
        self.current = before
        self.asked: Counter[str] = Counter()

    def __call__(self, line: str) -> bytes | None:
        low = line.lower()
        if "did you want" in low:
            return synth(self.voice, "No.")
        if "say continue" in low or "paused" in low:
            return synth(self.voice, "continue")  # a number taken as "pause"
        checked = re.search(r"did you say (\d+)", low)
        if checked:
            mine = int(checked.group(1)) == _number_in(self.current)
            return synth(self.voice, "Yes." if mine else "No.")
        if "how are you feeling" in low:
            last = "and now" in low or "finish" in low
            self.current = self.after if last else self.before
        elif not ("one to ten" in low or "number" in low or "which" in low):
            return synth(self.voice, ANSWERS["full"][0])
        self.asked[self.current] += 1
        if "like this" in low and "out of ten" in low:
            word = next(w for w in NUMBERS if re.search(rf"\b{w}\b", self.current))
            return synth(self.voice, f"{word} out of ten")
        return synth(self.voice, self.current)


def _number_in(said: str) -> int:
    return next(n for n, word in enumerate(NUMBERS, 1) if re.search(rf"\b{word}\b", said))


def mood_sessions(bench: Bench, voice: str, tally: Tally, pause: PauseRule) -> None:
    script = one_question(bench)
    spoken = list(NUMBERS) + [
        MOOD_FRAMES[i % len(MOOD_FRAMES)].format(n=n) for i, n in enumerate(NUMBERS)
    ]
    for i in range(0, len(spoken), 2):
        user = MoodUser(voice, spoken[i], spoken[i + 1])
        try:
            record, log = bench.run(script, user, mood=True)
        except StopIteration:  # the scripted user's 900 s of audio ran out
            tally.moods += 2
            tally.misses.append(f"{voice} moods {user.before!r}, {user.after!r}: no end")
            continue
        gaps(log, tally, pause.expected(questions(script)))
        tally.false_commands += len(commands_in(record))
        tally.mood_checks += sum(t.events.count("mood-check") for t in record.turns)
        for said, got in ((user.before, record.mood_before), (user.after, record.mood_after)):
            want = _number_in(said)
            tally.moods += 1
            tally.moods_ok += got == want
            tally.moods_stored += got is not None
            tally.moods_wrong += got is not None and got != want
            tally.reasks += max(0, user.asked[said] - 1)
            if got != want:
                heard = [
                    t.answer.text if t.answer else ""
                    for t in record.turns
                    if t.prompt_id.startswith("mood")
                ]
                tally.misses.append(
                    f"{voice} mood {said!r} → {got} (heard {heard}; command grammar {grammar(log)})"
                )


class CommandUser:
    """Says a command to the first question; "yes" to "did you want (me) to …?" about it, "no"
    about another; "continue" when paused; a full answer otherwise. ``command``: the command
    ``form`` says (a ``Command`` value)."""

    def __init__(self, voice: str, form: str, command: str) -> None:
        self.voice = voice
        self.form = form
        self.meant = CONFIRM[Command(command)].lower()
        self.stop = command == Command.STOP.value
        self.said = False

    def __call__(self, line: str) -> bytes | None:
        low = line.lower()
        if "did you want" in low:
            return synth(self.voice, "Yes." if self.meant in low else "No.")
        if "would you like to end" in low:
            return synth(self.voice, "Yes." if self.stop else "continue")
        if "say continue" in low or "paused" in low:
            return synth(self.voice, "continue")
        if not self.said:
            self.said = True
            return synth(self.voice, self.form)
        return synth(self.voice, ANSWERS["full"][0])


def command_sessions(bench: Bench, voice: str, tally: Tally, pause: PauseRule) -> None:
    script = one_question(bench)
    for command, forms in COMMANDS.items():
        for form in forms:
            record, log = bench.run(script, CommandUser(voice, form, command))
            gaps(log, tally, pause.expected(questions(script)))
            got = commands_in(record)
            kind = "one word" if " " not in form else "phrase"
            tally.commands[kind] += 1
            ok = bool(got) and got[0] == f"command:{command}"
            tally.commands_ok[kind] += ok
            tally.wrong_commands += bool(got) and not ok
            tally.confirmed += any(
                "did you want" in line.lower() for t in record.turns for line in t.coach_lines
            )
            if not ok:
                heard = [t.answer.text for t in record.turns if t.answer]
                rechecks = grammar(log)
                tally.misses.append(
                    f"{voice} command {form!r} → {got} (answers {heard}; grammar {rechecks})"
                )


def grammar(log: Log) -> list[str]:
    """What the phrase grammar made of each short utterance heard: "heard → phrase (agreement)"."""
    return [
        f"{item.utterance.text!r} → {item.recheck.phrase!r} ({item.recheck.agreement:.2f})"
        for kind, item in log.items
        if kind == "heard" and isinstance(item, RecheckedFinal) and item.recheck is not None
    ]


def one_question(bench: Bench) -> SessionScript:
    folder = bench.work / "scripts"
    folder.mkdir(exist_ok=True)
    (folder / "bench-one.toml").write_text(ONE_QUESTION)
    return find_script("bench-one", folder)


@dataclass
class PauseRule:
    """The pause the coach is configured to leave before a line (None: not configured)."""

    line: float | None
    question: float | None

    def expected(self, prompts: set[str]) -> Callable[[str], float]:
        def asks(text: str, prompt: str) -> bool:
            head, marked, tail = prompt.partition("{answer}")
            if not marked:
                return text.endswith(prompt)
            return text.startswith(head) and text.endswith(tail)

        def rule(text: str) -> float:
            base = self.line if self.line is not None else 0.0
            if self.question is not None and any(asks(text, p) for p in prompts):
                return self.question
            return base

        return rule

    @classmethod
    def from_settings(cls, settings: Settings) -> PauseRule:
        coach = settings.coach
        return cls(getattr(coach, "pause_s", None), getattr(coach, "question_pause_s", None))


def safety_figures(bench: Bench) -> None:
    """Safety recall on the spoken danger phrasings (fixtures), and how many of the matches were
    heard with too little confidence to end the session (asked "are you safe?" instead)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_commands import EN_SAFE, EN_SAFETY, fixtures, listen_once, make_listener

    from voicecoach.coach.intents import PhraseBook
    from voicecoach.coach.safety import check_safety, uncertain

    listener = make_listener(bench.recognizer, PhraseBook.build("en"))
    table = fixtures()
    flagged = doubtful = alarms = total = safe = 0
    for entry in table.values():
        group = entry.get("group")
        if group not in EN_SAFETY + EN_SAFE:
            continue
        final = listen_once(listener, read_wav(ROOT / "tests" / "fixtures" / entry["file"]))
        text = final.utterance.text if final else ""
        hit = check_safety(text) is not None
        confidences = [w.conf for w in final.utterance.words] if final else []
        if group in EN_SAFETY:
            total += 1
            flagged += hit
            doubtful += hit and uncertain(confidences, CoachOptions().sure_confidence)
        else:
            safe += 1
            alarms += hit
    print(
        f"safety: recall {pct(flagged, total)}, of which asked 'are you safe?' (doubtful) "
        f"{doubtful}; false alarms {alarms}/{safe}"
    )


def first_session_speech(bench: Bench) -> tuple[float, float, int]:
    """The first-ever session: seconds of the coach's speech until its first question starts
    and until it ends, and lines that repeat a phrase of the line before."""
    script = find_script("patience", None)
    _, log = bench.run(script, lambda line: None, mood=True, first_run=True)
    lines: list[Line] = []
    for kind, item in log.items:
        if kind == "coach" and isinstance(item, Line):
            lines.append(item)
        if kind == "listen" and lines:
            start = lines[0].onset
            return (
                (lines[-1].onset - start) / SAMPLE_RATE,
                (lines[-1].offset - start) / SAMPLE_RATE,
                repeated_lines(log),
            )
    return float("nan"), float("nan"), 0


def repeated_lines(log: Log) -> int:
    """Lines that repeat a phrase of the line before (four words or more in common)."""
    count = 0
    previous = ""
    for kind, item in log.items:
        if kind == "coach" and isinstance(item, Line):
            if previous and _shared_phrase(previous, item.text):
                count += 1
            previous = item.text
        elif kind == "listen":
            previous = ""
    return count


def _shared_phrase(a: str, b: str, n: int = 3) -> bool:
    def grams(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"[a-z']+", text.lower())
        return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}

    return bool(grams(a) & grams(b))


# ---- report -------------------------------------------------------------------------------
def pct(a: int, b: int) -> str:
    return f"{a}/{b} = {100 * a / b:.1f}%" if b else "n/a"


def report(label: str, tally: Tally, pause: PauseRule) -> None:
    print(f"\n{label}")
    fit = sum(tally.fit.values())
    total = sum(tally.total.values())
    print(f"  replies fitting the class   {pct(fit, total)}")
    for kind in CLASSES:
        if tally.total[kind]:
            print(f"    {kind:<9} {pct(tally.fit[kind], tally.total[kind])}")
    print(f"  non-answers praised         {tally.praised_non_answer}")
    print(
        f"  moods captured              {pct(tally.moods_ok, tally.moods)}  re-asks {tally.reasks}"
        f'  "did you say …?" {tally.mood_checks}  wrong {tally.moods_wrong}'
    )
    for kind in ("one word", "phrase"):
        ok, n = tally.commands_ok[kind], tally.commands[kind]
        print(f"  commands ({kind:<8})        {pct(ok, n)}")
    print(f"  confirmations asked (cmds)  {tally.confirmed}")
    print(f"  other command acted on      {tally.wrong_commands}")
    print(f"  false commands on answers   {tally.false_commands} (of {tally.answers} answers)")
    print(f"  confirmations on answers    {tally.confirms_on_answers}")
    if tally.gaps:
        measured = [g for g, _ in tally.gaps]
        within = sum(abs(g - p) <= 0.1 for g, p in tally.gaps)
        print(
            f"  gaps between lines          n={len(measured)} min {min(measured):.2f} s, "
            f"median {statistics.median(measured):.2f} s, max {max(measured):.2f} s; "
            f"within configured ±0.1 s: {pct(within, len(measured))} "
            f"(line {pause.line}, question {pause.question})"
        )
    if tally.held:
        print(
            f"  questions held for a resumed answer  n={len(tally.held)}, gap before them "
            f"{min(tally.held):.2f}-{max(tally.held):.2f} s (each ends {RESUME_WINDOW_S} s "
            "after the answer's last word)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", default=",".join(VOICES))
    parser.add_argument(
        "--only", choices=("classes", "moods", "commands", "first", "safety"), default=None
    )
    parser.add_argument("--verbose", action="store_true", help="List every miss.")
    parser.add_argument(
        "--adapted",
        action="store_true",
        help="Each voice first reads the adaptation sentences (`voicecoach models adapt`); "
        "its sessions listen with PocketSphinx adapted to it.",
    )
    args = parser.parse_args()
    voices = [v for v in args.voices.split(",") if v]
    from voicecoach.speech.sphinx_engine import SphinxRecognizer

    settings = Settings()
    pause = PauseRule.from_settings(settings)
    total = Tally()
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(SphinxRecognizer(), settings, Path(tmp))
        if args.only in (None, "safety"):
            safety_figures(bench)
        if args.only in (None, "first"):
            starts, ends, repeats = first_session_speech(bench)
            print(
                f"first session: first question starts {starts:.1f} s and ends {ends:.1f} s "
                f"after the coach's first word; lines repeating the line before: {repeats}"
            )
        for index, voice in enumerate(voices):
            tally = Tally()
            if args.adapted:
                bench = Bench(SphinxRecognizer(adapted_to(voice, Path(tmp))), settings, Path(tmp))
            if args.only in (None, "classes"):
                class_sessions(bench, voice, index, tally, pause)
            if args.only in (None, "moods"):
                mood_sessions(bench, voice, tally, pause)
            if args.only in (None, "commands"):
                command_sessions(bench, voice, tally, pause)
            report(f"PocketSphinx, voice {voice}", tally, pause)
            merge(total, tally)
            if args.verbose:
                print("   ", "\n    ".join(tally.misses))
        report(f"PocketSphinx, all voices ({', '.join(voices)})", total, pause)


def adapted_to(voice: str, folder: Path) -> Path:
    """PocketSphinx's model adapted to ``voice`` reading the adaptation sentences (none of them
    an answer, command phrase, mood phrase, feeling or self-talk word the sessions say):
    its folder."""
    from voicecoach.speech.adapt import Reading, adapt, sentences

    started = time.perf_counter()
    made = adapt([Reading(s, synth(voice, s)) for s in sentences()], folder / f"adapted-{voice}")
    took = time.perf_counter() - started
    print(
        f"adapted to {voice}: {made.sentences} sentences, {made.seconds:.0f} s read, {took:.1f} s"
    )
    return made.folder


def merge(into: Tally, tally: Tally) -> None:
    into.fit.update(tally.fit)
    into.total.update(tally.total)
    into.praised_non_answer += tally.praised_non_answer
    into.moods += tally.moods
    into.moods_ok += tally.moods_ok
    into.moods_stored += tally.moods_stored
    into.reasks += tally.reasks
    into.mood_checks += tally.mood_checks
    into.moods_wrong += tally.moods_wrong
    into.commands.update(tally.commands)
    into.commands_ok.update(tally.commands_ok)
    into.confirmed += tally.confirmed
    into.wrong_commands += tally.wrong_commands
    into.answers += tally.answers
    into.false_commands += tally.false_commands
    into.confirms_on_answers += tally.confirms_on_answers
    into.gaps += tally.gaps
    into.held += tally.held
    into.misses += tally.misses


if __name__ == "__main__":
    main()
