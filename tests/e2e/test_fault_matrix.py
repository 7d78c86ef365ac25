"""Slack faults, one by one, on each kind of scheduled post: delivered once when Slack
recovers, or, when it never does, the person it was for is told and nothing else stops."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.db import models as m
from tests.e2e.flow import VERDICT_POSTS
from tests.e2e.test_checkins import posted
from tests.e2e.test_health import run_posts, setup
from tests.support.harness import Bot

pytestmark = pytest.mark.faults

# fault name -> FakeSlack.inject arguments (the harness's Slack timeout is 3 s; the client
# itself retries 5xx and dropped connections twice, so three in a row reach the scheduler)
FAULTS: dict[str, dict[str, Any]] = {
    "429": {"status": 429, "retry_after": 2, "error": "ratelimited", "times": 2},
    "500": {"status": 500, "times": 3},
    "503": {"status": 503, "times": 3},
    "reset": {"reset": True, "times": 3},
    "slow": {"delay": 3.5, "times": 1},
}


def drive(bot: Bot, runner: Any, rounds: int = 6) -> None:
    for _ in range(rounds):
        bot.clock.advance(timedelta(minutes=5))
        runner.tick()


def first_post_through(bot: Bot, runner: Any, fault: dict[str, Any], *, channel: str,
                       due_in: timedelta) -> None:
    """The first scheduled post in ``channel`` meets ``fault``; Slack then recovers."""
    bot.fake.inject("chat.postMessage", channel=channel, **fault)
    bot.clock.advance(due_in)
    runner.tick()
    bot.fake.wait_idle()  # a slow answer lands (Slack posted it) before the retry
    drive(bot, runner)


def through_every_retry(bot: Bot, runner: Any, *, due_in: timedelta) -> None:
    """The post falls due and is retried through every backoff step until given up."""
    bot.clock.advance(due_in)
    runner.tick()
    drive(bot, runner, rounds=30)
    bot.clock.advance(timedelta(hours=6))
    runner.tick()


def stored(bot: Bot, event_type: str) -> list[dict]:
    return [msg for msg in bot.fake.messages.values()
            if (msg.get("metadata") or {}).get("event_type") == event_type]


def in_channel(bot: Bot, channel: str) -> list[dict]:
    return [msg for (ch, _), msg in bot.fake.messages.items() if ch == channel]


def dms_to(bot: Bot, user: str) -> list[str]:
    return [str(c.args.get("text")) for c in bot.fake.calls_to("chat.postMessage")
            if c.args.get("channel") == user]


@pytest.mark.parametrize("fault", FAULTS)
def test_checkin_is_delivered_once_after_each_fault(bot: Bot, fault: str) -> None:
    posted(bot)
    runner = bot.runner()
    first_post_through(bot, runner, FAULTS[fault], channel="C1", due_in=timedelta(days=14))
    assert len(stored(bot, "engagement_checkin")) == 1
    # the recommendation's replies + the check-in
    assert len([msg for msg in in_channel(bot, "C1") if msg.get("thread_ts")]) == \
        VERDICT_POSTS
    with bot.deps.sessions() as s:
        job = s.query(m.Job).filter_by(kind="checkin_post").order_by(m.Job.id).first()
        assert job.status == "done"
        assert s.query(m.Checkin).filter_by(seq=1).one().status == "posted"
    assert dms_to(bot, "U1") == []  # recovered: nobody needs telling


@pytest.mark.parametrize("fault", FAULTS)
def test_health_check_is_posted_once_after_each_fault(bot: Bot, fault: str) -> None:
    setup(bot)
    runner = bot.runner()
    first_post_through(bot, runner, FAULTS[fault], channel="C7", due_in=timedelta(days=7))
    runs = [msg for msg in in_channel(bot, "C7") if "health_intro" in str(msg.get("blocks"))]
    assert len(runs) == 1


def test_a_checkin_slack_never_takes_is_reported_to_its_owner_once(bot: Bot) -> None:
    posted(bot)
    runner = bot.runner()
    # an error Slack's client does not retry by itself (5xx are, with real sleeps)
    bot.fake.inject("chat.postMessage", channel="C1", error="fatal_error", times=None)
    through_every_retry(bot, runner, due_in=timedelta(days=14))
    with bot.deps.sessions() as s:
        first = s.query(m.Job).filter_by(kind="checkin_post").order_by(m.Job.id).first()
        assert first.status == "failed" and first.attempts == first.max_attempts
        checkins = {c.seq: c.status for c in s.query(m.Checkin)}
    assert checkins == {1: "failed", 2: "scheduled"}  # the next one still comes
    [dm] = dms_to(bot, "U1")
    assert "check-in 1 of 2" in dm and "<#C1>" in dm and "stopped trying" in dm
    assert "fatal_error" in dm  # what Slack said
    assert stored(bot, "engagement_checkin") == []
    # Slack recovers: the second check-in goes out as usual
    bot.fake.clear_faults()
    bot.clock.advance(timedelta(days=28))
    runner.tick()
    assert len(stored(bot, "engagement_checkin")) == 1
    assert len(dms_to(bot, "U1")) == 1


def test_a_health_check_slack_never_takes_keeps_its_cadence_and_tells_the_creator(
        bot: Bot) -> None:
    setup(bot)
    runner = bot.runner()
    bot.fake.inject("chat.postMessage", channel="C7", error="internal_error", times=None)
    through_every_retry(bot, runner, due_in=timedelta(days=7))
    with bot.deps.sessions() as s:
        hc = s.query(m.HealthCheck).one()
        runs = s.query(m.HealthRun).all()
        assert [r.status for r in runs] == ["failed"]
        next_run = hc.next_run_at
    assert next_run is not None and next_run > bot.clock()
    [dm] = dms_to(bot, "U1")
    assert "health check" in dm and "<#C7>" in dm and "next one" in dm
    bot.fake.clear_faults()
    bot.clock.advance(next_run - bot.clock())
    runner.tick()
    assert len(run_posts(bot)) == 1  # the following week's, on time


def test_an_archived_channel_is_told_once_not_twice(bot: Bot) -> None:
    """A channel problem pauses the follow-ups and DMs the owner; the give-up report does
    not add a second message."""
    posted(bot)
    runner = bot.runner()
    bot.fake.add_channel("C1", is_archived=True)
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    assert len(dms_to(bot, "U1")) == 1
