"""The composition root: settings and command-line options → the loop's stages.

Only this module (and the CLI that calls it) reads ``config.toml`` settings; every stage gets
plain values or built objects in its constructor.
"""

from __future__ import annotations

from voicecoach.config import ListenSettings, Settings
from voicecoach.paths import Paths
from voicecoach.speech.engines import EngineChoice, choose_engine
from voicecoach.speech.listener import ListenTiming
from voicecoach.speech.models import active_model_name, search_dirs

PHRASE_MARGIN_S = 1.0
"""Audio decoded around a command's speech (pre-roll and hangover), on top of max_command_s."""


def engine_for(
    settings: Settings, home: Paths, engine: str | None = None, model: str | None = None
) -> EngineChoice:
    """The engine a session or `listen` uses: the command line's choice, else the settings'."""
    return choose_engine(
        engine or settings.speech.engine,
        model if model is not None else settings.speech.model,
        settings.coach.language,
        search_dirs(home),
        active=active_model_name(home.state_file),
    )


def answer_timing(settings: Settings) -> ListenTiming:
    """How a session listens for answers, from ``[listen]`` and ``[commands]``."""
    listen = settings.listen
    return ListenTiming.from_seconds(
        listen.end_silence_s,
        listen.no_answer_s,
        listen.max_answer_s,
        thinking_pause=listen.thinking_pause_s,
        cap_grace=listen.cap_grace_s,
        phrase_max=settings.commands.max_command_s + PHRASE_MARGIN_S,
    )


def longest_turn_s(listen: ListenSettings) -> float:
    """The most audio one listening turn can hold: the wait, the longest answer and its grace."""
    return listen.no_answer_s + listen.max_answer_s + listen.cap_grace_s
