"""The App Home view: buttons per state, confirm dialogs, Slack's limits, the schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.views import home as hv
from bot.views.ids import Action, BlockId
from tests.fakeslack.schemas import BlockKitError, validate_home, validate_modal

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
    """action_id -> element, in the actions block of one item."""
    block = next((b for b in view["blocks"] if b.get("block_id") == f"{block_prefix}_{ref}"),
                 None)
    return {} if block is None else {e["action_id"]: e for e in block["elements"]}


def menu(view: dict[str, Any], ref: int) -> list[str]:
    """The verbs of one item's overflow menu, in order."""
    more = buttons(view, BlockId.HOME_ASSESSMENT_ACTIONS.value, ref)[
        Action.HOME_ASSESSMENT_MORE]
    assert "confirm" not in more  # one dialog for every option would ask before a snooze
    values = [o["value"] for o in more["options"]]
    assert all(v.endswith(f":{ref}") for v in values)  # the value carries the id
    return [v.split(":")[0] for v in values]


def primaries(view: dict[str, Any], ref: int) -> list[str]:
    return [aid for aid, e in buttons(view, BlockId.HOME_ASSESSMENT_ACTIONS.value, ref).items()
            if e.get("style") == "primary"]


def test_active_followups_get_the_thread_and_a_menu_to_snooze_stop_or_delete() -> None:
    view = hv.home_view([item(7)])
    validate_home(view)
    got = buttons(view, BlockId.HOME_ASSESSMENT_ACTIONS.value, 7)
    assert list(got) == [Action.HOME_OPEN_THREAD, Action.HOME_ASSESSMENT_MORE]
    assert got[Action.HOME_OPEN_THREAD]["url"] == LINK
    assert primaries(view, 7) == [Action.HOME_OPEN_THREAD]  # one primary button
    assert menu(view, 7) == ["snooze_day", "snooze_week", "stop", "delete"]
    labels = [o["text"]["text"] for o in got[Action.HOME_ASSESSMENT_MORE]["options"]]
    assert labels == ["Snooze a day", "Snooze a week", "Stop follow-ups…", "Delete assessment…"]


def test_paused_followups_offer_resume_not_snooze() -> None:
    view = hv.home_view([item(3, status="paused")])
    validate_home(view)
    assert primaries(view, 3) == [Action.HOME_RESUME_FOLLOWUPS]
    assert menu(view, 3) == ["open", "stop", "delete"]
    more = buttons(view, BlockId.HOME_ASSESSMENT_ACTIONS.value, 3)[Action.HOME_ASSESSMENT_MORE]
    assert more["options"][0]["url"] == LINK  # the thread, from the menu
    assert "follow-ups paused" in str(view)


@pytest.mark.parametrize(("status", "open_checkins", "words"), [
    ("stopped", 0, "follow-ups stopped"),
    ("active", 0, "no follow-ups left"),
])
def test_nothing_to_manage_leaves_the_link_and_delete(status: str, open_checkins: int,
                                                      words: str) -> None:
    view = hv.home_view([item(4, status=status, open_checkins=open_checkins)])
    validate_home(view)
    assert primaries(view, 4) == [Action.HOME_OPEN_THREAD]
    assert menu(view, 4) == ["delete"]
    assert words in str(view)


def test_no_link_button_without_a_safe_permalink() -> None:
    for link in (None, "javascript:alert(1)", "https://x.slack.com/a|b"):
        view = hv.home_view([item(5, permalink=link)])
        validate_home(view)
        assert Action.HOME_OPEN_THREAD not in buttons(
            view, BlockId.HOME_ASSESSMENT_ACTIONS.value, 5)
        assert "open" not in menu(view, 5)
    bare = hv.home_view([item(6, permalink=None, status="stopped", open_checkins=0)])
    validate_home(bare)
    assert list(buttons(bare, BlockId.HOME_ASSESSMENT_ACTIONS.value, 6)) == [
        Action.HOME_ASSESSMENT_MORE]
    assert menu(bare, 6) == ["delete"]


@pytest.mark.parametrize("verb", [hv.Verb.STOP, hv.Verb.DELETE])
def test_stop_and_delete_ask_in_a_dialog_that_says_what_goes(verb: hv.Verb) -> None:
    modal = hv.confirm_modal(hv.ConfirmState(verb=verb, assessment_id=8, page=2),
                             "Checkout revamp")
    validate_modal(modal)
    assert modal["callback_id"] == "home_confirm"
    assert hv.ConfirmState.decode(modal["private_metadata"]) == hv.ConfirmState(
        verb=verb, assessment_id=8, page=2)
    text = modal["blocks"][0]["text"]["text"]
    assert "*Checkout revamp*" in text and "can't undo" in text
    if verb == hv.Verb.DELETE:
        assert modal["title"]["text"] == "Delete this assessment?"
        assert (modal["submit"]["text"], modal["close"]["text"]) == ("Delete it", "Keep it")
        assert "check-ins" in text and "message in the channel stays" in text
    else:
        assert modal["title"]["text"] == "Stop follow-ups?"
        assert (modal["submit"]["text"], modal["close"]["text"]) == ("Stop them", "Keep them")


@pytest.mark.parametrize("text", ['{"verb": "snooze_day", "assessment_id": 1}',
                                  '{"verb": "stop"}', "nope", ""])
def test_a_confirm_for_something_else_is_refused(text: str) -> None:
    from bot.views.metadata import MetadataError

    with pytest.raises(MetadataError):
        hv.ConfirmState.decode(text)


def test_menu_values_parse_back_and_odd_ones_do_not() -> None:
    assert hv.parse_more("stop:12") == (hv.Verb.STOP, 12)
    for odd in ("stop", "stop:", "stop:x", "explode:1", ":1", ""):
        assert hv.parse_more(odd) is None


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
    for verb in (hv.Verb.STOP, hv.Verb.DELETE):
        modal = hv.confirm_modal(hv.ConfirmState(verb=verb, assessment_id=1), name)
        validate_modal(modal)
        assert "<!channel>" not in str(modal) and "You can't undo this." in str(modal)


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
            assert all(len(e["text"]["text"]) <= 75 for e in block["elements"] if "text" in e)
            assert all(len(e["options"]) <= 5 for e in block["elements"] if "options" in e)
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
