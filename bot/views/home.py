"""The App Home tab: the user's assessments (a page at a time) and the health checks they run.

Each assessment has one primary button and an overflow menu (``…``) with the rest:

* follow-ups on: *Open thread*; the menu snoozes a day or a week, stops the follow-ups or
  deletes the assessment;
* follow-ups paused (their channel was unavailable): *Resume follow-ups*; the menu opens the
  thread, stops or deletes (a paused item offers resume, not snooze);
* nothing left to manage: *Open thread*; the menu deletes.

An overflow's ``confirm`` would ask before every option alike, snoozing included, so the
destructive options ask in a small modal of their own instead (``confirm_modal``): what will
go, and that it cannot be undone. Its option values name the same service calls as the
older per-action buttons (``HOME_SNOOZE_DAY`` ...), which keep working for a Home published
before. Health checks keep a pause or resume button and a confirmed *Stop*.

What happened after a click is shown on the Home tab itself: the bot re-publishes the same
page with a short notice at the top (``Notice``). Slack has no ephemeral messages on Home,
and a DM would take the person away from where they clicked, so refusals ("only the owner or
an admin can ...") and confirmations both land there. Only unexpected failures fall back to a
DM (``bot.errors.guarded``).

Block budget (Slack allows 100 blocks in a Home view; ``max_blocks`` adds it up): a fixed top
of 6 blocks (header, notice, intro, start button, divider, title), 3 blocks per assessment
(text, context, actions) for ``PAGE_SIZE`` of them, 1 for paging, and for health checks a
divider, a title, 2 blocks each for up to ``MAX_HEALTH_CHECKS``, and one line saying how many
more there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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
    option,
    plain,
    section,
)
from bot.views.ids import MAX_ID, MAX_PAGE, Action, BlockId, Callback, parse_id
from bot.views.metadata import MetadataError
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


class Verb(StrEnum):
    """What an item's overflow menu does (its option values are ``verb:assessment id``)."""

    OPEN = "open"  # a link: Slack opens the thread, the click is only acked
    SNOOZE_DAY = "snooze_day"
    SNOOZE_WEEK = "snooze_week"
    STOP = "stop"
    DELETE = "delete"


DESTRUCTIVE = (Verb.STOP, Verb.DELETE)
VERB_LABELS: dict[Verb, str] = {
    Verb.OPEN: "Open thread", Verb.SNOOZE_DAY: "Snooze a day", Verb.SNOOZE_WEEK: "Snooze a week",
    Verb.STOP: "Stop follow-ups…", Verb.DELETE: "Delete assessment…",
}


def more_value(verb: Verb, assessment_id: int) -> str:
    return f"{verb.value}:{assessment_id}"


def parse_more(value: str) -> tuple[Verb, int] | None:
    """``("stop", 12)`` from an overflow option's value; None for anything else."""
    verb, _, ref = value.partition(":")
    assessment_id = parse_id(ref)
    if verb not in set(Verb) or assessment_id is None:
        return None
    return Verb(verb), assessment_id


def _option(verb: Verb, assessment_id: int, url: str | None = None) -> dict[str, Any]:
    opt = option(more_value(verb, assessment_id), VERB_LABELS[verb])
    if url:
        opt["url"] = url
    return opt


def item_actions(item: HomeItem) -> list[dict[str, Any]]:
    """One primary button and an overflow menu with everything else."""
    ref, link = str(item.assessment_id), _link(item.permalink)
    paused = manageable(item) and item.status == FollowupsStatus.PAUSED
    elements: list[dict[str, Any]] = []
    menu: list[dict[str, Any]] = []
    if paused:
        elements.append(button("Resume follow-ups", Action.HOME_RESUME_FOLLOWUPS.value, ref,
                               style="primary"))
        if link:
            menu.append(_option(Verb.OPEN, item.assessment_id, link))
    elif link:
        elements.append(button("Open thread", Action.HOME_OPEN_THREAD.value, ref, url=link,
                               style="primary"))
    if manageable(item):
        if not paused:
            menu += [_option(Verb.SNOOZE_DAY, item.assessment_id),
                     _option(Verb.SNOOZE_WEEK, item.assessment_id)]
        menu.append(_option(Verb.STOP, item.assessment_id))
    menu.append(_option(Verb.DELETE, item.assessment_id))
    elements.append({"type": "overflow", "action_id": Action.HOME_ASSESSMENT_MORE.value,
                     "options": menu})
    return elements


def _assessment(item: HomeItem) -> list[Block]:
    flag = " · :rotating_light: mismatch" if item.mismatch else ""
    name = clip(esc(item.engagement), 200)
    blocks = [section(
        f"*{name}*\n{Q.KINDS.get(item.kind, Q.label(item.kind))} → "
        f"{Q.MODELS.get(item.model, Q.label(item.model))}{flag}",
        block_id=f"{BlockId.HOME_ASSESSMENT.value}_{item.assessment_id}")]
    state = FOLLOWUP_STATES.get(item.status, f"follow-ups {item.status}")
    if item.status != FollowupsStatus.STOPPED and not item.open_checkins:
        state = "no follow-ups left"
    nxt = f" · next check-in {item.next_checkin}" if item.next_checkin else ""
    blocks.append(context(f"{item.created_at:%Y-%m-%d} · {state}{nxt}"))
    blocks.append(actions(f"{BlockId.HOME_ASSESSMENT_ACTIONS.value}_{item.assessment_id}",
                          *item_actions(item)))
    return blocks


class ConfirmState(BaseModel):
    """What the confirm modal will do once submitted (its private_metadata)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    verb: Verb
    assessment_id: int = Field(ge=1, le=MAX_ID, strict=True)
    page: int = Field(default=0, ge=0, le=MAX_PAGE, strict=True)

    def encode(self) -> str:
        return self.model_dump_json()

    @classmethod
    def decode(cls, text: str) -> ConfirmState:
        try:
            state = cls.model_validate_json(text)
        except ValidationError as exc:
            raise MetadataError("confirm state does not decode") from exc
        if state.verb not in DESTRUCTIVE:
            raise MetadataError("confirm state names nothing to confirm")
        return state


def confirm_modal(state: ConfirmState, engagement: str) -> dict[str, Any]:
    """Ask before stopping follow-ups or deleting an assessment from the overflow menu."""
    name = clip(esc(engagement), 200)
    if state.verb == Verb.STOP:
        title, yes, no = "Stop follow-ups?", "Stop them", "Keep them"
        text = (f"No more check-ins for *{name}*. The verdict and its thread stay. "
                "You can't undo this.")
    else:
        title, yes, no = "Delete this assessment?", "Delete it", "Keep it"
        text = (f"This deletes *{name}*: its answers, verdict and check-ins, and its "
                "follow-ups stop. The message in the channel stays as it is. You can't undo "
                "this.")
    return {"type": "modal", "callback_id": Callback.HOME_CONFIRM.value,
            "title": plain(title, 24), "submit": plain(yes, 24), "close": plain(no, 24),
            "private_metadata": state.encode(), "blocks": [section(text)]}


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
