"""Check-ins: open the modal, compare against the baseline, snooze, stop, resume; deleting an
assessment; with permissions (the owner or a workspace admin).

Jobs are keyed by kind and ``ref_id``; a check-in's jobs are the ``CHECKIN_JOBS`` kinds with
the check-in's id. Health check jobs carry ids from other tables, so every query here names
the kinds: a check-in and a health check can share an id.

Texts returned here are mrkdwn for the person who clicked (an ephemeral, or the Home notice):
names people typed go through ``esc``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import delete as sql_delete
from sqlalchemy import select, update

from bot.db import models as m
from bot.db import queue
from bot.db.states import CHECKIN_JOBS, CheckinStatus, FollowupsStatus, JobKind
from bot.deps import Deps
from bot.errors import ChannelUnavailable, NotAllowed, NotFound
from bot.jobs.context import JobContext, PermanentFailure
from bot.services.slack_io import (
    dm,
    find_marked,
    marker,
    post_message,
    slack_error,
    upload_image,
    user_info,
)
from bot.views import followups as fu_views
from bot.views import notices
from bot.views import recommendation as rec_views
from bot.views.blocks import esc
from bot.views.metadata import flatten, nest
from triage import compare, parse_intake
from triage.models import Assessment, Comparison

log = logging.getLogger(__name__)

OUTBOX_GRACE = timedelta(seconds=10)  # as for verdicts (bot.services.assessments)
SNOOZE_AGAIN_AFTER = timedelta(seconds=30)  # snoozes closer together count as one

OPEN = (CheckinStatus.SCHEDULED, CheckinStatus.POSTED, CheckinStatus.SNOOZED)
# not posted yet: a checkin_post job should wait for it
UNSENT = (CheckinStatus.SCHEDULED, CheckinStatus.SNOOZED)
GIVEN_UP = CheckinStatus.FAILED  # its post was given up (the owner was told): not posted


def is_admin(client: WebClient, user_id: str) -> bool:
    try:
        user = user_info(client, user_id)  # cached for a while (tier 4)
    except SlackApiError:
        return False
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


def require_owner_or_admin(client: WebClient, user_id: str, owner_id: str, what: str) -> None:
    if user_id != owner_id and not is_admin(client, user_id):
        raise NotAllowed(notices.not_allowed(what))


@dataclass(frozen=True)
class CheckinRef:
    checkin_id: int
    assessment_id: int
    team_id: str
    owner_id: str
    channel_id: str
    thread_ts: str | None
    seq: int
    of_total: int
    engagement: str
    status: str
    baseline: dict[str, Any]
    verdict: dict[str, Any]


def load(deps: Deps, team_id: str, checkin_id: int) -> CheckinRef:
    with deps.sessions() as session:
        checkin = session.scalar(select(m.Checkin).where(m.Checkin.team_id == team_id,
                                                         m.Checkin.id == checkin_id))
        # check-ins go only with their assessment (deleted from Home), so say that
        if checkin is None:
            raise NotFound(notices.ASSESSMENT_DELETED)
        a = session.get(m.Assessment, checkin.assessment_id)
        if a is None:
            raise NotFound(notices.ASSESSMENT_DELETED)
        return CheckinRef(checkin.id, a.id, a.team_id, a.user_id, a.channel_id, a.message_ts,
                          checkin.seq, checkin.of_total, a.engagement, checkin.status,
                          dict(a.answers), dict(a.verdict or {}))


def latest_answers(session: Any, assessment: m.Assessment) -> dict[str, Any]:
    """The answers last given for an assessment, nested: its newest answered check-in's
    (every answer, the ones it did not ask carried over), else the questionnaire's."""
    answers = session.scalars(
        select(m.Checkin.answers).where(m.Checkin.assessment_id == assessment.id,
                                        m.Checkin.status == CheckinStatus.ANSWERED)
        .order_by(m.Checkin.seq.desc()).limit(1)).first()
    latest = (answers or {}).get("answers") if isinstance(answers, dict) else None
    return nest({**flatten(assessment.answers or {}), **flatten(latest or {})})


