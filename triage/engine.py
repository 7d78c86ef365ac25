"""The verdict: diagnosis, matrix, mismatch, risks and next steps, all read from the tables.

Pure and deterministic: the same Intake always gives the same Assessment.
"""

from __future__ import annotations

from triage import tables as T
from triage.diagnose import diagnose
from triage.matrix import rank_models
from triage.models import (
    PRIORITY_IDS,
    STATED_MODEL,
    SYMPTOM_IDS,
    Assessment,
    Bottleneck,
    EngagementModel,
    Intake,
    Level,
    Mismatch,
    RankedModel,
    Recommendation,
    Risk,
    RiskId,
    SymptomFinding,
    symptom_category,
)
from triage.rules import Facts, all_hold, any_holds

ENGINE_VERSION = "2"

T.check_tables()


def assess(intake: Intake) -> Assessment:
    bottleneck = diagnose(intake)
    ranking = rank_models(intake, bottleneck)
    best = ranking[0]
    stated = STATED_MODEL[intake.stated_need]
    facts = Facts(
        intake=intake,
        kind=bottleneck.kind.value,
        stated=stated.value if stated else None,
        recommended=best.model.value,
    )
    risks = find_risks(facts)
    facts = Facts(
        intake=intake,
        kind=facts.kind,
        stated=facts.stated,
        recommended=facts.recommended,
        risks=frozenset(r.id.value for r in risks),
    )
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
            model=best.model, ranking=ranking, rationale=rationale(intake, bottleneck, ranking)
        ),
        mismatch=find_mismatch(facts, stated, ranking, bottleneck),
        risks=risks,
        next_steps=[text for rules, text in T.NEXT_STEPS if any_holds(rules, facts)],
    )


def find_risks(facts: Facts) -> list[Risk]:
    """Each risk only when an answer (or the model in play) justifies it, with its reasons."""
    risks: list[Risk] = []
    for rid in RiskId:
        reasons: list[str] = []
        fields: list[str] = []
        for rule, reason in T.RISK_RULES[rid.value]:
            ok, used = all_hold(rule, facts)
            if ok:
                reasons.append(reason)
                fields.extend(u for u in used if u not in fields)
        if reasons:
            why = f"{T.RISK_WORDING[rid.value]} {T.RISK_BECAUSE.format(reasons='; '.join(reasons))}"
            risks.append(Risk(id=rid, why=why, fields=fields))
    return risks


def find_mismatch(
    facts: Facts, stated: EngagementModel | None, ranking: list[RankedModel], bottleneck: Bottleneck
) -> Mismatch | None:
    best = ranking[0]
    if stated is None or stated == best.model:
        return None
    for rule, why in T.MISMATCH_RULES:
        if all_hold(rule, facts)[0]:
            return Mismatch(stated=stated, recommended=best.model, why=why)
    stated_score = next(r.score for r in ranking if r.model == stated)
    why = T.MISMATCH_GENERIC.format(
        stated=T.MODEL_NAMES[stated.value],
        recommended=T.MODEL_NAMES[best.model.value],
        best=best.score,
        stated_score=stated_score,
        summary=T.KIND_SUMMARY[bottleneck.kind.value],
    )
    return Mismatch(stated=stated, recommended=best.model, why=why)


def _label(factor: str) -> str:
    return T.FACTOR_LABELS[factor].lower()


def rationale(intake: Intake, bottleneck: Bottleneck, ranking: list[RankedModel]) -> list[str]:
    """A few sentences naming the answers and the cells that decided the ranking."""
    best, runner_up = ranking[0], ranking[1]
    W = T.RATIONALE
    lines = [T.KIND_SUMMARY[bottleneck.kind.value]]
    leaning = bottleneck.kind.value if bottleneck.kind.value in ("ownership", "capacity") else ""
    drivers = [e for e in bottleneck.evidence if not leaning or e.leans == leaning][:3]
    if drivers:
        lines.append(
            W["drivers"].format(
                drivers="; ".join(
                    W["driver"].format(field=e.field, value=e.value, why=e.why) for e in drivers
                )
            )
        )
    lines.append(
        W["winner"].format(
            best=T.MODEL_NAMES[best.model.value].capitalize(),
            score=best.score,
            runner_up=T.MODEL_NAMES[runner_up.model.value],
            runner_score=runner_up.score,
            fit_line=T.MODEL_FIT_LINE[best.model.value],
        )
    )
    lines.append(
        W["fit_weight"].format(
            weight=best.factors[T.FIT_FACTOR].weight, confidence=bottleneck.confidence
        )
    )
    high = [p for p in PRIORITY_IDS if intake.priority(p).value == "high"]
    strong = [_label(p) for p in high if best.factors[p].score >= 4]
    weak = [_label(p) for p in high if best.factors[p].score <= 2]
    if strong:
        lines.append(W["strong_on"].format(factors=", ".join(strong)))
    if weak:
        lines.append(W["weak_on"].format(factors=", ".join(weak)))
    fit_notes = best.factors[T.FIT_FACTOR].notes
    lines.extend(
        W["fit_note"].format(model=T.MODEL_NAMES[best.model.value], note=n) for n in fit_notes[:2]
    )
    return lines
