"""The intake modal: Block Kit valid, spec ids and values, round trip, errors on the field."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from bot.views.ids import Action, BlockId, Callback
from bot.views.intake import (
    CADENCE_BLOCK,
    CADENCE_CUSTOM_BLOCK,
    POST_CHANNEL_BLOCK,
    STEP_COUNT,
    STEPS,
    intake_view,
    merge,
    parse_step,
    to_intake_dict,
)
from bot.views.metadata import ENGAGEMENT_MAX, NOTES_MAX, IntakeState, decode
from tests.fakeslack.client import fill
from tests.fakeslack.schemas import validate_modal
from tests.views.fixtures import answers
from triage.models import (
    OWNERSHIP_SYMPTOMS,
    PRIORITY_IDS,
    RISK_SYMPTOMS,
    SIGNAL_IDS,
    SYMPTOM_IDS,
    Duration,
    Importance,
    Intake,
    Level,
    Requirements,
    Slowdown,
    StatedNeed,
    Teams,
    VendorsInUse,
    Weight,
)

LABEL = "2 weeks and 6 weeks"
SETUP_ACTIONS = {Action.INTAKE_POST_CHANNEL.value, Action.INTAKE_CADENCE.value,
                 Action.INTAKE_CADENCE_CUSTOM.value}
SPEC_VALUES: dict[str, set[str]] = {
    "stated_need": {e.value for e in StatedNeed},
    "slowdown": {e.value for e in Slowdown},
    "duration": {e.value for e in Duration},
    "strategic_importance": {e.value for e in Importance},
    **{f"signals.{s}": {"1", "2", "3", "4", "5"} for s in SIGNAL_IDS},
    **{f"symptoms.{s}": {e.value for e in Level} for s in SYMPTOM_IDS},
    **{f"priorities.{p}": {e.value for e in Weight} for p in PRIORITY_IDS},
    "teams": {e.value for e in Teams},
    "vendors_in_use": {e.value for e in VendorsInUse},
    "requirements": {e.value for e in Requirements},
}
CONTEXT = ("requirements", "teams", "vendors_in_use")  # optional, never preselected
FREE_TEXT = {"engagement", "notes"}


def fresh(step: int = 0, **answers: Any) -> IntakeState:
    return IntakeState(team_id="T1", user_id="U1", channel_id="C1", post_channel="C1",
                       step=step, answers=answers)


def view(state: IntakeState) -> dict[str, Any]:
    return intake_view(state, default_cadence_label=LABEL)


def inputs(v: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in v["blocks"] if b["type"] == "input"]


def full_state(step: int) -> IntakeState:
    flat: dict[str, Any] = {p: sorted(v)[-1] for p, v in SPEC_VALUES.items()}
    flat.update({f"signals.{s}": 5 for s in SIGNAL_IDS}, engagement="E" * ENGAGEMENT_MAX,
                notes="N\n" * (NOTES_MAX // 2))
    return fresh(step, **flat).model_copy(update={"cadence": "custom",
                                                  "cadence_custom": "7d,30d"})


# ------------------------------------------------------------------ shape


@pytest.mark.parametrize("step", range(STEP_COUNT))
@pytest.mark.parametrize("filled", [False, True])
def test_every_step_is_valid_block_kit(step: int, filled: bool) -> None:
    v = view(full_state(step) if filled else fresh(step))
    validate_modal(v)
    assert len(v["blocks"]) <= 40  # well under Slack's 100, and short enough on a phone
    assert v["callback_id"] == Callback.INTAKE.value
    assert v["title"]["text"] == "Engagement triage" and len(v["title"]["text"]) <= 24
    assert f"Step {step + 1} of {STEP_COUNT}" in str(v["blocks"][0])
    assert v["blocks"][0]["block_id"] == BlockId.INTAKE_STEP.value
    assert v["submit"]["text"] == ("Get my verdict" if step == STEP_COUNT - 1 else "Next")
    assert v["close"]["text"] == "Cancel"
    backs = [el for b in v["blocks"] if b["type"] == "actions" for el in b["elements"]
             if el.get("action_id") == Action.INTAKE_BACK.value]
    assert len(backs) == (0 if step == 0 else 1)
    assert decode(v["private_metadata"]).step == step


def test_action_ids_are_exactly_the_spec_field_paths() -> None:
    seen: list[str] = []
    for step in range(STEP_COUNT):
        for block in inputs(view(fresh(step))):
            aid = block["element"]["action_id"]
            if aid in SETUP_ACTIONS:
                assert step == 0
                continue
            assert block["block_id"] == aid
            seen.append(aid)
    expected = ["engagement", "stated_need", "slowdown", "duration", "strategic_importance",
                "requirements", "teams",
                *(f"signals.{s}" for s in SIGNAL_IDS),
                *(f"symptoms.{s}" for s in OWNERSHIP_SYMPTOMS), "vendors_in_use",
                *(f"symptoms.{s}" for s in RISK_SYMPTOMS),
                *(f"priorities.{p}" for p in PRIORITY_IDS), "notes"]
    assert seen == expected
    assert set(seen) == set(SPEC_VALUES) | FREE_TEXT


def test_option_values_are_exactly_the_spec_values() -> None:
    for step in range(STEP_COUNT):
        for block in inputs(view(fresh(step))):
            el = block["element"]
            if el["action_id"] in SPEC_VALUES:
                assert {o["value"] for o in el["options"]} == SPEC_VALUES[el["action_id"]]
                assert all(len(o["text"]["text"]) <= 75 for o in el["options"])


def test_required_optional_and_initial_options() -> None:
    by_id = {b["block_id"]: b for s in range(STEP_COUNT) for b in inputs(view(fresh(s)))}
    for path in ("stated_need", "slowdown", *(f"signals.{s}" for s in SIGNAL_IDS)):
        assert by_id[path]["optional"] is False
        assert "initial_option" not in by_id[path]["element"]
    # a preselected answer is always answered: not marked "(optional)"
    for s in SYMPTOM_IDS:
        block = by_id[f"symptoms.{s}"]
        assert block["optional"] is False
        assert block["element"]["initial_option"]["value"] == "never"
    for p in PRIORITY_IDS:
        assert by_id[f"priorities.{p}"]["element"]["initial_option"]["value"] == "medium"
        assert by_id[f"priorities.{p}"]["optional"] is False
    assert by_id["duration"]["element"]["initial_option"]["value"] == "quarter"
    assert by_id["strategic_importance"]["element"]["initial_option"]["value"] == "supporting"
    # the context answers stay unanswered unless chosen: the engine never guesses them
    for path in CONTEXT:
        assert by_id[path]["optional"] is True and "initial_option" not in by_id[path]["element"]
    assert by_id["engagement"]["element"]["max_length"] == ENGAGEMENT_MAX
    assert by_id["notes"]["element"]["max_length"] == NOTES_MAX
    assert by_id["engagement"]["optional"] and by_id["notes"]["optional"]
    optional = sorted(path for path, b in by_id.items() if b["optional"])
    assert optional == sorted(["engagement", "notes", *CONTEXT])  # not "(optional)" everywhere


def test_every_choice_is_one_click_and_words_only() -> None:
    for step in range(STEP_COUNT):
        for block in inputs(view(fresh(step))):
            el = block["element"]
            if el["action_id"] in SPEC_VALUES:
                assert el["type"] == "radio_buttons"
                for o in el["options"]:
                    assert not o["text"]["text"][0].isdigit()  # "Agree", not "4 · Agree"


def test_the_time_shown_is_counted_from_the_clicks() -> None:
    from bot.views.intake import estimate, min_clicks

    intro = view(fresh(0))["blocks"][1]["text"]["text"]
    shown = estimate(channel_preselected=True)
    assert f"about {shown.minutes} minutes" in intro and f"{shown.clicks} clicks" in intro
    assert shown.clicks == min_clicks() == 2 + len(SIGNAL_IDS) + STEP_COUNT
    # opened from App Home: no channel yet, so two more clicks to pick one
    home = view(IntakeState.start(team_id="T1", user_id="U1", channel_id=""))
    assert f"{min_clicks(False)} clicks" in home["blocks"][1]["text"]["text"]
    assert min_clicks(False) == min_clicks() + 2


def test_the_counted_clicks_are_enough_and_each_is_needed() -> None:
    """Walk the four pages picking only what has no preselected answer: no errors, and the
    number of picks plus the page buttons is what the first page promises."""
    from bot.views.intake import min_clicks

    picks = {"stated_need": "own_outcome", "slowdown": "unclear_decisions",
             **{f"signals.{s}": "3" for s in SIGNAL_IDS}}
    clicks = 0
    for step in range(STEP_COUNT):
        v = view(fresh(step))
        mine = {k: v2 for k, v2 in picks.items()
                if any(b["block_id"] == k for b in inputs(v))}
        _partial, errors = parse_step(step, fill(v, mine))
        assert errors == {}
        for left_out in mine:
            rest = {k: x for k, x in mine.items() if k != left_out}
            assert left_out in parse_step(step, fill(v, rest))[1]
        clicks += len(mine) + 1  # one click per radio pick, then Next / Get my verdict
    assert clicks == min_clicks()


def test_step_one_has_the_channel_and_cadence() -> None:
    blocks = {b["block_id"]: b for b in inputs(view(fresh(0)))}
    channel = blocks[POST_CHANNEL_BLOCK]["element"]
    assert channel["type"] == "conversations_select"
    assert channel["action_id"] == Action.INTAKE_POST_CHANNEL.value
    assert channel["initial_conversation"] == "C1"
    assert channel["filter"] == {"include": ["public", "private"], "exclude_bot_users": True}
    cadence = blocks[CADENCE_BLOCK]["element"]
    assert cadence["action_id"] == Action.INTAKE_CADENCE.value
    assert blocks[CADENCE_BLOCK]["dispatch_action"] is True
    assert [o["value"] for o in cadence["options"]] == ["default", "none", "custom"]
    assert LABEL in cadence["options"][0]["text"]["text"]
    assert cadence["initial_option"]["value"] == "default"
    # the box for custom times shows only once "My own times" is picked
    assert CADENCE_CUSTOM_BLOCK not in blocks
    custom_view = view(fresh(0).model_copy(update={"cadence": "custom",
                                                   "cadence_custom": "7d"}))
    custom = next(b for b in inputs(custom_view) if b["block_id"] == CADENCE_CUSTOM_BLOCK)
    assert custom["optional"] is False and custom["element"]["initial_value"] == "7d"
    assert custom["element"]["action_id"] == Action.INTAKE_CADENCE_CUSTOM.value


def test_started_from_app_home_has_no_initial_channel() -> None:
    state = IntakeState.start(team_id="T1", user_id="U1", channel_id="")
    v = view(state)
    validate_modal(v)
    channel = next(b for b in inputs(v) if b["block_id"] == POST_CHANNEL_BLOCK)
    assert "initial_conversation" not in channel["element"]


def test_symptoms_are_grouped_ownership_then_risk() -> None:
    blocks = view(fresh(2))["blocks"]
    ids = [b.get("block_id", b["type"]) for b in blocks]
    first_own = ids.index(f"symptoms.{OWNERSHIP_SYMPTOMS[0]}")
    vendors = ids.index("vendors_in_use")  # opens the group about outside help
    first_risk = ids.index(f"symptoms.{RISK_SYMPTOMS[0]}")
    assert blocks[first_own - 1]["type"] == "context"
    assert blocks[vendors - 1]["type"] == "context" and vendors + 1 == first_risk
    assert first_own < first_risk


# ------------------------------------------------------------------ round trip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers())
def test_answers_survive_every_step(nested: dict[str, Any]) -> None:
    """Pre-fill each step from the answers, read Slack's state back, and get them again."""
    shown = IntakeState.start(team_id="T1", user_id="U1", channel_id="C1", answers=nested)
    collected = IntakeState(team_id="T1", user_id="U1", channel_id="C1")
    for step in range(STEP_COUNT):
        v = view(shown.model_copy(update={"step": step}))
        validate_modal(v)
        partial, errors = parse_step(step, fill(v, {}))
        assert errors == {}
        collected = merge(collected, step, partial)
        assert decode(view(collected)["private_metadata"]) == collected
    intake = Intake.model_validate(to_intake_dict(collected))
    assert intake == Intake.model_validate(nested)
    assert collected.post_channel == "C1" and collected.cadence == "default"


