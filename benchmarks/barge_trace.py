"""Run ``voicecoach`` with a trace of how a barge-in was heard (benchmark/debug only).

    BARGE_TRACE=DIR python benchmarks/barge_trace.py session patience --json ...

The same command line as ``python -m voicecoach``; in ``DIR`` it writes ``mic.wav`` (the
microphone as it came in), ``fed.wav`` (what the listener was fed, after the echo check) and
``trace.jsonl``: each turn started, each utterance's onset (and whether the voice was stopped),
each final utterance (words, span, decoded length, the command grammar's phrase and
agreement), what the spotter decided, each trigger the machine fired, the lines said and
stopped. Times are session audio time in seconds. The trace holds the words heard: it is for
benchmark sessions only, never for a person's.
"""

from __future__ import annotations

import json
import os
import sys
import time
import wave
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voicecoach.frames import SAMPLE_RATE, samples_to_seconds  # noqa: E402


class Trace:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.events = (folder / "trace.jsonl").open("w", buffering=1)
        self.mic = self._wav("mic.wav")
        self.fed = self._wav("fed.wav")
        self.ref = self._wav("ref.wav")
        self.began = time.monotonic()
        self.blocks: list[tuple[Any, ...]] = []
        """Device callbacks (kept in memory: no file writes on the audio threads)."""

    def _wav(self, name: str) -> wave.Wave_write:
        out = wave.open(str(self.folder / name), "wb")  # noqa: SIM115 (closed in close())
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        return out

    def note(self, kind: str, **fields: Any) -> None:
        fields = {"kind": kind, "wall": round(time.monotonic() - self.began, 3), **fields}
        self.events.write(json.dumps(fields, default=str) + "\n")

    def close(self) -> None:
        (self.folder / "blocks.json").write_text(json.dumps(self.blocks))
        self.mic.close()
        self.fed.close()
        self.ref.close()
        self.events.close()


def s(samples: int | None) -> float | None:
    return None if samples is None else round(samples_to_seconds(samples), 3)


