"""``/engagement help`` and answers to unknown subcommands (both ephemeral).

``SUBCOMMANDS`` lists every subcommand the bot has or will have; ``COMING_SOON`` the ones
this version answers with "not yet". Take a name out of ``COMING_SOON`` when it ships.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.views.blocks import clip, context, esc, message, section
from bot.views.intake import estimate

COMMAND = "/engagement"

_TAKES = estimate()  # counted from the questionnaire's own steps (bot.views.intake)

# (usage, what it does). Order is the order people read them in.
SUBCOMMANDS: tuple[tuple[str, str], ...] = (
    ("start [name]", f"Answer a short questionnaire (about {_TAKES.minutes} minutes, "
     f"{_TAKES.clicks} clicks at the least). I name what really slows the work, recommend a "
     "kind of outside help, post the verdict in a channel you pick, and check in later to "
     "see if the symptoms moved. Plain `/engagement` does the same."),
    ("history", "Recent verdicts in this channel, with how their check-ins went."),
    ("export", "Your verdicts and their check-ins as CSV and JSON files, by direct message "
     "(a workspace admin gets the whole workspace's)."),
    ("healthcheck", "Set up a recurring health check for the team in this channel: everyone "
     "rates a few things green, yellow or red, anonymously, and I post the results and the "
     "trend."),
    ("healthcheck list | pause | resume | stop [id]", "See or change this channel's health "
     "checks. Only the person who set one up, or a workspace admin, can change it."),
    ("help", "This message."),
)
COMING_SOON: frozenset[str] = frozenset()

INTRO = ("*Engagement triage* helps you pick the right kind of outside help, by finding "
         "what really slows your team down before you pay for more people.")


def _lines(coming_soon: Iterable[str]) -> str:
    later = set(coming_soon)
    out = []
    for usage, what in SUBCOMMANDS:
        name = usage.split(" ", 1)[0]
        tag = " _(coming soon)_" if name in later and usage == name else ""
        out.append(f"• `{COMMAND} {usage}`{tag}: {what}")
    return "\n".join(out)


def help_blocks(coming_soon: Iterable[str] = COMING_SOON) -> list[dict[str, Any]]:
    return [
        section(INTRO, block_id="help_intro"),
        section(_lines(coming_soon), block_id="help_commands"),
        context("Only you can see this message."),
    ]


def help_message(coming_soon: Iterable[str] = COMING_SOON) -> dict[str, Any]:
    """What the command does, and every subcommand."""
    return message(f"Engagement triage: {COMMAND} starts the questionnaire; "
                   f"{COMMAND} help lists everything it can do.", help_blocks(coming_soon))


def _echo(raw: str) -> str:
    """What someone typed, safe to show back: short, no mentions, no code-span breaking."""
    return esc(clip(" ".join(raw.split()), 60).replace("`", "'"))


def unknown_subcommand_message(text: str) -> dict[str, Any]:
    """'I don't know xyz' and the help."""
    shown = _echo(text)
    first = f"I don't know `{shown}`." if shown else "I didn't catch that."
    return message(f"{first} Try {COMMAND} help.",
                   [section(f"{first} Here is what I can do:", block_id="help_unknown"),
                    *help_blocks()])


def not_yet_message(sub: str) -> dict[str, Any]:
    """For a subcommand in ``COMING_SOON``."""
    what = f"`{COMMAND} {_echo(sub)}`"
    return message(f"{what} is not available yet.",
                   [section(f"{what} is not available yet. Here is what works today:",
                            block_id="help_not_yet"),
                    *help_blocks()])
