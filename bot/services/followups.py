"""Check-ins: open the modal, compare against the baseline, snooze, stop; with permissions."""

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
from bot.deps import Deps
from bot.errors import NotAllowed, NotFound
from bot.services.slack_io import post_message
from bot.views import followups as fu_views
from bot.views import notices
from bot.views import recommendation as rec_views
from bot.views.metadata import flatten, nest
from triage import compare, parse_intake
from triage.models import Assessment, Comparison

log = logging.getLogger(__name__)


def is_admin(client: WebClient, user_id: str) -> bool:
    try:
        user = client.users_info(user=user_id).get("user") or {}
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


def load(deps: Deps, team_id: str, checkin_id: int) -> CheckinRef:
    with deps.sessions() as session:
        checkin = session.scalar(select(m.Checkin).where(m.Checkin.team_id == team_id,
                                                         m.Checkin.id == checkin_id))
        if checkin is None:
            raise NotFound("I can't find that check-in any more.")
        a = session.get(m.Assessment, checkin.assessment_id)
        assert a is not None
        return CheckinRef(checkin.id, a.id, a.team_id, a.user_id, a.channel_id, a.message_ts,
                          checkin.seq, checkin.of_total, a.engagement, checkin.status,
                          dict(a.answers))


def open_checkin(client: WebClient, deps: Deps, *, trigger_id: str, team_id: str,
                 user_id: str, checkin_id: int) -> None:
    ref = load(deps, team_id, checkin_id)
    require_owner_or_admin(client, user_id, ref.owner_id, "answer this check-in")
    if ref.status == "answered":
        raise NotAllowed("This check-in has already been answered; the result is in the thread.")
    state = fu_views.CheckinState(team_id=team_id, checkin_id=checkin_id)
    client.views_open(trigger_id=trigger_id, view=fu_views.checkin_modal(
        state, engagement=ref.engagement, seq=ref.seq, of_total=ref.of_total,
        baseline=flatten(ref.baseline)))


def submit(deps: Deps, view: dict[str, Any], user_id: str) -> tuple[dict[str, Any], int | None]:
    """Inside the ack: validate and store. Returns (ack kwargs, checkin id to report on)."""
    state = fu_views.CheckinState.decode(view.get("private_metadata") or "")
    parsed, errors = fu_views.parse_checkin(view.get("state", {}).get("values", {}))
    if errors:
        return {"response_action": "errors", "errors": errors}, None
    now = deps.clock()
    with deps.sessions.begin() as session:
        checkin = session.scalar(select(m.Checkin).where(
            m.Checkin.team_id == state.team_id, m.Checkin.id == state.checkin_id))
        if checkin is None or checkin.status == "answered":
            return {}, None  # a double submit: the first one wins
        a = session.get(m.Assessment, checkin.assessment_id)
        assert a is not None
        follow_up = nest({**flatten(a.answers), **parsed["answers"]})
        result = compare(parse_intake(a.answers), parse_intake(follow_up))
        checkin.answers = {"answers": follow_up, "started": parsed["started"],
                           "note": parsed["note"]}
        checkin.comparison = result.model_dump(mode="json")
        checkin.status = "answered"
        checkin.answered_at = now
        checkin.answered_by = user_id
        queue.cancel(session, team_id=state.team_id, ref_ids=[checkin.id])
        return {}, checkin.id


def report(client: WebClient, deps: Deps, *, team_id: str, checkin_id: int) -> None:
    """After the ack: the comparison in the thread, and the parent's status line edited."""
    with deps.sessions() as session:
        checkin = session.get(m.Checkin, checkin_id)
        assert checkin is not None and checkin.comparison is not None
        a = session.get(m.Assessment, checkin.assessment_id)
        assert a is not None
        result = Comparison.model_validate(checkin.comparison)
        answers = checkin.answers or {}
        seq, total, by = checkin.seq, checkin.of_total, checkin.answered_by or ""
        channel, thread = a.channel_id, a.message_ts
    post_message(client, channel, thread_ts=thread, **fu_views.comparison_message(
        result, seq=seq, of_total=total, answered_by=by, started=answers.get("started"),
        note=answers.get("note") or ""))
    post_trend_chart(client, deps, assessment_id=checkin.assessment_id, channel=channel,
                     thread=thread)
    update_parent(client, deps, team_id, checkin.assessment_id,
                  f"Check-in {seq} of {total}: {result.trend.value}"
                  + (" · the verdict has shifted" if result.model_shift else ""))


