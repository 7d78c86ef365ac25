from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.db import queue
from bot.db.models import Job
from bot.db.session import make_engine, make_session_factory

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]


def factory(url: str):
    return make_session_factory(make_engine(url))


def add_jobs(sessions, n: int, due: datetime = T0) -> None:
    with sessions.begin() as s:
        for i in range(n):
            queue.enqueue(s, team_id="T1", kind="test", due_at=due, idempotency_key=f"k{i}",
                          ref_id=i, now=T0)


def test_enqueue_is_idempotent(db_url: str) -> None:
    sessions = factory(db_url)
    add_jobs(sessions, 3)
    add_jobs(sessions, 3)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Job)) == 3


def test_claims_only_due_jobs_and_reports_lateness(db_url: str) -> None:
    sessions = factory(db_url)
    add_jobs(sessions, 2, due=T0 + timedelta(hours=1))
    assert queue.claim_due(sessions, now=T0, worker_id="w", lease=timedelta(minutes=1),
                           limit=10) == []
    later = T0 + timedelta(hours=3)
    claimed = queue.claim_due(sessions, now=later, worker_id="w", lease=timedelta(minutes=1),
                              limit=10)
    assert len(claimed) == 2 and all(c.late_by == timedelta(hours=2) for c in claimed)
    # claimed jobs are not claimable by another worker while the lease holds
    assert queue.claim_due(sessions, now=later, worker_id="x", lease=timedelta(minutes=1),
                           limit=10) == []


def test_expired_lease_is_reclaimed_and_only_owner_completes(db_url: str) -> None:
    sessions = factory(db_url)
    add_jobs(sessions, 1)
    [job] = queue.claim_due(sessions, now=T0, worker_id="dead", lease=timedelta(minutes=1),
                            limit=10)
    after = T0 + timedelta(minutes=2)
    [again] = queue.claim_due(sessions, now=after, worker_id="alive",
                              lease=timedelta(minutes=1), limit=10)
    assert again.id == job.id and again.attempts == 2
    with sessions.begin() as s:
        assert not queue.complete(s, job.id, "dead")
        assert queue.complete(s, job.id, "alive")


def test_fail_retries_then_gives_up(db_url: str) -> None:
    sessions = factory(db_url)
    with sessions.begin() as s:
        queue.enqueue(s, team_id="T1", kind="test", due_at=T0, idempotency_key="x", now=T0,
                      max_attempts=2)
    now = T0
    for expected in ("pending", "failed"):
        [job] = queue.claim_due(sessions, now=now, worker_id="w", lease=timedelta(minutes=1),
                                limit=1)
        now += timedelta(minutes=5)
        with sessions.begin() as s:
            queue.fail(s, job.id, "w", "boom", retry_at=now)
        with sessions() as s:
            assert s.get(Job, job.id).status == expected


def test_release_hands_claims_back(db_url: str) -> None:
    sessions = factory(db_url)
    add_jobs(sessions, 4)
    queue.claim_due(sessions, now=T0, worker_id="w", lease=timedelta(hours=1), limit=10)
    with sessions.begin() as s:
        assert queue.release(s, "w") == 4
    assert len(queue.claim_due(sessions, now=T0, worker_id="v", lease=timedelta(hours=1),
                               limit=10)) == 4


def test_remember_once(db_url: str) -> None:
    sessions = factory(db_url)
    with sessions.begin() as s:
        assert queue.remember_once(s, "event:Ev1", "T1", now=T0)
    with sessions.begin() as s:
        assert not queue.remember_once(s, "event:Ev1", "T1", now=T0)


def run_workers(url: str, out: Path, n: int, now: datetime, *extra: str) -> None:
    procs = [subprocess.Popen([sys.executable, "-m", "tests.db.claim_worker", url, f"w{i}",
                               str(out), now.isoformat(), *extra], cwd=REPO)
             for i in range(n)]
    for p in procs:
        p.wait(timeout=120)


def test_two_processes_deliver_each_job_exactly_once(db_url: str, tmp_path: Path) -> None:
    sessions = factory(db_url)
    add_jobs(sessions, 300)
    out = tmp_path / "deliveries"
    run_workers(db_url, out, 3, T0)
    counts = Counter(out.read_text().split())
    assert len(counts) == 300 and max(counts.values()) == 1


def test_kill_9_mid_claim_then_lease_expiry(db_url: str, tmp_path: Path) -> None:
    sessions = factory(db_url)
    add_jobs(sessions, 40)
    out = tmp_path / "deliveries"
    run_workers(db_url, out, 1, T0, "--die-after-claim")  # claims 7, dies without delivering
    with sessions() as s:
        assert s.scalar(select(func.count()).where(Job.status == "claimed")) == 7
    run_workers(db_url, out, 2, T0)  # lease still held: the 7 wait
    assert len(out.read_text().split()) == 33
    run_workers(db_url, out, 2, T0 + timedelta(minutes=10))  # lease expired: reclaimed
    counts = Counter(out.read_text().split())
    assert len(counts) == 40 and max(counts.values()) == 1
