"""The App Home view: buttons per state, confirm dialogs, Slack's limits, the schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.views import home as hv
from bot.views.ids import Action, BlockId
from tests.fakeslack.schemas import BlockKitError, validate_home

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LINK = "https://fake.slack.com/archives/C1/p1700000001000100"


def item(i: int = 1, *, status: str = "active", open_checkins: int = 2,
         permalink: str | None = LINK, engagement: str = "Checkout revamp") -> hv.HomeItem:
    return hv.HomeItem(assessment_id=i, engagement=engagement, kind="ownership",
                       model="product_delivery", mismatch=True, permalink=permalink,
                       status=status, created_at=NOW, next_checkin="Mon 16 Mar 10:00 your time",
                       open_checkins=open_checkins)


def check(i: int = 1, status: str = "active") -> hv.HealthItem:
    return hv.HealthItem(health_check_id=i, channel_id="C7", status=status,
                         next_run="Mon 09 Mar 09:00 your time" if status == "active" else None)


def buttons(view: dict[str, Any], block_prefix: str, ref: int) -> dict[str, dict[str, Any]]:
    """action_id -> button, in the actions block of one item."""
    block = next((b for b in view["blocks"] if b.get("block_id") == f"{block_prefix}_{ref}"),
                 None)
    return {} if block is None else {e["action_id"]: e for e in block["elements"]}


def test_active_followups_get_thread_link_snooze_and_stop_with_confirm() -> None:
    view = hv.home_view([item(7)])
    validate_home(view)
    got = buttons(view, BlockId.HOME_ASSESSMENT_ACTIONS.value, 7)
    assert list(got) == [Action.HOME_OPEN_THREAD, Action.HOME_SNOOZE_DAY,
                         Action.HOME_SNOOZE_WEEK, Action.HOME_STOP_FOLLOWUPS,
                         Action.HOME_DELETE_ASSESSMENT]
    assert got[Action.HOME_OPEN_THREAD]["url"] == LINK
    assert all(b["value"] == "7" for b in got.values())  # the value carries the id
    stop = got[Action.HOME_STOP_FOLLOWUPS]
    assert stop["style"] == "danger"
    assert stop["confirm"]["title"]["text"] == "Stop follow-ups?"
    assert "Checkout revamp" in stop["confirm"]["text"]["text"]
    assert {"confirm", "deny"} <= set(stop["confirm"])
    # snoozing is harmless: no dialog in the way
    assert "confirm" not in got[Action.HOME_SNOOZE_DAY]
    assert Action.HOME_RESUME_FOLLOWUPS not in got


def test_paused_followups_offer_resume_first() -> None:
    view = hv.home_view([item(3, status="paused")])
    validate_home(view)
    got = list(buttons(view, BlockId.HOME_ASSESSMENT_ACTIONS.value, 3))
    assert got == [Action.HOME_OPEN_THREAD, Action.HOME_RESUME_FOLLOWUPS,
                   Action.HOME_SNOOZE_DAY, Action.HOME_SNOOZE_WEEK, Action.HOME_STOP_FOLLOWUPS,
                   Action.HOME_DELETE_ASSESSMENT]
    assert "follow-ups paused" in str(view)


@pytest.mark.parametrize(("status", "open_checkins", "words"), [
    ("stopped", 0, "follow-ups stopped"),
    ("active", 0, "no follow-ups left"),
])
def test_nothing_to_manage_leaves_the_link_and_delete(status: str, open_checkins: int,
                                                      words: str) -> None:
    view = hv.home_view([item(4, status=status, open_checkins=open_checkins)])
    validate_home(view)
    assert list(buttons(view, BlockId.HOME_ASSESSMENT_ACTIONS.value, 4)) == [
        Action.HOME_OPEN_THREAD, Action.HOME_DELETE_ASSESSMENT]
    assert words in str(view)


def test_no_link_button_without_a_safe_permalink() -> None:
    for link in (None, "javascript:alert(1)", "https://x.slack.com/a|b"):
        view = hv.home_view([item(5, permalink=link)])
        validate_home(view)
        assert Action.HOME_OPEN_THREAD not in buttons(
            view, BlockId.HOME_ASSESSMENT_ACTIONS.value, 5)
    bare = hv.home_view([item(6, permalink=None, status="stopped", open_checkins=0)])
    validate_home(bare)
    assert list(buttons(bare, BlockId.HOME_ASSESSMENT_ACTIONS.value, 6)) == [
        Action.HOME_DELETE_ASSESSMENT]


@pytest.mark.parametrize(("status", "open_checkins"),
                         [("active", 2), ("paused", 1), ("stopped", 0), ("active", 0)])
def test_every_assessment_can_be_deleted_after_a_dialog_that_says_what_goes(
        status: str, open_checkins: int) -> None:
    view = hv.home_view([item(8, status=status, open_checkins=open_checkins)])
    validate_home(view)
    delete = buttons(view, BlockId.HOME_ASSESSMENT_ACTIONS.value, 8)[
        Action.HOME_DELETE_ASSESSMENT]
    assert delete["value"] == "8" and delete["style"] == "danger"
    dialog = delete["confirm"]
    assert dialog["title"]["text"] == "Delete this assessment?"
    assert dialog["confirm"]["text"] == "Delete it" and dialog["deny"]["text"] == "Keep it"
    text = dialog["text"]["text"]
    assert "*Checkout revamp*" in text and "check-ins" in text
    assert "message in the channel stays" in text and "can't undo" in text


def test_health_check_buttons_follow_its_state() -> None:
    view = hv.home_view([], [check(1, "active"), check(2, "paused")])
    validate_home(view)
    active = buttons(view, BlockId.HOME_HEALTH_ACTIONS.value, 1)
    paused = buttons(view, BlockId.HOME_HEALTH_ACTIONS.value, 2)
    assert list(active) == [Action.HOME_HEALTH_PAUSE, Action.HOME_HEALTH_STOP]
    assert list(paused) == [Action.HOME_HEALTH_RESUME, Action.HOME_HEALTH_STOP]
    assert active[Action.HOME_HEALTH_PAUSE]["value"] == "1"
    assert paused[Action.HOME_HEALTH_STOP]["value"] == "2"
    for stop in (active[Action.HOME_HEALTH_STOP], paused[Action.HOME_HEALTH_STOP]):
        assert stop["confirm"]["confirm"]["text"] == "Stop it"
        assert "<#C7>" in stop["confirm"]["text"]["text"]
    assert "next run Mon 09 Mar" in str(view) and "/engagement healthcheck pause" not in str(view)


def test_notice_sits_at_the_top() -> None:
    tones: list[tuple[hv.Tone, str]] = [("done", ":white_check_mark:"),
                                        ("refused", ":no_entry:"), ("problem", ":warning:")]
    for tone, icon in tones:
        view = hv.home_view([item()], notice=hv.Notice("Only the owner can do that.", tone))
        validate_home(view)
        notice = view["blocks"][1]
        assert notice["block_id"] == BlockId.HOME_NOTICE
        assert notice["text"]["text"] == f"{icon} Only the owner can do that."
    assert BlockId.HOME_NOTICE.value not in str(hv.home_view([item()]))


def test_page_is_kept_in_the_view_for_the_buttons() -> None:
    assert hv.home_view([item()], page=3)["private_metadata"] == "3"


def test_typed_names_cannot_ping_or_break_the_confirm() -> None:
    name = "<!channel> " + "x" * 119
    view = hv.home_view([item(engagement=name)])
    validate_home(view)
    blob = str(view)
    assert "<!channel>" not in blob and "&lt;!channel&gt;" in blob
    got = buttons(view, BlockId.HOME_ASSESSMENT_ACTIONS.value, 1)
    stop, delete = got[Action.HOME_STOP_FOLLOWUPS], got[Action.HOME_DELETE_ASSESSMENT]
    assert len(stop["confirm"]["text"]["text"]) <= 300
    # the long name is cut, not what deleting means
    assert len(delete["confirm"]["text"]["text"]) <= 300
    assert "<!channel>" not in str(delete) and "You can't undo this." in str(delete)


def test_worst_case_page_fits_slacks_limits() -> None:
    """A full page where every assessment has every button, a notice, both page buttons,
    and more health checks than are shown."""
    items = [item(100 + i, status="paused", engagement="E" * 120)
             for i in range(hv.PAGE_SIZE)]
    checks = [check(i, "paused" if i % 2 else "active") for i in range(hv.MAX_HEALTH_CHECKS)]
    view = hv.home_view(items, checks, page=4, has_more=True, more_checks=7,
                        notice=hv.Notice("x" * 2900, "refused"))
    validate_home(view)  # the schema, 100 blocks, unique ids, text limits
    assert len(view["blocks"]) == hv.max_blocks() <= hv.VIEW_BLOCKS_MAX
    assert "7 more" in str(view["blocks"][-1])
    for block in view["blocks"]:
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
            assert all(len(e["text"]["text"]) <= 75 for e in block["elements"])
    # handed more health checks than fit, the view still caps them
    over = hv.home_view(items, [check(i) for i in range(60)], has_more=True)
    validate_home(over)
    assert "40 more" in str(over["blocks"][-1])


def test_the_block_limit_check_can_fail() -> None:
    """The limit asserted above is a real one: a view past 100 blocks is rejected."""
    view = hv.home_view([item(i) for i in range(40)])
    assert len(view["blocks"]) > 100
    with pytest.raises(BlockKitError):
        validate_home(view)
