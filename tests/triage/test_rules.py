"""Unit tests of individual rules and of compare()."""

from __future__ import annotations

from copy import deepcopy

import yaml

from tests.triage.test_scenarios import SHARED
from triage import assess, compare, parse_intake
from triage.models import BottleneckKind, RiskId, Trend


def scenario(name: str) -> dict:
    data = yaml.safe_load((SHARED / "scenarios" / name).read_text())
    data.pop("expect")
    return data


ONE = scenario("01_wants_hands_needs_owner.yaml")
TWO = scenario("02_mature_team_needs_hands.yaml")


def test_evidence_names_answers_and_sorted_by_weight() -> None:
    b = assess(parse_intake(ONE)).bottleneck
    weights = [e.weight for e in b.evidence]
    assert weights == sorted(weights, reverse=True)
    assert b.evidence[0].field == "slowdown"
    assert all(e.why for e in b.evidence)
    assert any(e.field == "symptoms.blocked_on_product" and e.value == "constantly"
               for e in b.evidence)


def test_slowdown_alone_flips_a_balanced_case() -> None:
    data = deepcopy(TWO)
    data["signals"] = {k: 3 for k in data["signals"]}
    data["symptoms"] = {}
    data["slowdown"] = "unclear_decisions"
    owner = assess(parse_intake(data)).bottleneck
    data["slowdown"] = "execution_capacity"
    capacity = assess(parse_intake(data)).bottleneck
    assert owner.ownership_score > capacity.ownership_score
    assert capacity.capacity_score > owner.capacity_score


def test_symptoms_listed_with_category_at_sometimes_or_more() -> None:
    result = assess(parse_intake(TWO))
    assert [(s.id, s.level.value, s.category.value) for s in result.symptoms] == [
        ("alignment_over_building", "sometimes", "ownership")]


def test_priorities_change_the_weights_shown_in_the_matrix() -> None:
    data = deepcopy(TWO)
    data["priorities"] = {"governance_risk": "low"}
    low = assess(parse_intake(data)).recommendation.ranking[0].factors["governance_risk"].weight
    data["priorities"] = {"governance_risk": "high"}
    high = assess(parse_intake(data)).recommendation.ranking[0].factors["governance_risk"].weight
    assert high > low


def test_no_mismatch_for_not_sure_even_on_ownership() -> None:
    data = dict(ONE, stated_need="not_sure")
    result = assess(parse_intake(data))
    assert result.bottleneck.kind == BottleneckKind.OWNERSHIP and result.mismatch is None


def test_risks_only_when_justified() -> None:
    calm = assess(parse_intake(TWO))
    assert calm.risks == []
    data = deepcopy(TWO)
    data["symptoms"] = {"access_risk": "often"}
    risks = {r.id: r for r in assess(parse_intake(data)).risks}
    assert RiskId.SECURITY_ACCESS in risks
    assert "symptoms.access_risk" in risks[RiskId.SECURITY_ACCESS].fields


def test_next_steps_depend_on_the_verdict() -> None:
    assert assess(parse_intake(ONE)).next_steps != assess(parse_intake(TWO)).next_steps
    assert any("owns each outcome" in s for s in assess(parse_intake(ONE)).next_steps)


def test_compare_improvement() -> None:
    later = deepcopy(ONE)
    later["symptoms"] = {"unclear_tickets": "sometimes", "blocked_on_product": "sometimes",
                         "decisions_bouncing": "often", "alignment_over_building": "often"}
    result = compare(parse_intake(ONE), parse_intake(later))
    assert result.trend == Trend.IMPROVING
    assert {c.field for c in result.improved} == {"symptoms.unclear_tickets",
                                                  "symptoms.blocked_on_product"}
    assert result.worsened == []


def test_compare_worsening_and_shift() -> None:
    later = deepcopy(TWO)
    later["symptoms"] = {"unclear_tickets": "constantly", "blocked_on_product": "constantly",
                         "decisions_bouncing": "constantly", "alignment_over_building": "sometimes"}
    later["signals"] = dict(TWO["signals"], roadmap_clear=1, leadership_active=2,
                            steering_bandwidth_limited=5, outcome_led_scope=5)
    later["slowdown"] = "unclear_decisions"
    result = compare(parse_intake(TWO), parse_intake(later))
    assert result.trend == Trend.WORSENING
    assert result.bottleneck_shift and result.bottleneck_shift.after == "ownership"
    assert result.model_shift and result.model_shift.before == "staff_augmentation"
    assert "recommendation moved" in result.summary


def test_compare_stable() -> None:
    result = compare(parse_intake(TWO), parse_intake(TWO))
    assert result.trend == Trend.STABLE and not result.improved and not result.worsened
