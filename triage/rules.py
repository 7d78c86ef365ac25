"""The typed values the tables in ``scoring.py`` and ``wording.py`` are made of.

A *rule* is a tuple of conditions that must all hold. Each condition is a frozen dataclass
(no strings, no numbers written as strings), checked against the contract at import by
``tables.check_tables()`` (``problems`` below), so a typo fails loudly instead of never
matching. Evaluating a condition also says which answers made it hold: that is how every
risk and mismatch names the answers behind it. The typed table entries (a statement's
reading, a row of base scores, a move and its amount) are at the end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from triage.models import (
    OWNERSHIP_SYMPTOMS,
    PRIORITY_IDS,
    SIGNAL_IDS,
    SYMPTOM_IDS,
    BottleneckKind,
    Duration,
    EngagementModel,
    Importance,
    Intake,
    Level,
    Requirements,
    RiskId,
    Slowdown,
    StatedNeed,
    Teams,
    VendorsInUse,
    Weight,
)

# The answers a condition may name, with the values each can take.
ANSWER_VALUES: dict[str, type[StrEnum]] = {
    "stated_need": StatedNeed,
    "slowdown": Slowdown,
    "duration": Duration,
    "strategic_importance": Importance,
    "teams": Teams,
    "vendors_in_use": VendorsInUse,
    "requirements": Requirements,
    **{f"priorities.{p}": Weight for p in PRIORITY_IDS},
}


@dataclass(frozen=True)
class Is:
    """An answer has one of these values (an unanswered optional answer never matches)."""

    field: str
    values: tuple[StrEnum, ...]


@dataclass(frozen=True)
class Agrees:
    """A statement is rated at least ``at_least`` (4 = agree)."""

    signal: str
    at_least: int = 4


@dataclass(frozen=True)
class Disagrees:
    """A statement is rated at most ``at_most`` (2 = disagree)."""

    signal: str
    at_most: int = 2


@dataclass(frozen=True)
class Seen:
    """A symptom shows up at least this often; several ids: any one of them does."""

    symptoms: tuple[str, ...]
    at_least: Level = Level.SOMETIMES


@dataclass(frozen=True)
class KindIs:
    """The diagnosed bottleneck is one of these kinds."""

    kinds: tuple[BottleneckKind, ...]


@dataclass(frozen=True)
class InPlay:
    """The model was asked for, is recommended, or is the other one of a close call's top
    two (the two a close call presents)."""

    model: EngagementModel


@dataclass(frozen=True)
class Recommended:
    model: EngagementModel


@dataclass(frozen=True)
class Stated:
    model: EngagementModel


@dataclass(frozen=True)
class Raised:
    """A risk has already been raised (for next steps)."""

    risk: RiskId


@dataclass(frozen=True)
class CloseCall:
    """The top models are too close to call."""


@dataclass(frozen=True)
class Not:
    condition: Condition


Condition = Is | Agrees | Disagrees | Seen | KindIs | InPlay | Recommended | Stated | Raised | \
    CloseCall | Not
Rule = tuple[Condition, ...]

OWNERSHIP_SEEN = Seen(OWNERSHIP_SYMPTOMS)


@dataclass(frozen=True)
class Facts:
    """What a condition can ask about: the answers and, once known, the verdict so far."""

    intake: Intake
    kind: BottleneckKind | None = None
    stated: EngagementModel | None = None
    recommended: EngagementModel | None = None
    close_call: tuple[EngagementModel, ...] = ()
    risks: frozenset[RiskId] = frozenset()


def holds(cond: Condition, f: Facts) -> tuple[bool, list[str]]:
    """Whether one condition holds, and the answer fields that made it hold."""
    i = f.intake
    match cond:
        case Is(field, values):
            answer = i.answer(field)
            return answer is not None and answer in {v.value for v in values}, [field]
        case Agrees(signal, at_least):
            return i.signal(signal) >= at_least, [f"signals.{signal}"]
        case Disagrees(signal, at_most):
            return i.signal(signal) <= at_most, [f"signals.{signal}"]
        case Seen(symptoms, at_least):
            hit = [f"symptoms.{s}" for s in symptoms if i.symptom(s).rank >= at_least.rank]
            return bool(hit), hit
        case KindIs(kinds):
            return f.kind in kinds, []
        case InPlay(model):
            fields = (["stated_need"] if f.stated == model else []) + (
                ["recommendation.model"]
                if f.recommended == model or model in f.close_call[:2]
                else []
            )
            return bool(fields), fields
        case Recommended(model):
            return f.recommended == model, ["recommendation.model"]
        case Stated(model):
            return f.stated == model, ["stated_need"]
        case Raised(risk):
            return risk in f.risks, []
        case CloseCall():
            return len(f.close_call) > 1, []
        case Not(inner):
            ok, _ = holds(inner, f)
            return not ok, []
    raise TypeError(f"unknown condition {cond!r}")  # pragma: no cover - tables are checked


def all_hold(rule: Rule, f: Facts) -> tuple[bool, list[str]]:
    """A rule holds when every condition holds; returns the answer fields behind it."""
    fields: list[str] = []
    for cond in rule:
        ok, used = holds(cond, f)
        if not ok:
            return False, []
        fields.extend(u for u in used if u not in fields)
    return True, fields


def any_holds(rules: Iterable[Rule], f: Facts) -> bool:
    return any(all_hold(rule, f)[0] for rule in rules)


def problems(cond: Condition) -> list[str]:
    """What is wrong with a condition against the contract (empty when it is fine)."""
    match cond:
        case Is(field, values):
            enum = ANSWER_VALUES.get(field)
            if enum is None:
                return [f"unknown answer {field!r}"]
            bad = [v for v in values if not isinstance(v, enum)]
            return [f"{field}: {v!r} is not a {enum.__name__}" for v in bad] + (
                [] if values else [f"{field}: no values"]
            )
        case Agrees(signal, n) | Disagrees(signal, n):
            ok = signal in SIGNAL_IDS and 1 <= n <= 5
            return [] if ok else [f"bad signal condition {cond!r}"]
        case Seen(symptoms, level):
            ok = bool(symptoms) and set(symptoms) <= set(SYMPTOM_IDS) and isinstance(level, Level)
            return [] if ok else [f"bad symptom condition {cond!r}"]
        case KindIs(kinds):
            ok = bool(kinds) and all(isinstance(k, BottleneckKind) for k in kinds)
            return [] if ok else [f"bad kind condition {cond!r}"]
        case InPlay(m) | Recommended(m) | Stated(m):
            return [] if isinstance(m, EngagementModel) else [f"unknown model in {cond!r}"]
        case Raised(risk):
            return [] if isinstance(risk, RiskId) else [f"unknown risk in {cond!r}"]
        case CloseCall():
            return []
        case Not(inner):
            return problems(inner)
    return [f"not a condition: {cond!r}"]


# ------------------------------------------------------------------ typed table entries
# The shapes of the entries in ``scoring.py``: what a statement counts for, a row of base
# scores, and a move of one cell by an amount that grows with an answer.


class Reading(NamedTuple):
    side: BottleneckKind  # the side whose statement this is (000's two lists)
    agree: float  # notches per step of agreement, for that side
    cross: float  # per step of disagreement, for the other side
    against: float  # per step of disagreement, taken off its own side


class Row(NamedTuple):
    sa: int
    pd: int
    ms: int
    mm: int
    source: str


@dataclass(frozen=True)
class PerNotch:
    """Moves by ``per`` for each notch a statement is above 3 (below 3 moves the other way;
    ``above_only`` ignores ratings under 3)."""

    signal: str
    per: float
    above_only: bool = False


@dataclass(frozen=True)
class PerLevel:
    """Moves by ``per`` for each level of the named symptoms together (sometimes = 1)."""

    symptoms: tuple[str, ...]
    per: float
    cap: float = 3.0  # at most this many levels count


@dataclass(frozen=True)
class When:
    """Moves by ``delta`` when the condition holds."""

    condition: Condition
    delta: float


Amount = PerNotch | PerLevel | When


@dataclass(frozen=True)
class Move:
    """Context moves one cell (a factor or the FIT row) of one model. ``id`` names its
    reason in ``wording.MOVES``."""

    id: str
    model: EngagementModel
    factor: str
    by: Amount
    source: str
