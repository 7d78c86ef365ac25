"""The App Home tab: the user's assessments (newest first, paged), their next check-ins and
the health checks they run, with times in the user's own time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select

from bot.db import models as m
from bot.deps import Deps
from bot.views import home as home_views

PAGE = 10


def _user_zone(client: WebClient, user_id: str) -> ZoneInfo:
    try:
        tz = (client.users_info(user=user_id).get("user") or {}).get("tz") or "UTC"
        return ZoneInfo(str(tz))
    except (SlackApiError, ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local(when: datetime | None, zone: ZoneInfo) -> str | None:
    return f"{when.astimezone(zone):%a %d %b %H:%M} your time" if when else None


def publish(client: WebClient, deps: Deps, *, team_id: str, user_id: str, page: int = 0
            ) -> None:
    zone = _user_zone(client, user_id)
    with deps.sessions() as session:
        rows = session.scalars(
            select(m.Assessment)
            .where(m.Assessment.team_id == team_id, m.Assessment.user_id == user_id)
            .order_by(m.Assessment.created_at.desc(), m.Assessment.id.desc())
            .offset(page * PAGE).limit(PAGE + 1)
        ).all()
        has_more = len(rows) > PAGE
        rows = rows[:PAGE]
        ids = [r.id for r in rows]
        next_due = dict(session.execute(
            select(m.Checkin.assessment_id, func.min(m.Checkin.due_at))
            .where(m.Checkin.assessment_id.in_(ids), m.Checkin.status == "scheduled")
            .group_by(m.Checkin.assessment_id)).all()) if ids else {}
        items = [home_views.HomeItem(
            assessment_id=r.id, engagement=r.engagement, kind=r.bottleneck_kind, model=r.model,
            mismatch=r.mismatch, permalink=r.permalink, status=r.followups_status,
            created_at=r.created_at, next_checkin=_local(next_due.get(r.id), zone))
            for r in rows]
        checks = [home_views.HealthItem(
            health_check_id=h.id, channel_id=h.channel_id, status=h.status,
            next_run=_local(h.next_run_at, zone) if h.status == "active" else None)
            for h in session.scalars(select(m.HealthCheck).where(
                m.HealthCheck.team_id == team_id, m.HealthCheck.creator_id == user_id,
                m.HealthCheck.status != "stopped").order_by(m.HealthCheck.id))]
    client.views_publish(user_id=user_id, view=home_views.home_view(
        items, checks, page=page, has_more=has_more))
