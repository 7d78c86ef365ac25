"""Nothing is lost in a crash between the ack and the post: the real `engagement-bot run`
killed with SIGKILL right after it acked the questionnaire's last step, or a check-in's
answers, posts the verdict (parent and thread) and the comparison exactly once after a
restart, whether or not Slack had taken the post before the process died."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.db import models as m
from bot.db.migrate import upgrade
from bot.db.session import make_engine, make_session_factory
from bot.db.states import AssessmentStatus, JobStatus
from tests.e2e.flow import run_intake
from tests.e2e.test_shutdown import Proc, env_for
from tests.fakeslack.client import SlackSender, fill
from tests.fakeslack.server import FakeSlack
from tests.support import scenarios
from tests.support.harness import Bot

pytestmark = pytest.mark.faults
SECRET = "outbox-signing-secret"
SLOW = 4.0  # seconds the fake sits on the post the process is killed in the middle of


class ProcBot:
    """What the intake flow needs of a bot (its Slack side), for a bot in another process."""

    def __init__(self, slack: SlackSender, fake: FakeSlack) -> None:
        self.slack, self.fake = slack, fake

    last_view = Bot.last_view
    submit = Bot.submit


def start(fake: FakeSlack, url: str) -> tuple[Proc, ProcBot]:
    env = env_for(fake, url, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET,
                  HOST="127.0.0.1", PORT="0", ENGAGEMENT_SCHEDULER_INTERVAL="0.2",
                  ENGAGEMENT_JOB_LEASE="3s", ENGAGEMENT_LEADER_LEASE="2s",
                  ENGAGEMENT_CHECKIN_OFFSETS="1s")
    proc = Proc(["run"], env)
    port = int(proc.wait_for_line(r"listening on http://127\.0\.0\.1:(\d+)/").group(1))
    sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", SECRET,
                         response_url=fake.response_url)
    return proc, ProcBot(sender, fake)


def kill(proc: Proc) -> None:
    proc.popen.kill()
    proc.popen.wait(timeout=10)


def taken(fake: FakeSlack, fault: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while fault.times > 0:
        assert time.monotonic() < deadline, "the bot never made the post"
        time.sleep(0.01)


def markers(fake: FakeSlack, event_type: str) -> Counter:
    """How many messages Slack holds with each payload of ``event_type``."""
    with fake._cond:
        found = [msg["metadata"]["event_payload"] for msg in fake.messages.values()
                 if (msg.get("metadata") or {}).get("event_type") == event_type]
    return Counter(tuple(sorted(p.items())) for p in found)


def wait_until(check: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        found = f"sqlite:///{tmp_path}/outbox.db"
    else:
        found = request.getfixturevalue("pg_cluster").fresh_database()
    upgrade(found)
    return found


def _replies(url: str) -> int:
    from bot.services.assessments import verdict_of
    from bot.views import recommendation as rec_views

    sessions = make_session_factory(make_engine(url))
    with sessions() as s:
        row = s.query(m.Assessment).one()
        return len(rec_views.thread_replies(verdict_of(row), row.id))


@pytest.mark.parametrize("slack_took_it", [False, True], ids=["lost", "taken"])
def test_sigkill_after_the_last_ack_still_posts_the_verdict_once(
        fake_slack: FakeSlack, url: str, slack_took_it: bool) -> None:
    proc, bot = start(fake_slack, url)
    try:
        # Slack sits on the parent post; the process dies meanwhile. "lost": the post never
        # reached Slack (the connection drops); "taken": Slack posted it anyway.
        fault = fake_slack.inject("chat.postMessage", delay=SLOW, reset=not slack_took_it,
                                  when=lambda a: not a.get("thread_ts"))
        body = run_intake(bot, scenarios.answers())  # the last step's ack
        assert body["response_action"] == "update"
        taken(fake_slack, fault)
        kill(proc)
        fake_slack.wait_idle(timeout=SLOW + 5)
        sessions = make_session_factory(make_engine(url))
        with sessions() as s:  # not posted, but not without a job behind it
            row = s.query(m.Assessment).one()
            assert row.status == AssessmentStatus.PENDING_POST
            job = s.query(m.Job).filter_by(kind="assessment_post", ref_id=row.id).one()
            assert job.status in (JobStatus.PENDING, JobStatus.CLAIMED)

        proc, bot = start(fake_slack, url)
        replies = _replies(url)
        wait_until(lambda: sum(markers(fake_slack, "engagement_reply").values()) >= replies)
        time.sleep(1.0)  # anything doubled would have landed by now
        assert list(markers(fake_slack, "engagement_assessment").values()) == [1]
        assert sorted(markers(fake_slack, "engagement_reply").values()) == [1] * replies
        with sessions() as s:
            row = s.query(m.Assessment).one()
            assert row.status == AssessmentStatus.POSTED and row.thread_posted == replies
            assert s.query(m.Job).filter_by(kind="assessment_post").one().status == "done"
            assert s.query(m.Checkin).count() == 1  # its check-ins were scheduled once
    finally:
        kill(proc)


@pytest.mark.parametrize("slack_took_it", [False, True], ids=["lost", "taken"])
def test_sigkill_after_a_checkin_ack_still_posts_the_comparison_once(
        fake_slack: FakeSlack, url: str, slack_took_it: bool) -> None:
    proc, bot = start(fake_slack, url)
    try:
        run_intake(bot, scenarios.answers())
        wait_until(lambda: markers(fake_slack, "engagement_checkin"))  # offsets: 1s
        post = next(c for c in fake_slack.calls_to("chat.postMessage")
                    if (c.args.get("metadata") or {}).get("event_type") == "engagement_checkin")
        checkin_id = str(post.args["metadata"]["event_payload"]["checkin_id"])
        bot.slack.block_action("checkin_open", checkin_id, block_id="checkin_actions",
                               channel_id="C1", message_ts=post.response["ts"], user_id="U1")
        modal = fake_slack.wait_for("views.open", predicate=lambda c: c.args["view"].get(
            "callback_id") == "checkin")[-1].response["view"]
        fault = fake_slack.inject(
            "chat.postMessage", delay=SLOW, reset=not slack_took_it,
            when=lambda a: (a.get("metadata") or {}).get("event_type") == "engagement_comparison")
        values = fill(modal, {"engagement_started": "yes",
                              "symptoms.blocked_on_product": "sometimes"})
        assert bot.slack.view_submission(modal, values).status == 200
        taken(fake_slack, fault)
        kill(proc)
        fake_slack.wait_idle(timeout=SLOW + 5)

        proc, bot = start(fake_slack, url)
        wait_until(lambda: markers(fake_slack, "engagement_comparison"))
        sessions = make_session_factory(make_engine(url))

        def report_done() -> bool:
            with sessions() as s:
                return s.query(m.Job).filter_by(kind="checkin_report").one().status == "done"

        wait_until(report_done)
        time.sleep(1.0)
        assert list(markers(fake_slack, "engagement_comparison").values()) == [1]
    finally:
        kill(proc)
