"""App Home: the user's own assessments and what is coming next, and its buttons (follow-ups,
deleting an assessment, health checks).

Each button acks at once; the work runs right after (bot.listeners.after_ack) and calls the home
service, which changes what was asked (if the user may) and re-publishes the same page with
a notice at the top saying what happened.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.deps import Deps
from bot.listeners.after_ack import AfterAck
from bot.services import home as home_service
from bot.views.ids import Action

FOLLOWUP_BUTTONS = {
    Action.HOME_SNOOZE_DAY: "snooze_day",
    Action.HOME_SNOOZE_WEEK: "snooze_week",
    Action.HOME_RESUME_FOLLOWUPS: "resume",
    Action.HOME_STOP_FOLLOWUPS: "stop",
}
HEALTH_BUTTONS = {
    Action.HOME_HEALTH_PAUSE: "pause",
    Action.HOME_HEALTH_RESUME: "resume",
    Action.HOME_HEALTH_STOP: "stop",
}


def _just_ack(ack: Ack) -> None:
    ack()


def _id(action: dict[str, Any]) -> int | None:
    """The id a Home button carries in its value; None if it carries nothing usable."""
    value = str(action.get("value") or "")
    return int(value) if value.isdigit() else None


def register(app: App, deps: Deps) -> None:
    def home_opened(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        home_service.publish(client, deps, team_id=body["team_id"], user_id=event["user"])

    def page(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        home_service.publish(client, deps, team_id=body["team"]["id"],
                             user_id=body["user"]["id"],
                             page=_id(action) or 0)

    def followups_button(verb: str) -> Any:
        def run(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
            home_service.change_followups(
                client, deps, team_id=body["team"]["id"], user_id=body["user"]["id"],
                assessment_id=_id(action), verb=verb,
                page=home_service.page_of(body.get("view")))

        run.__name__ = f"home_followups_{verb}"
        return run

    def delete_assessment(body: dict[str, Any], action: dict[str, Any],
                          client: WebClient) -> None:
        home_service.delete_assessment(
            client, deps, team_id=body["team"]["id"], user_id=body["user"]["id"],
            assessment_id=_id(action), page=home_service.page_of(body.get("view")))

    def health_button(verb: str) -> Any:
        def run(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
            home_service.change_health_check(
                client, deps, team_id=body["team"]["id"], user_id=body["user"]["id"],
                health_check_id=_id(action), verb=verb,
                page=home_service.page_of(body.get("view")))

        run.__name__ = f"home_health_{verb}"
        return run

    later = AfterAck(app)
    app.event("app_home_opened")(later.listener(home_opened))
    for action_id in (Action.HOME_NEWER, Action.HOME_OLDER):
        app.action(action_id.value)(later.listener(page))
    # a link button: Slack opens the thread itself, but still sends the click to be acked
    app.action(Action.HOME_OPEN_THREAD.value)(_just_ack)
    for action_id, verb in FOLLOWUP_BUTTONS.items():
        app.action(action_id.value)(later.listener(followups_button(verb)))
    app.action(Action.HOME_DELETE_ASSESSMENT.value)(later.listener(delete_assessment))
    for action_id, verb in HEALTH_BUTTONS.items():
        app.action(action_id.value)(later.listener(health_button(verb)))
