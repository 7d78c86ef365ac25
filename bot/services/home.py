"""The App Home tab: the user's assessments (newest first, paged), their next check-ins and
the health checks they run, with times in the user's own time zone; and what its buttons do.

Every Home button runs the same services (and permission checks) as the thread buttons and
``/engagement healthcheck``; the listener then re-publishes the same page with a notice at
the top saying what happened, and a refusal or a problem reaches the one error handler,
which re-publishes it with the reason (``bot.listeners.errors``). Deleting an assessment is
``followups.delete`` (owner or workspace admin). Names people typed are escaped in notices.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select

from bot.db import models as m
from bot.db.states import CheckinStatus, FollowupsStatus, HealthCheckStatus
from bot.deps import Deps
from bot.errors import NotFound, UserFacingError
from bot.services import followups, health
from bot.services.slack_io import user_info
from bot.views import home as home_views
from bot.views.blocks import esc
from bot.views.ids import MAX_PAGE, parse_number

PAGE = home_views.PAGE_SIZE
OPEN_CHECKINS = (CheckinStatus.SCHEDULED, CheckinStatus.POSTED, CheckinStatus.SNOOZED)
FOLLOWUP_VERBS = ("snooze_day", "snooze_week", "resume", "stop")
HEALTH_VERBS = ("pause", "resume", "stop")


def _user_zone(client: WebClient, user_id: str) -> ZoneInfo:
    try:
        tz = user_info(client, user_id).get("tz") or "UTC"  # cached for a while (tier 4)
        return ZoneInfo(str(tz))
    except (SlackApiError, ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local(when: datetime | None, zone: ZoneInfo) -> str | None:
    return f"{when.astimezone(zone):%a %d %b %H:%M} your time" if when else None


def page_of(view: dict[str, Any] | None) -> int:
    """The page a Home view shows (kept in its private_metadata); 0 when unknown."""
    return parse_number((view or {}).get("private_metadata"), low=0, high=MAX_PAGE) or 0


def publish(client: WebClient, deps: Deps, *, team_id: str, user_id: str, page: int = 0,
            notice: home_views.Notice | None = None) -> None:
    zone = _user_zone(client, user_id)
    mine = (m.Assessment.team_id == team_id, m.Assessment.user_id == user_id)
    with deps.sessions() as session:
        if page > 0:  # past the end (the last one on the page was just deleted): the last page
            total = session.scalar(select(func.count(m.Assessment.id)).where(*mine)) or 0
            page = min(page, max(0, (total - 1) // PAGE))
        rows = session.scalars(
            select(m.Assessment)
            .where(*mine)
            .order_by(m.Assessment.created_at.desc(), m.Assessment.id.desc())
            .offset(page * PAGE).limit(PAGE + 1)
        ).all()
        has_more = len(rows) > PAGE
        rows = rows[:PAGE]
        ids = [r.id for r in rows]
        next_due: dict[int, datetime] = {}
        still_open: dict[int, int] = {}
        if ids:
            next_due = {aid: due for aid, due in session.execute(
                select(m.Checkin.assessment_id, func.min(m.Checkin.due_at))
                .where(m.Checkin.assessment_id.in_(ids),
                       m.Checkin.status == CheckinStatus.SCHEDULED)
                .group_by(m.Checkin.assessment_id)).all()}
            still_open = {aid: n for aid, n in session.execute(
                select(m.Checkin.assessment_id, func.count(m.Checkin.id))
                .where(m.Checkin.assessment_id.in_(ids), m.Checkin.status.in_(OPEN_CHECKINS))
                .group_by(m.Checkin.assessment_id)).all()}
        items = [home_views.HomeItem(
            assessment_id=r.id, engagement=r.engagement, kind=r.bottleneck_kind, model=r.model,
            mismatch=r.mismatch, permalink=r.permalink, status=r.followups_status,
            created_at=r.created_at, next_checkin=_local(next_due.get(r.id), zone),
            open_checkins=still_open.get(r.id, 0))
            for r in rows]
        running = (m.HealthCheck.team_id == team_id, m.HealthCheck.creator_id == user_id,
                   m.HealthCheck.status != HealthCheckStatus.STOPPED)
        checks = [home_views.HealthItem(
            health_check_id=h.id, channel_id=h.channel_id, status=h.status,
            next_run=_local(h.next_run_at, zone) if h.status == HealthCheckStatus.ACTIVE else None)
            for h in session.scalars(select(m.HealthCheck).where(*running)
                                     .order_by(m.HealthCheck.id)
                                     .limit(home_views.MAX_HEALTH_CHECKS))]
        more_checks = 0
        if len(checks) == home_views.MAX_HEALTH_CHECKS:
            total = session.scalar(select(func.count(m.HealthCheck.id)).where(*running)) or 0
            more_checks = total - len(checks)
    client.views_publish(user_id=user_id, view=home_views.home_view(
        items, checks, page=page, has_more=has_more, more_checks=more_checks, notice=notice))


# ------------------------------------------------------------------ buttons


def change_followups(client: WebClient, deps: Deps, *, team_id: str, user_id: str,
                     assessment_id: int | None, verb: str) -> str:
    """Snooze (a day or a week), resume or stop an assessment's follow-ups: what was done,
    for the notice on the page the listener publishes next."""
    return _followups(client, deps, team_id, user_id, assessment_id, verb)


def delete_assessment(client: WebClient, deps: Deps, *, team_id: str, user_id: str,
                      assessment_id: int | None) -> str:
    """Delete an assessment with its check-ins and pending follow-ups."""
    return followups.delete(client, deps, team_id=team_id, user_id=user_id,
                            assessment_id=assessment_id)


def to_confirm(client: WebClient, deps: Deps, *, team_id: str, user_id: str,
               assessment_id: int, what: str) -> str:
    """The name of the assessment a destructive menu option is about to change, once it is
    known to exist and ``user_id`` may change it (asked before the confirm modal opens, so
    nobody confirms what they would then be refused)."""
    with deps.sessions() as session:
        a = session.scalar(select(m.Assessment).where(
            m.Assessment.team_id == team_id, m.Assessment.id == assessment_id))
        if a is None:
            raise NotFound("I can't find that assessment any more.")
        owner, name = a.user_id, a.engagement
    followups.require_owner_or_admin(client, user_id, owner, what)
    return name


def change_health_check(client: WebClient, deps: Deps, *, team_id: str, user_id: str,
                        health_check_id: int | None, verb: str) -> str:
    """Pause, resume or stop a health check."""
    return _health(client, deps, team_id, user_id, health_check_id, verb)


def _followups(client: WebClient, deps: Deps, team_id: str, user_id: str,
               assessment_id: int | None, verb: str) -> str:
    if verb not in FOLLOWUP_VERBS:
        raise NotFound("That button does something I don't know.")
    with deps.sessions() as session:
        a = session.scalar(select(m.Assessment).where(
            m.Assessment.team_id == team_id, m.Assessment.id == (assessment_id or 0)))
        if a is None:
            raise NotFound("I can't find that assessment any more.")
        owner, status, name = a.user_id, a.followups_status, esc(a.engagement)
        first = session.scalar(select(func.min(m.Checkin.id)).where(
            m.Checkin.assessment_id == a.id))
        still_open = session.scalar(select(func.count(m.Checkin.id)).where(
            m.Checkin.assessment_id == a.id, m.Checkin.status.in_(OPEN_CHECKINS))) or 0
    if first is None or status == FollowupsStatus.STOPPED or not still_open:
        # nothing left to change; say so, but only to someone allowed to know
        followups.require_owner_or_admin(client, user_id, owner, "change these follow-ups")
        raise UserFacingError(f"The follow-ups of *{name}* are already stopped."
                              if status == FollowupsStatus.STOPPED else
                              f"*{name}* has no follow-ups left to change.")
    if verb == "stop":
        return followups.stop(client, deps, team_id=team_id, user_id=user_id, checkin_id=first)
    if verb == "resume":
        return followups.resume(client, deps, team_id=team_id, user_id=user_id,
                                checkin_id=first)
    return followups.snooze(client, deps, team_id=team_id, user_id=user_id, checkin_id=first,
                            days=1 if verb == "snooze_day" else 7)


def _health(client: WebClient, deps: Deps, team_id: str, user_id: str,
            health_check_id: int | None, verb: str) -> str:
    if verb not in HEALTH_VERBS:
        raise NotFound("That button does something I don't know.")
    with deps.sessions() as session:
        hc = session.scalar(select(m.HealthCheck).where(
            m.HealthCheck.team_id == team_id, m.HealthCheck.id == (health_check_id or 0)))
        if hc is None or hc.status == HealthCheckStatus.STOPPED:
            raise NotFound("That health check is already stopped.")
        ref, channel = hc.id, hc.channel_id
    health.change(client, deps, team_id=team_id, channel_id=channel, user_id=user_id,
                  verb=verb, arg=str(ref))
    where = f"health check #{ref} in <#{esc(channel)}>"
    return {"pause": f"Paused {where}. It won't run until you resume it.",
            "resume": f"Resumed {where}. Its next run is below.",
            "stop": f"Stopped {where}. Its past results stay in the channel."}[verb]
