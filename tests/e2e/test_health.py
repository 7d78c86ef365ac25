"""Team health checks end to end: setup modal, scheduled run, anonymous answers, summary."""

from __future__ import annotations

import re
import sys
import time
from datetime import UTC, datetime, timedelta

from bot.db import models as m
from bot.services.health import summarize
from tests.fakeslack.client import fill
from tests.support.harness import Bot


def setup_modal(bot: Bot, user: str = "U1", channel: str = "C7", tz: str = "Europe/Berlin"
                ) -> dict:
    """/engagement healthcheck: the modal as the creator sees it once it has their zone."""
    bot.fake.add_user(user, tz=tz)
    before = len(bot.fake.calls_to("views.open"))
    bot.slack.command("healthcheck", user_id=user, channel_id=channel)
    opened = bot.fake.wait_for("views.open", count=before + 1)[-1]
    assert opened.response["view"]["callback_id"] == "healthcheck_setup"
    view_id = opened.response["view"]["id"]
    # opened at once, then updated with the creator's time zone (unless it was cached)
    deadline = time.monotonic() + 10
    while zone_of(bot.fake.views[view_id]) != tz:
        assert time.monotonic() < deadline, "the modal never showed the creator's zone"
        time.sleep(0.01)
    return bot.fake.views[view_id]


def zone_of(modal: dict) -> str:
    tz = next(b for b in modal["blocks"] if b.get("block_id") == "hc_tz")
    return str(tz["element"]["initial_option"]["value"])


def setup(bot: Bot, user: str = "U1", channel: str = "C7", **answers: str) -> None:
    modal = setup_modal(bot, user, channel)
    assert zone_of(modal) == "Europe/Berlin"  # the creator's time zone
    values = fill(modal, {"hc_tz": answers["tz"]} if "tz" in answers else {})
    values["hc_time"] = {"hc_time": {"type": "timepicker",
                                     "selected_time": answers.get("time", "09:00")}}
    values["hc_skip_weekends"] = {"hc_skip_weekends": {"type": "checkboxes",
                                                       "selected_options": []}}
    resp = bot.slack.view_submission(modal, values, user_id=user)
    return resp


def test_the_setup_modal_opens_before_any_other_call(bot: Bot) -> None:
    """The trigger_id lives 3 seconds: views.open is the first call, with UTC; the user's
    zone (users.info) comes after, by views.update; the second time it is cached."""
    bot.fake.add_user("U1", tz="Europe/Berlin")
    bot.slack.command("healthcheck", user_id="U1", channel_id="C7")
    bot.fake.wait_for("views.update")
    ours = [c.method for c in bot.fake.calls if c.method != "auth.test"]  # (Bolt's own)
    assert ours[:3] == ["views.open", "users.info", "views.update"]
    assert zone_of(bot.fake.calls_to("views.open")[0].args["view"]) == "UTC"
    assert zone_of(bot.fake.calls_to("views.update")[0].args["view"]) == "Europe/Berlin"
    bot.fake.reset()
    bot.slack.command("healthcheck", user_id="U1", channel_id="C7")
    opened = bot.fake.wait_for("views.open")
    assert zone_of(opened[0].args["view"]) == "Europe/Berlin"  # cached: no users.info
    time.sleep(0.2)
    assert [c.method for c in bot.fake.calls if c.method != "auth.test"] == ["views.open"]


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
    for user, rating in (("UA", "red"), ("UB", "red"), ("UC", "yellow"), ("UD", "red"),
                         ("UE", "yellow")):
        for dim in ("clarity", "answers", "decisions", "focus", "capacity"):
            rate(bot, user, dim, rating)
    bot.fake.wait_for("response_url", count=25)  # (each click is stored after its ack)
    rate(bot, "UA", "capacity", "green")  # answering again replaces the answer
    bot.fake.wait_for("response_url", count=26)
    with bot.deps.sessions() as s:
        answers = s.query(m.HealthAnswer).all()
        assert len(answers) == 25
        assert len({a.responder_hash for a in answers}) == 5
        stored = str([(a.responder_hash, a.dimension, a.rating) for a in answers])
        assert "UA" not in stored and "UB" not in stored
    bot.clock.advance(timedelta(hours=24))
    runner.tick()
    summary = bot.fake.wait_for("chat.postMessage",
                                predicate=lambda c: "health_summary" in str(c.args["blocks"]))
    text = str(summary[0].args["blocks"])
    assert "5 people" in text and "/engagement" in text  # ownership dimensions are red
    assert "1 green · 2 yellow · 2 red" in text  # capacity, with UA's changed answer
    with bot.deps.sessions() as s:  # closing forgot who answered what
        assert s.query(m.HealthAnswer).count() == 0
        assert s.query(m.HealthRun).one().answer_key is None
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
    for user in ("UA", "UB", "UC", "UD"):  # one short of the default minimum of 5
        rate(bot, user, "clarity", "green" if user == "UA" else "red")
    bot.fake.wait_for("response_url", count=4)  # stored (each after its ack)
    bot.clock.advance(timedelta(days=1))
    runner.tick()
    summary = bot.fake.wait_for("chat.postMessage",
                                predicate=lambda c: "health_summary" in str(c.args["blocks"]))
    text = summary[0].args["text"]
    assert "not enough answers yet" in text and "4 people answered" in text
    assert "at least 5 people" in text and "answer(s)" not in text
    shown = str(summary[0].args["blocks"])
    assert not re.search(r"\b(green|yellow|red)\b", shown), shown


