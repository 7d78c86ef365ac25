"""App Home: the user's own assessments and what is coming next."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.deps import Deps
from bot.services import home as home_service


def register(app: App, deps: Deps) -> None:
    @app.event("app_home_opened")
    def home_opened(ack: Ack, event: dict[str, Any], body: dict[str, Any],
                    client: WebClient) -> None:
        ack()
        if event.get("tab", "home") != "home":
            return
        home_service.publish(client, deps, team_id=body["team_id"], user_id=event["user"])
