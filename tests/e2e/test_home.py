"""App Home buttons end to end: signed clicks as different users, the database, and the
re-published Home tab (validated against the home_view schema by the fake Slack)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml

from bot.db import models as m
from bot.views import notices
from bot.views.ids import Action, BlockId
from tests.e2e.flow import VERDICT_POSTS, run_intake
from tests.e2e.test_checkins import checkin_posts
from tests.e2e.test_health import run_posts
from tests.e2e.test_health import setup as set_up_health_check
from tests.support import scenarios
from tests.support.harness import Bot

SCENARIO = scenarios.OWNER_GAP
NOT_OWNER = "Only the person who ran the assessment (or a workspace admin) can"
NOT_CREATOR = "Only the person who set up this health check (or a workspace admin) can"
HOSTILE = "<!channel> & <@U123> ship it"


def posted(bot: Bot, user: str = "U1", engagement: str | None = None) -> None:
    """U1 runs the intake; the verdict lands in C1 with two check-ins scheduled."""
    data = yaml.safe_load(SCENARIO.read_text())
    data.pop("expect", None)
    if engagement is not None:
        data["engagement"] = engagement
    run_intake(bot, data, user=user)
    bot.fake.wait_for("chat.postMessage", count=VERDICT_POSTS)
    bot.fake.wait_for("views.update")


def homes(bot: Bot, user: str) -> list[Any]:
    return [c for c in bot.fake.calls_to("views.publish") if c.args["user_id"] == user]


def open_home(bot: Bot, user: str) -> dict[str, Any]:
    before = len(homes(bot, user))
    assert bot.slack.event({"type": "app_home_opened", "user": user, "tab": "home"}
                           ).status == 200
    return _next_home(bot, user, before)


def _next_home(bot: Bot, user: str, before: int) -> dict[str, Any]:
    call = bot.fake.wait_for("views.publish", count=before + 1,
                             predicate=lambda c: c.args["user_id"] == user)[-1]
    view: dict[str, Any] = call.response["view"]
    return view


def button(view: dict[str, Any], action_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
        if e["action_id"] == action_id]
    assert found, f"no {action_id} button on this Home tab"
    return found[0]


def options(view: dict[str, Any]) -> list[str]:
    """The values of every item's overflow menu options ("stop:12", ...)."""
    return [o["value"] for b in view["blocks"] if b["type"] == "actions"
            for e in b["elements"] if e["type"] == "overflow" for o in e["options"]]


def has_option(view: dict[str, Any], verb: str) -> bool:
    return any(v.startswith(f"{verb}:") for v in options(view))


def ref(view: dict[str, Any]) -> str:
    """The id the first item's menu carries (the older per-action buttons take it too)."""
    return options(view)[0].split(":", 1)[1]


def choose(bot: Bot, view: dict[str, Any], verb: str, user: str) -> Any:
    """Pick ``verb`` in the first item's overflow menu as ``user``."""
    value = next(v for v in options(view) if v.startswith(f"{verb}:"))
    resp = bot.slack.block_action(Action.HOME_ASSESSMENT_MORE, block_id="home", view=view,
                                  user_id=user, selected=value)
    assert resp.status == 200 and not resp.body.strip()
    return resp


def confirm_modal(bot: Bot, count: int = 1) -> dict[str, Any]:
    call = bot.fake.wait_for("views.open", count=count, predicate=lambda c: c.args["view"].get(
        "callback_id") == "home_confirm")[-1]
    view: dict[str, Any] = call.response["view"]
    return view


def confirm(bot: Bot, modal: dict[str, Any], user: str) -> dict[str, Any]:
    """Press the confirm modal's submit; the Home tab Slack shows afterwards."""
    before = len(homes(bot, user))
    resp = bot.slack.view_submission(modal, {}, user_id=user)
    assert resp.status == 200 and not resp.body.strip()  # closed
    return _next_home(bot, user, before)


def has_button(view: dict[str, Any], action_id: str) -> bool:
    return any(e["action_id"] == action_id for b in view["blocks"] if b["type"] == "actions"
               for e in b["elements"])


