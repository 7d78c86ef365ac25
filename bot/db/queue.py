"""The durable queue of due work, and idempotency keys for Slack requests.

The ``jobs`` table is the source of truth for everything due; a scheduler only decides when
to look. The life of a job::

    enqueue -> pending --claim_due--> claimed --complete--> done
                 ^  |                  |  |
                 |  +--pause--> paused |  +--fail(retry_at, attempts left)--> pending
                 |        (resume)     |  +--fail(no retry / attempts used up)--> failed
                 +----release----------+  +--lease ran out (worker died)--> claimable again
    pending / paused --cancel--> cancelled

Guarantees:

* **Shards.** Every job carries its workspace's shard (``bot.db.shards``); a worker that
  names itself as ``owner`` claims only jobs of the shards it owns, checked in the claim's
  own statement against ``scheduler_shards``.
* **Atomic claims.** PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` then ``UPDATE ...
  RETURNING`` in one transaction, so concurrent workers skip each other's rows. SQLite: one
  ``UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING`` in a transaction opened with
  ``BEGIN IMMEDIATE`` (see ``session.py``), so only one process claims at a time.
* **Leases.** A claim holds the job until ``lease_until``. If the worker dies (kill -9), the
  job is claimable again once the lease has run out; ``attempts`` counts every claim. A job
  whose lease ran out with no attempts left is marked failed, not reclaimed forever.
* **Only the owner finishes.** ``complete``/``fail``/``extend_lease`` match on
  ``lease_owner``; a worker whose lease was taken over gets ``False`` back.
* **At least once, not exactly once.** A worker can die after its side effect (a Slack post)
  and before ``complete``; the job then runs again after the lease. Handlers make that
  harmless by checking what was already done before acting (e.g. ``checkins.message_ts``,
  or a metadata marker on the posted message). Claims themselves never hand one job to two
  live workers within a lease.
* **Nothing due is skipped.** After downtime every job that fell due is claimed, late;
  ``ClaimedJob.late_by`` says by how much so the message can say so.
* **No wall clock.** Every function takes ``now`` from the caller.
"""

from __future__ import annotations

import logging
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    any_,
    bindparam,
    case,
    delete,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Job, ProcessedRequest, SchedulerShard
from bot.db.states import JobStatus

log = logging.getLogger(__name__)

PENDING, CLAIMED, DONE, FAILED, CANCELLED, PAUSED = (
    JobStatus.PENDING, JobStatus.CLAIMED, JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED,
    JobStatus.PAUSED)
ACTIVE = (PENDING, CLAIMED)
WAITING = (PENDING, PAUSED)
DEFAULT_MAX_ATTEMPTS = 8
# A job's shard is stored with it: changing this needs a migration that rewrites
# jobs.shard (see 0007_scheduler_shards). Who owns which shard: ``bot.db.shards``.
SHARDS = 64


def shard_of(team_id: str) -> int:
    """The shard of a workspace: stable across processes, versions and machines."""
    return zlib.crc32(team_id.encode()) % SHARDS


@dataclass(frozen=True)
class ClaimedJob:
    """A job this worker holds until ``lease_until``: plain data, no session attached."""

    id: int
    team_id: str
    kind: str
    ref_id: int | None
    payload: dict[str, Any] | None
    due_at: datetime
    attempts: int
    late_by: timedelta
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    lease_until: datetime | None = None
    idempotency_key: str = ""

    @property
    def is_retry(self) -> bool:
        """Claimed before: an earlier attempt may already have done (part of) the work."""
        return self.attempts > 1

    @property
    def is_last_attempt(self) -> bool:
        return self.attempts >= self.max_attempts


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def ids_in(session: Session, column: Any, ids: Iterable[int]) -> ColumnElement[bool]:
    """``column IN ids`` for a batch of integer ids. On PostgreSQL as ``= ANY(array)``:
    one parameter, so the statement's text is the same for every batch. ``IN (...)``
    renders one parameter per id, and psycopg parses a statement of more than 50
    parameters again on every call (``_query2pg_nocache``): measured in a worker draining
    22,000 posts, 8% of its CPU went to the claim's, the prefetches' and the write-back's
    ``IN`` lists."""
    values = list(ids)
    if _dialect(session) == "postgresql":
        return cast(ColumnElement[bool], column == any_(
            bindparam(None, values, type_=postgresql.ARRAY(column.type))))
    return cast(ColumnElement[bool], column.in_(values))


