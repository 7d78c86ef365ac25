"""Check-ins in the recommendation thread, driven by the real scheduler and a test clock."""

from __future__ import annotations

import sys
from datetime import timedelta

import yaml

from bot.db import models as m
from tests.e2e.flow import VERDICT_POSTS, run_intake
from tests.fakeslack.client import fill
from tests.support import scenarios
from tests.support.harness import Bot

SCENARIO = scenarios.OWNER_GAP


def posted(bot: Bot, answers: dict | None = None, channel: str = "C1") -> str:
    data = answers or yaml.safe_load(SCENARIO.read_text())
    data.pop("expect", None)
    run_intake(bot, data, channel=channel)
    parent = bot.fake.wait_for("chat.postMessage", count=VERDICT_POSTS)[0]
    bot.fake.wait_for("views.update")
    return str(parent.response["ts"])


def checkin_posts(bot: Bot) -> list:
    return [c for c in bot.fake.calls_to("chat.postMessage")
            if "checkin_actions" in str(c.args.get("blocks"))]


def test_checkins_at_default_offsets_in_the_thread(bot: Bot) -> None:
    ts = posted(bot)
    runner = bot.runner()
    assert runner.tick() == 0
    bot.clock.advance(timedelta(days=13, hours=23))
    runner.tick()
    assert checkin_posts(bot) == []
    bot.clock.advance(timedelta(hours=1))
    runner.tick()
    [first] = checkin_posts(bot)
    assert first.args["thread_ts"] == ts and "<@U1>" in str(first.args["blocks"])
    assert "1 of 2" in first.args["text"]
    runner.tick()  # nothing new: not posted twice
    assert len(checkin_posts(bot)) == 1


def answer_checkin(bot: Bot, user: str = "U1", **changes: str):
    [post] = checkin_posts(bot)[-1:]
    checkin_id = next(e["value"] for b in post.args["blocks"] if b["type"] == "actions"
                      for e in b["elements"] if e["action_id"] == "checkin_open")
    resp = bot.slack.block_action("checkin_open", checkin_id, block_id="checkin_actions",
                                  channel_id=post.args["channel"],
                                  message_ts=post.response["ts"], user_id=user)
    return checkin_id, resp


def comparisons(bot: Bot) -> list[dict]:
    """The comparisons in the thread, as Slack stores them."""
    return [msg for msg in bot.fake.messages.values()
            if "checkin_result" in str(msg.get("blocks"))]


def open_modal(bot: Bot) -> dict:
    return bot.fake.wait_for("views.open", predicate=lambda c: c.args["view"].get(
        "callback_id") == "checkin")[-1].response["view"]


def test_checkin_round_trip_posts_comparison_and_edits_parent(bot: Bot) -> None:
    ts = posted(bot)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    _, resp = answer_checkin(bot)
    assert resp.status == 200
    modal = open_modal(bot)
    asked = [b["block_id"] for b in modal["blocks"] if b["type"] == "input"]
    assert "engagement_started" not in asked and "checkin_note" in asked
    values = fill(modal, {"symptoms.blocked_on_product": "sometimes",
                          "symptoms.unclear_tickets": "sometimes",
                          "checkin_note": "New PM started."})
    ack = bot.slack.view_submission(modal, values)
    assert ack.status == 200 and not ack.body.strip().startswith('{"response_action": "errors"')
    update = bot.fake.wait_for("chat.update")[-1]
    assert update.args["ts"] == ts and "Check-in 1 of 2: improving" in str(update.args["blocks"])
    # one post: the comparison, with the trend chart in it and the chart's text beside it
    done = bot.fake.wait_for("files.completeUploadExternal")[-1]
    assert not done.args.get("channel_id")  # uploaded, not shared on its own
    file_id = done.args["files"][0]["id"]
    assert bot.fake.uploads[file_id].startswith(b"\x89PNG")
    [result] = [c for c in bot.fake.calls_to("chat.postMessage")
                if "checkin_result" in str(c.args.get("blocks"))]
    assert result.args["thread_ts"] == ts and result.args["metadata"]["event_type"] == \
        "engagement_comparison"  # a retry finds it by its marker
    blocks = result.args["blocks"]
    assert "improving" in str(blocks)
    assert "Developers wait for answers from product: All the time → Sometimes" in str(blocks)
    assert "constantly" not in str(blocks)
    [image] = [b for b in blocks if b["type"] == "image"]
    assert image["slack_file"] == {"id": file_id} and "All the time → Sometimes" in \
        image["alt_text"]
    assert len(comparisons(bot)) == 1
    assert not [c for c in bot.fake.calls_to("chat.postMessage")
                if "Over time" in str(c.args) and c is not result]  # no separate chart post
    with bot.deps.sessions() as s:
        checkin = s.query(m.Checkin).filter_by(seq=1).one()
        assert checkin.status == "answered" and checkin.comparison["trend"] == "improving"
        nudges = s.query(m.Job).filter_by(kind="checkin_nudge", ref_id=checkin.id).one()
        assert nudges.status == "cancelled"


