"""A plain-text report of an assessment, for people reading a terminal."""

from __future__ import annotations

import textwrap

from triage.models import Assessment
from triage.questions import FACTORS, MODEL_SHORT, MODEL_WORDS

_WIDTH = 92


def _wrap(text: str, indent: str = "  ", hang: str = "    ") -> str:
    return textwrap.fill(text, width=_WIDTH, initial_indent=indent, subsequent_indent=hang)


def matrix_table(assessment: Assessment) -> str:
    """The decision matrix as an aligned table: weight, then score per model, best first.

    A cell that context adjusted is marked with ``*``; the reasons are listed under the table.
    """
    ranking = assessment.recommendation.ranking
    factors = list(ranking[0].factors)
    label_w = max(len(FACTORS.get(f, f)) for f in factors) + 2
    col = max(len(MODEL_SHORT[r.model.value]) for r in ranking) + 3
    head = f"{'Factor':<{label_w}}{'Weight':>7}" + "".join(
        f"{MODEL_SHORT[r.model.value]:>{col}}" for r in ranking
    )
    rule = "-" * len(head)
    lines = [head, rule]
    notes: list[str] = []
    for factor in factors:
        weight = ranking[0].factors[factor].weight
        cells = []
        for r in ranking:
            cell = r.factors[factor]
            moved = bool(cell.notes)
            cells.append(f"{round(cell.score, 2):g}{'*' if moved else ' '}".rjust(col))
            notes.extend(
                f"{MODEL_SHORT[r.model.value]} / {FACTORS.get(factor, factor)} {n}"
                for n in cell.notes
            )
        lines.append(
            f"{FACTORS.get(factor, factor):<{label_w}}{weight:>7g}" + "".join(cells)
        )
    lines.append(rule)
    lines.append(
        f"{'Weighted score (of 5)':<{label_w + 7}}"
        + "".join(f"{r.score:>{col - 1}.2f} " for r in ranking)
    )
    if notes:
        lines += ["", "* adjusted for your context:"] + [_wrap(n, "  ", "      ") for n in notes]
    return "\n".join(lines)


def render(assessment: Assessment) -> str:
    b = assessment.bottleneck
    rec = assessment.recommendation
    out = [
        f"Engagement: {assessment.engagement}",
        "",
        f"Bottleneck: {b.kind.value.upper()} ({b.confidence:.0%} confident; ownership "
        f"{b.ownership_score:.2f}, capacity {b.capacity_score:.2f})",
        _wrap(b.summary),
        f"Recommended model: {MODEL_WORDS[rec.model.value].name.lower()}",
    ]
    if assessment.mismatch:
        m = assessment.mismatch
        out += [
            "",
            f"!! MISMATCH: you asked for {MODEL_WORDS[m.stated.value].name.lower()}, the answers "
            f"point to {MODEL_WORDS[m.recommended.value].name.lower()}",
            _wrap(m.why),
        ]
    out += ["", "Why:"] + [_wrap("- " + line) for line in rec.rationale]
    out += ["", "Evidence (the answers that moved the verdict, strongest first):"]
    out += [
        _wrap(f"- {e.field} = {e.value}: {e.why} [{e.leans}, {e.weight:g}]") for e in b.evidence
    ] or ["  (none)"]
    out += [
        "",
        "Decision matrix (score 1-5 per factor, times its weight):",
        matrix_table(assessment),
    ]
    out += ["", "Symptoms reported:"]
    out += [f"  - {s.id} ({s.category.value}): {s.level.value}" for s in assessment.symptoms] or [
        "  (none)"
    ]
    out += ["", "Risks to watch:"]
    out += [
        _wrap(f"- {r.id.value}: {r.why} (from {', '.join(r.fields)})") for r in assessment.risks
    ] or ["  (none raised by these answers)"]
    out += ["", "Next steps:"]
    out += [_wrap(f"{n}. {step}", "  ", "     ") for n, step in enumerate(assessment.next_steps, 1)]
    return "\n".join(out) + "\n"
