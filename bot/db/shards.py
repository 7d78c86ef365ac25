"""Workers share the due work by workspace: shards, their owners, and who is alive.

Slack's limits are per workspace (and per channel), so the work is split by workspace:
every job carries its workspace's shard (``shard_of(team_id)``, one of ``SHARDS``), and each
worker process owns a share of the shards. A worker claims only jobs of shards it owns
(``queue.claim_due(owner=...)`` checks the ``scheduler_shards`` row in the claim itself),
so one workspace is paced by one process, which sees every post made to it.

Membership. Each worker has a row in ``scheduler_members`` and proves it is alive:

* **PostgreSQL**: a session-level advisory lock (``lock_key``) held on a connection of its
  own. The server releases it the moment that connection dies (the process was killed,
  the machine went away), so a worker is dead as soon as anybody can take its lock
  (``pg_try_advisory_xact_lock``, released again at the end of the checking transaction).
* **SQLite** (one machine): its host, pid and the process's start time (boot id and start
  tick from ``/proc``), so a pid the kernel has since given to another process is not
  mistaken for the worker. A worker on another host (not a supported SQLite setup) is
  judged by its heartbeat alone.
* Both: a worker not seen (heartbeat, every ``REBALANCE`` seconds) for ``stale`` is dead
  too (hung, or its lock connection is gone for good).

Rebalancing. Every worker runs :meth:`Membership.rebalance` every ``REBALANCE`` seconds, in
one transaction: heartbeat; forget dead members, free their shards and end the leases of
the jobs they had claimed (so these are claimable at once, not after ``job_lease``; they
come back as retries, so a post that reached Slack is found by its marker); then keep to
its quota of the live members' fair share. It keeps the shards it has (up to its quota),
gives up the excess and takes free ones: a worker joining takes shards as the others give
them up, a worker leaving (SIGTERM: :meth:`leave`) or dying frees its shards at once.
A shard given up while a job of it is running is taken by the next owner only for jobs
not claimed by a live worker, so nothing runs twice.

Times come from the caller (no wall clock here), as in ``bot.db.queue``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Job, SchedulerMember, SchedulerShard
from bot.db.queue import SHARDS, _insert, shard_of
from bot.db.states import JobStatus

__all__ = ["SHARDS", "Membership", "shard_of"]

log = logging.getLogger(__name__)

REBALANCE = 0.5  # seconds between a worker's rounds (heartbeat, dead members, shares)


# ------------------------------------------------------------------ process identity
def _proc_start(pid: int) -> str | None:
    """The kernel's boot id and the process's start tick: unique to one process on one
    machine (a reused pid has a different start). None: no such process (or no /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None
    # field 22, counted after the command name, which is in parentheses and may hold spaces
    fields = stat.rsplit(")", 1)[-1].split()
    return f"{boot}:{fields[19]}"


def identity() -> tuple[str, int, str]:
    """(host, pid, start) of this process."""
    pid = os.getpid()
    return socket.gethostname(), pid, _proc_start(pid) or ""


def process_alive(host: str, pid: int, started: str) -> bool | None:
    """Is the process (host, pid, started) still running? None: cannot tell from here
    (another host)."""
    if host != socket.gethostname():
        return None
    if started and Path("/proc").is_dir():
        return _proc_start(pid) == started
    try:  # no /proc: the pid alone (a reused pid is then taken for the worker)
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lock_key(worker_id: str) -> int:
    """A signed 64-bit advisory lock key for a worker (PostgreSQL)."""
    value = zlib.crc32(worker_id.encode()) << 32 | zlib.crc32(worker_id[::-1].encode())
    return value - (1 << 64) if value >= 1 << 63 else value


def quota(members: list[str], worker_id: str) -> int:
    """How many shards ``worker_id`` should own among ``members`` (sorted, unique)."""
    rank = members.index(worker_id)
    return SHARDS // len(members) + (1 if rank < SHARDS % len(members) else 0)


@dataclass
class Round:
    """What one rebalancing round found and did."""

    owned: frozenset[int]
    members: list[str]
    dead: list[str]
    taken: list[int]
    given_up: list[int]


class Membership:
    """This worker's place among the scheduler's workers (one per process)."""

    def __init__(self, engine: Engine, sessions: sessionmaker[Session], worker_id: str, *,
                 stale: timedelta) -> None:
        self.engine = engine
        self.sessions = sessions
        self.worker_id = worker_id
        self.stale = stale
        self.postgres = engine.dialect.name == "postgresql"
        self.host, self.pid, self.started = identity()
        self.key = lock_key(worker_id)
        self._lock_conn: Connection | None = None
        self._lock = threading.Lock()  # rounds, join and leave one at a time
        self.owned: frozenset[int] = frozenset()

    # -------------------------------------------------------------- life
    def join(self, now: datetime) -> Round:
        """Become a member (PostgreSQL: take our advisory lock first) and take a share."""
        with self._lock:
            self._hold_lock()
            with self.sessions.begin() as session:
                present = set(session.scalars(select(SchedulerShard.shard)))
                missing = [{"shard": s, "owner": None, "updated_at": now}
                           for s in range(SHARDS) if s not in present]
                if missing:
                    session.execute(_insert(session, SchedulerShard.__table__)
                                    .on_conflict_do_nothing(index_elements=["shard"]), missing)
        return self.rebalance(now)

    def leave(self, now: datetime) -> None:
        """A clean stop: free our shards and our row at once (the others take them over on
        their next round), then let go of the lock. Call after our claims are released."""
        with self._lock:
            try:
                with self.sessions.begin() as session:
                    session.execute(update(SchedulerShard)
                                    .where(SchedulerShard.owner == self.worker_id)
                                    .values(owner=None, updated_at=now)
                                    .execution_options(synchronize_session=False))
                    session.execute(delete(SchedulerMember)
                                    .where(SchedulerMember.worker_id == self.worker_id))
            finally:
                self.owned = frozenset()
                self._drop_lock()

    # -------------------------------------------------------------- PostgreSQL lock
    def _hold_lock(self) -> None:
        """Hold our advisory lock on a connection of our own (PostgreSQL); after that
        connection was lost (a database restart), on a new one."""
        if not self.postgres:
            return
        if self._lock_conn is not None:
            try:
                self._lock_conn.execute(text("SELECT 1"))
                return
            except Exception:
                log.warning("lost the scheduler lock connection; taking the lock again")
                self._drop_lock()
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": self.key})
        except Exception:
            conn.invalidate()
            conn.close()
            raise
        self._lock_conn = conn

    def _drop_lock(self) -> None:
        conn, self._lock_conn = self._lock_conn, None
        if conn is None:
            return
        try:
            conn.invalidate()  # closing the session releases its locks
            conn.close()
        except Exception:
            log.debug("closing the scheduler lock connection", exc_info=True)

    # -------------------------------------------------------------- rounds
    def _alive(self, session: Session, member: SchedulerMember, now: datetime) -> bool:
        if member.worker_id == self.worker_id:
            return True
        if member.seen_at < now - self.stale:
            return False
        if self.postgres:
            free = session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"),
                                  {"k": member.lock_key})
            return not free
        alive = process_alive(member.host, member.pid, member.started)
        return True if alive is None else alive

    def rebalance(self, now: datetime) -> Round:
        """One round: heartbeat, forget the dead, keep to our share. Returns what we own."""
        with self._lock:
            self._hold_lock()
            with self.sessions.begin() as session:
                result = self._round(session, now)
            self.owned = result.owned
            return result

    def _round(self, session: Session, now: datetime) -> Round:
        me = self.worker_id
        stmt = _insert(session, SchedulerMember).values(
            worker_id=me, host=self.host, pid=self.pid, started=self.started,
            lock_key=self.key, joined_at=now, seen_at=now)
        session.execute(stmt.on_conflict_do_update(index_elements=["worker_id"],
                                                   set_={"seen_at": now}))
        members = list(session.scalars(select(SchedulerMember)))
        dead = sorted(m.worker_id for m in members if not self._alive(session, m, now))
        if dead:
            self._bury(session, dead, now)
        live = sorted(m.worker_id for m in members if m.worker_id not in dead)
        want = quota(live, me)
        rows = session.execute(select(SchedulerShard.shard, SchedulerShard.owner)
                               .order_by(SchedulerShard.shard)).all()
        mine = [s for s, owner in rows if owner == me]
        free = [s for s, owner in rows if owner is None or owner in dead]
        given_up = mine[want:] if len(mine) > want else []
        taken = free[:max(0, want - len(mine))]
        if given_up:
            session.execute(update(SchedulerShard)
                            .where(SchedulerShard.shard.in_(given_up),
                                   SchedulerShard.owner == me)
                            .values(owner=None, updated_at=now)
                            .execution_options(synchronize_session=False))
        if taken:
            session.execute(update(SchedulerShard)
                            .where(SchedulerShard.shard.in_(taken),
                                   SchedulerShard.owner.is_(None))
                            .values(owner=me, updated_at=now)
                            .execution_options(synchronize_session=False))
        owned = frozenset(session.scalars(select(SchedulerShard.shard)
                                          .where(SchedulerShard.owner == me)))
        return Round(owned=owned, members=live, dead=dead,
                     taken=sorted(set(taken) & owned), given_up=given_up)

    def _bury(self, session: Session, dead: list[str], now: datetime) -> None:
        """Dead members: their rows go, their shards are free, and the jobs they held are
        claimable now (the claim counts another attempt: a retry, which looks for a post
        that reached Slack before the worker died)."""
        session.execute(delete(SchedulerMember).where(SchedulerMember.worker_id.in_(dead)))
        session.execute(update(SchedulerShard).where(SchedulerShard.owner.in_(dead))
                        .values(owner=None, updated_at=now)
                        .execution_options(synchronize_session=False))
        expired = session.execute(
            update(Job).where(Job.status == JobStatus.CLAIMED, Job.lease_owner.in_(dead),
                              Job.lease_until > now)
            .values(lease_until=now, updated_at=now)
            .execution_options(synchronize_session=False))
        log.warning("scheduler worker(s) %s gone: shards freed, %d claimed job(s) handed on",
                    ", ".join(dead), int(getattr(expired, "rowcount", 0) or 0))


def owners(sessions: sessionmaker[Session]) -> dict[int, str | None]:
    """shard -> owner, as the database has it now."""
    with sessions() as session:
        return {s: o for s, o in session.execute(select(SchedulerShard.shard,
                                                        SchedulerShard.owner))}


def members(sessions: sessionmaker[Session]) -> list[dict[str, Any]]:
    with sessions() as session:
        return [{"worker_id": m.worker_id, "host": m.host, "pid": m.pid,
                 "seen_at": m.seen_at} for m in session.scalars(select(SchedulerMember))]