def answers_to_retake(deps: Deps, assessment_id: int) -> dict[str, Any]:
    """What a retake starts from: the answers last given (a check-in's, when there is one)."""
    with deps.sessions() as session:
        a = session.get(m.Assessment, assessment_id)
        return latest_answers(session, a) if a is not None else {}


def _verdict(raw: dict[str, Any]) -> Assessment | None:
    try:
        return Assessment.model_validate(raw)
    except ValueError:  # an old or empty verdict: ask every symptom and statement
        return None


def open_checkin(client: WebClient, deps: Deps, *, trigger_id: str, team_id: str,
                 user_id: str, checkin_id: int) -> None:
    ref = load(deps, team_id, checkin_id)
    require_owner_or_admin(client, user_id, ref.owner_id, "answer this check-in")
    if ref.status == CheckinStatus.ANSWERED:
        raise NotAllowed("This check-in has already been answered; the result is in the thread.")
    with deps.sessions() as session:
        a = session.get(m.Assessment, ref.assessment_id)
        last = latest_answers(session, a) if a is not None else ref.baseline
    state = fu_views.CheckinState(team_id=team_id, checkin_id=checkin_id)
    client.views_open(trigger_id=trigger_id, view=fu_views.checkin_modal(
        state, engagement=ref.engagement, seq=ref.seq, of_total=ref.of_total,
        last=flatten(last), verdict=_verdict(ref.verdict)))


def report_key(checkin_id: int) -> str:
    return f"{JobKind.CHECKIN_REPORT}:{checkin_id}"


@dataclass(frozen=True)
class Answered:
    """A check-in just answered, and the claim on its report this process holds."""

    checkin_id: int
    held: queue.Held | None


def submit(client: WebClient, deps: Deps, view: dict[str, Any], *, team_id: str,
           user_id: str) -> tuple[dict[str, Any], Answered | None]:
    """Inside the ack: validate and store the answers with their report (an outbox job, see
    ``bot.services.assessments``, born claimed by this process). Returns (ack kwargs, what
    to report on now).

    ``team_id`` and ``user_id`` come from Slack's signed request: the check-in is looked up
    within that workspace only, and only its owner (or a workspace admin) may answer it."""
    state = fu_views.CheckinState.decode(view.get("private_metadata") or "")
    if state.team_id != team_id:
        raise NotAllowed(notices.NOT_YOURS)
    parsed, errors = fu_views.parse_checkin(view.get("state", {}).get("values", {}))
    if errors:
        return {"response_action": "errors", "errors": errors}, None
    ref = load(deps, team_id, state.checkin_id)
    require_owner_or_admin(client, user_id, ref.owner_id, "answer this check-in")
    now = deps.clock()
    with deps.sessions.begin() as session:
        checkin = session.scalar(select(m.Checkin).where(
            m.Checkin.team_id == team_id, m.Checkin.id == state.checkin_id))
        if checkin is None:  # deleted while the modal was open: say so, don't just close
            raise NotFound(notices.ASSESSMENT_DELETED)
        if checkin.status == CheckinStatus.ANSWERED:
            return {}, None  # a double submit: the first one wins
        a = session.get(m.Assessment, checkin.assessment_id)
        if a is None:
            raise NotFound(notices.ASSESSMENT_DELETED)
        # what the modal did not ask keeps the value last given
        follow_up = nest({**flatten(latest_answers(session, a)), **parsed["answers"]})
        result = compare(parse_intake(a.answers), parse_intake(follow_up))
        checkin.answers = {"answers": follow_up, "note": parsed["note"]}
        checkin.comparison = result.model_dump(mode="json")
        checkin.status = CheckinStatus.ANSWERED
        checkin.answered_at = now
        checkin.answered_by = user_id
        cancel_jobs(session, team_id, [checkin.id], now=now)
        held = queue.enqueue_held(session, team_id=team_id, kind=JobKind.CHECKIN_REPORT,
                                  due_at=now + OUTBOX_GRACE,
                                  idempotency_key=report_key(checkin.id), ref_id=checkin.id,
                                  now=now, lease=deps.settings.job_lease)
        return {}, Answered(checkin.id, held)


