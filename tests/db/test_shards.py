"""Shards of the scheduler's work on both databases: shares, dead members, claims."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db import queue, shards
from bot.db.models import Job, SchedulerMember
from bot.db.shards import SHARDS, Membership, shard_of

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STALE = timedelta(seconds=30)
Sessions = sessionmaker[Session]


def member(sessions: Sessions, name: str) -> Membership:
    return Membership(sessions.kw["bind"], sessions, name, stale=STALE)


def teams_in_every_shard() -> dict[int, str]:
    found: dict[int, str] = {}
    i = 0
    while len(found) < SHARDS:
        found.setdefault(shard_of(f"T{i}"), f"T{i}")
        i += 1
    return found


def add_jobs(sessions: Sessions, teams: list[str]) -> None:
    with sessions.begin() as s:
        for i, team in enumerate(teams):
            queue.enqueue(s, team_id=team, kind="test", due_at=T0, idempotency_key=f"k{i}",
                          ref_id=i, now=T0)


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def kill(m: Membership, sessions: Sessions) -> None:
    """As if the process died: PostgreSQL closes its lock session; on SQLite its row names a
    process that no longer exists."""
    if m.postgres:
        m._drop_lock()
    else:
        with sessions.begin() as s:
            s.execute(update(SchedulerMember).where(SchedulerMember.worker_id == m.worker_id)
                      .values(pid=dead_pid()))


def test_the_only_member_owns_every_shard(session_factory: Sessions) -> None:
    a = member(session_factory, "a")
    assert a.join(T0).owned == frozenset(range(SHARDS))
    assert set(shards.owners(session_factory).values()) == {"a"}
    a.leave(T0)
    assert set(shards.owners(session_factory).values()) == {None}


def test_a_joining_worker_gets_its_share_and_nobody_owns_a_shard_twice(
        session_factory: Sessions) -> None:
    a, b, c = (member(session_factory, n) for n in "abc")
    a.join(T0)
    b.join(T0)  # a still owns everything: b gets its share as a gives it up
    for i in range(3):
        for m in (a, b):
            m.rebalance(T0 + timedelta(seconds=i))
    assert len(a.owned) == len(b.owned) == SHARDS // 2
    assert not a.owned & b.owned
    c.join(T0)
    for i in range(3):
        for m in (a, b, c):
            m.rebalance(T0 + timedelta(seconds=3 + i))
    sizes = sorted(len(m.owned) for m in (a, b, c))
    assert sizes == [21, 21, 22]
    assert len(a.owned | b.owned | c.owned) == SHARDS
    owners = shards.owners(session_factory)
    for m in (a, b, c):
        assert {s for s, o in owners.items() if o == m.worker_id} == m.owned
    for m in (a, b, c):
        m.leave(T0)


def test_a_dead_members_shards_and_claims_move_at_once(session_factory: Sessions) -> None:
    a, b = member(session_factory, "a"), member(session_factory, "b")
    a.join(T0)
    b.join(T0)
    for _ in range(2):
        a.rebalance(T0)
        b.rebalance(T0)
    teams = teams_in_every_shard()
    add_jobs(session_factory, list(teams.values()))
    lease = timedelta(minutes=2)
    held = queue.claim_due(session_factory, now=T0, worker_id="a", lease=lease, limit=100,
                           owner="a")
    assert {shard_of(j.team_id) for j in held} == a.owned
    kill(a, session_factory)
    later = T0 + timedelta(seconds=1)  # long before a's job leases run out
    result = b.rebalance(later)
    assert result.dead == ["a"] and result.owned == frozenset(range(SHARDS))
    again = queue.claim_due(session_factory, now=later + timedelta(milliseconds=1),
                            worker_id="b", lease=lease, limit=100, owner="b")
    assert {j.id for j in again} == {j.id for j in held} | {
        j.id for j in again if j.attempts == 1}
    assert {j.attempts for j in again if j.id in {h.id for h in held}} == {2}  # retries
    assert len(again) == SHARDS
    b.leave(T0)


def test_a_reused_pid_is_not_taken_for_the_worker(session_factory: Sessions) -> None:
    a, b = member(session_factory, "a"), member(session_factory, "b")
    a.join(T0)
    if a.postgres:
        a._drop_lock()
    else:  # a live process with another start time: the pid was given again
        other = subprocess.Popen(["sleep", "60"])  # (started now, long after this process)
        with session_factory.begin() as s:
            s.execute(update(SchedulerMember).where(SchedulerMember.worker_id == "a")
                      .values(pid=other.pid))
    try:
        assert b.join(T0).dead == ["a"]
    finally:
        if not a.postgres:
            other.kill()
            other.wait()
    assert b.owned == frozenset(range(SHARDS))
    b.leave(T0)


def test_a_live_member_is_left_alone_until_it_goes_unseen(session_factory: Sessions) -> None:
    a, b = member(session_factory, "a"), member(session_factory, "b")
    a.join(T0)
    b.join(T0)
    assert b.rebalance(T0 + timedelta(seconds=5)).dead == []
    # hung: alive, but not seen for longer than ``stale``
    assert b.rebalance(T0 + STALE + timedelta(seconds=1)).dead == ["a"]
    a.leave(T0)
    b.leave(T0)


def test_claims_and_next_due_keep_to_the_owners_shards(session_factory: Sessions) -> None:
    a, b = member(session_factory, "a"), member(session_factory, "b")
    a.join(T0)
    b.join(T0)
    for _ in range(2):
        a.rebalance(T0)
        b.rebalance(T0)
    teams = teams_in_every_shard()
    add_jobs(session_factory, list(teams.values()))
    lease = timedelta(minutes=2)
    got_a = queue.claim_due(session_factory, now=T0, worker_id="a", lease=lease, limit=500,
                            owner="a")
    got_b = queue.claim_due(session_factory, now=T0, worker_id="b", lease=lease, limit=500,
                            owner="b")
    assert {shard_of(j.team_id) for j in got_a} == a.owned
    assert {shard_of(j.team_id) for j in got_b} == b.owned
    assert len(got_a) + len(got_b) == SHARDS
    with session_factory() as s:
        assert queue.next_due(s, "a") is None
        stored = {j.id: j.shard for j in s.scalars(select(Job))}
    assert all(stored[j.id] == shard_of(j.team_id) for j in got_a + got_b)
    a.leave(T0)
    b.leave(T0)
