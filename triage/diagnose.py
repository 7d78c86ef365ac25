"""Ownership or capacity? Weigh every answer, keep the ones that moved the balance."""

from __future__ import annotations

from triage import tables as T
from triage.models import (
    OWNERSHIP_SYMPTOMS,
    SIGNAL_IDS,
    Bottleneck,
    BottleneckKind,
    Evidence,
    Intake,
    Level,
)

_SIDES = ("ownership", "capacity")


def _max_points(side: str) -> float:
    """The most points a side can collect; scores are points over this."""
    total = 0.0
    for agree_side, agree_w, disagree_side, disagree_w in T.SIGNAL_WEIGHTS.values():
        total += 2 * (agree_w if agree_side == side else 0.0)
        total += 2 * (disagree_w if disagree_side == side else 0.0)
    if side == "ownership":
        total += len(OWNERSHIP_SYMPTOMS) * max(T.SYMPTOM_POINTS.values())
    total += max(w for s, w in T.SLOWDOWN_POINTS.values() if s == side)
    return total


_MAX = {side: _max_points(side) for side in _SIDES}


def _wants_hands_discounted(intake: Intake) -> bool:
    at = Level(str(T.WANTS_HANDS["discount_when_ownership_symptoms_at"])).rank
    return any(intake.symptom(s).rank >= at for s in OWNERSHIP_SYMPTOMS)


def diagnose(intake: Intake) -> Bottleneck:
    points = dict.fromkeys(_SIDES, 0.0)
    evidence: list[Evidence] = []

    def add(field: str, value: int | str, side: str, weight: float, why: str) -> None:
        points[side] += weight
        evidence.append(
            Evidence(
                field=field,
                value=value,
                why=why,
                leans="ownership" if side == "ownership" else "capacity",
                weight=round(weight, 3),
            )
        )

    discounted = _wants_hands_discounted(intake)
    for sid in SIGNAL_IDS:
        agree_side, agree_w, disagree_side, disagree_w = T.SIGNAL_WEIGHTS[sid]
        value = intake.signal(sid)
        step = value - 3
        why_agree, why_disagree = T.EVIDENCE_WHY[f"signals.{sid}"]
        if step > 0 and agree_w:
            weight, why = step * agree_w, why_agree
            if sid == T.WANTS_HANDS["signal"] and discounted:
                weight, why = weight * float(T.WANTS_HANDS["share"]), T.WANTS_HANDS_WHY
            add(f"signals.{sid}", value, agree_side, weight, why)
        elif step < 0 and disagree_side and disagree_w:
            add(f"signals.{sid}", value, disagree_side, -step * disagree_w, why_disagree)

    for sid in OWNERSHIP_SYMPTOMS:
        level = intake.symptom(sid)
        weight = T.SYMPTOM_POINTS[level.value]
        if weight:
            add(
                f"symptoms.{sid}",
                level.value,
                "ownership",
                weight,
                T.EVIDENCE_WHY[f"symptoms.{sid}"][0],
            )

    slow_side, slow_w = T.SLOWDOWN_POINTS[intake.slowdown.value]
    if slow_side and slow_w:
        add("slowdown", intake.slowdown.value, slow_side, slow_w, T.EVIDENCE_WHY["slowdown"][0])

    own = round(min(points["ownership"] / _MAX["ownership"], 1.0), 4)
    cap = round(min(points["capacity"] / _MAX["capacity"], 1.0), 4)
    kind, confidence = classify(own, cap)
    evidence.sort(key=lambda e: (-e.weight, e.field))
    return Bottleneck(
        kind=kind,
        confidence=confidence,
        ownership_score=own,
        capacity_score=cap,
        summary=T.KIND_SUMMARY[kind.value],
        evidence=evidence,
    )


def classify(own: float, cap: float) -> tuple[BottleneckKind, float]:
    """The kind and how sure we are, from the two side scores (0..1)."""
    th = T.THRESHOLDS
    strongest, weakest = max(own, cap), min(own, cap)
    if strongest < th["weak"]:
        return BottleneckKind.UNCLEAR, round(min(th["unclear_ceiling"], 0.1 + strongest), 2)
    if weakest >= th["balance"] * strongest:
        if weakest < th["mixed_floor"]:
            # A little on each side: say so, with low confidence.
            return BottleneckKind.UNCLEAR, round(min(th["unclear_ceiling"], weakest), 2)
        # Strong on both sides: sure that both gaps exist, as sure as the weaker side is strong.
        both = min(weakest / th["full_strength"], 1.0)
        return BottleneckKind.MIXED, round(th["base_confidence"] + th["confidence_span"] * both, 2)
    clarity = (strongest - weakest) / (own + cap)
    strength = min(strongest / th["full_strength"], 1.0)
    kind = BottleneckKind.OWNERSHIP if own > cap else BottleneckKind.CAPACITY
    confidence = th["base_confidence"] + th["confidence_span"] * clarity * strength
    return kind, round(min(confidence, 1.0), 2)
