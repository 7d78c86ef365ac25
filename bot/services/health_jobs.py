"""The jobs of a team health check: post a run (and schedule its close and the next run),
keep its "N answered" line current, close it with a summary in its thread and a trend
chart; and what happens when a post or a close is given up for good.

Both are idempotent: a retried post or close first looks for its metadata marker, so a
post Slack took but answered too late is not made twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from bot.db import models as m
from bot.db import queue
from bot.db.session import scrub
from bot.db.states import HealthCheckStatus, HealthRunStatus, JobKind
from bot.deps import Deps
from bot.errors import ChannelUnavailable
from bot.jobs.context import JobContext, PermanentFailure, Writes
from bot.services import slack_io  # post_message through the module: tests stand in there
from bot.services.health import (
    REVIVE_CANCELLED,
    answered,
    forget_answers,
    min_responses_of,
    new_run_key,
    next_occurrence,
    next_post_job,
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
    """What the scheduler prepares for a batch of run posts in one transaction, before
    running them: the channel, so its turn is planned with the workspace's (as for
    check-ins); the check; and the run's row, made here with its answer key, so the post
    itself needs no transaction of its own (its results go in the batch's write-back) and
    a rating clicked the moment the message is up is counted."""

    channel: str
    check: m.HealthCheck | None = field(default=None, compare=False)
    run: m.HealthRun | None = field(default=None, compare=False)


def _occurrence(job: queue.ClaimedJob) -> datetime:
    """The occurrence a ``health_post`` job is for (its due_at moves when it is retried)."""
    return datetime.fromisoformat((job.payload or {})["at"])


def prefetch(session: Session, jobs: list[queue.ClaimedJob]) -> dict[int, Any]:
    """Each job's check, and for an active one its run, made when missing (the next
    ``seq`` of its check, a fresh answer key). Runs in the batch's prefetch transaction:
    a worker dying after it leaves a run that the job's retry finds and posts."""
    ids = {job.ref_id for job in jobs if job.ref_id is not None}
    checks = {hc.id: hc for hc in session.scalars(
        select(m.HealthCheck).where(queue.ids_in(session, m.HealthCheck.id, ids)))}
    wanted: dict[int, tuple[int, datetime]] = {  # job -> (check, occurrence), active ones
        job.id: (job.ref_id, _occurrence(job)) for job in jobs
        if job.ref_id is not None and job.ref_id in checks
        and checks[job.ref_id].status == HealthCheckStatus.ACTIVE}
    runs: dict[tuple[int, datetime], m.HealthRun] = {}
    if wanted:
        for run in session.scalars(select(m.HealthRun).where(
                queue.ids_in(session, m.HealthRun.health_check_id,
                             {hc_id for hc_id, _ in wanted.values()}),
                m.HealthRun.scheduled_for.in_({at for _, at in wanted.values()}))):
            runs[(run.health_check_id, run.scheduled_for)] = run
        missing = sorted({pair for pair in wanted.values() if pair not in runs},
                         key=lambda pair: pair[1])
        if missing:
            seqs: dict[int, int] = {hc_id: top or 0 for hc_id, top in session.execute(
                select(m.HealthRun.health_check_id, func.max(m.HealthRun.seq))
                .where(queue.ids_in(session, m.HealthRun.health_check_id,
                                    {hc_id for hc_id, _ in missing}))
                .group_by(m.HealthRun.health_check_id))}
            for hc_id, occurrence in missing:
                hc = checks[hc_id]
                seqs[hc_id] = seqs.get(hc_id, 0) + 1
                runs[(hc_id, occurrence)] = run = m.HealthRun(
                    team_id=hc.team_id, health_check_id=hc_id, seq=seqs[hc_id],
                    channel_id=hc.channel_id, scheduled_for=occurrence,
                    status=HealthRunStatus.SCHEDULED)
                session.add(run)
        for run in runs.values():
            if run.message_ts is None and not run.answer_key:
                run.answer_key = new_run_key()  # lives only while the run is up
        session.flush()
    found: dict[int, Any] = {}
    for job in jobs:
        check = checks.get(job.ref_id) if job.ref_id is not None else None
        if check is not None:
            pair = wanted.get(job.id)
            found[job.id] = RunTarget(check.channel_id, check,
                                      runs.get(pair) if pair is not None else None)
    return found


