"""Check-in messages and the verdict's status line: what people typed is escaped, the people
the bot names are real mentions."""

from __future__ import annotations

from datetime import timedelta
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
from triage.models import OWNERSHIP_SYMPTOMS, Change, Comparison, Shift, Trend

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
                             seq=1, of_total=2, last={})
    validate_modal(modal)
    assert "<!channel>" not in str(modal["blocks"][0])


def test_checkin_asks_only_what_moved_the_verdict_filled_with_the_last_answers() -> None:
    from tests.support import scenarios
    from triage import assess, parse_intake

    verdict = assess(parse_intake(scenarios.answers(scenarios.NEEDS_HANDS)))
    last = {"symptoms.unclear_tickets": "sometimes", "signals.process_stable": 2}
    modal = fu.checkin_modal(fu.CheckinState(team_id="T1", checkin_id=5), engagement="X",
                             seq=2, of_total=2, last=last, verdict=verdict)
    validate_modal(modal)
    asked = [b["block_id"] for b in modal["blocks"] if b["type"] == "input"
             and b["block_id"] != fu.NOTE_BLOCK]
    moved = {e.field for e in (*verdict.bottleneck.evidence, *verdict.recommendation.drivers)}
    signals = [p for p in asked if p.startswith("signals.")]
    assert signals and set(signals) <= moved  # only the statements that drove it
    assert {f"symptoms.{s}" for s in OWNERSHIP_SYMPTOMS} <= set(asked)
    assert "engagement_started" not in asked  # cannot move the verdict: not asked
    by_id = {b["block_id"]: b for b in modal["blocks"] if b["type"] == "input"}
    assert by_id["symptoms.unclear_tickets"]["element"]["initial_option"]["value"] == \
        "sometimes"
    if "signals.process_stable" in by_id:
        assert by_id["signals.process_stable"]["element"]["initial_option"]["value"] == "2"
    # the time it promises is counted from what it asks
    assert f"{len(asked)} questions, {fu.checkin_time(len(asked))}" in \
        modal["blocks"][0]["text"]["text"]
    assert "(optional)" not in str(modal) and not [
        b for b in modal["blocks"] if b["type"] == "input" and b["optional"]
        and b["block_id"] != fu.NOTE_BLOCK]


def test_parse_checkin_reads_only_what_was_asked() -> None:
    values = {"symptoms.unclear_tickets": {"symptoms.unclear_tickets": {
        "type": "radio_buttons", "selected_option": {"value": "often"}}}}
    parsed, errors = fu.parse_checkin(values)
    assert errors == {} and parsed["answers"] == {"symptoms.unclear_tickets": "often"}


def _change(field: str, before: object, after: object) -> Change:
    return Change(field=field, before=before, after=after, why="")


def test_comparison_speaks_the_intakes_words_and_only_what_moved() -> None:
    result = Comparison(
        improved=[_change("symptoms.blocked_on_product", "constantly", "never"),
                  _change("signals.roadmap_clear", 2, 4)],
        worsened=[], trend=Trend.IMPROVING, bottleneck_shift=None, model_shift=None,
        summary="improving (2 better, 0 worse)", follow_up=assessment())
    msg = fu.comparison_message(result, seq=1, of_total=2, answered_by="U1", note="",
                                assessment_id=7, late=timedelta(days=3, hours=2))
    validate_blocks_message(msg)
    text = str(msg["blocks"])
    assert "Developers wait for answers from product: All the time → *Never*" in text
    assert "The roadmap for this work is clear: Disagree → *Agree*" in text
    assert "constantly" not in text and "signals." not in text
    assert "3 days after it fell due" in text
    assert "Nothing moved" not in text and "Worse" not in text  # no empty or unchanged rows
    assert "assessment_retake" not in text  # the verdict held: nothing to retake


def test_a_shifted_verdict_offers_the_retake() -> None:
    result = Comparison(improved=[], worsened=[], trend=Trend.MIXED, bottleneck_shift=None,
                        model_shift=Shift(before="product_delivery",
                                          after="staff_augmentation"),
                        summary="mixed", follow_up=assessment())
    msg = fu.comparison_message(result, seq=2, of_total=2, answered_by="U1", note="",
                                assessment_id=7)
    validate_blocks_message(msg)
    [button] = [e for b in msg["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert (button["action_id"], button["value"]) == ("assessment_retake", "7")
    assert "verdict has shifted" in str(msg["blocks"])


def test_lateness_is_in_days() -> None:
    assert fu.in_days(timedelta(hours=50)) == "2 days"
    assert fu.in_days(timedelta(hours=25)) == "1 day"
    assert fu.in_days(timedelta(hours=5)) == "5 hours"
    assert fu.late_note(timedelta(days=8)).startswith("This check-in is 8 days late")


def test_the_threads_stop_button_asks_first() -> None:
    msg = fu.checkin_message(owner_id="U1", checkin_id=5, seq=1, of_total=2,
                             engagement="Billing")
    validate_blocks_message(msg)
    buttons = {e["action_id"]: e for b in msg["blocks"] if b["type"] == "actions"
               for e in b["elements"]}
    stop = buttons["followups_stop"]
    assert stop["confirm"]["confirm"]["text"] == "Stop them" and "Billing" in str(stop)
    assert "confirm" not in buttons["followups_snooze_day"]
    assert fu.LONGEST in msg["blocks"][0]["text"]["text"].lower()


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
