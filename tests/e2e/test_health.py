"""Team health checks end to end: setup modal, scheduled run, anonymous answers, summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.db import models as m
from bot.services.health import summarize
from tests.fakeslack.client import fill
from tests.support.harness import Bot


def setup(bot: Bot, user: str = "U1", channel: str = "C7", **answers: str) -> None:
    bot.fake.add_user(user, tz="Europe/Berlin")
    bot.slack.command("healthcheck", user_id=user, channel_id=channel)
    modal = bot.fake.wait_for("views.open")[-1].response["view"]
    assert modal["callback_id"] == "healthcheck_setup"
    tz = next(b for b in modal["blocks"] if b.get("block_id") == "hc_tz")
    assert tz["element"]["initial_value"] == "Europe/Berlin"  # the creator's time zone
    values = fill(modal, {})
    values["hc_time"] = {"hc_time": {"type": "timepicker",
                                     "selected_time": answers.get("time", "09:00")}}
    values["hc_skip_weekends"] = {"hc_skip_weekends": {"type": "checkboxes",
                                                       "selected_options": []}}
    if "tz" in answers:
        values["hc_tz"]["hc_tz"]["value"] = answers["tz"]
    resp = bot.slack.view_submission(modal, values, user_id=user)
    return resp


def run_posts(bot: Bot) -> list:
    return [c for c in bot.fake.calls_to("chat.postMessage")
            if "health_intro" in str(c.args.get("blocks"))]


def rate(bot: Bot, user: str, dim: str, rating: str) -> None:
    post = run_posts(bot)[-1]
    value = next(e["value"] for b in post.args["blocks"] if b.get("block_id") == f"health_{dim}"
                 for e in b["elements"] if e["value"].endswith(f"|{rating}"))
    resp = bot.slack.block_action(f"health_rate_{rating}", value, block_id=f"health_{dim}",
                                  channel_id=post.args["channel"],
                                  message_ts=post.response["ts"], user_id=user)
    assert resp.status == 200


def test_setup_validates_time_zone_on_the_field(bot: Bot) -> None:
    body = setup(bot, tz="Mars/Olympus").json()
    assert body["response_action"] == "errors" and "hc_tz" in body["errors"]


def test_runs_on_schedule_collects_anonymous_answers_and_summarises(bot: Bot) -> None:
    # the test clock starts Monday 2 March 2026 09:00 UTC (10:00 in Berlin)
    assert setup(bot).status == 200
    with bot.deps.sessions() as s:
        hc = s.query(m.HealthCheck).one()
        assert hc.next_run_at == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # Mon 09:00 Berlin
    runner = bot.runner()
    bot.clock.advance(timedelta(days=6, hours=22, minutes=59))
    runner.tick()
    assert run_posts(bot) == []
    bot.clock.advance(timedelta(minutes=1))
    runner.tick()
    assert len(run_posts(bot)) == 1
    for user, rating in (("UA", "red"), ("UB", "red"), ("UC", "yellow")):
        for dim in ("clarity", "answers", "decisions", "focus", "capacity"):
            rate(bot, user, dim, rating)
    rate(bot, "UA", "capacity", "green")  # answering again replaces the answer
    bot.fake.wait_for("chat.postEphemeral", count=16)
    with bot.deps.sessions() as s:
        answers = s.query(m.HealthAnswer).all()
        assert len(answers) == 15
        stored = str([(a.responder_hash, a.dimension, a.rating) for a in answers])
        assert "UA" not in stored and "UB" not in stored
    bot.clock.advance(timedelta(hours=24))
    runner.tick()
    summary = bot.fake.wait_for("chat.postMessage",
                                predicate=lambda c: "health_summary" in str(c.args["blocks"]))
    text = str(summary[0].args["blocks"])
    assert "3 people" in text and "/engagement" in text  # ownership dimensions are red
    assert summary[0].args["thread_ts"] == run_posts(bot)[-1].response["ts"]
    # the next run was scheduled a week later, 09:00 Berlin
    with bot.deps.sessions() as s:
        assert s.query(m.HealthCheck).one().next_run_at == datetime(2026, 3, 16, 8, 0,
                                                                     tzinfo=UTC)


def test_results_stay_hidden_below_the_threshold(bot: Bot) -> None:
    setup(bot)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=7))
    runner.tick()
    rate(bot, "UA", "clarity", "green")
    rate(bot, "UB", "clarity", "red")
    bot.clock.advance(timedelta(days=1))
    runner.tick()
    summary = bot.fake.wait_for("chat.postMessage",
                                predicate=lambda c: "health_summary" in str(c.args["blocks"]))
    assert "stay hidden" in summary[0].args["text"]
    assert "red" not in str(summary[0].args["blocks"]).replace("stay hidden", "")


def test_only_creator_or_admin_may_change_it(bot: Bot) -> None:
    setup(bot)
    bot.fake.add_user("U2")
    bot.slack.command("healthcheck stop", user_id="U2", channel_id="C7")
    refusal = bot.fake.wait_for("chat.postEphemeral")[-1]
    assert refusal.args["user"] == "U2" and "Only the person" in refusal.args["text"]
    listing = bot.slack.command("healthcheck list", channel_id="C7").json()
    assert "active" in listing["text"]
    bot.slack.command("healthcheck pause", user_id="U1", channel_id="C7")
    bot.fake.wait_for("chat.postEphemeral", predicate=lambda c: "Paused" in c.args["text"])
    runner = bot.runner()
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    assert run_posts(bot) == []
    bot.slack.command("healthcheck resume", user_id="U1", channel_id="C7")
    bot.fake.wait_for("chat.postEphemeral", predicate=lambda c: "Resumed" in c.args["text"])
    bot.clock.advance(timedelta(days=7))
    runner.tick()
    assert len(run_posts(bot)) == 1


def test_summary_trend_against_previous_run() -> None:
    first = summarize([(f"h{i}", "clarity", "red") for i in range(3)], None, 3)
    second = summarize([(f"h{i}", "clarity", "green") for i in range(3)], first, 3)
    assert first["dimensions"]["clarity"]["light"] == "red"
    assert second["dimensions"]["clarity"]["trend"] == "up"
    assert second["dimensions"]["clarity"]["light"] == "green"
    hidden = summarize([("h1", "clarity", "red")], None, 3)
    assert hidden["shown"] is False and hidden["dimensions"] == {}
