"""Assessments: store the answers and the verdict first, then post; nothing is lost.

``create_from_intake`` runs inside the ack (quick: triage is pure and in memory). In the
same transaction as the row it writes the post as a job (an outbox), born claimed by the
process that acks: right after the ack that process posts (``post_now``: the fast path,
nothing read or claimed in between), and if it dies first, the scheduler claims the job
once its lease runs out and posts (``post_job``: the safety net). Claims are atomic, so
two attempts (a crash and a restart, two quick *Try again* clicks) never post at once;
and ``post`` is safe to run again: a parent already posted is never posted twice
(metadata markers, looked up on a retry), thread replies resume where they stopped. When
Slack refuses for good, the owner is told by DM.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.db import models as m
from bot.db import queue
from bot.db.states import AssessmentStatus, CheckinStatus, FollowupsStatus, JobKind
from bot.deps import Deps
from bot.errors import ChannelUnavailable, NotAllowed, NotFound
from bot.jobs.context import JobContext, PermanentFailure
from bot.services import intake as intake_service
from bot.services.slack_io import (
    dm,
    find_marked,
    marked,
    marker,
    permalink,
    post_message,
    slack_error,
)
from bot.views import notices
from bot.views import recommendation as rec_views
from bot.views.metadata import IntakeState
from triage import assess, parse_intake
from triage.models import STATED_MODEL, Assessment

log = logging.getLogger(__name__)


# how long the outbox job waits for the process that acked before the scheduler may take
# it (that process claims it at once; after a crash the job's lease decides)
OUTBOX_GRACE = timedelta(seconds=10)


@dataclass(frozen=True)
class PostResult:
    assessment_id: int
    ok: bool
    channel_id: str
    permalink: str | None = None
    problem: str | None = None  # a message for the user when not ok
    permanent: bool = False  # retrying will not help until someone fixes the channel
    busy: bool = False  # another attempt holds the post right now


@dataclass(frozen=True)
class Stored:
    """A stored verdict and, when this process claimed its post in the transaction that
    stored it (the outbox job born claimed, its lease running), that claim: it posts at
    once, with no claim and no read in between. If this process dies first, the lease runs
    out and the scheduler posts."""

    row: m.Assessment  # detached, as stored
    held: queue.Held | None

    @property
    def assessment_id(self) -> int:
        return int(self.row.id)


def post_key(assessment_id: int) -> str:
    return f"{JobKind.ASSESSMENT_POST}:{assessment_id}"


def create_from_intake(deps: Deps, state: IntakeState, *, view: dict[str, Any], team_id: str,
                       user_id: str) -> Stored | None:
    """Store a finished questionnaire and its post (the outbox job, claimed by this process
    for :func:`post_now`). None for a duplicate submission. ``team_id`` and ``user_id``
    come from Slack's signed request; a modal whose state names another workspace or
    person is refused, nothing written."""
    if state.team_id != team_id or state.user_id != user_id:
        raise NotAllowed(notices.NOT_YOURS)
    answers = intake_service_answers(state)
    intake = parse_intake(answers)
    verdict = assess(intake)
    stated = STATED_MODEL[intake.stated_need]
    key = f"intake:{view.get('id')}:{view.get('hash')}"
    now = deps.clock()
    with deps.sessions.begin() as session:
        if not queue.remember_once(session, key, team_id, now=now):
            return None
        row = m.Assessment(
            team_id=team_id,
            user_id=user_id,
            channel_id=state.post_channel or state.channel_id,
            engagement=intake.engagement,
            answers=intake.model_dump(mode="json"),
            verdict=verdict.model_dump(mode="json"),
            bottleneck_kind=verdict.bottleneck.kind.value,
            model=verdict.recommendation.model.value,
            stated_model=stated.value if stated else None,
            mismatch=verdict.mismatch is not None,
            confidence=verdict.bottleneck.confidence,
            status=AssessmentStatus.PENDING_POST,
            checkin_offsets=intake_service.checkin_offsets_seconds(deps, state),
            followups_status=FollowupsStatus.ACTIVE,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        held = queue.enqueue_held(session, team_id=team_id, kind=JobKind.ASSESSMENT_POST,
                                  due_at=now + OUTBOX_GRACE, idempotency_key=post_key(row.id),
                                  ref_id=row.id, payload={"view_id": view.get("id")},
                                  now=now, lease=deps.settings.job_lease)
        session.expunge(row)
        return Stored(row=row, held=held)


def intake_service_answers(state: IntakeState) -> dict[str, Any]:
    from bot.views import intake as intake_views

    return intake_views.to_intake_dict(state)


def get(deps: Deps, *, team_id: str, assessment_id: int) -> m.Assessment:
    with deps.sessions() as session:
        row = session.scalar(select(m.Assessment).where(
            m.Assessment.team_id == team_id, m.Assessment.id == assessment_id))
        if row is None:
            raise NotFound("I can't find that assessment any more.")
        session.expunge(row)
        return row


def verdict_of(row: m.Assessment) -> Assessment:
    return Assessment.model_validate(row.verdict)


def status_line(row: m.Assessment) -> str:
    offsets = row.checkin_offsets or []
    if not offsets:
        return "No check-ins scheduled."
    from bot.timing.durations import describe_offsets

    return "Check-ins after " + describe_offsets([timedelta(seconds=s) for s in offsets]) + "."


PARENT_EVENT = "engagement_assessment"
REPLY_EVENT = "engagement_reply"


def post(client: WebClient, deps: Deps, *, team_id: str, assessment_id: int,
         user_id: str | None = None, retrying: bool = False,
         loaded: m.Assessment | None = None) -> PostResult:
    """Post the parent message and the thread; schedule the check-ins. Idempotent.

    Every message carries a metadata marker. A post whose answer never came (a timeout, or
    a process that died mid-post) may still have reached Slack, so a retry first looks for
    the markers and only posts what is not there. ``loaded``: the row, read by the caller
    in the transaction that claimed the post (one transaction fewer before the post)."""
    row = loaded if loaded is not None and loaded.id == assessment_id \
        and loaded.team_id == team_id else get(deps, team_id=team_id,
                                               assessment_id=assessment_id)
    verdict = verdict_of(row)
    channel = row.channel_id
    retrying = retrying or row.post_error is not None
    # pure and the same on every attempt: the replies are sized to fit under this parent
    parent = rec_views.parent_message(verdict, owner_id=row.user_id, assessment_id=row.id,
                                      status_line=status_line(row))
    try:
        if not row.message_ts:
            mark = marker(PARENT_EVENT, assessment_id=row.id)
            ts = find_marked(client, channel, mark) if retrying else None
            if ts is None:
                ts = str(post_message(client, channel, metadata=mark, **parent)["ts"])
            link = permalink(client, channel, ts)
            with deps.sessions.begin() as session:
                db_row = session.get(m.Assessment, row.id)
                assert db_row is not None
                db_row.message_ts = ts
                db_row.permalink = link
                db_row.status = AssessmentStatus.POSTED
                db_row.post_error = None
                db_row.updated_at = deps.clock()
            row.message_ts, row.permalink = ts, link
        replies = rec_views.thread_replies(verdict, row.id, parent)
        done = (_replies_found(client, channel, row.message_ts, row.id)
                if retrying and (row.thread_posted or 0) < len(replies) else set())
        for index, reply in enumerate(replies):
            if index < (row.thread_posted or 0):
                continue
            if index not in done:
                post_message(client, channel, thread_ts=row.message_ts,
                             metadata=marker(REPLY_EVENT, assessment_id=row.id, reply=index),
                             **reply)
            with deps.sessions.begin() as session:
                db_row = session.get(m.Assessment, row.id)
                assert db_row is not None
                db_row.thread_posted = index + 1
                db_row.post_error = None
    except ChannelUnavailable as exc:
        _mark_failed(deps, row.id, exc.reason)
        owner = user_id or row.user_id
        if not row.message_ts:
            dm(client, owner, text=exc.message + " Your answers are saved: use *Try again* in "
               "the questionnaire window, or run `/engagement` in another channel.")
        return PostResult(row.id, ok=False, channel_id=channel, problem=exc.message,
                          permanent=True)
    except SlackApiError as exc:
        _mark_failed(deps, row.id, slack_error(exc))
        log.warning("posting assessment %s failed: %s", row.id, slack_error(exc))
        return PostResult(row.id, ok=False, channel_id=channel,
                          problem="Slack did not accept the message "
                          f"({slack_error(exc)}). Your answers are saved; try again.")
    except OSError as exc:  # no answer: a timeout, or a reset after the client's retries
        _mark_failed(deps, row.id, f"no answer: {type(exc).__name__}")
        log.warning("posting assessment %s: no answer from Slack (%s)", row.id,
                    type(exc).__name__)
        return PostResult(row.id, ok=False, channel_id=channel,
                          problem="Slack did not answer in time, so I cannot tell whether "
                          "the message went out. Your answers are saved; *Try again* "
                          "checks the channel first and never posts it twice.")
    schedule_checkins(deps, row)
    return PostResult(row.id, ok=True, channel_id=channel, permalink=row.permalink)


def _replies_found(client: WebClient, channel: str, thread: str | None, assessment_id: int
                   ) -> set[int]:
    """Which of the thread replies an earlier attempt did post (by their markers)."""
    if not thread:
        return set()
    return {int(found["event_payload"].get("reply", -1))
            for found in marked(client, channel, thread=thread)
            if found.get("event_type") == REPLY_EVENT
            and (found.get("event_payload") or {}).get("assessment_id") == assessment_id}


def _mark_failed(deps: Deps, assessment_id: int, error: str) -> None:
    """Record the failure (the status only while the parent is not out yet)."""
    with deps.sessions.begin() as session:
        db_row = session.get(m.Assessment, assessment_id)
        if db_row is not None:
            if db_row.status != AssessmentStatus.POSTED:
                db_row.status = AssessmentStatus.POST_FAILED
            db_row.post_error = error[:200]
            db_row.updated_at = deps.clock()


def schedule_checkins(deps: Deps, row: m.Assessment) -> None:
    """One check-in row and one due job per offset; scheduling twice is a no-op."""
    offsets = row.checkin_offsets or []
    now = deps.clock()
    with deps.sessions.begin() as session:
        existing = set(session.scalars(select(m.Checkin.seq).where(
            m.Checkin.assessment_id == row.id)))
        for seq, seconds in enumerate(offsets, start=1):
            if seq in existing:
                continue
            due = now + timedelta(seconds=seconds)
            checkin = m.Checkin(team_id=row.team_id, assessment_id=row.id, seq=seq,
                                of_total=len(offsets), due_at=due, status=CheckinStatus.SCHEDULED,
                                created_at=now)
            session.add(checkin)
            session.flush()
            queue.enqueue(session, team_id=row.team_id, kind=JobKind.CHECKIN_POST, due_at=due,
                          idempotency_key=f"checkin_post:{checkin.id}", ref_id=checkin.id,
                          now=now)


# ------------------------------------------------------------------ the outbox
RETRY_AFTER = timedelta(seconds=30)  # a failed fast path: the scheduler tries again then


def _posted_result(deps: Deps, team_id: str, assessment_id: int) -> PostResult:
    row = get(deps, team_id=team_id, assessment_id=assessment_id)
    if row.status == AssessmentStatus.POSTED:
        return PostResult(row.id, ok=True, channel_id=row.channel_id, permalink=row.permalink)
    return PostResult(row.id, ok=False, channel_id=row.channel_id, busy=True,
                      problem=notices.BEING_POSTED)


def post_now(client: WebClient, deps: Deps, *, team_id: str, assessment_id: int,
             user_id: str | None = None, again: bool = False,
             stored: Stored | None = None) -> PostResult:
    """Claim the verdict's post and do it now: right after the ack (``stored``: claimed
    when it was stored), or when someone clicks *Try again* (``again``: a post given up is
    armed once more). Whoever holds the claim (a concurrent click, the scheduler) posts;
    everyone else is told it is under way."""
    if stored is not None and stored.held is not None and stored.row.team_id == team_id \
            and stored.assessment_id == assessment_id:
        return _post_claimed(client, deps, stored.held, stored.row, assessment_id,
                             user_id=user_id)
    key, now = post_key(assessment_id), deps.clock()
    worker = queue.web_worker_id()
    if again:
        get(deps, team_id=team_id, assessment_id=assessment_id)  # in this workspace
    with deps.sessions.begin() as session:
        if again:
            queue.rearm_key(session, key, now=now)
            # a verdict stored before the outbox existed has no job: give it one
            queue.enqueue(session, team_id=team_id, kind=JobKind.ASSESSMENT_POST, due_at=now,
                          idempotency_key=key, ref_id=assessment_id, now=now)
        job = queue.claim_key(session, key, now=now, worker_id=worker,
                              lease=deps.settings.job_lease, team_id=team_id)
        row = None
        if job is not None:  # read in the claim's transaction, not one more before the post
            row = session.scalar(select(m.Assessment).where(
                m.Assessment.team_id == team_id, m.Assessment.id == assessment_id))
            if row is not None:
                session.expunge(row)
    if job is None:
        return _posted_result(deps, team_id, assessment_id)
    return _post_claimed(client, deps, queue.Held(job, worker), row, assessment_id,
                         user_id=user_id)


def _post_claimed(client: WebClient, deps: Deps, held: queue.Held, row: m.Assessment | None,
                  assessment_id: int, *, user_id: str | None) -> PostResult:
    """Post a verdict whose job this process holds, then settle the job."""
    job, worker, team_id = held.job, held.worker, held.job.team_id
    try:
        result = post(client, deps, team_id=team_id, assessment_id=assessment_id,
                      user_id=user_id, retrying=job.is_retry, loaded=row)
    except Exception as exc:  # the job stays claimed: its lease runs out, the scheduler retries
        log.warning("posting assessment %s failed: %s", assessment_id, type(exc).__name__)
        raise
    with deps.sessions.begin() as session:
        if result.ok:
            queue.complete(session, job.id, worker, now=deps.clock())
        else:  # permanent: until someone fixes the channel and clicks Try again
            queue.fail(session, job.id, worker, result.problem or "not posted",
                       None if result.permanent else deps.clock() + RETRY_AFTER,
                       now=deps.clock())
    return result


def post_job(ctx: JobContext) -> None:
    """Job ``assessment_post``: the safety net. The process that acked died before posting
    (or Slack refused a moment): post now, looking for what an earlier attempt posted."""
    assessment_id, team_id = int(ctx.job.ref_id or 0), ctx.job.team_id
    try:
        row = get(ctx.deps, team_id=team_id, assessment_id=assessment_id)
    except NotFound:
        return  # deleted meanwhile
    if row.status == AssessmentStatus.POSTED and (
            row.thread_posted or 0) >= len(rec_views.thread_replies(verdict_of(row), row.id)):
        return
    ctx.use_channel(row.channel_id)
    result = post(ctx.client, ctx.deps, team_id=team_id, assessment_id=assessment_id,
                  retrying=ctx.job.is_retry)
    view_id = (ctx.job.payload or {}).get("view_id")
    if view_id:  # the questionnaire window may still be open on "Posting…"; closed long
        # ago, the DM or the channel says it
        with contextlib.suppress(SlackApiError, OSError):
            ctx.client.views_update(view_id=view_id, view=notices.posted_modal(result))
    if not result.ok:
        if result.permanent:
            raise PermanentFailure(result.problem or "not posted", told=True)
        raise RuntimeError(result.problem or "not posted")


def post_given_up(deps: Deps, client: WebClient, job: queue.ClaimedJob, error: str) -> None:
    """The verdict's post was given up for good: its owner hears where it stands."""
    try:
        row = get(deps, team_id=job.team_id, assessment_id=int(job.ref_id or 0))
    except NotFound:
        return
    dm(client, row.user_id, **notices.verdict_not_posted(
        row.engagement, row.channel_id, notices.failure_reason(error), row.id))
