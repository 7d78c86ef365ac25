"""The whole /engagement flow against the real HTTP server and the fake Slack."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e.flow import VERDICT_POSTS, answers_by_step, run_intake
from tests.fakeslack.client import fill
from tests.support import scenarios
from tests.support.harness import Bot

SCENARIOS = list(scenarios.CANONICAL)
KIND_WORDS = {"ownership": "Ownership bottleneck", "capacity": "Capacity bottleneck"}
MODEL_WORDS = {"product_delivery": "Product delivery", "staff_augmentation": "Staff augmentation",
               "managed_services": "Managed services"}


def scenario(path: Path) -> tuple[dict, dict]:
    return scenarios.load(path)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_lands_its_verdict_in_a_thread(bot: Bot, path: Path) -> None:
    answers, expect = scenario(path)
    run_intake(bot, answers)
    posts = bot.fake.wait_for("chat.postMessage", count=VERDICT_POSTS)
    parent, replies = posts[0], posts[1:VERDICT_POSTS]
    assert len(replies) == 2  # at most two replies at post time
    blocks = str(parent.args["blocks"])
    assert parent.args["channel"] == "C1" and parent.args.get("text")
    assert MODEL_WORDS[expect["model"]] in blocks
    if "bottleneck" in expect:
        assert KIND_WORDS[expect["bottleneck"]] in blocks
    assert ("assessment_mismatch" in blocks) == expect["mismatch"]
    ts = parent.response["ts"]
    assert all(r.args.get("thread_ts") == ts for r in replies)
    assert "How the models rank" in str(replies[0].args) and "Next steps" in \
        str(replies[1].args)
    # the Details button opens the full evidence; its pages switch in place
    bot.slack.block_action("assessment_show_matrix", "1", block_id="assessment_actions",
                           channel_id="C1", message_ts=ts)
    details = bot.fake.wait_for("views.open", predicate=lambda c: c.args["view"]["title"][
        "text"] == "Verdict details")[-1].response["view"]
    assert "Every answer that moved it" in str(details["blocks"])
    bot.slack.block_action("assessment_details_matrix", "1", block_id="details_pages",
                           view=details)
    matrix = bot.fake.wait_for("views.update", predicate=lambda c: "matrix_model_1" in str(
        c.args["view"]))[-1]
    assert matrix.args["view_id"] == details["id"]
    assert MODEL_WORDS[expect["model"]] in str(matrix.args["view"]["blocks"])
    # the modal tells the user where it went
    bot.fake.wait_for("views.update", predicate=lambda c: "Posted your verdict" in str(
        c.args["view"]))


def test_validation_error_is_shown_on_the_field(bot: Bot) -> None:
    bot.slack.command("")
    bot.fake.wait_for("views.open")
    view = bot.last_view()
    resp = bot.slack.view_submission(view, fill(view, {"post_channel": "C1"}))
    body = resp.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"stated_need", "slowdown"}


def test_option_outside_the_allowed_values_is_refused(bot: Bot) -> None:
    answers, _ = scenario(SCENARIOS[0])
    bot.slack.command("")
    bot.fake.wait_for("views.open")
    view = bot.last_view()
    step0 = answers_by_step(answers)[0] | {"duration": "forever"}
    body = bot.slack.view_submission(view, fill(view, step0)).json()
    assert body["response_action"] == "errors"
    assert "Long term (over 6 months)" in body["errors"]["duration"]
    assert "long_term" not in body["errors"]["duration"]  # words, never the spec's ids


def test_context_answers_travel_through_the_modal(bot: Bot) -> None:
    """The optional context answers are asked on the existing pages and stored."""
    answers, _ = scenario(scenarios.OWN_DIR / "many_teams_many_agencies.yaml")
    assert {"teams", "vendors_in_use"} <= set(answers)
    run_intake(bot, answers)
    bot.fake.wait_for("chat.postMessage", count=VERDICT_POSTS)
    from bot.db import models as m

    with bot.deps.sessions() as s:
        stored = s.query(m.Assessment).one().answers
    for key in ("teams", "vendors_in_use", "requirements"):
        assert stored.get(key) == answers.get(key)


def test_my_own_times_shows_its_box(bot: Bot) -> None:
    """Picking "My own times" redraws the first page with the box for them, keeping what
    was typed; the times then decide the check-ins."""
    answers, _ = scenario(SCENARIOS[0])
    bot.slack.command("")
    bot.fake.wait_for("views.open")
    view = bot.last_view()
    assert "checkin_cadence_custom" not in str(view["blocks"])
    step0 = answers_by_step(answers)[0] | {"checkin_cadence": "custom"}
    bot.slack.block_action("checkin_cadence", block_id="checkin_cadence", view=view,
                           values=fill(view, step0))
    bot.fake.wait_for("views.update")
    redrawn = bot.fake.views[view["id"]]
    assert "checkin_cadence_custom" in str(redrawn["blocks"])
    assert "Subscription billing rebuild" in str(redrawn)  # typed before the redraw
    resp = bot.submit(redrawn, step0 | {"checkin_cadence_custom": "3d"})
    assert resp.json()["response_action"] == "update"
    assert "Step 2 of 4" in str(bot.fake.views[view["id"]]["blocks"][0])


def test_back_keeps_answers(bot: Bot) -> None:
    answers, _ = scenario(SCENARIOS[0])
    steps = answers_by_step(answers)
    bot.slack.command("")
    bot.fake.wait_for("views.open")
    view = bot.last_view()
    bot.submit(view, steps[0])
    view = bot.fake.views[view["id"]]
    partial = {"signals.roadmap_clear": "2"}
    resp = bot.slack.block_action("intake_back", block_id="intake_nav", view=view,
                                  values=fill(view, partial))
    assert resp.status == 200
    bot.fake.wait_for("views.update")
    first = bot.fake.views[view["id"]]
    assert "Step 1 of 4" in str(first["blocks"][0])
    assert "Subscription billing rebuild" in str(first)  # typed on step 1, still there
    # forward again: the signal picked before going back is pre-filled
    bot.submit(first, {})
    second = bot.fake.views[view["id"]]
    roadmap = next(b for b in second["blocks"] if b.get("block_id") == "signals.roadmap_clear")
    assert roadmap["element"]["initial_option"]["value"] == "2"


def test_same_final_submission_twice_posts_once(bot: Bot) -> None:
    answers, _ = scenario(SCENARIOS[1])
    steps = answers_by_step(answers)
    bot.slack.command("")
    bot.fake.wait_for("views.open")
    view = bot.last_view()
    for step in steps[:3]:
        bot.submit(view, step)
        view = bot.fake.views[view["id"]]
    values = fill(view, steps[3])
    first = bot.slack.view_submission(view, values)
    second = bot.slack.view_submission(view, values)
    assert first.status == second.status == 200
    bot.fake.wait_for("chat.postMessage", count=VERDICT_POSTS)
    bot.fake.wait_for("views.update")
    import time

    time.sleep(0.3)  # give a wrongly started second post the chance to show up
    parents = [c for c in bot.fake.calls_to("chat.postMessage") if not c.args.get("thread_ts")]
    assert len(parents) == 1


def test_forged_and_stale_signatures_are_refused(bot: Bot) -> None:
    import time

    assert bot.slack.command("", bad_signature=True).status == 401
    assert bot.slack.command("", timestamp=int(time.time()) - 600).status == 401
    assert bot.fake.calls_to("views.open") == []


def test_help_and_unknown_subcommands(bot: Bot) -> None:
    help_body = bot.slack.command("help").json()
    assert help_body["response_type"] == "ephemeral" and "/engagement" in help_body["text"]
    unknown = bot.slack.command("frobnicate <@U2>").json()
    assert "frobnicate" in unknown["text"] and unknown["response_type"] == "ephemeral"
    assert bot.fake.calls_to("views.open") == []


def test_private_channel_without_the_bot_keeps_answers_and_says_how(bot: Bot) -> None:
    bot.fake.add_channel("G1", is_private=True, is_member=False)
    answers, _ = scenario(SCENARIOS[0])
    run_intake(bot, answers, channel="G1")
    update = bot.fake.wait_for("views.update", predicate=lambda c: "Try again" in str(c.args))[-1]
    assert "/invite" in str(update.args["view"])
    # the user gets a DM too, and the answers are stored
    bot.fake.wait_for("chat.postMessage", predicate=lambda c: c.args["channel"] == "U1")
    from bot.db import models as m

    with bot.deps.sessions() as s:
        row = s.query(m.Assessment).one()
        assert row.status == "post_failed"
        assert row.answers["engagement"] == "Subscription billing rebuild"
    # invite the bot, press "Try again": posted, once
    bot.fake.channels["G1"].is_member = True
    bot.slack.block_action("assessment_retry_post", str(row.id), block_id="retry",
                           view=bot.fake.views[update.args["view_id"]])
    bot.fake.wait_for("chat.postMessage", count=VERDICT_POSTS,
                      predicate=lambda c: c.args["channel"] == "G1")


def test_public_channel_not_in_channel_joins_and_posts(bot: Bot) -> None:
    bot.fake.add_channel("C9", is_member=False)
    answers, _ = scenario(SCENARIOS[1])
    run_intake(bot, answers, channel="C9")
    bot.fake.wait_for("conversations.join")
    bot.fake.wait_for("chat.postMessage", count=VERDICT_POSTS,
                      predicate=lambda c: c.args["channel"] == "C9")


def test_two_try_again_clicks_at_once_post_the_verdict_once(bot: Bot) -> None:
    """Posting is claimed atomically: two *Try again* clicks that arrive together (and Slack
    slow to answer the first post) cannot both post."""
    import threading

    from bot.db import models as m

    bot.fake.add_channel("G1", is_private=True, is_member=False)
    answers, _ = scenario(SCENARIOS[0])
    run_intake(bot, answers, channel="G1")
    update = bot.fake.wait_for("views.update", predicate=lambda c: "Try again" in str(c.args))[-1]
    with bot.deps.sessions() as s:
        row_id = s.query(m.Assessment).one().id
    bot.fake.channels["G1"].is_member = True
    bot.fake.inject("chat.postMessage", delay=1.0, channel="G1")  # the first post is slow
    view = bot.fake.views[update.args["view_id"]]
    clicks = [threading.Thread(target=bot.slack.block_action, args=(
        "assessment_retry_post", str(row_id)), kwargs={"block_id": "retry", "view": view})
        for _ in range(2)]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    parents = bot.fake.wait_for("chat.postMessage", predicate=lambda c: c.args["channel"] == "G1"
                                and (c.args.get("metadata") or {}).get("event_type")
                                == "engagement_assessment")
    bot.fake.wait_for("views.update", predicate=lambda c: "being posted" in str(c.args))
    bot.fake.wait_idle()
    time.sleep(0.5)
    assert len([c for c in bot.fake.calls_to("chat.postMessage")
                if (c.args.get("metadata") or {}).get("event_type")
                == "engagement_assessment"]) == len(parents) == 1
