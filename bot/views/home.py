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


def home_view(items: list[HomeItem]) -> dict[str, Any]:
    blocks: list[Block] = [
        header("Engagement triage"),
        section("Find what really slows your team before you buy outside help."),
        actions("home_actions", button("Start a new assessment", Action.START_INTAKE.value,
                                       style="primary")),
        divider(),
        section("*Your assessments*" if items else
                "*Your assessments*\nNone yet. Run `/engagement` in a channel to start."),
    ]
    for item in items[:20]:
        flag = " · :rotating_light: mismatch" if item.mismatch else ""
        link = f" · <{item.permalink}|open thread>" if item.permalink else ""
        blocks.append(section(
            f"*{item.engagement}*\n{Q.KINDS.get(item.kind, item.kind)} → "
            f"{Q.MODELS.get(item.model, item.model)}{flag}{link}",
            block_id=f"assessment_{item.assessment_id}"))
        blocks.append(context(f"{item.created_at:%Y-%m-%d} · follow-ups {item.status}"))
    return {"type": "home", "blocks": blocks}
