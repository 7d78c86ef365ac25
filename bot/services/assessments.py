"""Assessments: store the answers and the verdict first, then post; nothing typed is lost.

``create_from_intake`` runs inside the ack (quick: triage is pure and in memory; one
insert). ``post`` runs after the ack and is safe to run again: a parent message already
posted is never posted twice, and thread replies resume where they stopped.
"""

from __future__ import annotations

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
from bot.errors import ChannelUnavailable, NotFound
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
from bot.views import recommendation as rec_views
from bot.views.metadata import IntakeState
from triage import assess, parse_intake
from triage.models import STATED_MODEL, Assessment

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostResult:
    assessment_id: int
    ok: bool
    channel_id: str
    permalink: str | None = None
    problem: str | None = None  # a message for the user when not ok


def create_from_intake(deps: Deps, state: IntakeState, *, view: dict[str, Any]) -> int | None:
    """Store a finished questionnaire. Returns the id, or None for a duplicate submission."""
    answers = intake_service_answers(state)
    intake = parse_intake(answers)
    verdict = assess(intake)
    stated = STATED_MODEL[intake.stated_need]
    key = f"intake:{view.get('id')}:{view.get('hash')}"
    now = deps.clock()
    with deps.sessions.begin() as session:
        if not queue.remember_once(session, key, state.team_id, now=now):
            return None
        row = m.Assessment(
            team_id=state.team_id,
            user_id=state.user_id,
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
        return int(row.id)


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
         user_id: str | None = None) -> PostResult:
    """Post the parent message and the thread; schedule the check-ins. Idempotent.

    Every message carries a metadata marker. A post whose answer never came (a timeout)
    may still have reached Slack, so when an earlier attempt failed, *Try again* first
    looks for the markers and only posts what is not there."""
    row = get(deps, team_id=team_id, assessment_id=assessment_id)
    verdict = verdict_of(row)
    channel = row.channel_id
    retrying = row.post_error is not None
    try:
        if not row.message_ts:
            mark = marker(PARENT_EVENT, assessment_id=row.id)
            ts = find_marked(client, channel, mark) if retrying else None
            if ts is None:
                parent = rec_views.parent_message(verdict, owner_id=row.user_id,
                                                  assessment_id=row.id,
                                                  status_line=status_line(row))
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
        replies = rec_views.thread_replies(verdict)
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
        return PostResult(row.id, ok=False, channel_id=channel, problem=exc.message)
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