def test_a_dimension_too_few_rated_shows_no_colour(bot: Bot) -> None:
    """Five people answered, but only one of them rated capacity: its colour would be that
    one person's answer, so it is not shown (and not stored)."""
    setup(bot)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=7))
    runner.tick()
    rate_all(bot, {"clarity": "green"}, users=FIVE)
    rate(bot, "UA", "capacity", "red")
    bot.fake.wait_for("response_url", count=6)
    bot.clock.advance(timedelta(days=1))
    runner.tick()
    [summary] = bot.fake.wait_for("chat.postMessage",
                                  predicate=lambda c: "health_summary" in str(c.args["blocks"]))
    text = summary.args["blocks"][0]["text"]["text"]
    assert "*Health check results* (5 people)" in text
    assert "*Clear tickets* " in text and "5 green · 0 yellow · 0 red" in text
    assert ":white_circle: *Capacity*: not enough answers yet" in text
    assert "1 green" not in text and "0 green · 0 yellow · 1 red" not in text
    with bot.deps.sessions() as s:
        stored = s.query(m.HealthRun).one().summary
    assert stored["dimensions"]["capacity"] == {"shown": False}


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
    # below the floor of 3, whatever the check was set to
    assert summarize([(f"h{i}", "clarity", "red") for i in range(2)], None, 1)["shown"] \
        is False


def test_no_trend_against_figures_too_few_people_gave() -> None:
    """A summary stored before the rules tightened (a dimension shown with 2 answers, a
    check that showed results from 1) gives no trend: that figure may not be shown."""
    old = {"responders": 4, "min_responses": 1, "shown": True, "dimensions": {
        "clarity": {"green": 4, "yellow": 0, "red": 0, "score": 1.0, "light": "green",
                    "trend": "new"},
        "capacity": {"green": 2, "yellow": 0, "red": 0, "score": 1.0, "light": "green",
                     "trend": "new"}}}
    now = summarize([(f"h{i}", dim, "red") for i in range(4)
                     for dim in ("clarity", "capacity")], old, 3)
    assert now["dimensions"]["clarity"]["trend"] == "down"
    assert now["dimensions"]["capacity"]["trend"] == "new"


FIVE = ("UA", "UB", "UC", "UD", "UE")  # the default minimum


def rate_all(bot: Bot, ratings: dict[str, str], users: tuple[str, ...] = FIVE) -> None:
    """Everyone rates, and the answers are stored (the confirmation comes after that)."""
    seen = len(bot.fake.calls_to("response_url"))
    for user in users:
        for dim, rating in ratings.items():
            rate(bot, user, dim, rating)
    bot.fake.wait_for("response_url", count=seen + len(users) * len(ratings))


def _one_run(bot: Bot, runner, ratings: dict[str, str]) -> dict:
    """Post the next run, have five people rate, close it."""
    before = len(run_posts(bot))
    bot.clock.advance(timedelta(days=6))
    runner.tick()
    assert len(run_posts(bot)) == before + 1
    rate_all(bot, ratings)
    bot.clock.advance(timedelta(days=1))
    runner.tick()
    return run_posts(bot)[-1]


