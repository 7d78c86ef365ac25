"""The weighted decision matrix: four models, eight factors plus the fit row.

A cell is its base score (``scoring.BASE``, the same total for every model) moved by the
context answers (``scoring.MOVES``), each move growing with its answer rather than jumping
at a threshold. The fit row starts at 3 and follows the diagnosis continuously. Every move
is kept as a :class:`Term`, so the lead of one model over another can be split into the
answers that produced it (:func:`lead_parts`).
"""

from __future__ import annotations

from dataclasses import dataclass

from triage import scoring as S
from triage import wording as W
from triage.models import (
    PRIORITY_IDS,
    STATED_MODEL,
    Bottleneck,
    BottleneckKind,
    EngagementModel,
    FactorCell,
    Intake,
    RankedModel,
    StatedNeed,
    Weight,
)
from triage.questions import FACTORS, MODEL_WORDS
from triage.rules import Facts, Move, PerLevel, PerNotch, When, holds

OWN, CAP = BottleneckKind.OWNERSHIP, BottleneckKind.CAPACITY


@dataclass(frozen=True)
class Term:
    """One thing that moved one cell: how much, why, and which answers."""

    model: EngagementModel
    factor: str
    delta: float
    why: str
    fields: tuple[str, ...]
    side: BottleneckKind | None = None  # set for the fit row's diagnosis terms


@dataclass(frozen=True)
class Matrix:
    ranking: list[RankedModel]
    terms: tuple[Term, ...]
    weights: dict[str, float]
    # factor -> (field, extra weight) for symptoms that made a factor matter more
    raised: dict[str, tuple[tuple[str, float], ...]]


def _clamp(score: float) -> float:
    return max(1.0, min(5.0, score))


def signed(delta: float) -> str:
    return f"{round(delta, 2):+g}"


def _amount(move: Move, intake: Intake) -> tuple[float, tuple[str, ...]]:
    match move.by:
        case PerNotch(signal, per, above_only):
            step = intake.signal(signal) - 3
            step = max(step, 0) if above_only else step
            return per * step, (f"signals.{signal}",)
        case PerLevel(symptoms, per, cap):
            ranks = {s: intake.symptom(s).rank for s in symptoms}
            levels = min(float(sum(ranks.values())), cap)
            return per * levels, tuple(f"symptoms.{s}" for s, r in ranks.items() if r)
        case When(condition, delta):
            ok, fields = holds(condition, Facts(intake=intake))
            return (delta, tuple(fields)) if ok else (0.0, ())
    raise TypeError(f"not an amount: {move.by!r}")  # pragma: no cover - tables are checked


def weights(intake: Intake) -> tuple[dict[str, float], dict[str, tuple[tuple[str, float], ...]]]:
    """Each factor's weight: the leader's priority, raised by the symptoms already seen."""
    out: dict[str, float] = {}
    raised: dict[str, tuple[tuple[str, float], ...]] = {}
    for factor in PRIORITY_IDS:
        extra = tuple(
            (f"symptoms.{sid}", per * intake.symptom(sid).rank)
            for sid, (f, per) in S.SYMPTOM_WEIGHT.items()
            if f == factor and intake.symptom(sid).rank
        )
        priority = S.PRIORITY_WEIGHT[intake.priority(factor)]
        out[factor] = round(priority + sum(e for _, e in extra), 2)
        if extra:
            raised[factor] = extra
    out[S.FIT] = round(S.FIT_SHARE * sum(out.values()) / len(PRIORITY_IDS), 2)
    return out, raised


def terms(intake: Intake, bottleneck: Bottleneck) -> list[Term]:
    """Everything that moves a cell away from its base score."""
    found: list[Term] = []
    for move in S.MOVES:
        delta, fields = _amount(move, intake)
        if delta:
            found.append(Term(move.model, move.factor, delta, W.MOVES_WHY[move.id], fields))
    own, cap = bottleneck.ownership_score, bottleneck.capacity_score
    for model in S.MODELS:
        a, b = S.FIT_BY_SIDE[model]
        if a * own:
            found.append(Term(model, S.FIT, a * own, W.SIDE_WHY["ownership"], (), OWN))
        if b * cap * (1 - own):
            found.append(Term(model, S.FIT, b * cap * (1 - own), W.SIDE_WHY["capacity"], (), CAP))
    stated = stated_model(intake)
    if stated is not None:
        found.append(Term(stated, S.FIT, S.STATED_FIT, W.STATED_WHY, ("stated_need",)))
    return found


