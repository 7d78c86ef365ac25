"""Buttons and other interactive elements (block_actions)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.deps import Deps
from bot.ids import Action
from bot.services import assessments
from bot.services import intake as intake_service
from bot.views import recommendation as rec_views


def _just_ack(ack: Ack) -> None:
    ack()


def register(app: App, deps: Deps) -> None:
    def intake_back(body: dict[str, Any], client: WebClient) -> None:
        view = body["view"]
        previous = intake_service.back(deps, view)
        if previous is not None:
            client.views_update(view_id=view["id"], hash=view.get("hash"), view=previous)

    def retake(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        row = assessments.get(deps, team_id=body["team"]["id"], assessment_id=int(action["value"]))
        channel = (body.get("channel") or {}).get("id") or row.channel_id
        intake_service.open_intake(client, deps, trigger_id=body["trigger_id"],
                                   team_id=body["team"]["id"], user_id=body["user"]["id"],
                                   channel_id=channel, engagement=row.engagement,
                                   answers=row.answers)

    def show_matrix(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        row = assessments.get(deps, team_id=body["team"]["id"], assessment_id=int(action["value"]))
        client.views_open(trigger_id=body["trigger_id"],
                          view=rec_views.matrix_modal(assessments.verdict_of(row)))

    def retry_post(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        from bot.views import notices

        result = assessments.post(client, deps, team_id=body["team"]["id"],
                                  assessment_id=int(action["value"]),
                                  user_id=body["user"]["id"])
        view = body.get("view")
        if view:
            client.views_update(view_id=view["id"], view=notices.posted_modal(result))

    app.action(Action.INTAKE_BACK.value)(ack=_just_ack, lazy=[intake_back])
    app.action(Action.RETAKE.value)(ack=_just_ack, lazy=[retake])
    app.action(Action.SHOW_MATRIX.value)(ack=_just_ack, lazy=[show_matrix])
    app.action(Action.RETRY_POST.value)(ack=_just_ack, lazy=[retry_post])
