"""config.toml: the documented defaults, and one clear line for every kind of mistake."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from voicecoach.config import Settings, load_settings
from voicecoach.errors import ConfigError

REPO_CONFIG = Path(__file__).resolve().parents[1] / "config.toml"


def test_the_shipped_config_documents_exactly_the_defaults() -> None:
    assert load_settings(REPO_CONFIG) == Settings()


def test_a_missing_file_means_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "nope.toml") == Settings()


def test_user_values_override_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[listen]\nend_silence_s = 3\n[speech]\nengine = "pocketsphinx"\nsecond_decode = false\n'
    )
    settings = load_settings(path)
    assert settings.listen.end_silence_s == 3.0
    assert isinstance(settings.listen.end_silence_s, float)
    assert settings.speech.engine == "pocketsphinx" and settings.speech.second_decode is False
    assert settings.coach == Settings().coach


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[listen]\nend_silence_s = 'long'\n",
            'listen.end_silence_s: expected a number, got "long"',
        ),
        ("[listen]\nvad_mode = 9\n", "listen.vad_mode: expected a whole number from 0 to 3, got 9"),
        (
            "[listen]\nspeak_up_dbfs = -12\n",
            "listen.speak_up_dbfs: expected a number from -90.0 to -30.0, got -12",
        ),
        ("[speech]\nengine = 'whisper'\n", 'speech.engine: expected one of "auto", "vosk"'),
        ("[coach]\nrate = true\n", "coach.rate: expected a whole number, got true"),
        ("[listen]\nend_silnce_s = 2\n", "listen.end_silnce_s: unknown key (expected one of"),
        ("[lisen]\n", "lisen: unknown section"),
        ("listen = 3\n", "listen: expected a table, got 3"),
        ("[coach]\npause_s = true\n", "coach.pause_s: expected a number, got true (line 2)"),
        ("[coach]\nmood_checkin = 'no'\n", 'coach.mood_checkin: expected true or false, got "no"'),
        ("[journal]\nkeep_days = nan\n", "journal.keep_days: expected a whole number, got nan"),
        ("[coach]\nvolume = -inf\n", "coach.volume: expected a number from 0.0 to 1.0, got -inf"),
        (
            "[reminder]\ndays = ['mon', 'xyz']\n",
            'reminder.days: expected items from "mon", "tue", "wed", "thu", "fri", "sat", "sun", '
            'got "xyz"',
        ),
        (
            "[coach]\nvoice = ['a', {b = false}]\n",
            'coach.voice: expected a string, got ["a", { b = false }]',
        ),
        ("[listen\n", "not valid TOML"),
    ],
)
def test_each_mistake_names_file_key_and_expectation(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[listen]\nend_silence_s = 'x'\nno_answer_s = -1\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert "end_silence_s" in str(info.value) and "no_answer_s" in str(info.value)


def test_the_cli_refuses_a_broken_config_in_one_line(
    home: Path, cli: Callable[..., CliResult]
) -> None:
    home.mkdir(parents=True)
    (home / "config.toml").write_text("[listen]\nend_silence_s = 'long'\n")
    result = cli("session", "patience", "--answers", "x.wav", "--fast")
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("voicecoach: error: ")
    assert "listen.end_silence_s" in lines[0]
    assert not (home / "journal").exists()


def test_an_unknown_topic_in_the_config_names_the_file_key_and_line(
    home: Path, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    home.mkdir(parents=True)
    mine = home / "config.toml"
    mine.write_text('[coach]\nrate = 150\ntopic = "nosuch"\n')
    other = tmp_path / "other.toml"
    other.write_text('[coach]\ntopic = "patiense"\n')
    for extra, path, line, near in (([], mine, 3, ""), (["--config", other], other, 2, "patience")):
        result = cli("session", "--answers", "x.wav", "--fast", *extra)
        assert result.code == 1, result.err
        (said,) = result.err.splitlines()
        topic = "nosuch" if path == mine else "patiense"
        assert said.startswith(
            f'voicecoach: error: {path}: coach.topic: unknown topic "{topic}"; '
        ), said  # spelled as in the file
        assert said.endswith(f"(line {line})") and "choose one of: communication" in said, said
        assert f"did you mean {near}?" in said if near else "did you mean" not in said, said
    given = cli("session", "patience", "--answers", "x.wav", "--fast")  # the command line wins
    assert given.code == 1 and "x.wav" in given.err and "topic" not in given.err, given.err
    assert not (home / "journal").exists()


def test_a_profiles_table_is_read_over_a_shared_key_that_is_not_a_table(tmp_path: Path) -> None:
    shared, own = tmp_path / "config.toml", tmp_path / "own.toml"
    shared.write_text("coach = 5\n[listen]\nreprompts = 2\n")
    own.write_text("[coach]\npause_s = 1.5\n")
    settings = load_settings(shared, overlay=own)
    assert settings.coach.pause_s == 1.5 and settings.listen.reprompts == 2


def test_the_languages_are_those_with_voice_commands(tmp_path: Path) -> None:
    from voicecoach.coach.intents import BUILT_IN
    from voicecoach.config import LANGUAGES

    assert set(LANGUAGES) == set(BUILT_IN)
    path = tmp_path / "config.toml"
    for language in ("en", "en-gb", "ko", "ko-kr"):
        path.write_text(f'[coach]\nlanguage = "{language}"\n')
        assert load_settings(path).coach.language == language


@pytest.mark.parametrize("language", ["xx", "EN", "english", "", "en_GB"])
def test_a_language_the_coach_does_not_speak_is_refused_in_one_line(
    home: Path, cli: Callable[..., CliResult], tmp_path: Path, language: str
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[coach]\nrate = 150\nlanguage = "{language}"\n')
    answers = Path(__file__).parent / "fixtures"
    wav = next(answers.glob("*.wav"))
    result = cli("session", "small-wins", "--config", config, "--answers", wav, "--fast")
    assert result.code == 1 and result.out == ""
    assert result.err == (
        f'voicecoach: error: {config}: coach.language: expected "en" or "ko", or one with a '
        f'region ("en-gb"), got "{language}" (line 3)\n'
    )
    assert not home.exists()


def test_a_listen_with_no_wake_phrase_is_refused_in_one_line(
    home: Path, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[wake]\nphrases = []\n")
    wav = next((Path(__file__).parent / "fixtures").glob("*.wav"))
    result = cli("listen", "--config", config, "--answers", wav, "--fast", "--once")
    assert result.code == 1 and result.out == ""
    assert result.err == (
        f"voicecoach: error: {config}: wake.phrases: expected a list of at least one phrase, "
        "got [] (line 2)\n"
    )
    assert not home.exists()
    config.write_text('[wake]\nphrases = ["hey coach"]\n')
    assert load_settings(config).wake.phrases == ("hey coach",)
