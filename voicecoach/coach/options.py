"""How the session machine behaves (from config.toml), and every line it says of its own."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from voicecoach.coach.commands import CommandSpotter
from voicecoach.coach.continuity import LastStep
from voicecoach.coach.intents import Command, PhraseBook
from voicecoach.config import DEFAULT_CRISIS_RESOURCES
from voicecoach.frames import seconds_to_samples

# What the coach says, besides the script.
REPROMPT = "Take your time. {prompt}"
MOVE_ON = "That's all right. Let's go on."
LEFT_UNANSWERED = "That's all right."
"""Said instead of ``MOVE_ON`` when the question left unanswered was the last one."""
CAPPED = "Thank you, that was a lot to say. Let's pause there and go on."
CAPPED_LAST = "Thank you, that was a lot to say. Let's pause there."
"""Said instead of ``CAPPED`` at the last question."""
SKIPPED = "All right, let's skip that one."
PAUSED = "All right, I'll wait. Say continue when you're ready, or stop to end the session."
SAVED = "What you said is saved."
"""The claim in the lines that end a session early; ``ending_line`` makes it true."""
PAUSE_RAN_OUT = f"We'll stop here for now. {SAVED}"
STOPPED = f"All right, let's end here. {SAVED} Take care."
GONE_QUIET = (
    f"It has been quiet for a while, so we'll stop here for today. {SAVED} "
    "You can come back any time."
)
LISTENING = "I'm listening."
SPEAK_UP = "I can hardly hear you. Could you come a little closer, or speak up a little?"
"""Said once in a session, when an answer was spoken too softly to be heard well
(``CoachOptions.speak_up_below``): after the reply to it, or in place of "Take your time." or
"Sorry, I didn't catch the number." before a question asked again."""
SLOWER = "All right, I'll speak more slowly."
FASTER = "All right, I'll speak a little faster."
SLOWEST = "I'm already speaking as slowly as I can."
FASTEST = "I'm already speaking as fast as I can."
HELP = "You can say: {words}."
HELP_PAUSED = "We're paused. Say continue when you're ready, or stop to end the session."
NOT_A_CRISIS_SERVICE = (
    "I want to stop our exercise here for a moment. What you said matters, and I am not a "
    "crisis service."
)
OFFER_END = "Would you like to end our session now? You can say yes, or say continue to go on."
END_AFTER_SAFETY = (
    "All right. We'll end here. Please reach out to someone you trust, or to the help I "
    "mentioned. Take care of yourself."
)
CARRY_ON = "All right, we'll go on gently. You can say stop at any time."
NO_MOOD = "That's all right, we'll leave the number out today."
MOOD_AGAIN = "Sorry, I didn't catch the number. Could you say it like this: six out of ten?"
MOOD_SCALE = "Could you give me a number from one to ten? One is very low, ten is very good."
MOOD_WHICH = "Which is closer, {first} or {second}?"
MOOD_CHECK = "Did you say {mood}?"
MISHEARD = "I may have misheard; are you safe right now?"
SAFE_TO_GO_ON = "Thank you for telling me. We'll go on gently. You can say stop at any time."
GOODBYE = "Goodbye."
"""Said when the session is ended from outside (Ctrl-C): at most a second."""
FORGOTTEN = "All right, I've let that go. It isn't kept anywhere."
NOTHING_TO_FORGET = "There's no answer to let go of yet."
PRIVATE = (
    "All right, this session is private. I'll keep only your mood and today's date, and nothing "
    "you say."
)
PRIVATE_TOO_LATE = (
    "A private session is chosen at the start. You can still say forget that, to let go of your "
    "last answer."
)
KEPT = "Your answers are saved privately on this device."
"""Said before the script's last closing line when the session kept at least one answer."""
KEPT_PRIVATE = "As you asked, I kept only your mood and today's date."
"""Said there instead in a private session."""
KEPT_NOTHING = "This was a demo, so nothing you said was kept."
"""Said there instead when the session keeps nothing (the demo)."""
STILL_PAUSED = "We're still paused. Say continue when you're ready."
ASK_AGAIN = "Let me ask again. {prompt}"
"""Said when "Did you want to …?" got no clear yes or no: the question asked again."""
CONFIRM: dict[Command, str] = {
    Command.SKIP: "Did you want to skip this one?",
    Command.REPEAT: "Did you want me to repeat the question?",
    Command.PAUSE: "Did you want to pause for a moment?",
    Command.RESUME: "Did you want to go on?",
    Command.STOP: "Did you want to end the session?",
    Command.HELP: "Did you want to hear what you can say?",
    Command.SLOWER: "Did you want me to speak more slowly?",
    Command.FASTER: "Did you want me to speak faster?",
    Command.FORGET: "Did you want me to forget your last answer?",
    Command.PRIVATE: "Did you want this session to be private?",
}
"""Asked when a short utterance may be a command but is not sure to be one."""


