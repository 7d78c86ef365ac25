"""A retry's marker lookup that Slack rate-limits is tried later, never skipped: posting
without knowing whether the first attempt reached Slack is how a post is made twice."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select

from bot.db import models as m
from tests.e2e.test_checkins import checkin_posts, posted
from tests.support.harness import Bot


def test_a_429_on_the_marker_lookup_defers_the_retry_instead_of_posting(bot: Bot) -> None:
    posted(bot)
    runner = bot.runner()
    # the first attempt reaches Slack, which answers after the client gave up
    bot.fake.inject("chat.postMessage", delay=3.5, times=1, channel="C1")
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    bot.fake.wait_idle()
    assert len(checkin_posts(bot)) == 1
    # the retry looks for its marker in the thread: Slack says 429; the next try comes
    # before its Retry-After is over, and is held back without asking Slack again
    bot.fake.inject("conversations.replies", status=429, retry_after=1, times=1)
    for _ in range(2):
        bot.clock.advance(timedelta(minutes=5))
        runner.tick()
        with bot.deps.sessions() as s:
            job = s.scalar(select(m.Job).where(m.Job.kind == "checkin_post",
                                               m.Job.status == "pending"))
        assert job is not None and "rate limited" in str(job.last_error)
        assert len(checkin_posts(bot)) == 1  # not posted anyway
    assert len([c for c in bot.fake.calls if c.method == "conversations.replies"]) == 1
    time.sleep(1.1)  # the method's Retry-After, in Slack's (real) seconds
    bot.clock.advance(timedelta(minutes=5))
    runner.tick()  # the lookup answers: the earlier post is found
    assert len(checkin_posts(bot)) == 1
    with bot.deps.sessions() as s:
        assert s.scalar(select(m.Checkin.status).where(m.Checkin.seq == 1)) == "posted"
