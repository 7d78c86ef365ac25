"""One worker process at a time drives the scheduler; the others stand by.

Posting is paced per channel (Slack allows about one message a second in a channel), and a
pacer only knows its own process's posts: two workers posting at once would each keep to
the limit and together break it. So the workers elect a leader through a lease row: the
leader renews it while it works, a standby takes it over once it has not been renewed for
``lease`` (the leader crashed or hung), and a leader that stops hands it over at once.
Claims stay atomic and leased as before, so even two leaders for a moment (a paused
process waking up) cannot post the same job twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import SchedulerLease
from bot.db.queue import _insert

SCHEDULER = "scheduler"


def hold(sessions: sessionmaker[Session], *, owner: str, now: datetime, lease: timedelta,
         name: str = SCHEDULER) -> bool:
    """Take or renew the lease for ``owner``. True: ``owner`` leads until now + lease."""
    until = now + lease
    with sessions.begin() as session:
        taken = session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == name,
                   or_(SchedulerLease.owner == owner, SchedulerLease.owner.is_(None),
                       SchedulerLease.lease_until.is_(None), SchedulerLease.lease_until < now))
            .values(owner=owner, lease_until=until, updated_at=now)
            .execution_options(synchronize_session=False))
        if int(taken.rowcount or 0) == 1:  # type: ignore[attr-defined]
            return True
        created = session.execute(  # (RETURNING: an ORM insert's rowcount is -1 on psycopg)
            _insert(session, SchedulerLease)
            .values(name=name, owner=owner, lease_until=until, updated_at=now)
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(SchedulerLease.name)).first()
        return created is not None


def resign(sessions: sessionmaker[Session], *, owner: str, now: datetime,
           name: str = SCHEDULER) -> bool:
    """Hand the lease over at once (a clean stop). False if ``owner`` did not hold it."""
    with sessions.begin() as session:
        result = session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == name, SchedulerLease.owner == owner)
            .values(owner=None, lease_until=None, updated_at=now)
            .execution_options(synchronize_session=False))
        return int(result.rowcount or 0) == 1  # type: ignore[attr-defined]


def holder(sessions: sessionmaker[Session], name: str = SCHEDULER
           ) -> tuple[str | None, datetime | None]:
    with sessions() as session:
        row = session.execute(select(SchedulerLease.owner, SchedulerLease.lease_until)
                              .where(SchedulerLease.name == name)).first()
        return (row.owner, row.lease_until) if row else (None, None)
