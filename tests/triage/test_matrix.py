"""Unit tests of the decision matrix: base scores, context, weights, fit row, ranking."""

from __future__ import annotations

from typing import Any

import pytest

from tests.triage.helpers import case, scenario, verdict
from triage import scoring as S
from triage import tables as T
from triage.models import PRIORITY_IDS, EngagementModel, RankedModel
from triage.rules import Row


def cells(data: dict[str, Any]) -> dict[str, RankedModel]:
    return {r.model.value: r for r in verdict(data).recommendation.ranking}


def test_every_model_scores_every_factor_and_the_fit() -> None:
    ranking = verdict(scenario("02")).recommendation.ranking
    assert next(r.model for r in ranking) == EngagementModel.STAFF_AUGMENTATION
    for r in ranking:
        assert list(r.factors) == [*PRIORITY_IDS, T.FIT_FACTOR]


def test_score_is_the_weighted_mean_of_the_cells_shown() -> None:
    for r in verdict(scenario("01")).recommendation.ranking:
        total = sum(c.weight for c in r.factors.values())
        mean = sum(c.weight * c.score for c in r.factors.values()) / total
        assert r.score == pytest.approx(mean, abs=0.001)


def test_priority_levels_set_the_weights() -> None:
    row = cells(case(priorities={"governance_risk": "low", "flexibility": "high"}))
    factors = row["staff_augmentation"].factors
    assert factors["governance_risk"].weight < factors["cost_predictability"].weight
    assert factors["flexibility"].weight > factors["cost_predictability"].weight


def test_raising_a_priority_favours_the_model_strong_on_it() -> None:
    low = cells(case(priorities={"governance_risk": "low"}))
    high = cells(case(priorities={"governance_risk": "high"}))
    gap = lambda row: row["managed_marketplace"].score - row["staff_augmentation"].score  # noqa: E731
    assert gap(high) > gap(low)


def test_core_product_lowers_managed_services_control_and_changing_work_its_flexibility() -> None:
    plain = cells(case(strategic_importance="supporting"))["managed_services"].factors
    core = cells(case(strategic_importance="core"))["managed_services"].factors
    moving = cells(case(requirements="evolving"))["managed_services"].factors
    for changed, factor in ((core, "strategic_control"), (moving, "flexibility")):
        assert changed[factor].score < plain[factor].score
        assert changed[factor].notes and changed[factor].base == plain[factor].score
    assert core["flexibility"].score == plain["flexibility"].score


def test_limited_steering_makes_staff_augmentation_a_management_burden() -> None:
    limited = cells(case(signals={"steering_bandwidth_limited": 5}))
    free = cells(case(signals={"steering_bandwidth_limited": 2}))
    burden = "management_burden"
    assert (
        limited["staff_augmentation"].factors[burden].score
        < free["staff_augmentation"].factors[burden].score
    )
    assert limited["staff_augmentation"].factors[burden].score == 1.5  # 2, less 0.25 a notch


def test_short_work_protects_staff_augmentation_knowledge_retention() -> None:
    weeks = cells(case(duration="weeks"))["staff_augmentation"].factors
    long_term = cells(case(duration="long_term"))["staff_augmentation"].factors
    assert weeks["knowledge_retention"].score > long_term["knowledge_retention"].score


def test_fit_row_follows_the_diagnosis() -> None:
    owner = cells(scenario("01"))
    hands = cells(scenario("02"))
    fit = T.FIT_FACTOR
    assert (
        owner["product_delivery"].factors[fit].score
        > owner["staff_augmentation"].factors[fit].score
    )
    assert (
        hands["staff_augmentation"].factors[fit].score
        > hands["product_delivery"].factors[fit].score
    )


def test_fit_weight_grows_with_confidence() -> None:
    sure = verdict(scenario("01"))
    unsure = verdict(case())
    assert sure.bottleneck.confidence > unsure.bottleneck.confidence
    fit = T.FIT_FACTOR
    assert (
        sure.recommendation.ranking[0].factors[fit].weight
        > unsure.recommendation.ranking[0].factors[fit].weight
    )


def test_commodity_function_favours_managed_services_fit() -> None:
    plain = cells(case())["managed_services"].factors[T.FIT_FACTOR]
    row = cells(case(strategic_importance="commodity"))["managed_services"].factors[T.FIT_FACTOR]
    assert row.score == plain.score + 1
    assert any("commodity" in n for n in row.notes)


def test_one_notch_of_a_signal_moves_a_cell_by_a_fraction() -> None:
    """Leadership 4 -> 3 moves staff augmentation's cells by quarter points, not by three
    whole points at once (issue 11, cause 6)."""
    four = cells(case(signals={"leadership_active": 4}))["staff_augmentation"].factors
    three = cells(case(signals={"leadership_active": 3}))["staff_augmentation"].factors
    moved = sum(abs(four[f].score - three[f].score) for f in four if f != T.FIT_FACTOR)
    assert 0 < moved <= 0.5


def test_ties_are_broken_by_the_fixed_model_order(monkeypatch: pytest.MonkeyPatch) -> None:
    flat = {f: Row(3, 3, 3, 3, "flat") for f in S.BASE}
    monkeypatch.setattr(S, "BASE", flat)
    monkeypatch.setattr(S, "MOVES", ())
    result = verdict(case())
    ranking = result.recommendation.ranking
    assert len({r.score for r in ranking}) == 1
    assert [r.model.value for r in ranking] == list(T.MODELS)
    assert result.recommendation.close_call == [r.model for r in ranking]


def test_with_no_priority_raised_the_base_scores_cancel_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every model's base row has the same total: with no priority raised and nothing else
    said, the base scores alone leave all four models level (nobody wins by default)."""
    monkeypatch.setattr(S, "MOVES", ())
    ranking = verdict(case()).recommendation.ranking
    assert len({r.score for r in ranking}) == 1
    # and neutral answers as given (a quarter, a supporting function) are a close call
    monkeypatch.undo()
    assert len(verdict(case()).recommendation.close_call) == 4


def test_rationale_names_the_driving_answers_and_the_winner() -> None:
    lines = verdict(scenario("01")).recommendation.rationale
    text = " ".join(lines)
    assert "Driven most by: The people who would steer this work have little time" in text
    assert "Product delivery ranks first" in text
    assert "slowdown" not in text and "signals." not in text  # labels, never ids
    assert 3 <= len(lines) <= 8
