"""Housekeeping end to end, with the test clock, on SQLite and PostgreSQL: the daily job
purges finished jobs and processed-request keys after their retention, is scheduled when a
scheduler starts (once, however many start) and keeps going across restarts; an
uninstalled workspace's data is purged after ENGAGEMENT_PURGE_UNINSTALLED_AFTER unless it
is installed again first."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from urllib.request import Request, urlopen

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select, text

from bot.db import models as m
from bot.db import queue
from tests.e2e.test_health import setup as set_up_health_check
from tests.e2e.test_home import posted
from tests.support.harness import TOKEN, Bot

KIND = "housekeeping"
DAY = timedelta(days=1)


def housekeeping_jobs(bot: Bot) -> list[tuple[str, str]]:
    with bot.deps.sessions() as s:
        return [(j.idempotency_key, j.status) for j in s.scalars(
            select(m.Job).where(m.Job.kind == KIND).order_by(m.Job.due_at))]


def start_housekeeping(bot: Bot) -> None:
    """What a starting scheduler does (``bot.cli.start_scheduler``), minus the clock."""
    from bot.services import housekeeping

    housekeeping.schedule(bot.deps)


def _job(s, key: str, status: str, age: timedelta, now) -> None:
    s.add(m.Job(team_id="T1", kind="checkin_nudge", ref_id=1, due_at=now - age,
                status=status, idempotency_key=key, attempts=1, max_attempts=8,
                created_at=now - age, updated_at=now - age))


def test_finished_jobs_and_request_keys_go_after_their_retention(db_bot: Bot) -> None:
    bot, now = db_bot, db_bot.clock()
    with bot.deps.sessions.begin() as s:
        for status, ages in (("done", (31, 29)), ("cancelled", (31, 29)),
                             ("failed", (91, 31)), ("pending", (400,))):
            for days in ages:
                _job(s, f"{status}-{days}", status, timedelta(days=days), now)
        for days in (8, 6):
            assert queue.remember_once(s, f"event:Ev{days}", "T1", now=now - DAY * days)
    start_housekeeping(bot)
    runner = bot.runner()
    runner.tick()
    with bot.deps.sessions() as s:
        left = set(s.scalars(select(m.Job.idempotency_key).where(m.Job.kind != KIND)))
        keys = set(s.scalars(select(m.ProcessedRequest.key)))
    assert left == {"done-29", "cancelled-29", "failed-31", "pending-400"}
    assert keys == {"event:Ev6"}
    today, tomorrow = now.date(), (now + DAY).date()
    assert housekeeping_jobs(bot) == [(f"{KIND}:{today}", "done"),
                                      (f"{KIND}:{tomorrow}", "pending")]
    # daily: nothing more the same day, the next run a day later
    bot.clock.advance(timedelta(hours=23))
    runner.tick()
    assert [s for _, s in housekeeping_jobs(bot)] == ["done", "pending"]
    bot.clock.advance(timedelta(hours=1))
    runner.tick()
    assert [s for _, s in housekeeping_jobs(bot)] == ["done", "done", "pending"]


def _wait_for(predicate, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_scheduled_on_start_once_and_kept_across_restarts(db_bot: Bot) -> None:
    """Two schedulers start at once (``engagement-bot worker`` twice), then restart, then
    a day passes: one run a day, one job waiting, never two."""
    from bot.cli import start_scheduler

    bot = db_bot
    a, b = start_scheduler(bot.deps), start_scheduler(bot.deps)
    try:
        _wait_for(lambda: [s for _, s in housekeeping_jobs(bot)] == ["done", "pending"])
    finally:
        a.stop()
        b.stop()
    c = start_scheduler(bot.deps)  # a restart: the chain is there, nothing is added
    time.sleep(0.3)
    c.stop()
    assert [s for _, s in housekeeping_jobs(bot)] == ["done", "pending"]
    bot.clock.advance(DAY)
    d = start_scheduler(bot.deps)
    try:
        _wait_for(lambda: [s for _, s in housekeeping_jobs(bot)] == ["done", "done",
                                                                     "pending"])
    finally:
        d.stop()
    days = [key for key, _ in housekeeping_jobs(bot)]
    assert len(days) == len(set(days)) == 3


# ------------------------------------------------------------------ uninstalled workspaces

def team_rows(bot: Bot, team_id: str) -> dict[str, int]:
    counts = {}
    with bot.deps.sessions() as s:
        for model in (m.Assessment, m.Checkin, m.HealthCheck, m.Job, m.ProcessedRequest,
                      m.Workspace):
            counts[model.__tablename__] = s.scalar(
                select(func.count()).select_from(model).where(model.team_id == team_id))
    return counts


def _other_team(bot: Bot) -> None:
    now = bot.clock()
    with bot.deps.sessions.begin() as s:
        s.add(m.Assessment(team_id="T9", user_id="U9", channel_id="C9", engagement="Other",
                           answers={}, verdict={}, bottleneck_kind="ownership",
                           model="product_delivery", confidence=0.5, created_at=now,
                           updated_at=now))


def _uninstall(bot: Bot, event: dict | None = None) -> None:
    assert bot.slack.event(event or {"type": "app_uninstalled"}).status == 200
    with bot.deps.sessions() as s:
        assert s.get(m.Workspace, "T1").uninstalled_at == bot.clock()


def test_an_uninstalled_workspace_is_purged_after_the_retention(db_bot: Bot) -> None:
    bot = db_bot
    posted(bot)  # an assessment with its check-ins and jobs
    set_up_health_check(bot)
    _other_team(bot)
    _uninstall(bot)
    bot.fake.revoked_tokens.add(TOKEN)  # Slack revokes the token of an uninstalled app
    before = team_rows(bot, "T1")
    assert before["assessments"] == 1 and before["health_checks"] == 1
    start_housekeeping(bot)
    runner = bot.runner()
    bot.clock.advance(DAY * 29)
    runner.tick()
    kept = ("assessments", "checkins", "health_checks", "workspaces")
    within = team_rows(bot, "T1")  # within the 30 days: kept (but request keys are 7 days)
    assert {k: within[k] for k in kept} == {k: before[k] for k in kept}
    bot.clock.advance(DAY * 2)
    runner.tick()
    assert team_rows(bot, "T1") == dict.fromkeys(before, 0)
    assert team_rows(bot, "T9")["assessments"] == 1  # another workspace's data stays


def test_a_workspace_that_reinstalls_first_keeps_its_data(db_bot: Bot) -> None:
    """One workspace, one token: reinstalled with the token the bot runs with, auth.test
    names the team again, so its data stays and the uninstall date is cleared."""
    bot = db_bot
    posted(bot)
    # a user's token revoked is not the app leaving: no purge is due for it
    assert bot.slack.event({"type": "tokens_revoked",
                            "tokens": {"oauth": ["U1"], "bot": []}}).status == 200
    with bot.deps.sessions() as s:
        row = s.get(m.Workspace, "T1")
        assert row is None or row.uninstalled_at is None
    _uninstall(bot, {"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}})
    start_housekeeping(bot)
    runner = bot.runner()
    bot.clock.advance(DAY * 31)
    runner.tick()
    assert team_rows(bot, "T1")["assessments"] == 1
    with bot.deps.sessions() as s:
        assert s.get(m.Workspace, "T1").uninstalled_at is None


KEY = Fernet.generate_key().decode()
OAUTH = pytest.mark.settings(SLACK_BOT_TOKEN="", SLACK_CLIENT_ID="111.222",
                             SLACK_CLIENT_SECRET="shh", ENGAGEMENT_ENCRYPTION_KEY=KEY)


def install(bot: Bot, code: str) -> None:
    page = urlopen(bot.server.url + "/slack/install", timeout=10).read().decode()
    state = re.search(r"state=([A-Za-z0-9_\-]+)", page).group(1)
    req = Request(f"{bot.server.url}/slack/oauth_redirect?code={code}&state={state}",
                  headers={"Cookie": f"slack-app-oauth-state={state}"})
    with urlopen(req, timeout=10) as resp:
        assert resp.status == 200


def _t2_data(bot: Bot) -> None:
    now = bot.clock()
    with bot.deps.sessions.begin() as s:
        s.add(m.Assessment(team_id="T2", user_id="U2", channel_id="C2", engagement="T2's",
                           answers={}, verdict={}, bottleneck_kind="ownership",
                           model="product_delivery", confidence=0.5, created_at=now,
                           updated_at=now))


@OAUTH
def test_multi_workspace_purge_and_reinstall(db_bot: Bot) -> None:
    """OAuth: T2 installs, uninstalls, and is purged 30 days on; T3 uninstalls and
    reinstalls through OAuth, which clears the date at once: its data stays."""
    bot = db_bot
    assert bot.deps.settings.oauth
    for team in ("T2", "T3"):
        install(bot, f"{team}-code")
    _t2_data(bot)
    with bot.deps.sessions.begin() as s:
        s.execute(text("UPDATE assessments SET team_id = 'T3' WHERE id = (SELECT min(id) "
                       "FROM assessments)"))
    _t2_data(bot)
    for team in ("T2", "T3"):
        assert bot.slack.event({"type": "app_uninstalled"}, team_id=team).status == 200
    install(bot, "T3-code")  # back before the 30 days
    with bot.deps.sessions() as s:
        assert s.get(m.Workspace, "T3").uninstalled_at is None
        assert s.get(m.Workspace, "T2").uninstalled_at is not None
    start_housekeeping(bot)
    runner = bot.runner()
    bot.clock.advance(DAY * 31)
    runner.tick()  # the job has no workspace: it runs though no token is installed for ""
    assert team_rows(bot, "T2")["assessments"] == 0
    assert team_rows(bot, "T2")["workspaces"] == 0
    assert team_rows(bot, "T3")["assessments"] == 1
    assert [s for _, s in housekeeping_jobs(bot)] == ["done", "pending"]
