"""``/engagement`` and its subcommands.

The ack answers at once (help, unknown subcommands and lists are answered in the ack
itself); anything that calls Slack (opening a modal, the export, pause/resume/stop) runs
right after the ack on Bolt's listener thread pool, well inside the 3 seconds a trigger_id
lives, guarded so a failure is told to the user.

Not a lazy listener: see ``bot.listeners.after_ack`` for why and how.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands_text import CommandText, parse_command_text
from bot.deps import Deps
from bot.errors import guarded
from bot.listeners.after_ack import AfterAck
from bot.services import health, history
from bot.services import intake as intake_service
from bot.views import health as health_views
from bot.views import help as help_views

COMMAND = "/engagement"
HEALTH_VERBS = ("", "setup", "list", "pause", "resume", "stop")


def _health_verb(arg: str) -> tuple[str, str]:
    verb, _, rest = arg.partition(" ")
    return verb.lower(), rest


def _needs_followup(parsed: CommandText) -> bool:
    """Does this command call Slack after its ack (``run_command`` does something)?"""
    if parsed.sub in ("start", "export"):
        return True
    if parsed.sub == "healthcheck":
        verb, _ = _health_verb(parsed.arg)
        return verb in ("", "setup", "pause", "resume", "stop")
    return False


def register(app: App, deps: Deps) -> None:
    later = AfterAck(app)

    def on_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        parsed = parse_command_text(command.get("text", ""))
        ack_command(ack, parsed, command)
        if parsed.sub == "start" and later.run_async(
                intake_service.open_intake_async, client=client, body=command, deps=deps,
                trigger_id=command["trigger_id"], team_id=command["team_id"],
                user_id=command["user_id"], channel_id=command["channel_id"],
                engagement=parsed.arg):
            return  # the hot path: views.open on the event loop, right after the ack
        if _needs_followup(parsed):
            # body=command: a slash command's body is its fields; guarded() reads the user
            # and channel from it to tell them about a failure
            later.run(followup, parsed=parsed, command=command, client=client, body=command)

    def ack_command(ack: Ack, parsed: CommandText, command: dict[str, Any]) -> None:
        if parsed.sub == "help":
            ack(response_type="ephemeral", **help_views.help_message())
        elif parsed.sub == "start":
            ack()
        elif parsed.sub == "history":
            ack(response_type="ephemeral", text=history.channel_history_text(
                deps, team_id=command["team_id"], channel_id=command["channel_id"]))
        elif parsed.sub == "export":
            ack(response_type="ephemeral",
                text="I'll send you the export (CSV and JSON) as a direct message.")
        elif parsed.sub == "healthcheck":
            verb, _ = _health_verb(parsed.arg)
            if verb == "list":
                ack(response_type="ephemeral", text=health.list_text(
                    deps, team_id=command["team_id"], channel_id=command["channel_id"]))
            elif verb in HEALTH_VERBS:
                ack()
            else:
                ack(response_type="ephemeral", **help_views.unknown_subcommand_message(
                    parsed.raw))
        elif parsed.sub == "":
            ack(response_type="ephemeral", **help_views.unknown_subcommand_message(parsed.raw))
        else:
            ack(response_type="ephemeral", **help_views.not_yet_message(parsed.sub))

    def run_command(parsed: CommandText, command: dict[str, Any], client: WebClient,
                    body: dict[str, Any]) -> None:
        team, user, channel = command["team_id"], command["user_id"], command["channel_id"]
        if parsed.sub == "start":
            intake_service.open_intake(client, deps, trigger_id=command["trigger_id"],
                                       team_id=team, user_id=user, channel_id=channel,
                                       engagement=parsed.arg)
        elif parsed.sub == "export":
            history.send_export(client, deps, team_id=team, user_id=user)
        elif parsed.sub == "healthcheck":
            verb, rest = _health_verb(parsed.arg)
            if verb in ("", "setup"):
                client.views_open(trigger_id=command["trigger_id"],
                                  view=health_views.setup_modal(
                                      health_views.SetupState(team_id=team, channel_id=channel),
                                      timezone=_user_tz(client, user)))
            elif verb in ("pause", "resume", "stop"):
                text = health.change(client, deps, team_id=team, channel_id=channel,
                                     user_id=user, verb=verb, arg=rest)
                done = {"pause": "Paused", "resume": "Resumed", "stop": "Stopped"}[verb]
                client.chat_postEphemeral(channel=channel, user=user, text=f"{done}:\n{text}")

    followup = guarded(run_command)
    app.command(COMMAND)(on_command)


def _user_tz(client: WebClient, user_id: str) -> str:
    try:
        return str((client.users_info(user=user_id).get("user") or {}).get("tz") or "UTC")
    except SlackApiError:
        return "UTC"
