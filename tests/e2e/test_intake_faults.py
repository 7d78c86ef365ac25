"""Slack faults on the recommendation's own posts (the parent message and its thread):
delivered once when Slack recovers, or the user is told and can try again."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.db import models as m
from tests.e2e.flow import VERDICT_POSTS, run_intake
from tests.e2e.test_intake import SCENARIOS, scenario
from tests.support.harness import Bot

pytestmark = pytest.mark.faults

FAULTS: dict[str, dict[str, Any]] = {
    "429": {"status": 429, "retry_after": 1, "error": "ratelimited"},
    "500": {"status": 500},
    "503": {"status": 503},
    "reset": {"reset": True},
}


def parents(bot: Bot) -> list[dict]:
    return [msg for (channel, _), msg in bot.fake.messages.items()
            if channel == "C1" and msg.get("thread_ts") is None]


@pytest.mark.parametrize("nth", [1, VERDICT_POSTS], ids=["parent", "reply"])
@pytest.mark.parametrize("fault", FAULTS)
def test_recommendation_posts_once_through_a_fault(bot: Bot, fault: str, nth: int) -> None:
    """The fault hits the parent message (1st post) or a thread reply (the last)."""
    answers, _ = scenario(SCENARIOS[0])
    state = {"n": 0}

    def nth_post(_args: dict) -> bool:
        state["n"] += 1
        return state["n"] == nth

    bot.fake.inject("chat.postMessage", channel="C1", when=nth_post, **FAULTS[fault])
    run_intake(bot, answers)
    bot.fake.wait_for("views.update", timeout=20)
    time.sleep(0.3)
    with bot.deps.sessions() as s:
        row = s.query(m.Assessment).one()
    thread = [msg for (channel, _), msg in bot.fake.messages.items()
              if channel == "C1" and msg.get("thread_ts")]
    assert row.status == "posted"
    assert len(parents(bot)) == 1
    assert len(thread) == VERDICT_POSTS - 1


@pytest.mark.parametrize("nth", [1, VERDICT_POSTS], ids=["parent", "reply"])
def test_a_post_slack_answers_too_late_is_not_repeated_by_try_again(bot: Bot, nth: int
                                                                     ) -> None:
    """Slack takes the message but answers after the client gave up (3 s): the user is
    told it is uncertain; *Try again* finds what went out by its marker and posts only
    the rest."""
    answers, _ = scenario(SCENARIOS[0])
    state = {"n": 0}

    def nth_post(_args: dict) -> bool:
        state["n"] += 1
        return state["n"] == nth

    bot.fake.inject("chat.postMessage", channel="C1", when=nth_post, delay=3.5)
    run_intake(bot, answers)
    update = bot.fake.wait_for("views.update", timeout=20,
                               predicate=lambda c: "Try again" in str(c.args))[-1]
    assert "did not answer in time" in str(update.args["view"])
    with bot.deps.sessions() as s:
        row = s.query(m.Assessment).one()
        assert row.post_error and row.post_error.startswith("no answer")
    bot.fake.wait_idle()  # Slack did post it, after the client had given up
    bot.slack.block_action("assessment_retry_post", str(row.id), block_id="retry",
                           view=bot.fake.views[update.args["view_id"]])
    bot.fake.wait_for("views.update", count=2, timeout=20)
    time.sleep(0.3)
    with bot.deps.sessions() as s:
        row = s.query(m.Assessment).one()
        assert row.status == "posted" and row.thread_posted == VERDICT_POSTS - 1
        assert row.post_error is None
    assert len(parents(bot)) == 1
    thread = [msg for (channel, _), msg in bot.fake.messages.items()
              if channel == "C1" and msg.get("thread_ts")]
    assert len(thread) == VERDICT_POSTS - 1
