"""The verdict: diagnosis, matrix, close call, mismatch, risks and next steps.

Pure and deterministic: the same Intake always gives the same Assessment. The numbers come
from ``scoring.py`` and the sentences from ``wording.py``; ``docs/engine.md`` is the
argument behind both.
"""

from __future__ import annotations

from dataclasses import replace

from triage import scoring as S
from triage import wording as W
from triage.diagnose import diagnose
from triage.matrix import Matrix, base_lead, lead, lead_parts, score, stated_model
from triage.models import (
    PRIORITY_IDS,
    SYMPTOM_IDS,
    Assessment,
    Bottleneck,
    BottleneckKind,
    EngagementModel,
    Evidence,
    Importance,
    Intake,
    Level,
    Mismatch,
    Recommendation,
    Risk,
    RiskId,
    Slowdown,
    SymptomFinding,
    symptom_category,
)
from triage.questions import FACTORS, MODEL_WORDS, answer_text
from triage.rules import Facts, all_hold, any_holds
from triage.tables import check_tables

ENGINE_VERSION = "3"
DRIVERS_KEPT = 8

check_tables()


def assess(intake: Intake) -> Assessment:
    bottleneck = diagnose(intake)
    matrix = score(intake, bottleneck)
    ranking = matrix.ranking
    best = ranking[0].model
    stated = stated_model(intake)
    close = close_call(matrix, bottleneck)
    facts = Facts(intake=intake, kind=bottleneck.kind, stated=stated, recommended=best,
                  close_call=tuple(close))
    risks = find_risks(facts)
    facts = replace(facts, risks=frozenset(r.id for r in risks))
    contradicted = stated if stated is not None and stated not in (best, *close) else None
    drivers = drivers_of(matrix, intake, bottleneck, best, contradicted or ranking[1].model)
    bottleneck = bottleneck.model_copy(update={"summary": summary(bottleneck, intake, best)})
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
            model=best,
            ranking=ranking,
            rationale=rationale(intake, bottleneck, matrix, close, drivers),
            close_call=close,
            drivers=drivers,
        ),
        mismatch=find_mismatch(facts, contradicted, matrix, drivers),
        risks=risks,
        next_steps=[text for rules, text in W.NEXT_STEPS if any_holds(rules, facts)],
    )


def close_call(matrix: Matrix, bottleneck: Bottleneck) -> list[EngagementModel]:
    """The models too close to call with the best one (best first), or empty.

    Within ``CLOSE_CALL`` points of the best is too close. When the bottleneck is unclear,
    a lead that rests on the base scores (the articles' general ratings, weighted by your
    priorities) does not count either: only what your answers added decides such a case.
    """
    best = matrix.ranking[0].model
    members = [best]
    for row in matrix.ranking[1:]:
        gap = lead(matrix, best, row.model)
        from_answers = gap - base_lead(matrix, best, row.model)
        if gap <= S.CLOSE_CALL + 1e-9 or (
            bottleneck.kind == BottleneckKind.UNCLEAR and from_answers <= S.CLOSE_CALL + 1e-9
        ):
            members.append(row.model)
    return members if len(members) > 1 else []


def drivers_of(matrix: Matrix, intake: Intake, bottleneck: Bottleneck, best: EngagementModel,
               other: EngagementModel) -> list[Evidence]:
    """The answers that gave ``best`` its lead over ``other``, strongest first.

    The fit row's diagnosis terms are shared among the diagnosis evidence of that side, in
    proportion to how much each answer moved it, and those answers rank together by the
    diagnosis's whole share (the bottleneck is one reason, told by its strongest answers);
    everything else is named by its answer.
    """
    amounts: dict[str, float] = {}
    group: dict[str, str] = {}
    whys: dict[str, tuple[bool, float, str]] = {}
    leans: dict[str, str] = {}
    values: dict[str, int | str] = {}

    def credit(field: str, amount: float, why: str, lean: str, value: int | str,
               own: bool = True) -> None:
        amounts[field] = amounts.get(field, 0.0) + amount
        # the why a reader sees speaks for the leading model where it can
        rank = (own and amount > 0, abs(amount))
        if field not in whys or rank > whys[field][:2]:
            whys[field] = (*rank, why)
        leans.setdefault(field, lean)
        values.setdefault(field, value)

    for part in lead_parts(matrix, intake, best, other):
        if part.side is not None:
            side = [e for e in bottleneck.evidence if e.leans == part.side.value]
            total = sum(e.weight for e in side)
            for e in side:
                credit(e.field, part.amount * e.weight / total, e.why, e.leans, e.value)
                group[e.field] = "diagnosis"
            continue
        for field in part.fields:
            value = intake.answer(field)
            credit(field, part.amount / len(part.fields), part.why, "context",
                   value if value is not None else "", own=part.own or part.from_base)
    diagnosis = sum(a for f, a in amounts.items() if group.get(f) == "diagnosis")

    def rank(field: str) -> tuple[float, float, str]:
        alone = amounts[field]
        return (-(diagnosis if group.get(field) == "diagnosis" else alone), -alone, field)

    kept = sorted((f for f, a in amounts.items() if a >= 0.005), key=rank)[:DRIVERS_KEPT]
    return [
        Evidence(field=f, value=values[f], why=whys[f][2], leans=_lean(leans[f]),
                 weight=round(amounts[f], 3))
        for f in kept
    ]


