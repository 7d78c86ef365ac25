"""Assessments built directly from the models (no engine), and answers for the modals."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from bot.views.metadata import ENGAGEMENT_MAX, NOTES_MAX, clean_line, clean_multiline
from triage.models import (
    PRIORITY_IDS,
    SIGNAL_IDS,
    SYMPTOM_IDS,
    Assessment,
    Bottleneck,
    BottleneckKind,
    Duration,
    EngagementModel,
    Evidence,
    FactorCell,
    Importance,
    Level,
    Mismatch,
    RankedModel,
    Recommendation,
    Requirements,
    Risk,
    RiskId,
    Slowdown,
    StatedNeed,
    SymptomFinding,
    Teams,
    VendorsInUse,
    Weight,
    symptom_category,
)

FACTORS = (*PRIORITY_IDS, "bottleneck_fit")
MODELS = tuple(EngagementModel)


def ranked(model: EngagementModel, score: float, *, why: str = "fits well") -> RankedModel:
    cells = {f: FactorCell(weight=2.0 if f != "bottleneck_fit" else 5.5, score=1 + i % 5,
                           base=1 + i % 5 if i % 3 else 2 + i % 4,
                           notes=[] if i % 3 else [f"+1: {why}"])
             for i, f in enumerate(FACTORS)}
    return RankedModel(model=model, score=score, factors=cells, fit=f"{model.value}: {why}")


def assessment(*, mismatch: bool = True, symptoms: bool = True, risks: bool = True,
               engagement: str = "Checkout revamp", why: str = "because the answers say so",
               evidence: int = 5, next_steps: int = 4, kind: BottleneckKind =
               BottleneckKind.OWNERSHIP, close_call: int = 0) -> Assessment:
    order = (EngagementModel.PRODUCT_DELIVERY, EngagementModel.MANAGED_MARKETPLACE,
             EngagementModel.MANAGED_SERVICES, EngagementModel.STAFF_AUGMENTATION)
    ranking = [ranked(m, 4.0 - i * 0.7, why=why) for i, m in enumerate(order)]
    fields = [f"signals.{s}" for s in SIGNAL_IDS] + [f"symptoms.{s}" for s in SYMPTOM_IDS]
    return Assessment(
        engagement=engagement,
        stated_need=StatedNeed.MORE_ENGINEERS if mismatch else StatedNeed.OWN_OUTCOME,
        bottleneck=Bottleneck(
            kind=kind, confidence=0.78, ownership_score=0.6, capacity_score=0.1,
            summary="Work waits on decisions, not on hands.",
            evidence=[Evidence(field=fields[i % len(fields)],
                               value=(i % 5) + 1 if i % len(fields) < 8 else "often",
                               why=why, leans="ownership", weight=1.0)
                      for i in range(evidence)]),
        symptoms=[SymptomFinding(id=s, level=Level.OFTEN, category=symptom_category(s))
                  for s in SYMPTOM_IDS] if symptoms else [],
        recommendation=Recommendation(model=order[0], ranking=ranking,
                                      rationale=[f"Rationale: {why}"],
                                      close_call=list(order[:close_call])),
        mismatch=Mismatch(stated=EngagementModel.STAFF_AUGMENTATION,
                          recommended=EngagementModel.PRODUCT_DELIVERY,
                          why=f"Mismatch: {why}") if mismatch else None,
        risks=[Risk(id=r, why=why) for r in RiskId] if risks else [],
        next_steps=[f"Step {n}: {why}" for n in range(next_steps)],
    )


# ------------------------------------------------------------------ answers

# Text as a person could type it into Slack: anything printable, some quotes and newlines.
typed = st.text(st.characters(codec="utf-8"), max_size=120)
engagement_names = typed.map(lambda t: clean_line(t)[:ENGAGEMENT_MAX].rstrip()).filter(bool)
notes_texts = st.text(st.characters(codec="utf-8"), max_size=NOTES_MAX).map(
    clean_multiline)


def answers() -> st.SearchStrategy[dict[str, Any]]:
    """Valid nested answers, as the modals can express them."""
    return st.fixed_dictionaries(
        {
            "stated_need": st.sampled_from([e.value for e in StatedNeed]),
            "slowdown": st.sampled_from([e.value for e in Slowdown]),
            "signals": st.fixed_dictionaries({s: st.integers(1, 5) for s in SIGNAL_IDS}),
        },
        optional={
            "engagement": engagement_names,
            "duration": st.sampled_from([e.value for e in Duration]),
            "strategic_importance": st.sampled_from([e.value for e in Importance]),
            "symptoms": st.fixed_dictionaries(
                {}, optional={s: st.sampled_from([e.value for e in Level]) for s in SYMPTOM_IDS}),
            "priorities": st.fixed_dictionaries(
                {}, optional={p: st.sampled_from([e.value for e in Weight])
                              for p in PRIORITY_IDS}),
            "notes": notes_texts.filter(bool),
            "teams": st.sampled_from([e.value for e in Teams]),
            "vendors_in_use": st.sampled_from([e.value for e in VendorsInUse]),
            "requirements": st.sampled_from([e.value for e in Requirements]),
        },
    )