def test_the_next_checkin_starts_from_the_last_answers(bot: Bot) -> None:
    posted(bot)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    answer_checkin(bot)
    first = open_modal(bot)
    bot.slack.view_submission(first, fill(first, {"symptoms.blocked_on_product": "sometimes"}))
    bot.fake.wait_for("chat.update")
    bot.clock.advance(timedelta(days=28))
    runner.tick()
    runner.tick()
    answer_checkin(bot)
    bot.fake.wait_for("views.open", count=2, predicate=lambda c: c.args["view"].get(
        "callback_id") == "checkin")
    second = open_modal(bot)
    assert "check-in 2 of 2" in str(second["blocks"][0])
    answer = next(b for b in second["blocks"] if b.get("block_id") ==
                  "symptoms.blocked_on_product")
    assert answer["element"]["initial_option"]["value"] == "sometimes"  # not the verdict's


def test_a_changed_verdict_retakes_from_the_checkins_answers(bot: Bot) -> None:
    posted(bot)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    answer_checkin(bot)
    modal = open_modal(bot)
    bot.slack.view_submission(modal, fill(modal, {"symptoms.decisions_bouncing": "never"}))
    bot.fake.wait_for("chat.update")
    with bot.deps.sessions() as s:
        aid = s.query(m.Assessment).one().id
    bot.slack.block_action("assessment_retake", str(aid), block_id="checkin_next",
                           channel_id="C1", message_ts="1.0")
    intake = bot.fake.wait_for("views.open", count=2, predicate=lambda c: c.args["view"].get(
        "callback_id") == "intake")[-1].args["view"]  # the first was the questionnaire
    from bot.views.metadata import decode

    assert decode(intake["private_metadata"]).answers["symptoms.decisions_bouncing"] == "never"


