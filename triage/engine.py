"""The triage: diagnose the bottleneck, rank the models, flag the mismatch, name the risks.

Everything tunable is read from ``tables.py``; this module is the arithmetic around it.
Pure and deterministic: the same Intake always gives the same Assessment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from triage import tables as T
from triage.models import (
    OWNERSHIP_SYMPTOMS,
    PRIORITY_IDS,
    SIGNAL_IDS,
    STATED_MODEL,
    SYMPTOM_IDS,
    Assessment,
    Bottleneck,
    BottleneckKind,
    Change,
    Comparison,
    EngagementModel,
    Evidence,
    FactorCell,
    Intake,
    Level,
    Mismatch,
    RankedModel,
    Recommendation,
    Risk,
    RiskId,
    Shift,
    SymptomFinding,
    Trend,
    symptom_category,
)

ENGINE_VERSION = "1"

_LEVELS = {lvl.value: lvl.rank for lvl in Level}


# --------------------------------------------------------------------------- conditions


@dataclass(frozen=True)
class _Facts:
    """What conditions in the tables can ask about."""

    intake: Intake
    kind: str = ""
    stated: str | None = None
    recommended: str | None = None
    risks: frozenset[str] = frozenset()


def _compare(left: float, op: str, right: float) -> bool:
    return {">=": left >= right, "<=": left <= right, "==": left == right}[op]


def _holds(cond: T.Condition, f: _Facts) -> tuple[bool, list[str]]:
    """Whether one condition holds, and the answer fields it looked at."""
    kind, *args = cond
    i = f.intake
    if kind == "always":
        return True, []
    if kind == "signal":
        sid, op, value = args
        return _compare(i.signal(sid), op, float(value)), [f"signals.{sid}"]
    if kind == "symptom":
        sid, op, level = args
        return _compare(i.symptom(sid).rank, op, _LEVELS[level]), [f"symptoms.{sid}"]
    if kind == "ownership_symptoms":
        op, level = args
        top = max(i.symptom(s).rank for s in OWNERSHIP_SYMPTOMS)
        hit = [f"symptoms.{s}" for s in OWNERSHIP_SYMPTOMS if i.symptom(s).rank >= _LEVELS[level]]
        return _compare(top, op, _LEVELS[level]), hit
    if kind == "duration":
        return i.duration.value == args[0], ["duration"]
    if kind == "importance":
        return i.strategic_importance.value == args[0], ["strategic_importance"]
    if kind == "slowdown":
        return i.slowdown.value == args[0], ["slowdown"]
    if kind == "priority":
        pid, value = args
        return i.priority(pid).value == value, [f"priorities.{pid}"]
    if kind == "kind":
        return f.kind == args[0], []
    if kind == "risk":
        return args[0] in f.risks, []
    if kind == "model":
        which, model = args
        stated = f.stated == model
        recommended = f.recommended == model
        verdicts = {"stated": stated, "recommended": recommended,
                    "either": stated or recommended}
        fields = ["stated_need"] if stated and which != "recommended" else []
        return verdicts[which], fields
    raise ValueError(f"unknown condition {cond!r} in tables")  # a bug in the tables


def _all(conds: Iterable[T.Condition], f: _Facts) -> tuple[bool, list[str]]:
    fields: list[str] = []
    for cond in conds:
        ok, used = _holds(cond, f)
        if not ok:
            return False, []
        fields.extend(used)
    return True, fields


def _any(triggers: Iterable[Iterable[T.Condition]], f: _Facts) -> tuple[bool, list[str]]:
    fields: list[str] = []
    hit = False
    for trigger in triggers:
        ok, used = _all(trigger, f)
        if ok:
            hit = True
            fields.extend(u for u in used if u not in fields)
    return hit, fields


# --------------------------------------------------------------------------- diagnosis


def _max_points(side: str) -> float:
    total = 0.0
    for agree_side, agree_w, disagree_side, disagree_w in T.SIGNAL_WEIGHTS.values():
        total += 2 * (agree_w if agree_side == side else 0.0)
        total += 2 * (disagree_w if disagree_side == side else 0.0)
    if side == "ownership":
        total += len(OWNERSHIP_SYMPTOMS) * max(T.SYMPTOM_POINTS.values())
    total += max(w for s, w in T.SLOWDOWN_POINTS.values() if s == side)
    return total


_MAX = {"ownership": _max_points("ownership"), "capacity": _max_points("capacity")}


def diagnose(intake: Intake) -> Bottleneck:
    points = {"ownership": 0.0, "capacity": 0.0}
    evidence: list[Evidence] = []

    for sid in SIGNAL_IDS:
        agree_side, agree_w, disagree_side, disagree_w = T.SIGNAL_WEIGHTS[sid]
        value = intake.signal(sid)
        step = value - 3
        why_agree, why_disagree = T.EVIDENCE_WHY[f"signals.{sid}"]
        if step > 0 and agree_w:
            side, weight, why = agree_side, step * agree_w, why_agree
        elif step < 0 and disagree_side and disagree_w:
            side, weight, why = disagree_side, -step * disagree_w, why_disagree
        else:
            continue
        points[side] += weight
        evidence.append(Evidence(field=f"signals.{sid}", value=value, why=why,
                                 leans=side, weight=round(weight, 3)))

    for sid in OWNERSHIP_SYMPTOMS:
        level = intake.symptom(sid)
        weight = T.SYMPTOM_POINTS[level.value]
        if weight:
            points["ownership"] += weight
            evidence.append(Evidence(field=f"symptoms.{sid}", value=level.value,
                                     why=T.EVIDENCE_WHY[f"symptoms.{sid}"][0],
                                     leans="ownership", weight=weight))

    slow_side, slow_w = T.SLOWDOWN_POINTS[intake.slowdown.value]
    if slow_side and slow_w:
        points[slow_side] += slow_w
        evidence.append(Evidence(field="slowdown", value=intake.slowdown.value,
                                 why=T.EVIDENCE_WHY["slowdown"][0], leans=slow_side,
                                 weight=slow_w))

    own = round(min(points["ownership"] / _MAX["ownership"], 1.0), 4)
    cap = round(min(points["capacity"] / _MAX["capacity"], 1.0), 4)
    kind, confidence = _kind(own, cap)
    evidence.sort(key=lambda e: (-e.weight, e.field))
    return Bottleneck(kind=kind, confidence=confidence, ownership_score=own, capacity_score=cap,
                      summary=T.KIND_SUMMARY[kind.value], evidence=evidence)


def _kind(own: float, cap: float) -> tuple[BottleneckKind, float]:
    th = T.THRESHOLDS
    margin = abs(own - cap)
    strongest = max(own, cap)
    if strongest < th["weak"]:
        return BottleneckKind.UNCLEAR, round(0.2 + strongest, 2)
    if margin < th["margin"]:
        if min(own, cap) >= th["mixed_floor"]:
            return BottleneckKind.MIXED, round(min(0.5 + min(own, cap) / 2, 0.9), 2)
        return BottleneckKind.UNCLEAR, round(0.3 + margin, 2)
    kind = BottleneckKind.OWNERSHIP if own > cap else BottleneckKind.CAPACITY
    confidence = min(0.5 + margin * 0.6 + strongest * 0.3, 0.97)
    return kind, round(confidence, 2)


# --------------------------------------------------------------------------- matrix


def rank_models(intake: Intake, bottleneck: Bottleneck) -> tuple[list[RankedModel], list[str]]:
    facts = _Facts(intake=intake, kind=bottleneck.kind.value)
    scores = {factor: dict(row) for factor, row in T.BASE_SCORES.items()}
    notes: list[str] = []
    for conds, model, factor, delta, _why in T.ADJUSTMENTS:
        if delta and _all(conds, facts)[0]:
            scores[factor][model] += delta
    fit = dict(T.FIT_BY_KIND[bottleneck.kind.value])
    for conds, model, delta, why in T.FIT_ADJUSTMENTS:
        if _all(conds, facts)[0]:
            fit[model] += delta
            notes.append(f"{T.MODEL_NAMES[model].capitalize()}: {why}.")
    fit_weight = round(T.FIT_WEIGHT_BASE + T.FIT_WEIGHT_PER_CONFIDENCE * bottleneck.confidence, 2)

    ranked: list[RankedModel] = []
    for order, model in enumerate(T.MODELS):
        cells: dict[str, FactorCell] = {}
        for factor in PRIORITY_IDS:
            weight = T.PRIORITY_WEIGHT[intake.priority(factor).value]
            cells[factor] = FactorCell(weight=weight, score=_clamp(scores[factor][model]))
        cells[T.FIT_FACTOR] = FactorCell(weight=fit_weight, score=_clamp(fit[model]))
        total_weight = sum(c.weight for c in cells.values())
        score = sum(c.weight * c.score for c in cells.values()) / total_weight
        ranked.append(RankedModel(model=EngagementModel(model), score=round(score, 3),
                                  factors=cells, fit=T.MODEL_FIT_LINE[model]))
        del order
    ranked.sort(key=lambda r: (-r.score, T.MODELS.index(r.model.value)))
    return ranked, notes


def _clamp(score: int) -> int:
    return max(1, min(5, score))


# --------------------------------------------------------------------------- verdict


def assess(intake: Intake) -> Assessment:
    bottleneck = diagnose(intake)
    ranking, fit_notes = rank_models(intake, bottleneck)
    best = ranking[0]
    stated = STATED_MODEL[intake.stated_need]
    facts = _Facts(intake=intake, kind=bottleneck.kind.value,
                   stated=stated.value if stated else None, recommended=best.model.value)

    risks: list[Risk] = []
    for rid in RiskId:
        hit, fields = _any(T.RISK_TRIGGERS[rid.value], facts)
        if hit:
            risks.append(Risk(id=rid, why=T.RISK_WORDING[rid.value], fields=fields or
                              ["recommendation.model"]))
    facts = _Facts(intake=intake, kind=facts.kind, stated=facts.stated,
                   recommended=facts.recommended, risks=frozenset(r.id.value for r in risks))

    next_steps = [text for triggers, text in T.NEXT_STEPS if _any(triggers, facts)[0]]
    mismatch = _mismatch(stated, best, ranking, bottleneck)
    symptoms = [
        SymptomFinding(id=sid, level=intake.symptom(sid), category=symptom_category(sid))
        for sid in SYMPTOM_IDS
        if intake.symptom(sid).rank >= Level.SOMETIMES.rank
    ]
    return Assessment(
        engagement=intake.engagement,
        stated_need=intake.stated_need,
        bottleneck=bottleneck,
        symptoms=symptoms,
        recommendation=Recommendation(
            model=best.model, ranking=ranking,
            rationale=_rationale(intake, bottleneck, ranking, fit_notes),
        ),
        mismatch=mismatch,
        risks=risks,
        next_steps=next_steps,
    )


def _mismatch(stated: EngagementModel | None, best: RankedModel, ranking: list[RankedModel],
              bottleneck: Bottleneck) -> Mismatch | None:
    if stated is None or stated == best.model:
        return None
    why = T.MISMATCH_WHY.get((stated.value, bottleneck.kind.value))
    if why is None:
        stated_score = next(r.score for r in ranking if r.model == stated)
        why = T.MISMATCH_GENERIC.format(
            stated=T.MODEL_NAMES[stated.value], recommended=T.MODEL_NAMES[best.model.value],
            reason=f"it scores {best.score:.2f} against {stated_score:.2f} on the factors you "
            f"weighted and on fit with the diagnosis. {T.KIND_SUMMARY[bottleneck.kind.value]}",
        )
    return Mismatch(stated=stated, recommended=best.model, why=why)


def _rationale(intake: Intake, bottleneck: Bottleneck, ranking: list[RankedModel],
               fit_notes: list[str]) -> list[str]:
    best, runner_up = ranking[0], ranking[1]
    lines = [T.KIND_SUMMARY[bottleneck.kind.value]]
    drivers = [e for e in bottleneck.evidence if e.leans == bottleneck.kind.value][:3]
    if drivers:
        lines.append("Driven most by: " + "; ".join(
            f"{e.field} = {e.value} ({e.why})" for e in drivers) + ".")
    lines.append(f"{T.MODEL_NAMES[best.model.value].capitalize()} ranks first with "
                 f"{best.score:.2f} of 5, ahead of {T.MODEL_NAMES[runner_up.model.value]} at "
                 f"{runner_up.score:.2f}. {T.MODEL_FIT_LINE[best.model.value]}")
    high = [p for p in PRIORITY_IDS if intake.priority(p).value == "high"]
    if high:
        strong = [p.replace("_", " ") for p in high if best.factors[p].score >= 4]
        if strong:
            lines.append("It scores well on what you marked as most important: "
                         + ", ".join(strong) + ".")
    lines.extend(fit_notes[:3])
    return lines


# --------------------------------------------------------------------------- follow-ups


def compare(baseline: Intake, follow_up: Intake) -> Comparison:
    """What moved between the baseline answers and a check-in's answers."""
    before, after = assess(baseline), assess(follow_up)
    improved: list[Change] = []
    worsened: list[Change] = []
    for sid in SYMPTOM_IDS:
        b, a = baseline.symptom(sid), follow_up.symptom(sid)
        if a.rank == b.rank:
            continue
        name = sid.replace("_", " ")
        change = Change(field=f"symptoms.{sid}", before=b.value, after=a.value,
                        why=f"{name}: {b.value} → {a.value}")
        (improved if a.rank < b.rank else worsened).append(change)
    for sid in SIGNAL_IDS:
        b_val, a_val = baseline.signal(sid), follow_up.signal(sid)
        if b_val == a_val:
            continue
        agree_side = T.SIGNAL_WEIGHTS[sid][0]
        # For the team's health, capacity-side agreement is good news; so is ownership
        # pressure going down.
        better = (a_val > b_val) if agree_side == "capacity" else (a_val < b_val)
        change = Change(field=f"signals.{sid}", before=b_val, after=a_val,
                        why=f"{sid.replace('_', ' ')}: {b_val} → {a_val}")
        (improved if better else worsened).append(change)

    if improved and not worsened:
        trend = Trend.IMPROVING
    elif worsened and not improved:
        trend = Trend.WORSENING
    elif not improved and not worsened:
        trend = Trend.STABLE
    else:
        trend = Trend.MIXED
    kind_shift = (Shift(before=before.bottleneck.kind.value, after=after.bottleneck.kind.value)
                  if before.bottleneck.kind != after.bottleneck.kind else None)
    model_shift = (Shift(before=before.recommendation.model.value,
                         after=after.recommendation.model.value)
                   if before.recommendation.model != after.recommendation.model else None)
    summary = f"{T.TREND_WORDS[trend.value]} ({len(improved)} better, {len(worsened)} worse)"
    if model_shift:
        summary += f"; the recommendation moved to {T.MODEL_NAMES[model_shift.after]}"
    elif kind_shift:
        summary += f"; the bottleneck now reads as {kind_shift.after}"
    return Comparison(improved=improved, worsened=worsened, trend=trend,
                      bottleneck_shift=kind_shift, model_shift=model_shift, summary=summary,
                      follow_up=after)
