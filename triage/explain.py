"""The strongest reasons behind a verdict, in the intake's own words, for people to read.

``reasons(assessment)`` is what a short summary (a Slack reply, a one-screen report) shows:
the answers that gave the recommended model its lead, then the answers behind the
bottleneck, strongest first, each as a label, a value and a why. No field path or raw value
is needed to show them; ``field`` and ``value`` stay for programs.
"""

from __future__ import annotations

from dataclasses import dataclass

from triage.models import AnswerValue, Assessment, BottleneckKind
from triage.questions import label, value_label


@dataclass(frozen=True)
class Reason:
    field: str           # the contract's field path, for programs
    value: AnswerValue   # the contract's value, for programs
    label: str           # "Developers wait for answers from product"
    value_label: str     # "All the time"
    why: str             # "developers wait for product answers"
    strength: float      # for ordering; its scale is internal

    @property
    def text(self) -> str:
        """ "Developers wait for answers from product: All the time (developers wait ...)". """
        return f"{self.label}: {self.value_label} ({self.why})" if self.why else \
            f"{self.label}: {self.value_label}"


def reasons(assessment: Assessment, limit: int = 3) -> list[Reason]:
    """The ``limit`` strongest reasons of a verdict, strongest first, one per answer.

    First the answers that gave the recommended model its lead (``recommendation.drivers``),
    then, if there is room, the answers behind the bottleneck reading. An assessment stored
    before drivers existed falls back to the bottleneck evidence alone.
    """
    kind = assessment.bottleneck.kind
    evidence = [
        e for e in assessment.bottleneck.evidence
        if kind in (BottleneckKind.MIXED, BottleneckKind.UNCLEAR) or e.leans == kind.value
    ]
    seen: set[str] = set()
    out: list[Reason] = []
    for e in (*assessment.recommendation.drivers, *evidence):
        if e.field in seen or e.field == "recommendation.model":
            continue
        seen.add(e.field)
        out.append(Reason(field=e.field, value=e.value, label=label(e.field),
                          value_label=value_label(e.field, e.value), why=e.why,
                          strength=e.weight))
        if len(out) >= limit:
            break
    return out