COMPARISON_EVENT = "engagement_comparison"


def report(client: WebClient, deps: Deps, *, team_id: str, checkin_id: int,
           retrying: bool = False) -> None:
    """The comparison in the thread, and the parent's status line edited. Safe to run
    again: the comparison carries a marker, and a retry looks for it before posting (and
    then adds no second chart)."""
    with deps.sessions() as session:
        checkin = session.scalar(select(m.Checkin).where(m.Checkin.team_id == team_id,
                                                         m.Checkin.id == checkin_id))
        a = session.get(m.Assessment, checkin.assessment_id) if checkin is not None else None
        if checkin is None or a is None:
            log.info("check-in %s was deleted before its result was posted", checkin_id)
            return
        assert checkin.comparison is not None
        result = Comparison.model_validate(checkin.comparison)
        answers = checkin.answers or {}
        seq, total, by = checkin.seq, checkin.of_total, checkin.answered_by or ""
        channel, thread, assessment_id = a.channel_id, a.message_ts, a.id
        late = (checkin.answered_at - checkin.due_at
                if checkin.answered_at and checkin.due_at else None)
    mark = marker(COMPARISON_EVENT, checkin_id=checkin_id)
    found = find_marked(client, channel, mark, thread=thread) if retrying and thread else None
    if found is None:
        chart = trend_chart(deps, assessment_id=assessment_id)
        image = (upload_image(client, png=chart.png, filename="symptoms-trend.png",
                              title="Symptoms over time", alt=chart.text)
                 if chart is not None and chart.png is not None else None)

        def comparison(with_image: str | None) -> dict[str, Any]:
            return fu_views.comparison_message(
                result, seq=seq, of_total=total, answered_by=by,
                started=answers.get("started"), note=answers.get("note") or "",
                assessment_id=assessment_id, late=late,
                trend=chart.text if chart else None, image=with_image)

        try:
            post_message(client, channel, thread_ts=thread, metadata=mark,
                         **comparison(image))
        except SlackApiError as exc:
            if image is None or slack_error(exc) != "invalid_blocks":
                raise
            # the image not usable yet (Slack still processing it): its text is there
            log.warning("comparison of check-in %s posted without its chart", checkin_id)
            post_message(client, channel, thread_ts=thread, metadata=mark,
                         **comparison(None))
    update_parent(client, deps, team_id, assessment_id,
                  f"Check-in {seq} of {total}: {result.trend.value}"
                  + (" · the verdict has shifted" if result.model_shift else ""))


def report_now(client: WebClient, deps: Deps, *, team_id: str, checkin_id: int,
               held: queue.Held | None = None) -> None:
    """Right after the ack: post the report (the outbox job, ``held`` when it was born
    claimed by this process, else claimed now). If this process dies first, the scheduler
    does it once the claim's lease runs out."""
    if held is not None and held.job.team_id == team_id and held.job.ref_id == checkin_id:
        job, worker = held.job, held.worker
    else:
        key, now = report_key(checkin_id), deps.clock()
        worker = queue.web_worker_id()
        with deps.sessions.begin() as session:
            claimed = queue.claim_key(session, key, now=now, worker_id=worker,
                                      lease=deps.settings.job_lease, team_id=team_id)
        if claimed is None:
            return  # someone else holds it (the scheduler after a restart), or it is done
        job = claimed
    report(client, deps, team_id=team_id, checkin_id=checkin_id, retrying=job.is_retry)
    with deps.sessions.begin() as session:
        queue.complete(session, job.id, worker, now=deps.clock())