def click(bot: Bot, view: dict[str, Any], action_id: str, value: str, user: str
          ) -> dict[str, Any]:
    """Click a Home button as ``user``; the Home tab Slack shows them afterwards."""
    before = len(homes(bot, user))
    resp = bot.slack.block_action(action_id, value, block_id="home", view=view, user_id=user)
    assert resp.status == 200 and not resp.body.strip()
    return _next_home(bot, user, before)


def older_page(bot: Bot, view: dict[str, Any], user: str) -> dict[str, Any]:
    """Click "Older" on ``view``; the page Slack shows afterwards."""
    before = len(homes(bot, user))
    bot.slack.block_action(Action.HOME_OLDER, button(view, Action.HOME_OLDER)["value"],
                           block_id="home_pages", view=view, user_id=user)
    return _next_home(bot, user, before)


def notice(view: dict[str, Any]) -> str:
    block = view["blocks"][1]
    assert block.get("block_id") == BlockId.HOME_NOTICE, "no notice at the top of Home"
    return str(block["text"]["text"])


def followups_state(bot: Bot) -> tuple[str, list[tuple[str, datetime]], list[tuple[str, str]]]:
    with bot.deps.sessions() as s:
        a = s.query(m.Assessment).one()
        checkins = [(c.status, c.due_at) for c in s.query(m.Checkin).order_by(m.Checkin.seq)]
        jobs = [(j.status, j.due_at.isoformat()) for j in
                s.query(m.Job).filter_by(kind="checkin_post").order_by(m.Job.id)]
        return a.followups_status, checkins, jobs


# ------------------------------------------------------------------ follow-ups


def pick(bot: Bot, view: dict[str, Any], verb: str, user: str) -> dict[str, Any]:
    """Pick a menu option that acts at once; the Home tab afterwards."""
    before = len(homes(bot, user))
    choose(bot, view, verb, user)
    return _next_home(bot, user, before)


def test_owner_snoozes_from_home_and_sees_the_new_date(bot: Bot) -> None:
    bot.fake.add_user("U1", tz="Europe/Berlin")
    posted(bot)
    home = open_home(bot, "U1")
    # the first check-in: 14 days after Mon 2 Mar 09:00 UTC, 10:00 in Berlin
    assert "next check-in Mon 16 Mar 10:00 your time" in str(home)
    # one primary button, the rest in the menu
    primary = [e for b in home["blocks"] if b["type"] == "actions" for e in b["elements"]
               if e.get("style") == "primary" and e["action_id"] != Action.START_INTAKE]
    assert [e["action_id"] for e in primary] == [Action.HOME_OPEN_THREAD]
    assert [v.split(":")[0] for v in options(home)] == [
        "snooze_day", "snooze_week", "stop", "delete"]
    _, before, jobs_before = followups_state(bot)
    after_click = pick(bot, home, "snooze_day", "U1")  # no dialog: snoozing is harmless
    assert notice(after_click).startswith(":white_check_mark: Snoozed")
    assert "next check-in Tue 17 Mar 10:00 your time" in str(after_click)
    status, after, jobs_after = followups_state(bot)
    assert status == "active"
    assert [due for _, due in after] == [due + timedelta(days=1) for _, due in before]
    assert jobs_after != jobs_before and all(s == "pending" for s, _ in jobs_after)
    # a week more, from the re-published tab
    again = pick(bot, after_click, "snooze_week", "U1")
    assert "next check-in Tue 24 Mar 10:00 your time" in str(again)
    _, later, _ = followups_state(bot)
    assert [due for _, due in later] == [due + timedelta(days=8) for _, due in before]
    # the older buttons (on a Home published before) still do the same (past the 30 s in
    # which a second snooze of one length is taken for a double click)
    bot.clock.advance(timedelta(seconds=31))
    older = click(bot, again, Action.HOME_SNOOZE_DAY, ref(again), "U1")
    assert "next check-in Wed 25 Mar 10:00 your time" in str(older)