def test_without_matplotlib_the_trend_is_posted_as_text(bot: Bot, monkeypatch) -> None:
    """The charts extra not installed: the comparison carries the chart's text alone."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    ts = posted(bot)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    answer_checkin(bot)
    modal = open_modal(bot)
    bot.slack.view_submission(modal, fill(modal, {"symptoms.blocked_on_product": "sometimes"}))
    bot.fake.wait_for("chat.update")  # edited after the comparison is posted
    [result] = bot.fake.wait_for("chat.postMessage", predicate=lambda c: "checkin_result" in
                                 str(c.args.get("blocks")))
    assert result.args["thread_ts"] == ts and result.args["channel"] == "C1"
    assert "Developers wait for answers from product: All the time → Sometimes" in \
        str(result.args["blocks"])
    assert [c for c in bot.fake.calls if c.method.startswith("files.")] == []
    with bot.deps.sessions() as s:
        assert s.query(m.Checkin).filter_by(seq=1).one().status == "answered"


def test_a_refused_upload_still_posts_the_comparison(bot: Bot) -> None:
    posted(bot)
    runner = bot.runner()
    bot.fake.inject("files.completeUploadExternal", error="internal_error")
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    answer_checkin(bot)
    modal = open_modal(bot)
    bot.slack.view_submission(modal, fill(modal, {"symptoms.blocked_on_product": "sometimes"}))
    bot.fake.wait_for("chat.update")
    [result] = bot.fake.wait_for("chat.postMessage", predicate=lambda c: "checkin_result" in
                                 str(c.args.get("blocks")))
    assert "Over time" in str(result.args["blocks"])
    assert "image" not in [b["type"] for b in result.args["blocks"]]
    assert len(comparisons(bot)) == 1


def test_an_image_slack_cannot_show_yet_leaves_the_comparison_without_it(bot: Bot) -> None:
    """Slack refuses the image block (the file still being processed): the comparison goes
    out once, without the image, its text saying what the chart shows."""
    posted(bot)
    runner = bot.runner()
    bot.fake.inject("chat.postMessage", error="invalid_blocks",
                    when=lambda args: "checkin_chart" in str(args.get("blocks")))
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    answer_checkin(bot)
    modal = open_modal(bot)
    bot.slack.view_submission(modal, fill(modal, {"symptoms.blocked_on_product": "sometimes"}))
    bot.fake.wait_for("chat.update")
    assert len(comparisons(bot)) == 1
    [stored] = comparisons(bot)
    assert "Over time" in str(stored["blocks"]) and "checkin_chart" not in str(stored["blocks"])


def test_checkin_shift_is_loud(bot: Bot) -> None:
    posted(bot)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    answer_checkin(bot)
    modal = open_modal(bot)
    calm = {f"symptoms.{s}": "never" for s in ("unclear_tickets", "blocked_on_product",
                                               "decisions_bouncing", "alignment_over_building")}
    signals = {"signals.roadmap_clear": "5", "signals.leadership_active": "5",
               "signals.process_stable": "5", "signals.outcome_led_scope": "1",
               "signals.design_engineering_together": "1",
               "signals.steering_bandwidth_limited": "1", "signals.need_fast_decisions": "1"}
    bot.slack.view_submission(modal, fill(modal, {**calm, **signals}))
    bot.fake.wait_for("chat.update")
    [result] = [msg for msg in comparisons(bot) if "checkin_shift" in str(msg["blocks"])]
    assert "verdict has shifted" in str(result["blocks"])
    assert "assessment_retake" in str(result["blocks"])  # the next thing to do


def test_only_owner_or_admin_can_open_snooze_or_stop(bot: Bot) -> None:
    bot.fake.add_user("U2", is_admin=False)
    bot.fake.add_user("UADMIN", is_admin=True)
    posted(bot)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    checkin_id, _ = answer_checkin(bot, user="U2")
    refusal = bot.fake.wait_for("chat.postEphemeral")[-1]
    assert refusal.args["user"] == "U2" and "Only the person" in refusal.args["text"]
    bot.slack.block_action("followups_stop", checkin_id, block_id="checkin_actions",
                           channel_id="C1", message_ts="1.0", user_id="U2")
    bot.fake.wait_for("chat.postEphemeral", count=2)
    with bot.deps.sessions() as s:
        assert s.query(m.Assessment).one().followups_status == "active"
    bot.slack.block_action("followups_snooze_week", checkin_id, block_id="checkin_actions",
                           channel_id="C1", message_ts="1.0", user_id="UADMIN")
    bot.fake.wait_for("chat.postEphemeral", predicate=lambda c: "Snoozed" in c.args["text"])
    bot.slack.block_action("followups_stop", checkin_id, block_id="checkin_actions",
                           channel_id="C1", message_ts="1.0", user_id="U1")
    bot.fake.wait_for("chat.postEphemeral", predicate=lambda c: "Stopped" in c.args["text"])
    with bot.deps.sessions() as s:
        assert s.query(m.Assessment).one().followups_status == "stopped"
    bot.clock.advance(timedelta(days=60))
    runner.tick()
    assert len(checkin_posts(bot)) == 1  # the second check-in never comes


def test_snooze_moves_the_next_checkin(bot: Bot) -> None:
    posted(bot)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    checkin_id, _ = answer_checkin(bot, user="U9")  # refused: not the owner
    refusal = bot.fake.wait_for("chat.postEphemeral", predicate=lambda c: c.args["user"] == "U9")
    assert "Only the person who ran the assessment" in refusal[-1].args["text"]
    assert not [c for c in bot.fake.calls_to("views.open")
                if c.args["view"].get("callback_id") == "checkin"]
    bot.slack.block_action("followups_snooze_week", checkin_id, block_id="checkin_actions",
                           channel_id="C1", message_ts="1.0", user_id="U1")
    bot.fake.wait_for("chat.postEphemeral", predicate=lambda c: "Snoozed" in c.args["text"])
    bot.clock.advance(timedelta(days=28))  # day 42: check-in 2 was due, now day 49
    runner.tick()
    assert len(checkin_posts(bot)) == 1
    bot.clock.advance(timedelta(days=7))
    runner.tick()
    assert len(checkin_posts(bot)) == 2


def test_unanswered_checkin_is_nudged_once_then_missed(bot: Bot) -> None:
    posted(bot)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    bot.clock.advance(timedelta(days=2))
    runner.tick()
    nudges = [c for c in bot.fake.calls_to("chat.postMessage") if "nudge" in str(c.args)]
    assert len(nudges) == 1
    bot.clock.advance(timedelta(days=3))
    runner.tick()
    with bot.deps.sessions() as s:
        assert s.query(m.Checkin).filter_by(seq=1).one().status == "missed"


def test_downtime_delivers_everything_once_and_says_late(bot: Bot) -> None:
    posted(bot)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=50))  # the worker was down for both check-ins
    runner.tick()
    # both fell due in one thread: the second waits its turn (one post a second per channel)
    assert len(checkin_posts(bot)) == 1
    bot.clock.advance(runner.pacer.interval)
    runner.tick()
    posts = checkin_posts(bot)
    assert len(posts) == 2
    assert all("late" in str(p.args["blocks"]) for p in posts)
    runner.tick()
    assert len(checkin_posts(bot)) == 2


def test_archived_channel_pauses_and_tells_owner_then_resumes(bot: Bot) -> None:
    posted(bot)
    bot.fake.add_channel("C1", is_archived=True)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    dm = bot.fake.wait_for("chat.postMessage", predicate=lambda c: c.args["channel"] == "U1")
    assert "archived" in dm[0].args["text"] and "paused" in dm[0].args["text"]
    with bot.deps.sessions() as s:
        assert s.query(m.Assessment).one().followups_status == "paused"
    # unarchived: Slack sends channel_unarchive; the follow-ups come back
    bot.fake.channels["C1"].is_archived = False
    resp = bot.slack.event({"type": "channel_unarchive", "channel": "C1", "user": "U1"},
                           event_id="EvUN1")
    assert resp.status == 200
    with bot.deps.sessions() as s:
        assert s.query(m.Assessment).one().followups_status == "active"
    # the check-in whose post found the channel archived comes after all, late and once
    bot.clock.advance(timedelta(seconds=5))  # past the channel's turn (the failed post)
    runner.tick()
    runner.tick()
    assert len(checkin_posts(bot)) == 1


def test_channel_archive_event_is_idempotent(bot: Bot) -> None:
    posted(bot)
    event = {"type": "channel_archive", "channel": "C1", "user": "U1"}
    assert bot.slack.event(event, event_id="EvA1").status == 200
    assert bot.slack.event(event, event_id="EvA1", retry_num=1).status == 200
    with bot.deps.sessions() as s:
        assert s.query(m.Assessment).one().followups_status == "paused"
        pending = s.query(m.Job).filter_by(status="paused").count()
    assert pending == 2


def test_rate_limited_channel_is_deferred_not_dropped(bot: Bot) -> None:
    posted(bot)
    runner = bot.runner()
    bot.fake.inject("chat.postMessage", status=429, retry_after=30, channel="C1")
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    assert checkin_posts(bot) == []
    bot.clock.advance(timedelta(seconds=31))
    runner.tick()
    assert len(checkin_posts(bot)) == 1


def first_checkin_by_apscheduler(fake_slack, tmp_path, *, slack_delay: float = 0.0) -> Bot:
    """A bot whose real BackgroundScheduler ticks every 50 ms (the test clock decides what
    is due) until the first check-in is posted, then stops. Returns the bot, its server
    stopped."""
    from tests.support.harness import start_bot

    bot = start_bot(fake_slack, f"sqlite:///{tmp_path}/s.db",
                    ENGAGEMENT_SCHEDULER_INTERVAL=0.05)
    try:
        posted(bot)
        if slack_delay:
            bot.fake.inject("chat.postMessage", delay=slack_delay, times=None)
        runner = bot.runner()
        runner.start()
        try:
            bot.clock.advance(timedelta(days=14))
            bot.fake.wait_for("chat.postMessage",
                              predicate=lambda c: "checkin_actions" in str(c.args.get("blocks")))
        finally:
            runner.stop()
    finally:
        bot.server.stop()
    return bot


def test_apscheduler_drives_the_clock_and_stop_releases(fake_slack, tmp_path) -> None:
    """The real BackgroundScheduler ticking every 50 ms; the test clock decides what is due."""
    bot = first_checkin_by_apscheduler(fake_slack, tmp_path)
    with bot.deps.sessions() as s:
        assert s.query(m.Job).filter_by(status="claimed").count() == 0


def test_a_tick_longer_than_the_interval_is_not_logged_as_skipped(
        fake_slack, tmp_path, caplog) -> None:
    """Slack slow (0.3 s per post) and ticks every 50 ms: APScheduler would warn at every
    interval that it skipped a run; the worker's log stays quiet, other warnings pass."""
    import logging

    caplog.set_level(logging.WARNING, logger="apscheduler")
    first_checkin_by_apscheduler(fake_slack, tmp_path, slack_delay=0.3)
    logging.getLogger("apscheduler.scheduler").warning("something else")
    warned = [r.getMessage() for r in caplog.records if r.name.startswith("apscheduler")]
    assert warned == ["something else"]


