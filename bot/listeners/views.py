"""Modal submissions. The ack is the only answer to a view_submission: validation errors
(``response_action="errors"``) and step changes (``"update"``) are decided before it and
sent in it; a problem raised before it (a tampered modal, a deleted check-in) reaches the
one error handler, which shows it in the modal (``bot.listeners.errors``). Posting happens
after the ack (``bot.listeners.after_ack``), and only when there is something to post.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.errors import NotAllowed
from bot.listeners.after_ack import deps_of, run_after_ack
from bot.services import assessments, followups, health
from bot.services import intake as intake_service
from bot.views import health as health_views
from bot.views import notices
from bot.views.ids import Callback


def on_intake(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext,
              client: WebClient) -> None:
    deps = deps_of(context)
    outcome = intake_service.submit_step(deps, view, team_id=body["team"]["id"],
                                         user_id=body["user"]["id"])
    if outcome.final_state is None:
        ack(**outcome.ack)
        return
    created = assessments.create_from_intake(deps, outcome.final_state, view=view,
                                             team_id=body["team"]["id"],
                                             user_id=body["user"]["id"])
    if created is None:  # the same submission arrived twice: one effect only
        ack()
        return
    ack(response_action="update", view=notices.posting_modal(
        outcome.final_state.post_channel or outcome.final_state.channel_id))
    run_after_ack(context, post_verdict, client=client, body=body, view=view, stored=created)


def post_verdict(deps: Deps, body: dict[str, Any], view: dict[str, Any], client: WebClient,
                 stored: assessments.Stored) -> None:
    result = assessments.post_now(client, deps, team_id=body["team"]["id"],
                                  assessment_id=stored.assessment_id, stored=stored)
    client.views_update(view_id=view["id"], view=notices.posted_modal(result))


def on_checkin(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext,
               client: WebClient) -> None:
    answer, answered = followups.submit(client, deps_of(context), view,
                                        team_id=body["team"]["id"],
                                        user_id=body["user"]["id"])
    ack(**answer)
    if answered is not None:
        run_after_ack(context, report_checkin, client=client, body=body, answered=answered)


def report_checkin(deps: Deps, body: dict[str, Any], client: WebClient,
                   answered: followups.Answered) -> None:
    followups.report_now(client, deps, team_id=body["team"]["id"],
                         checkin_id=answered.checkin_id, held=answered.held)


def on_health_setup(ack: Ack, body: dict[str, Any], view: dict[str, Any],
                    context: BoltContext) -> None:
    deps = deps_of(context)
    state = health_views.SetupState.decode(view.get("private_metadata") or "")
    team_id = body["team"]["id"]  # from Slack's signed request, never from the modal
    if state.team_id != team_id:
        raise NotAllowed(notices.NOT_YOURS)
    parsed, errors = health_views.parse_setup(view.get("state", {}).get("values", {}))
    health.validate_setup(parsed, errors)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    hc = health.create(deps, team_id=team_id, creator_id=body["user"]["id"], parsed=parsed,
                       once=f"healthsetup:{view.get('id')}:{view.get('hash')}")
    if hc is None:  # the same submission again: one health check
        ack()
        return
    ack(response_action="update", view=notices.info_modal(
        ":white_check_mark: Health check set up: " + health.describe(hc)))


def register(app: App) -> None:
    app.view(Callback.INTAKE.value)(on_intake)
    app.view(Callback.HEALTHCHECK_SETUP.value)(on_health_setup)
    app.view(Callback.CHECKIN.value)(on_checkin)
