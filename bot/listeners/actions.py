"""Buttons on messages and modals (block_actions). Each acks at once; the work runs right
after, guarded (``bot.listeners.after_ack``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.deps import Deps
from bot.errors import NotFound
from bot.listeners.after_ack import after_ack
from bot.services import assessments, followups, health
from bot.services import intake as intake_service
from bot.services.slack_io import ephemeral, reply_privately
from bot.views import notices
from bot.views import recommendation as rec_views
from bot.views.ids import Action, parse_id


def _ref(action: dict[str, Any]) -> int:
    ref = parse_id(action.get("value"))
    if ref is None:
        raise NotFound("That button points at nothing I know.")
    return ref


def _assessment(deps: Deps, body: dict[str, Any], action: dict[str, Any]) -> Any:
    """The assessment a button on its parent message points at. Gone means deleted (from App
    Home): the message stays in the channel, so say that rather than "not found"."""
    try:
        return assessments.get(deps, team_id=body["team"]["id"], assessment_id=_ref(action))
    except NotFound:
        raise NotFound(notices.ASSESSMENT_DELETED) from None


def intake_back(deps: Deps, body: dict[str, Any], client: WebClient) -> None:
    view = body["view"]
    previous = intake_service.back(deps, view)
    if previous is not None:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=previous)


def intake_cadence(deps: Deps, body: dict[str, Any], client: WebClient) -> None:
    """The check-in choice on the first step changed: show or hide the custom-times box."""
    view = body["view"]
    client.views_update(view_id=view["id"], hash=view.get("hash"),
                        view=intake_service.redraw(deps, view))


def start_intake(deps: Deps, body: dict[str, Any], client: WebClient) -> None:
    intake_service.open_intake(client, deps, trigger_id=body["trigger_id"],
                               team_id=body["team"]["id"], user_id=body["user"]["id"],
                               channel_id="")


def retake(deps: Deps, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
    """The questionnaire again, filled in with the answers last given (a check-in's) for
    the owner or an admin; blank for anyone else."""
    row = _assessment(deps, body, action)
    channel = (body.get("channel") or {}).get("id") or row.channel_id
    user = body["user"]["id"]
    # the owner's answers (private notes included) go back to the owner or an admin only;
    # anyone else in the channel starts a blank questionnaire
    mine = user == row.user_id or followups.is_admin(client, user)
    intake_service.open_intake(client, deps, trigger_id=body["trigger_id"],
                               team_id=body["team"]["id"], user_id=user, channel_id=channel,
                               engagement=row.engagement if mine else "",
                               answers=followups.answers_to_retake(deps, row.id) if mine
                               else None)


def show_details(deps: Deps, body: dict[str, Any], action: dict[str, Any],
                 client: WebClient) -> None:
    """*Details* on the verdict (its parent or its thread): the modal, on its first page."""
    row = _assessment(deps, body, action)
    client.views_open(trigger_id=body["trigger_id"],
                      view=rec_views.details_modal(assessments.verdict_of(row), row.id))


DETAILS_PAGES = {action: n for n, (action, _label) in enumerate(rec_views.PAGES)}


def details_page(deps: Deps, body: dict[str, Any], action: dict[str, Any],
                 client: WebClient) -> None:
    """A page button inside the Details modal: the same modal, on that page."""
    row = _assessment(deps, body, action)
    view = body.get("view") or {}
    page = DETAILS_PAGES[Action(action["action_id"])]
    client.views_update(view_id=view.get("id"), hash=view.get("hash"),
                        view=rec_views.details_modal(assessments.verdict_of(row), row.id, page))


def retry_post(deps: Deps, body: dict[str, Any], action: dict[str, Any],
               client: WebClient) -> None:
    result = assessments.post_now(client, deps, team_id=body["team"]["id"],
                                  assessment_id=_ref(action), user_id=body["user"]["id"],
                                  again=True)
    view = body.get("view")
    if view:
        client.views_update(view_id=view["id"], view=notices.posted_modal(result))


def open_checkin(deps: Deps, body: dict[str, Any], action: dict[str, Any],
                 client: WebClient) -> None:
    followups.open_checkin(client, deps, trigger_id=body["trigger_id"],
                           team_id=body["team"]["id"], user_id=body["user"]["id"],
                           checkin_id=_ref(action))


def _snooze(deps: Deps, body: dict[str, Any], action: dict[str, Any], client: WebClient,
            days: int) -> None:
    text = followups.snooze(client, deps, team_id=body["team"]["id"],
                            user_id=body["user"]["id"], checkin_id=_ref(action), days=days)
    ephemeral(client, body, text)


def snooze_day(deps: Deps, body: dict[str, Any], action: dict[str, Any],
               client: WebClient) -> None:
    _snooze(deps, body, action, client, days=1)


def snooze_week(deps: Deps, body: dict[str, Any], action: dict[str, Any],
                client: WebClient) -> None:
    _snooze(deps, body, action, client, days=7)


def stop_followups(deps: Deps, body: dict[str, Any], action: dict[str, Any],
                   client: WebClient) -> None:
    text = followups.stop(client, deps, team_id=body["team"]["id"],
                          user_id=body["user"]["id"], checkin_id=_ref(action))
    ephemeral(client, body, text)


def health_rate(deps: Deps, body: dict[str, Any], action: dict[str, Any],
                client: WebClient) -> None:
    text = health.rate(deps, team_id=body["team"]["id"], user_id=body["user"]["id"],
                       value=str(action.get("value") or ""))
    reply_privately(client, body, text)  # (a channel rates at once: not chat.postEphemeral)


ROUTES: dict[Action, Callable[..., None]] = {
    Action.INTAKE_BACK: intake_back,
    Action.INTAKE_CADENCE: intake_cadence,
    Action.START_INTAKE: start_intake,
    Action.RETAKE: retake,
    Action.SHOW_MATRIX: show_details,
    Action.DETAILS_WHY: details_page,
    Action.DETAILS_MATRIX: details_page,
    Action.DETAILS_RISKS: details_page,
    Action.RETRY_POST: retry_post,
    Action.OPEN_CHECKIN: open_checkin,
    Action.SNOOZE_DAY: snooze_day,
    Action.SNOOZE_WEEK: snooze_week,
    Action.STOP_FOLLOWUPS: stop_followups,
}


def register(app: App) -> None:
    for action_id, work in ROUTES.items():
        app.action(action_id.value)(after_ack(work))
    # a rating is idempotent (the same click again replaces the answer with itself), and
    # its click is never recorded: a replay key would name who chose which colour
    app.action(re.compile(rf"^{Action.HEALTH_RATE.value}_(green|yellow|red)$"))(
        after_ack(health_rate, remember=False))
