"""`voicecoach models adapt`: PocketSphinx adapted to one voice reading the sentences aloud,
through the real SphinxTrain tools, the real CLI and a real session."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.realspeech import librivox
from tests.test_commands import espeak
from voicecoach.audio.wavfile import read_wav, write_wav
from voicecoach.config import Settings
from voicecoach.paths import Paths
from voicecoach.speech import adapt as adaptation
from voicecoach.speech.scoring import word_error_rate
from voicecoach.wiring import engine_for

VOICE = "en-us"
"""espeak-ng's voice: through the built-in model its answers come out as other words."""
HELD_OUT = {
    "I felt afraid that he would leave.": "afraid",
    "I'm so stupid.": "stupid",
    "It's all my fault.": "fault",
    "I hate myself for it.": "hate",
}
"""Answers none of the adaptation sentences holds a word of, and the word each turns on."""

pytestmark = pytest.mark.skipif(
    bool(adaptation.missing_packages()),
    reason="needs the Debian packages sphinxtrain, sphinxbase-utils and pocketsphinx",
)


def recording(path: Path, texts: list[str], folder: Path, gap_s: float = 1.6) -> Path:
    """``texts`` read by ``VOICE`` in turn, ``gap_s`` of silence after each, as one WAV."""
    gap = bytes(int(gap_s * 16_000) * 2)
    pcm = gap + b"".join(espeak(VOICE, text, folder) + gap for text in texts)
    write_wav(path, pcm)
    return path


