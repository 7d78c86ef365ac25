"""Unit tests of the decision matrix: base scores, context, weights, fit row, ranking."""

from __future__ import annotations

from typing import Any

import pytest

from tests.triage.helpers import case, scenario, verdict
from triage import tables as T
from triage.models import PRIORITY_IDS, EngagementModel, RankedModel


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


def test_core_product_lowers_managed_services_control_and_flexibility() -> None:
    core = cells(case(strategic_importance="core"))["managed_services"].factors
    plain = cells(case(strategic_importance="supporting"))["managed_services"].factors
    for factor in ("strategic_control", "flexibility"):
        assert core[factor].score < plain[factor].score
        assert core[factor].notes and core[factor].base == plain[factor].score


def test_limited_steering_makes_staff_augmentation_a_management_burden() -> None:
    limited = cells(case(signals={"steering_bandwidth_limited": 5}))
    free = cells(case(signals={"steering_bandwidth_limited": 2}))
    burden = "management_burden"
    assert (
        limited["staff_augmentation"].factors[burden].score
        < free["staff_augmentation"].factors[burden].score
    )
    assert limited["staff_augmentation"].factors[burden].score == 1


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
    row = cells(case(strategic_importance="commodity"))
    assert row["managed_services"].factors[T.FIT_FACTOR].score == 5
    assert any("non-core" in n for n in row["managed_services"].factors[T.FIT_FACTOR].notes)


def test_ties_are_broken_by_the_fixed_model_order(monkeypatch: pytest.MonkeyPatch) -> None:
    flat = {f: (3, 3, 3, 3) for f in T.BASE_SCORES}
    monkeypatch.setattr(T, "BASE_SCORES", flat)
    monkeypatch.setattr(T, "ADJUSTMENTS", ())
    monkeypatch.setattr(T, "FIT_ADJUSTMENTS", ())
    ranking = verdict(case()).recommendation.ranking
    assert len({r.score for r in ranking}) == 1
    assert [r.model.value for r in ranking] == list(T.MODELS)


def test_rationale_names_the_driving_answers_and_the_winner() -> None:
    lines = verdict(scenario("01")).recommendation.rationale
    text = " ".join(lines)
    assert "slowdown = unclear_decisions" in text
    assert "Product delivery ranks first" in text
    assert 3 <= len(lines) <= 8
