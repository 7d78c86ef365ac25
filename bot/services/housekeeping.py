"""Housekeeping: a daily job (``housekeeping``) that deletes what is kept only for a while.

* finished jobs: done and cancelled ones after ``ENGAGEMENT_KEEP_FINISHED_JOBS`` (30 days),
  failed ones after ``ENGAGEMENT_KEEP_FAILED_JOBS`` (90 days: someone may look at them);
* processed-request keys (Slack's retries are answered once) after
  ``ENGAGEMENT_KEEP_REQUEST_KEYS`` (7 days; Slack retries within minutes);
* an uninstalled workspace's data, all of it (``workspaces.purge_team``), once
  ``ENGAGEMENT_PURGE_UNINSTALLED_AFTER`` (30 days) has passed since Slack said it
  uninstalled the app, unless it is installed again by then: a reinstall through OAuth
  clears the date at once; otherwise the job asks first (the installation store, or
  ``auth.test`` with the one configured token) and purges only on a clear no.

The job has no workspace (``team_id`` ""). One is scheduled when a scheduler starts
(``schedule``) and each run schedules the next a day later; jobs are keyed by their day,
so however many schedulers start at once there is at most one a day, and a restart neither
duplicates the chain nor loses it.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import models as m
from bot.db import queue
from bot.db.states import JobKind, JobStatus
from bot.deps import Deps
from bot.jobs.context import JobContext
from bot.services import workspaces

log = logging.getLogger(__name__)

EVERY = timedelta(days=1)
NO_TEAM = ""  # the job is the deployment's, not a workspace's
FINISHED = (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)


def key_for(day: date) -> str:
    return f"{JobKind.HOUSEKEEPING}:{day.isoformat()}"


def schedule(deps: Deps, now: datetime | None = None) -> bool:
    """Make sure a housekeeping job is waiting (called when a scheduler starts): today's,
    due now, unless today's has already run; then tomorrow's. True if one was added."""
    now = now or deps.clock()
    with deps.sessions.begin() as session:
        waiting = session.scalar(select(m.Job.id).where(
            m.Job.kind == JobKind.HOUSEKEEPING,
            m.Job.status.in_((JobStatus.PENDING, JobStatus.CLAIMED, JobStatus.PAUSED)))
            .limit(1))
        if waiting is not None:
            return False
        if _enqueue(session, now):
            return True
        today = session.scalar(select(m.Job.status).where(
            m.Job.idempotency_key == key_for(now.date())))
        # taken by a scheduler starting at the same moment (it waits: nothing to add), or
        # today's already ran: tomorrow's then
        return today in FINISHED and _enqueue(session, now + EVERY, now=now)


def _enqueue(session: Session, due: datetime, *, now: datetime | None = None) -> bool:
    job = queue.enqueue(session, team_id=NO_TEAM, kind=JobKind.HOUSEKEEPING, due_at=due,
                        idempotency_key=key_for(due.date()), now=now or due)
    return job is not None


def run(ctx: JobContext) -> None:
    """Job ``housekeeping``: schedule tomorrow's first (a failure below must not end the
    chain), then purge."""
    deps, now = ctx.deps, ctx.now
    with deps.sessions.begin() as session:
        _enqueue(session, now + EVERY, now=now)
    settings = deps.settings
    with deps.sessions.begin() as session:
        jobs = queue.purge_finished(session, before=now - settings.keep_finished_jobs)
        failed = queue.purge_finished(session, before=now - settings.keep_failed_jobs,
                                      statuses=(JobStatus.FAILED,))
        keys = queue.forget_requests(session, before=now - settings.keep_request_keys)
    purged = purge_uninstalled(deps, ctx.client, now=now)
    log.info("housekeeping: deleted %d finished and %d failed job(s), %d request key(s); "
             "purged %d uninstalled workspace(s)", jobs, failed, keys, len(purged))


def purge_uninstalled(deps: Deps, client: WebClient | None, *, now: datetime) -> list[str]:
    """Purge every workspace uninstalled longer ago than the retention, unless it turns
    out to be installed again (its date is then cleared). Returns the purged team ids."""
    purged = []
    for team_id in workspaces.uninstalled_before(deps, now - deps.settings.purge_uninstalled_after):
        installed = workspaces.still_installed(deps, client, team_id)
        if installed:
            workspaces.reinstalled(deps, team_id)
            log.info("team %s: installed again; its data stays", team_id)
        elif installed is None:
            log.info("team %s: could not tell whether it is installed; trying tomorrow",
                     team_id)
        else:
            workspaces.purge_team(deps, team_id)
            purged.append(team_id)
    return purged