def test_owner_stops_from_home(bot: Bot) -> None:
    bot.fake.add_user("U1")
    posted(bot)
    home = open_home(bot, "U1")
    choose(bot, home, "stop", "U1")
    modal = confirm_modal(bot)  # asked first, in words, before anything changes
    assert modal["title"]["text"] == "Stop follow-ups?"
    assert modal["submit"]["text"] == "Stop them" and modal["close"]["text"] == "Keep them"
    assert "Subscription billing rebuild" in str(modal["blocks"]) and \
        "can't undo" in str(modal["blocks"])
    assert followups_state(bot)[0] == "active"
    after = confirm(bot, modal, "U1")
    assert notice(after).startswith(":white_check_mark: Stopped all follow-ups")
    assert "follow-ups stopped" in str(after)
    assert not has_option(after, "stop") and has_option(after, "delete")
    assert has_button(after, Action.HOME_OPEN_THREAD)
    status, checkins, jobs = followups_state(bot)
    assert status == "stopped" and {s for s, _ in checkins} == {"stopped"}
    assert {s for s, _ in jobs} == {"cancelled"}
    # the verdict in the channel says so too, as when stopped from the thread
    assert "Follow-ups stopped by" in str(bot.fake.wait_for("chat.update")[-1].args)
    # a second click (a stale tab) says what is going on instead of pretending
    again = click(bot, home, Action.HOME_STOP_FOLLOWUPS, ref(home), "U1")
    assert "already stopped" in notice(again)


def test_closing_the_confirm_changes_nothing_and_a_stranger_is_refused_first(bot: Bot
                                                                             ) -> None:
    bot.fake.add_user("U1")
    bot.fake.add_user("U2", is_admin=False)
    posted(bot)
    home = open_home(bot, "U1")
    before = followups_state(bot)
    choose(bot, home, "delete", "U1")
    confirm_modal(bot)  # closed with "Keep it": Slack sends nothing (no notify_on_close)
    assert followups_state(bot) == before and stored(bot)[0] == 1
    # someone else picking Stop is told no on their tab, and no dialog opens
    published = len(homes(bot, "U2"))
    bot.slack.block_action(Action.HOME_ASSESSMENT_MORE, block_id="home", user_id="U2",
                           view={"id": "V2", "type": "home", "private_metadata": "0"},
                           selected=f"stop:{ref(home)}")
    refused = _next_home(bot, "U2", published)
    assert notice(refused) == f":no_entry: {NOT_OWNER} stop these follow-ups."
    assert len([c for c in bot.fake.calls_to("views.open")
                if c.args["view"].get("callback_id") == "home_confirm"]) == 1


def test_someone_else_is_refused_on_their_home_and_nothing_changes(bot: Bot) -> None:
    bot.fake.add_user("U1")
    bot.fake.add_user("U2", is_admin=False)
    posted(bot)
    value = ref(open_home(bot, "U1"))
    before = followups_state(bot)
    theirs = open_home(bot, "U2")
    assert "None yet" in str(theirs)  # U2's own Home shows none of U1's assessments
    for action_id, what in ((Action.HOME_STOP_FOLLOWUPS, "stop these follow-ups"),
                            (Action.HOME_SNOOZE_WEEK, "snooze these follow-ups"),
                            (Action.HOME_RESUME_FOLLOWUPS, "resume these follow-ups")):
        refused = click(bot, theirs, action_id, value, "U2")
        assert notice(refused) == f":no_entry: {NOT_OWNER} {what}."
        assert followups_state(bot) == before
    assert bot.fake.calls_to("chat.update") == []
    assert homes(bot, "U1")[-1].args["view"].get("blocks")[1].get("block_id") != \
        BlockId.HOME_NOTICE  # the owner's tab was not touched


def test_a_workspace_admin_may_stop_someone_elses_followups(bot: Bot) -> None:
    bot.fake.add_user("U1")
    bot.fake.add_user("UADMIN", is_admin=True)
    posted(bot)
    value = ref(open_home(bot, "U1"))
    admin_home = open_home(bot, "UADMIN")
    after = click(bot, admin_home, Action.HOME_STOP_FOLLOWUPS, value, "UADMIN")
    assert notice(after).startswith(":white_check_mark: Stopped all follow-ups")
    status, _, _ = followups_state(bot)
    assert status == "stopped"
    # who stopped them, as a real mention in the verdict's status line
    status = next(b for b in bot.fake.wait_for("chat.update")[-1].args["blocks"]
                  if b.get("block_id") == BlockId.ASSESSMENT_STATUS)
    assert status["elements"][0]["text"] == "Follow-ups stopped by <@UADMIN>."


