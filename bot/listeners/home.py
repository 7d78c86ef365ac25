"""App Home: the user's own assessments and what is coming next, and its buttons (follow-ups,
deleting an assessment, health checks) and each assessment's overflow menu, whose stop and
delete ask first in a small modal.

Each button acks at once; the work runs right after (``bot.listeners.after_ack``) and calls
the home service, then re-publishes the same page with a notice at the top saying what
happened. A refusal or a problem goes through the one error handler, which re-publishes the
page with the reason as its notice (``bot.listeners.errors``).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.errors import NotAllowed, NotFound, UserFacingError
from bot.listeners.after_ack import after_ack, run_after_ack
from bot.services import home as home_service
from bot.views import home as home_views
from bot.views.home import ConfirmState, Notice, Tone, Verb
from bot.views.ids import MAX_PAGE, Action, Callback, parse_id, parse_number

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


def just_ack(ack: Ack) -> None:
    ack()


def _id(action: dict[str, Any]) -> int | None:
    """The id a Home button carries in its value; None if it carries nothing usable."""
    return parse_id(action.get("value"))


def _who(body: dict[str, Any]) -> dict[str, str]:
    return {"team_id": body["team"]["id"], "user_id": body["user"]["id"]}


def _publish(client: WebClient, deps: Deps, body: dict[str, Any], done: str) -> None:
    home_service.publish(client, deps, team_id=body["team"]["id"], user_id=body["user"]["id"],
                         page=home_service.page_of(body.get("view")), notice=Notice(done))


def home_opened(deps: Deps, event: dict[str, Any], body: dict[str, Any],
                client: WebClient) -> None:
    if event.get("tab", "home") != "home":
        return
    home_service.publish(client, deps, team_id=body["team_id"], user_id=event["user"])


def turn_page(deps: Deps, body: dict[str, Any], action: dict[str, Any],
              client: WebClient) -> None:
    page = parse_number(action.get("value"), low=0, high=MAX_PAGE)
    home_service.publish(client, deps, team_id=body["team"]["id"], user_id=body["user"]["id"],
                         page=page or 0)


def followups_button(deps: Deps, body: dict[str, Any], action: dict[str, Any],
                     client: WebClient) -> None:
    verb = FOLLOWUP_BUTTONS[Action(action["action_id"])]
    _publish(client, deps, body, home_service.change_followups(
        client, deps, **_who(body), assessment_id=_id(action), verb=verb))


def delete_assessment(deps: Deps, body: dict[str, Any], action: dict[str, Any],
                      client: WebClient) -> None:
    _publish(client, deps, body, home_service.delete_assessment(
        client, deps, **_who(body), assessment_id=_id(action)))


def health_button(deps: Deps, body: dict[str, Any], action: dict[str, Any],
                  client: WebClient) -> None:
    verb = HEALTH_BUTTONS[Action(action["action_id"])]
    _publish(client, deps, body, home_service.change_health_check(
        client, deps, **_who(body), health_check_id=_id(action), verb=verb))


def item_menu(deps: Deps, body: dict[str, Any], action: dict[str, Any],
              client: WebClient) -> None:
    """An option of an assessment's overflow menu: snooze at once; stopping and deleting
    first ask in a modal (``confirm_modal``); opening the thread is Slack's to do."""
    picked = home_views.parse_more(str((action.get("selected_option") or {}).get("value")
                                       or ""))
    if picked is None:
        raise NotFound("That menu does something I don't know.")
    verb, assessment_id = picked
    if verb == Verb.OPEN:
        return
    if verb in home_views.DESTRUCTIVE:
        what = "stop these follow-ups" if verb == Verb.STOP else "delete this assessment"
        name = home_service.to_confirm(client, deps, **_who(body),
                                       assessment_id=assessment_id, what=what)
        state = ConfirmState(verb=verb, assessment_id=assessment_id,
                             page=home_service.page_of(body.get("view")))
        client.views_open(trigger_id=body["trigger_id"],
                          view=home_views.confirm_modal(state, name))
        return
    _publish(client, deps, body, home_service.change_followups(
        client, deps, **_who(body), assessment_id=assessment_id, verb=verb.value))


def on_confirm(ack: Ack, body: dict[str, Any], view: dict[str, Any],
               context: BoltContext, client: WebClient) -> None:
    """The confirm modal's submit: close it, then do it and show the result on Home."""
    state = ConfirmState.decode(view.get("private_metadata") or "")
    ack()
    run_after_ack(context, confirmed, client=client, body=body, state=state)


def confirmed(deps: Deps, body: dict[str, Any], client: WebClient, state: ConfirmState
              ) -> None:
    try:
        if state.verb == Verb.STOP:
            done = home_service.change_followups(client, deps, **_who(body),
                                                 assessment_id=state.assessment_id,
                                                 verb="stop")
        else:
            done = home_service.delete_assessment(client, deps, **_who(body),
                                                  assessment_id=state.assessment_id)
        notice = Notice(done)
    except UserFacingError as exc:  # refused, or gone meanwhile: say so where they are
        notice = Notice(exc.message, Tone.REFUSED if isinstance(exc, NotAllowed)
                        else Tone.PROBLEM)
    home_service.publish(client, deps, **_who(body), page=state.page, notice=notice)


def register(app: App) -> None:
    app.event("app_home_opened")(after_ack(home_opened))
    for action_id in (Action.HOME_NEWER, Action.HOME_OLDER):
        app.action(action_id.value)(after_ack(turn_page))
    # a link button: Slack opens the thread itself, but still sends the click to be acked
    app.action(Action.HOME_OPEN_THREAD.value)(just_ack)
    for action_id in FOLLOWUP_BUTTONS:
        app.action(action_id.value)(after_ack(followups_button))
    app.action(Action.HOME_DELETE_ASSESSMENT.value)(after_ack(delete_assessment))
    app.action(Action.HOME_ASSESSMENT_MORE.value)(after_ack(item_menu))
    app.view(Callback.HOME_CONFIRM.value)(on_confirm)
    for action_id in HEALTH_BUTTONS:
        app.action(action_id.value)(after_ack(health_button))