def _insert(session: Session, model: Any) -> Any:
    """INSERT with ``ON CONFLICT`` support on both backends."""
    if _dialect(session) == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


# --------------------------------------------------------------------------- enqueue
def enqueue(session: Session, *, team_id: str, kind: str, due_at: datetime,
            idempotency_key: str, now: datetime, ref_id: int | None = None,
            payload: dict[str, Any] | None = None,
            max_attempts: int = DEFAULT_MAX_ATTEMPTS, claimed_by: str | None = None,
            lease: timedelta | None = None) -> Row[Any] | None:
    """Add a pending job, or do nothing if a job with ``idempotency_key`` exists.

    Returns the new job's row (its columns as attributes), or None when the key was taken
    (whatever that job's state): so scheduling the same thing twice, even from two
    processes at once, is a no-op. Runs in the caller's transaction (``INSERT ... ON
    CONFLICT DO NOTHING``; on PostgreSQL a concurrent insert of the same key waits for the
    other transaction, then does nothing).

    ``claimed_by`` (with ``lease``): the job is born claimed by that worker, its first
    attempt under way, as if :func:`claim_key` had run in the same transaction (an outbox
    whose writer does the work at once: one statement fewer before it). If the writer dies,
    the job is claimable when ``lease`` runs out, like any claim (:func:`as_claimed`).
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    if (claimed_by is None) != (lease is None):
        raise ValueError("claimed_by and lease go together")
    held: dict[str, Any] = {"status": PENDING, "attempts": 0, "lease_owner": None,
                            "lease_until": None} \
        if claimed_by is None or lease is None else {
            "status": CLAIMED, "lease_owner": claimed_by, "lease_until": now + lease,
            "attempts": 1}
    row = session.execute(_enqueue_statement(_dialect(session)), {
        "team_id": team_id, "shard": shard_of(team_id), "kind": kind, "ref_id": ref_id,
        "payload": payload, "due_at": due_at, "idempotency_key": idempotency_key,
        "max_attempts": max_attempts, "created_at": now, "updated_at": now, **held}).first()
    return row


_ENQUEUE_COLUMNS = ("team_id", "shard", "kind", "ref_id", "payload", "due_at",
                    "idempotency_key", "max_attempts", "created_at", "updated_at", "status",
                    "attempts", "lease_owner", "lease_until")
_enqueue_statements: dict[str, Any] = {}


def _enqueue_statement(dialect: str) -> Any:
    """:func:`enqueue`'s statement, built once per dialect with bound parameters. Built per
    call (``.values(...)`` of the ORM entity, ``RETURNING`` the entity) it cost ~2.5 ms of
    CPU a job on SQLite, measured, a third of a health run's post; this way 84 µs."""
    stmt = _enqueue_statements.get(dialect)
    if stmt is None:
        table = cast(Table, Job.__table__)
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = _enqueue_statements[dialect] = (
            insert(table)
            .values({name: bindparam(name) for name in _ENQUEUE_COLUMNS})
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(*table.c))
    return stmt


def as_claimed(job: Any, *, now: datetime) -> ClaimedJob:
    """A job this worker holds as plain data: a row born claimed (:func:`enqueue`) or the
    columns a claim returned (``_RETURNED``)."""
    return ClaimedJob(id=job.id, team_id=job.team_id, kind=job.kind, ref_id=job.ref_id,
                      payload=job.payload, due_at=job.due_at, attempts=job.attempts,
                      late_by=max(now - job.due_at, timedelta(0)),
                      max_attempts=job.max_attempts, lease_until=job.lease_until,
                      idempotency_key=job.idempotency_key)