def test_paused_followups_resume_from_home(bot: Bot) -> None:
    bot.fake.add_user("U1")
    posted(bot)
    assert bot.slack.event({"type": "channel_archive", "channel": "C1", "user": "U1"},
                           event_id="EvHomeA1").status == 200
    status, _, jobs = followups_state(bot)
    assert status == "paused" and {s for s, _ in jobs} == {"paused"}
    home = open_home(bot, "U1")
    assert "follow-ups paused" in str(home)
    # paused: resume is the one primary button, and the menu offers no snooze
    assert button(home, Action.HOME_RESUME_FOLLOWUPS)["style"] == "primary"
    assert [v.split(":")[0] for v in options(home)] == ["open", "stop", "delete"]
    resume = button(home, Action.HOME_RESUME_FOLLOWUPS)
    after = click(bot, home, Action.HOME_RESUME_FOLLOWUPS, resume["value"], "U1")
    assert notice(after).startswith(":white_check_mark: Resumed the follow-ups")
    assert not has_button(after, Action.HOME_RESUME_FOLLOWUPS)
    status, _, jobs = followups_state(bot)
    assert status == "active" and {s for s, _ in jobs} == {"pending"}


def test_the_same_page_comes_back_after_a_click(bot: Bot) -> None:
    bot.fake.add_user("U1")
    with bot.deps.sessions.begin() as s:
        now = bot.clock()
        for i in range(15):
            a = m.Assessment(team_id="T1", user_id="U1", channel_id="C1",
                             engagement=f"Work {i:02d}", answers={}, verdict={},
                             bottleneck_kind="capacity", model="staff_augmentation",
                             confidence=0.5, created_at=now + timedelta(minutes=i),
                             updated_at=now)
            s.add(a)
            s.flush()
            s.add(m.Checkin(team_id="T1", assessment_id=a.id, seq=1, of_total=1,
                            due_at=now + timedelta(days=14), created_at=now))
    second = older_page(bot, open_home(bot, "U1"), "U1")
    assert second["private_metadata"] == "1" and "Work 00" in str(second)
    value = ref(second)
    after = click(bot, second, Action.HOME_SNOOZE_DAY, value, "U1")
    assert after["private_metadata"] == "1" and "Work 00" in str(after)
    assert "Work 14" not in str(after) and "Snoozed" in notice(after)


def test_broken_or_unknown_values_are_explained_not_ignored(bot: Bot) -> None:
    bot.fake.add_user("U1")
    home = open_home(bot, "U1")
    for value in ("999", "not-a-number"):
        after = click(bot, home, Action.HOME_STOP_FOLLOWUPS, value, "U1")
        assert notice(after) == ":warning: I can't find that assessment any more."
        after = click(bot, home, Action.HOME_DELETE_ASSESSMENT, value, "U1")
        assert notice(after) == ":warning: I can't find that assessment any more."
        after = click(bot, home, Action.HOME_HEALTH_STOP, value, "U1")
        assert notice(after) == ":warning: That health check is already stopped."


def test_open_thread_link_is_acked_and_does_nothing_else(bot: Bot) -> None:
    bot.fake.add_user("U1")
    posted(bot)
    home = open_home(bot, "U1")
    link = button(home, Action.HOME_OPEN_THREAD)
    assert link["url"].startswith("https://fake.slack.com/archives/C1/")
    published = len(homes(bot, "U1"))
    resp = bot.slack.block_action(Action.HOME_OPEN_THREAD, link["value"], view=home,
                                  user_id="U1")
    assert resp.status == 200 and not resp.body.strip()
    # anything the click set off would have run by the time a later request's work has:
    # open the tab again and see exactly that one publish
    bot.slack.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    bot.fake.wait_for("views.publish", count=published + 1,
                      predicate=lambda c: c.args["user_id"] == "U1")
    bot.fake.wait_idle()
    assert len(homes(bot, "U1")) == published + 1


