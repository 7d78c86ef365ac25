"""The jobs of a check-in: post it in the recommendation's thread, nudge the owner once,
mark it missed; and what happens when its post is given up for good.

Every job is idempotent: the queue delivers at least once (a worker may die after posting
and before marking the job done), so each checks what was already done (a stored message
ts, a status, a metadata marker on the posted message) before calling Slack.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from slack_sdk import WebClient
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from bot.db import models as m
from bot.db import queue
from bot.db.states import CheckinStatus, FollowupsStatus, JobKind
from bot.deps import Deps
from bot.errors import ChannelUnavailable
from bot.jobs.context import JobContext, PermanentFailure, Writes
from bot.services.slack_io import dm, find_marked, marker, post_message
from bot.views import followups as fu_views
from bot.views import notices
from bot.views.blocks import esc

log = logging.getLogger(__name__)

LATE = timedelta(minutes=30)


def _late_note(late: timedelta) -> str | None:
    return fu_views.late_note(late) if late > LATE else None


@dataclass(frozen=True)
class CheckinTarget:
    """Everything a check-in post needs, read in one query for a whole batch."""

    checkin_id: int
    assessment_id: int
    channel: str
    thread: str | None
    owner: str
    seq: int
    total: int
    engagement: str
    due_at: datetime  # the check-in's own time (the job's may have moved: retries, turns)
    postable: bool  # still scheduled, not posted, follow-ups active


def prefetch(session: Session, jobs: list[queue.ClaimedJob]) -> dict[int, Any]:
    ids = {job.ref_id for job in jobs if job.ref_id is not None}
    rows = session.execute(
        select(m.Checkin.id, m.Checkin.status, m.Checkin.message_ts, m.Checkin.seq,
               m.Checkin.of_total, m.Assessment.id, m.Checkin.due_at, m.Assessment.channel_id,
               m.Assessment.message_ts, m.Assessment.user_id, m.Assessment.engagement,
               m.Assessment.followups_status)
        .join(m.Assessment, m.Assessment.id == m.Checkin.assessment_id)
        .where(queue.ids_in(session, m.Checkin.id, ids))
    ).all()
    targets = {
        r[0]: CheckinTarget(
            checkin_id=r[0], assessment_id=r[5], due_at=r[6], channel=r[7], thread=r[8],
            owner=r[9], seq=r[3], total=r[4], engagement=r[10],
            postable=(r[1] in (CheckinStatus.SCHEDULED, CheckinStatus.SNOOZED) and not r[2]
                      and r[11] == FollowupsStatus.ACTIVE))
        for r in rows
    }
    return {job.id: targets.get(job.ref_id or 0) for job in jobs}


def _load_checkin(ctx: JobContext) -> CheckinTarget | None:
    if ctx.prefetched is not None:
        return cast(CheckinTarget, ctx.prefetched)
    with ctx.deps.sessions() as session:
        return prefetch(session, [ctx.job]).get(ctx.job.id)


def post(ctx: JobContext) -> Writes | None:
    target = _load_checkin(ctx)
    if target is None or not target.postable:
        return None  # stopped, already posted, or gone
    if not target.thread:
        raise PermanentFailure("the recommendation was never posted")
    channel, thread = target.channel, target.thread
    ctx.use_channel(channel)
    mark = marker("engagement_checkin", checkin_id=target.checkin_id)
    found = find_marked(ctx.client, channel, mark, thread=thread) if ctx.job.is_retry else None
    late_by = max(ctx.now - target.due_at, ctx.job.late_by)
    message = fu_views.checkin_message(owner_id=target.owner, checkin_id=target.checkin_id,
                                       seq=target.seq, of_total=target.total,
                                       engagement=target.engagement,
                                       late_note=_late_note(late_by))
    try:
        resp = {"ts": found} if found else post_message(ctx.client, channel, thread_ts=thread,
                                                        metadata=mark, **message)
    except ChannelUnavailable as exc:
        _pause_for_channel(ctx, exc)
        raise PermanentFailure(exc.reason, told=True) from exc
    ts, now, team_id = str(resp.get("ts")), ctx.now, ctx.job.team_id
    late = late_by > LATE
    settings = ctx.deps.settings

    return Writes(
        statements=[(CHECKIN_POSTED, {"b_id": target.checkin_id, "b_ts": ts, "b_late": late})],
        jobs=[queue.job_row(team_id=team_id, kind=kind, due_at=now + after,
                            idempotency_key=f"{kind}:{target.checkin_id}",
                            ref_id=target.checkin_id, now=now)
              for kind, after in ((JobKind.CHECKIN_NUDGE, settings.nudge_after),
                                  (JobKind.CHECKIN_MISS, settings.miss_after))],
    )


_checkins = cast(Table, m.Checkin.__table__)  # declarative __table__ is typed FromClause
CHECKIN_POSTED = (
    update(_checkins).where(_checkins.c.id == bindparam("b_id"))
    .values(message_ts=bindparam("b_ts"), status=CheckinStatus.POSTED, late=bindparam("b_late"))
)


def nudge(ctx: JobContext) -> None:
    deps = ctx.deps
    with deps.sessions() as session:
        checkin = session.get(m.Checkin, ctx.job.ref_id)
        if (checkin is None or checkin.status != CheckinStatus.POSTED
                or checkin.nudged_at is not None):
            return
        assessment = session.get(m.Assessment, checkin.assessment_id)
        if assessment is None or assessment.followups_status != FollowupsStatus.ACTIVE:
            return
        channel, thread, owner = assessment.channel_id, assessment.message_ts, assessment.user_id
        checkin_id = checkin.id
    # a posted check-in is a reply: checkin_post refuses to post one without a thread
    assert thread is not None
    ctx.use_channel(channel)
    mark = marker("engagement_nudge", checkin_id=checkin_id)
    try:
        if not (ctx.job.is_retry and find_marked(ctx.client, channel, mark, thread=thread)):
            post_message(ctx.client, channel, thread_ts=thread, metadata=mark,
                         **fu_views.nudge_message(owner_id=owner, checkin_id=checkin_id))
    except ChannelUnavailable as exc:
        raise PermanentFailure(exc.reason) from exc
    with deps.sessions.begin() as session:
        checkin = session.get(m.Checkin, checkin_id)
        assert checkin is not None
        checkin.nudged_at = ctx.now


def miss(ctx: JobContext) -> None:
    with ctx.deps.sessions.begin() as session:
        checkin = session.get(m.Checkin, ctx.job.ref_id)
        if checkin is not None and checkin.status == CheckinStatus.POSTED:
            checkin.status = CheckinStatus.MISSED


def _pause_for_channel(ctx: JobContext, exc: ChannelUnavailable) -> None:
    from bot.services import workspaces

    workspaces.channel_unavailable(ctx.deps, ctx.job.team_id, exc.channel_id, exc.reason,
                                   client=ctx.client)


def given_up(deps: Deps, client: WebClient, job: queue.ClaimedJob, error: str) -> None:
    """Its post was given up for good: the check-in is failed and its owner told."""
    with deps.sessions.begin() as session:
        checkin = session.get(m.Checkin, job.ref_id)
        if checkin is None or checkin.status != CheckinStatus.SCHEDULED:
            return
        assessment = session.get(m.Assessment, checkin.assessment_id)
        if assessment is None:
            return
        checkin.status = CheckinStatus.FAILED
        owner, channel = assessment.user_id, assessment.channel_id
        what = (f"check-in {checkin.seq} of {checkin.of_total} for "
                f"*{esc(assessment.engagement)}*")
    dm(client, owner, text=(
        f":warning: I could not post {what} in <#{channel}> "
        f"({notices.failure_reason(error)}) and have stopped trying. Its other follow-ups "
        "are still scheduled; nothing else changed."))
