"""Buttons (block_actions). Each acks at once; the work runs right after, guarded
(``bot.listeners.after_ack``)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.deps import Deps
from bot.listeners.after_ack import AfterAck
from bot.services import assessments, followups, health
from bot.services import intake as intake_service
from bot.views import notices
from bot.views import recommendation as rec_views
from bot.views.ids import Action


def _ref(action: dict[str, Any]) -> int:
    from bot.errors import NotFound

    try:
        return int(action.get("value") or "")
    except ValueError:
        raise NotFound("That button points at nothing I know.") from None


def _assessment(deps: Deps, body: dict[str, Any], action: dict[str, Any]) -> Any:
    """The assessment a button on its parent message points at. Gone means deleted (from App
    Home): the message stays in the channel, so say that rather than "not found"."""
    from bot.errors import NotFound

    ref = _ref(action)
    try:
        return assessments.get(deps, team_id=body["team"]["id"], assessment_id=ref)
    except NotFound:
        raise NotFound(notices.ASSESSMENT_DELETED) from None


def _ephemeral(client: WebClient, body: dict[str, Any], text: str) -> None:
    channel = (body.get("channel") or {}).get("id")
    user = body["user"]["id"]
    if channel:
        client.chat_postEphemeral(channel=channel, user=user, text=text)
    else:
        client.chat_postMessage(channel=user, text=text)


def register(app: App, deps: Deps) -> None:
    def intake_back(body: dict[str, Any], client: WebClient) -> None:
        view = body["view"]
        previous = intake_service.back(deps, view)
        if previous is not None:
            client.views_update(view_id=view["id"], hash=view.get("hash"), view=previous)

    def start_intake(body: dict[str, Any], client: WebClient) -> None:
        intake_service.open_intake(client, deps, trigger_id=body["trigger_id"],
                                   team_id=body["team"]["id"], user_id=body["user"]["id"],
                                   channel_id="")

    def retake(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        row = _assessment(deps, body, action)
        channel = (body.get("channel") or {}).get("id") or row.channel_id
        intake_service.open_intake(client, deps, trigger_id=body["trigger_id"],
                                   team_id=body["team"]["id"], user_id=body["user"]["id"],
                                   channel_id=channel, engagement=row.engagement,
                                   answers=row.answers)

    def show_matrix(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        row = _assessment(deps, body, action)
        client.views_open(trigger_id=body["trigger_id"],
                          view=rec_views.matrix_modal(assessments.verdict_of(row)))

    def retry_post(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        result = assessments.post(client, deps, team_id=body["team"]["id"],
                                  assessment_id=_ref(action), user_id=body["user"]["id"])
        view = body.get("view")
        if view:
            client.views_update(view_id=view["id"], view=notices.posted_modal(result))

    def open_checkin(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        followups.open_checkin(client, deps, trigger_id=body["trigger_id"],
                               team_id=body["team"]["id"], user_id=body["user"]["id"],
                               checkin_id=_ref(action))

    def snooze(days: int) -> Any:
        def run(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
            text = followups.snooze(client, deps, team_id=body["team"]["id"],
                                    user_id=body["user"]["id"], checkin_id=_ref(action),
                                    days=days)
            _ephemeral(client, body, text)

        run.__name__ = f"snooze_{days}"
        return run

    def stop(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        text = followups.stop(client, deps, team_id=body["team"]["id"],
                              user_id=body["user"]["id"], checkin_id=_ref(action))
        _ephemeral(client, body, text)

    routes = {
        Action.INTAKE_BACK: intake_back,
        Action.START_INTAKE: start_intake,
        Action.RETAKE: retake,
        Action.SHOW_MATRIX: show_matrix,
        Action.RETRY_POST: retry_post,
        Action.OPEN_CHECKIN: open_checkin,
        Action.SNOOZE_DAY: snooze(1),
        Action.SNOOZE_WEEK: snooze(7),
        Action.STOP_FOLLOWUPS: stop,
    }
    later = AfterAck(app)
    for action_id, handler in routes.items():
        app.action(action_id.value)(later.listener(handler))

    def health_rate(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        text = health.rate(deps, team_id=body["team"]["id"], user_id=body["user"]["id"],
                           value=str(action.get("value") or ""))
        _ephemeral(client, body, text)

    app.action(re.compile(rf"^{Action.HEALTH_RATE.value}_(green|yellow|red)$"))(
        later.listener(health_rate))
