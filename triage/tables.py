"""One check over every table, and compatibility names for the old all-in-one module.

The triage's tables live where they belong: the numbers (base scores, moves, weights,
thresholds, each with the passage behind it) in ``triage/scoring.py``, the sentences in
``triage/wording.py``, the labels people read in ``triage/questions.py``, and the types of
the entries in ``triage/rules.py``. ``check_tables()`` runs when the engine is imported:
an entry that names an unknown model, factor, signal, symptom, risk or answer value fails
loudly instead of never matching. ``FACTOR_LABELS`` and ``MODEL_SHORT`` keep the Slack
views working unchanged; new code should import from ``triage.questions``.
"""

from __future__ import annotations

from typing import Final

from triage import scoring, wording
from triage.models import PRIORITY_IDS, SIGNAL_IDS, SYMPTOM_IDS, RiskId
from triage.questions import FACTORS, MODEL_SHORT
from triage.rules import PerLevel, PerNotch, Rule, When, problems

FACTOR_LABELS: Final = FACTORS  # alias of questions.FACTORS
FIT_FACTOR: Final = scoring.FIT
MODELS: Final[tuple[str, ...]] = tuple(m.value for m in scoring.MODELS)

__all__ = ["FACTOR_LABELS", "FIT_FACTOR", "MODELS", "MODEL_SHORT", "check_tables"]


def check_tables() -> None:
    """Fail loudly if a table names something the contract does not know."""
    bad = _scoring_problems() + _wording_problems()
    if bad:
        raise RuntimeError("triage tables are inconsistent: " + "; ".join(bad))


def _scoring_problems() -> list[str]:
    S = scoring
    bad: list[str] = []
    if set(S.SIGNALS) != set(SIGNAL_IDS) or set(S.SIGNAL_BETTER_WHEN) != set(SIGNAL_IDS):
        bad.append("SIGNALS and SIGNAL_BETTER_WHEN must rate every signal")
    if set(S.BASE) != set(PRIORITY_IDS):
        bad.append("BASE must score every factor")
    if set(S.FIT_BY_SIDE) != set(S.MODELS):
        bad.append("FIT_BY_SIDE must cover every model")
    rows = list(S.BASE.values())
    totals = {sum(getattr(row, m) for row in rows) for m in ("sa", "pd", "ms", "mm")}
    if len(totals) != 1:
        bad.append(f"BASE must total the same for every model (totals {sorted(totals)})")
    for factor, row in S.BASE.items():
        if not all(1 <= s <= 5 for s in (row.sa, row.pd, row.ms, row.mm)) or not row.source:
            bad.append(f"BASE[{factor}] needs scores 1..5 and a source")
    for sid, (factor, per) in S.SYMPTOM_WEIGHT.items():
        if sid not in SYMPTOM_IDS or factor not in PRIORITY_IDS or per <= 0:
            bad.append(f"SYMPTOM_WEIGHT[{sid}]")
    ids = [m.id for m in S.MOVES]
    if len(set(ids)) != len(ids):
        bad.append("MOVES ids must be unique")
    for move in S.MOVES:
        if move.model not in S.MODELS or move.factor not in (*PRIORITY_IDS, S.FIT) \
                or not move.source:
            bad.append(f"move {move.id}: model, factor and source")
        match move.by:
            case PerNotch(signal, _, _) if signal not in SIGNAL_IDS:
                bad.append(f"move {move.id}: unknown signal {signal!r}")
            case PerLevel(symptoms, _, _) if not set(symptoms) <= set(SYMPTOM_IDS):
                bad.append(f"move {move.id}: unknown symptom in {symptoms!r}")
            case When(cond, _):
                bad += [f"move {move.id}: {p}" for p in problems(cond)]
            case PerNotch() | PerLevel():
                pass
            case _:
                bad.append(f"move {move.id}: not an amount")
    return bad


def _wording_problems() -> list[str]:
    W = wording
    bad: list[str] = []
    missing = {m.id for m in scoring.MOVES} ^ set(W.MOVES_WHY)
    if missing:
        bad.append(f"MOVES_WHY and scoring.MOVES differ on {sorted(missing)}")
    if set(W.RISK_RULES) != set(RiskId) or set(W.RISK_WORDING) != set(RiskId):
        bad.append("every risk needs rules and wording")
    rules: list[Rule] = [r for r, _ in W.MISMATCH_RULES]
    rules += [r for entries in W.RISK_RULES.values() for r, _ in entries]
    rules += [r for triggers, _ in W.NEXT_STEPS for r in triggers]
    for rule in rules:
        for cond in rule:
            bad += problems(cond)
    return bad
