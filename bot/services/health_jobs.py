"""The jobs of a team health check: post a run (and schedule its close and the next run),
keep its "N answered" line current, close it with a summary in its thread and a trend
chart; and what happens when a post or a close is given up for good.

Both are idempotent: a retried post or close first looks for its metadata marker, so a
post Slack took but answered too late is not made twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.db import models as m
from bot.db import queue
from bot.db.session import scrub
from bot.db.states import HealthCheckStatus, HealthRunStatus, JobKind
from bot.deps import Deps
from bot.errors import ChannelUnavailable
from bot.jobs.context import JobContext, PermanentFailure
from bot.services import slack_io  # post_message through the module: tests stand in there
from bot.services.health import (
    answered,
    forget_answers,
    min_responses_of,
    new_run_key,
    post_trend_chart,
    schedule_next,
    summarize,
)
from bot.services.slack_io import channel_problem, dm, find_marked, marker, slack_error
from bot.timing.recurrence import zone
from bot.views import health as hv
from bot.views import notices

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunTarget:
    """What the scheduler learns about a batch of run posts before running them: the
    channel, so its turn is planned with the workspace's (as for check-ins), instead of
    each post finding out in its handler that the channel is busy and waiting for it."""

    channel: str


def prefetch(session: Session, jobs: list[queue.ClaimedJob]) -> dict[int, Any]:
    ids = {job.ref_id for job in jobs if job.ref_id is not None}
    channels: dict[int, str] = {hc_id: channel for hc_id, channel in session.execute(
        select(m.HealthCheck.id, m.HealthCheck.channel_id).where(m.HealthCheck.id.in_(ids)))}
    return {job.id: RunTarget(channels[job.ref_id]) for job in jobs
            if job.ref_id in channels}


def post_run(ctx: JobContext) -> None:
    """Job ``health_post``: post the run, schedule its closing and the next run."""
    deps, now = ctx.deps, ctx.now
    # the occurrence this job is for (its due_at moves when a retry is scheduled)
    occurrence = datetime.fromisoformat((ctx.job.payload or {})["at"])
    with deps.sessions.begin() as session:
        hc = session.get(m.HealthCheck, ctx.job.ref_id)
        if hc is None or hc.status != HealthCheckStatus.ACTIVE:
            return
        run = session.scalar(select(m.HealthRun).where(
            m.HealthRun.health_check_id == hc.id,
            m.HealthRun.scheduled_for == occurrence))
        if run is None:
            seq = 1 + (session.scalar(select(func.max(m.HealthRun.seq)).where(
                m.HealthRun.health_check_id == hc.id)) or 0)
            run = m.HealthRun(team_id=hc.team_id, health_check_id=hc.id, seq=seq,
                              channel_id=hc.channel_id, scheduled_for=occurrence,
                              status=HealthRunStatus.SCHEDULED)
            session.add(run)
            session.flush()
        if run.message_ts:
            return
        run_id, channel = run.id, hc.channel_id
        closes = now + timedelta(seconds=hc.window_seconds)
        shown = _run_view(hc, run, closes=closes)
    ctx.use_channel(channel)
    # a retry may follow a post Slack took but answered too late: look for it first
    mark = _run_marker(run_id)
    try:
        found = find_marked(ctx.client, channel, mark) if ctx.job.is_retry else None
        resp = {"ts": found} if found else slack_io.post_message(
            ctx.client, channel, metadata=mark, **shown)
    except ChannelUnavailable as exc:
        _pause_for_channel(ctx, exc)
        raise PermanentFailure(exc.reason, told=True) from exc
    with deps.sessions.begin() as session:
        run = session.get(m.HealthRun, run_id)
        hc = session.get(m.HealthCheck, ctx.job.ref_id)
        assert run is not None and hc is not None
        run.message_ts, run.posted_at, run.closes_at, run.status = (
            str(resp["ts"]), now, closes, HealthRunStatus.OPEN)
        run.answer_key = new_run_key()  # lives only while the run is open
        run.count_shown = 0
        queue.enqueue(session, team_id=hc.team_id, kind=JobKind.HEALTH_CLOSE, due_at=closes,
                      idempotency_key=f"health_close:{run_id}", ref_id=run_id, now=now)
        schedule_next(session, hc, after=max(now, occurrence), now=now)


def _run_marker(run_id: int) -> dict[str, Any]:
    return marker("engagement_health_run", run_id=run_id)


def _run_view(hc: m.HealthCheck, run: m.HealthRun, *, closes: datetime | None = None,
              answered: int = 0, closed: bool = False) -> dict[str, Any]:
    """The run's message as it should look now."""
    closes = closes or run.closes_at
    closes_text = (f"{closes.astimezone(zone(hc.timezone)):%a %H:%M} ({hc.timezone})"
                   if closes else "")
    return hv.run_message(run_id=run.id, seq=run.seq, closes_text=closes_text,
                          min_responses=min_responses_of(hc), answered=answered,
                          closed=closed)


