"""The intake flow: open the questionnaire, move between steps, turn the last step into a
stored assessment. Everything here that runs inside an ack is quick and does no Slack call.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.errors import BadModalState, NotAllowed
from bot.timing.durations import DurationError, describe_offsets, parse_durations
from bot.views import intake as intake_views
from bot.views import notices
from bot.views.metadata import IntakeState, MetadataError
from triage import IntakeError, parse_intake

log = logging.getLogger(__name__)


def default_cadence_label(deps: Deps) -> str:
    return describe_offsets(deps.settings.checkin_offsets)


def open_intake(client: WebClient, deps: Deps, *, trigger_id: str, team_id: str, user_id: str,
                channel_id: str, engagement: str = "",
                answers: dict[str, Any] | None = None) -> None:
    state = IntakeState.start(team_id=team_id, user_id=user_id, channel_id=channel_id,
                              engagement=engagement, answers=answers)
    client.views_open(trigger_id=trigger_id,
                      view=intake_views.intake_view(state,
                                                    default_cadence_label=default_cadence_label(
                                                        deps)))


async def open_intake_async(client: AsyncWebClient, deps: Deps, *, trigger_id: str,
                            team_id: str, user_id: str, channel_id: str, engagement: str = "",
                            body: dict[str, Any] | None = None) -> None:
    """``open_intake`` with an async client (the web front runs it on its event loop)."""
    state = IntakeState.start(team_id=team_id, user_id=user_id, channel_id=channel_id,
                              engagement=engagement)
    await client.views_open(trigger_id=trigger_id,
                            view=intake_views.intake_view(
                                state, default_cadence_label=default_cadence_label(deps)))


def decode_state(view: dict[str, Any]) -> IntakeState:
    try:
        return IntakeState.decode(view.get("private_metadata") or "")
    except MetadataError as exc:
        raise BadModalState(
            "This questionnaire is out of date or was changed on the way. Please start again "
            "with /engagement."
        ) from exc


BAD_ANSWER = ("This answer did not come through as one of the choices. Please pick it again, "
              "or go back a page and check the earlier answers.")


@dataclass(frozen=True)
class StepOutcome:
    """What to answer Slack with, and what (if anything) to do after the ack."""

    ack: dict[str, Any]
    final_state: IntakeState | None = None


def submit_step(deps: Deps, view: dict[str, Any], *, team_id: str, user_id: str
                ) -> StepOutcome:
    """Validate one step. Returns the ack: errors, the next step, or the final answers.
    ``team_id``/``user_id`` are the signed request's: a questionnaire whose state names
    another workspace or person is refused before anything is read from it."""
    state = decode_state(view)
    if state.team_id != team_id or state.user_id != user_id:
        raise NotAllowed(notices.NOT_YOURS)
    values = view.get("state", {}).get("values", {})
    partial, errors = intake_views.parse_step(state.step, values)
    shown = {b.get("block_id") for b in view.get("blocks") or []}
    if errors and not set(errors) <= shown:
        # an error on a box this view does not have yet ("My own times" picked, the redraw
        # that adds its box not arrived): show the step again, with the box
        redrawn = intake_views.merge(state, state.step, partial)
        return StepOutcome(ack={"response_action": "update", "view": intake_views.intake_view(
            redrawn, default_cadence_label=default_cadence_label(deps))})
    if errors:
        return StepOutcome(ack={"response_action": "errors", "errors": errors})
    state = intake_views.merge(state, state.step, partial)
    if state.step + 1 < intake_views.STEP_COUNT:
        nxt = state.model_copy(update={"step": state.step + 1})
        return StepOutcome(ack={
            "response_action": "update",
            "view": intake_views.intake_view(nxt,
                                             default_cadence_label=default_cadence_label(deps)),
        })
    try:
        parse_intake(intake_views.to_intake_dict(state))
    except IntakeError as exc:
        # The modal only offers valid options, so this means tampering or a bug: show it
        # on the fields of this step when we can, else on the first block of the step, in
        # words (never the spec's ids: the person did not type them).
        errors = {intake_views.block_id_for(p.field): BAD_ANSWER for p in exc.problems}
        return StepOutcome(ack={"response_action": "errors", "errors": errors})
    return StepOutcome(ack={}, final_state=state)


def back(deps: Deps, view: dict[str, Any]) -> dict[str, Any] | None:
    """The view to show when Back is clicked (answers on this step are kept), or None."""
    state = decode_state(view)
    if state.step == 0:
        return None
    values = view.get("state", {}).get("values", {})
    partial, _errors = intake_views.parse_step(state.step, values)
    state = intake_views.merge(state, state.step, partial)
    prev = state.model_copy(update={"step": state.step - 1})
    return intake_views.intake_view(prev, default_cadence_label=default_cadence_label(deps))


def redraw(deps: Deps, view: dict[str, Any]) -> dict[str, Any]:
    """The same step again with what is in it now: picking "My own times" for the check-ins
    shows the box for them (and picking something else hides it)."""
    state = decode_state(view)
    values = view.get("state", {}).get("values", {})
    partial, _errors = intake_views.parse_step(state.step, values)
    state = intake_views.merge(state, state.step, partial)
    return intake_views.intake_view(state, default_cadence_label=default_cadence_label(deps))


def checkin_offsets_seconds(deps: Deps, state: IntakeState) -> list[int]:
    """The check-in schedule chosen in the modal, in seconds after posting."""
    choice = state.cadence or "default"
    if choice == "none":
        return []
    if choice == "custom" and state.cadence_custom:
        try:
            return [int(d.total_seconds()) for d in parse_durations(state.cadence_custom)]
        except DurationError:
            log.warning("custom cadence did not parse after validation; using defaults")
    return [int(d.total_seconds()) for d in deps.settings.checkin_offsets]
