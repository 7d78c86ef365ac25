"""The App Home tab."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.ids import Action
from bot.views.blocks import Block, actions, button, context, divider, header, section
from triage import questions as Q


@dataclass(frozen=True)
class HomeItem:
    assessment_id: int
    engagement: str
    kind: str
    model: str
    mismatch: bool
    permalink: str | None
    status: str
    created_at: datetime
    next_checkin: str | None = None


@dataclass(frozen=True)
class HealthItem:
    health_check_id: int
    channel_id: str
    status: str
    next_run: str | None


def home_view(items: list[HomeItem], checks: list[HealthItem] | None = None, *,
              page: int = 0, has_more: bool = False) -> dict[str, Any]:
    blocks: list[Block] = [
        header("Engagement triage"),
        section("Find what really slows your team before you buy outside help."),
        actions("home_actions", button("Start a new assessment", Action.START_INTAKE.value,
                                       style="primary")),
        divider(),
        section("*Your assessments*" if items or page else
                "*Your assessments*\nNone yet. Run `/engagement` in a channel to start."),
    ]
    for item in items:
        flag = " · :rotating_light: mismatch" if item.mismatch else ""
        link = f" · <{item.permalink}|open thread>" if item.permalink else ""
        blocks.append(section(
            f"*{item.engagement}*\n{Q.KINDS.get(item.kind, item.kind)} → "
            f"{Q.MODELS.get(item.model, item.model)}{flag}{link}",
            block_id=f"assessment_{item.assessment_id}"))
        nxt = f" · next check-in {item.next_checkin}" if item.next_checkin else ""
        blocks.append(context(f"{item.created_at:%Y-%m-%d} · follow-ups {item.status}{nxt}"))
    nav = []
    if page > 0:
        nav.append(button("← Newer", Action.HOME_NEWER.value, str(page - 1)))
    if has_more:
        nav.append(button("Older →", Action.HOME_OLDER.value, str(page + 1)))
    if nav:
        blocks.append(actions("home_pages", *nav))
    if checks:
        blocks += [divider(), section("*Health checks you run*")]
        for hc in checks:
            when = f"next {hc.next_run}" if hc.next_run else hc.status
            blocks.append(section(f"#{hc.health_check_id} in <#{hc.channel_id}> · {when}",
                                  block_id=f"health_check_{hc.health_check_id}"))
        blocks.append(context("Manage them with `/engagement healthcheck pause | resume | stop "
                              "#id` in their channel."))
    return {"type": "home", "blocks": blocks}