def report_job(ctx: JobContext) -> None:
    """Job ``checkin_report``: the safety net for ``report_now``."""
    with ctx.deps.sessions() as session:
        channel = session.scalar(select(m.Assessment.channel_id).join(
            m.Checkin, m.Checkin.assessment_id == m.Assessment.id).where(
            m.Checkin.id == ctx.job.ref_id, m.Checkin.team_id == ctx.job.team_id))
    if channel is None:
        return  # deleted meanwhile
    ctx.use_channel(channel)
    try:
        report(ctx.client, ctx.deps, team_id=ctx.job.team_id, checkin_id=int(ctx.job.ref_id or 0),
               retrying=ctx.job.is_retry)
    except ChannelUnavailable as exc:
        raise PermanentFailure(exc.reason) from exc


def report_given_up(deps: Deps, client: WebClient, job: queue.ClaimedJob, error: str) -> None:
    with deps.sessions() as session:
        checkin = session.get(m.Checkin, job.ref_id)
        a = session.get(m.Assessment, checkin.assessment_id) if checkin is not None else None
        if checkin is None or a is None:
            return
        owner, channel, name, seq = a.user_id, a.channel_id, a.engagement, checkin.seq
    dm(client, owner, text=(
        f":warning: I could not post the result of check-in {seq} for *{esc(name)}* in "
        f"<#{esc(channel)}> ({notices.failure_reason(error)}). Your answers are saved; "
        "the next check-in compares against them."))


def update_parent(client: WebClient, deps: Deps, team_id: str, assessment_id: int,
                  status: str) -> None:
    with deps.sessions() as session:
        a = session.get(m.Assessment, assessment_id)
        if a is None or a.team_id != team_id or not a.message_ts:
            return  # deleted meanwhile, or never posted
        parent = rec_views.parent_message(Assessment.model_validate(a.verdict),
                                          owner_id=a.user_id, assessment_id=a.id,
                                          status_line=status)
        channel, ts = a.channel_id, a.message_ts
    client.chat_update(channel=channel, ts=ts, **parent)


def snooze(client: WebClient, deps: Deps, *, team_id: str, user_id: str, checkin_id: int,
           days: int) -> str:
    ref = load(deps, team_id, checkin_id)
    require_owner_or_admin(client, user_id, ref.owner_id, "snooze these follow-ups")
    delta = timedelta(days=days)
    with deps.sessions.begin() as session:
        # a double click (or two people at once) snoozes once; another length is its own
        if not queue.once_per(session, f"snooze:{ref.assessment_id}:{days}", team_id,
                              now=deps.clock(), window=SNOOZE_AGAIN_AFTER):
            return (f"The follow-ups of *{esc(ref.engagement)}* were just snoozed; I did not "
                    "move them again.")
        ids = list(session.scalars(select(m.Checkin.id).where(
            m.Checkin.assessment_id == ref.assessment_id, m.Checkin.status.in_(OPEN))))
        for job in session.scalars(select(m.Job).where(
                m.Job.team_id == team_id, m.Job.kind.in_(CHECKIN_JOBS), m.Job.ref_id.in_(ids),
                m.Job.status.in_(queue.WAITING))):
            job.due_at = job.due_at + delta
        for checkin in session.scalars(select(m.Checkin).where(m.Checkin.id.in_(ids))):
            checkin.due_at = checkin.due_at + delta
    word = "a day" if days == 1 else f"{days} days"
    return f"Snoozed: the follow-ups of *{esc(ref.engagement)}* move {word} later."


def stop(client: WebClient, deps: Deps, *, team_id: str, user_id: str, checkin_id: int) -> str:
    ref = load(deps, team_id, checkin_id)
    require_owner_or_admin(client, user_id, ref.owner_id, "stop these follow-ups")
    with deps.sessions.begin() as session:
        a = session.get(m.Assessment, ref.assessment_id)
        if a is None:
            raise NotFound(notices.ASSESSMENT_DELETED)
        a.followups_status = FollowupsStatus.STOPPED
        ids = list(session.scalars(select(m.Checkin.id).where(
            m.Checkin.assessment_id == a.id)))
        cancel_jobs(session, team_id, ids, now=deps.clock())
        for checkin in session.scalars(select(m.Checkin).where(
                m.Checkin.id.in_(ids), m.Checkin.status.in_(OPEN))):
            checkin.status = CheckinStatus.STOPPED
    update_parent(client, deps, team_id, ref.assessment_id, rec_views.stopped_status(user_id))
    return f"Stopped all follow-ups of *{esc(ref.engagement)}*."


