"""Queue semantics on both databases, in one process (processes: test_workers.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import queue
from bot.db.models import Job, ProcessedRequest

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
SEC = timedelta(seconds=1)
Sessions = sessionmaker[Session]


def add(sessions: Sessions, n: int, due: datetime = T0, *, kind: str = "test",
        team: str = "T1", prefix: str = "k", **kw: Any) -> None:
    with sessions.begin() as s:
        for i in range(n):
            queue.enqueue(s, team_id=team, kind=kind, due_at=due,
                          idempotency_key=f"{prefix}{i}", ref_id=i, now=T0 - MIN, **kw)


def claim(sessions: Sessions, now: datetime = T0, worker: str = "w", limit: int = 100,
          lease: timedelta = MIN) -> list[queue.ClaimedJob]:
    return queue.claim_due(sessions, now=now, worker_id=worker, lease=lease, limit=limit)


def job(sessions: Sessions, job_id: int) -> Job:
    with sessions() as s:
        row = s.get(Job, job_id)
        assert row is not None
        return row


def statuses(sessions: Sessions) -> dict[str, int]:
    with sessions() as s:
        rows = s.execute(select(Job.status, func.count()).group_by(Job.status))
        return {status: count for status, count in rows}


def race(n: int, fn: Callable[[int], Any]) -> list[Any]:
    """Run fn(i) in n threads released at the same moment; their results in order."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = fn(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    return results


# ------------------------------------------------------------------------- enqueue
def test_enqueue_returns_the_job_then_none_for_the_same_key(session_factory: Sessions
                                                            ) -> None:
    with session_factory.begin() as s:
        first = queue.enqueue(s, team_id="T1", kind="checkin_post", due_at=T0,
                              idempotency_key="checkin_post:1", ref_id=1,
                              payload={"a": [1, "b"]}, now=T0)
        assert first is not None and first.id and first.status == "pending"
        assert queue.enqueue(s, team_id="T1", kind="checkin_post", due_at=T0 + MIN,
                             idempotency_key="checkin_post:1", now=T0) is None
    # also in a later transaction, and whatever state the first one is in
    [c] = claim(session_factory)
    assert c.payload == {"a": [1, "b"]} and c.idempotency_key == "checkin_post:1"
    with session_factory.begin() as s:
        assert queue.complete(s, c.id, "w", now=T0)
        assert queue.enqueue(s, team_id="T1", kind="checkin_post", due_at=T0,
                             idempotency_key="checkin_post:1", now=T0) is None
    assert statuses(session_factory) == {"done": 1}


def test_concurrent_enqueue_of_one_key_makes_one_job(session_factory: Sessions) -> None:
    def go(i: int) -> bool:
        with session_factory.begin() as s:
            return queue.enqueue(s, team_id="T1", kind="t", due_at=T0, idempotency_key="same",
                                 now=T0, payload={"by": i}) is not None

    assert sorted(race(6, go)) == [False] * 5 + [True]
    assert statuses(session_factory) == {"pending": 1}