def test_parse_gives_spec_types() -> None:
    partial, errors = parse_step(1, fill(view(fresh(1)), {f"signals.{s}": "4"
                                                         for s in SIGNAL_IDS}))
    assert errors == {}
    assert partial == {f"signals.{s}": 4 for s in SIGNAL_IDS}
    assert all(type(v) is int for v in partial.values())


def test_back_and_forth_keeps_answers_and_clears_a_cleared_text() -> None:
    state = fresh(0)
    partial, _ = parse_step(0, fill(view(state), {"engagement": "Billing", "stated_need":
                                                  "own_outcome", "slowdown": "skill_gap"}))
    state = merge(state, 0, partial)
    again = view(state)
    eng = next(b for b in inputs(again) if b["block_id"] == "engagement")
    assert eng["element"]["initial_value"] == "Billing"
    partial, _ = parse_step(0, fill(again, {"engagement": "   "}))
    assert "engagement" not in merge(state, 0, partial).answers


# ------------------------------------------------------------------ validation


def test_missing_required_answers_are_keyed_by_block_id() -> None:
    _, errors = parse_step(0, fill(view(fresh(0)), {}))
    assert set(errors) == {"stated_need", "slowdown"}
    partial, errors = parse_step(0, {})
    assert set(errors) == {"stated_need", "slowdown", POST_CHANNEL_BLOCK}
    # what has a default falls back on it; the context answers stay unanswered
    assert partial["duration"] == "quarter" and partial["strategic_importance"] == "supporting"
    assert not set(CONTEXT) & set(partial)
    _, errors = parse_step(1, fill(view(fresh(1)), {}))
    assert set(errors) == {f"signals.{s}" for s in SIGNAL_IDS}
    for step in (2, 3):
        assert parse_step(step, {})[1] == {}  # all optional, defaults apply


