"""Short texts and modals about what happened: posting, posted, could not post, refused,
something broke. Texts are mrkdwn strings for ephemerals and DMs; ``*_modal`` are views.
"""

from __future__ import annotations

from typing import Any, Protocol

from bot.views.blocks import actions, button, clip, esc, plain, section
from bot.views.ids import Action, BlockId

TITLE = "Engagement triage"
BOT_NAME = "@Engagement Triage"

# Why the bot could not post in a channel (the reasons bot.services.slack_io reports).
CANNOT_POST: dict[str, str] = {
    "not_member": ("I'm not in <#{channel}> and can't join it by myself (it's probably "
                   "private). Invite me there with `/invite {bot}`, then try again."),
    "not_found": "I can't find <#{channel}>, or I'm not allowed to see it. Pick another "
                 "channel, or invite me there with `/invite {bot}`.",
    "archived": "<#{channel}> is archived, so I can't post there. Pick another channel.",
    "restricted": "This workspace doesn't let me post in <#{channel}>. Pick another channel, "
                  "or ask an admin.",
}
CANNOT_POST_OTHER = "I couldn't post in <#{channel}>. Try again in a minute."


class PostOutcome(Protocol):
    # read-only: a frozen dataclass (bot.services.assessments.PostResult) satisfies it
    @property
    def assessment_id(self) -> int: ...
    @property
    def ok(self) -> bool: ...
    @property
    def channel_id(self) -> str: ...
    @property
    def permalink(self) -> str | None: ...
    @property
    def problem(self) -> str | None: ...


# ------------------------------------------------------------------ texts


def cannot_post(channel_id: str, reason: str) -> str:
    """Why the verdict is not in ``channel_id``, and what to do about it."""
    return CANNOT_POST.get(reason, CANNOT_POST_OTHER).format(channel=esc(channel_id),
                                                            bot=BOT_NAME)


def posted(channel_id: str, permalink: str | None = None) -> str:
    """'Posted your verdict in #channel: link'."""
    link = f": <{permalink}|open it>" if permalink and _safe_url(permalink) else ""
    return f"Posted your verdict in <#{esc(channel_id)}>{link}. The details are in its thread."


def something_went_wrong(reference: str) -> str:
    """No traceback, no internals: an apology, that nothing typed is lost, and a reference."""
    return ("Sorry, something went wrong on my side and I couldn't finish that. Your answers "
            f"are safe. If it keeps happening, share reference `{esc(reference)[:40]}` with "
            "whoever runs this app.")


def not_allowed(what: str) -> str:
    """'Only the person who ran the assessment (or a workspace admin) can <what>.'"""
    return f"Only the person who ran the assessment (or a workspace admin) can {what}."


# Buttons on messages of an assessment that was deleted (the messages stay in Slack).
ASSESSMENT_DELETED = ("This assessment was deleted, so its buttons don't do anything any more. "
                      "Its messages in the channel stay as they were.")


def deleted(engagement: str, channel_id: str) -> str:
    """What deleting an assessment did, and what it left alone."""
    return (f"Deleted *{esc(engagement)}*: its answers, verdict and check-ins are gone and no "
            f"more follow-ups will come. The message in <#{esc(channel_id)}> is left as it "
            "was; delete it in Slack if you want it gone too.")


def _safe_url(url: str) -> bool:
    return url.startswith(("https://", "http://")) and not any(c in url for c in "<>|\n ")


# ------------------------------------------------------------------ modals


def _modal(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "modal", "title": plain(TITLE, 24), "close": plain("Close", 24),
            "blocks": blocks}


def posting_modal(channel_id: str) -> dict[str, Any]:
    where = f" in <#{esc(channel_id)}>" if channel_id else ""
    return _modal([section(f":hourglass_flowing_sand: Thanks! Working out the verdict and "
                           f"posting it{where}…")])


def posted_modal(result: PostOutcome) -> dict[str, Any]:
    if result.ok:
        return _modal([section(":white_check_mark: " + posted(result.channel_id,
                                                               result.permalink))])
    problem = result.problem or cannot_post(result.channel_id, "")
    return _modal([
        section(f":warning: {clip(problem, 2500)}\n\nYour answers are saved; nothing is lost."),
        actions(BlockId.RETRY_POST.value,
                button("Try again", Action.RETRY_POST.value, str(result.assessment_id),
                       style="primary")),
    ])


def problem_modal(message: str) -> dict[str, Any]:
    return _modal([section(f":warning: {message}")])


def info_modal(message: str) -> dict[str, Any]:
    return _modal([section(message)])


def failure_reason(error: str) -> str:
    """A short reason for people: Slack's error code, without our internal prefixes."""
    return esc(error.split(": ", 1)[-1][:200]) or "an unknown error"


NOT_YOURS = ("This window belongs to another person or workspace, so I did not save it. "
             "Start your own with /engagement.")
BEING_POSTED = ("Your verdict is being posted right now; it will appear in the channel in a "
                "moment.")


def verdict_not_posted(engagement: str, channel_id: str, reason: str, assessment_id: int
                       ) -> dict[str, Any]:
    """A DM when posting a verdict was given up: what, where, why, and a way to retry."""
    text = (f":warning: I could not post your verdict for *{esc(engagement)}* in "
            f"<#{esc(channel_id)}> ({reason}). Your answers and the verdict are saved: "
            "*Try again* posts it once it can.")
    return {"text": text, "blocks": [
        section(text),
        actions(BlockId.RETRY_POST.value,
                button("Try again", Action.RETRY_POST.value, str(assessment_id),
                       style="primary")),
    ]}