def test_server_errors_are_retried_with_backoff_and_delivered_once(bot: Bot) -> None:
    posted(bot)
    runner = bot.runner()
    bot.fake.inject("chat.postMessage", status=500, times=3, channel="C1")  # > client retries
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    assert checkin_posts(bot) == []
    with bot.deps.sessions() as s:
        job = s.query(m.Job).filter_by(kind="checkin_post").order_by(m.Job.id).first()
        assert job.status == "pending" and job.last_error
    bot.clock.advance(timedelta(seconds=10))
    runner.tick()
    runner.tick()
    assert len(checkin_posts(bot)) == 1


def test_revoked_token_stops_the_teams_schedules(bot: Bot) -> None:
    posted(bot)
    from tests.support.harness import TOKEN

    bot.fake.revoked_tokens.add(TOKEN)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    with bot.deps.sessions() as s:
        assert s.query(m.Assessment).one().followups_status == "stopped"
        statuses = {j.status for j in s.query(m.Job).filter_by(kind="checkin_post")}
    assert statuses <= {"failed", "cancelled"} and "cancelled" in statuses


def test_uninstall_event_stops_schedules(bot: Bot) -> None:
    posted(bot)
    assert bot.slack.event({"type": "app_uninstalled"}, event_id="EvU1").status == 200
    with bot.deps.sessions() as s:
        assert s.query(m.Assessment).one().followups_status == "stopped"