@pytest.mark.parametrize(("step", "field", "bad", "allowed"), [
    (0, "duration", "forever", "A few weeks (under 3 months); A quarter or two"),
    (0, "stated_need", "more_cowbell", "More engineers on the team"),
    (0, "teams", "many", "One team; Several teams"),
    (1, "signals.roadmap_clear", "6", "Strongly disagree; Disagree"),
    (1, "signals.roadmap_clear", "3.0", "Strongly disagree; Disagree"),
    (2, "symptoms.access_risk", "daily", "Never; Sometimes; Often; All the time"),
    (2, "vendors_in_use", "dozens", "None; One; Several"),
    (3, "priorities.flexibility", "HIGH", "Low; Medium; High"),
])
def test_values_outside_the_spec_are_refused_naming_what_is_allowed(
        step: int, field: str, bad: str, allowed: str) -> None:
    partial, errors = parse_step(step, fill(view(fresh(step)), {field: bad}))
    assert field in errors and allowed in errors[field]
    assert bad not in errors[field] and "_" not in errors[field]  # words, not ids
    assert field not in partial


def test_engagement_and_notes_length() -> None:
    _, errors = parse_step(0, fill(view(fresh(0)), {"engagement": "e" * (ENGAGEMENT_MAX + 1)}))
    assert "engagement" in errors
    partial, errors = parse_step(0, fill(view(fresh(0)), {
        "engagement": "  Name\twith  spaces ", "stated_need": "not_sure",
        "slowdown": "other"}))
    assert errors == {} and partial["engagement"] == "Name with spaces"
    _, errors = parse_step(3, fill(view(fresh(3)), {"notes": "n" * (NOTES_MAX + 1)}))
    assert set(errors) == {"notes"}
    partial, errors = parse_step(3, fill(view(fresh(3)), {"notes": " a\r\nb\x00 "}))
    assert errors == {} and partial["notes"] == "a\nb"


