"""The checks every payload in the tests goes through can fail: slack_sdk's models catch
what Slack would refuse, with or without the shared JSON schemas beside the project."""

from __future__ import annotations

import pytest

from tests.fakeslack.schemas import BlockKitError, validate_blocks_message, validate_modal

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}


def modal(**kw: object) -> dict:
    return {"type": "modal", "title": {"type": "plain_text", "text": "Engagement"},
            "blocks": [SECTION], **kw}


def test_a_good_message_and_modal_pass() -> None:
    validate_blocks_message({"text": "hello", "blocks": [SECTION]})
    validate_modal(modal())


@pytest.mark.parametrize("blocks, problem", [
    ([{"type": "bogus"}], "unknown block type"),
    ([{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}], "3000"),
    ([{"type": "section", "text": {"type": "mrkdwn", "text": "a"}, "colour": "red"}],
     "'colour'"),
    ([{"type": "actions", "elements": [{"type": "button", "action_id": "a",
                                        "text": {"type": "plain_text", "text": "x" * 80}}]}],
     "75"),
    ([SECTION] * 51, "50 per message"),
])
def test_what_slack_refuses_in_a_message_is_caught(blocks: list, problem: str) -> None:
    with pytest.raises(BlockKitError, match=problem):
        validate_blocks_message({"text": "fallback", "blocks": blocks})


def test_blocks_without_a_text_fallback_are_caught() -> None:
    with pytest.raises(BlockKitError, match="fallback"):
        validate_blocks_message({"blocks": [SECTION]})


@pytest.mark.parametrize("view, problem", [
    (modal(title={"type": "plain_text", "text": "A title far too long for a modal"}), "title"),
    (modal(private_metadata="x" * 3001), "private_metadata"),
    (modal(blocks=[SECTION] * 101), "100"),
])
def test_what_slack_refuses_in_a_modal_is_caught(view: dict, problem: str) -> None:
    with pytest.raises(BlockKitError, match=problem):
        validate_modal(view)