# ------------------------------------------------------------------ health checks


def health_state(bot: Bot) -> tuple[str, list[tuple[str, str]]]:
    with bot.deps.sessions() as s:
        hc = s.query(m.HealthCheck).one()
        jobs = [(j.status, j.due_at.isoformat()) for j in
                s.query(m.Job).filter_by(kind="health_post").order_by(m.Job.id)]
        return hc.status, jobs


def test_creator_pauses_resumes_and_stops_a_health_check_from_home(bot: Bot) -> None:
    set_up_health_check(bot, user="U1")
    home = open_home(bot, "U1")
    # Mon 9 Mar 09:00 in Berlin, the creator's time zone
    assert "#1 in <#C7> · next run Mon 09 Mar 09:00 your time" in str(home)
    assert not has_button(home, Action.HOME_HEALTH_RESUME)
    paused = click(bot, home, Action.HOME_HEALTH_PAUSE,
                   button(home, Action.HOME_HEALTH_PAUSE)["value"], "U1")
    assert notice(paused) == (":white_check_mark: Paused health check #1 in <#C7>. It won't "
                              "run until you resume it.")
    status, jobs = health_state(bot)
    assert status == "paused" and {s for s, _ in jobs} == {"cancelled"}
    assert not has_button(paused, Action.HOME_HEALTH_PAUSE)
    resumed = click(bot, paused, Action.HOME_HEALTH_RESUME,
                    button(paused, Action.HOME_HEALTH_RESUME)["value"], "U1")
    assert notice(resumed).startswith(":white_check_mark: Resumed health check #1")
    status, jobs = health_state(bot)
    assert status == "active" and ("pending", datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
                                   .isoformat()) in jobs
    # resumed before the run its pause cancelled: that run still happens
    runner = bot.runner()
    bot.clock.advance(timedelta(days=7))
    runner.tick()
    assert len(run_posts(bot)) == 1
    home = open_home(bot, "U1")
    assert "next run Mon 16 Mar 09:00 your time" in str(home)
    stop = button(home, Action.HOME_HEALTH_STOP)
    assert stop["confirm"]["title"]["text"] == "Stop health check #1?"
    stopped = click(bot, home, Action.HOME_HEALTH_STOP, stop["value"], "U1")
    assert notice(stopped).startswith(":white_check_mark: Stopped health check #1")
    assert "Health checks you run" not in str(stopped)
    status, jobs = health_state(bot)
    assert status == "stopped" and "pending" not in {s for s, _ in jobs}
    # and it never runs again
    bot.clock.advance(timedelta(days=30))
    runner.tick()
    assert len(run_posts(bot)) == 1


def test_someone_else_cannot_change_a_health_check_but_an_admin_can(bot: Bot) -> None:
    set_up_health_check(bot, user="U1")
    bot.fake.add_user("U2", is_admin=False)
    bot.fake.add_user("UADMIN", is_admin=True)
    value = button(open_home(bot, "U1"), Action.HOME_HEALTH_PAUSE)["value"]
    before = health_state(bot)
    theirs = open_home(bot, "U2")
    assert "Health checks you run" not in str(theirs)
    for action_id in (Action.HOME_HEALTH_PAUSE, Action.HOME_HEALTH_STOP):
        refused = click(bot, theirs, action_id, value, "U2")
        assert notice(refused) == f":no_entry: {NOT_CREATOR} change it."
        assert health_state(bot) == before
    admin = click(bot, open_home(bot, "UADMIN"), Action.HOME_HEALTH_PAUSE, value, "UADMIN")
    assert notice(admin).startswith(":white_check_mark: Paused health check #1")
    assert health_state(bot)[0] == "paused"


# ------------------------------------------------------------------ deleting an assessment


def stored(bot: Bot) -> tuple[int, int, set[str]]:
    """(assessments, check-ins, statuses of the check-in jobs) in the database."""
    with bot.deps.sessions() as s:
        return (s.query(m.Assessment).count(), s.query(m.Checkin).count(),
                {j.status for j in s.query(m.Job).filter(m.Job.kind.like("checkin_%"))})