def decode(model: Path | None, pcm: bytes) -> str:
    import pocketsphinx

    options = {"hmm": str(model)} if model is not None else {}
    decoder = pocketsphinx.Decoder(loglevel="FATAL", **options)
    decoder.start_utt()
    decoder.process_raw(pcm, False, True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return hyp.hypstr if hyp is not None else ""


def test_the_mixture_weights_rebuilt_from_sendump_hear_as_the_model_does(tmp_path: Path) -> None:
    """SphinxTrain reads float mixture weights; the bundled model ships them 8-bit. Rebuilt and
    written back with SphinxTrain's own ``mk_s2sendump``, the model hears LibriVox read speech
    as the bundled one does (to within a word)."""
    base = adaptation.base_model()
    model = tmp_path / "model"
    subprocess.run(["cp", "-r", str(base), str(model)], check=True)
    adaptation.mixture_weights(base / "sendump", tmp_path / "mixture_weights")
    mdef = tmp_path / "mdef.txt"
    subprocess.run(
        [
            str(adaptation.find_tool("pocketsphinx_mdef_convert")),
            "-text",
            str(base / "mdef"),
            str(mdef),
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [str(adaptation.find_tool("mk_s2sendump")), "-pocketsphinx", "yes", "-moddeffn", str(mdef),
         "-mixwfn", str(tmp_path / "mixture_weights"), "-sendumpfn", str(model / "sendump")],
        check=True,
        capture_output=True,
    )  # fmt: skip
    for clip, said in librivox()[:2]:
        pcm = read_wav(clip)
        bundled, rebuilt = decode(None, pcm), decode(model, pcm)
        words = len(said.split())
        assert abs(word_error_rate(said, rebuilt) - word_error_rate(said, bundled)) <= 1 / words, (
            bundled,
            rebuilt,
        )


@pytest.fixture(scope="module")
def reading(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every adaptation sentence read by ``VOICE``, one after another."""
    folder = tmp_path_factory.mktemp("reading")
    return recording(folder / "reading.wav", adaptation.sentences(), folder)


def test_reading_the_sentences_adapts_pocketsphinx_and_sessions_hear_the_person(
    home: Path, cli: Callable[..., CliResult], reading: Path, tmp_path: Path
) -> None:
    """Before: en-us's answers come out as other words ("I felt afraid that he would leave."
    as "the league"). The person reads the 30 sentences (a recording played as the
    microphone); after, their answers are heard, a session says so, and its replies fit: the
    feeling reflected, harsh self-talk met with kindness. Another profile keeps the built-in
    model; `--forget` goes back to it."""
    answers = {text: espeak(VOICE, text, tmp_path) for text in HELD_OUT}
    before = {text: decode(None, pcm) for text, pcm in answers.items()}
    assert not any(word in before[text] for text, word in HELD_OUT.items()), before

    done = cli("models", "adapt", "--mic-file", reading, "--fast")
    assert done.code == 0, done.err
    assert f"[{len(adaptation.sentences())}/{len(adaptation.sentences())}]" in done.out
    assert "adapted to your voice from " in done.out and " of 30 sentences" in done.out, done.out
    folder = Paths.from_env().voice_model
    made = adaptation.describe(folder)
    assert made is not None and made.sentences == 30 and 60 < made.seconds < 200, made
    assert adaptation.MIN_USED <= made.used <= 30, made
    assert f"from {made.used} of 30 sentences" in done.out
    assert not list(folder.glob("*.wav")), "the recordings are not kept"

    after = {text: decode(folder, pcm) for text, pcm in answers.items()}
    assert all(word in after[text] for text, word in HELD_OUT.items()), after

    files = []
    for n, text in enumerate(["I felt afraid that he would leave.", "I'm so stupid."]):
        path = tmp_path / f"answer{n}.wav"
        write_wav(path, answers[text])
        files.append(path)
    mood = tmp_path / "mood.wav"
    recording(mood, ["six"], tmp_path, gap_s=0.3)
    session = cli(
        "session", "patience", "--answers", mood, *files, "--engine", "pocketsphinx", "--fast",
        "--json",
    )  # fmt: skip
    assert session.code == 0, session.err
    assert "adapted to your voice" in session.err, session.err
    turns = session.json()["turns"]
    heard = [t["answer"]["text"] for t in turns if t["answer"]]
    said = " ".join(line for t in turns for line in t["coach_lines"]).lower()
    assert "i felt afraid that he would leave" in heard and "i'm so stupid" in heard, heard
    assert "it sounds like you felt afraid" in said, said
    assert "how hard you're being on yourself" in said, said

    mine = engine_for(Settings(), Paths.from_env(), "pocketsphinx")
    other = engine_for(Settings(), Paths.from_env().of_profile("sam"), "pocketsphinx")
    assert mine.model == folder and other.model is None, (mine, other)
    forgot = cli("models", "adapt", "--forget")
    assert forgot.code == 0 and "forgot" in forgot.out and not folder.exists()


def test_too_few_sentences_heard_change_nothing(
    home: Path, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    short = recording(tmp_path / "short.wav", adaptation.sentences()[:4], tmp_path)
    result = cli("models", "adapt", "--mic-file", short, "--fast")
    assert result.code == 1
    assert "only 4 sentences were heard; at least 10 are needed" in result.err
    assert result.err.count("\n") == 1, result.err
    assert not Paths.from_env().voice_model.exists()


def test_the_sentences_can_be_printed_to_read_elsewhere(cli: Callable[..., CliResult]) -> None:
    result = cli("models", "adapt", "--sentences")
    assert result.code == 0 and result.out.splitlines() == adaptation.sentences()
    assert not any(line.startswith("#") for line in result.out.splitlines())


def test_a_recording_that_is_no_wav_is_refused_before_any_sentence(
    home: Path, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    bad = tmp_path / "reading.wav"
    bad.write_bytes(b"not audio")
    result = cli("models", "adapt", "--mic-file", bad)
    assert result.code == 1 and result.out == ""
    assert "not a readable PCM WAV file" in result.err and result.err.count("\n") == 1
    assert not Paths.from_env().voice_model.exists()


def test_a_reading_that_does_not_match_its_sentences_changes_nothing(
    home: Path, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    """A recording that skipped the first sentence: every one after it is read against the
    text of the one before. SphinxTrain aligns none with its text; nothing is kept."""
    shifted = recording(tmp_path / "shifted.wav", adaptation.sentences()[1:], tmp_path)
    result = cli("models", "adapt", "--mic-file", shifted, "--fast")
    assert result.code == 1, result.err
    assert re.search(r"only 0 of \d+ sentences matched their text; nothing was changed", result.err)
    assert result.err.count("\n") == 1
    assert not Paths.from_env().voice_model.exists()
    assert not list(Paths.from_env().data.glob(".voice-model*"))


def test_a_pause_inside_a_sentence_does_not_end_it(tmp_path: Path) -> None:
    """A reader who stops for breath half way through a sentence goes on with the same one;
    the pause after a whole sentence ends it."""
    from voicecoach.frames import FRAME_SAMPLES, AudioChunk
    from voicecoach.speech.reading import hear_sentence
    from voicecoach.speech.vad import VoiceActivity

    first, second = "The children played a loud game", "of chase in the yard."
    pause, gap = bytes(int(2.5 * 16_000) * 2), bytes(int(1.6 * 16_000) * 2)
    halves = espeak(VOICE, first, tmp_path) + pause + espeak(VOICE, second, tmp_path)
    after = espeak(VOICE, "Fix the broken chair before noon.", tmp_path)
    pcm = gap + halves + gap + after + gap
    size = FRAME_SAMPLES * 2
    frames = iter(
        [AudioChunk(pcm[at : at + size], at // 2) for at in range(0, len(pcm) - size + 1, size)]
    )
    vad = VoiceActivity()
    whole = hear_sentence(frames, vad, len(f"{first} {second}".split()))
    assert len(halves) - 16_000 <= len(whole.pcm) <= len(halves) + 32_000, len(whole.pcm)
    nxt = hear_sentence(frames, vad, 6)
    assert len(after) - 16_000 <= len(nxt.pcm) <= len(after) + 32_000, len(nxt.pcm)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--sentences", "--forget"], "--sentences and --forget do not go together"),
        (["--forget", "--mic-file", "x.wav"], "--forget and --mic-file do not go together"),
        (["--mic-file", "."], "is a folder; give the recording's WAV file"),
    ],
)
def test_options_that_do_not_go_together_are_refused(
    home: Path, cli: Callable[..., CliResult], args: list[str], said: str
) -> None:
    result = cli("models", "adapt", *args)
    assert result.code == 2 and said in result.err and result.err.count("\n") == 1, result.err


def test_a_live_session_on_the_bundled_model_names_models_adapt(home: Path, tmp_path: Path) -> None:
    """The engine line of a session that listens to a microphone through the bundled model
    tells how to teach it the person's voice; not once it is adapted, not for a recording, not
    for a coach of another language (the model is English)."""
    from dataclasses import replace

    from voicecoach.cli.session_cmd import adapt_tip

    english = Settings()
    bundled = engine_for(english, Paths.from_env(), "pocketsphinx")
    assert adapt_tip(bundled, english, live=True) == (
        "; `voicecoach models adapt` teaches it your voice in about two minutes"
    )
    assert adapt_tip(bundled, english, live=False) == ""
    korean = replace(english, coach=replace(english.coach, language="ko"))
    assert adapt_tip(bundled, korean, live=True) == ""
    mine = replace(bundled, model=tmp_path / "voice-model")
    assert adapt_tip(mine, english, live=True) == ""
