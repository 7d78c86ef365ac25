"""``/engagement`` and its subcommands.

The ack answers at once (help and unknown subcommands are answered in the ack itself);
opening the modal happens in a lazy listener started right after the ack, well inside the
3 seconds a trigger_id lives.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.commands_text import parse_command_text
from bot.deps import Deps
from bot.errors import guarded
from bot.services import intake as intake_service
from bot.views import help as help_views

COMMAND = "/engagement"


def register(app: App, deps: Deps) -> None:
    def ack_command(ack: Ack, command: dict[str, Any]) -> None:
        parsed = parse_command_text(command.get("text", ""))
        if parsed.sub == "help":
            ack(response_type="ephemeral", **help_views.help_message())
        elif parsed.sub in ("start",):
            ack()
        elif parsed.sub == "":
            ack(response_type="ephemeral", **help_views.unknown_subcommand_message(parsed.raw))
        else:
            ack(response_type="ephemeral", **help_views.not_yet_message(parsed.sub))

    def open_intake(body: dict[str, Any], command: dict[str, Any], client: WebClient) -> None:
        parsed = parse_command_text(command.get("text", ""))
        if parsed.sub != "start":
            return
        intake_service.open_intake(
            client,
            deps,
            trigger_id=command["trigger_id"],
            team_id=command["team_id"],
            user_id=command["user_id"],
            channel_id=command["channel_id"],
            engagement=parsed.arg,
        )

    app.command(COMMAND)(ack=ack_command, lazy=[guarded(open_intake)])
