"""Driving the intake through signed HTTP, the way a person clicking in Slack would."""

from __future__ import annotations

from typing import Any

from bot.views.ids import Action
from bot.views.metadata import flatten
from tests.support.harness import Bot


def answers_by_step(answers: dict[str, Any], channel: str = "C1") -> list[dict[str, Any]]:
    flat = flatten(answers)
    step0 = {k: flat[k] for k in ("engagement", "stated_need", "slowdown", "duration",
                                  "strategic_importance") if k in flat}
    step0[Action.INTAKE_POST_CHANNEL.value] = channel
    pick = [{k: v for k, v in flat.items() if k.startswith(prefix)}
            for prefix in ("signals.", "symptoms.", "priorities.")]
    if "notes" in flat:
        pick[2]["notes"] = flat["notes"]
    return [step0, *pick]


def run_intake(bot: Bot, answers: dict[str, Any], *, channel: str = "C1", user: str = "U1"
               ) -> dict[str, Any]:
    """Command, four steps, and the final submission. Returns the final ack body."""
    resp = bot.slack.command("", user_id=user, channel_id=channel)
    assert resp.status == 200
    bot.fake.wait_for("views.open")
    view = bot.last_view()
    steps = answers_by_step(answers, channel)
    body: dict[str, Any] = {}
    for i, step in enumerate(steps):
        assert f"Step {i + 1} of 4" in str(view["blocks"][0])
        resp = bot.submit(view, step, user_id=user)
        assert resp.status == 200, resp.body
        body = resp.json() or {}
        assert body.get("response_action") == "update", body
        view = bot.fake.views[view["id"]]
    return body