STEP0 = {"stated_need": "own_outcome", "slowdown": "unclear_decisions"}


@pytest.mark.parametrize(("cadence", "custom", "error", "kept"), [
    ("custom", "90s, 10m,2h ,14D", None, "90s,10m,2h,14d"),
    ("custom", "7d,30d", None, "7d,30d"),
    ("custom", "", "7d, 30d", None),
    ("custom", "0d", "longer than zero", None),
    ("custom", "soon", "not a duration", None),
    ("custom", ",".join(["1d"] * 11), "at most 10", None),
    ("default", "soon", None, None),           # ignored unless "custom" is picked
    ("none", "7d", None, "7d"),                 # kept, so Back shows it again
])
def test_custom_cadence(cadence: str, custom: str, error: str | None, kept: str | None) -> None:
    shown = view(fresh(0).model_copy(update={"cadence": "custom"}))  # the box is there
    values = fill(shown, {**STEP0, Action.INTAKE_CADENCE.value: cadence,
                          Action.INTAKE_CADENCE_CUSTOM.value: custom})
    partial, errors = parse_step(0, values)
    if error is None:
        assert errors == {}
        state = merge(fresh(0), 0, partial)
        assert (state.cadence, state.cadence_custom) == (cadence, kept)
    else:
        assert set(errors) == {CADENCE_CUSTOM_BLOCK} and error in errors[CADENCE_CUSTOM_BLOCK]


