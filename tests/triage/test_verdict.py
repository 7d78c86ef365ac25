"""Unit tests of mismatch, symptoms, risks and next steps."""

from __future__ import annotations

from typing import Any

import pytest

from tests.triage.helpers import case, scenario, verdict
from triage.models import EngagementModel, RiskId

OWNER_GAP = dict(
    slowdown="unclear_decisions",
    signals=dict(roadmap_clear=2, outcome_led_scope=5, need_fast_decisions=5),
    symptoms=dict(blocked_on_product="often", unclear_tickets="often"),
)


def risks(data: dict[str, Any]) -> dict[RiskId, Any]:
    return {r.id: r for r in verdict(data).risks}


# ---------------------------------------------------------------- symptoms


def test_symptoms_listed_with_category_from_sometimes_up() -> None:
    result = verdict(
        case(
            symptoms={
                "alignment_over_building": "sometimes",
                "access_risk": "constantly",
                "unclear_tickets": "never",
            }
        )
    )
    assert [(s.id, s.level.value, s.category.value) for s in result.symptoms] == [
        ("alignment_over_building", "sometimes", "ownership"),
        ("access_risk", "constantly", "risk"),
    ]


# ---------------------------------------------------------------- mismatch


def test_asking_for_engineers_with_an_ownership_gap_is_a_loud_mismatch() -> None:
    result = verdict(case(stated_need="more_engineers", **OWNER_GAP))
    assert result.mismatch is not None
    assert result.mismatch.stated == EngagementModel.STAFF_AUGMENTATION
    assert result.mismatch.recommended == result.recommendation.model
    assert "slow it down" in result.mismatch.why and "ownership" in result.mismatch.why


def test_the_same_answers_without_a_stated_model_never_mismatch() -> None:
    assert verdict(case(stated_need="not_sure", **OWNER_GAP)).mismatch is None


def test_asking_for_what_is_recommended_is_no_mismatch() -> None:
    assert verdict(case(stated_need="own_outcome", **OWNER_GAP)).mismatch is None


def test_well_led_team_asking_for_an_owner_hears_it_needs_capacity() -> None:
    data = dict(scenario("02"), stated_need="own_outcome")
    result = verdict(data)
    assert result.mismatch is not None and "capacity" in result.mismatch.why


def test_generic_mismatch_quotes_the_scores_and_names_the_answers() -> None:
    # An outcome team asked for a commodity function with settled requirements: no specific
    # rule fits, so the generic wording, with the answers that decided it in words.
    result = verdict(case(stated_need="own_outcome", strategic_importance="commodity",
                          requirements="stable", duration="long_term"))
    assert result.recommendation.model == EngagementModel.MANAGED_SERVICES
    assert result.mismatch is not None and " of 5" in result.mismatch.why
    assert "How central the work is: Commodity" in result.mismatch.why
    assert {"strategic_importance", "requirements"} <= set(result.mismatch.fields)


def test_a_neutral_request_is_kept_not_contradicted() -> None:
    """Weak evidence: what the leader asked for stays first, as a close call, no mismatch."""
    for need, model in (("outsource_function", EngagementModel.MANAGED_SERVICES),
                        ("more_engineers", EngagementModel.STAFF_AUGMENTATION),
                        ("own_outcome", EngagementModel.PRODUCT_DELIVERY)):
        result = verdict(case(stated_need=need))
        assert result.recommendation.model == model
        assert result.recommendation.close_call[0] == model
        assert result.mismatch is None


# ---------------------------------------------------------------- risks


def test_calm_answers_raise_no_risks() -> None:
    assert verdict(scenario("02")).risks == []
    assert verdict(case()).risks == []


@pytest.mark.parametrize(
    ("symptom", "risk"),
    [
        ("contractor_sprawl", RiskId.CONTRACTOR_SPRAWL),
        ("knowledge_drain", RiskId.KNOWLEDGE_DRAIN),
        ("black_box_vendor", RiskId.BLACK_BOX),
        ("skill_mismatch", RiskId.SKILL_MISMATCH),
        ("access_risk", RiskId.SECURITY_ACCESS),
    ],
)
def test_each_risk_symptom_raises_its_risk(symptom: str, risk: RiskId) -> None:
    assert risk not in risks(case())
    raised = risks(case(symptoms={symptom: "sometimes"}))
    assert risk in raised and f"symptoms.{symptom}" in raised[risk].fields


def test_long_staff_augmentation_risks_drain_and_sprawl_only_with_several_teams() -> None:
    raised = risks(case(stated_need="more_engineers", duration="long_term"))
    assert {"stated_need", "duration"} <= set(raised[RiskId.KNOWLEDGE_DRAIN].fields)
    assert RiskId.CONTRACTOR_SPRAWL not in raised  # one team or unknown: no sprawl
    assert RiskId.CONTRACTOR_SPRAWL not in risks(
        case(stated_need="more_engineers", duration="long_term", teams="one",
             vendors_in_use="one"))
    for more in ({"teams": "several"}, {"vendors_in_use": "several"}):
        sprawl = risks(case(stated_need="more_engineers", duration="long_term", **more))
        assert set(more) <= set(sprawl[RiskId.CONTRACTOR_SPRAWL].fields)


