"""What an attacker (or a double click) tries against the promises: the workspace and the
person always come from Slack's signed request, never from a modal's state or a button's
value; the same click twice has one effect."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

from bot.db import models as m
from tests.e2e.flow import answers_by_step
from tests.e2e.test_checkins import answer_checkin, checkin_posts, posted
from tests.fakeslack.client import fill
from tests.support import scenarios
from tests.support.harness import Bot


def counts(bot: Bot) -> tuple[int, int, int]:
    with bot.deps.sessions() as s:
        return (s.query(m.Assessment).count(), s.query(m.HealthCheck).count(),
                s.query(m.Checkin).filter_by(status="answered").count())


def refused(resp) -> str:
    assert resp.status == 200
    body = resp.json()
    assert body["response_action"] == "update"
    return json.dumps(body["view"])


def last_step(bot: Bot) -> dict:
    """A questionnaire of T1/U1 filled in up to its last step; the view as Slack holds it."""
    bot.slack.command("")
    bot.fake.wait_for("views.open")
    view = bot.last_view()
    steps = answers_by_step(scenarios.answers())
    for step in steps[:-1]:
        bot.submit(view, step)
        view = bot.fake.views[view["id"]]
    return view


def test_a_questionnaire_submitted_from_another_workspace_writes_nothing(bot: Bot) -> None:
    view = last_step(bot)
    final = fill(view, answers_by_step(scenarios.answers())[-1])
    for team, user in (("T2", "U1"), ("T1", "U2"), ("T2", "UEVIL")):
        resp = bot.slack.view_submission(view, final, team_id=team, user_id=user)
        assert "another person or workspace" in refused(resp)
    assert counts(bot) == (0, 0, 0)
    assert bot.fake.calls_to("chat.postMessage") == []


def test_a_health_check_set_up_from_another_workspace_writes_nothing(bot: Bot) -> None:
    bot.fake.add_user("U1")
    bot.slack.command("healthcheck")
    modal = bot.fake.wait_for("views.open")[-1].response["view"]
    values = fill(modal, {})
    values["hc_time"] = {"hc_time": {"type": "timepicker", "selected_time": "09:00"}}
    resp = bot.slack.view_submission(modal, values, team_id="T2", user_id="UEVIL")
    assert "another person or workspace" in refused(resp)
    assert counts(bot) == (0, 0, 0)


def _checkin_modal(bot: Bot) -> dict:
    posted(bot)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    answer_checkin(bot)
    return bot.fake.wait_for("views.open", predicate=lambda c: c.args["view"].get(
        "callback_id") == "checkin")[-1].response["view"]


def test_a_checkin_answered_from_another_workspace_or_by_a_stranger_writes_nothing(
        bot: Bot) -> None:
    modal = _checkin_modal(bot)
    values = fill(modal, {"engagement_started": "yes"})
    assert "another person or workspace" in refused(
        bot.slack.view_submission(modal, values, team_id="T2", user_id="UEVIL"))
    bot.fake.add_user("U9")  # same workspace, not the owner, not an admin
    assert "Only the person who ran the assessment" in refused(
        bot.slack.view_submission(modal, values, user_id="U9"))
    assert counts(bot)[2] == 0
    # the owner still can
    assert bot.slack.view_submission(modal, values).status == 200
    assert counts(bot)[2] == 1


def test_retake_by_someone_else_starts_blank(bot: Bot) -> None:
    from bot.views.ids import Action

    posted(bot)
    with bot.deps.sessions() as s:
        row = s.query(m.Assessment).one()
    bot.fake.add_user("U2")
    bot.slack.block_action(Action.RETAKE, str(row.id), block_id="assessment_actions",
                           channel_id="C1", message_ts=row.message_ts, user_id="U2")
    # views.open 1 was the questionnaire that made the verdict
    blank = bot.fake.wait_for("views.open", count=2)[-1].args["view"]
    bot.slack.command("", user_id="U2", channel_id="C1")  # a new questionnaire, for comparison
    fresh = bot.fake.wait_for("views.open", count=3)[-1].args["view"]
    assert blank["blocks"] == fresh["blocks"]  # none of the owner's answers or notes
    assert row.engagement not in json.dumps(blank)
    bot.slack.block_action(Action.RETAKE, str(row.id), block_id="assessment_actions",
                           channel_id="C1", message_ts=row.message_ts, user_id="U1")
    own = bot.fake.wait_for("views.open", count=4)[-1].args["view"]
    assert row.engagement in json.dumps(own) and own["blocks"] != fresh["blocks"]


def _due_of_next_checkin(bot: Bot):
    with bot.deps.sessions() as s:
        return min(c.due_at for c in s.query(m.Checkin).filter_by(status="scheduled"))


def test_a_double_clicked_or_replayed_snooze_snoozes_once(bot: Bot) -> None:
    posted(bot)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    [post] = checkin_posts(bot)
    checkin_id = next(e["value"] for b in post.args["blocks"] if b["type"] == "actions"
                      for e in b["elements"] if e["action_id"] == "checkin_open")
    before = _due_of_next_checkin(bot)
    from tests.fakeslack.client import block_action_payload

    payload = block_action_payload("followups_snooze_day", checkin_id, block_id="checkin_actions",
                                   view=None, channel_id="C1", message_ts="1.0", user_id="U1",
                                   team_id="T1")
    raw = json.dumps(payload)
    replays = [threading.Thread(target=bot.slack.form, args=({"payload": raw},))
               for _ in range(3)]  # the same signed bytes three times
    clicks = [threading.Thread(target=bot.slack.block_action, args=(
        "followups_snooze_day", checkin_id), kwargs={"block_id": "checkin_actions",
                                                     "channel_id": "C1", "message_ts": "1.0"})
        for _ in range(2)]  # and two real clicks
    for t in replays + clicks:
        t.start()
    for t in replays + clicks:
        t.join()
    bot.fake.wait_for("chat.postEphemeral", count=3)
    bot.fake.wait_idle()
    assert _due_of_next_checkin(bot) - before == timedelta(days=1)


def test_a_double_submitted_health_setup_sets_up_one(bot: Bot) -> None:
    bot.fake.add_user("U1")
    bot.slack.command("healthcheck")
    modal = bot.fake.wait_for("views.open")[-1].response["view"]
    values = fill(modal, {})
    values["hc_time"] = {"hc_time": {"type": "timepicker", "selected_time": "09:00"}}
    threads = [threading.Thread(target=bot.slack.view_submission, args=(modal, values))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counts(bot)[1] == 1


def test_export_asked_twice_in_a_row_is_sent_once(bot: Bot) -> None:
    posted(bot)
    bot.fake.add_user("U1")
    for _ in range(2):
        bot.slack.command("export")
    bot.fake.wait_for("files.completeUploadExternal")
    bot.fake.wait_idle()
    import time

    time.sleep(0.5)
    assert len(bot.fake.calls_to("files.completeUploadExternal")) == 1
