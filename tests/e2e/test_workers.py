"""Real `engagement-bot worker` processes sharing one database: every due check-in is
posted exactly once, also when a worker is killed with SIGKILL in the middle; the workers
share the workspaces (shards owned by one worker each, moved at once when one dies, shared
again when one joins); a killed and restarted worker posts again within 2 s; and posts
keep to Slack's limits per workspace (the fake's, see tests/fakeslack/plugin.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.db import models as m
from bot.db import queue, shards
from bot.db.migrate import upgrade
from bot.db.session import make_engine, make_session_factory
from tests.fakeslack.server import FakeSlack

EXE = str(Path(sys.executable).with_name("engagement-bot"))
N = 60
KEY = Fernet.generate_key().decode()
pytestmark = pytest.mark.faults  # process faults: SIGKILL, restarts, several workers


def seed(url: str, n: int = N, channels: int = 6, start: int = 0,
         teams: tuple[str, ...] = ("T1",)) -> None:
    """``n`` check-ins due now in each of ``teams``, over ``channels`` channels each."""
    upgrade(url)
    sessions = make_session_factory(make_engine(url))
    now = datetime.now(UTC)
    with sessions.begin() as s:
        for team in teams:
            for i in range(start, start + n):
                a = m.Assessment(team_id=team, user_id="U1", channel_id=f"C{team}{i % channels}",
                                 message_ts=f"1.{i:04d}", engagement=f"E{i}", answers={},
                                 verdict={}, bottleneck_kind="ownership",
                                 model="product_delivery", confidence=0.9, status="posted",
                                 followups_status="active", created_at=now, updated_at=now)
                s.add(a)
                s.flush()
                c = m.Checkin(team_id=team, assessment_id=a.id, seq=1, of_total=1, due_at=now,
                              status="scheduled", created_at=now)
                s.add(c)
                s.flush()
                queue.enqueue(s, team_id=team, kind="checkin_post", due_at=now,
                              idempotency_key=f"checkin_post:{c.id}", ref_id=c.id, now=now)


def install(url: str, teams: tuple[str, ...]) -> None:
    """OAuth installs, one per workspace (the fake tells workspaces apart by token)."""
    from slack_sdk.oauth.installation_store import Installation

    from bot.deps import build_deps
    from bot.settings import Settings

    upgrade(url)
    deps = build_deps(Settings(_env_file=None, SLACK_CLIENT_ID="111.222",
                               SLACK_CLIENT_SECRET="shh", ENGAGEMENT_ENCRYPTION_KEY=KEY,
                               DATABASE_URL=url))
    for team in teams:
        deps.installation_store.save(Installation(
            app_id="A1", enterprise_id=None, team_id=team, bot_token=f"xoxb-{team}-installed",
            bot_id=f"B{team}", bot_user_id="UBOT", bot_scopes="chat:write",
            user_id="UINSTALLER"))


def worker(fake: FakeSlack, url: str, *, oauth: bool = False, **extra: str
           ) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(SLACK_API_URL=fake.base_url, DATABASE_URL=url,
               ENGAGEMENT_SCHEDULER_INTERVAL="0.2", ENGAGEMENT_JOB_LEASE="3s",
               ENGAGEMENT_LEADER_LEASE="10s", LOG_LEVEL="WARNING")
    if oauth:
        env.update(SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="shh",
                   ENGAGEMENT_ENCRYPTION_KEY=KEY)
    else:
        env.update(SLACK_BOT_TOKEN="xoxb-test")
    env.update(extra)
    return subprocess.Popen([EXE, "worker"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def checkin_posts(fake: FakeSlack) -> list:
    return [c for c in fake.calls_to("chat.postMessage")
            if (c.args.get("metadata") or {}).get("event_type") == "engagement_checkin"]


def checkin_ids(fake: FakeSlack) -> Counter:
    return Counter(c.args["metadata"]["event_payload"]["checkin_id"]
                   for c in checkin_posts(fake))


def wait_all(fake: FakeSlack, n: int, timeout: float = 60) -> Counter:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ids = checkin_ids(fake)
        if len(ids) >= n:
            return ids
        time.sleep(0.1)
    return checkin_ids(fake)


def wait_until(cond, timeout: float, what: str) -> float:  # type: ignore[no-untyped-def]
    """Seconds until ``cond()`` held."""
    start = time.monotonic()
    while not cond():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.02)
    return time.monotonic() - start


def stop(*procs: subprocess.Popen) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


def owned_by(url: str) -> Counter:
    """pid -> how many shards its worker owns (None: free)."""
    owners = shards.owners(make_session_factory(make_engine(url)))
    return Counter(int(o.split(":")[1]) if o else None for o in owners.values())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_db(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/shared.db"
    return request.getfixturevalue("pg_cluster").fresh_database()


def test_two_workers_post_each_checkin_exactly_once(fake_slack: FakeSlack, shared_db: str
                                                    ) -> None:
    seed(shared_db)
    a, b = worker(fake_slack, shared_db), worker(fake_slack, shared_db)
    try:
        ids = wait_all(fake_slack, N)
        time.sleep(0.6)  # a few more ticks: nothing may be posted again
        ids = checkin_ids(fake_slack)
    finally:
        stop(a, b)
    assert len(ids) == N and max(ids.values()) == 1
    assert a.returncode == 0 and b.returncode == 0  # SIGTERM: graceful, claims released


TEAMS = tuple(f"T{100 + i}" for i in range(12))


@pytest.mark.rate_limited  # checked below: the in-process fake's per-channel timing is noisy
def test_workers_share_the_workspaces_and_move_a_dead_ones_shards_at_once(
        fake_slack: FakeSlack, shared_db: str) -> None:
    """Three workers, twelve workspaces: each shard has one owner and the shares are even;
    every check-in is posted once; SIGKILL one and the two others own all shards within
    2 s and post everything due after it once; a fourth joins and gets its share."""
    fake_slack.rate_limit_per_channel(1 / 0.98)  # Slack's limit, less timing noise
    install(shared_db, TEAMS)
    seed(shared_db, n=8, channels=4, teams=TEAMS)
    procs = [worker(fake_slack, shared_db, oauth=True) for _ in range(3)]
    try:
        pids = {p.pid for p in procs}
        wait_until(lambda: sorted(owned_by(shared_db).items(), key=str) and
                   set(owned_by(shared_db)) == pids and
                   sorted(owned_by(shared_db).values()) == [21, 21, 22], 20, "even shares")
        ids = wait_all(fake_slack, 8 * len(TEAMS), timeout=60)
        assert len(ids) == 8 * len(TEAMS) and max(ids.values()) == 1
        victim = procs[0]
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        moved = wait_until(lambda: set(owned_by(shared_db)) == pids - {victim.pid}, 5,
                           "the dead worker's shards moved")
        assert moved <= 2.0, moved
        assert sorted(owned_by(shared_db).values()) == [32, 32]
        seed(shared_db, n=4, channels=4, start=100, teams=TEAMS)
        ids = wait_all(fake_slack, 12 * len(TEAMS), timeout=60)
        assert len(ids) == 12 * len(TEAMS) and max(ids.values()) == 1
        joiner = worker(fake_slack, shared_db, oauth=True)
        procs.append(joiner)
        wait_until(lambda: sorted(owned_by(shared_db).values()) == [21, 21, 22] and
                   joiner.pid in owned_by(shared_db), 20, "the new worker's share")
        seed(shared_db, n=2, channels=2, start=200, teams=TEAMS)
        ids = wait_all(fake_slack, 14 * len(TEAMS), timeout=60)
        assert len(ids) == 14 * len(TEAMS) and max(ids.values()) == 1
    finally:
        stop(*procs)
    # Channel 429s only, and few (8 and 12 of 168 posts seen in one run of the whole
    # suite, 0 to 1 alone): a shard's new owner does not know when the old one last posted
    # in each channel, and a worker giving a shard up still finishes the posts it has in
    # flight (docs/reliability.md, known gaps); and the fake shares this process's GIL
    assert set(fake_slack.limited) <= {("chat.postMessage", "channel")}, fake_slack.limited
    assert fake_slack.rate_limited <= 20, fake_slack.limited
    assert [p.returncode for p in procs[1:]] == [0, 0, 0]
    assert set(owned_by(shared_db)) == {None}  # a clean stop hands every shard back


@pytest.mark.rate_limited  # checked below
def test_sigkill_and_restart_posts_again_within_two_seconds(fake_slack: FakeSlack,
                                                            shared_db: str) -> None:
    """`engagement-bot worker` killed with SIGKILL mid-drain and started again: the new
    process posts the next due check-in within 2 s of being started (not after a lease),
    and every check-in is posted once."""
    fake_slack.rate_limit_per_channel(1 / 0.98)
    seed(shared_db, n=32, channels=4)  # 8 a channel: the drain takes about 8 s
    a = worker(fake_slack, shared_db)
    b = None
    try:
        wait_until(lambda: len(checkin_ids(fake_slack)) >= 8, 30, "the first posts")
        a.send_signal(signal.SIGKILL)
        a.wait(timeout=10)
        # what merely starting Python with the worker's imports costs on this machine now
        # (about 1 s on a quiet 2-core VM, two or three times that under a loaded CI run)
        boot = time.monotonic()
        subprocess.run([sys.executable, "-c", "import bot.cli, bot.db.migrate, "
                        "bot.scheduling.runner"], check=True)
        boot = time.monotonic() - boot
        before = len(checkin_posts(fake_slack))
        started = time.monotonic()
        b = worker(fake_slack, shared_db)
        wait_until(lambda: len(checkin_posts(fake_slack)) > before, 10, "a post after restart")
        first = min(c.received_at for c in checkin_posts(fake_slack)[before:]) - started
        # the target: posting within 2 s of the restart, beyond the interpreter's own start
        # (the old leader lease made it 30 s)
        assert first - boot <= 2.0, (f"first post {first:.2f} s after restart ({boot:.2f} s "
                                     "of it starting Python)")
        ids = wait_all(fake_slack, 32, timeout=60)
    finally:
        stop(*(p for p in (a, b) if p is not None))
    assert len(ids) == 32, f"lost {32 - len(ids)}"
    assert max(ids.values()) == 1, f"duplicated: {[k for k, v in ids.items() if v > 1]}"
    assert fake_slack.rate_limited <= 4, fake_slack.limited  # the restart forgets the turns


@pytest.mark.slack_limits(4)  # 1,200 posts a minute per workspace, a burst of 10
def test_a_busy_workspace_is_paced_as_a_whole(fake_slack: FakeSlack, tmp_path) -> None:
    """80 check-ins due at once in one workspace, 80 channels: paced at the workspace's
    known limit, they drain in about the floor that limit sets, with no 429 (the fixture
    fails the test on any)."""
    url = f"sqlite:///{tmp_path}/one.db"
    install(url, ("T7",))
    seed(url, n=80, channels=80, teams=("T7",))
    p = worker(fake_slack, url, oauth=True, ENGAGEMENT_WORKSPACE_POSTS_PER_MINUTE="1200")
    try:
        ids = wait_all(fake_slack, 80, timeout=60)
    finally:
        stop(p)
    assert len(ids) == 80 and max(ids.values()) == 1
    times = sorted(c.received_at for c in checkin_posts(fake_slack))
    floor = (80 - 10) / 20  # the fake's burst of 10, then 20 a second
    assert floor * 0.9 <= times[-1] - times[0] <= floor * 2 + 1


@pytest.mark.rate_limited
def test_a_workspace_of_unknown_limit_is_paced_from_its_first_429(fake_slack: FakeSlack,
                                                                 tmp_path) -> None:
    """The bot told no workspace limit: the first 429 paces the workspace as a whole, so
    the waiting channels do not each retry into it (about 21 refused requests a post,
    before)."""
    url = f"sqlite:///{tmp_path}/one.db"
    install(url, ("T8",))
    seed(url, n=40, channels=40, teams=("T8",))
    p = worker(fake_slack, url, oauth=True, ENGAGEMENT_WORKSPACE_POSTS_PER_MINUTE="0")
    try:
        ids = wait_all(fake_slack, 40, timeout=60)
    finally:
        stop(p)
    assert len(ids) == 40 and max(ids.values()) == 1
    assert fake_slack.limited[("chat.postMessage", "workspace")] <= 10, fake_slack.limited


def test_kill_9_mid_fanout_still_exactly_once(fake_slack: FakeSlack, shared_db: str) -> None:
    seed(shared_db)
    fake_slack.inject("chat.postMessage", delay=0.05, times=None)  # keep posts in flight
    a = worker(fake_slack, shared_db)
    deadline = time.monotonic() + 30
    while len(checkin_ids(fake_slack)) < 10 and time.monotonic() < deadline:
        time.sleep(0.02)
    a.send_signal(signal.SIGKILL)
    a.wait(timeout=10)
    fake_slack.clear_faults()
    b = worker(fake_slack, shared_db)
    try:
        ids = wait_all(fake_slack, N, timeout=60)
    finally:
        stop(b)
    assert len(ids) == N, f"lost {N - len(ids)}"
    assert max(ids.values()) == 1, f"duplicated: {[k for k, v in ids.items() if v > 1]}"


@pytest.mark.postgres
@pytest.mark.faults
def test_postgres_restart_under_load_still_exactly_once(fake_slack: FakeSlack, pg_cluster
                                                        ) -> None:
    if pg_cluster.url and not getattr(pg_cluster, "_dir", None) and pg_cluster.url == \
            os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("cannot restart an external TEST_DATABASE_URL server")
    url = pg_cluster.fresh_database()
    seed(url, n=120)
    fake_slack.inject("chat.postMessage", delay=0.02, times=None)
    a, b = worker(fake_slack, url), worker(fake_slack, url)
    try:
        deadline = time.monotonic() + 30
        while len(checkin_ids(fake_slack)) < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
        pg_cluster.restart()
        fake_slack.clear_faults()
        ids = wait_all(fake_slack, 120, timeout=90)
    finally:
        stop(a, b)
    assert len(ids) == 120, f"lost {120 - len(ids)}"
    assert max(ids.values()) == 1


def test_a_worker_reports_its_jobs_slack_calls_shards_and_backlog(fake_slack: FakeSlack,
                                                                  tmp_path) -> None:
    """``ENGAGEMENT_METRICS_PORT``: what became of the jobs, every Slack call by outcome
    (a 429 too), the shards it owns, and the backlog read from the database."""
    import socket

    from tests.e2e.test_web_front import sample, scrape

    url = f"sqlite:///{tmp_path}/metrics.db"
    seed(url, n=6, channels=3)
    fake_slack.inject("chat.postMessage", error="ratelimited", status=429, retry_after=0.2)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = worker(fake_slack, url, HOST="127.0.0.1", ENGAGEMENT_METRICS_PORT=str(port))
    try:
        assert len(wait_all(fake_slack, 6)) == 6
        text = ""

        def counted() -> bool:
            nonlocal text
            try:
                text = scrape(port)
            except OSError:
                return False
            return sample(text, "engagement_jobs_total", kind="checkin_post",
                          result="done") == 6
        wait_until(counted, 20, "the six check-ins counted done")
    finally:
        stop(p)
    assert sample(text, "engagement_jobs_total", kind="checkin_post", result="deferred") >= 1
    assert sample(text, "engagement_jobs_total", kind="checkin_post", result="failed") == 0
    assert sample(text, "engagement_slack_calls_total", method="chat.postMessage",
                  outcome="ratelimited") == 1
    assert sample(text, "engagement_slack_calls_total", method="chat.postMessage",
                  outcome="ok") == 6
    assert sample(text, "engagement_job_seconds_count", kind="checkin_post") >= 7
    assert sample(text, "engagement_job_lateness_seconds_count", kind="checkin_post") >= 7
    assert sample(text, "engagement_scheduler_shards_owned") == shards.SHARDS
    assert sample(text, "engagement_scheduler_members") == 1
    assert "# TYPE engagement_jobs_due gauge" in text
    assert sample(text, "engagement_jobs_due", kind="checkin_post") == 0
