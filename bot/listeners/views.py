"""Modal submissions. The ack is the only answer to a view_submission: validation errors
(``response_action="errors"``) and step changes (``"update"``) are decided before it and
sent in it; posting happens after it (``bot.listeners.after_ack``), and only when there is
something to post.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.errors import UserFacingError, guarded
from bot.listeners.after_ack import AfterAck
from bot.services import assessments, followups, health
from bot.services import intake as intake_service
from bot.views import health as health_views
from bot.views import notices
from bot.views.ids import Callback


def register(app: App, deps: Deps) -> None:
    def ack_intake(ack: Ack, body: dict[str, Any], view: dict[str, Any],
                   context: BoltContext) -> None:
        try:
            outcome = intake_service.submit_step(deps, view)
        except UserFacingError as exc:
            ack(response_action="update", view=notices.problem_modal(exc.message))
            return
        if outcome.final_state is None:
            ack(**outcome.ack)
            return
        created = assessments.create_from_intake(deps, outcome.final_state, view=view)
        if created is None:  # the same submission arrived twice: one effect only
            ack()
            return
        context["assessment_id"] = created
        ack(response_action="update", view=notices.posting_modal(
            outcome.final_state.post_channel or outcome.final_state.channel_id))

    def post_intake(body: dict[str, Any], view: dict[str, Any], client: WebClient,
                    context: BoltContext) -> None:
        assessment_id = context.get("assessment_id")
        if not assessment_id:
            return
        result = assessments.post(client, deps, team_id=body["team"]["id"],
                                  assessment_id=int(assessment_id))
        client.views_update(view_id=view["id"], view=notices.posted_modal(result))

    def ack_checkin(ack: Ack, body: dict[str, Any], view: dict[str, Any],
                    context: BoltContext) -> None:
        try:
            answer, checkin_id = followups.submit(deps, view, body["user"]["id"])
        except UserFacingError as exc:
            ack(response_action="update", view=notices.problem_modal(exc.message))
            return
        context["checkin_id"] = checkin_id
        ack(**answer)

    def report_checkin(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        checkin_id = context.get("checkin_id")
        if checkin_id:
            followups.report(client, deps, team_id=body["team"]["id"],
                             checkin_id=int(checkin_id))

    def ack_health_setup(ack: Ack, body: dict[str, Any], view: dict[str, Any],
                         client: WebClient) -> None:
        state = health_views.SetupState.decode(view.get("private_metadata") or "")
        parsed, errors = health_views.parse_setup(view.get("state", {}).get("values", {}))
        health.validate_setup(parsed, errors)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        hc = health.create(deps, team_id=state.team_id, creator_id=body["user"]["id"],
                           parsed=parsed)
        ack(response_action="update", view=notices.info_modal(
            ":white_check_mark: Health check set up: " + health.describe(hc)))

    later = AfterAck(app)
    post_safely, report_safely = guarded(post_intake), guarded(report_checkin)

    def on_intake(ack: Ack, body: dict[str, Any], view: dict[str, Any],
                  context: BoltContext, client: WebClient) -> None:
        ack_intake(ack, body, view, context)
        if context.get("assessment_id"):  # the last step: post after the ack
            later.run(post_safely, client=client, body=body, view=view, context=context)

    def on_checkin(ack: Ack, body: dict[str, Any], view: dict[str, Any],
                   context: BoltContext, client: WebClient) -> None:
        ack_checkin(ack, body, view, context)
        if context.get("checkin_id"):
            later.run(report_safely, client=client, body=body, context=context)

    app.view(Callback.INTAKE.value)(on_intake)
    app.view(Callback.HEALTHCHECK_SETUP.value)(ack_health_setup)
    app.view(Callback.CHECKIN.value)(on_checkin)