def kept_line(keeps: bool, private: bool, answered: bool) -> str:
    """What the closing says was kept: nothing in the demo, the mood in a private session,
    the answers when there are any ("" when no answer was kept: nothing to claim)."""
    if not keeps:
        return KEPT_NOTHING
    if private:
        return KEPT_PRIVATE
    return KEPT if answered else ""


def ending_line(line: str, keeps: bool, private: bool, answered: bool) -> str:
    """``line`` (``STOPPED``, ``PAUSE_RAN_OUT``) with its claim that what was said is saved
    made true: said as it is when an answer was kept, the ``kept_line`` of a private session or
    the demo instead, and left out when nothing was answered. Other lines are returned as they
    are."""
    if SAVED not in line or (keeps and not private and answered):
        return line
    kept = kept_line(keeps, private, answered)
    return " ".join(line.replace(SAVED, kept).split())


def closing_lines(script: Sequence[str], kept: str) -> list[str]:
    """The script's closing lines with ``kept`` said before the last one (the goodbye)."""
    lines = list(script)
    if kept:
        lines.insert(max(len(lines) - 1, 0), kept)
    return lines


def help_line(book: PhraseBook) -> str:
    """One short line naming a phrasing of every command."""
    words = book.help_words()
    if not words:
        return HELP_PAUSED
    listed = ", ".join(words[:-1]) + (f" or {words[-1]}" if len(words) > 1 else words[0])
    return HELP.format(words=listed)


@dataclass(frozen=True)
class CoachOptions:
    """What the machine does beyond the script. ``CoachOptions()`` is the bare machine (no
    check-in, no first-run note); ``wiring.coach_options`` follows config.toml."""

    mood_checkin: bool = False
    """Ask for a mood from one to ten at the start and the end."""
    first_run_file: Path | None = None
    """The state file remembering the one-time note; None = no note."""
    spotter: CommandSpotter = field(default_factory=lambda: CommandSpotter(PhraseBook.build()))
    """Decides which utterances are voice commands."""
    reprompts: int = 1
    """Gentle reprompts after no answer."""
    quiet_questions: int = 0
    """Questions in a row with no answer at all after which the session ends (0 = never)."""
    speak_up_below: float | None = None
    """Speech level (dBFS, ``Final.level``) under which an answer was too soft to hear well:
    the coach asks, once a session, to come closer or speak up (None = never)."""
    pause_wait: int = seconds_to_samples(300.0)
    """While paused, audio time (samples) waited for "continue" before the session ends."""
    reply_wait: int = seconds_to_samples(12.0)
    """Audio time waited for the reply to "would you like to end now?"."""
    rate_step: int = 25
    """Words per minute "slower" / "faster" change the rate by."""
    crisis_resources: str = DEFAULT_CRISIS_RESOURCES
    """Said after a safety concern."""
    pause_s: float = 0.0
    """Seconds of silence between two of the coach's lines."""
    question_pause_s: float = 0.0
    """Seconds of silence before a question that asks for reflection."""
    keeps: bool = True
    """Whether the session is kept (False in the demo): what the closing says was saved."""
    mood_reasks: int = 1
    """Times a mood that was not heard as a number is asked for again."""
    sure_confidence: float = 0.6
    """Mean word confidence (0.0-1.0) below which a safety match may be a mishearing: the
    coach gives the resources and asks whether the person is safe instead of ending."""
    history: Callable[[str, str], LastStep | None] | None = None
    """(practice id, step id) → the step named there in the last session of the practice
    (None when it named none); None = no look back."""
