"""The plan on its own: what is asked next for each kind of step, follow-up and mood check."""

from __future__ import annotations

from pathlib import Path

from voicecoach.coach.plan import MAX_ITEMS, MOOD_AFTER, MOOD_BEFORE, Kind, Plan, fits
from voicecoach.coach.script import FollowUp, SessionScript, Step, StepType, When

SHORT = FollowUp("more", When.SHORT, "Could you say a little more?", max_words=4)
MENTIONS = FollowUp(
    "trust", When.MENTIONS, "What does trust mean to you?", "Thank you for that.",
    words=("trust", "let down"), next="last",
)  # fmt: skip
ALWAYS = FollowUp("why", When.ALWAYS, "Why?")


def script(*steps: Step) -> SessionScript:
    return SessionScript("t", "T", "", ("Hello.",), steps, ("Bye.",), Path("t.toml"))


def asked(plan: Plan, answers: dict[str, str]) -> list[tuple[str, Kind]]:
    """Run the plan, answering items by id (no entry: "fine")."""
    out = []
    while (item := plan.next()) is not None:
        out.append((item.id, item.kind))
        if item.expects_answer:
            plan.answered(answers.get(item.id, "fine"))
        assert len(out) <= MAX_ITEMS + 2
    return out


def test_steps_in_file_order_with_say_steps_that_expect_no_answer() -> None:
    plan = Plan(script(Step("a", "A?"), Step("b", "Breathe.", type=StepType.SAY), Step("c", "C?")))
    items = asked(plan, {})
    assert items == [("a", Kind.QUESTION), ("b", Kind.SAY), ("c", Kind.QUESTION)]
    assert not plan.has_next() and plan.next() is None


def test_mood_check_in_opens_and_closes_the_session() -> None:
    plan = Plan(script(Step("a", "A?")), mood=True)
    first = plan.next()
    assert first is not None and first.prompt == MOOD_BEFORE and first.is_mood
    assert first.acknowledge == "Thank you."
    plan.answered("seven")
    assert plan.next() is not None and plan.current is not None and plan.current.id == "a"
    plan.answered("fine")
    last = plan.next()
    assert last is not None and last.prompt == MOOD_AFTER and last.kind is Kind.MOOD_AFTER
    assert plan.next() is None


def test_a_short_answer_gets_the_short_follow_up_and_a_long_one_does_not() -> None:
    steps = (Step("a", "A?", "Thanks.", follow_ups=(SHORT,)), Step("b", "B?"))
    short = asked(Plan(script(*steps)), {"a": "not much"})
    assert short == [("a", Kind.QUESTION), ("a.more", Kind.FOLLOW_UP), ("b", Kind.QUESTION)]
    long = asked(Plan(script(*steps)), {"a": "quite a lot happened this week at home"})
    assert long == [("a", Kind.QUESTION), ("b", Kind.QUESTION)]


def test_a_mention_chooses_its_follow_up_its_acknowledgement_and_its_next_step() -> None:
    steps = (
        Step("a", "A?", "Thanks.", follow_ups=(MENTIONS,)),
        Step("skipped", "Skipped?"),
        Step("last", "Last?"),
    )
    plan = Plan(script(*steps))
    assert plan.next() is not None
    plan.answered("I felt LET DOWN, again.")
    assert plan.follow_up_pending
    follow = plan.next()
    assert follow is not None and follow.id == "a.trust"
    assert follow.acknowledge == "Thank you for that."
    plan.answered("trust is everything")  # a follow-up's answer chooses no further follow-up
    assert not plan.follow_up_pending
    after = plan.next()
    assert after is not None and after.id == "last"


def test_fits_matches_whole_words_and_phrases_only() -> None:
    assert fits(MENTIONS, "I trust him") and fits(MENTIONS, "he let down the team")
    assert not fits(MENTIONS, "trustworthy people") and not fits(MENTIONS, "let it down")
    assert fits(SHORT, "one two three") and not fits(SHORT, "one two three four")
    assert fits(ALWAYS, "")


def test_the_first_fitting_follow_up_wins() -> None:
    steps = (Step("a", "A?", follow_ups=(SHORT, ALWAYS)),)
    assert asked(Plan(script(*steps)), {"a": "no"})[1] == ("a.more", Kind.FOLLOW_UP)
    long = "a long answer that goes on and on"
    assert asked(Plan(script(*steps)), {"a": long})[1] == ("a.why", Kind.FOLLOW_UP)


def test_a_loop_with_no_exit_ends_at_the_item_limit() -> None:
    steps = (Step("a", "A?", next="b"), Step("b", "B?", next="a"))
    items = asked(Plan(script(*steps), mood=True), {})
    assert len(items) == MAX_ITEMS + 1  # the mood check-out is still asked
    assert items[-1] == ("mood-after", Kind.MOOD_AFTER)