def ephemerals_to(bot: Bot, user: str) -> list[str]:
    return [c.args["text"] for c in bot.fake.calls_to("chat.postEphemeral")
            if c.args["user"] == user]


def test_owner_deletes_an_assessment_from_home(bot: Bot, caplog: pytest.LogCaptureFixture
                                               ) -> None:
    caplog.set_level(logging.INFO, logger="bot.services.followups")
    bot.fake.add_user("U1")
    posted(bot)
    with bot.deps.sessions() as s:
        assessment_id = s.query(m.Assessment).one().id
    home = open_home(bot, "U1")
    assert ref(home) == str(assessment_id)
    choose(bot, home, "delete", "U1")
    modal = confirm_modal(bot)
    assert modal["title"]["text"] == "Delete this assessment?"
    assert "message in the channel stays" in str(modal["blocks"])
    messages_before = len(bot.fake.calls_to("chat.postMessage"))
    after = confirm(bot, modal, "U1")
    assert notice(after).startswith(":white_check_mark: Deleted *Subscription billing rebuild*")
    assert "The message in <#C1> is left as it was" in notice(after)
    assert "None yet" in str(after) and not has_option(after, "delete")
    # the record and its check-ins are gone, its jobs cancelled; the channel is untouched
    assert stored(bot) == (0, 0, {"cancelled"})
    assert bot.fake.calls_to("chat.update") == [] and bot.fake.calls_to("chat.delete") == []
    # who deleted what, by id; never the name someone typed
    logged = [r.getMessage() for r in caplog.records if "deleted by" in r.getMessage()]
    assert logged == [f"assessment {assessment_id} deleted by U1 (team T1, owner U1): "
                      "2 check-in(s), 2 job(s) cancelled"]
    assert not any("Subscription billing rebuild" in r.getMessage() for r in caplog.records)
    # the same dialog submitted again (a double click) says so on Home
    again = confirm(bot, modal, "U1")
    assert notice(again) == ":warning: I can't find that assessment any more."
    # and no check-in ever comes
    runner = bot.runner()
    bot.clock.advance(timedelta(days=60))
    runner.tick()
    assert len(bot.fake.calls_to("chat.postMessage")) == messages_before


def test_only_the_owner_or_an_admin_may_delete(bot: Bot, caplog: pytest.LogCaptureFixture
                                              ) -> None:
    caplog.set_level(logging.INFO, logger="bot.services.followups")
    bot.fake.add_user("U1")
    bot.fake.add_user("U2", is_admin=False)
    bot.fake.add_user("UADMIN", is_admin=True)
    posted(bot)
    value = ref(open_home(bot, "U1"))
    before = stored(bot)
    refused = click(bot, open_home(bot, "U2"), Action.HOME_DELETE_ASSESSMENT, value, "U2")
    assert notice(refused) == f":no_entry: {NOT_OWNER} delete this assessment."
    assert stored(bot) == before == (1, 2, {"pending"})
    admin = click(bot, open_home(bot, "UADMIN"), Action.HOME_DELETE_ASSESSMENT, value,
                  "UADMIN")
    assert notice(admin).startswith(":white_check_mark: Deleted *Subscription billing rebuild*")
    assert stored(bot) == (0, 0, {"cancelled"})
    assert any(f"assessment {value} deleted by UADMIN (team T1, owner U1)" in r.getMessage()
               for r in caplog.records)


def test_delete_stays_within_the_workspace_that_asked(bot: Bot) -> None:
    bot.fake.add_user("UADMIN", is_admin=True)
    posted(bot)
    with bot.deps.sessions() as s:
        value = str(s.query(m.Assessment).one().id)
    before = len(homes(bot, "UADMIN"))
    # the same id, clicked by an admin of another workspace
    resp = bot.slack.block_action(Action.HOME_DELETE_ASSESSMENT, value, block_id="home",
                                  view={"id": "V9", "type": "home", "private_metadata": "0"},
                                  user_id="UADMIN", team_id="T2")
    assert resp.status == 200
    assert notice(_next_home(bot, "UADMIN", before)) == (
        ":warning: I can't find that assessment any more.")
    assert stored(bot) == (1, 2, {"pending"})