def test_app_home_lists_assessments(bot: Bot) -> None:
    bot.fake.add_user("U1", tz="America/New_York")
    posted(bot)
    bot.slack.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    home = bot.fake.wait_for("views.publish")[-1]
    view = str(home.args["view"])
    assert home.args["user_id"] == "U1" and "Subscription billing rebuild" in view
    # posted Mon 2 Mar 09:00 UTC; the first check-in is 14 days later, 16 March, after the
    # US switch to daylight time on 8 March: 09:00 UTC is 05:00 in New York
    assert "next check-in Mon 16 Mar 05:00 your time" in view


def test_app_home_pages_through_many_assessments(bot: Bot) -> None:
    with bot.deps.sessions.begin() as s:
        now = bot.clock()
        for i in range(25):
            s.add(m.Assessment(team_id="T1", user_id="U1", channel_id="C1",
                               engagement=f"Work {i:02d}", answers={}, verdict={},
                               bottleneck_kind="capacity", model="staff_augmentation",
                               confidence=0.5, created_at=now + timedelta(minutes=i),
                               updated_at=now))
    bot.slack.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    first = str(bot.fake.wait_for("views.publish")[-1].args["view"])
    assert "Work 24" in first and "Work 14" not in first and "Older" in first
    bot.slack.block_action("home_page_older", "1", block_id="home_pages", user_id="U1")
    second = str(bot.fake.wait_for("views.publish", count=2)[-1].args["view"])
    assert "Work 14" in second and "Work 24" not in second and "Newer" in second


