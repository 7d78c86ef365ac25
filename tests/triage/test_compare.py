"""compare(): what improved, what got worse, and whether the verdict shifted."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from tests.triage.helpers import scenario
from triage import compare, parse_intake
from triage.models import Comparison, Trend

ONE = scenario("01")
TWO = scenario("02")


def cmp(before: dict[str, Any], after: dict[str, Any]) -> Comparison:
    return compare(parse_intake(before), parse_intake(after))


def test_fewer_symptoms_is_improving_with_from_to_and_why() -> None:
    later = deepcopy(ONE)
    later["symptoms"] = dict(
        ONE["symptoms"], unclear_tickets="sometimes", blocked_on_product="sometimes"
    )
    result = cmp(ONE, later)
    assert result.trend == Trend.IMPROVING and result.worsened == []
    by_field = {c.field: c for c in result.improved}
    assert set(by_field) == {"symptoms.unclear_tickets", "symptoms.blocked_on_product"}
    change = by_field["symptoms.blocked_on_product"]
    assert (change.before, change.after) == ("constantly", "sometimes")
    assert "less" in change.why
    assert result.summary.startswith("improving")


def test_signals_have_a_healthy_direction() -> None:
    later = deepcopy(ONE)
    later["signals"] = dict(ONE["signals"], roadmap_clear=4, steering_bandwidth_limited=2)
    result = cmp(ONE, later)
    assert {c.field for c in result.improved} == {
        "signals.roadmap_clear",
        "signals.steering_bandwidth_limited",
    }
    worse = deepcopy(ONE)
    worse["signals"] = dict(ONE["signals"], leadership_active=1)
    assert [c.field for c in cmp(ONE, worse).worsened] == ["signals.leadership_active"]


def test_descriptive_signals_are_changes_not_verdicts() -> None:
    later = deepcopy(TWO)
    later["signals"] = dict(TWO["signals"], outcome_led_scope=4)
    result = cmp(TWO, later)
    assert [c.field for c in result.changed] == ["signals.outcome_led_scope"]
    assert result.improved == [] and result.worsened == [] and result.trend == Trend.STABLE


def test_worsening_and_shift_of_bottleneck_and_model() -> None:
    later = deepcopy(TWO)
    later["symptoms"] = {
        "unclear_tickets": "constantly",
        "blocked_on_product": "constantly",
        "decisions_bouncing": "constantly",
        "alignment_over_building": "often",
    }
    later["signals"] = dict(
        TWO["signals"],
        roadmap_clear=1,
        leadership_active=2,
        steering_bandwidth_limited=5,
        outcome_led_scope=5,
    )
    later["slowdown"] = "unclear_decisions"
    result = cmp(TWO, later)
    assert result.trend == Trend.WORSENING
    assert result.bottleneck_shift is not None
    assert (result.bottleneck_shift.before, result.bottleneck_shift.after) == (
        "capacity",
        "ownership",
    )
    assert result.model_shift is not None
    assert (result.model_shift.before, result.model_shift.after) == (
        "staff_augmentation",
        "product_delivery",
    )
    assert "product delivery" in result.summary and "ownership" in result.summary
    assert result.summary.endswith("the bottleneck now reads as ownership")
    whys = {c.field: c.why for c in result.worsened}
    assert whys["symptoms.unclear_tickets"] == (
        "Tickets arrive unclear shows up more: Never → All the time")  # labels, not ids
    assert result.follow_up.recommendation.model.value == "product_delivery"


def test_small_setback_among_big_gains_is_still_improving() -> None:
    later = deepcopy(ONE)
    later["symptoms"] = {
        "unclear_tickets": "never",
        "blocked_on_product": "sometimes",
        "decisions_bouncing": "sometimes",
        "alignment_over_building": "often",
    }
    later["signals"] = dict(ONE["signals"], process_stable=2)
    result = cmp(ONE, later)
    assert result.worsened and result.improved
    assert result.trend == Trend.IMPROVING


def test_balanced_moves_are_mixed() -> None:
    later = deepcopy(ONE)
    later["symptoms"] = dict(
        ONE["symptoms"], unclear_tickets="sometimes", contractor_sprawl="sometimes"
    )
    result = cmp(ONE, later)
    assert result.trend == Trend.MIXED
    assert result.summary.startswith("mixed (1 better, 1 worse)")


def test_same_answers_are_stable() -> None:
    result = cmp(TWO, TWO)
    assert result.trend == Trend.STABLE
    assert not result.improved and not result.worsened and not result.changed
    assert result.bottleneck_shift is None and result.model_shift is None
    assert result.summary == "stable (nothing moved)"
