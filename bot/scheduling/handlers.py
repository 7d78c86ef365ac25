"""What each kind of due job does. Every handler is idempotent: the queue delivers at least
once (a worker may die after posting and before marking the job done), so each handler
checks what was already done (a stored message ts, a status) before calling Slack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.db import models as m
from bot.db import queue
from bot.deps import Deps
from bot.errors import ChannelUnavailable
from bot.services.slack_io import post_message
from bot.views import followups as fu_views

log = logging.getLogger(__name__)


class Deferred(Exception):
    """Try this job again at ``until`` without counting an attempt (e.g. channel rate limit)."""

    def __init__(self, until: datetime, reason: str) -> None:
        super().__init__(reason)
        self.until = until
        self.reason = reason


class PermanentFailure(Exception):
    """Retrying will not help; the job is marked failed (and someone was told)."""


@dataclass
class JobContext:
    deps: Deps
    client: WebClient
    job: queue.ClaimedJob
    now: datetime
    channel_blocked_until: Callable[[str, datetime], datetime | None]
    channel: str | None = field(default=None)

    def use_channel(self, channel: str) -> None:
        """Declare the channel this job posts to; defers when Slack asked us to wait."""
        self.channel = channel
        until = self.channel_blocked_until(channel, self.now)
        if until is not None:
            raise Deferred(until, f"rate limited in {channel}")


Handler = Callable[[JobContext], None]


def _late_note(ctx: JobContext) -> str | None:
    late = ctx.job.late_by
    if late > timedelta(minutes=30):
        hours = late.total_seconds() / 3600
        when = f"{hours:.0f} hours" if hours >= 1.5 else f"{late.total_seconds() / 60:.0f} minutes"
        return f"This check-in is {when} late: I was offline when it fell due."
    return None


def checkin_post(ctx: JobContext) -> None:
    deps = ctx.deps
    with deps.sessions() as session:
        checkin = session.get(m.Checkin, ctx.job.ref_id)
        if checkin is None or checkin.status not in ("scheduled", "snoozed"):
            return  # stopped, already posted, or gone
        if checkin.message_ts:
            return
        assessment = session.get(m.Assessment, checkin.assessment_id)
        if assessment is None or assessment.followups_status != "active":
            return
        if not assessment.message_ts:
            raise PermanentFailure("the recommendation was never posted")
        channel, thread = assessment.channel_id, assessment.message_ts
        owner, seq, total = assessment.user_id, checkin.seq, checkin.of_total
        checkin_id, assessment_id = checkin.id, assessment.id
        engagement = assessment.engagement
    ctx.use_channel(channel)
    marker = {"event_type": "engagement_checkin", "event_payload": {"checkin_id": checkin_id}}
    already = _find_posted(ctx, channel, thread, marker) if ctx.job.attempts > 1 else None
    message = fu_views.checkin_message(owner_id=owner, checkin_id=checkin_id, seq=seq,
                                       of_total=total, engagement=engagement,
                                       late_note=_late_note(ctx))
    try:
        resp = already or post_message(ctx.client, channel, thread_ts=thread,
                                       metadata=marker, **message)
    except ChannelUnavailable as exc:
        _pause_for_channel(ctx, assessment_id, owner, exc)
        raise PermanentFailure(exc.reason) from exc
    with deps.sessions.begin() as session:
        checkin = session.get(m.Checkin, checkin_id)
        assert checkin is not None
        checkin.message_ts = str(resp.get("ts"))
        checkin.status = "posted"
        checkin.late = ctx.job.late_by > timedelta(minutes=30)
        settings = deps.settings
        queue.enqueue(session, team_id=ctx.job.team_id, kind="checkin_nudge",
                      due_at=ctx.now + settings.nudge_after,
                      idempotency_key=f"checkin_nudge:{checkin_id}", ref_id=checkin_id,
                      now=ctx.now)
        queue.enqueue(session, team_id=ctx.job.team_id, kind="checkin_miss",
                      due_at=ctx.now + settings.miss_after,
                      idempotency_key=f"checkin_miss:{checkin_id}", ref_id=checkin_id,
                      now=ctx.now)


def _find_posted(ctx: JobContext, channel: str, thread: str, marker: dict[str, Any]
                 ) -> dict[str, Any] | None:
    """A retried job may have posted before its worker died: look for our marker in the
    thread so a crash between posting and recording never shows the message twice."""
    try:
        replies = ctx.client.conversations_replies(channel=channel, ts=thread, limit=200,
                                                   include_all_metadata=True)
    except SlackApiError:
        return None
    for msg in replies.get("messages") or []:
        meta = msg.get("metadata") or {}
        if (meta.get("event_type") == marker["event_type"]
                and meta.get("event_payload") == marker["event_payload"]):
            return {"ts": msg.get("ts")}
    return None


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
    ctx.use_channel(channel)
    try:
        post_message(ctx.client, channel, thread_ts=thread,
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


HANDLERS: dict[str, Handler] = {
    "checkin_post": checkin_post,
    "checkin_nudge": checkin_nudge,
    "checkin_miss": checkin_miss,
    "health_post": _health_post,
    "health_close": _health_close,
}