def test_a_hidden_custom_box_keeps_what_was_typed() -> None:
    state = fresh(0).model_copy(update={"cadence": "none", "cadence_custom": "7d"})
    partial, errors = parse_step(0, fill(view(state), STEP0))
    assert errors == {}
    assert merge(state, 0, partial).cadence_custom == "7d"
    # "My own times" picked but its box not drawn yet (the view before the redraw)
    partial, errors = parse_step(0, fill(view(state), {**STEP0,
                                                       Action.INTAKE_CADENCE.value: "custom"}))
    assert set(errors) == {CADENCE_CUSTOM_BLOCK}


@pytest.mark.parametrize("channel", ["D123", "U1", "c1", "C1<", "", "C" + "1" * 40])
def test_post_channel_must_be_a_channel(channel: str) -> None:
    values = fill(view(fresh(0)), {**STEP0, Action.INTAKE_POST_CHANNEL.value: channel})
    _, errors = parse_step(0, values)
    assert set(errors) == {POST_CHANNEL_BLOCK}


def test_unknown_cadence_is_refused() -> None:
    values = fill(view(fresh(0)), {**STEP0, Action.INTAKE_CADENCE.value: "hourly"})
    _, errors = parse_step(0, values)
    assert set(errors) == {CADENCE_BLOCK} and "Don't check in" in errors[CADENCE_BLOCK]


@pytest.mark.parametrize("values", [
    None, [], "x", {"stated_need": []}, {"stated_need": {"stated_need": None}},
    {"stated_need": {"stated_need": {"type": "static_select", "selected_option": ["a"]}}},
    {"stated_need": {"stated_need": {"type": "static_select",
                                     "selected_option": {"value": ["more_engineers"]}}}},
    {"engagement": {"engagement": {"type": "plain_text_input", "value": 7}}},
])
def test_odd_shapes_are_errors_not_crashes(values: Any) -> None:
    for step in range(STEP_COUNT):
        partial, errors = parse_step(step, values)
        assert isinstance(errors, dict) and isinstance(partial, dict)
    assert parse_step(99, {})[1]


def test_steps_table_matches_the_views() -> None:
    for step, fields in enumerate(STEPS):
        ids = [b["block_id"] for b in inputs(view(fresh(step)))]
        assert [f.path for f in fields] == [i for i in ids if i in {f.path for f in fields}]


def test_shared_input_blocks_are_what_building_them_gives() -> None:
    """answer_input hands out one block per (field, value) for choices and empty boxes:
    each is exactly the block built afresh, a typed text is never shared, and 1 and True
    (equal in Python) are not taken for each other."""
    from bot.views import intake as views

    for step in STEPS:
        for f in step:
            values: list[Any] = [None, *(f.options or {})]
            for value in values:
                first = views.answer_input(f, value)
                assert first == views._build_input(f, value)
                assert views.answer_input(f, value) is first
    text = next(f for step in STEPS for f in step if f.options is None)
    typed = views.answer_input(text, "Payments revamp")
    assert typed["element"]["initial_value"] == "Payments revamp"
    assert views.answer_input(text, "Payments revamp") is not typed
    choice = next(f for step in STEPS for f in step if f.options)
    assert views.answer_input(choice, 1) is not views.answer_input(choice, True)
