"""On the speaker, the profile is chosen by voice after the wake phrase (real PocketSphinx,
synthesized speech fed through `voicecoach listen` as the room and the scripted person)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, CliResult, fixture_table, fixture_wav
from tests.virtual_audio import write_mini_home
from voicecoach.audio.wavfile import read_wav
from voicecoach.config import load_settings
from voicecoach.paths import Paths
from voicecoach.speaker.replies import CHOOSE_QUESTION
from voicecoach.speaker.whois import (
    GRAMMAR,
    NAME_NOT_CAUGHT,
    NOT_YOU,
    WHO_AGAIN,
    WHO_IS_THIS,
    Answer,
    Identified,
    greeting,
    identify,
    name_phrases,
    spoken,
)
from voicecoach.speech.events import Final, Utterance
from voicecoach.speech.grammar import Recheck, RecheckedFinal
from voicecoach.speech.sphinx_engine import SphinxRecognizer
from voicecoach.store.journal import Journal

Cli = Callable[..., CliResult]
PROFILES = ("alex", "sam")
ANSWERS = ["choose-patience", "patience-1", "patience-2"]


@pytest.fixture
def room(tmp_path: Path) -> Path:
    """A second of a quiet room, "let's reflect", then two more seconds."""
    out = tmp_path / "room.wav"
    quiet = tmp_path / "quiet.wav"
    subprocess.run(
        ["sox", FIXTURES / "silence-10s.wav", quiet, "trim", "0", "1"], check=True, timeout=30
    )
    subprocess.run(
        ["sox", quiet, fixture_wav("wake-lets-reflect"), quiet, quiet, out],
        check=True,
        timeout=30,
    )
    return out


@pytest.fixture
def hush(tmp_path: Path) -> Path:
    """Half a second of silence: a listening turn in which nobody says anything."""
    out = tmp_path / "hush.wav"
    subprocess.run(
        ["sox", FIXTURES / "silence-10s.wav", out, "trim", "0", "0.5"], check=True, timeout=30
    )
    return out


def listen(cli: Cli, room: Path, answers: list[str | Path]) -> CliResult:
    wavs = [a if isinstance(a, Path) else fixture_wav(a) for a in answers]
    result = cli(
        "listen", "--mic-file", room, "--answers", *wavs, "--fast", "--engine", "pocketsphinx",
        "--once", "--json", "--show-words",
    )  # fmt: skip
    assert result.code == 0, result.err
    return result


def sessions(journal: Path) -> list[str]:
    """Ids of the sessions kept in a journal folder (none when it does not exist)."""
    if not journal.exists():
        return []
    opened = Journal(journal)
    try:
        return [s.id for s in opened.summaries()]
    finally:
        opened.close()


def kept_files(home: Path) -> list[Path]:
    """Every journal file of every profile (the default one too)."""
    return [p for p in home.rglob("*") if p.is_file() and "journal" in p.parts]


def two_profiles(cli: Cli, home: Path) -> None:
    write_mini_home(home)
    for name in PROFILES:
        assert cli("profiles", "add", name).code == 0


@pytest.mark.slow
def test_its_sam_right_after_the_wake_phrase_keeps_the_session_in_sams_journal(
    cli: Cli, home: Path, room: Path
) -> None:
    two_profiles(cli, home)
    (home / "profiles" / "sam" / "config.toml").write_text("[journal]\nsave_audio = true\n")
    result = listen(cli, room, ["name-its-sam", *ANSWERS])
    (session_id,) = result.json()["sessions"]
    assert sessions(home / "profiles" / "sam" / "journal") == [session_id]
    kept = home / "profiles" / "sam" / "journal" / "audio" / session_id  # sam's own settings
    assert sorted(p.name for p in kept.glob("*.wav")) == ["1.wav", "2.wav"]
    assert sessions(home / "profiles" / "alex" / "journal") == []
    assert sessions(home / "journal") == []
    assert WHO_IS_THIS not in result.err  # named before the question
    assert greeting("sam") in result.err and CHOOSE_QUESTION in result.err
    record = cli("--profile", "sam", "show", session_id, "--json").json()
    assert "partner" in record["turns"][0]["answer"]["text"]
    assert cli("--profile", "alex", "show", session_id).code != 0


@pytest.mark.slow
def test_who_is_this_answered_alex_keeps_the_session_in_alexs_journal(
    cli: Cli, home: Path, room: Path, hush: Path
) -> None:
    two_profiles(cli, home)
    result = listen(cli, room, [hush, "name-alex", *ANSWERS])
    (session_id,) = result.json()["sessions"]
    assert sessions(home / "profiles" / "alex" / "journal") == [session_id]
    assert sessions(home / "profiles" / "sam" / "journal") == []
    assert sessions(home / "journal") == []
    assert result.err.index(WHO_IS_THIS) < result.err.index(greeting("alex"))
    assert not (home / "profiles" / "alex" / "journal" / "audio").exists()  # alex keeps none


def test_its_sam_is_greeted_as_the_profile_named(cli: Cli, home: Path, room: Path) -> None:
    two_profiles(cli, home)
    result = listen(cli, room, ["name-its-sam", "reply-not-now", "reply-not-now"])
    assert result.json()["sessions"] == []  # no practice chosen: nothing kept
    assert "after a wake, asks who it is: alex, sam" in result.err
    assert greeting("sam") in result.err and WHO_IS_THIS not in result.err
    assert greeting("alex") not in result.err
    assert kept_files(home) == []


def test_a_name_not_heard_after_one_re_ask_keeps_nothing(
    cli: Cli, home: Path, room: Path, hush: Path
) -> None:
    two_profiles(cli, home)
    result = listen(cli, room, [hush, "name-its-jordan", "name-its-jordan", *ANSWERS])
    assert result.json()["sessions"] == []
    assert WHO_IS_THIS in result.err and WHO_AGAIN in result.err
    assert NAME_NOT_CAUGHT in result.err and CHOOSE_QUESTION not in result.err
    assert "jordan" not in result.err.lower()  # what was heard is never said back or shown
    assert kept_files(home) == []


def test_not_me_ends_the_question_and_keeps_nothing(
    cli: Cli, home: Path, room: Path, hush: Path
) -> None:
    two_profiles(cli, home)
    result = listen(cli, room, [hush, "name-not-me", *ANSWERS])
    assert result.json()["sessions"] == []
    assert NOT_YOU in result.err and WHO_AGAIN not in result.err
    assert kept_files(home) == []


@pytest.mark.slow
def test_with_one_profile_nothing_is_asked(cli: Cli, home: Path, room: Path) -> None:
    write_mini_home(home)
    assert cli("profiles", "add", "sam").code == 0
    result = listen(cli, room, ANSWERS)
    (session_id,) = result.json()["sessions"]
    assert WHO_IS_THIS not in result.err
    assert sessions(home / "journal") == [session_id]  # as before profiles


@pytest.mark.slow
def test_listen_started_for_a_profile_asks_nobody(cli: Cli, home: Path, room: Path) -> None:
    two_profiles(cli, home)
    wavs = [fixture_wav(a) for a in ANSWERS]
    result = cli(
        "--profile", "alex", "listen", "--mic-file", room, "--answers", *wavs, "--fast",
        "--engine", "pocketsphinx", "--once", "--json", "--show-words",
    )  # fmt: skip
    assert result.code == 0, result.err
    (session_id,) = result.json()["sessions"]
    assert WHO_IS_THIS not in result.err
    assert sessions(home / "profiles" / "alex" / "journal") == [session_id]


def test_a_profiles_own_settings_are_read_over_config_toml(home: Path) -> None:
    write_mini_home(home, "\n[journal]\nkeep_days = 30\n")
    (home / "profiles" / "sam").mkdir(parents=True)
    (home / "profiles" / "sam" / "config.toml").write_text("[journal]\nsave_audio = true\n")
    main = Paths.from_env()
    assert load_settings(main.config_file, overlay=main.profile_config).journal.save_audio is False
    sam = main.of_profile("sam")
    own = load_settings(sam.config_file, overlay=sam.profile_config)
    assert own.journal.save_audio is True and own.journal.keep_days == 30


def test_a_mistake_in_a_profiles_settings_is_one_line_naming_its_file(cli: Cli, home: Path) -> None:
    write_mini_home(home)
    assert cli("profiles", "add", "sam").code == 0
    own = home / "profiles" / "sam" / "config.toml"
    own.write_text("[journal]\nsave_audio = 3\n")
    result = cli("--profile", "sam", "session", "--answers", fixture_wav("patience-1"), "--fast")
    assert result.code != 0 and result.out == ""
    (line,) = result.err.splitlines()
    assert str(own) in line and "journal.save_audio" in line and "line 2" in line
    assert not (home / "profiles" / "sam" / "journal" / "running").exists()


ONE_WORD_COMMANDS = ("cmd-stop", "cmd-pause", "cmd-repeat", "cmd-skip", "cmd-help", "cmd-pass")


def test_only_a_name_is_heard_as_a_name_by_the_real_recogniser() -> None:
    """Short replies the speaker hears (yes / not now, a practice, a wake phrase, a name, a
    one-word command) through PocketSphinx's open decode and the names' grammar: only the
    names are taken as one."""
    short = [
        name
        for name, entry in fixture_table().items()
        if entry["group"] in ("reply", "choose", "wake", "name") or name in ONE_WORD_COMMANDS
    ]
    recognizer = SphinxRecognizer()
    checker = recognizer.phrase_checker(name_phrases(PROFILES), GRAMMAR)
    named = {}
    try:
        for name in short:
            pcm = read_wav(fixture_wav(name))
            recognizer.accept(pcm)
            heard = recognizer.finish(0.0)
            recheck = checker.check(pcm, heard.text)
            found = identify(RecheckedFinal(utterance=heard, recheck=recheck), PROFILES)
            if found != Identified():
                named[name] = found
    finally:
        recognizer.close()
    assert len(short) == 18
    assert named == {
        "name-its-sam": Identified("sam"),
        "name-alex": Identified("alex"),
        "name-not-me": Identified(answer=Answer.NOT_ME),
        "cmd-stop": Identified(answer=Answer.NOT_ME),
        "reply-not-now": Identified(answer=Answer.NOT_ME),
    }


# ---- the decision, on transcripts and second opinions ------------------------------------------
def final(text: str, phrase: str = "", agreement: float = 0.0) -> Final:
    utterance = Utterance(text=text, words=(), start=0.0, end=1.0)
    return RecheckedFinal(utterance=utterance, recheck=Recheck(phrase, agreement))


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        (final("it's sam"), Identified("sam")),
        (final("um this is alex"), Identified("alex")),
        (final("sam lee"), Identified("sam-lee")),
        (final("not me"), Identified(answer=Answer.NOT_ME)),
        (final("stop"), Identified(answer=Answer.NOT_ME)),
        (final("not now please"), Identified(answer=Answer.NOT_ME)),
        (final("alex's", "alex", 0.8), Identified("alex")),
        (final("yes", "alex", 0.5), Identified()),  # sounds too little like it
        (final("it's door again", "it's alex", 0.44), Identified()),
        (final("sam and alex"), Identified()),  # two names: asked again
        (final("patience"), Identified()),
    ],
)
def test_which_profile_a_reply_names(heard: Final, expected: Identified) -> None:
    assert identify(heard, ("alex", "sam", "sam-lee")) == expected


def test_the_names_grammar_holds_each_spoken_name_and_not_me() -> None:
    phrases = name_phrases(("sam", "mary_jo"))
    assert "sam" in phrases and "it's sam" in phrases and "this is mary jo" in phrases
    assert "not me" in phrases and "stop" in phrases
    assert spoken("mary_jo") == "mary jo" and greeting("mary_jo") == "Hi mary jo."


@pytest.mark.slow
def test_an_encrypted_profile_is_written_with_its_public_key_alone(
    cli: Cli, home: Path, room: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_profiles(cli, home)
    monkeypatch.setenv("VOICECOACH_NEW_PASSPHRASE", "sam's long passphrase")
    assert cli("--profile", "sam", "key", "init").code == 0
    monkeypatch.delenv("VOICECOACH_NEW_PASSPHRASE")
    monkeypatch.delenv("VOICECOACH_PASSPHRASE", raising=False)
    result = listen(cli, room, ["name-its-sam", *ANSWERS])  # no passphrase anywhere
    (session_id,) = result.json()["sessions"]
    for path in kept_files(home):
        assert b"partner" not in path.read_bytes(), path
    monkeypatch.setenv("VOICECOACH_PASSPHRASE", "sam's long passphrase")
    record = cli("--profile", "sam", "show", session_id, "--json").json()
    assert "partner" in record["turns"][0]["answer"]["text"]


def test_after_yes_to_the_invitation_who_is_this_is_asked_at_once(cli: Cli, home: Path) -> None:
    write_mini_home(home, '\n[reminder]\ntime = "20:00"\n')
    for name in PROFILES:
        assert cli("profiles", "add", name).code == 0
    answers = [fixture_wav(n) for n in ("reply-yes", "name-alex", "reply-not-now", "reply-not-now")]
    result = cli(
        "listen", "--fast", "--engine", "pocketsphinx", "--json", "--show-words", "--clock-start",
        "2025-01-06T19:59:50", "--answers", *answers, "--mic-file", FIXTURES / "silence-10s.wav",
        "--once",
    )  # fmt: skip
    assert result.code == 0, result.err
    report = result.json()
    assert [i["outcome"] for i in report["invitations"]] == ["accepted"]
    assert report["sessions"] == []  # no practice chosen
    said = result.err
    assert said.index("reflection now?") < said.index(WHO_IS_THIS) < said.index(greeting("alex"))
    assert kept_files(home) == []
