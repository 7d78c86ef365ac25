"""Fault injection: hostile requests, dropped and slow Slack answers, a database restart."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from tests.e2e.test_checkins import checkin_posts, posted
from tests.support.harness import Bot

pytestmark = pytest.mark.faults

# ------------------------------------------------------------------ hostile HTTP


def test_oversized_body_is_refused_before_parsing(bot: Bot) -> None:
    """Refused on its Content-Length alone: the answer comes before any of the body is
    read. (Only the headers are sent: a client still writing a megabyte when the server
    closes would see a reset instead of the 413, depending on timing.)"""
    import http.client
    from urllib.parse import urlsplit

    url = urlsplit(bot.slack.url)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    try:
        conn.putrequest("POST", url.path)
        conn.putheader("Content-Type", "application/x-www-form-urlencoded")
        conn.putheader("Content-Length", "1200000")
        conn.endheaders()
        resp = conn.getresponse()
        assert resp.status == 413
        resp.read()
    finally:
        conn.close()
    assert bot.fake.calls_to("views.open") == []


@pytest.mark.parametrize("payload", ["{not json", "[]", '"a string"', json.dumps({"type": 1}),
                                     json.dumps({"type": "view_submission"})])
def test_malformed_interaction_payloads_get_no_traceback(bot: Bot, payload: str) -> None:
    resp = bot.slack.form({"payload": payload})
    assert resp.status in (200, 400, 404)
    assert "Traceback" not in resp.body
    assert bot.fake.calls_to("chat.postMessage") == []


def test_replayed_request_with_old_timestamp_is_refused(bot: Bot) -> None:
    old = int(time.time()) - 301
    assert bot.slack.command("help", timestamp=old).status == 401


def test_tampered_private_metadata_is_a_clear_message(bot: Bot) -> None:
    bot.slack.command("")
    view = bot.fake.wait_for("views.open")[-1].response["view"]
    view = dict(view, private_metadata='{"step": 99, "evil": true}')
    body = bot.slack.view_submission(view, {}).json()
    assert body["response_action"] == "update"
    assert "out of date" in json.dumps(body["view"])


# ------------------------------------------------------------------ Slack faults


def test_connection_reset_then_recovery_delivers_once(bot: Bot) -> None:
    posted(bot)
    runner = bot.runner()
    bot.fake.inject("chat.postMessage", reset=True, times=4, channel="C1")
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    for _ in range(3):
        bot.clock.advance(timedelta(minutes=5))
        runner.tick()
    assert len(checkin_posts(bot)) == 1


def test_slow_answer_past_the_client_timeout_is_retried(bot: Bot) -> None:
    posted(bot)
    runner = bot.runner()
    # longer than SLACK_TIMEOUT_SECONDS=3 in the harness; Slack may or may not have posted
    bot.fake.inject("chat.postMessage", delay=3.5, times=1, channel="C1")
    bot.clock.advance(timedelta(days=14))
    runner.tick()
    bot.fake.wait_idle()  # Slack posted it, after the client had given up
    for _ in range(3):
        bot.clock.advance(timedelta(minutes=5))
        runner.tick()
    posts = checkin_posts(bot)
    assert len(posts) == 1  # the slow one was answered; the retry found it by its marker


def test_a_nudge_answered_too_slowly_is_not_posted_again(bot: Bot) -> None:
    posted(bot)
    runner = bot.runner()
    bot.clock.advance(timedelta(days=14))
    runner.tick()  # the check-in
    # the nudge reaches Slack, which answers after the client gave up (timeout 3 s)
    bot.fake.inject("chat.postMessage", delay=3.5, times=1, channel="C1")
    bot.clock.advance(timedelta(days=2))
    runner.tick()
    bot.fake.wait_idle()
    for _ in range(3):
        bot.clock.advance(timedelta(minutes=5))
        runner.tick()
    # the retry looked in the thread, found the nudge by its marker, did not post again
    assert bot.fake.calls_to("conversations.replies")
    thread = [m for m in bot.fake.messages.values()
              if (m.get("metadata") or {}).get("event_type") == "engagement_nudge"]
    assert len(thread) == 1


def test_tampered_health_setup_modal_is_a_clear_message_not_a_500(bot: Bot) -> None:
    bot.fake.add_user("U1")
    bot.slack.command("healthcheck")
    view = bot.fake.wait_for("views.open")[-1].response["view"]
    for metadata in ('{"team_id": 1}', "not json", ""):
        resp = bot.slack.view_submission(dict(view, private_metadata=metadata), {})
        assert resp.status == 200
        body = resp.json()
        assert body["response_action"] == "update"
        assert "out of date" in json.dumps(body["view"])
    from bot.db import models as m

    with bot.deps.sessions() as s:
        assert s.query(m.HealthCheck).count() == 0


def test_tampered_checkin_modal_is_a_clear_message_not_a_500(bot: Bot) -> None:
    from bot.views.ids import Callback

    view = {"id": "V1", "type": "modal", "callback_id": Callback.CHECKIN.value,
            "title": {"type": "plain_text", "text": "Check-in"}, "blocks": [],
            "private_metadata": '{"checkin_id": "x"}', "hash": "h"}
    resp = bot.slack.view_submission(view, {})
    assert resp.status == 200
    assert resp.json()["response_action"] == "update"
    assert "out of date" in json.dumps(resp.json()["view"])
