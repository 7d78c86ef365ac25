"""A plain-text report of an assessment, for people reading a terminal.

Everything shown goes through the questions' labels (``questions.label``/``value_label``):
no field path, raw value or internal weight reaches the reader. ``--json`` is the machine
contract and keeps the ids.
"""

from __future__ import annotations

import textwrap

from triage.models import Assessment
from triage.questions import (
    FACTORS,
    KINDS,
    LEANS,
    MODEL_WORDS,
    RISKS,
    SYMPTOM_GROUPS,
    answer_text,
    importance_word,
)

_WIDTH = 92
_LABEL_W = 24
_MATTERS_W = 11
_COL_W = 13


def _wrap(text: str, indent: str = "  ", hang: str = "    ") -> str:
    return textwrap.fill(text, width=_WIDTH, initial_indent=indent, subsequent_indent=hang)


def _name(model: str) -> str:
    return MODEL_WORDS[model].name


def _cell(score: float) -> str:
    return f"{round(score, 2):g}"


def confidence_words(confidence: float) -> str:
    """ "high confidence (93%)": the word first, the number second."""
    word = "high" if confidence >= 0.75 else "medium" if confidence >= 0.5 else "low"
    return f"{word} confidence, {confidence:.0%}"


def matrix_table(assessment: Assessment) -> str:
    """The decision matrix as an aligned table: how much each factor matters (in words),
    then each model's score, best first. A cell your answers moved is marked ``*``; the
    reasons are listed under the table."""
    ranking = assessment.recommendation.ranking
    factors = list(ranking[0].factors)
    head = f"{'Factor':<{_LABEL_W}}{'Matters':<{_MATTERS_W}}" + "".join(
        f"{MODEL_WORDS[r.model.value].short:>{_COL_W}}" for r in ranking
    )
    rule = "-" * len(head)
    lines = [head, rule]
    notes: list[str] = []
    for factor in factors:
        label = FACTORS.get(factor, factor)
        matters = importance_word(ranking[0].factors[factor].weight)
        cells = []
        for r in ranking:
            cell = r.factors[factor]
            mark = "*" if cell.notes else " "
            cells.append(f"{_cell(cell.score)}{mark}".rjust(_COL_W))
            short = MODEL_WORDS[r.model.value].short
            for note in cell.notes:
                delta, _, why = note.partition(": ")
                notes.append(f"{short} / {label}: {delta} ({why})")
        lines.append(f"{label:<{_LABEL_W}}{matters:<{_MATTERS_W}}" + "".join(cells))
    lines.append(rule)
    lines.append(
        f"{'Weighted score (of 5)':<{_LABEL_W + _MATTERS_W}}"
        + "".join(f"{r.score:.2f} ".rjust(_COL_W) for r in ranking)
    )
    if notes:
        lines += ["", "* moved by your answers:"] + [_wrap("- " + n, "  ", "    ") for n in notes]
    return "\n".join(lines)


def render(assessment: Assessment) -> str:
    b = assessment.bottleneck
    rec = assessment.recommendation
    kind = KINDS[b.kind.value]
    out = [
        f"Engagement: {assessment.engagement}",
        "",
        f"Bottleneck: {kind.upper()} ({confidence_words(b.confidence)})",
        _wrap(b.summary),
        f"Recommended model: {_name(rec.model.value)}",
        _wrap(MODEL_WORDS[rec.model.value].fit),
    ]
    if rec.close_call:
        names = [_name(m.value) for m in rec.close_call]
        out += [
            "",
            _wrap(f"Too close to call: {', '.join(names[:-1])} and {names[-1]}. Your answers "
                  "cannot tell them apart, so look at each before choosing.", "", "  "),
        ]
    if assessment.mismatch:
        m = assessment.mismatch
        out += [
            "",
            f"!! MISMATCH: you asked for {_name(m.stated.value).lower()}, the answers point "
            f"to {_name(m.recommended.value).lower()}",
            _wrap(m.why),
        ]
    out += ["", "Why:"] + [_wrap("- " + line) for line in rec.rationale]
    out += ["", "The answers behind the bottleneck, strongest first:"]
    out += [
        _wrap(f"- {answer_text(e.field, e.value)}: {e.why} ({LEANS[e.leans]})")
        for e in b.evidence
    ] or ["  (none stood out)"]
    out += [
        "",
        "Decision matrix (each model scores 1-5 on each factor; factors count by how much "
        "they matter to you):",
        matrix_table(assessment),
    ]
    out += ["", "Symptoms reported:"]
    out += [
        _wrap(f"- {answer_text('symptoms.' + s.id, s.level.value)} "
              f"({SYMPTOM_GROUPS[s.category.value].lower()})")
        for s in assessment.symptoms
    ] or ["  (none)"]
    out += ["", "Risks to watch:"]
    out += [_wrap(f"- {RISKS[r.id.value]}: {r.why}") for r in assessment.risks] or [
        "  (none raised by these answers)"
    ]
    out += ["", "Next steps:"]
    out += [_wrap(f"{n}. {step}", "  ", "     ") for n, step in enumerate(assessment.next_steps, 1)]
    return "\n".join(out) + "\n"