def update_count(ctx: JobContext) -> None:
    """Job ``health_count``: edit the run's "N answered" line. There is at most one such
    job per run and ``HEALTH_COUNT_EVERY`` (``health.schedule_count``), so a busy run costs
    one ``chat.update`` a slot however many people click, well inside the workspace's
    limit for the method. Nothing is edited once the run's window has ended (the close
    edits the message for the last time) or when the count has not changed."""
    deps = ctx.deps
    with deps.sessions() as session:
        run = session.get(m.HealthRun, ctx.job.ref_id)
        if (run is None or run.status != HealthRunStatus.OPEN or not run.message_ts
                or (run.closes_at is not None and ctx.now >= run.closes_at)):
            return
        hc = session.get(m.HealthCheck, run.health_check_id)
        assert hc is not None
        count = answered(session, run.id)
        if count == run.count_shown:
            return
        shown, channel, ts = _run_view(hc, run, answered=count), run.channel_id, run.message_ts
    ctx.client.chat_update(channel=channel, ts=ts, metadata=_run_marker(run.id), **shown)
    with deps.sessions.begin() as session:
        session.execute(update(m.HealthRun).where(
            m.HealthRun.id == ctx.job.ref_id, m.HealthRun.status == HealthRunStatus.OPEN
        ).values(count_shown=count))


def close_run(ctx: JobContext) -> None:
    """Job ``health_close``: summarise (if enough answered) in the run's thread, then a
    trend chart of the latest checks' results.

    The transaction that stores the summary also deletes the answers and the run's key
    (``forget_answers``): whatever happens to the post after that, nothing about a person
    is left. The database is then asked to drop the deleted rows from its files too.

    A retried job (the worker died after posting) finds the summary by its metadata
    marker instead of posting it again. The chart comes after the run is marked closed, so
    a retry (which stops at "closed") never uploads it twice; a chart lost to a crash
    right then is not retried (it is an extra: the summary has the numbers)."""
    deps = ctx.deps
    with deps.sessions.begin() as session:
        # locked: a rating being stored right now is in the summary, or refused
        run = session.get(m.HealthRun, ctx.job.ref_id, with_for_update=True)
        if run is None or run.status == HealthRunStatus.CLOSED:
            return
        hc = session.get(m.HealthCheck, run.health_check_id)
        assert hc is not None
        if run.summary is None:
            answers = [(a.responder_hash, a.dimension, a.rating) for a in session.scalars(
                select(m.HealthAnswer).where(m.HealthAnswer.run_id == run.id))]
            previous = session.scalar(select(m.HealthRun.summary).where(
                m.HealthRun.health_check_id == hc.id, m.HealthRun.status == HealthRunStatus.CLOSED,
                m.HealthRun.seq < run.seq).order_by(m.HealthRun.seq.desc()).limit(1))
            run.summary = summarize(answers, previous, min_responses_of(hc))
        forget_answers(session, run)
        summary, channel, ts, run_id = run.summary, run.channel_id, run.message_ts, run.id
        hc_id = hc.id
    # the answers' table holds open runs only (small): written anew, indexes and all; the
    # runs' table keeps its rows, only the key was blanked
    scrub(deps.sessions, rewrite=["health_answers"], vacuum=["health_runs"])
    ctx.use_channel(channel)
    mark = marker("engagement_health_summary", run_id=run_id)
    if not (ctx.job.is_retry and ts and find_marked(ctx.client, channel, mark, thread=ts)):
        slack_io.post_message(ctx.client, channel, thread_ts=ts, metadata=mark,
                     **hv.summary_message(summary))
    with deps.sessions.begin() as session:
        run = session.get(m.HealthRun, run_id)
        hc = session.get(m.HealthCheck, hc_id)
        assert run is not None and hc is not None
        run.status = HealthRunStatus.CLOSED
        closed = _run_view(hc, run, answered=int(summary.get("responders") or 0),
                           closed=True) if ts else None
    if closed is not None and ts:  # the buttons make way for "closed, results in the thread"
        try:
            ctx.client.chat_update(channel=channel, ts=ts, metadata=_run_marker(run_id),
                                   **closed)
        except (SlackApiError, OSError) as exc:  # an extra, like the chart: never fatal
            log.warning("health run %s: could not mark its message closed (%s)", run_id,
                        slack_error(exc) if isinstance(exc, SlackApiError)
                        else type(exc).__name__)
    if summary.get("shown"):
        post_trend_chart(ctx.client, deps, health_check_id=hc_id, run_id=run_id,
                         channel=channel, thread=ts)


