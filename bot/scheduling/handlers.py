"""What each kind of due job does. Every handler is idempotent: the queue delivers at least
once (a worker may die after posting and before marking the job done), so each handler
checks what was already done (a stored message ts, a status) before calling Slack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from slack_sdk import WebClient
from sqlalchemy import Executable, Table, bindparam, select, update
from sqlalchemy.orm import Session

from bot.db import models as m
from bot.db import queue
from bot.deps import Deps
from bot.errors import ChannelUnavailable
from bot.scheduling.pacing import ChannelPacer
from bot.services.slack_io import find_marked, marker, post_message
from bot.views import followups as fu_views

log = logging.getLogger(__name__)


class Deferred(Exception):
    """Try this job again at ``until`` without counting an attempt (e.g. channel rate limit)."""

    def __init__(self, until: datetime, reason: str) -> None:
        super().__init__(reason)
        self.until = until
        self.reason = reason


class PermanentFailure(Exception):
    """Retrying will not help; the job is marked failed. ``told``: the owner already heard
    about it (otherwise the runner tells them, see ``giveup``)."""

    def __init__(self, reason: str, *, told: bool = False) -> None:
        super().__init__(reason)
        self.told = told


@dataclass
class Writes:
    """A handler's database writes, applied by the runner in the transaction that marks the
    job done (so "posted" and "done" are recorded together). The runner batches them with
    the other jobs': statements shared by many jobs run as one executemany."""

    statements: list[tuple[Executable, dict[str, Any]]] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)  # queue.job_row(...) rows


Record = Writes


@dataclass
class JobContext:
    deps: Deps
    client: WebClient
    job: queue.ClaimedJob
    now: datetime
    pacer: ChannelPacer
    prefetched: Any = None  # what PREFETCH loaded for this job, if its kind has a loader
    channel: str | None = field(default=None)
    posting: str | None = field(default=None)  # the channel whose turn this job holds
    # waits up to this many seconds unless the worker is stopping (then False)
    wait: Callable[[float], bool] | None = None

    def use_channel(self, channel: str) -> None:
        """Declare the channel this job posts to and wait for its turn: defers the job when
        the channel was posted to less than a second ago or Slack asked us to wait. A turn
        only milliseconds away is waited for here: going round the queue for it would make
        the turn late, and every later turn in that channel with it."""
        self.channel = channel
        if self.posting == channel:
            return
        turn = self.pacer.acquire(channel, self.job.id, self.now)
        if (turn is not None and self.wait is not None and turn - self.now <= SHORT_WAIT
                and self.wait((turn - self.now).total_seconds())):
            self.now = max(self.deps.clock(), turn)  # (a test clock may stand still)
            turn = self.pacer.acquire(channel, self.job.id, self.now)
        if turn is not None:
            raise Deferred(turn, f"waiting for a turn in {channel}")
        self.posting = channel


SHORT_WAIT = timedelta(milliseconds=50)
Handler = Callable[[JobContext], Record | None]
Prefetch = Callable[[Session, list[queue.ClaimedJob]], dict[int, Any]]


LATE = timedelta(minutes=30)


def _late_note(late: timedelta) -> str | None:
    if late > LATE:
        hours = late.total_seconds() / 3600
        when = f"{hours:.0f} hours" if hours >= 1.5 else f"{late.total_seconds() / 60:.0f} minutes"
        return f"This check-in is {when} late: I was offline when it fell due."
    return None


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


def prefetch_checkins(session: Session, jobs: list[queue.ClaimedJob]) -> dict[int, Any]:
    ids = {job.ref_id for job in jobs if job.ref_id is not None}
    rows = session.execute(
        select(m.Checkin.id, m.Checkin.status, m.Checkin.message_ts, m.Checkin.seq,
               m.Checkin.of_total, m.Assessment.id, m.Checkin.due_at, m.Assessment.channel_id,
               m.Assessment.message_ts, m.Assessment.user_id, m.Assessment.engagement,
               m.Assessment.followups_status)
        .join(m.Assessment, m.Assessment.id == m.Checkin.assessment_id)
        .where(m.Checkin.id.in_(ids))
    ).all()
    targets = {
        r[0]: CheckinTarget(
            checkin_id=r[0], assessment_id=r[5], due_at=r[6], channel=r[7], thread=r[8],
            owner=r[9], seq=r[3], total=r[4], engagement=r[10],
            postable=r[1] in ("scheduled", "snoozed") and not r[2] and r[11] == "active")
        for r in rows
    }
    return {job.id: targets.get(job.ref_id or 0) for job in jobs}


def _load_checkin(ctx: JobContext) -> CheckinTarget | None:
    if ctx.prefetched is not None:
        return cast(CheckinTarget, ctx.prefetched)
    with ctx.deps.sessions() as session:
        return prefetch_checkins(session, [ctx.job]).get(ctx.job.id)


def checkin_post(ctx: JobContext) -> Record | None:
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
        _pause_for_channel(ctx, target.assessment_id, target.owner, exc)
        raise PermanentFailure(exc.reason, told=True) from exc
    ts, now, team_id = str(resp.get("ts")), ctx.now, ctx.job.team_id
    late = late_by > LATE
    settings = ctx.deps.settings

    return Writes(
        statements=[(CHECKIN_POSTED, {"b_id": target.checkin_id, "b_ts": ts, "b_late": late})],
        jobs=[queue.job_row(team_id=team_id, kind=kind, due_at=now + after,
                            idempotency_key=f"{kind}:{target.checkin_id}",
                            ref_id=target.checkin_id, now=now)
              for kind, after in (("checkin_nudge", settings.nudge_after),
                                  ("checkin_miss", settings.miss_after))],
    )


_checkins = cast(Table, m.Checkin.__table__)  # declarative __table__ is typed FromClause
CHECKIN_POSTED = (
    update(_checkins).where(_checkins.c.id == bindparam("b_id"))
    .values(message_ts=bindparam("b_ts"), status="posted", late=bindparam("b_late"))
)


def checkin_nudge(ctx: JobContext) -> None:
    deps = ctx.deps
    with deps.sessions() as session:
        checkin = session.get(m.Checkin, ctx.job.ref_id)
        if checkin is None or checkin.status != "posted" or checkin.nudged_at is not None:
            return
        assessment = session.get(m.Assessment, checkin.assessment_id)
        if assessment is None or assessment.followups_status != "active":
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


def checkin_miss(ctx: JobContext) -> None:
    with ctx.deps.sessions.begin() as session:
        checkin = session.get(m.Checkin, ctx.job.ref_id)
        if checkin is not None and checkin.status == "posted":
            checkin.status = "missed"


def _pause_for_channel(ctx: JobContext, assessment_id: int, owner: str,
                       exc: ChannelUnavailable) -> None:
    from bot.services import workspaces

    workspaces.channel_unavailable(ctx.deps, ctx.job.team_id, exc.channel_id, exc.reason,
                                   client=ctx.client)
    del assessment_id, owner


def _health_post(ctx: JobContext) -> None:
    from bot.services import health

    health.post_run(ctx)


def _health_close(ctx: JobContext) -> None:
    from bot.services import health

    health.close_run(ctx)


PREFETCH: dict[str, Prefetch] = {
    "checkin_post": prefetch_checkins,
}

HANDLERS: dict[str, Handler] = {
    "checkin_post": checkin_post,
    "checkin_nudge": checkin_nudge,
    "checkin_miss": checkin_miss,
    "health_post": _health_post,
    "health_close": _health_close,
}
