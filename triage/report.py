"""A plain-text report of an assessment, for people reading a terminal."""

from __future__ import annotations

import textwrap

from triage import tables as T
from triage.models import Assessment

_FACTOR_LABELS = {
    "cost_predictability": "Cost predictability",
    "speed_to_productivity": "Speed to productivity",
    "governance_risk": "Governance & risk",
    "flexibility": "Flexibility",
    "knowledge_retention": "Knowledge retention",
    "process_maturity": "Process maturity",
    "strategic_control": "Strategic control",
    "management_burden": "Load off managers",
    T.FIT_FACTOR: "Fit with the bottleneck",
}
_SHORT = {
    "staff_augmentation": "Staff aug",
    "product_delivery": "Product del",
    "managed_services": "Managed svc",
    "managed_marketplace": "Marketplace",
}


def factor_label(factor: str) -> str:
    return _FACTOR_LABELS.get(factor, factor.replace("_", " ").capitalize())


def matrix_table(assessment: Assessment) -> str:
    """The decision matrix as an aligned table: weight, then score per model."""
    ranking = assessment.recommendation.ranking
    factors = list(ranking[0].factors)
    head = f"{'Factor':<24}{'Weight':>7}" + "".join(f"{_SHORT[r.model.value]:>13}"
                                                   for r in ranking)
    lines = [head, "-" * len(head)]
    for factor in factors:
        weight = ranking[0].factors[factor].weight
        lines.append(f"{factor_label(factor):<24}{weight:>7g}" + "".join(
            f"{r.factors[factor].score:>13}" for r in ranking))
    lines.append("-" * len(head))
    lines.append(f"{'Weighted score (of 5)':<31}" + "".join(f"{r.score:>13.2f}" for r in ranking))
    return "\n".join(lines)


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, width=92, initial_indent=indent, subsequent_indent=indent + "  ")


def render(assessment: Assessment) -> str:
    b = assessment.bottleneck
    rec = assessment.recommendation
    out = [
        f"Engagement: {assessment.engagement}",
        "",
        f"Bottleneck: {b.kind.value.upper()} ({b.confidence:.0%} confident; ownership "
        f"{b.ownership_score:.2f}, capacity {b.capacity_score:.2f})",
        _wrap(b.summary),
        f"Recommended model: {T.MODEL_NAMES[rec.model.value]}",
    ]
    if assessment.mismatch:
        m = assessment.mismatch
        out += ["", f"!! MISMATCH: you asked for {T.MODEL_NAMES[m.stated.value]}, the answers "
                f"point to {T.MODEL_NAMES[m.recommended.value]}", _wrap(m.why)]
    out += ["", "Why:"] + [_wrap("- " + line) for line in rec.rationale]
    out += ["", "Evidence (the answers that moved the verdict):"]
    out += [_wrap(f"- {e.field} = {e.value}: {e.why} [{e.leans}, {e.weight:g}]")
            for e in b.evidence] or ["  (none)"]
    out += ["", "Decision matrix (score 1-5 per factor, times its weight):", matrix_table(
        assessment)]
    out += ["", "Symptoms reported:"]
    out += [f"  - {s.id} ({s.category.value}): {s.level.value}" for s in assessment.symptoms] \
        or ["  (none)"]
    out += ["", "Risks to watch:"]
    out += [_wrap(f"- {r.id.value}: {r.why} (from {', '.join(r.fields)})")
            for r in assessment.risks] or ["  (none raised by these answers)"]
    out += ["", "Next steps:"]
    out += [_wrap(f"{n}. {step}") for n, step in enumerate(assessment.next_steps, 1)]
    return "\n".join(out) + "\n"
