"""Follow-ups: what moved between the baseline answers and a check-in's answers."""

from __future__ import annotations

from triage import scoring as S
from triage import wording as W
from triage.engine import assess
from triage.models import SIGNAL_IDS, SYMPTOM_IDS, Change, Comparison, Intake, Shift, Trend
from triage.questions import MODEL_WORDS, label, value_label


def _change(field: str, before: int | str, after: int | str, key: str) -> Change:
    why = W.CHANGE_WHY[key].format(label=label(field), before=value_label(field, before),
                                   after=value_label(field, after))
    return Change(field=field, before=before, after=after, why=why)


def compare(baseline: Intake, follow_up: Intake) -> Comparison:
    """Per symptom and per signal: better, worse or just changed; plus any shift in the verdict."""
    before, after = assess(baseline), assess(follow_up)
    improved: list[Change] = []
    worsened: list[Change] = []
    changed: list[Change] = []
    better_pts = worse_pts = 0.0

    for sid in SYMPTOM_IDS:
        b, a = baseline.symptom(sid), follow_up.symptom(sid)
        if a == b:
            continue
        steps = (b.rank - a.rank) * S.TREND_STEP_WEIGHT["symptom"]
        field = f"symptoms.{sid}"
        if steps > 0:
            improved.append(_change(field, b.value, a.value, "symptom_better"))
            better_pts += steps
        else:
            worsened.append(_change(field, b.value, a.value, "symptom_worse"))
            worse_pts -= steps

    for sid in SIGNAL_IDS:
        b_val, a_val = baseline.signal(sid), follow_up.signal(sid)
        if a_val == b_val:
            continue
        field = f"signals.{sid}"
        direction = S.SIGNAL_BETTER_WHEN[sid]
        steps = (a_val - b_val) * direction * S.TREND_STEP_WEIGHT["signal"]
        if direction == 0:
            changed.append(_change(field, b_val, a_val, "signal_neutral"))
        elif steps > 0:
            improved.append(_change(field, b_val, a_val, "signal_better"))
            better_pts += steps
        else:
            worsened.append(_change(field, b_val, a_val, "signal_worse"))
            worse_pts -= steps

    trend = _trend(better_pts, worse_pts)
    kind_shift = (
        Shift(before=before.bottleneck.kind.value, after=after.bottleneck.kind.value)
        if before.bottleneck.kind != after.bottleneck.kind
        else None
    )
    model_shift = (
        Shift(before=before.recommendation.model.value, after=after.recommendation.model.value)
        if before.recommendation.model != after.recommendation.model
        else None
    )
    summary = W.TREND_SUMMARY[trend.value].format(better=len(improved), worse=len(worsened))
    if model_shift:
        summary += W.SHIFT_SUMMARY["model"].format(
            model=MODEL_WORDS[model_shift.after].name.lower())
    if kind_shift:
        summary += W.SHIFT_SUMMARY["kind"].format(kind=W.SHIFT_KIND[kind_shift.after])
    return Comparison(
        improved=improved,
        worsened=worsened,
        changed=changed,
        trend=trend,
        bottleneck_shift=kind_shift,
        model_shift=model_shift,
        summary=summary,
        follow_up=after,
    )


def _trend(better: float, worse: float) -> Trend:
    if not better and not worse:
        return Trend.STABLE
    if better >= S.TREND_DOMINANCE * worse:
        return Trend.IMPROVING
    if worse >= S.TREND_DOMINANCE * better:
        return Trend.WORSENING
    return Trend.MIXED
