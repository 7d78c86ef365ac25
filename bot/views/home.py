"""The App Home tab: the user's assessments (a page at a time) and the health checks they run,
with buttons to open a thread, snooze, resume or stop follow-ups, delete an assessment, and
pause, resume or stop a health check. Stopping and deleting ask first (a ``confirm`` dialog).

What happened after a click is shown on the Home tab itself: the bot re-publishes the same
page with a short notice at the top (``Notice``). Slack has no ephemeral messages on Home,
and a DM would take the person away from where they clicked, so refusals ("only the owner or
an admin can ...") and confirmations both land there. Only unexpected failures fall back to a
DM (``bot.errors.guarded``).

Block budget (Slack allows 100 blocks in a Home view; ``max_blocks`` adds it up): a fixed top
of 6 blocks (header, notice, intro, start button, divider, title), 3 blocks per assessment
(text, context, buttons: there is always *Delete*) for ``PAGE_SIZE`` of them, 1 for paging,
and for health checks a divider, a title, 2 blocks each for up to ``MAX_HEALTH_CHECKS``, and
one line saying how many more there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.db.states import FollowupsStatus, HealthCheckStatus
from bot.views.blocks import (
    Block,
    actions,
    button,
    clip,
    confirm,
    context,
    divider,
    esc,
    header,
    section,
)
from bot.views.ids import Action, BlockId
from triage import questions as Q

PAGE_SIZE = 10
MAX_HEALTH_CHECKS = 20
VIEW_BLOCKS_MAX = 100

class Tone(StrEnum):
    """How a Home notice reads: it worked, it was not allowed, or something was off."""

    DONE = "done"
    REFUSED = "refused"
    PROBLEM = "problem"


ICONS: dict[Tone, str] = {Tone.DONE: ":white_check_mark:", Tone.REFUSED: ":no_entry:",
                          Tone.PROBLEM: ":warning:"}

FOLLOWUP_STATES: dict[str, str] = {FollowupsStatus.ACTIVE: "follow-ups on",
                   FollowupsStatus.PAUSED: "follow-ups paused",
                   FollowupsStatus.STOPPED: "follow-ups stopped"}


@dataclass(frozen=True)
class HomeItem:
    assessment_id: int
    engagement: str
    kind: str
    model: str
    mismatch: bool
    permalink: str | None
    status: str  # the assessment's follow-ups: active | paused | stopped
    created_at: datetime
    next_checkin: str | None = None
    open_checkins: int = 0  # check-ins still to come or waiting for an answer


@dataclass(frozen=True)
class HealthItem:
    health_check_id: int
    channel_id: str
    status: str  # active | paused
    next_run: str | None


@dataclass(frozen=True)
class Notice:
    """One line at the top of the tab about the button just clicked."""

    text: str
    tone: Tone = Tone.DONE


def max_blocks(page_size: int = PAGE_SIZE, health_checks: int = MAX_HEALTH_CHECKS) -> int:
    """The most blocks ``home_view`` can produce (every item with its buttons)."""
    return 6 + 3 * page_size + 1 + (3 + 2 * health_checks)


def manageable(item: HomeItem) -> bool:
    """Whether the follow-ups can still be snoozed or stopped."""
    return (item.status in (FollowupsStatus.ACTIVE, FollowupsStatus.PAUSED)
            and item.open_checkins > 0)


def home_view(items: list[HomeItem], checks: list[HealthItem] | None = None, *,
              page: int = 0, has_more: bool = False, more_checks: int = 0,
              notice: Notice | None = None) -> dict[str, Any]:
    blocks: list[Block] = [header("Engagement triage")]
    if notice is not None:
        blocks.append(section(f"{ICONS[notice.tone]} {notice.text}",
                              block_id=BlockId.HOME_NOTICE.value))
    blocks += [
        section("Find what really slows your team before you buy outside help."),
        actions(BlockId.HOME_START.value,
                button("Start a new assessment", Action.START_INTAKE.value, style="primary")),
        divider(),
        section("*Your assessments*" if items or page else
                "*Your assessments*\nNone yet. Run `/engagement` in a channel to start."),
    ]
    for item in items:
        blocks += _assessment(item)
    nav = []
    if page > 0:
        nav.append(button("← Newer", Action.HOME_NEWER.value, str(page - 1)))
    if has_more:
        nav.append(button("Older →", Action.HOME_OLDER.value, str(page + 1)))
    if nav:
        blocks.append(actions(BlockId.HOME_PAGES.value, *nav))
    if checks:
        blocks += [divider(), section("*Health checks you run*")]
        for hc in checks[:MAX_HEALTH_CHECKS]:
            blocks += _health_check(hc)
        hidden = more_checks + max(0, len(checks) - MAX_HEALTH_CHECKS)
        if hidden:
            blocks.append(context(
                f"…and {hidden} more. `/engagement healthcheck list` in a channel shows the "
                "ones there."))
    return {"type": "home", "private_metadata": str(page), "blocks": blocks}


def _assessment(item: HomeItem) -> list[Block]:
    flag = " · :rotating_light: mismatch" if item.mismatch else ""
    link = _link(item.permalink)
    name = clip(esc(item.engagement), 200)
    blocks = [section(
        f"*{name}*\n{Q.KINDS.get(item.kind, item.kind)} → "
        f"{Q.MODELS.get(item.model, item.model)}{flag}",
        block_id=f"{BlockId.HOME_ASSESSMENT.value}_{item.assessment_id}")]
    state = FOLLOWUP_STATES.get(item.status, f"follow-ups {item.status}")
    if item.status != FollowupsStatus.STOPPED and not item.open_checkins:
        state = "no follow-ups left"
    nxt = f" · next check-in {item.next_checkin}" if item.next_checkin else ""
    blocks.append(context(f"{item.created_at:%Y-%m-%d} · {state}{nxt}"))
    ref = str(item.assessment_id)
    buttons = []
    if link:
        buttons.append(button("Open thread", Action.HOME_OPEN_THREAD.value, ref, url=link))
    if manageable(item):
        if item.status == FollowupsStatus.PAUSED:
            buttons.append(button("Resume follow-ups", Action.HOME_RESUME_FOLLOWUPS.value, ref,
                                  style="primary"))
        buttons += [
            button("Snooze 1 day", Action.HOME_SNOOZE_DAY.value, ref),
            button("Snooze 1 week", Action.HOME_SNOOZE_WEEK.value, ref),
            dict(button("Stop follow-ups", Action.HOME_STOP_FOLLOWUPS.value, ref,
                        style="danger"),
                 confirm=confirm("Stop follow-ups?",
                                 f"No more check-ins for *{name}*. You can't undo this.",
                                 "Stop them", "Keep them")),
        ]
    short = clip(esc(item.engagement), 80)  # the dialog's text is cut at 300 characters
    buttons.append(dict(
        button("Delete assessment", Action.HOME_DELETE_ASSESSMENT.value, ref, style="danger"),
        confirm=confirm("Delete this assessment?",
                        f"This deletes *{short}*: its answers, verdict and check-ins, and "
                        "its follow-ups stop. The message in the channel stays as it is. "
                        "You can't undo this.", "Delete it", "Keep it")))
    blocks.append(actions(f"{BlockId.HOME_ASSESSMENT_ACTIONS.value}_{item.assessment_id}",
                          *buttons))
    return blocks


def _health_check(hc: HealthItem) -> list[Block]:
    ref = str(hc.health_check_id)
    if hc.status == HealthCheckStatus.ACTIVE:
        when = f"next run {hc.next_run}" if hc.next_run else "on"
        toggle = button("Pause", Action.HOME_HEALTH_PAUSE.value, ref)
    else:
        when = hc.status
        toggle = button("Resume", Action.HOME_HEALTH_RESUME.value, ref, style="primary")
    stop = dict(button("Stop", Action.HOME_HEALTH_STOP.value, ref, style="danger"),
                confirm=confirm(f"Stop health check #{ref}?",
                                f"It won't run in <#{esc(hc.channel_id)}> again. Past results "
                                "stay in the channel. You can't undo this.",
                                "Stop it", "Keep it"))
    return [
        section(f"#{ref} in <#{esc(hc.channel_id)}> · {when}",
                block_id=f"{BlockId.HOME_HEALTH.value}_{ref}"),
        actions(f"{BlockId.HOME_HEALTH_ACTIONS.value}_{ref}", toggle, stop),
    ]


def _link(url: str | None) -> str | None:
    """Only Slack's own https permalinks become link buttons."""
    if url and url.startswith("https://") and not any(c in url for c in "<>| \n"):
        return url
    return None
