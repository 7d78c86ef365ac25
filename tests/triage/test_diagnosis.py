"""Unit tests of the diagnosis rules: which answers lean which way, kind and confidence."""

from __future__ import annotations

import pytest

from tests.triage.helpers import case, scenario, verdict
from triage.diagnose import classify
from triage.models import BottleneckKind


def test_scenario_one_evidence_names_the_answers_strongest_first() -> None:
    b = verdict(scenario("01")).bottleneck
    weights = [e.weight for e in b.evidence]
    assert weights == sorted(weights, reverse=True)
    [slowdown] = [e for e in b.evidence if e.field == "slowdown"]
    assert slowdown.leans == "ownership" and slowdown.weight == weights[0]
    assert all(e.why for e in b.evidence)
    assert any(
        e.field == "symptoms.blocked_on_product" and e.value == "constantly" for e in b.evidence
    )


@pytest.mark.parametrize(
    ("signal", "value", "leans"),
    [
        ("roadmap_clear", 5, "capacity"),
        ("roadmap_clear", 1, "ownership"),
        ("leadership_active", 4, "capacity"),
        ("leadership_active", 2, "ownership"),
        ("process_stable", 5, "capacity"),
        ("process_stable", 1, "ownership"),
        ("need_senior_capacity", 5, "capacity"),
        ("outcome_led_scope", 5, "ownership"),
        ("outcome_led_scope", 1, "capacity"),
        ("design_engineering_together", 4, "ownership"),
        ("steering_bandwidth_limited", 5, "ownership"),
        ("need_fast_decisions", 5, "ownership"),
    ],
)
def test_each_signal_leans_its_way(signal: str, value: int, leans: str) -> None:
    b = verdict(case(signals={signal: value})).bottleneck
    [item] = b.evidence
    assert (item.field, item.value, item.leans) == (f"signals.{signal}", value, leans)
    side = b.ownership_score if leans == "ownership" else b.capacity_score
    other = b.capacity_score if leans == "ownership" else b.ownership_score
    assert other == 0
    # agreeing adds to the statement's side; disagreeing takes from it (and, for the
    # statements that are each other's mirror, adds a little to the other side)
    assert side > 0 or (value < 3 and signal in ("process_stable",))


def test_neutral_signals_and_disagreeing_with_wanting_hands_are_no_evidence() -> None:
    assert verdict(case()).bottleneck.evidence == []
    assert verdict(case(signals={"need_senior_capacity": 1})).bottleneck.evidence == []


@pytest.mark.parametrize(
    ("slowdown", "leans"),
    [
        ("unclear_decisions", "ownership"),
        ("execution_capacity", "capacity"),
        ("skill_gap", "capacity"),
        ("quality_risk", None),
        ("other", None),
    ],
)
def test_slowdown_answer(slowdown: str, leans: str | None) -> None:
    evidence = verdict(case(slowdown=slowdown)).bottleneck.evidence
    assert [e.leans for e in evidence if e.field == "slowdown"] == ([leans] if leans else [])


def test_ownership_symptoms_count_by_level() -> None:
    scores = [
        verdict(case(symptoms={"unclear_tickets": lvl})).bottleneck.ownership_score
        for lvl in ("never", "sometimes", "often", "constantly")
    ]
    assert scores == sorted(scores) and len(set(scores)) == 4


def test_risk_symptoms_do_not_move_the_diagnosis() -> None:
    b = verdict(case(symptoms={"contractor_sprawl": "constantly", "access_risk": "often"}))
    assert b.bottleneck.ownership_score == 0 and b.bottleneck.capacity_score == 0


def test_wanting_hands_counts_little_when_ownership_symptoms_show() -> None:
    calm = verdict(case(signals={"need_senior_capacity": 5})).bottleneck
    noisy = verdict(
        case(signals={"need_senior_capacity": 5}, symptoms={"blocked_on_product": "often"})
    ).bottleneck
    [calm_item] = [e for e in calm.evidence if e.field == "signals.need_senior_capacity"]
    [noisy_item] = [e for e in noisy.evidence if e.field == "signals.need_senior_capacity"]
    assert noisy_item.weight < calm_item.weight
    assert noisy.capacity_score < calm.capacity_score
    assert "wish" in noisy_item.why


def test_neutral_is_unclear_with_low_confidence() -> None:
    b = verdict(case()).bottleneck
    assert b.kind == BottleneckKind.UNCLEAR and b.confidence < 0.3


def test_strong_evidence_on_both_sides_is_mixed() -> None:
    b = verdict(
        case(
            slowdown="execution_capacity",
            signals=dict(
                roadmap_clear=5,
                leadership_active=5,
                process_stable=5,
                outcome_led_scope=5,
                design_engineering_together=5,
                need_fast_decisions=5,
            ),
            symptoms=dict(blocked_on_product="often", unclear_tickets="often"),
        )
    ).bottleneck
    assert b.kind == BottleneckKind.MIXED
    assert b.ownership_score > 0.3 and b.capacity_score > 0.3


def test_a_little_on_each_side_is_unclear_not_mixed() -> None:
    kind, confidence = classify(0.26, 0.22)
    assert kind == BottleneckKind.UNCLEAR and confidence < 0.5


@pytest.mark.parametrize(
    ("own", "cap", "kind"),
    [
        (0.8, 0.05, BottleneckKind.OWNERSHIP),
        (0.05, 0.8, BottleneckKind.CAPACITY),
        (0.1, 0.1, BottleneckKind.UNCLEAR),
        (0.6, 0.55, BottleneckKind.MIXED),
    ],
)
def test_classify(own: float, cap: float, kind: BottleneckKind) -> None:
    assert classify(own, cap)[0] == kind


def test_confidence_grows_with_clarity() -> None:
    clear = classify(0.8, 0.0)[1]
    muddy = classify(0.8, 0.4)[1]
    weak = classify(0.3, 0.0)[1]
    assert clear > muddy and clear > weak
    assert min(clear, muddy, weak) >= 0.0 and max(clear, muddy, weak) <= 1.0


def test_scenario_confidence_is_high_for_clear_cases() -> None:
    assert verdict(scenario("01")).bottleneck.confidence >= 0.8
    assert verdict(scenario("02")).bottleneck.confidence >= 0.8
