"""The weighted decision matrix: four models, eight factors plus the fit with the diagnosis."""

from __future__ import annotations

from triage import tables as T
from triage.models import PRIORITY_IDS, Bottleneck, EngagementModel, FactorCell, Intake, RankedModel
from triage.rules import Facts, all_hold


def _clamp(score: int) -> int:
    return max(1, min(5, score))


def _note(delta: int, why: str) -> str:
    return f"{delta:+d}: {why}"


def fit_weight(confidence: float) -> float:
    return round(T.FIT_WEIGHT["base"] + T.FIT_WEIGHT["per_confidence"] * confidence, 2)


def rank_models(intake: Intake, bottleneck: Bottleneck) -> list[RankedModel]:
    """All four models, best first; every cell says where its score came from."""
    facts = Facts(intake=intake, kind=bottleneck.kind.value)
    base = {factor: dict(zip(T.MODELS, row, strict=True)) for factor, row in T.BASE_SCORES.items()}
    base[T.FIT_FACTOR] = dict(zip(T.MODELS, T.FIT_BY_KIND[bottleneck.kind.value], strict=True))
    deltas: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for rule, model, factor, delta, why in T.ADJUSTMENTS:
        if delta and all_hold(rule, facts)[0]:
            deltas.setdefault((model, factor), []).append((delta, why))
    for rule, model, delta, why in T.FIT_ADJUSTMENTS:
        if delta and all_hold(rule, facts)[0]:
            deltas.setdefault((model, T.FIT_FACTOR), []).append((delta, why))

    weights = {f: T.PRIORITY_WEIGHT[intake.priority(f).value] for f in PRIORITY_IDS}
    weights[T.FIT_FACTOR] = fit_weight(bottleneck.confidence)

    ranked: list[RankedModel] = []
    for model in T.MODELS:
        cells: dict[str, FactorCell] = {}
        for factor in (*PRIORITY_IDS, T.FIT_FACTOR):
            moves = deltas.get((model, factor), [])
            start = base[factor][model]
            cells[factor] = FactorCell(
                weight=weights[factor],
                score=_clamp(start + sum(d for d, _ in moves)),
                base=start,
                notes=[_note(d, why) for d, why in moves],
            )
        total = sum(c.weight for c in cells.values())
        score = sum(c.weight * c.score for c in cells.values()) / total
        ranked.append(
            RankedModel(
                model=EngagementModel(model),
                score=round(score, 3),
                factors=cells,
                fit=T.MODEL_FIT_LINE[model],
            )
        )
    ranked.sort(key=lambda r: (-r.score, T.MODELS.index(r.model.value)))
    return ranked