def test_buttons_on_messages_of_a_deleted_assessment_say_so(bot: Bot) -> None:
    from tests.fakeslack.client import fill

    bot.fake.add_user("U1")
    posted(bot)
    parent_ts = str(bot.fake.calls_to("chat.postMessage")[0].response["ts"])
    with bot.deps.sessions() as s:
        assessment_id = str(s.query(m.Assessment).one().id)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    [post] = checkin_posts(bot)
    checkin_id = next(e["value"] for b in post.args["blocks"] if b["type"] == "actions"
                      for e in b["elements"] if e["action_id"] == Action.OPEN_CHECKIN)
    # the owner opens the check-in, then deletes the assessment from Home before submitting
    bot.slack.block_action(Action.OPEN_CHECKIN, checkin_id, block_id="checkin_actions",
                           channel_id="C1", message_ts=post.response["ts"], user_id="U1")
    modal = bot.fake.wait_for("views.open", predicate=lambda c: c.args["view"].get(
        "callback_id") == "checkin")[-1].response["view"]
    home = open_home(bot, "U1")
    click(bot, home, Action.HOME_DELETE_ASSESSMENT,
          ref(home), "U1")
    assert stored(bot)[:2] == (0, 0)
    # submitting the open check-in: told why, instead of the window just closing
    ack = bot.slack.view_submission(modal, fill(modal, {"engagement_started": "yes"}))
    body = ack.json()
    assert ack.status == 200 and body["response_action"] == "update"
    assert notices.ASSESSMENT_DELETED in str(body["view"]["blocks"])
    # every button on the old messages: an ephemeral that says it was deleted
    thread_buttons = [(Action.OPEN_CHECKIN, checkin_id), (Action.SNOOZE_DAY, checkin_id),
                      (Action.SNOOZE_WEEK, checkin_id), (Action.STOP_FOLLOWUPS, checkin_id),
                      (Action.SHOW_MATRIX, assessment_id), (Action.RETAKE, assessment_id)]
    for n, (action_id, value) in enumerate(thread_buttons, start=1):
        resp = bot.slack.block_action(action_id, value, block_id="checkin_actions",
                                      channel_id="C1", message_ts=parent_ts, user_id="U1")
        assert resp.status == 200
        told = bot.fake.wait_for("chat.postEphemeral", count=n,
                                 predicate=lambda c: c.args["user"] == "U1")[-1]
        assert told.args["channel"] == "C1" and told.args["text"] == notices.ASSESSMENT_DELETED
    # nothing else: no "something went wrong", no edits, no modal opened
    assert ephemerals_to(bot, "U1") == [notices.ASSESSMENT_DELETED] * len(thread_buttons)
    assert not [c for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] == "U1"]
    assert bot.fake.calls_to("chat.update") == []
    assert len(bot.fake.calls_to("views.open")) == 2  # the intake and the check-in, before


def test_deleting_the_last_one_on_a_page_shows_the_page_before(bot: Bot) -> None:
    bot.fake.add_user("U1")
    with bot.deps.sessions.begin() as s:
        for i in range(11):
            s.add(m.Assessment(team_id="T1", user_id="U1", channel_id="C1",
                               engagement=f"Work {i:02d}", answers={}, verdict={},
                               bottleneck_kind="capacity", model="staff_augmentation",
                               confidence=0.5, created_at=bot.clock() + timedelta(minutes=i),
                               updated_at=bot.clock()))
    second = older_page(bot, open_home(bot, "U1"), "U1")
    assert second["private_metadata"] == "1" and "Work 00" in str(second)
    after = click(bot, second, Action.HOME_DELETE_ASSESSMENT,
                  ref(second), "U1")
    assert notice(after).startswith(":white_check_mark: Deleted *Work 00*")
    assert after["private_metadata"] == "0" and "Work 10" in str(after)
    assert not has_button(after, Action.HOME_OLDER)


# ------------------------------------------------------------------ typed names in notices