def test_times_come_back_as_utc(session_factory: Sessions) -> None:
    from zoneinfo import ZoneInfo

    local = datetime(2026, 3, 1, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # 09:00 UTC
    add(session_factory, 1, due=local)
    [c] = claim(session_factory)
    assert c.due_at == T0 and c.due_at.tzinfo is not None and c.due_at.utcoffset() == MIN * 0
    with session_factory() as s, pytest.raises(Exception, match="naive"):
        queue.enqueue(s, team_id="T1", kind="t", due_at=datetime(2026, 3, 1),
                      idempotency_key="naive", now=T0)


# ------------------------------------------------------------------------- claim
def test_claims_only_due_jobs_oldest_first_with_lateness(session_factory: Sessions) -> None:
    add(session_factory, 2, due=T0 + timedelta(hours=1), prefix="later")
    add(session_factory, 3, due=T0 - timedelta(hours=2), prefix="early")
    add(session_factory, 1, due=T0, prefix="now")
    got = claim(session_factory, limit=10, lease=timedelta(hours=2))
    assert [c.idempotency_key for c in got] == ["early0", "early1", "early2", "now0"]
    assert [c.late_by for c in got] == [timedelta(hours=2)] * 3 + [timedelta(0)]
    assert all(c.attempts == 1 and not c.is_retry for c in got)
    assert all(c.lease_until == T0 + timedelta(hours=2) for c in got)
    # nothing else is due yet; claimed jobs are not handed out again while leased
    assert claim(session_factory, worker="x", now=T0 + timedelta(seconds=30)) == []
    later = claim(session_factory, worker="x", now=T0 + timedelta(hours=1), lease=MIN * 90)
    assert sorted(c.idempotency_key for c in later) == ["later0", "later1"]


def test_a_horizon_claims_jobs_falling_due_just_after_now(session_factory: Sessions) -> None:
    ms = timedelta(milliseconds=1)
    add(session_factory, 1, due=T0 + 40 * ms, prefix="soon")
    add(session_factory, 1, due=T0 + 60 * ms, prefix="later")
    assert claim(session_factory) == []
    got = queue.claim_due(session_factory, now=T0, worker_id="w", lease=MIN, limit=10,
                          horizon=50 * ms)
    assert [(c.idempotency_key, c.late_by) for c in got] == [("soon0", timedelta(0))]
    assert got[0].lease_until == T0 + MIN  # the lease counts from now, not the horizon


def test_limit_and_batches_cover_everything_once(session_factory: Sessions) -> None:
    add(session_factory, 25)
    seen: list[int] = []
    while batch := claim(session_factory, limit=7, lease=timedelta(hours=1)):
        assert len(batch) <= 7
        seen += [c.id for c in batch]
    assert len(seen) == len(set(seen)) == 25
    assert claim(session_factory, limit=0) == []


def test_claim_inside_callers_session(session_factory: Sessions) -> None:
    add(session_factory, 2)
    with session_factory.begin() as s:
        got = queue.claim_due(s, now=T0, worker_id="w", lease=MIN, limit=10)
        assert len(got) == 2
    assert statuses(session_factory) == {"claimed": 2}
    with session_factory() as s:  # rolled back with the caller's transaction
        assert queue.claim_due(s, now=T0 + MIN * 2, worker_id="v", lease=MIN, limit=10)
        s.rollback()
    assert {job(session_factory, c.id).lease_owner for c in got} == {"w"}


def test_concurrent_claims_never_share_a_job(session_factory: Sessions) -> None:
    add(session_factory, 120)

    def go(i: int) -> list[int]:
        mine: list[int] = []
        while batch := claim(session_factory, worker=f"w{i}", limit=3):
            mine += [c.id for c in batch]
        return mine

    results = race(4, go)
    everything = [i for r in results for i in r]
    assert len(everything) == len(set(everything)) == 120


# ------------------------------------------------------------------------- leases
def test_expired_lease_is_reclaimed_and_only_the_owner_finishes(session_factory: Sessions
                                                                 ) -> None:
    add(session_factory, 1)
    [c] = claim(session_factory, worker="dead")
    assert claim(session_factory, worker="alive", now=T0 + MIN) == []  # lease_until == now
    [again] = claim(session_factory, worker="alive", now=T0 + MIN * 2)
    assert again.id == c.id and again.attempts == 2 and again.is_retry
    assert again.late_by == MIN * 2
    with session_factory.begin() as s:
        assert not queue.complete(s, c.id, "dead", now=T0)
        assert not queue.fail(s, c.id, "dead", "late", retry_at=T0)
        assert queue.complete(s, c.id, "alive", now=T0 + MIN * 2)
        assert not queue.complete(s, c.id, "alive", now=T0 + MIN * 2)  # only once
    row = job(session_factory, c.id)
    assert (row.status, row.done_at, row.lease_owner) == ("done", T0 + MIN * 2, None)


def test_a_job_born_claimed_is_its_writers_until_the_lease_runs_out(
        session_factory: Sessions) -> None:
    """An outbox job written already claimed (the fast path, no claim between the write
    and the post) is nobody else's while its writer lives, and a retry once it died."""
    with session_factory.begin() as s:
        held = queue.enqueue_held(s, team_id="T1", kind="test", due_at=T0 + SEC * 10,
                                  idempotency_key="outbox:1", ref_id=1, now=T0, lease=MIN)
        assert held is not None and held.worker.startswith("web:")
        assert (held.job.attempts, held.job.is_retry, held.job.lease_until) == (
            1, False, T0 + MIN)
        # the key is taken: a second write is nothing, whoever writes it
        assert queue.enqueue_held(s, team_id="T1", kind="test", due_at=T0,
                                  idempotency_key="outbox:1", now=T0, lease=MIN) is None
    # past its due time, before its lease: neither the scheduler nor a click takes it
    assert claim(session_factory, now=T0 + SEC * 30) == []
    with session_factory.begin() as s:
        assert queue.claim_key(s, "outbox:1", now=T0 + SEC * 30, worker_id="click",
                               lease=MIN) is None
    # the writer died: after its lease, a retry that knows it is one
    [again] = claim(session_factory, now=T0 + MIN * 2, worker="scheduler")
    assert again.id == held.job.id and again.attempts == 2 and again.is_retry
    with session_factory.begin() as s:
        assert not queue.complete(s, held.job.id, held.worker, now=T0 + MIN * 2)
        assert queue.complete(s, again.id, "scheduler", now=T0 + MIN * 2)


def test_claimed_by_needs_its_lease(session_factory: Sessions) -> None:
    with session_factory.begin() as s, pytest.raises(ValueError, match="together"):
        queue.enqueue(s, team_id="T1", kind="test", due_at=T0, idempotency_key="x", now=T0,
                      claimed_by="w")


def test_extend_lease_keeps_a_long_job(session_factory: Sessions) -> None:
    add(session_factory, 2)
    a, b = claim(session_factory, worker="slow")
    with session_factory.begin() as s:
        assert queue.extend_lease(s, "slow", until=T0 + MIN * 10, job_ids=[a.id]) == 1
        assert queue.extend_lease(s, "other", until=T0 + MIN * 10) == 0
    [stolen] = claim(session_factory, worker="x", now=T0 + MIN * 5)
    assert stolen.id == b.id


def test_a_job_that_keeps_killing_its_worker_ends_failed(session_factory: Sessions) -> None:
    add(session_factory, 1, max_attempts=3)
    now = T0
    for attempt in (1, 2, 3):
        [c] = claim(session_factory, worker=f"w{attempt}", now=now)
        assert c.attempts == attempt and c.is_last_attempt == (attempt == 3)
        now += MIN * 2  # the worker died; its lease runs out
    assert claim(session_factory, now=now) == []
    row = job(session_factory, c.id)
    assert row.status == "failed" and "lease expired" in (row.last_error or "")


# ------------------------------------------------------------------------- fail / release
def test_fail_retries_at_the_given_time_then_gives_up(session_factory: Sessions) -> None:
    add(session_factory, 1, max_attempts=2)
    [c] = claim(session_factory)
    with session_factory.begin() as s:
        assert queue.fail(s, c.id, "w", "boom" * 200, retry_at=T0 + MIN * 5, now=T0)
    row = job(session_factory, c.id)
    assert (row.status, row.due_at, row.attempts, len(row.last_error or "")) == \
        ("pending", T0 + MIN * 5, 1, 500)
    assert claim(session_factory, now=T0 + MIN * 4) == []
    [c] = claim(session_factory, now=T0 + MIN * 5)
    with session_factory.begin() as s:
        assert queue.fail(s, c.id, "w", "boom again", retry_at=T0 + MIN * 10)
    row = job(session_factory, c.id)
    assert (row.status, row.attempts, row.last_error) == ("failed", 2, "boom again")
    assert claim(session_factory, now=T0 + MIN * 60) == []


def test_fail_without_retry_is_final_and_uncounted_attempts_come_back(
        session_factory: Sessions) -> None:
    add(session_factory, 2, max_attempts=1)
    a, b = claim(session_factory)
    with session_factory.begin() as s:
        assert queue.fail(s, a.id, "w", "permanent", retry_at=None)
        # a rate limit: try later, the attempt does not count
        assert queue.fail(s, b.id, "w", "ratelimited", retry_at=T0 + MIN, count_attempt=False)
    assert job(session_factory, a.id).status == "failed"
    row = job(session_factory, b.id)
    assert (row.status, row.attempts) == ("pending", 0)
    [again] = claim(session_factory, now=T0 + MIN)
    assert again.id == b.id and again.attempts == 1


def test_release_hands_claims_back_for_others(session_factory: Sessions) -> None:
    add(session_factory, 4)
    claim(session_factory, worker="w", limit=3, lease=timedelta(hours=1))
    with session_factory.begin() as s:
        assert queue.release(s, "other") == 0
        assert queue.release(s, "w", now=T0) == 3
    got = claim(session_factory, worker="v", lease=timedelta(hours=1))
    assert len(got) == 4 and {c.attempts for c in got} == {1}


# ------------------------------------------------------------------------- manage
def test_cancel_pause_resume_reschedule(session_factory: Sessions) -> None:
    add(session_factory, 3, kind="checkin_post", prefix="p")
    add(session_factory, 3, kind="checkin_nudge", prefix="n")
    add(session_factory, 2, kind="health_post", prefix="h", team="T2")
    with session_factory.begin() as s:
        assert queue.pause(s, team_id="T1", ref_ids=[0, 1]) == 4
        assert queue.cancel(s, team_id="T1", kind="checkin_nudge", ref_id=1) == 1
        assert queue.cancel(s, team_id="T1", kind="checkin_nudge", ref_ids=[2]) == 1
    got = claim(session_factory, now=T0 + timedelta(days=1), lease=timedelta(days=30))
    assert sorted((c.team_id, c.kind, c.ref_id) for c in got) == [
        ("T1", "checkin_post", 2), ("T2", "health_post", 0), ("T2", "health_post", 1)]
    # resuming after the due time: claimed at once, and late by the whole pause
    with session_factory.begin() as s:
        assert queue.resume(s, team_id="T1", kind="checkin_post", now=T0 + MIN) == 2
    late = claim(session_factory, now=T0 + timedelta(days=2), lease=timedelta(days=30))
    assert sorted(c.ref_id or 0 for c in late) == [0, 1]
    assert {c.late_by for c in late} == {timedelta(days=2)}
    with session_factory.begin() as s:
        assert queue.resume(s, team_id="T1", now=T0) == 1  # the paused nudge 0
        [nudge] = s.scalars(select(Job).where(Job.kind == "checkin_nudge", Job.ref_id == 0))
        assert queue.reschedule(s, nudge.id, T0 + timedelta(days=9), now=T0)
        assert not queue.reschedule(s, late[0].id, T0)  # claimed: not waiting
    assert claim(session_factory, now=T0 + timedelta(days=8)) == []
    assert len(claim(session_factory, now=T0 + timedelta(days=9))) == 1


def test_a_whole_workspace_can_be_paused(session_factory: Sessions) -> None:
    add(session_factory, 3)
    add(session_factory, 1, team="T2", prefix="other")
    with session_factory.begin() as s:
        assert queue.pause(s, team_id="T1") == 3
    assert [c.team_id for c in claim(session_factory)] == ["T2"]


def test_purge_finished_keeps_failed_and_waiting(session_factory: Sessions) -> None:
    add(session_factory, 4)
    a, b, _, _ = claim(session_factory, limit=4)
    with session_factory.begin() as s:
        queue.complete(s, a.id, "w", now=T0)
        queue.fail(s, b.id, "w", "x", retry_at=None, now=T0)
        queue.release(s, "w")
        assert queue.purge_finished(s, before=T0) == 0
        assert queue.purge_finished(s, before=T0 + MIN) == 1
    assert statuses(session_factory) == {"failed": 1, "pending": 2}


# ------------------------------------------------------------------------- requests
def test_remember_once(session_factory: Sessions) -> None:
    with session_factory.begin() as s:
        assert queue.remember_once(s, "event:Ev1", "T1", now=T0)
        assert not queue.remember_once(s, "event:Ev1", "T1", now=T0)
    with session_factory.begin() as s:
        assert not queue.remember_once(s, "event:Ev1", "T1", now=T0)
        assert queue.remember_once(s, "view:V1:abc", "T1", now=T0)
    # rolled back with its effect: the retry must get through
    with session_factory() as s:
        assert queue.remember_once(s, "event:Ev2", "T1", now=T0)
        s.rollback()
    with session_factory.begin() as s:
        assert queue.remember_once(s, "event:Ev2", "T1", now=T0)
        assert queue.forget_requests(s, before=T0 + MIN) == 3
        assert queue.remember_once(s, "event:Ev1", "T1", now=T0 + MIN)


def test_remember_once_race_has_one_winner(session_factory: Sessions) -> None:
    def go(i: int) -> bool:
        with session_factory.begin() as s:
            return queue.remember_once(s, "event:EvRace", "T1", now=T0)

    for _ in range(3):
        assert sorted(race(8, go)) == [False] * 7 + [True]
        with session_factory.begin() as s:
            s.execute(ProcessedRequest.__table__.delete())


# ------------------------------------------------------------------------- batches
def test_batch_operations_match_their_one_job_versions(session_factory: Sessions) -> None:
    add(session_factory, 4)
    a, b, c, d = claim(session_factory)
    with session_factory.begin() as s:
        # b's lease was taken over by another worker: it must not be touched
        s.execute(Job.__table__.update().where(Job.id == b.id).values(lease_owner="other"))
        assert queue.complete_many(s, [a.id, b.id], "w", now=T0) == 1
        queue.defer_many(s, [(c.id, T0 + 3 * MIN, "waiting for a turn in C1")], "w", now=T0)
        queue.enqueue_many(s, [
            queue.job_row(team_id="T1", kind="test", due_at=T0, idempotency_key="k0", now=T0),
            queue.job_row(team_id="T1", kind="test", due_at=T0, idempotency_key="new", now=T0),
        ])
    assert job(session_factory, a.id).status == "done"
    assert job(session_factory, a.id).done_at == T0
    assert job(session_factory, b.id).status == "claimed"
    deferred = job(session_factory, c.id)
    # pending at its turn, and the deferral does not use up an attempt
    assert (deferred.status, deferred.due_at, deferred.attempts, deferred.lease_owner) == (
        "pending", T0 + 3 * MIN, 0, None)
    assert job(session_factory, d.id).status == "claimed"
    assert statuses(session_factory) == {"done": 1, "claimed": 2, "pending": 2}
    with session_factory() as s:
        assert queue.next_due(s) == T0  # the new job; the deferred one is later
    with session_factory() as s:
        new_id = s.scalar(select(Job.id).where(Job.idempotency_key == "new"))
    assert [j.id for j in claim(session_factory, T0 + 30 * SEC, worker="w2")] == [new_id]
    assert c.id in [j.id for j in claim(session_factory, T0 + 3 * MIN, worker="w2")]


def test_backlog_counts_what_is_due_by_kind_with_the_oldest(session_factory: Sessions
                                                           ) -> None:
    """The metrics' queue depth and age: pending and due only (not claimed, not later)."""
    add(session_factory, 3, T0 - 5 * MIN, kind="a", prefix="old")
    add(session_factory, 2, T0, kind="a", prefix="now")
    add(session_factory, 1, T0 - MIN, kind="b", prefix="b")
    add(session_factory, 4, T0 + MIN, kind="a", prefix="later")
    with session_factory() as s:
        assert sorted(queue.backlog(s, T0)) == [("a", 5, T0 - 5 * MIN), ("b", 1, T0 - MIN)]
    claim(session_factory, now=T0 - 2 * MIN)  # the three oldest "a" are being run
    with session_factory() as s:
        assert sorted(queue.backlog(s, T0)) == [("a", 2, T0), ("b", 1, T0 - MIN)]
