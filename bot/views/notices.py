"""Short modals and messages about what happened: posting, posted, could not post, refused."""

from __future__ import annotations

from typing import Any, Protocol

from bot.ids import Action
from bot.views.blocks import actions, button, plain, section

TITLE = "Engagement triage"


class PostOutcome(Protocol):
    assessment_id: int
    ok: bool
    channel_id: str
    permalink: str | None
    problem: str | None


def _modal(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "modal", "title": plain(TITLE, 24), "close": plain("Close"),
            "blocks": blocks}


def posting_modal(channel_id: str) -> dict[str, Any]:
    return _modal([section(f":hourglass_flowing_sand: Thanks! Working out the verdict and "
                           f"posting it in <#{channel_id}>…")])


def posted_modal(result: PostOutcome) -> dict[str, Any]:
    if result.ok:
        link = f" (<{result.permalink}|open it>)" if result.permalink else ""
        return _modal([section(f":white_check_mark: Posted your verdict in "
                               f"<#{result.channel_id}>{link}. The details are in its thread.")])
    return _modal([
        section(f":warning: {result.problem}\n\nYour answers are saved; nothing is lost."),
        actions("retry", button("Try again", Action.RETRY_POST.value,
                                str(result.assessment_id), style="primary")),
    ])


def problem_modal(message: str) -> dict[str, Any]:
    return _modal([section(f":warning: {message}")])


def info_modal(message: str) -> dict[str, Any]:
    return _modal([section(message)])


def not_allowed(what: str) -> str:
    return f"Only the person who ran the assessment (or a workspace admin) can {what}."