def test_a_hostile_name_cannot_ping_from_home_notices_or_check_ins(bot: Bot) -> None:
    bot.fake.add_user("U1")
    posted(bot, engagement=HOSTILE)
    home = open_home(bot, "U1")
    value = ref(home)
    shown = "*&lt;!channel&gt; &amp; &lt;@U123&gt; ship it*"
    for action_id in (Action.HOME_SNOOZE_DAY, Action.HOME_SNOOZE_WEEK):
        text = notice(click(bot, home, action_id, value, "U1"))
        assert shown in text and "<!channel>" not in text and "<@U123>" not in text
    # the check-in in the thread names it escaped too
    runner = bot.runner()
    bot.clock.advance(timedelta(days=22))
    runner.tick()
    [post] = checkin_posts(bot)
    assert "<!channel>" not in str(post.args) and "<@U123>" not in str(post.args)
    assert "&lt;!channel&gt;" in post.args["blocks"][0]["text"]["text"]
    stopped = notice(click(bot, home, Action.HOME_STOP_FOLLOWUPS, value, "U1"))
    assert stopped == f":white_check_mark: Stopped all follow-ups of {shown}."
    deleted = notice(click(bot, home, Action.HOME_DELETE_ASSESSMENT, value, "U1"))
    assert deleted.startswith(f":white_check_mark: Deleted {shown}")
    assert "<!channel>" not in deleted and "<@U123>" not in deleted


# ------------------------------------------------------------------ resume re-arms


def test_resume_rearms_the_checkin_whose_post_found_the_channel_gone(bot: Bot) -> None:
    bot.fake.add_user("U1")
    posted(bot)
    bot.fake.add_channel("C1", is_archived=True)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=14))
    runner.tick()  # check-in 1 can't be posted: its job fails, the follow-ups pause
    status, _, jobs = followups_state(bot)
    assert status == "paused" and [s for s, _ in jobs] == ["failed", "paused"]
    # the channel is back (no event came), and the owner resumes from Home a day later
    bot.fake.channels["C1"].is_archived = False
    bot.clock.advance(timedelta(days=1))
    home = open_home(bot, "U1")
    after = click(bot, home, Action.HOME_RESUME_FOLLOWUPS,
                  button(home, Action.HOME_RESUME_FOLLOWUPS)["value"], "U1")
    assert notice(after).startswith(":white_check_mark: Resumed the follow-ups")
    status, _, jobs = followups_state(bot)
    assert status == "active" and [s for s, _ in jobs] == ["pending", "pending"]
    assert "next check-in" in str(after)  # Home shows it coming again
    runner.tick()
    [post] = checkin_posts(bot)  # check-in 1 arrives, saying it is late
    assert "1 of 2" in post.args["text"] and "late" in str(post.args["blocks"])
    with bot.deps.sessions() as s:
        assert [c.status for c in s.query(m.Checkin).order_by(m.Checkin.seq)] == [
            "posted", "scheduled"]
    bot.clock.advance(timedelta(days=28))
    runner.tick()  # check-in 1's nudge goes first in C1; check-in 2 waits its turn
    bot.clock.advance(runner.pacer.interval)
    runner.tick()
    assert len(checkin_posts(bot)) == 2  # check-in 2 comes too


def test_followup_buttons_leave_health_check_jobs_with_the_same_id_alone(bot: Bot) -> None:
    """Jobs are keyed by kind and id: health check #1's run is not check-in #1's job."""
    from bot.services import health

    bot.fake.add_user("U1")
    health.create(bot.deps, team_id="T1", creator_id="U1", parsed={
        "channel_id": "C7", "cadence": "weekly", "weekday": 0, "local_time": "09:00",
        "timezone": "Europe/Berlin", "skip_weekends": True})
    posted(bot)
    with bot.deps.sessions() as s:
        assert s.query(m.Checkin).order_by(m.Checkin.id).first().id == \
            s.query(m.HealthCheck).one().id
    health_before = health_state(bot)
    assert health_before[0] == "active" and [s for s, _ in health_before[1]] == ["pending"]
    home = open_home(bot, "U1")
    value = ref(home)
    for action_id in (Action.HOME_SNOOZE_WEEK, Action.HOME_STOP_FOLLOWUPS,
                      Action.HOME_DELETE_ASSESSMENT):
        assert notice(click(bot, home, action_id, value, "U1")).startswith(
            ":white_check_mark:")
        assert health_state(bot) == health_before