def install(trace: Trace) -> None:
    from voicecoach import loop, pump
    from voicecoach.audio.echo import EchoGuard
    from voicecoach.audio.voice import Voice
    from voicecoach.audio.wavfile import to_pcm16
    from voicecoach.coach.commands import CommandSpotter
    from voicecoach.coach.understanding import Understanding
    from voicecoach.speech.grammar import RecheckedFinal
    from voicecoach.speech.listener import Listener

    frames = pump.FramePump.frames

    def traced_frames(self: Any) -> Any:
        for frame in frames(self):
            trace.fed.writeframes(frame.chunk.pcm)
            yield frame

    pump.FramePump.frames = traced_frames  # type: ignore[method-assign]

    clean = EchoGuard.clean

    def traced_clean(self: Any, chunk: Any) -> Any:
        trace.mic.writeframes(chunk.pcm)
        played = self.playback.played(chunk.start, chunk.end)
        trace.ref.writeframes(to_pcm16(played))
        held, silenced = self._held, self.stats.silenced
        out = clean(self, chunk)
        if played.any() or held:
            trace.note(
                "echo", at=s(chunk.start), held_in=held, held_out=self._held,
                delay=self.stats.delay, filter=None if self._filter is None else self._filter[0],
                silenced=self.stats.silenced > silenced, zero_pieces=sum(
                    not any(out.pcm[i : i + 640]) for i in range(0, len(out.pcm), 640)
                ),
            )  # fmt: skip
        return out

    EchoGuard.clean = traced_clean  # type: ignore[method-assign]

    start = Listener.start

    def traced_start(self: Any, at: int, no_answer: int | None = None) -> None:
        trace.note("listen", at=s(at), wait=s(no_answer))
        start(self, at, no_answer)

    Listener.start = traced_start  # type: ignore[method-assign]

    final = Listener._final

    def traced_final(self: Any, capped: bool) -> Any:
        samples, onset, began = self._audio_samples, self._onset, self._utt_start
        short = self._short_enough()
        event = final(self, capped)
        fields: dict[str, Any] = {
            "onset": s(onset), "decoded_from": s(began), "decoded_s": s(samples),
            "capped": capped, "short_enough": short,
        }  # fmt: skip
        if event is None:
            trace.note("empty", **fields)
            return None
        u = event.utterance
        fields.update(text=u.text, start=u.start, end=u.end)
        if isinstance(event, RecheckedFinal) and event.recheck is not None:
            fields.update(phrase=event.recheck.phrase, agreement=event.recheck.agreement)
        trace.note("final", **fields)
        return event

    Listener._final = traced_final  # type: ignore[method-assign]

    give_up = Listener._give_up

    def traced_give_up(self: Any, now: int) -> Any:
        trace.note("no-answer", at=s(now))
        return give_up(self, now)

    Listener._give_up = traced_give_up  # type: ignore[method-assign]

    feed = loop.Hearing.feed

    def traced_feed(self: Any, frame: Any) -> Any:
        began = self.listener.in_speech
        event = feed(self, frame)
        if not began and self.listener.in_speech:
            trace.note(
                "onset", at=s(frame.chunk.end), over_coach=self.over_coach,
                stopped_at=s(self.stopped_at), coach_quiet_from=s(self.voice.quiet_from),
            )  # fmt: skip
        return event

    loop.Hearing.feed = traced_feed  # type: ignore[method-assign]

    spot = CommandSpotter.spot

    def traced_spot(self: Any, event: Any) -> Any:
        spotted = spot(self, event)
        trace.note("spot", text=event.utterance.text, spotted=repr(spotted))
        return spotted

    CommandSpotter.spot = traced_spot  # type: ignore[method-assign]

    hear = Understanding.hear

    def traced_hear(self: Any, event: Any, over_coach: bool = False) -> None:
        trace.note("hear", state=str(self.state), event=type(event).__name__, over=over_coach)
        hear(self, event, over_coach)
        trace.note("after", state=str(self.state))

    Understanding.hear = traced_hear  # type: ignore[method-assign]

    say = Voice.say

    def traced_say(self: Any, text: str, now: int, *args: Any, **kwargs: Any) -> Any:
        line = say(self, text, now, *args, **kwargs)
        trace.note("say", text=text, now=s(now), start=s(line.start), end=s(line.end))
        return line

    Voice.say = traced_say  # type: ignore[method-assign]

    stop = Voice.stop

    def traced_stop(self: Any, now: int) -> Any:
        unheard = stop(self, now)
        trace.note("voice-stop", at=s(now), quiet_from=s(self.quiet_from), unheard=unheard)
        return unheard

    Voice.stop = traced_stop  # type: ignore[method-assign]


def install_devices(trace: Trace) -> None:
    """The devices' own clocks: each callback's block, its DAC/ADC time and PortAudio's now."""
    from voicecoach.audio import mic, playback

    def timed(cls: Any, name: str, when: str) -> None:
        original = cls._callback
        counter = f"{name}_blocks"

        def callback(self: Any, data: Any, frames: int, time_info: Any, status: Any) -> None:
            n = getattr(self, counter, 0)
            setattr(self, counter, n + 1)
            trace.blocks.append(
                (name, n, frames, getattr(time_info, when), time_info.currentTime, str(status))
            )
            original(self, data, frames, time_info, status)

        cls._callback = callback

    timed(mic.Microphone, "mic-block", "inputBufferAdcTime")
    timed(playback.Speakers, "out-block", "outputBufferDacTime")


def main() -> None:
    trace = Trace(Path(os.environ["BARGE_TRACE"]))
    install(trace)
    if os.environ.get("BARGE_TRACE_DEVICES"):
        install_devices(trace)
    from voicecoach.cli import main as cli

    try:
        cli(sys.argv[1:])
    finally:
        trace.close()


if __name__ == "__main__":
    main()
