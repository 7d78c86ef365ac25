"""Events API: lifecycle events of channels and of the installation.

Slack retries an event it thinks we missed (``X-Slack-Retry-Num``); every handler here is
idempotent (it sets a state rather than toggling one), and the event id is remembered so a
retry does no work twice.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.listeners.after_ack import deps_of
from bot.services import workspaces


def _first_time(context: BoltContext, body: dict[str, Any]) -> bool:
    return workspaces.first_delivery(deps_of(context), body)


def channel_archived(ack: Ack, body: dict[str, Any], event: dict[str, Any],
                     context: BoltContext) -> None:
    ack()
    if _first_time(context, body):
        workspaces.channel_unavailable(deps_of(context), body["team_id"], event["channel"],
                                       "archived")


def channel_deleted(ack: Ack, body: dict[str, Any], event: dict[str, Any],
                    context: BoltContext) -> None:
    ack()
    if _first_time(context, body):
        workspaces.channel_unavailable(deps_of(context), body["team_id"], event["channel"],
                                       "not_found")


def channel_unarchived(ack: Ack, body: dict[str, Any], event: dict[str, Any],
                       context: BoltContext) -> None:
    ack()
    if _first_time(context, body):
        workspaces.channel_available(deps_of(context), body["team_id"], event["channel"])


def uninstalled(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """``app_uninstalled``, or ``tokens_revoked``: the workspace's schedules stop; when the
    bot itself is gone (not only some user's token), its data is purged after
    ``ENGAGEMENT_PURGE_UNINSTALLED_AFTER`` unless it reinstalls first."""
    ack()
    if _first_time(context, body):
        deps = deps_of(context)
        event = body.get("event") or {}
        gone = event.get("type") == "app_uninstalled" or bool(
            (event.get("tokens") or {}).get("bot"))
        workspaces.stop_team(deps, body["team_id"], reason=str(event.get("type")),
                             now=deps.clock(), uninstalled=gone)


def register(app: App) -> None:
    for name in ("channel_archive", "group_archive"):
        app.event(name)(channel_archived)
    app.event("channel_deleted")(channel_deleted)
    for name in ("channel_unarchive", "group_unarchive"):
        app.event(name)(channel_unarchived)
    for name in ("app_uninstalled", "tokens_revoked"):
        app.event(name)(uninstalled)