def stated_model(intake: Intake) -> EngagementModel | None:
    return STATED_MODEL[StatedNeed(intake.stated_need)]


def score(intake: Intake, bottleneck: Bottleneck) -> Matrix:
    """All four models, best first; every cell says where its score came from."""
    moved = terms(intake, bottleneck)
    w, raised = weights(intake)
    ranking: list[RankedModel] = []
    for model in S.MODELS:
        cells: dict[str, FactorCell] = {}
        for factor in (*PRIORITY_IDS, S.FIT):
            base = 3.0 if factor == S.FIT else float(S.base_score(factor, model))
            mine = [t for t in moved if t.model == model and t.factor == factor]
            cells[factor] = FactorCell(
                weight=w[factor],
                score=round(_clamp(base + sum(t.delta for t in mine)), 2),
                base=base,
                notes=[f"{signed(t.delta)}: {t.why}" for t in mine],
            )
        total = sum(c.weight for c in cells.values())
        mean = sum(c.weight * c.score for c in cells.values()) / total
        ranking.append(
            RankedModel(model=model, score=round(mean, 3), factors=cells,
                        fit=MODEL_WORDS[model.value].fit)
        )
    ranking.sort(key=lambda r: (-r.score, S.MODELS.index(r.model)))
    return Matrix(ranking=ranking, terms=tuple(moved), weights=w, raised=raised)


def rank_models(intake: Intake, bottleneck: Bottleneck) -> list[RankedModel]:
    """All four models, best first (the ranking of :func:`score`; kept for callers)."""
    return score(intake, bottleneck).ranking


# ------------------------------------------------------------------ explaining a lead


@dataclass(frozen=True)
class Part:
    """A share of one model's lead over another (in points of the 0-5 score)."""

    fields: tuple[str, ...]
    amount: float
    why: str
    side: BottleneckKind | None = None
    from_base: bool = False  # a base score, weighted by a priority or a symptom
    own: bool = False  # a move on the leading model's own cells (its why speaks for it)


def _row(matrix: Matrix, model: EngagementModel) -> RankedModel:
    return next(r for r in matrix.ranking if r.model == model)


def lead(matrix: Matrix, x: EngagementModel, y: EngagementModel) -> float:
    return _row(matrix, x).score - _row(matrix, y).score


def base_lead(matrix: Matrix, x: EngagementModel, y: EngagementModel) -> float:
    """The part of x's lead over y that comes from the base scores (times the weights)."""
    rx, ry = _row(matrix, x), _row(matrix, y)
    total = sum(matrix.weights.values())
    diff = sum(
        matrix.weights[f] * ((rx.factors[f].base or 0.0) - (ry.factors[f].base or 0.0))
        for f in PRIORITY_IDS
    )
    return diff / total


def lead_parts(matrix: Matrix, intake: Intake, x: EngagementModel,
               y: EngagementModel) -> list[Part]:
    """x's lead over y, split into the answers behind it (largest first)."""
    total = sum(matrix.weights.values())
    rx, ry = _row(matrix, x), _row(matrix, y)
    parts: list[Part] = []
    for t in matrix.terms:
        if t.model not in (x, y):
            continue
        sign = 1.0 if t.model == x else -1.0
        parts.append(Part(t.fields, sign * matrix.weights[t.factor] * t.delta / total, t.why,
                          t.side, own=t.model == x))
    medium = S.PRIORITY_WEIGHT[Weight.MEDIUM]
    for f in PRIORITY_IDS:
        gap = (rx.factors[f].base or 0.0) - (ry.factors[f].base or 0.0)
        if not gap:
            continue
        own_weight = S.PRIORITY_WEIGHT[intake.priority(f)] - medium
        if own_weight:
            level = intake.priority(f).value
            why = W.PRIORITY_WHY[level].format(
                factor=factor_name(f), model=MODEL_WORDS[x.value].name,
                other=MODEL_WORDS[y.value].name)
            parts.append(Part((f"priorities.{f}",), own_weight * gap / total, why,
                              from_base=True))
        for field, extra in matrix.raised.get(f, ()):
            why = W.SYMPTOM_WEIGHT_WHY.format(factor=factor_name(f),
                                              model=MODEL_WORDS[x.value].name)
            parts.append(Part((field,), extra * gap / total, why, from_base=True))
    return sorted(parts, key=lambda p: -p.amount)


def factor_name(factor: str) -> str:
    return FACTORS[factor].lower()
