"""The durable queue of due work, and idempotency keys.

Claims are atomic: on PostgreSQL ``SELECT ... FOR UPDATE SKIP LOCKED`` inside the claiming
transaction; on SQLite the claiming transaction starts with ``BEGIN IMMEDIATE`` (see
``session.py``) so only one process claims at a time. A claimed job carries a lease; if its
worker dies, the job becomes claimable again when the lease runs out. Only the lease owner
can complete or fail a job. Callers pass ``now``: nothing here reads the wall clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Job, ProcessedRequest

ACTIVE = ("pending", "claimed")


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    team_id: str
    kind: str
    ref_id: int | None
    payload: dict[str, Any] | None
    due_at: datetime
    attempts: int
    late_by: timedelta


def enqueue(session: Session, *, team_id: str, kind: str, due_at: datetime,
            idempotency_key: str, now: datetime, ref_id: int | None = None,
            payload: dict[str, Any] | None = None, max_attempts: int = 8) -> Job | None:
    """Add a job unless one with the same key exists (then None). Race-safe."""
    existing = session.scalar(select(Job).where(Job.idempotency_key == idempotency_key))
    if existing is not None:
        return None
    job = Job(team_id=team_id, kind=kind, ref_id=ref_id, payload=payload, due_at=due_at,
              status="pending", idempotency_key=idempotency_key, attempts=0,
              max_attempts=max_attempts, created_at=now, updated_at=now)
    try:
        with session.begin_nested():
            session.add(job)
            session.flush()
    except IntegrityError:
        return None
    return job


def claim_due(sessions: sessionmaker[Session], *, now: datetime, worker_id: str,
              lease: timedelta, limit: int) -> list[ClaimedJob]:
    """Claim up to ``limit`` due jobs (and jobs whose lease ran out) for this worker."""
    claimable = or_(
        and_(Job.status == "pending", Job.due_at <= now),
        and_(Job.status == "claimed", Job.lease_until < now),
    )
    with sessions.begin() as session:
        query = select(Job).where(claimable).order_by(Job.due_at, Job.id).limit(limit)
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        jobs = session.scalars(query).all()
        claimed: list[ClaimedJob] = []
        for job in jobs:
            job.status = "claimed"
            job.lease_owner = worker_id
            job.lease_until = now + lease
            job.attempts += 1
            job.updated_at = now
            claimed.append(ClaimedJob(id=job.id, team_id=job.team_id, kind=job.kind,
                                      ref_id=job.ref_id, payload=job.payload, due_at=job.due_at,
                                      attempts=job.attempts, late_by=max(now - job.due_at,
                                                                         timedelta(0))))
        return claimed


def _owned(job_id: int, worker_id: str) -> Any:
    return and_(Job.id == job_id, Job.status == "claimed", Job.lease_owner == worker_id)


def complete(session: Session, job_id: int, worker_id: str, *, now: datetime | None = None
             ) -> bool:
    values: dict[str, Any] = {"status": "done", "lease_owner": None, "lease_until": None,
                              "last_error": None}
    if now is not None:
        values["done_at"] = now
        values["updated_at"] = now
    result = session.execute(update(Job).where(_owned(job_id, worker_id)).values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def fail(session: Session, job_id: int, worker_id: str, error: str,
         retry_at: datetime | None, *, count_attempt: bool = True) -> bool:
    """Give the job back: pending again at ``retry_at``, or failed for good."""
    job = session.scalar(select(Job).where(_owned(job_id, worker_id)))
    if job is None:
        return False
    if not count_attempt:
        job.attempts = max(job.attempts - 1, 0)
    job.last_error = error[:500]
    job.lease_owner = None
    job.lease_until = None
    if retry_at is not None and job.attempts < job.max_attempts:
        job.status = "pending"
        job.due_at = retry_at
    else:
        job.status = "failed"
    return True


def release(session: Session, worker_id: str) -> int:
    """Graceful shutdown: hand this worker's claimed jobs back, as they were."""
    jobs = session.scalars(select(Job).where(Job.status == "claimed",
                                             Job.lease_owner == worker_id)).all()
    for job in jobs:
        job.status = "pending"
        job.attempts = max(job.attempts - 1, 0)
        job.lease_owner = None
        job.lease_until = None
    return len(jobs)


def cancel(session: Session, *, team_id: str, kind: str | None = None,
           ref_ids: Iterable[int] | None = None) -> int:
    conds = [Job.team_id == team_id, Job.status.in_(("pending", "paused"))]
    if kind is not None:
        conds.append(Job.kind == kind)
    if ref_ids is not None:
        conds.append(Job.ref_id.in_(list(ref_ids)))
    result = session.execute(update(Job).where(*conds).values(status="cancelled"))
    return int(result.rowcount)  # type: ignore[attr-defined]


def pause(session: Session, *, team_id: str, ref_ids: Iterable[int]) -> int:
    result = session.execute(update(Job).where(
        Job.team_id == team_id, Job.status == "pending", Job.ref_id.in_(list(ref_ids))
    ).values(status="paused"))
    return int(result.rowcount)  # type: ignore[attr-defined]


def resume(session: Session, *, team_id: str, ref_ids: Iterable[int], now: datetime) -> int:
    """Paused jobs become pending; those whose time passed while paused are due now."""
    jobs = session.scalars(select(Job).where(
        Job.team_id == team_id, Job.status == "paused", Job.ref_id.in_(list(ref_ids)))).all()
    for job in jobs:
        job.status = "pending"
        job.updated_at = now
    return len(jobs)


def reschedule(session: Session, *, team_id: str, ref_ids: Iterable[int], kind: str,
               due_at: datetime) -> int:
    result = session.execute(update(Job).where(
        Job.team_id == team_id, Job.kind == kind, Job.status.in_(("pending", "paused")),
        Job.ref_id.in_(list(ref_ids))).values(due_at=due_at))
    return int(result.rowcount)  # type: ignore[attr-defined]


def remember_once(session: Session, key: str, team_id: str, *, now: datetime) -> bool:
    """True the first time ``key`` is seen; False for every repeat, even concurrent ones."""
    if session.get(ProcessedRequest, key) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ProcessedRequest(key=key, team_id=team_id, created_at=now))
            session.flush()
    except IntegrityError:
        return False
    return True
