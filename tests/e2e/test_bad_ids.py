"""Ids that come back to the bot in button values, command text or a Home tab's metadata
are read by one strict parser (``bot.views.ids.parse_id``): anything but plain ASCII digits
in range is a clear "not found", never an exception, a 500 or "something went wrong"."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.e2e.test_home import open_home
from tests.support.harness import Bot

MAX_ID = 2**63 - 1  # the largest BIGINT
# other scripts' digits, past BIGINT, signs, spaces, exponents, separators, expressions
BAD = ["²", "٣", str(2**70), str(MAX_ID + 1), "-1", "+1", " 1", "1 ", "1e3", "1_000", "0x1",
       "2**70", "1.0", "", "0", "1\n"]
WENT_WRONG = "something went wrong"


def test_the_parser_takes_plain_numbers_in_range_only() -> None:
    from bot.views.ids import parse_id, parse_number

    assert parse_id("1") == 1 and parse_id(str(MAX_ID)) == MAX_ID
    assert parse_id("007") == 7
    for bad in [*BAD, None, 3, ["1"]]:
        assert parse_id(bad) is None, bad
    assert parse_number("0", low=0, high=5) == 0 and parse_number("6", low=0, high=5) is None


def _answers(bot: Bot, before: int) -> list[str]:
    calls = bot.fake.wait_for("chat.postEphemeral", count=before + 1)
    return [str(c.args.get("text")) for c in calls[before:]]


def _no_unhandled(caplog: pytest.LogCaptureFixture) -> None:
    unhandled = [r.getMessage() for r in caplog.records if r.name == "bot.errors"
                 and r.levelno >= logging.ERROR]
    assert unhandled == []


@pytest.mark.parametrize("action_id", ["assessment_show_matrix", "assessment_retake",
                                       "assessment_retry_post", "checkin_open",
                                       "followups_snooze_day", "followups_stop"])
def test_a_message_button_with_a_bad_id_is_not_found(
        bot: Bot, caplog: pytest.LogCaptureFixture, action_id: str) -> None:
    caplog.set_level(logging.INFO)
    for bad in BAD:
        before = len(bot.fake.calls_to("chat.postEphemeral"))
        resp = bot.slack.block_action(action_id, bad, channel_id="C1", message_ts="1.1")
        assert resp.status == 200, bad
        [text] = _answers(bot, before)
        assert WENT_WRONG not in text and ("nothing I know" in text or "deleted" in text), \
            (bad, text)
    _no_unhandled(caplog)


def test_a_rating_with_a_bad_run_id_is_not_found(bot: Bot,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    for bad in BAD:
        before = len(bot.fake.calls_to("chat.postEphemeral"))
        resp = bot.slack.block_action("health_rate_green", f"{bad}|clarity|green",
                                      block_id="health_clarity", channel_id="C7",
                                      message_ts="1.1")
        assert resp.status == 200, bad
        [text] = _answers(bot, before)
        assert text == "I can't find that health check.", (bad, text)
    _no_unhandled(caplog)


def test_a_health_check_command_with_a_bad_number_is_not_found(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    for bad in ["²", "#²", str(2**70), f"#{2**70}", "-1", "1e3", "#0", "12x"]:
        for verb in ("pause", "stop"):
            before = len(bot.fake.calls_to("chat.postEphemeral"))
            assert bot.slack.command(f"healthcheck {verb} {bad}", channel_id="C7").status == 200
            [text] = _answers(bot, before)
            assert text.startswith("There is no health check with that number"), (bad, text)
    _no_unhandled(caplog)


def _home_notice(view: dict[str, Any]) -> str:
    block = next(b for b in view["blocks"] if b.get("block_id") == "home_notice")
    return str(block)


@pytest.mark.parametrize("action_id", ["home_followups_stop", "home_assessment_delete",
                                       "home_health_pause"])
def test_a_home_button_with_a_bad_id_is_not_found(
        bot: Bot, caplog: pytest.LogCaptureFixture, action_id: str) -> None:
    caplog.set_level(logging.INFO)
    home = open_home(bot, "U1")
    for bad in BAD:
        before = len(bot.fake.calls_to("views.publish"))
        resp = bot.slack.block_action(action_id, bad, block_id="home", view=home)
        assert resp.status == 200, bad
        view = bot.fake.wait_for("views.publish", count=before + 1)[-1].response["view"]
        notice = _home_notice(view)
        assert WENT_WRONG not in notice and ("can't find" in notice
                                             or "already stopped" in notice), (bad, notice)
    _no_unhandled(caplog)


# (a burst of 16 pages in well under a second: more than views.publish's tier allows, which
# is the test's doing, not the bot's; the limits have their own tests)
@pytest.mark.slack_limits(None)
def test_home_pages_with_a_bad_number_show_the_first_page(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    home = open_home(bot, "U1")
    for bad in BAD:
        for action_id, view in (("home_page_older", home),  # the button's value
                                ("home_followups_stop",  # the page in the view's metadata
                                 dict(home, private_metadata=bad))):
            before = len(bot.fake.calls_to("views.publish"))
            value = bad if action_id == "home_page_older" else "1"
            assert bot.slack.block_action(action_id, value, block_id="home",
                                          view=view).status == 200
            shown = bot.fake.wait_for("views.publish", count=before + 1)[-1].response["view"]
            assert shown["private_metadata"] == "0", (bad, action_id)
            assert WENT_WRONG not in str(shown)
    _no_unhandled(caplog)