def _chart_uploads(bot: Bot) -> list:
    return [c for c in bot.fake.calls_to("files.getUploadURLExternal")
            if c.args.get("filename") == "health-trend.png"]


def _two_runs(bot: Bot):
    setup(bot)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=1))  # the first run is Monday 9 March
    first = _one_run(bot, runner, {dim: "red" for dim in ("clarity", "answers", "decisions",
                                                          "focus", "capacity")})
    assert _chart_uploads(bot) == []  # one check with results: nothing to chart yet
    second = _one_run(bot, runner, {"clarity": "green", "answers": "yellow",
                                    "decisions": "green", "focus": "yellow",
                                    "capacity": "green"})
    return runner, first, second


def test_trend_chart_after_the_second_run_with_results(bot: Bot) -> None:
    _, _, second = _two_runs(bot)
    thread = second.response["ts"]
    url_calls = _chart_uploads(bot)
    assert len(url_calls) == 1
    file_id = url_calls[0].response["file_id"]
    assert "Team health" in url_calls[0].args["alt_txt"]
    upload = [c for c in bot.fake.calls if c.method == "file_upload"
              and c.args["file_id"] == file_id]
    assert len(upload) == 1
    assert bot.fake.uploads[file_id].startswith(b"\x89PNG\r\n\x1a\n")
    done = bot.fake.calls_to("files.completeUploadExternal")
    assert len(done) == 1
    chart = done[0].args
    assert chart["channel_id"] == "C7" and chart["thread_ts"] == thread
    assert [f["id"] for f in chart["files"]] == [file_id]
    comment = chart["initial_comment"]
    assert "#1 9 Mar (5 people), #2 16 Mar (5 people)" in comment
    assert "• Clear tickets: 0.00 → 1.00" in comment
    assert "• Product answers: 0.00 → 0.50" in comment
    assert "• Capacity: 0.00 → 1.00" in comment
    # the results come first in the same thread, the chart after them
    summary = bot.fake.wait_for("chat.postMessage", count=2,
                                predicate=lambda c: "health_summary" in str(c.args["blocks"]))
    assert summary[-1].args["thread_ts"] == thread
    assert summary[-1].received_at < done[0].received_at


