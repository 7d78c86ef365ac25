"""Check-in messages in the recommendation's thread."""

from __future__ import annotations

from typing import Any

from bot.ids import Action
from bot.views.blocks import actions, button, context, message, section


def checkin_message(*, owner_id: str, checkin_id: int, seq: int, of_total: int,
                    engagement: str, late_note: str | None = None) -> dict[str, Any]:
    blocks = [
        section(f"<@{owner_id}> check-in {seq} of {of_total} for *{engagement}*: how are the "
                "symptoms now? Two minutes, same questions as last time.", block_id="checkin"),
    ]
    if late_note:
        blocks.append(context(late_note))
    blocks.append(actions(
        "checkin_actions",
        button("Answer the check-in", Action.OPEN_CHECKIN.value, str(checkin_id), "primary"),
        button("Snooze 1 day", Action.SNOOZE_DAY.value, str(checkin_id)),
        button("Snooze 1 week", Action.SNOOZE_WEEK.value, str(checkin_id)),
        button("Stop follow-ups", Action.STOP_FOLLOWUPS.value, str(checkin_id), "danger"),
    ))
    return message(f"Check-in {seq} of {of_total} for {engagement}: how are the symptoms now?",
                   blocks)


def nudge_message(*, owner_id: str, checkin_id: int) -> dict[str, Any]:
    return message("A gentle reminder: the check-in above is still open.", [
        section(f"<@{owner_id}> a gentle reminder: the check-in above is still open.",
                block_id="nudge"),
        actions("nudge_actions",
                button("Answer the check-in", Action.OPEN_CHECKIN.value, str(checkin_id),
                       "primary")),
    ])
