"""Generated hostile input through the CLI entry point: WAV headers, config files, scripts.

Whatever the input, the command either works or ends with exactly one line
(``voicecoach: error: …``) and a non-zero exit: never a traceback, never a temp file left.
Each part is bounded in examples and time so the whole module stays under a minute.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.virtual_audio import MINI_SCRIPT

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)
QUICK_CONFIG = """\
[coach]
mood_checkin = false
topic = "patience"

[listen]
no_answer_s = 1.0
reprompts = 0
"""


@contextlib.contextmanager
def scratch_home() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="vc-fuzz-") as folder:
        home = Path(folder) / "home"
        (home / "sessions").mkdir(parents=True)
        old = os.environ.get("VOICECOACH_HOME")
        os.environ["VOICECOACH_HOME"] = str(home)
        try:
            yield home
        finally:
            if old is None:
                del os.environ["VOICECOACH_HOME"]
            else:
                os.environ["VOICECOACH_HOME"] = old


def run(*args: str | Path) -> tuple[int, str, str]:
    from voicecoach.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


def works_or_one_line(code: int, err: str, home: Path) -> None:
    assert "Traceback" not in err, err
    if code != 0:  # one error line, the last (a session that began may have said more first)
        lines = err.strip().splitlines()
        assert lines[-1].startswith("voicecoach: error: "), err
        assert sum(line.startswith("voicecoach: error: ") for line in lines) == 1, err
        assert "()" not in err, err
    leftovers = [p for p in home.parent.rglob("*") if p.name.endswith((".tmp", ".part"))]
    assert not leftovers


# --- WAV headers ----------------------------------------------------------------------------

RATES = st.sampled_from([0, 1, 7999, 8000, 11025, 16000, 44100, 192000, 192001, 2**32 - 1])
TAGS = st.sampled_from([0, 1, 2, 3, 0x55, 0xFFFE])


@st.composite
def wav_files(draw: st.DrawFn) -> bytes:
    plausible = draw(st.booleans())
    if plausible:  # a good format, so that the audio and its length get fuzzed
        tag = draw(st.sampled_from([1, 0xFFFE]))
        channels = draw(st.integers(1, 8))
        rate = draw(st.sampled_from([8000, 16000, 44100, 192000]))
        bits = draw(st.sampled_from([8, 16, 24, 32]))
        align = channels * bits // 8
    else:
        tag = draw(TAGS)
        channels = draw(st.integers(0, 12))
        rate = draw(st.one_of(RATES, st.integers(0, 2**32 - 1)))
        bits = draw(st.sampled_from([0, 4, 8, 12, 16, 20, 24, 32, 64]))
        align = draw(st.one_of(st.just(channels * bits // 8), st.integers(0, 2**16 - 1)))
    fmt = struct.pack("<HHIIHH", tag, channels, rate, (rate * align) & 0xFFFFFFFF, align, bits)
    if tag == 0xFFFE:
        sub = 1 if plausible else draw(st.sampled_from([1, 3, 0x55]))
        valid = bits if plausible else draw(st.sampled_from([bits, 0, 99]))
        fmt += struct.pack("<HHI", 22, valid, 4) + struct.pack("<H", sub)
        fmt += b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
    fmt_size = len(fmt) if plausible else draw(st.integers(0, 2**32 - 1))
    audio = draw(st.binary(max_size=3000))
    claimed = draw(st.one_of(st.just(len(audio)), st.integers(0, 2**32 - 1)))
    extra = b""
    if draw(st.booleans()):
        junk = draw(st.binary(max_size=20))
        extra = b"LIST" + struct.pack("<I", len(junk)) + junk + (b"\x00" if len(junk) % 2 else b"")
    body = b"WAVE" + b"fmt " + struct.pack("<I", fmt_size) + fmt + extra
    body += b"data" + struct.pack("<I", claimed) + audio
    data = b"RIFF" + struct.pack("<I", len(body)) + body
    cut = len(data) if plausible else draw(st.integers(0, len(data)))
    return data[:cut]


@FUZZ
@given(wav=wav_files())
def test_fuzzed_wav_headers_through_session(wav: bytes) -> None:
    with scratch_home() as home:
        (home / "config.toml").write_text(QUICK_CONFIG)
        (home / "sessions" / "patience.toml").write_text(MINI_SCRIPT)
        path = home.parent / "mic.wav"
        path.write_bytes(wav)
        code, out, err = run(
            "session", "--mic-file", path, "--fast", "--engine", "pocketsphinx", "--json"
        )
        works_or_one_line(code, err, home)
        assert "patience.toml" not in err  # the script is fine: what fails is the WAV
        if code == 0:
            assert json.loads(out)["status"] in ("completed", "unanswered", "stopped")


# --- config files ---------------------------------------------------------------------------

SCALARS: st.SearchStrategy[Any] = st.one_of(
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
KEYS = st.sampled_from(
    ["topic", "rate", "volume", "end_silence_s", "engine", "model", "time", "days", "phrases",
     "threshold", "keep_days", "resources", "cue", "repeat", "enabled", "x", "voice"]
)  # fmt: skip
SECTIONS = st.sampled_from(
    ["coach", "listen", "speech", "audio", "wake", "reminder", "gpio", "journal", "commands",
     "safety", "models", "nope"]
)  # fmt: skip


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(value), repr(value))
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=4), st.lists(st.text(max_size=8)))


@st.composite
def config_files(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=200))
    lines = []
    for section in draw(st.lists(SECTIONS, max_size=4, unique=True)):
        lines.append(f"[{section}]")
        for key, value in draw(st.dictionaries(KEYS, VALUES, max_size=4)).items():
            lines.append(f"{key} = {toml_value(value)}")
    text = "\n".join(lines).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.binary(max_size=4)) + text[at:]
    return text


@FUZZ
@given(config=config_files())
def test_fuzzed_config_files_through_history_and_session_check(config: bytes) -> None:
    with scratch_home() as home:
        (home / "config.toml").write_bytes(config)
        code, _out, err = run("history")
        works_or_one_line(code, err, home)
        code2, _out, err2 = run("history", "--json")
        assert code2 == code
        works_or_one_line(code2, err2, home)


# --- session scripts ------------------------------------------------------------------------

STEP_KEYS = st.sampled_from(
    ["id", "type", "prompt", "acknowledge", "next", "follow_ups", "when", "words", "max_words",
     "x"]
)  # fmt: skip
STEP_VALUES = st.one_of(st.sampled_from(["one", "two", "end", "open", "mood", "bogus", ""]), VALUES)


@st.composite
def script_files(draw: st.DrawFn) -> bytes:
    choice = draw(st.integers(0, 5))
    if choice == 0:
        return draw(st.binary(max_size=300))
    if choice == 1:
        text = MINI_SCRIPT.encode()
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.binary(max_size=6)) + text[at + draw(st.integers(0, 5)) :]
    lines = [f"id = {toml_value(draw(st.sampled_from(['mine', '', 'x y'])))}"]
    if draw(st.booleans()):
        lines.append(f"title = {toml_value(draw(SCALARS))}")
    for table in ("opening", "closing"):
        if draw(st.booleans()):
            lines.append(f"{table} = {{ say = {toml_value(draw(VALUES))} }}")
    for _ in range(draw(st.integers(0, 4))):
        step = draw(st.dictionaries(STEP_KEYS, STEP_VALUES, max_size=6))
        if draw(st.booleans()):
            step["follow_ups"] = draw(
                st.lists(st.dictionaries(STEP_KEYS, STEP_VALUES, max_size=4), max_size=2)
            )
        lines.append("[[steps]]")
        lines += [f"{key} = {toml_value(value)}" for key, value in step.items()]
    return "\n".join(lines).encode("utf-8", "surrogatepass")


@FUZZ
@given(script=script_files())
@example(script='id = "mine"\n[[steps]]\nid = "0\x850"'.encode())  # U+0085, a line break too
@example(script='id = "mine"\n[[steps]]\nid = "0\u20280"'.encode())  # U+2028
@example(script=b'id = "mine"\n[[steps]]\nid = "0\x0b0"')
def test_fuzzed_session_scripts_through_sessions_check_list_and_graph(script: bytes) -> None:
    with scratch_home() as home:
        path = home / "sessions" / "mine.toml"
        path.write_bytes(script)
        code, _out, err = run("sessions", "check", path)
        works_or_one_line(code, err, home)
        code, out, err = run("sessions", "list", "--json")
        assert code == 0, err
        assert [row["topic"] for row in json.loads(out) if row["topic"] == "mine"] == ["mine"]
        code, _out, err = run("sessions", "graph", "mine")
        works_or_one_line(code, err, home)