def test_without_matplotlib_the_trend_is_posted_as_text(bot: Bot, monkeypatch) -> None:
    """The charts extra not installed: the numbers of the chart, as a thread message."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    _, _, second = _two_runs(bot)
    [trend] = bot.fake.wait_for("chat.postMessage", predicate=lambda c: str(
        c.args.get("text", "")).startswith("Team health over the last 2 checks"))
    assert trend.args["channel"] == "C7" and trend.args["thread_ts"] == second.response["ts"]
    assert "#1 9 Mar (5 people), #2 16 Mar (5 people)" in trend.args["text"]
    assert "• Clear tickets: 0.00 → 1.00" in trend.args["text"]
    assert [c for c in bot.fake.calls if c.method.startswith("files.")] == []
    with bot.deps.sessions() as s:
        run = s.query(m.HealthRun).filter_by(message_ts=second.response["ts"]).one()
        assert run.status == "closed"


def test_retried_close_does_not_upload_or_summarise_again(bot: Bot) -> None:
    runner, _, second = _two_runs(bot)
    summaries = len(bot.fake.calls_to("chat.postMessage"))
    # as a worker that died after the chart and before recording the job leaves it:
    # claimed, its lease run out
    with bot.deps.sessions.begin() as s:
        run = s.query(m.HealthRun).filter_by(message_ts=second.response["ts"]).one()
        job = s.query(m.Job).filter_by(kind="health_close", ref_id=run.id).one()
        job.status, job.lease_owner = "claimed", "dead-worker"
        job.lease_until = bot.clock() - timedelta(minutes=1)
        job_id = job.id
    runner.tick()
    with bot.deps.sessions() as s:
        job = s.get(m.Job, job_id)
        assert job.status == "done" and job.attempts == 2  # it did run again
    assert len(_chart_uploads(bot)) == 1
    assert len(bot.fake.calls_to("files.completeUploadExternal")) == 1
    assert len(bot.fake.calls_to("chat.postMessage")) == summaries


def test_retried_close_after_the_summary_posts_it_once(bot: Bot, monkeypatch) -> None:
    """The worker died between posting the results and marking the run closed: the retry
    finds the results in the thread, closes the run and adds the chart (once)."""
    setup(bot)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=1))
    _one_run(bot, runner, {"clarity": "red"})
    bot.clock.advance(timedelta(days=6))
    runner.tick()
    rate_all(bot, {"clarity": "green"})
    bot.clock.advance(timedelta(days=1))
    # the first attempt posts the results, and the worker dies before it records that
    from bot.services import slack_io

    real_post = slack_io.post_message

    def post_then_die(*args, **kwargs):
        real_post(*args, **kwargs)
        raise RuntimeError("worker died")

    monkeypatch.setattr(slack_io, "post_message", post_then_die)
    runner.tick()
    monkeypatch.setattr(slack_io, "post_message", real_post)
    is_summary = lambda c: "health_summary" in str(c.args["blocks"])  # noqa: E731
    assert len(bot.fake.wait_for("chat.postMessage", count=2, predicate=is_summary)) == 2
    assert _chart_uploads(bot) == []
    bot.clock.advance(timedelta(minutes=5))  # the retry's backoff
    runner.tick()
    assert len([c for c in bot.fake.calls_to("chat.postMessage") if is_summary(c)]) == 2
    assert len(bot.fake.calls_to("files.completeUploadExternal")) == 1
    with bot.deps.sessions() as s:
        assert [r.status for r in s.query(m.HealthRun).order_by(m.HealthRun.seq)] == \
            ["closed", "closed"]


def test_failed_chart_upload_is_not_fatal(bot: Bot) -> None:
    bot.fake.inject("files.completeUploadExternal", status=500, times=None)
    _, _, second = _two_runs(bot)
    bot.fake.clear_faults()
    assert bot.fake.calls_to("files.completeUploadExternal") == []
    assert [c.status for c in bot.fake.calls if c.method == "files.completeUploadExternal"] \
        == [500, 500, 500]  # the client's own retries, then it gave up
    summary = bot.fake.wait_for("chat.postMessage", count=2,
                                predicate=lambda c: "health_summary" in str(c.args["blocks"]))
    assert summary[-1].args["thread_ts"] == second.response["ts"]
    with bot.deps.sessions() as s:
        assert {r.status for r in s.query(m.HealthRun)} == {"closed"}
        assert {j.status for j in s.query(m.Job).filter_by(kind="health_close")} == {"done"}


def test_trend_chart_leaves_out_what_too_few_people_gave(bot: Bot) -> None:
    """The chart holds the same minimum as the summary: a check stored before the floor was
    raised (results from 2 people) is not charted, and a line only 2 people rated is a gap,
    not that pair's average."""
    setup(bot)
    with bot.deps.sessions.begin() as s:
        hc = s.query(m.HealthCheck).one()
        s.add(m.HealthRun(team_id="T1", health_check_id=hc.id, seq=1, channel_id="C7",
                          scheduled_for=bot.clock() - timedelta(days=7), status="closed",
                          summary={"responders": 2, "min_responses": 1, "shown": True,
                                   "dimensions": {dim: {"green": 2, "yellow": 0, "red": 0,
                                                        "score": 1.0, "light": "green",
                                                        "trend": "new"}
                                                  for dim in ("clarity", "capacity")}}))
    runner = bot.runner()
    bot.clock.advance(timedelta(days=1))
    bot.clock.advance(timedelta(days=6))
    runner.tick()
    rate_all(bot, {"clarity": "red"})
    rate_all(bot, {"capacity": "green"}, users=("UA", "UB"))
    bot.clock.advance(timedelta(days=1))
    runner.tick()
    assert _chart_uploads(bot) == []  # run #1 does not count: one check to chart
    [first] = bot.fake.wait_for("chat.postMessage", predicate=lambda c: "health_summary"
                                in str(c.args["blocks"]))
    with bot.deps.sessions() as s:  # no trend against run #1's figures: new, not "down"
        second = s.query(m.HealthRun).filter_by(seq=2).one().summary
    assert second["dimensions"]["clarity"]["trend"] == "new"
    assert ":white_circle: *Capacity*: not enough answers yet" in str(first.args["blocks"])
    _one_run(bot, runner, {"clarity": "green", "capacity": "red"})
    [chart] = bot.fake.calls_to("files.completeUploadExternal")
    comment = chart.args["initial_comment"]
    assert "#2 9 Mar (5 people), #3 16 Mar (5 people)" in comment and "#1" not in comment
    assert "• Clear tickets: 0.00 → 1.00" in comment
    assert "• Capacity: – → 0.00" in comment


