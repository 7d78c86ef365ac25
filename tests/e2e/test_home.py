"""App Home buttons end to end: signed clicks as different users, the database, and the
re-published Home tab (validated against the home_view schema by the fake Slack)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.db import models as m
from bot.ids import Action, BlockId
from tests.e2e.flow import run_intake
from tests.e2e.test_health import run_posts
from tests.e2e.test_health import setup as set_up_health_check
from tests.support.harness import Bot

SCENARIO = Path(__file__).resolve().parents[3] / "shared/scenarios/01_wants_hands_needs_owner.yaml"
NOT_OWNER = "Only the person who ran the assessment (or a workspace admin) can"
NOT_CREATOR = "Only the person who set up this health check (or a workspace admin) can"


def posted(bot: Bot, user: str = "U1") -> None:
    """U1 runs the intake; the verdict lands in C1 with two check-ins scheduled."""
    data = yaml.safe_load(SCENARIO.read_text())
    data.pop("expect", None)
    run_intake(bot, data, user=user)
    bot.fake.wait_for("chat.postMessage", count=6)
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


def test_owner_snoozes_from_home_and_sees_the_new_date(bot: Bot) -> None:
    bot.fake.add_user("U1", tz="Europe/Berlin")
    posted(bot)
    home = open_home(bot, "U1")
    # the first check-in: 14 days after Mon 2 Mar 09:00 UTC, 10:00 in Berlin
    assert "next check-in Mon 16 Mar 10:00 your time" in str(home)
    _, before, jobs_before = followups_state(bot)
    snooze = button(home, Action.HOME_SNOOZE_DAY)
    after_click = click(bot, home, Action.HOME_SNOOZE_DAY, snooze["value"], "U1")
    assert notice(after_click).startswith(":white_check_mark: Snoozed")
    assert "next check-in Tue 17 Mar 10:00 your time" in str(after_click)
    status, after, jobs_after = followups_state(bot)
    assert status == "active"
    assert [due for _, due in after] == [due + timedelta(days=1) for _, due in before]
    assert jobs_after != jobs_before and all(s == "pending" for s, _ in jobs_after)
    # a week more, from the re-published tab
    again = click(bot, after_click, Action.HOME_SNOOZE_WEEK, snooze["value"], "U1")
    assert "next check-in Tue 24 Mar 10:00 your time" in str(again)
    _, later, _ = followups_state(bot)
    assert [due for _, due in later] == [due + timedelta(days=8) for _, due in before]


def test_owner_stops_from_home(bot: Bot) -> None:
    bot.fake.add_user("U1")
    posted(bot)
    home = open_home(bot, "U1")
    stop = button(home, Action.HOME_STOP_FOLLOWUPS)
    assert stop["confirm"]["title"]["text"] == "Stop follow-ups?"
    after = click(bot, home, Action.HOME_STOP_FOLLOWUPS, stop["value"], "U1")
    assert notice(after).startswith(":white_check_mark: Stopped all follow-ups")
    assert "follow-ups stopped" in str(after)
    assert not has_button(after, Action.HOME_STOP_FOLLOWUPS)
    assert has_button(after, Action.HOME_OPEN_THREAD)
    status, checkins, jobs = followups_state(bot)
    assert status == "stopped" and {s for s, _ in checkins} == {"stopped"}
    assert {s for s, _ in jobs} == {"cancelled"}
    # the verdict in the channel says so too, as when stopped from the thread
    assert "Follow-ups stopped by" in str(bot.fake.wait_for("chat.update")[-1].args)
    # a second click (a stale tab) says what is going on instead of pretending
    again = click(bot, home, Action.HOME_STOP_FOLLOWUPS, stop["value"], "U1")
    assert "already stopped" in notice(again)


def test_someone_else_is_refused_on_their_home_and_nothing_changes(bot: Bot) -> None:
    bot.fake.add_user("U1")
    bot.fake.add_user("U2", is_admin=False)
    posted(bot)
    value = button(open_home(bot, "U1"), Action.HOME_STOP_FOLLOWUPS)["value"]
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
    value = button(open_home(bot, "U1"), Action.HOME_STOP_FOLLOWUPS)["value"]
    admin_home = open_home(bot, "UADMIN")
    after = click(bot, admin_home, Action.HOME_STOP_FOLLOWUPS, value, "UADMIN")
    assert notice(after).startswith(":white_check_mark: Stopped all follow-ups")
    status, _, _ = followups_state(bot)
    assert status == "stopped"
    assert "Follow-ups stopped by &lt;@UADMIN&gt;" in str(bot.fake.wait_for("chat.update")[-1].args)


def test_paused_followups_resume_from_home(bot: Bot) -> None:
    bot.fake.add_user("U1")
    posted(bot)
    assert bot.slack.event({"type": "channel_archive", "channel": "C1", "user": "U1"},
                           event_id="EvHomeA1").status == 200
    status, _, jobs = followups_state(bot)
    assert status == "paused" and {s for s, _ in jobs} == {"paused"}
    home = open_home(bot, "U1")
    assert "follow-ups paused" in str(home)
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
    first = open_home(bot, "U1")
    before = len(homes(bot, "U1"))
    bot.slack.block_action(Action.HOME_OLDER, button(first, Action.HOME_OLDER)["value"],
                           block_id="home_pages", view=first, user_id="U1")
    second = _next_home(bot, "U1", before)
    assert second["private_metadata"] == "1" and "Work 00" in str(second)
    value = button(second, Action.HOME_SNOOZE_DAY)["value"]
    after = click(bot, second, Action.HOME_SNOOZE_DAY, value, "U1")
    assert after["private_metadata"] == "1" and "Work 00" in str(after)
    assert "Work 14" not in str(after) and "Snoozed" in notice(after)


def test_broken_or_unknown_values_are_explained_not_ignored(bot: Bot) -> None:
    bot.fake.add_user("U1")
    home = open_home(bot, "U1")
    for value in ("999", "not-a-number"):
        after = click(bot, home, Action.HOME_STOP_FOLLOWUPS, value, "U1")
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
    assert resp.status == 200
    assert len(homes(bot, "U1")) == published


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