def _lean(value: str) -> str:
    return value if value in ("ownership", "capacity") else "context"


def summary(bottleneck: Bottleneck, intake: Intake, best: EngagementModel) -> str:
    """The one-line reading of the bottleneck, in words that fit this case."""
    kind = bottleneck.kind.value
    if bottleneck.kind == BottleneckKind.CAPACITY:
        if best == S.MS or intake.strategic_importance == Importance.COMMODITY:
            kind = "capacity_function"
        elif intake.slowdown == Slowdown.SKILL_GAP:
            kind = "capacity_skill"
    return W.KIND_SUMMARY[kind]


def find_risks(facts: Facts) -> list[Risk]:
    """Each risk only when an answer (or a model in play) justifies it, with its reasons and
    the answers that raised it."""
    risks: list[Risk] = []
    for rid in RiskId:
        reasons: list[str] = []
        fields: list[str] = []
        for rule, reason in W.RISK_RULES[rid]:
            ok, used = all_hold(rule, facts)
            if ok:
                reasons.append(reason)
                fields.extend(u for u in used if u not in fields)
        if reasons:
            why = f"{W.RISK_WORDING[rid]} {W.RISK_BECAUSE.format(reasons='; '.join(reasons))}"
            shown = _answers(facts.intake, fields)
            if shown:
                why += " " + W.RISK_ANSWERS.format(answers=shown)
            risks.append(Risk(id=rid, why=why, fields=fields))
    return risks


def _answers(intake: Intake, fields: list[str], limit: int = 4) -> str:
    """Answers in words, for a sentence: "How long: Long term (over 6 months); ..."."""
    shown = [answer_text(f, intake.answer(f)) for f in fields if f != "recommendation.model"]
    return "; ".join(shown[:limit])


def find_mismatch(facts: Facts, contradicted: EngagementModel | None, matrix: Matrix,
                  drivers: list[Evidence]) -> Mismatch | None:
    """The leader's request against the verdict: only when the stated model is neither the
    recommendation nor in the close call."""
    if contradicted is None or facts.recommended is None:
        return None
    best = facts.recommended
    why, fields = "", []
    for rule, text in W.MISMATCH_RULES:
        ok, used = all_hold(rule, facts)
        if ok:
            why, fields = text, used
            break
    if not why:
        why = W.MISMATCH_GENERIC.format(
            stated=MODEL_WORDS[contradicted.value].name.lower(),
            recommended=MODEL_WORDS[best.value].name.lower(),
            best=matrix.ranking[0].score,
            stated_score=next(r.score for r in matrix.ranking if r.model == contradicted),
        )
    top = [d for d in drivers if d.field != "stated_need"][:3]
    if top:
        why += " " + W.SHOWN_BY.format(answers="; ".join(answer_text(d.field, d.value)
                                                        for d in top))
    for d in top:
        if d.field not in fields:
            fields.append(d.field)
    fields = [f for f in fields if f != "recommendation.model"]
    return Mismatch(stated=contradicted, recommended=best, why=why, fields=fields)


def rationale(intake: Intake, bottleneck: Bottleneck, matrix: Matrix,
              close: list[EngagementModel], drivers: list[Evidence]) -> list[str]:
    """A few sentences naming the answers and the rows that decided the ranking; none of
    them argues for a model ranked lower."""
    R = W.RATIONALE
    ranking = matrix.ranking
    best, runner_up = ranking[0], ranking[1]
    lines = [bottleneck.summary]
    top = [d for d in drivers if d.field != "stated_need"][:3]
    if top:
        lines.append(R["drivers"].format(drivers="; ".join(
            R["driver"].format(answer=answer_text(d.field, d.value), why=d.why) for d in top)))
    if bottleneck.kind == BottleneckKind.UNCLEAR:
        lines.append(R["no_drivers"])
    name = MODEL_WORDS[best.model.value].name
    if close:
        names = [MODEL_WORDS[m.value].name for m in close]
        margin = best.score - next(r.score for r in ranking if r.model == close[-1])
        lines.append(R["close_call"].format(
            models=", ".join(names[:-1]) + " and " + names[-1], margin=max(margin, 0.0),
            each="both are" if len(names) == 2 else "each is", fit_line=best.fit))
    else:
        lines.append(R["winner"].format(
            best=name, score=best.score, runner_up=MODEL_WORDS[runner_up.model.value].name,
            runner_score=runner_up.score, fit_line=best.fit))
    high = [p for p in PRIORITY_IDS if intake.priority(p).value == "high"]
    strong = [FACTORS[p].lower() for p in high if best.factors[p].score >= 4]
    weak = [FACTORS[p].lower() for p in high if best.factors[p].score <= 2]
    if strong:
        lines.append(R["strong_on"].format(factors=", ".join(strong)))
    if weak:
        lines.append(R["weak_on"].format(factors=", ".join(weak)))
    return lines
