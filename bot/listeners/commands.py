"""``/engagement`` and its subcommands, as one table.

Each row says what the ack answers (help, lists and unknown subcommands are answered in the
ack itself) and what runs right after it (opening a modal, the export, pause/resume/stop),
well inside the 3 seconds a trigger_id lives, guarded so a failure is told to the user
(``bot.listeners.after_ack``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.listeners.after_ack import deps_of, later_of, run_after_ack
from bot.listeners.command_text import CommandText, parse_command_text
from bot.services import health, history
from bot.services import intake as intake_service
from bot.services.slack_io import cached_user, user_info
from bot.views import health as health_views
from bot.views import help as help_views

log = logging.getLogger(__name__)

COMMAND = "/engagement"
AckAnswer = Callable[[Deps, CommandText, dict[str, Any]], dict[str, Any]]
Work = Callable[..., None]  # (deps, parsed, command, client, body) after the ack


def _nothing(deps: Deps, parsed: CommandText, command: dict[str, Any]) -> dict[str, Any]:
    return {}


def _help(deps: Deps, parsed: CommandText, command: dict[str, Any]) -> dict[str, Any]:
    return {"response_type": "ephemeral", **help_views.help_message()}


def _unknown(deps: Deps, parsed: CommandText, command: dict[str, Any]) -> dict[str, Any]:
    return {"response_type": "ephemeral", **help_views.unknown_subcommand_message(parsed.raw)}


def _history(deps: Deps, parsed: CommandText, command: dict[str, Any]) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": history.channel_history_text(
        deps, team_id=command["team_id"], channel_id=command["channel_id"])}


def _export_note(deps: Deps, parsed: CommandText, command: dict[str, Any]) -> dict[str, Any]:
    return {"response_type": "ephemeral",
            "text": "I'll send you the export (CSV and JSON) as a direct message."}


def _health_list(deps: Deps, parsed: CommandText, command: dict[str, Any]) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": health.list_text(
        deps, team_id=command["team_id"], channel_id=command["channel_id"])}


def open_questionnaire(deps: Deps, parsed: CommandText, command: dict[str, Any],
                       client: WebClient, body: dict[str, Any]) -> None:
    intake_service.open_intake(client, deps, trigger_id=command["trigger_id"],
                               team_id=command["team_id"], user_id=command["user_id"],
                               channel_id=command["channel_id"], engagement=parsed.arg)


def send_export(deps: Deps, parsed: CommandText, command: dict[str, Any], client: WebClient,
                body: dict[str, Any]) -> None:
    history.send_export(client, deps, team_id=command["team_id"], user_id=command["user_id"])


def open_health_setup(deps: Deps, parsed: CommandText, command: dict[str, Any],
                      client: WebClient, body: dict[str, Any]) -> None:
    """The modal first (a trigger_id lives 3 seconds, so no other Slack call may come
    before): with the creator's zone chosen when it is cached, else UTC; then, once Slack
    has said the creator's zone (``users.info``), updated with it, unless the view changed
    meanwhile (its hash: the creator picked something already). Should that fail, the
    modal stays as opened."""
    state = health_views.SetupState(team_id=command["team_id"],
                                    channel_id=command["channel_id"])
    user = command["user_id"]
    now = deps.clock()
    known = cached_user(client, user)
    zone = str((known or {}).get("tz") or health_views.UTC_ZONE)
    opened = client.views_open(trigger_id=command["trigger_id"], view=health_views.setup_modal(
        state, timezone=zone, now=now))
    if known is not None:
        return
    actual = _user_tz(client, user)
    view = opened.get("view") or {}
    if actual == zone or not view.get("id"):
        return
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"),
                            view=health_views.setup_modal(state, timezone=actual, now=now))
    except SlackApiError as exc:  # hash_conflict: the user got there first
        log.info("health setup: the creator's time zone was not put in (%s)",
                 exc.response.get("error") if exc.response is not None else exc)


def change_health(verb: str) -> Work:
    done = {"pause": "Paused", "resume": "Resumed", "stop": "Stopped"}[verb]

    def work(deps: Deps, parsed: CommandText, command: dict[str, Any], client: WebClient,
             body: dict[str, Any]) -> None:
        channel, user = command["channel_id"], command["user_id"]
        text = health.change(client, deps, team_id=command["team_id"], channel_id=channel,
                             user_id=user, verb=verb, arg=_health_verb(parsed.arg)[1])
        client.chat_postEphemeral(channel=channel, user=user, text=f"{done}:\n{text}")

    work.__name__ = f"health_{verb}"
    return work


@dataclass(frozen=True)
class Subcommand:
    answer: AckAnswer = _nothing  # what the ack says
    then: Work | None = None  # what runs right after it


# (subcommand, health-check verb) -> what it does. Plain /engagement is "start".
SUBCOMMANDS: dict[tuple[str, str], Subcommand] = {
    ("start", ""): Subcommand(then=open_questionnaire),
    ("help", ""): Subcommand(_help),
    ("history", ""): Subcommand(_history),
    ("export", ""): Subcommand(_export_note, send_export),
    ("healthcheck", ""): Subcommand(then=open_health_setup),
    ("healthcheck", "setup"): Subcommand(then=open_health_setup),
    ("healthcheck", "list"): Subcommand(_health_list),
    ("healthcheck", "pause"): Subcommand(then=change_health("pause")),
    ("healthcheck", "resume"): Subcommand(then=change_health("resume")),
    ("healthcheck", "stop"): Subcommand(then=change_health("stop")),
}
UNKNOWN = Subcommand(_unknown)


def _health_verb(arg: str) -> tuple[str, str]:
    verb, _, rest = arg.partition(" ")
    return verb.lower(), rest


def _not_yet(deps: Deps, parsed: CommandText, command: dict[str, Any]) -> dict[str, Any]:
    return {"response_type": "ephemeral", **help_views.not_yet_message(parsed.sub)}


def route(parsed: CommandText) -> Subcommand:
    if parsed.sub in help_views.COMING_SOON:
        return Subcommand(_not_yet)
    verb = _health_verb(parsed.arg)[0] if parsed.sub == "healthcheck" else ""
    return SUBCOMMANDS.get((parsed.sub, verb), UNKNOWN)


def on_command(ack: Ack, command: dict[str, Any], client: WebClient,
               context: BoltContext) -> None:
    parsed = parse_command_text(command.get("text", ""))
    sub = route(parsed)
    deps = deps_of(context)
    ack(**sub.answer(deps, parsed, command))
    if sub.then is open_questionnaire and later_of(context).run_async(
            intake_service.open_intake_async, client=client, body=command, deps=deps,
            trigger_id=command["trigger_id"], team_id=command["team_id"],
            user_id=command["user_id"], channel_id=command["channel_id"],
            engagement=parsed.arg):
        return  # the hot path: views.open on the web front's event loop
    if sub.then is not None:
        # body=command: a slash command's body is its fields; a failure is told to the user
        # and channel named there
        run_after_ack(context, sub.then, client=client, parsed=parsed, command=command,
                      body=command)


def register(app: App) -> None:
    app.command(COMMAND)(on_command)


def _user_tz(client: WebClient, user_id: str) -> str:
    try:
        return str(user_info(client, user_id).get("tz") or "UTC")  # cached (tier 4)
    except SlackApiError:
        return "UTC"
