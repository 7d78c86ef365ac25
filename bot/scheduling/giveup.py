"""When the scheduler gives a job up for good, the person it was for hears about it.

A job is given up when retrying cannot help (``PermanentFailure``) or its attempts ran out
(Slack kept failing for longer than the backoff covers). Nothing is dropped silently: the
owner of the assessment, or the creator of the health check, gets a DM saying what was not
posted, where, and why, and what happens next. Failures whose owner was already told (a
channel archived or closed to the bot pauses its follow-ups and says so) and workspaces
that are gone (uninstalled, token revoked) are not reported again.

Each hook runs after the job's failure is recorded and may itself fail (Slack still down):
that is logged and does not touch the queue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy import select

from bot.db import models as m
from bot.db import queue
from bot.deps import Deps
from bot.services.slack_io import dm
from bot.views.blocks import esc

log = logging.getLogger(__name__)

GiveUp = Callable[[Deps, WebClient, queue.ClaimedJob, str], None]


def _why(error: str) -> str:
    """A short reason for people: Slack's error code, without our internal prefixes."""
    return esc(error.split(": ", 1)[-1][:200]) or "an unknown error"


def checkin_post(deps: Deps, client: WebClient, job: queue.ClaimedJob, error: str) -> None:
    with deps.sessions.begin() as session:
        checkin = session.get(m.Checkin, job.ref_id)
        if checkin is None or checkin.status != "scheduled":
            return
        assessment = session.get(m.Assessment, checkin.assessment_id)
        if assessment is None:
            return
        checkin.status = "failed"
        owner, channel = assessment.user_id, assessment.channel_id
        what = f"check-in {checkin.seq} of {checkin.of_total} for *{esc(assessment.engagement)}*"
    dm(client, owner, text=(
        f":warning: I could not post {what} in <#{channel}> ({_why(error)}) and have "
        f"stopped trying. Its other follow-ups are still scheduled; nothing else changed."))


def health_post(deps: Deps, client: WebClient, job: queue.ClaimedJob, error: str) -> None:
    from bot.services.health import schedule_next

    occurrence = datetime.fromisoformat(str((job.payload or {}).get("at")))
    now = deps.clock()
    with deps.sessions.begin() as session:
        hc = session.get(m.HealthCheck, job.ref_id)
        if hc is None or hc.status != "active":
            return
        run = session.scalar(select(m.HealthRun).where(
            m.HealthRun.health_check_id == hc.id, m.HealthRun.scheduled_for == occurrence))
        if run is not None and run.message_ts is None:
            run.status = "failed"
        schedule_next(session, hc, after=max(now, occurrence), now=now)  # keep the cadence
        creator, channel = hc.creator_id, hc.channel_id
    dm(client, creator, text=(
        f":warning: I could not post this week's health check in <#{channel}> "
        f"({_why(error)}) and have stopped trying for this one. The next one is scheduled "
        "as usual."))


def health_close(deps: Deps, client: WebClient, job: queue.ClaimedJob, error: str) -> None:
    with deps.sessions() as session:
        run = session.get(m.HealthRun, job.ref_id)
        hc = session.get(m.HealthCheck, run.health_check_id) if run is not None else None
        if run is None or hc is None or run.status == "closed":
            return
        creator, channel = hc.creator_id, hc.channel_id
    dm(client, creator, text=(
        f":warning: I could not post the results of the health check in <#{channel}> "
        f"({_why(error)}) and have stopped trying. The answers are kept, and the next "
        "check's results will compare against them."))


GIVE_UP: dict[str, GiveUp] = {
    "checkin_post": checkin_post,
    "health_post": health_post,
    "health_close": health_close,
    # a missed nudge (a reminder) or a missed "missed" mark is only logged
}


def report(deps: Deps, client: WebClient, job: queue.ClaimedJob, error: str) -> None:
    log.warning("job %s (%s, team %s) given up after %d attempt(s): %s", job.id, job.kind,
                job.team_id, job.attempts, error)
    hook = GIVE_UP.get(job.kind)
    if hook is None:
        return
    try:
        hook(deps, client, job, error)
    except Exception:
        log.exception("telling the owner that job %s (%s) failed did not work", job.id,
                      job.kind)