def _pause_for_channel(ctx: JobContext, exc: ChannelUnavailable) -> None:
    with ctx.deps.sessions.begin() as session:
        hc = session.get(m.HealthCheck, ctx.job.ref_id)
        if hc is None:
            return
        hc.status = HealthCheckStatus.PAUSED
        creator, hc_id = hc.creator_id, hc.id
    dm(ctx.client, creator, text=(
        f"{channel_problem(exc.channel_id, exc.reason).message} I have paused health check "
        f"#{hc_id}. Fix the channel, then run `/engagement healthcheck resume {hc_id}`."))


def post_given_up(deps: Deps, client: WebClient, job: queue.ClaimedJob, error: str) -> None:
    """A run's post was given up: the run is failed, the cadence kept, the creator told."""
    occurrence = datetime.fromisoformat(str((job.payload or {}).get("at")))
    now = deps.clock()
    with deps.sessions.begin() as session:
        hc = session.get(m.HealthCheck, job.ref_id)
        if hc is None or hc.status != HealthCheckStatus.ACTIVE:
            return
        run = session.scalar(select(m.HealthRun).where(
            m.HealthRun.health_check_id == hc.id, m.HealthRun.scheduled_for == occurrence))
        if run is not None and run.message_ts is None:
            run.status = HealthRunStatus.FAILED
        schedule_next(session, hc, after=max(now, occurrence), now=now)  # keep the cadence
        creator, channel = hc.creator_id, hc.channel_id
    dm(client, creator, text=(
        f":warning: I could not post this week's health check in <#{channel}> "
        f"({notices.failure_reason(error)}) and have stopped trying for this one. The next "
        "one is scheduled as usual."))


def close_given_up(deps: Deps, client: WebClient, job: queue.ClaimedJob, error: str
                   ) -> None:
    """The results were not posted: the summary stays (the answers were already
    deleted), the creator is told."""
    with deps.sessions() as session:
        run = session.get(m.HealthRun, job.ref_id)
        hc = session.get(m.HealthCheck, run.health_check_id) if run is not None else None
        if run is None or hc is None or run.status == HealthRunStatus.CLOSED:
            return
        creator, channel = hc.creator_id, hc.channel_id
    dm(client, creator, text=(
        f":warning: I could not post the results of the health check in <#{channel}> "
        f"({notices.failure_reason(error)}) and have stopped trying. The results are kept "
        "(the individual answers are not: they are deleted when a check closes)."))