def post_run(ctx: JobContext) -> Writes | None:
    """Job ``health_post``: post the run; its opening, its closing and the next run are
    written with the batch (``Writes``)."""
    deps, now = ctx.deps, ctx.now
    target = ctx.prefetched
    if not isinstance(target, RunTarget) or target.check is None:  # run outside a batch
        with deps.sessions.begin() as session:
            target = prefetch(session, [ctx.job]).get(ctx.job.id)
    if target is None or target.check is None or target.run is None:
        return None  # the check is gone, paused or stopped
    hc, run = target.check, target.run
    if run.message_ts:
        return None
    occurrence = _occurrence(ctx.job)
    closes = now + timedelta(seconds=hc.window_seconds)
    shown = _run_view(hc, run, closes=closes)
    ctx.use_channel(hc.channel_id)
    # a retry may follow a post Slack took but answered too late: look for it first
    mark = _run_marker(run.id)
    try:
        found = find_marked(ctx.client, hc.channel_id, mark) if ctx.job.is_retry else None
        resp = {"ts": found} if found else slack_io.post_message(
            ctx.client, hc.channel_id, metadata=mark, **shown)
    except ChannelUnavailable as exc:
        _pause_for_channel(ctx, exc, unposted=run.id)
        raise PermanentFailure(exc.reason, told=True) from exc
    due, key = next_occurrence(hc, after=max(now, occurrence))
    return Writes(
        statements=[
            (RUN_OPENED, {"b_id": run.id, "b_ts": str(resp["ts"]), "b_at": now,
                          "b_closes": closes}),
            (NEXT_RUN_AT, {"b_id": hc.id, "b_next": due}),
            (REVIVE_CANCELLED, {"b_key": key, "b_now": now}),
        ],
        jobs=[queue.job_row(team_id=hc.team_id, kind=JobKind.HEALTH_CLOSE, due_at=closes,
                            idempotency_key=f"health_close:{run.id}", ref_id=run.id, now=now),
              next_post_job(hc, due, key, now)],
    )


_runs = cast(Table, m.HealthRun.__table__)  # declarative __table__ is typed FromClause
_checks = cast(Table, m.HealthCheck.__table__)
RUN_OPENED = (
    update(_runs).where(_runs.c.id == bindparam("b_id"))
    .values(message_ts=bindparam("b_ts"), posted_at=bindparam("b_at"),
            closes_at=bindparam("b_closes"), status=HealthRunStatus.OPEN, count_shown=0)
)
NEXT_RUN_AT = (
    update(_checks).where(_checks.c.id == bindparam("b_id"))
    .values(next_run_at=bindparam("b_next"))
)


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


def _pause_for_channel(ctx: JobContext, exc: ChannelUnavailable,
                       unposted: int | None = None) -> None:
    """Pause the check; the run that could not be posted (``unposted``) loses its key."""
    with ctx.deps.sessions.begin() as session:
        hc = session.get(m.HealthCheck, ctx.job.ref_id)
        if hc is None:
            return
        hc.status = HealthCheckStatus.PAUSED
        if unposted is not None:
            session.execute(update(m.HealthRun).where(
                m.HealthRun.id == unposted, m.HealthRun.message_ts.is_(None))
                .values(answer_key=None))
        creator, hc_id = hc.creator_id, hc.id
    dm(ctx.client, creator, text=(
        f"{channel_problem(exc.channel_id, exc.reason).message} I have paused health check "
        f"#{hc_id}. Fix the channel, then run `/engagement healthcheck resume {hc_id}`."))


def post_given_up(deps: Deps, client: WebClient, job: queue.ClaimedJob, error: str) -> None:
    """A run's post was given up: the run is failed, the cadence kept, the creator told."""
    occurrence = _occurrence(job)
    now = deps.clock()
    with deps.sessions.begin() as session:
        hc = session.get(m.HealthCheck, job.ref_id)
        if hc is None or hc.status != HealthCheckStatus.ACTIVE:
            return
        run = session.scalar(select(m.HealthRun).where(
            m.HealthRun.health_check_id == hc.id, m.HealthRun.scheduled_for == occurrence))
        if run is not None and run.message_ts is None:
            run.status, run.answer_key = HealthRunStatus.FAILED, None
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
