"""The App Home tab: the user's assessments, newest first, and what is coming next."""

from __future__ import annotations

from slack_sdk import WebClient
from sqlalchemy import select

from bot.db import models as m
from bot.deps import Deps
from bot.views import home as home_views

PAGE = 10


def publish(client: WebClient, deps: Deps, *, team_id: str, user_id: str) -> None:
    with deps.sessions() as session:
        rows = session.scalars(
            select(m.Assessment)
            .where(m.Assessment.team_id == team_id, m.Assessment.user_id == user_id)
            .order_by(m.Assessment.created_at.desc(), m.Assessment.id.desc())
            .limit(PAGE)
        ).all()
        items = [home_views.HomeItem(assessment_id=r.id, engagement=r.engagement,
                                     kind=r.bottleneck_kind, model=r.model, mismatch=r.mismatch,
                                     permalink=r.permalink, status=r.followups_status,
                                     created_at=r.created_at) for r in rows]
    client.views_publish(user_id=user_id, view=home_views.home_view(items))
