"""One structured log line per Slack request, written around the whole dispatch."""

from __future__ import annotations

import json
import logging

import pytest

from tests.fakeslack.client import SlackSender
from tests.support.harness import SECRET, TOKEN, Bot

LOGGER = "bot.requests"


def lines(caplog: pytest.LogCaptureFixture) -> list[dict]:
    return [json.loads(r.getMessage().removeprefix("slack "))
            for r in caplog.records if r.name == LOGGER]


def test_a_command_logs_team_user_action_status_and_latency(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    resp = bot.slack.command("history", user_id="U7", team_id="T1")
    assert resp.status == 200
    [line] = lines(caplog)
    assert line["kind"] == "command" and line["team"] == "T1" and line["user"] == "U7"
    assert line["what"] == "/engagement history"
    assert line["status"] == 200
    assert isinstance(line["ms"], float) and line["ms"] >= 0


def test_the_line_holds_no_secrets_or_payload_text(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bot.slack.command("history please-do-not-log-this", user_id="U7")
    bot.slack.command("")  # opens the questionnaire: a Web API call with the token
    bot.fake.wait_for("views.open")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert TOKEN not in text and SECRET not in text
    assert "please-do-not-log-this" not in text
    assert [line["what"] for line in lines(caplog)] == ["/engagement history",
                                                          "/engagement start"]


def test_a_forged_request_is_logged_as_unverified_without_its_body(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    forged = SlackSender(bot.slack.url, "not-the-secret")
    resp = forged.command("history", user_id="U-FORGER")
    assert resp.status == 401
    [line] = lines(caplog)
    # the front refuses it before Bolt or any parser sees it: only its size is logged
    assert line == {"kind": "unverified", "bytes": line["bytes"], "ms": line["ms"],
                    "status": 401}
    assert line["bytes"] > 0