def update_parent(client: WebClient, deps: Deps, team_id: str, assessment_id: int,
                  status: str) -> None:
    with deps.sessions() as session:
        a = session.get(m.Assessment, assessment_id)
        assert a is not None and a.team_id == team_id
        if not a.message_ts:
            return
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
        ids = list(session.scalars(select(m.Checkin.id).where(
            m.Checkin.assessment_id == ref.assessment_id,
            m.Checkin.status.in_(("scheduled", "posted", "snoozed")))))
        for job in session.scalars(select(m.Job).where(
                m.Job.team_id == team_id, m.Job.ref_id.in_(ids),
                m.Job.status.in_(("pending", "paused")))):
            job.due_at = job.due_at + delta
        for checkin in session.scalars(select(m.Checkin).where(m.Checkin.id.in_(ids))):
            checkin.due_at = checkin.due_at + delta
    word = "a day" if days == 1 else f"{days} days"
    return f"Snoozed: the follow-ups of *{ref.engagement}* move {word} later."


def stop(client: WebClient, deps: Deps, *, team_id: str, user_id: str, checkin_id: int) -> str:
    ref = load(deps, team_id, checkin_id)
    require_owner_or_admin(client, user_id, ref.owner_id, "stop these follow-ups")
    with deps.sessions.begin() as session:
        a = session.get(m.Assessment, ref.assessment_id)
        assert a is not None
        a.followups_status = "stopped"
        ids = list(session.scalars(select(m.Checkin.id).where(
            m.Checkin.assessment_id == a.id)))
        queue.cancel(session, team_id=team_id, ref_ids=ids)
        for checkin in session.scalars(select(m.Checkin).where(
                m.Checkin.id.in_(ids), m.Checkin.status.in_(("scheduled", "posted",
                                                             "snoozed")))):
            checkin.status = "stopped"
    update_parent(client, deps, team_id, ref.assessment_id,
                  f"Follow-ups stopped by <@{user_id}>.")
    return f"Stopped all follow-ups of *{ref.engagement}*."


def resume(client: WebClient, deps: Deps, *, team_id: str, user_id: str, checkin_id: int
           ) -> str:
    """Follow-ups paused because their channel was unavailable start again. If the channel
    still is, the next post pauses them again and tells the owner (as the first time)."""
    ref = load(deps, team_id, checkin_id)
    require_owner_or_admin(client, user_id, ref.owner_id, "resume these follow-ups")
    with deps.sessions.begin() as session:
        a = session.get(m.Assessment, ref.assessment_id)
        assert a is not None
        if a.followups_status != "paused":
            return f"The follow-ups of *{ref.engagement}* are {a.followups_status}, not paused."
        a.followups_status = "active"
        ids = list(session.scalars(select(m.Checkin.id).where(
            m.Checkin.assessment_id == a.id)))
        queue.resume(session, team_id=team_id, ref_ids=ids, now=deps.clock())
    return (f"Resumed the follow-ups of *{ref.engagement}*. If I still can't post in "
            f"<#{ref.channel_id}>, I'll pause them again and tell you.")


def post_trend_chart(client: WebClient, deps: Deps, *, assessment_id: int, channel: str,
                     thread: str | None) -> None:
    """A small chart of the ownership symptoms across check-ins, with the same in text."""
    from bot import charts

    with deps.sessions() as session:
        a = session.get(m.Assessment, assessment_id)
        assert a is not None
        follow_ups = [c.answers["answers"] for c in session.scalars(
            select(m.Checkin).where(m.Checkin.assessment_id == assessment_id,
                                    m.Checkin.status == "answered").order_by(m.Checkin.seq))
            if c.answers]
        baseline = dict(a.answers)
    labels, series = charts.symptom_series(baseline, follow_ups)
    text = charts.symptom_text(labels, series)
    try:
        client.files_upload_v2(channel=channel, thread_ts=thread,
                               content=charts.symptom_png(labels, series),
                               filename="symptoms-trend.png", title="Symptoms over time",
                               alt_txt=text[:1000], initial_comment=text)
    except SlackApiError as exc:  # the comparison is already posted; the chart is extra
        log.warning("trend chart upload failed: %s", exc.response.get("error"))