def resume(client: WebClient, deps: Deps, *, team_id: str, user_id: str, checkin_id: int
           ) -> str:
    """Follow-ups paused because their channel was unavailable start again. If the channel
    still is, the next post pauses them again and tells the owner (as the first time).

    The check-in whose post found the channel gone has a failed job (retrying would not have
    helped then), and pausing only held the jobs still waiting: that check-in is re-armed
    here (``rearm``), or it would never be posted. So is one whose post was given up."""
    ref = load(deps, team_id, checkin_id)
    require_owner_or_admin(client, user_id, ref.owner_id, "resume these follow-ups")
    name = esc(ref.engagement)
    now = deps.clock()
    with deps.sessions.begin() as session:
        a = session.get(m.Assessment, ref.assessment_id)
        if a is None:
            raise NotFound(notices.ASSESSMENT_DELETED)
        if a.followups_status != FollowupsStatus.PAUSED:
            return f"The follow-ups of *{name}* are {a.followups_status}, not paused."
        a.followups_status = FollowupsStatus.ACTIVE
        ids = list(session.scalars(select(m.Checkin.id).where(
            m.Checkin.assessment_id == a.id)))
        queue.resume(session, team_id=team_id, kind=CHECKIN_JOBS, ref_ids=ids, now=now)
        rearmed = rearm(session, team_id, a.id, now=now)
    if rearmed:
        log.info("assessment %s resumed by %s: check-in(s) %s re-armed", ref.assessment_id,
                 user_id, rearmed)
    return (f"Resumed the follow-ups of *{name}*. If I still can't post in "
            f"<#{esc(ref.channel_id)}>, I'll pause them again and tell you.")


def rearm(session: Any, team_id: str, assessment_id: int, *, now: datetime) -> list[int]:
    """Give every check-in not posted yet (given up included) that has no waiting
    ``checkin_post`` job one again: due at the check-in's own time, or now if that has passed
    (the post then says how late it is), with its attempts back; a given-up check-in is
    scheduled again. Returns the re-armed check-in ids."""
    unsent = {cid: due for cid, due in session.execute(
        select(m.Checkin.id, m.Checkin.due_at).where(
            m.Checkin.team_id == team_id, m.Checkin.assessment_id == assessment_id,
            m.Checkin.status.in_((*UNSENT, GIVEN_UP)), m.Checkin.message_ts.is_(None)))}
    if not unsent:
        return []
    armed = set(session.scalars(select(m.Job.ref_id).where(
        m.Job.team_id == team_id, m.Job.kind == JobKind.CHECKIN_POST,
        m.Job.ref_id.in_(list(unsent)), m.Job.status.in_((*queue.WAITING, queue.CLAIMED)))))
    rearmed = []
    for cid in sorted(set(unsent) - armed):
        due = max(unsent[cid], now)
        # its one job (the key is per check-in) failed, or ran while the follow-ups were
        # paused and found nothing to do: make it pending again
        done = session.execute(
            update(m.Job).where(m.Job.team_id == team_id, m.Job.kind == JobKind.CHECKIN_POST,
                                m.Job.ref_id == cid,
                                m.Job.status.in_((queue.FAILED, queue.DONE, queue.CANCELLED)))
            .values(status=queue.PENDING, due_at=due, attempts=0, lease_owner=None,
                    lease_until=None, last_error=None, done_at=None, updated_at=now)
            .execution_options(synchronize_session=False))
        if not done.rowcount:  # no job at all (purged): a new one
            queue.enqueue(session, team_id=team_id, kind=JobKind.CHECKIN_POST, due_at=due,
                          idempotency_key=f"checkin_post:{cid}", ref_id=cid, now=now)
        rearmed.append(cid)
    session.execute(update(m.Checkin).where(m.Checkin.id.in_(list(unsent)),
                                            m.Checkin.status == GIVEN_UP)
                    .values(status=CheckinStatus.SCHEDULED).execution_options(synchronize_session=False))
    return rearmed