def test_history_and_export(bot: Bot, capsys, monkeypatch) -> None:
    posted(bot)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    body = bot.slack.command("history", channel_id="C1").json()
    assert body["response_type"] == "ephemeral" and "Subscription billing rebuild" in body["text"]
    assert "mismatch" in body["text"]
    other = bot.slack.command("history", channel_id="C2").json()
    assert "No assessments" in other["text"]
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", bot.deps.settings.database_url)
    assert main(["export", "--team", "T1", "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("assessment_id,") and len(out) == 3  # header + 2 check-ins
    assert main(["export", "--team", "TOTHER", "--format", "json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"  # another workspace sees nothing


def test_purge_deletes_one_workspace_only(bot: Bot, monkeypatch, capsys) -> None:
    posted(bot)
    with bot.deps.sessions.begin() as s:
        other = s.query(m.Assessment).one()
        s.add(m.Assessment(team_id="T9", user_id="U9", channel_id="C9", engagement="Other",
                           answers={}, verdict={}, bottleneck_kind="capacity",
                           model="staff_augmentation", confidence=0.5,
                           created_at=other.created_at, updated_at=other.created_at))
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", bot.deps.settings.database_url)
    assert main(["purge", "--team", "T1"]) == 2  # asks for --yes first
    assert main(["purge", "--team", "T1", "--yes"]) == 0
    assert "assessments 1" in capsys.readouterr().out
    with bot.deps.sessions() as s:
        assert [a.team_id for a in s.query(m.Assessment)] == ["T9"]
        assert s.query(m.Job).filter_by(team_id="T1").count() == 0
        assert s.query(m.Checkin).count() == 0


def test_export_in_slack_dms_csv_and_json_of_what_you_may_see(bot: Bot) -> None:
    posted(bot)
    bot.fake.add_user("U1")
    bot.fake.add_user("U2")
    ack = bot.slack.command("export", user_id="U2").json()
    assert ack["response_type"] == "ephemeral" and "direct message" in ack["text"]
    done = bot.fake.wait_for("files.completeUploadExternal")[-1]
    uploads = {bot.fake.upload_names[f["id"]]: bot.fake.uploads[f["id"]].decode()
               for f in done.args["files"]}
    assert set(uploads) == {"engagement-export.csv", "engagement-export.json"}
    assert uploads["engagement-export.json"].strip() == "[]"  # U2 owns nothing here
    bot.slack.command("export", user_id="U1")
    done = bot.fake.wait_for("files.completeUploadExternal", count=2)[-1]
    csv_text = next(bot.fake.uploads[f["id"]].decode() for f in done.args["files"]
                    if bot.fake.upload_names[f["id"]].endswith(".csv"))
    assert "Subscription billing rebuild" in csv_text and done.args["channel_id"].startswith("D")
