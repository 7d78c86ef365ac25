"""The small condition language the tables use (see the top of ``tables.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from triage.models import OWNERSHIP_SYMPTOMS, Intake, Level
from triage.tables import Condition, Rule

_LEVELS = {lvl.value: lvl.rank for lvl in Level}


@dataclass(frozen=True)
class Facts:
    """What a condition can ask about: the answers and, once known, the verdict so far."""

    intake: Intake
    kind: str = ""
    stated: str | None = None
    recommended: str | None = None
    risks: frozenset[str] = frozenset()


def _compare(left: float, op: str, right: float) -> bool:
    if op == ">=":
        return left >= right
    if op == "<=":
        return left <= right
    return left == right


def holds(cond: Condition, f: Facts) -> tuple[bool, list[str]]:
    """Whether one condition holds, and the answer fields that made it hold."""
    i = f.intake
    match cond:
        case ("always",):
            return True, []
        case ("signal", sid, op, value):
            return _compare(i.signal(sid), op, float(value)), [f"signals.{sid}"]
        case ("symptom", sid, op, level):
            return _compare(i.symptom(sid).rank, op, _LEVELS[level]), [f"symptoms.{sid}"]
        case ("ownership_symptoms", op, level):
            top = max(i.symptom(s).rank for s in OWNERSHIP_SYMPTOMS)
            hit = [
                f"symptoms.{s}"
                for s in OWNERSHIP_SYMPTOMS
                if _compare(i.symptom(s).rank, op, _LEVELS[level])
            ]
            return _compare(top, op, _LEVELS[level]), hit
        case ("duration", value):
            return i.duration.value == value, ["duration"]
        case ("importance", value):
            return i.strategic_importance.value == value, ["strategic_importance"]
        case ("slowdown", value):
            return i.slowdown.value == value, ["slowdown"]
        case ("priority", pid, value):
            return i.priority(pid).value == value, [f"priorities.{pid}"]
        case ("kind", value):
            return f.kind == value, []
        case ("risk", rid):
            return rid in f.risks, []
        case ("model", which, model):
            stated = f.stated == model and which in ("stated", "either")
            recommended = f.recommended == model and which in ("recommended", "either")
            fields = (["stated_need"] if stated else []) + (
                ["recommendation.model"] if recommended else []
            )
            return stated or recommended, fields
    raise ValueError(f"unknown condition {cond!r} in the tables")  # tables are checked


def all_hold(rule: Rule, f: Facts) -> tuple[bool, list[str]]:
    """A rule holds when every condition holds; returns the fields behind it."""
    fields: list[str] = []
    for cond in rule:
        ok, used = holds(cond, f)
        if not ok:
            return False, []
        fields.extend(u for u in used if u not in fields)
    return True, fields


def any_holds(rules: Iterable[Rule], f: Facts) -> bool:
    return any(all_hold(rule, f)[0] for rule in rules)