@dataclass(frozen=True)
class Held:
    """A job claimed by the process that wrote it, in the same transaction: an outbox
    whose writer does the work at once, with no claim in between. Not a scheduler member:
    if the writer dies, the claim is freed by its lease running out."""

    job: ClaimedJob
    worker: str


def web_worker_id() -> str:
    """Who holds the claims of a process answering a request (not a scheduler member)."""
    return f"web:{uuid.uuid4().hex[:12]}"


def enqueue_held(session: Session, *, team_id: str, kind: str, due_at: datetime,
                 idempotency_key: str, now: datetime, lease: timedelta,
                 ref_id: int | None = None,
                 payload: dict[str, Any] | None = None) -> Held | None:
    """:func:`enqueue` a job born claimed by a new web worker id, for that process to do
    at once. None when the key was taken (then :func:`claim_key` decides who does it)."""
    worker = web_worker_id()
    job = enqueue(session, team_id=team_id, kind=kind, due_at=due_at,
                  idempotency_key=idempotency_key, now=now, ref_id=ref_id, payload=payload,
                  claimed_by=worker, lease=lease)
    return None if job is None else Held(as_claimed(job, now=now), worker)


def job_row(*, team_id: str, kind: str, due_at: datetime, idempotency_key: str,
            now: datetime, ref_id: int | None = None, payload: dict[str, Any] | None = None,
            max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> dict[str, Any]:
    """The row :func:`enqueue_many` inserts (same meaning as :func:`enqueue`'s arguments)."""
    return {"team_id": team_id, "shard": shard_of(team_id), "kind": kind, "ref_id": ref_id,
            "payload": payload,
            "due_at": due_at, "status": PENDING, "idempotency_key": idempotency_key,
            "attempts": 0, "max_attempts": max_attempts, "created_at": now, "updated_at": now}


def enqueue_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """:func:`enqueue` for many jobs in one statement; keys that exist are skipped."""
    if rows:
        rows = [row if "shard" in row else {**row, "shard": shard_of(row["team_id"])}
                for row in rows]
        session.execute(_insert(session, Job.__table__)
                        .on_conflict_do_nothing(index_elements=["idempotency_key"]), rows)


# --------------------------------------------------------------------------- claim
def _claimable(now: datetime, horizon: timedelta) -> ColumnElement[bool]:
    return or_(
        and_(Job.status == PENDING, Job.due_at <= now + horizon),
        and_(Job.status == CLAIMED, Job.lease_until < now, Job.attempts < Job.max_attempts),
    )


_RETURNED = (Job.id, Job.team_id, Job.kind, Job.ref_id, Job.payload, Job.due_at,
             Job.attempts, Job.max_attempts, Job.lease_until, Job.idempotency_key)


def claim_due(sessions: sessionmaker[Session] | Session, *, now: datetime, worker_id: str,
              lease: timedelta, limit: int, horizon: timedelta = timedelta(0),
              owner: str | None = None) -> list[ClaimedJob]:
    """Claim up to ``limit`` jobs due at ``now`` (or within ``horizon`` after it) for
    ``worker_id``, oldest due first.

    Due means pending with ``due_at <= now``, or claimed by someone whose lease ran out
    before ``now`` (a crashed worker). ``owner``: only jobs of the shards ``owner`` owns
    (``bot.db.shards``); None: any shard. Each claim adds one to ``attempts``. Given a session
    factory, the claim is its own committed transaction; given a session, it joins the
    caller's transaction and the caller commits.
    """
    if limit <= 0:
        return []
    if isinstance(sessions, Session):
        return _claim(sessions, now=now, worker_id=worker_id, lease=lease, limit=limit,
                      horizon=horizon, owner=owner)
    with sessions.begin() as session:
        return _claim(session, now=now, worker_id=worker_id, lease=lease, limit=limit,
                      horizon=horizon, owner=owner)


def _owned_shards(owner: str | None) -> list[ColumnElement[bool]]:
    if owner is None:
        return []
    return [Job.shard.in_(select(SchedulerShard.shard).where(SchedulerShard.owner == owner))]


def _claim(session: Session, *, now: datetime, worker_id: str, lease: timedelta,
           limit: int, horizon: timedelta, owner: str | None) -> list[ClaimedJob]:
    _fail_exhausted(session, now, owner)
    pick = (select(Job.id).where(_claimable(now, horizon), *_owned_shards(owner))
            .order_by(Job.due_at, Job.id).limit(limit))
    if _dialect(session) == "postgresql":
        ids = list(session.scalars(pick.with_for_update(skip_locked=True)))
        if not ids:
            return []
        target: ColumnElement[bool] = ids_in(session, Job.id, ids)
    else:
        # one statement under BEGIN IMMEDIATE: nobody else can claim in between
        target = Job.id.in_(pick)
    stmt = (
        update(Job)
        .where(target)
        .values(status=CLAIMED, lease_owner=worker_id, lease_until=now + lease,
                attempts=Job.attempts + 1, updated_at=now)
        .returning(*_RETURNED)
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(stmt).all()
    claimed = [as_claimed(r, now=now) for r in rows]
    claimed.sort(key=lambda j: (j.due_at, j.id))  # RETURNING has no defined order
    return claimed


def claim_key(session: Session, key: str, *, now: datetime, worker_id: str,
              lease: timedelta, team_id: str | None = None) -> ClaimedJob | None:
    """Claim the one job with ``idempotency_key`` now, whatever its due time: the process
    that stored some work claims it to do it at once (an outbox's fast path), and the
    scheduler is the safety net if that process dies. None when the job is not claimable
    (done, failed, or held by a live lease): nobody does the work twice at the same time.
    Runs in the caller's transaction (one UPDATE ... RETURNING)."""
    free = or_(Job.status == PENDING, and_(Job.status == CLAIMED, Job.lease_until < now))
    scope = [Job.team_id == team_id] if team_id is not None else []
    row = session.execute(
        update(Job)
        .where(Job.idempotency_key == key, free, Job.attempts < Job.max_attempts, *scope)
        .values(status=CLAIMED, lease_owner=worker_id, lease_until=now + lease,
                attempts=Job.attempts + 1, updated_at=now)
        .returning(*_RETURNED)
        .execution_options(synchronize_session=False)).first()
    if row is None:
        return None
    return as_claimed(row, now=now)


def rearm_key(session: Session, key: str, *, now: datetime) -> bool:
    """A job given up (failed) is pending again, due now, with its attempts back: a person
    asked to try again. False when there is no failed job with that key."""
    result = session.execute(
        update(Job).where(Job.idempotency_key == key, Job.status == FAILED)
        .values(status=PENDING, due_at=now, attempts=0, lease_owner=None, lease_until=None,
                done_at=None, updated_at=now)
        .execution_options(synchronize_session=False))
    return _rowcount(result) == 1


def _fail_exhausted(session: Session, now: datetime, owner: str | None = None) -> None:
    """Claims that died with no attempts left are failed, not retried forever (a job that
    kills its worker every time must not take the queue down with it)."""
    result = session.execute(
        update(Job)
        .where(Job.status == CLAIMED, Job.lease_until < now, Job.attempts >= Job.max_attempts,
               *_owned_shards(owner))
        .values(status=FAILED, lease_owner=None, lease_until=None, updated_at=now,
                last_error="lease expired on the last attempt (worker died or hung)")
        .execution_options(synchronize_session=False)
    )
    if _rowcount(result):
        log.warning("%d job(s) failed: lease expired on their last attempt", _rowcount(result))


def next_due(session: Session, owner: str | None = None) -> datetime | None:
    """When the earliest pending job (of ``owner``'s shards) falls due (None: nothing
    pending). Lets the scheduler wake up early for a paced turn or a retry instead of
    waiting for its next tick."""
    return session.scalar(select(func.min(Job.due_at)).where(Job.status == PENDING,
                                                             *_owned_shards(owner)))


def backlog(session: Session, now: datetime) -> list[tuple[str, int, datetime]]:
    """(kind, how many, earliest due) of the pending jobs due by ``now``, every shard's:
    what the workers have yet to catch up with (the metrics' queue depth and age)."""
    rows = session.execute(select(Job.kind, func.count(), func.min(Job.due_at)).where(
        Job.status == PENDING, Job.due_at <= now).group_by(Job.kind)).all()
    return [(r[0], int(r[1]), r[2]) for r in rows]


def waiting_in(session: Session, shards: Iterable[int], kinds: Iterable[str], *,
               now: datetime) -> list[tuple[str, int, datetime]]:
    """(team, job id, due at) of the pending jobs of ``kinds`` in ``shards`` due after
    ``now``: the turns another worker handed out in shards this one just took."""
    rows = session.execute(select(Job.team_id, Job.id, Job.due_at).where(
        Job.shard.in_(list(shards)), Job.status == PENDING, Job.kind.in_(list(kinds)),
        Job.due_at > now)).all()
    return [(r[0], r[1], r[2]) for r in rows]


# --------------------------------------------------------------------------- finish
def _owned(job_id: int, worker_id: str) -> ColumnElement[bool]:
    return and_(Job.id == job_id, Job.status == CLAIMED, Job.lease_owner == worker_id)


def complete(session: Session, job_id: int, worker_id: str, *, now: datetime | None = None
             ) -> bool:
    """Mark a claimed job done. False if ``worker_id`` no longer holds it."""
    values: dict[str, Any] = {"status": DONE, "lease_owner": None, "lease_until": None,
                              "last_error": None}
    if now is not None:
        values["done_at"] = now
        values["updated_at"] = now
    result = session.execute(update(Job).where(_owned(job_id, worker_id)).values(**values)
                             .execution_options(synchronize_session=False))
    return _rowcount(result) == 1


def complete_many(session: Session, job_ids: list[int], worker_id: str, *,
                  now: datetime) -> int:
    """:func:`complete` for a batch: how many of ``job_ids`` this worker still held."""
    if not job_ids:
        return 0
    result = session.execute(
        update(Job).where(ids_in(session, Job.id, job_ids), Job.status == CLAIMED,
                          Job.lease_owner == worker_id)
        .values(status=DONE, lease_owner=None, lease_until=None, last_error=None,
                done_at=now, updated_at=now)
        .execution_options(synchronize_session=False))
    return _rowcount(result)


_DEFER = (
    update(cast(Table, Job.__table__))  # declarative __table__ is typed FromClause
    .where(Job.__table__.c.id == bindparam("b_id"), Job.__table__.c.status == CLAIMED,
           Job.__table__.c.lease_owner == bindparam("b_owner"))
    .values(status=PENDING, due_at=bindparam("b_until"), lease_owner=None, lease_until=None,
            attempts=case((Job.__table__.c.attempts > 0, Job.__table__.c.attempts - 1),
                          else_=0),
            last_error=bindparam("b_reason"), updated_at=bindparam("b_now"))
)


def defer_many(session: Session, deferrals: list[tuple[int, datetime, str]], worker_id: str,
               *, now: datetime) -> None:
    """Hand claimed jobs back until a later time without counting the attempt (a channel's
    turn, a rate limit): ``(job_id, until, reason)`` each, one statement for all."""
    if deferrals:
        session.execute(_DEFER, [{"b_id": job_id, "b_until": until, "b_reason": reason[:500],
                                  "b_owner": worker_id, "b_now": now}
                                 for job_id, until, reason in deferrals])


def fail(session: Session, job_id: int, worker_id: str, error: str,
         retry_at: datetime | None, *, count_attempt: bool = True,
         now: datetime | None = None) -> bool:
    """Give a claimed job back after an error.

    Pending again at ``retry_at`` if attempts are left, else failed for good (also when
    ``retry_at`` is None: retrying will not help). ``count_attempt=False`` (e.g. a rate
    limit) hands the attempt back. False if ``worker_id`` no longer holds the job.
    """
    attempts = Job.attempts if count_attempt else case(
        (Job.attempts > 0, Job.attempts - 1), else_=0)
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_error": error[:500],
        "lease_owner": None,
        "lease_until": None,
    }
    if retry_at is None:
        values["status"] = FAILED
    else:
        retry = attempts < Job.max_attempts
        values["status"] = case((retry, PENDING), else_=FAILED)
        values["due_at"] = case((retry, literal(retry_at, Job.__table__.c.due_at.type)),
                                else_=Job.due_at)
    if now is not None:
        values["updated_at"] = now
    result = session.execute(update(Job).where(_owned(job_id, worker_id)).values(**values)
                             .execution_options(synchronize_session=False))
    return _rowcount(result) == 1


def extend_lease(session: Session, worker_id: str, *, until: datetime,
                 job_ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
    """Heartbeat for long jobs: push this worker's leases out to ``until``."""
    conds = [Job.status == CLAIMED, Job.lease_owner == worker_id]
    if job_ids is not None:
        conds.append(Job.id.in_(list(job_ids)))
    values: dict[str, Any] = {"lease_until": until}
    if now is not None:
        values["updated_at"] = now
    result = session.execute(update(Job).where(*conds).values(**values)
                             .execution_options(synchronize_session=False))
    return _rowcount(result)


def release(session: Session, worker_id: str, *, now: datetime | None = None) -> int:
    """Graceful shutdown: hand this worker's claimed jobs back as they were (the attempt
    does not count), for the next worker to claim right away."""
    values: dict[str, Any] = {
        "status": PENDING,
        "attempts": case((Job.attempts > 0, Job.attempts - 1), else_=0),
        "lease_owner": None,
        "lease_until": None,
    }
    if now is not None:
        values["updated_at"] = now
    result = session.execute(
        update(Job).where(Job.status == CLAIMED, Job.lease_owner == worker_id).values(**values)
        .execution_options(synchronize_session=False))
    return _rowcount(result)


# --------------------------------------------------------------------------- manage
Kinds = str | tuple[str, ...]  # one job kind, or several (a check-in's post, nudge, miss)


def _matching(team_id: str, statuses: Iterable[str], kind: Kinds | None, ref_id: int | None,
              ref_ids: Iterable[int] | None) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Job.team_id == team_id, Job.status.in_(list(statuses))]
    if isinstance(kind, str):
        conds.append(Job.kind == kind)
    elif kind is not None:
        conds.append(Job.kind.in_(kind))
    if ref_id is not None:
        conds.append(Job.ref_id == ref_id)
    if ref_ids is not None:
        conds.append(Job.ref_id.in_(list(ref_ids)))
    return conds


def _set_status(session: Session, conds: list[ColumnElement[bool]], status: str,
                now: datetime | None) -> int:
    values: dict[str, Any] = {"status": status}
    if now is not None:
        values["updated_at"] = now
    result = session.execute(update(Job).where(*conds).values(**values)
                             .execution_options(synchronize_session=False))
    return _rowcount(result)


def cancel(session: Session, *, team_id: str, kind: Kinds | None = None,
           ref_id: int | None = None, ref_ids: Iterable[int] | None = None,
           now: datetime | None = None) -> int:
    """Cancel the team's waiting (pending or paused) jobs that match. A job running right
    now is not interrupted: its handler re-checks the row's state before acting."""
    return _set_status(session, _matching(team_id, WAITING, kind, ref_id, ref_ids),
                       CANCELLED, now)


def pause(session: Session, *, team_id: str, kind: Kinds | None = None,
          ref_id: int | None = None, ref_ids: Iterable[int] | None = None,
          now: datetime | None = None) -> int:
    """Hold the team's pending jobs that match (all of them if no filter) until resumed."""
    return _set_status(session, _matching(team_id, (PENDING,), kind, ref_id, ref_ids),
                       PAUSED, now)


def resume(session: Session, *, team_id: str, kind: Kinds | None = None,
           ref_id: int | None = None, ref_ids: Iterable[int] | None = None,
           now: datetime | None = None) -> int:
    """Paused jobs become pending again with their original ``due_at``: those that fell due
    while paused are claimed at once, and ``late_by`` shows how late they are."""
    return _set_status(session, _matching(team_id, (PAUSED,), kind, ref_id, ref_ids),
                       PENDING, now)


def reschedule(session: Session, job_id: int, due_at: datetime, *,
               now: datetime | None = None) -> bool:
    """Move a waiting (pending or paused) job to ``due_at``. False if it is not waiting."""
    values: dict[str, Any] = {"due_at": due_at}
    if now is not None:
        values["updated_at"] = now
    result = session.execute(update(Job).where(Job.id == job_id, Job.status.in_(WAITING))
                             .values(**values).execution_options(synchronize_session=False))
    return _rowcount(result) == 1


def purge_finished(session: Session, *, before: datetime,
                   statuses: Iterable[str] = (DONE, CANCELLED)) -> int:
    """Housekeeping: delete done and cancelled jobs last touched before ``before`` (failed
    ones too when ``statuses`` names them; the default leaves them for someone to look
    at). Their idempotency keys go with them, so only purge well after anything could
    schedule the same key again."""
    wanted = [s for s in statuses if s in (DONE, CANCELLED, FAILED)]  # never a live job
    result = session.execute(delete(Job).where(Job.status.in_(wanted), Job.updated_at < before)
                             .execution_options(synchronize_session=False))
    return _rowcount(result)


# --------------------------------------------------------------------------- requests
def remember_once(session: Session, key: str, team_id: str, *, now: datetime) -> bool:
    """True the first time ``key`` is seen; False for every repeat, even concurrent ones.

    ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` in the caller's transaction: commit it
    together with the effect, so a rolled-back effect does not swallow the retry. On
    PostgreSQL a concurrent insert of the same key waits for the first transaction; if that
    rolls back, the second one wins.
    """
    stmt = (
        _insert(session, ProcessedRequest)
        .values(key=key, team_id=team_id, created_at=now)
        .on_conflict_do_nothing(index_elements=[ProcessedRequest.key])
        .returning(ProcessedRequest.key)
    )
    return session.execute(stmt).scalar_one_or_none() is not None


def once_per(session: Session, key: str, team_id: str, *, now: datetime,
             window: timedelta) -> bool:
    """True at most once per ``window`` for ``key``, even for concurrent callers: the same
    change asked twice in quick succession (a double click) has one effect. One
    ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` in the caller's transaction."""
    table = ProcessedRequest.__table__
    stmt = (
        _insert(session, ProcessedRequest)
        .values(key=key, team_id=team_id, created_at=now)
        .on_conflict_do_update(index_elements=[ProcessedRequest.key],
                               set_={"created_at": now},
                               where=table.c.created_at <= now - window)
        .returning(ProcessedRequest.key)
    )
    return session.execute(stmt).scalar_one_or_none() is not None


def forget_requests(session: Session, *, before: datetime) -> int:
    """Housekeeping: drop request keys older than ``before`` (Slack retries within minutes;
    keep a day or more)."""
    result = session.execute(delete(ProcessedRequest).where(ProcessedRequest.created_at < before)
                             .execution_options(synchronize_session=False))
    return _rowcount(result)