def cancel_jobs(session: Any, team_id: str, checkin_ids: list[int], *,
                now: datetime | None = None) -> int:
    """Cancel the waiting jobs of these check-ins (and only theirs: kinds named)."""
    return queue.cancel(session, team_id=team_id, kind=CHECKIN_JOBS, ref_ids=checkin_ids,
                        now=now)


def delete(client: WebClient, deps: Deps, *, team_id: str, user_id: str,
           assessment_id: int | None) -> str:
    """Delete an assessment (owner or workspace admin only): its row and its check-ins, and
    its waiting jobs cancelled, in one transaction within ``team_id``. Messages already
    posted in Slack stay; their buttons then answer ``notices.ASSESSMENT_DELETED``. A job
    running at that moment finds its check-in gone and does nothing."""
    with deps.sessions() as session:
        a = session.scalar(select(m.Assessment).where(
            m.Assessment.team_id == team_id, m.Assessment.id == (assessment_id or 0)))
        if a is None:
            raise NotFound("I can't find that assessment any more.")
        aid, owner, engagement, channel = a.id, a.user_id, a.engagement, a.channel_id
    require_owner_or_admin(client, user_id, owner, "delete this assessment")
    now = deps.clock()
    with deps.sessions.begin() as session:
        ids = list(session.scalars(select(m.Checkin.id).where(
            m.Checkin.team_id == team_id, m.Checkin.assessment_id == aid)))
        cancelled = cancel_jobs(session, team_id, ids, now=now)
        session.execute(sql_delete(m.Checkin).where(m.Checkin.team_id == team_id,
                                                    m.Checkin.assessment_id == aid)
                        .execution_options(synchronize_session=False))
        gone = session.execute(sql_delete(m.Assessment).where(
            m.Assessment.team_id == team_id, m.Assessment.id == aid)
            .execution_options(synchronize_session=False))
        if not gone.rowcount:  # type: ignore[attr-defined]  # deleted meanwhile: say so
            raise NotFound("I can't find that assessment any more.")
    # ids only: the name is what someone typed
    log.info("assessment %s deleted by %s (team %s, owner %s): %d check-in(s), "
             "%d job(s) cancelled", aid, user_id, team_id, owner, len(ids), cancelled)
    return notices.deleted(engagement, channel)


@dataclass(frozen=True)
class TrendChart:
    text: str  # every number of the chart, in words: what the comparison shows
    png: Callable[[], bytes] | None  # None without the charts extra (matplotlib)


def trend_chart(deps: Deps, *, assessment_id: int) -> TrendChart | None:
    """The ownership symptoms across the verdict and its answered check-ins: those that
    moved, as text and (with matplotlib) a small chart. None when none of them moved."""
    from bot.views import charts

    with deps.sessions() as session:
        a = session.get(m.Assessment, assessment_id)
        if a is None:
            return None  # deleted meanwhile
        follow_ups = [c.answers["answers"] for c in session.scalars(
            select(m.Checkin).where(m.Checkin.assessment_id == assessment_id,
                                    m.Checkin.status == CheckinStatus.ANSWERED)
            .order_by(m.Checkin.seq))
            if c.answers]
        baseline = dict(a.answers)
    labels, series = charts.symptom_series(baseline, follow_ups)
    series = charts.moved(series)
    if not series:
        return None
    text = charts.symptom_text(labels, series)
    png = (lambda: charts.symptom_png(labels, series)) if charts.available() else None
    return TrendChart(text=text, png=png)
