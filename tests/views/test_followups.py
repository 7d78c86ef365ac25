"""Check-in messages and the verdict's status line: what people typed is escaped, the people
the bot names are real mentions."""

from __future__ import annotations

from typing import Any

import pytest

from bot.views import followups as fu
from bot.views import notices
from bot.views.recommendation import (
    STATUS_BLOCK,
    Mrkdwn,
    mention,
    parent_message,
    stopped_status,
    with_status,
)
from tests.fakeslack.schemas import validate_blocks_message, validate_modal
from tests.views.fixtures import assessment
from triage.models import Comparison, Trend

HOSTILE = "<!channel> & <@U123> <https://evil.example|click>"


def status_of(msg: dict[str, Any]) -> str:
    block = next(b for b in msg["blocks"] if b.get("block_id") == STATUS_BLOCK)
    return str(block["elements"][0]["text"])


def test_stopped_status_mentions_who_stopped_them() -> None:
    msg = parent_message(assessment(), owner_id="U42", assessment_id=17,
                         status_line=stopped_status("U1"))
    validate_blocks_message(msg)
    assert status_of(msg) == "Follow-ups stopped by <@U1>."
    edited = with_status(msg, stopped_status("UADMIN"))
    validate_blocks_message(edited)
    assert status_of(edited) == "Follow-ups stopped by <@UADMIN>."


def test_other_status_lines_are_still_plain_text() -> None:
    msg = parent_message(assessment(), owner_id="U42", assessment_id=17,
                         status_line="Check-in 1 of 2: <!here> & co")
    assert status_of(msg) == "Check-in 1 of 2: &lt;!here&gt; &amp; co"
    assert status_of(with_status(msg, "<@U9>")) == "&lt;@U9&gt;"


@pytest.mark.parametrize("user_id", ["<!channel>", "U1> <!here", "", "u1", "C123"])
def test_only_a_user_id_becomes_a_mention(user_id: str) -> None:
    shown = mention(user_id)
    assert "<" not in shown and ">" not in shown.replace("&gt;", "")
    line = stopped_status(user_id)
    assert isinstance(line, Mrkdwn) and "<!" not in line and "<@" not in line


def test_checkin_message_escapes_the_engagement_name() -> None:
    msg = fu.checkin_message(owner_id="U1", checkin_id=5, seq=1, of_total=2,
                             engagement=HOSTILE)
    validate_blocks_message(msg)
    blob = str(msg)
    assert "<!channel>" not in blob and "<@U123>" not in blob and "<https://" not in blob
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in msg["blocks"][0]["text"]["text"]
    assert msg["blocks"][0]["text"]["text"].startswith("<@U1> check-in 1 of 2")  # the owner


def test_checkin_modal_escapes_the_engagement_name() -> None:
    modal = fu.checkin_modal(fu.CheckinState(team_id="T1", checkin_id=5), engagement=HOSTILE,
                             seq=1, of_total=2, baseline={})
    validate_modal(modal)
    assert "<!channel>" not in str(modal["blocks"][0])


def test_comparison_quotes_the_note_escaped_line_by_line() -> None:
    result = Comparison(improved=[], worsened=[], trend=Trend.STABLE, bottleneck_shift=None,
                        model_shift=None, summary="stable", follow_up=assessment())
    msg = fu.comparison_message(result, seq=1, of_total=2, answered_by="U1", started="yes",
                                note="All good <!channel>\nsee <@U123>")
    validate_blocks_message(msg)
    note = next(b for b in msg["blocks"] if b.get("block_id") == "checkin_note")
    assert note["text"]["text"] == "> All good &lt;!channel&gt;\n> see &lt;@U123&gt;"


def test_deleted_notices_escape_the_name_and_say_the_message_stays() -> None:
    text = notices.deleted(HOSTILE, "C1")
    assert "<!channel>" not in text and "<@U123>" not in text
    assert "*&lt;!channel&gt; &amp; &lt;@U123&gt;" in text
    assert "<#C1> is left as it was" in text
    assert "deleted" in notices.ASSESSMENT_DELETED and "stay" in notices.ASSESSMENT_DELETED
