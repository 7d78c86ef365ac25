"""Events API: lifecycle events of channels and of the installation.

Slack retries an event it thinks we missed (``X-Slack-Retry-Num``); every handler here is
idempotent (it sets a state rather than toggling one), and the event id is remembered so a
retry does no work twice.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot.deps import Deps
from bot.services import workspaces

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    def first_time(body: dict[str, Any]) -> bool:
        return workspaces.first_delivery(deps, body)

    @app.event("channel_archive")
    @app.event("group_archive")
    def channel_archived(ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        ack()
        if first_time(body):
            workspaces.channel_unavailable(deps, body["team_id"], event["channel"], "archived")

    @app.event("channel_deleted")
    def channel_deleted(ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        ack()
        if first_time(body):
            workspaces.channel_unavailable(deps, body["team_id"], event["channel"], "not_found")

    @app.event("channel_unarchive")
    @app.event("group_unarchive")
    def channel_unarchived(ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        ack()
        if first_time(body):
            workspaces.channel_available(deps, body["team_id"], event["channel"])

    @app.event("app_uninstalled")
    @app.event("tokens_revoked")
    def uninstalled(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        if first_time(body):
            workspaces.stop_team(deps, body["team_id"], reason=body["event"]["type"],
                                 now=deps.clock())
