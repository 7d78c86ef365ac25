"""Ownership or capacity? Count each side's evidence in notches; keep what moved the balance.

Each side collects what speaks *for* it (agreeing with its statements, naming it as the
slowdown, and for ownership the symptoms article 000 lists) and loses what contradicts it
(disagreeing with its own statements). Nothing is divided by a maximum the answers could
never reach, so agreeing with one side's four statements reads as that side, agreeing with
both reads as mixed, and only weak or contradictory answers read as unclear.
"""

from __future__ import annotations

from triage import scoring as S
from triage import wording as W
from triage.models import (
    OWNERSHIP_SYMPTOMS,
    SIGNAL_IDS,
    Bottleneck,
    BottleneckKind,
    Evidence,
    Intake,
)

OWN, CAP = BottleneckKind.OWNERSHIP, BottleneckKind.CAPACITY


def _other(side: BottleneckKind) -> BottleneckKind:
    return CAP if side == OWN else OWN


def ownership_symptom_notches(intake: Intake) -> float:
    return sum(S.SYMPTOM_NOTCHES[intake.symptom(s)] for s in OWNERSHIP_SYMPTOMS)


def wish_share(intake: Intake) -> float:
    """How much "we need seniors" still counts, given the ownership symptoms present."""
    return 1.0 - S.WISH_DISCOUNT * min(1.0, ownership_symptom_notches(intake) / 2.0)


def diagnose(intake: Intake) -> Bottleneck:
    notches = {OWN: 0.0, CAP: 0.0}
    evidence: list[Evidence] = []

    def add(field: str, value: int | str, side: BottleneckKind, moved: float, why: str) -> None:
        evidence.append(
            Evidence(
                field=field,
                value=value,
                why=why,
                leans="ownership" if side == OWN else "capacity",
                weight=round(moved * S.NOTCH, 4),
            )
        )

    for sid in SIGNAL_IDS:
        reading = S.SIGNALS[sid]
        value = intake.signal(sid)
        step = value - 3
        why_agree, why_disagree = W.EVIDENCE_WHY[f"signals.{sid}"]
        if step > 0 and reading.agree:
            moved = step * reading.agree
            why = why_agree
            if sid == S.WISH_SIGNAL and wish_share(intake) < 1.0:
                moved *= wish_share(intake)
                why = W.WISH_WHY
            notches[reading.side] += moved
            if moved > 0:
                add(f"signals.{sid}", value, reading.side, moved, why)
        elif step < 0:
            cross, against = -step * reading.cross, -step * reading.against
            notches[_other(reading.side)] += cross
            notches[reading.side] -= against
            if cross + against > 0:
                add(f"signals.{sid}", value, _other(reading.side), cross + against, why_disagree)

    for sid in OWNERSHIP_SYMPTOMS:
        level = intake.symptom(sid)
        moved = S.SYMPTOM_NOTCHES[level]
        if moved:
            notches[OWN] += moved
            add(f"symptoms.{sid}", level.value, OWN, moved, W.EVIDENCE_WHY[f"symptoms.{sid}"][0])

    side, moved = S.SLOWDOWN_NOTCHES[intake.slowdown]
    if side is not None and moved:
        notches[side] += moved
        add("slowdown", intake.slowdown.value, side, moved, W.EVIDENCE_WHY["slowdown"][0])

    own = round(min(max(notches[OWN] * S.NOTCH, 0.0), 1.0), 4)
    cap = round(min(max(notches[CAP] * S.NOTCH, 0.0), 1.0), 4)
    kind, confidence = classify(own, cap)
    evidence.sort(key=lambda e: (-e.weight, e.field))
    return Bottleneck(
        kind=kind,
        confidence=confidence,
        ownership_score=own,
        capacity_score=cap,
        summary=W.KIND_SUMMARY[kind.value],
        evidence=evidence,
    )


def _grown(strength: float) -> float:
    """0 at the clear threshold, 1 from FULL up."""
    return min(max((strength - S.CLEAR) / (S.FULL - S.CLEAR), 0.0), 1.0)


def classify(own: float, cap: float) -> tuple[BottleneckKind, float]:
    """The kind and how sure we are, from the two side scores (0..1).

    Neither side clear: unclear (0.20..0.45, by the stronger side). Both clear: mixed, as sure
    as the weaker side is strong. One clear: that side, surer the stronger it is and the
    less the other side competes with it.
    """
    c = S.CONFIDENCE
    strong, weak = max(own, cap), min(own, cap)
    if strong < S.CLEAR:
        span = c["unclear_high"] - c["unclear_low"]
        return BottleneckKind.UNCLEAR, round(c["unclear_low"] + span * strong / S.CLEAR, 2)
    span = c["high"] - c["low"]
    if weak >= S.CLEAR:
        return BottleneckKind.MIXED, round(c["low"] + span * _grown(weak), 2)
    kind = OWN if own > cap else CAP
    return kind, round(c["low"] + span * _grown(strong) * (1.0 - weak / strong), 2)


def strength(own: float, cap: float) -> float:
    """How clear the evidence is, 0 (none) .. 1 (a side at the clear threshold or above)."""
    return min(max(own, cap) / S.CLEAR, 1.0)
