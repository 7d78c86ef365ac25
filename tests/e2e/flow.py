"""Driving the intake through signed HTTP, the way a person clicking in Slack would."""

from __future__ import annotations

from typing import Any

from bot.views.ids import Action
from bot.views.metadata import flatten
from bot.views.recommendation import thread_replies
from tests.support import scenarios
from tests.support.harness import Bot
from triage import assess, parse_intake


def verdict_posts(answers: dict[str, Any] | None = None) -> int:
    """How many messages a verdict posts: the parent and its thread replies (at most two).
    The canonical scenarios each post the parent and two replies."""
    verdict = assess(parse_intake(answers or scenarios.answers()))
    return 1 + len(thread_replies(verdict, 0))


VERDICT_POSTS = verdict_posts()


def answers_by_step(answers: dict[str, Any], channel: str = "C1") -> list[dict[str, Any]]:
    flat = flatten(answers)
    step0 = {k: flat[k] for k in ("engagement", "stated_need", "slowdown", "duration",
                                  "strategic_importance", "requirements", "teams")
             if k in flat}
    step0[Action.INTAKE_POST_CHANNEL.value] = channel
    pick = [{k: v for k, v in flat.items() if k.startswith(prefix)}
            for prefix in ("signals.", "symptoms.", "priorities.")]
    if "vendors_in_use" in flat:
        pick[1]["vendors_in_use"] = flat["vendors_in_use"]
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