def _updates(bot: Bot) -> list:
    return [c for c in bot.fake.calls_to("chat.update")
            if "health_count" in str(c.args.get("blocks"))]


def _count_line(call) -> str:
    return next(b["elements"][0]["text"] for b in call.args["blocks"]
                if b.get("block_id") == "health_count")


def test_the_answered_line_is_edited_at_most_once_per_slot_never_per_click(bot: Bot) -> None:
    """Slack allows a workspace about 50 chat.update calls a minute: the "N answered" line
    is edited by the scheduler at the end of each HEALTH_COUNT_EVERY (30 s) slot in which
    someone new answered, once, however many clicked; a changed answer edits nothing."""
    setup(bot)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=7))
    runner.tick()
    [post] = run_posts(bot)
    assert _count_line(post).startswith("No answers yet")
    seen = 0

    def click(user: str, rating: str = "green") -> None:
        nonlocal seen
        rate(bot, user, "clarity", rating)
        seen += 1
        bot.fake.wait_for("response_url", count=seen)

    for i in range(12):  # a burst within one slot
        click(f"UP{i:02d}")
        runner.tick()
    assert _updates(bot) == []  # nothing per click
    bot.clock.advance(timedelta(seconds=30))
    runner.tick()
    [first] = _updates(bot)
    assert first.args["ts"] == post.response["ts"]
    assert _count_line(first).endswith("12 people answered so far")
    for i in range(12):  # everyone changes their answer: the count does not move
        click(f"UP{i:02d}", "red")
    bot.clock.advance(timedelta(seconds=30))
    runner.tick()
    assert len(_updates(bot)) == 1
    # 40 more people over two minutes, the scheduler ticking after every click
    for i in range(40):
        bot.clock.advance(timedelta(seconds=3))
        click(f"UQ{i:02d}")
        runner.tick()
    bot.clock.advance(timedelta(seconds=30))
    runner.tick()
    edits = _updates(bot)
    assert len(edits) <= 1 + 120 // 30 + 1  # one a slot at most
    assert _count_line(edits[-1]).endswith("52 people answered so far")
    with bot.deps.sessions() as s:  # one job per slot in which someone new answered
        jobs = s.query(m.Job).filter_by(kind="health_count").all()
    assert len(edits) <= len(jobs) <= 2 + 120 // 30 + 1
    assert {j.status for j in jobs} == {"done"}
    # the close: the buttons make way for a pointer to the results; no count job is left
    bot.clock.advance(timedelta(days=1))
    runner.tick()
    closed = bot.fake.calls_to("chat.update")[-1]
    assert "health_rate" not in str(closed.args["blocks"])
    assert _count_line(closed).startswith(":lock: Closed. 52 people answered")
    with bot.deps.sessions() as s:
        assert s.query(m.Job).filter_by(kind="health_count").count() == 0


