"""``/engagement help`` and answers to unknown subcommands (ephemeral)."""

from __future__ import annotations

from typing import Any

from bot.views.blocks import message, section

HELP = (
    "*Engagement triage* helps you pick the right kind of outside help by finding what "
    "really slows your team down.\n\n"
    "• `/engagement` or `/engagement start [name]`: answer a short questionnaire; I post the "
    "verdict in a channel with the evidence and the full decision matrix in a thread, then "
    "check in later to see if the symptoms moved.\n"
    "• `/engagement healthcheck`: set up a recurring team health check in this channel "
    "(everyone rates a few things green/yellow/red, anonymously; I post the results and the "
    "trend).\n"
    "• `/engagement healthcheck list | pause | resume | stop [#id]`: manage them (only the "
    "person who set one up, or a workspace admin, can change it).\n"
    "• `/engagement history`: recent assessments in this channel, with their check-in "
    "trend.\n"
    "• `/engagement help`: this message."
)
LATER = {
    "export": "`/engagement export` (a CSV of what you may see)",
}


def help_message() -> dict[str, Any]:
    return message("Engagement triage: /engagement starts the questionnaire; "
                   "/engagement help shows this.", [section(HELP)])


def unknown_subcommand_message(raw: str) -> dict[str, Any]:
    safe = raw.replace("`", "'")[:60]
    return message(f"I don't know '{safe}'. Try /engagement help.",
                   [section(f"I don't know `{safe}`.\n\n" + HELP)])


def not_yet_message(sub: str) -> dict[str, Any]:
    what = LATER.get(sub, f"`/engagement {sub}`")
    return message(f"{what} is not available in this version yet.",
                   [section(f"{what} is not available in this version yet.\n\n" + HELP)])
