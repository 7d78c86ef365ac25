"""private_metadata: the worst case fits Slack's 3,000 characters; tampering is refused."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.views import metadata as md
from bot.views.intake import STEPS, intake_view
from bot.views.metadata import (
    CADENCE_CUSTOM_MAX,
    CODED_FIELDS,
    ENGAGEMENT_MAX,
    METADATA_MAX,
    NOTES_MAX,
    STEP_COUNT,
    IntakeState,
    MetadataError,
    decode,
    encode,
)
from tests.views.fixtures import answers

LONG_ID = "X" * 32
# Characters that cost the most in JSON or in UTF-16: quotes, backslashes, newlines, emoji.
NASTY = ['"', "\\", "\n", "\U0001f600", "\u2028", "<", "&", "é"]


def _longest_cadence() -> str:
    parts: list[str] = []
    text = ""
    while len(text) + 9 <= CADENCE_CUSTOM_MAX and len(parts) < 10:
        parts.append("9999999d")
        text = ",".join(parts)
    return text


def worst_case(char: str) -> IntakeState:
    flat = {path: values[-1] for path, values in CODED_FIELDS}
    name = ("x" + char * ENGAGEMENT_MAX)[:ENGAGEMENT_MAX] if char != "\n" else "y" * 80
    flat["engagement"] = md.clean_line(name)[:ENGAGEMENT_MAX] or "n"
    flat["notes"] = ("x" + char * NOTES_MAX)[:NOTES_MAX]
    return IntakeState(team_id=LONG_ID, user_id=LONG_ID, channel_id=LONG_ID,
                       step=STEP_COUNT - 1, post_channel=LONG_ID, cadence="custom",
                       cadence_custom=_longest_cadence(), answers=flat)


@pytest.mark.parametrize("char", NASTY)
def test_worst_case_fits(char: str) -> None:
    state = worst_case(char)
    assert len(state.answers["notes"]) == NOTES_MAX
    text = encode(state)
    assert len(text) <= METADATA_MAX
    assert decode(text) == state
    # and the views that carry it stay valid too
    view = intake_view(state, default_cadence_label="2 weeks and 6 weeks")
    assert view["private_metadata"] == text


def test_notes_box_is_capped_at_what_fits() -> None:
    notes = next(f for f in STEPS[-1] if f.path == "notes")
    view = intake_view(worst_case("x"), default_cadence_label="2 weeks")
    box = next(b for b in view["blocks"] if b.get("block_id") == "notes")
    assert box["element"]["max_length"] == notes.max_length == NOTES_MAX
    assert box["element"]["multiline"] is True
    # headroom left for the future, so one more field does not break the limit
    assert len(encode(worst_case('"'))) <= METADATA_MAX - 300


@settings(max_examples=150, deadline=None)
@given(answers(), st.integers(0, STEP_COUNT - 1),
       st.sampled_from(["default", "none", "custom"]))
def test_round_trip(nested: dict[str, object], step: int, cadence: str) -> None:
    state = IntakeState.start(team_id="T1", user_id="U1", channel_id="C1", answers=nested)
    state = state.model_copy(update={"step": step, "cadence": cadence,
                                     "cadence_custom": "7d,30d" if cadence == "custom" else None})
    assert decode(encode(state)) == state
    assert state.encode() == encode(state) and IntakeState.decode(encode(state)) == state


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_garbage_raises_only_metadata_error(text: str) -> None:
    try:
        state = decode(text)
    except MetadataError:
        return
    assert isinstance(state, IntakeState) and decode(encode(state)) == state


def _head(**changes: object) -> str:
    head = {"v": md.VERSION, "t": "T1", "u": "U1", "c": "C1", "s": 0, "a": "01"}
    head.update(changes)
    return json.dumps(head)


@pytest.mark.parametrize("text", [
    "",
    "not json",
    "[]",
    '{"step": 99, "evil": true}',                       # the old format, or a forgery
    json.dumps({"v": 1, "team_id": "T1", "user_id": "U1", "channel_id": "C1"}),
    _head(v=99),
    _head(s=STEP_COUNT),                                # a step that does not exist
    _head(s=-1),
    _head(a="9"),                                       # not a valid option index
    _head(a="x"),
    _head(a="0" * (len(CODED_FIELDS) + 1)),
    _head(evil=True),
    _head(t='T1"'),                                     # ids are Slack ids
    _head(t="T" * 33),
    _head(k="sometimes"),
    _head(x="7d; rm -rf /"),
    _head(p={"id": "C1"}),
    _head() + "\n" + "n" * (ENGAGEMENT_MAX + 1),        # name too long
    _head() + "\n\tname",                               # name with a control character
    _head() + "\nname\n" + "n" * (NOTES_MAX + 1),       # notes too long
    "x" * (METADATA_MAX + 1),
])
def test_tampered_metadata_is_refused(text: str) -> None:
    with pytest.raises(MetadataError):
        decode(text)


def test_a_good_head_decodes() -> None:
    state = decode(_head(a="01--", p="C9", k="custom", x="7d") + "\nMy work\nline 1\nline 2")
    assert state.answers == {"stated_need": "more_engineers", "slowdown": "unclear_decisions",
                             "engagement": "My work", "notes": "line 1\nline 2"}
    assert (state.post_channel, state.cadence, state.cadence_custom) == ("C9", "custom", "7d")


def test_answers_are_checked_when_the_state_is_built() -> None:
    for bad in ({"signals.roadmap_clear": 6}, {"signals.roadmap_clear": "3"},
                {"signals.roadmap_clear": True}, {"symptoms.unclear_tickets": "daily"},
                {"typo": 1}, {"engagement": "a\nb"}, {"notes": "n" * (NOTES_MAX + 1)}):
        with pytest.raises(ValueError):
            IntakeState(team_id="T1", user_id="U1", answers=bad)


def test_start_keeps_only_what_the_modal_can_show() -> None:
    state = IntakeState.start(
        team_id="T1", user_id="U1", channel_id="C1", engagement="  Named \n here ",
        answers={"engagement": "Old", "stated_need": "own_outcome", "bogus": 1,
                 "signals": {"roadmap_clear": 9, "process_stable": 2},
                 "notes": "n" * 3000})
    assert state.answers["engagement"] == "Named here"
    assert state.answers["stated_need"] == "own_outcome"
    assert state.answers["signals.process_stable"] == 2
    assert "signals.roadmap_clear" not in state.answers and "bogus" not in state.answers
    assert len(state.answers["notes"]) == NOTES_MAX
    assert state.post_channel == "C1"


def test_flatten_and_nest_are_inverse() -> None:
    nested = {"stated_need": "not_sure", "signals": {"roadmap_clear": 3}}
    assert md.nest(md.flatten(nested)) == nested