def test_black_box_belongs_to_core_or_changing_work_not_to_a_commodity_under_sla() -> None:
    commodity = risks(case(stated_need="outsource_function", strategic_importance="commodity",
                           requirements="stable", signals={"outcome_led_scope": 5}))
    assert RiskId.BLACK_BOX not in commodity
    moving = risks(case(stated_need="outsource_function", requirements="evolving"))
    assert "requirements" in moving[RiskId.BLACK_BOX].fields


def test_a_niche_skill_bought_from_outside_risks_knowledge_drain() -> None:
    raised = risks(case(stated_need="more_engineers", slowdown="skill_gap"))
    assert "slowdown" in raised[RiskId.KNOWLEDGE_DRAIN].fields
    assert RiskId.KNOWLEDGE_DRAIN not in risks(case(stated_need="more_engineers"))


def test_core_product_with_a_vendor_is_a_black_box() -> None:
    raised = risks(case(stated_need="outsource_function", strategic_importance="core"))
    assert "strategic_importance" in raised[RiskId.BLACK_BOX].fields
    assert RiskId.BLACK_BOX not in risks(case(stated_need="outsource_function"))


def test_long_service_contract_locks_in() -> None:
    raised = risks(case(stated_need="outsource_function", duration="long_term"))
    assert RiskId.VENDOR_LOCK_IN in raised
    assert RiskId.VENDOR_LOCK_IN not in risks(
        case(stated_need="more_engineers", duration="long_term")
    )


def test_skill_gap_filled_by_augmentation_risks_mismatch() -> None:
    assert RiskId.SKILL_MISMATCH in risks(case(stated_need="more_engineers", slowdown="skill_gap"))
    assert RiskId.SKILL_MISMATCH not in risks(case(stated_need="more_engineers"))


def test_management_overhead_needs_augmentation_and_short_steering() -> None:
    raised = risks(case(stated_need="more_engineers", signals={"steering_bandwidth_limited": 5}))
    assert "signals.steering_bandwidth_limited" in raised[RiskId.MANAGEMENT_OVERHEAD].fields
    assert RiskId.MANAGEMENT_OVERHEAD not in risks(
        case(stated_need="own_outcome", signals={"steering_bandwidth_limited": 5})
    )


def test_risk_why_carries_the_reasons_for_this_case() -> None:
    raised = risks(
        case(
            stated_need="more_engineers",
            duration="long_term",
            symptoms={"contractor_sprawl": "often"},
        )
    )
    why = raised[RiskId.CONTRACTOR_SPRAWL].why
    assert "on their own" in why
    assert "Teams bring in contractors on their own: Often" in why  # the answer, in words
    assert "symptoms." not in why


# ---------------------------------------------------------------- next steps


def test_next_steps_follow_the_verdict() -> None:
    owner = verdict(scenario("01")).next_steps
    hands = verdict(scenario("02")).next_steps
    vendor = verdict(scenario("03")).next_steps
    assert any("owns it end to end" in s for s in owner)
    assert not any("owns it end to end" in s for s in hands)
    assert any("real piece of your work" in s for s in hands)
    assert any("ISO 27001" in s and "SOC 2" in s for s in vendor)
    assert not any("ISO 27001" in s for s in owner)
    # one team (or not said): no "start with one team, then extend"; a check-in decision
    assert all(not any("one team" in s for s in steps) for steps in (owner, hands, vendor))
    assert all(any("first check-in" in s for s in steps) for steps in (owner, hands, vendor))
    several = verdict(dict(scenario("02"), teams="several")).next_steps
    assert any("Start the chosen model with one team" in s for s in several)


def test_no_contractor_audit_without_contractors() -> None:
    none = verdict(dict(scenario("02"), vendors_in_use="none")).next_steps
    some = verdict(dict(scenario("02"), vendors_in_use="one")).next_steps
    assert not any("Audit" in s for s in none)
    assert any("Audit" in s for s in some)


def test_unclear_verdict_starts_by_finding_out() -> None:
    for need in ("not_sure", "more_engineers", "outsource_function"):
        assert verdict(case(stated_need=need)).next_steps[0].startswith("Find out where")


def test_skill_mismatch_risk_asks_to_count_rework() -> None:
    steps = verdict(case(symptoms={"skill_mismatch": "often"})).next_steps
    assert any("rework" in s for s in steps)


def test_unvetted_access_asks_for_the_list_of_sensitive_systems() -> None:
    steps = verdict(case(symptoms={"access_risk": "sometimes"})).next_steps
    assert any("unvetted" in s for s in steps)
    assert not any("unvetted" in s for s in verdict(case()).next_steps)