def test_the_time_zone_is_picked_from_a_list_the_creators_chosen(bot: Bot) -> None:
    """The modal opens before any other Slack call (a trigger_id lives 3 s), with UTC;
    then Slack's zone for the creator is put in with views.update. Every IANA zone is on
    the list, grouped by region within Slack's limits; the list is what is submitted."""
    modal = setup_modal(bot, tz="America/Argentina/Salta")
    methods = [c.method for c in bot.fake.calls]
    assert methods.index("views.open") < methods.index("users.info") < \
        methods.index("views.update")
    first = bot.fake.calls_to("views.open")[-1].args["view"]
    assert zone_of(first) == "UTC"
    assert zone_of(modal) == "America/Argentina/Salta"
    element = next(b for b in modal["blocks"] if b.get("block_id") == "hc_tz")["element"]
    assert element["type"] == "static_select"
    groups = element["option_groups"]
    assert len(groups) <= 100 and all(len(g["options"]) <= 100 for g in groups)
    values = [o["value"] for g in groups for o in g["options"]]
    assert len(values) == len(set(values)) > 300
    assert {"UTC", "Europe/Berlin", "Asia/Kolkata", "America/New_York", "Pacific/Auckland"} \
        <= set(values)
    assert element["initial_option"] in [o for g in groups for o in g["options"]]
    assert all(len(o["text"]["text"]) <= 75 for g in groups for o in g["options"])
    assert "hc_tz" not in str([b for b in modal["blocks"]
                               if b.get("element", {}).get("type") == "plain_text_input"])
    values_sent = fill(modal, {})
    values_sent["hc_time"] = {"hc_time": {"type": "timepicker", "selected_time": "09:00"}}
    assert bot.slack.view_submission(modal, values_sent).status == 200
    with bot.deps.sessions() as s:
        assert s.query(m.HealthCheck).one().timezone == "America/Argentina/Salta"


def test_a_creator_in_utc_gets_no_second_call(bot: Bot) -> None:
    modal = setup_modal(bot, tz="UTC")
    assert zone_of(modal) == "UTC" and bot.fake.calls_to("views.update") == []



def test_a_run_post_names_its_channel_before_it_runs(bot: Bot) -> None:
    """The scheduler plans a run post's channel turn with its workspace's, as for check-ins
    (bot.scheduling.registry.PREFETCH): the batch's prefetch names each run's channel."""
    from sqlalchemy import select

    from bot.db import queue
    from bot.db.states import JobKind
    from bot.scheduling.registry import PREFETCH
    from bot.services.health_jobs import RunTarget

    setup(bot, channel="C7")
    setup(bot, channel="C9")
    with bot.deps.sessions() as session:
        jobs = [queue.as_claimed(j, now=bot.clock()) for j in session.scalars(
            select(m.Job).where(m.Job.kind == JobKind.HEALTH_POST).order_by(m.Job.id))]
        assert len(jobs) == 2
        found = PREFETCH[JobKind.HEALTH_POST](session, jobs)
    assert [found[j.id] for j in jobs] == [RunTarget("C7"), RunTarget("C9")]


def test_a_rating_clicked_the_moment_the_run_is_up_counts(bot: Bot, monkeypatch) -> None:
    """A run's opening is written with the rest of its batch, after the post: someone
    quick (or a channel with many people) clicks before that. Their rating counts; nobody
    is told the check has closed."""
    from bot.services import slack_io

    setup(bot)
    runner = bot.runner()
    real_post = slack_io.post_message
    clicked: list[str] = []

    def post_then_click(*args, **kwargs):
        resp = real_post(*args, **kwargs)
        if "health_intro" in str(kwargs.get("blocks")) and not clicked:
            with bot.deps.sessions() as s:  # the batch has not been written back yet
                assert s.query(m.HealthRun).one().status == "scheduled"
            rate(bot, "UA", "clarity", "red")
            clicked.append(str(bot.fake.wait_for("response_url")[0].args))
        return resp

    monkeypatch.setattr(slack_io, "post_message", post_then_click)
    bot.clock.advance(timedelta(days=7))
    runner.tick()
    assert clicked and "closed" not in clicked[0]
    with bot.deps.sessions() as s:
        run = s.query(m.HealthRun).one()
        assert run.status == "open" and run.message_ts and run.answer_key
        assert [(a.dimension, a.rating) for a in s.query(m.HealthAnswer)] == [("clarity", "red")]
        assert s.query(m.Job).filter_by(kind="health_close", ref_id=run.id).count() == 1


def test_a_run_that_could_not_be_posted_keeps_no_key(bot: Bot) -> None:
    """The run is made with its key just before the post; a channel that is gone pauses
    the check, and the run that never went up is left with no key."""
    setup(bot)
    bot.fake.inject("chat.postMessage", error="channel_not_found")
    bot.clock.advance(timedelta(days=7))
    bot.runner().tick()
    with bot.deps.sessions() as s:
        assert s.query(m.HealthCheck).one().status == "paused"
        run = s.query(m.HealthRun).one()
        assert run.message_ts is None and run.answer_key is None
