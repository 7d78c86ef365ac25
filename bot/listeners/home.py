"""App Home: the user's own assessments and what is coming next."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.deps import Deps
from bot.errors import guarded
from bot.ids import Action
from bot.services import home as home_service


def register(app: App, deps: Deps) -> None:
    def home_opened(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        home_service.publish(client, deps, team_id=body["team_id"], user_id=event["user"])

    def page(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        home_service.publish(client, deps, team_id=body["team"]["id"],
                             user_id=body["user"]["id"],
                             page=max(0, int(action.get("value") or 0)))

    app.event("app_home_opened")(ack=lambda ack: ack(), lazy=[guarded(home_opened)])
    for action_id in (Action.HOME_NEWER, Action.HOME_OLDER):
        app.action(action_id.value)(ack=lambda ack: ack(), lazy=[guarded(page)])
