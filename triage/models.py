"""The fixed vocabulary of engagement triage: the intake (answers) and the assessment (verdict).

Ids and values here are the contract in ``shared/spec/intake.md``; the Slack modals, the
database and the command line all speak them. Nothing in this module does I/O.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

# --------------------------------------------------------------------------- enums


class StatedNeed(StrEnum):
    MORE_ENGINEERS = "more_engineers"
    OWN_OUTCOME = "own_outcome"
    OUTSOURCE_FUNCTION = "outsource_function"
    NOT_SURE = "not_sure"


class Slowdown(StrEnum):
    EXECUTION_CAPACITY = "execution_capacity"
    UNCLEAR_DECISIONS = "unclear_decisions"
    SKILL_GAP = "skill_gap"
    QUALITY_RISK = "quality_risk"
    OTHER = "other"


class Duration(StrEnum):
    WEEKS = "weeks"
    QUARTER = "quarter"
    LONG_TERM = "long_term"


class Importance(StrEnum):
    CORE = "core"
    SUPPORTING = "supporting"
    COMMODITY = "commodity"


class Teams(StrEnum):
    """How many teams will work with the outside help."""

    ONE = "one"
    SEVERAL = "several"


class VendorsInUse(StrEnum):
    """Outside agencies, contractors or platforms the company already uses."""

    NONE = "none"
    ONE = "one"
    SEVERAL = "several"


class Requirements(StrEnum):
    """How settled what must be built is."""

    STABLE = "stable"
    EVOLVING = "evolving"


class Level(StrEnum):
    """How often a symptom shows up."""

    NEVER = "never"
    SOMETIMES = "sometimes"
    OFTEN = "often"
    CONSTANTLY = "constantly"

    @property
    def rank(self) -> int:
        return _LEVEL_RANK[self]


_LEVEL_RANK = {Level.NEVER: 0, Level.SOMETIMES: 1, Level.OFTEN: 2, Level.CONSTANTLY: 3}


class Weight(StrEnum):
    """How much a comparison factor matters to the leader."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class EngagementModel(StrEnum):
    STAFF_AUGMENTATION = "staff_augmentation"
    PRODUCT_DELIVERY = "product_delivery"
    MANAGED_SERVICES = "managed_services"
    MANAGED_MARKETPLACE = "managed_marketplace"


class BottleneckKind(StrEnum):
    OWNERSHIP = "ownership"
    CAPACITY = "capacity"
    MIXED = "mixed"
    UNCLEAR = "unclear"


class SymptomCategory(StrEnum):
    OWNERSHIP = "ownership"
    RISK = "risk"


class RiskId(StrEnum):
    CONTRACTOR_SPRAWL = "contractor_sprawl"
    BLACK_BOX = "black_box"
    KNOWLEDGE_DRAIN = "knowledge_drain"
    SKILL_MISMATCH = "skill_mismatch"
    SECURITY_ACCESS = "security_access"
    VENDOR_LOCK_IN = "vendor_lock_in"
    MANAGEMENT_OVERHEAD = "management_overhead"


# Field ids, in the order the spec lists them. Everything that iterates over signals,
# symptoms or priorities (modals, tables, database columns) uses these tuples.
CAPACITY_SIGNALS: tuple[str, ...] = (
    "roadmap_clear",
    "leadership_active",
    "process_stable",
    "need_senior_capacity",
)
OWNERSHIP_SIGNALS: tuple[str, ...] = (
    "outcome_led_scope",
    "design_engineering_together",
    "steering_bandwidth_limited",
    "need_fast_decisions",
)
SIGNAL_IDS: tuple[str, ...] = CAPACITY_SIGNALS + OWNERSHIP_SIGNALS

OWNERSHIP_SYMPTOMS: tuple[str, ...] = (
    "unclear_tickets",
    "blocked_on_product",
    "decisions_bouncing",
    "alignment_over_building",
)
RISK_SYMPTOMS: tuple[str, ...] = (
    "contractor_sprawl",
    "knowledge_drain",
    "black_box_vendor",
    "skill_mismatch",
    "access_risk",
)
SYMPTOM_IDS: tuple[str, ...] = OWNERSHIP_SYMPTOMS + RISK_SYMPTOMS

PRIORITY_IDS: tuple[str, ...] = (
    "cost_predictability",
    "speed_to_productivity",
    "governance_risk",
    "flexibility",
    "knowledge_retention",
    "process_maturity",
    "strategic_control",
    "management_burden",
)

STATED_MODEL: dict[StatedNeed, EngagementModel | None] = {
    StatedNeed.MORE_ENGINEERS: EngagementModel.STAFF_AUGMENTATION,
    StatedNeed.OWN_OUTCOME: EngagementModel.PRODUCT_DELIVERY,
    StatedNeed.OUTSOURCE_FUNCTION: EngagementModel.MANAGED_SERVICES,
    StatedNeed.NOT_SURE: None,
}


def symptom_category(symptom_id: str) -> SymptomCategory:
    return SymptomCategory.OWNERSHIP if symptom_id in OWNERSHIP_SYMPTOMS else SymptomCategory.RISK


# --------------------------------------------------------------------------- intake

_STRICT = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)

Rating = Annotated[StrictInt, Field(ge=1, le=5)]


class Signals(BaseModel):
    """Statements the leader rates 1 (strongly disagree) to 5 (strongly agree). All required."""

    model_config = _STRICT

    roadmap_clear: Rating
    leadership_active: Rating
    process_stable: Rating
    need_senior_capacity: Rating
    outcome_led_scope: Rating
    design_engineering_together: Rating
    steering_bandwidth_limited: Rating
    need_fast_decisions: Rating


class Symptoms(BaseModel):
    """How often each symptom shows up; anything not given is ``never``."""

    model_config = _STRICT

    unclear_tickets: Level = Level.NEVER
    blocked_on_product: Level = Level.NEVER
    decisions_bouncing: Level = Level.NEVER
    alignment_over_building: Level = Level.NEVER
    contractor_sprawl: Level = Level.NEVER
    knowledge_drain: Level = Level.NEVER
    black_box_vendor: Level = Level.NEVER
    skill_mismatch: Level = Level.NEVER
    access_risk: Level = Level.NEVER


class Priorities(BaseModel):
    """How much each comparison factor matters; anything not given is ``medium``."""

    model_config = _STRICT

    cost_predictability: Weight = Weight.MEDIUM
    speed_to_productivity: Weight = Weight.MEDIUM
    governance_risk: Weight = Weight.MEDIUM
    flexibility: Weight = Weight.MEDIUM
    knowledge_retention: Weight = Weight.MEDIUM
    process_maturity: Weight = Weight.MEDIUM
    strategic_control: Weight = Weight.MEDIUM
    management_burden: Weight = Weight.MEDIUM


EngagementName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)
]


class Intake(BaseModel):
    """The leader's answers. Unknown keys are an error, so a typo never passes silently."""

    model_config = _STRICT

    engagement: EngagementName = "Untitled engagement"
    stated_need: StatedNeed
    slowdown: Slowdown
    duration: Duration = Duration.QUARTER
    strategic_importance: Importance = Importance.SUPPORTING
    signals: Signals
    symptoms: Symptoms = Field(default_factory=Symptoms)
    priorities: Priorities = Field(default_factory=Priorities)
    # Optional context; None means "not answered", and the engine then never guesses.
    teams: Teams | None = None
    vendors_in_use: VendorsInUse | None = None
    requirements: Requirements | None = None
    notes: Annotated[str, Field(max_length=3000)] = ""

    def signal(self, signal_id: str) -> int:
        value: int = getattr(self.signals, signal_id)
        return value

    def symptom(self, symptom_id: str) -> Level:
        value: Level = getattr(self.symptoms, symptom_id)
        return value

    def priority(self, priority_id: str) -> Weight:
        value: Weight = getattr(self.priorities, priority_id)
        return value

    def answer(self, path: str) -> int | str | None:
        """Any answer by its field path (``duration``, ``signals.roadmap_clear``, ...);
        None for an optional answer left unanswered."""
        group, _, sub = path.partition(".")
        if sub:
            value: object = getattr(getattr(self, group), sub)
        else:
            value = getattr(self, group)
        if value is None or isinstance(value, int):
            return value
        return str(value)


# --------------------------------------------------------------------------- assessment

_OUT = ConfigDict(extra="forbid", frozen=True)

AnswerValue = int | str


class Evidence(BaseModel):
    """One answer that moved the verdict, and why it mattered."""

    model_config = _OUT

    field: str = Field(description="Field path of the answer, e.g. signals.roadmap_clear")
    value: AnswerValue
    why: str
    leans: Literal["ownership", "capacity", "context"] = "context"
    weight: float = Field(default=0.0, description="How much this answer moved the balance")


class Bottleneck(BaseModel):
    model_config = _OUT

    kind: BottleneckKind
    confidence: Annotated[float, Field(ge=0.0, le=1.0)]
    ownership_score: float = Field(ge=0.0, le=1.0, description="Strength of the ownership case")
    capacity_score: float = Field(ge=0.0, le=1.0, description="Strength of the capacity case")
    summary: str = ""
    evidence: list[Evidence]


class SymptomFinding(BaseModel):
    model_config = _OUT

    id: str
    level: Level
    category: SymptomCategory


class FactorCell(BaseModel):
    """One cell of the decision matrix: how much the factor matters, and how the model scores."""

    model_config = _OUT

    weight: float
    score: float = Field(ge=1, le=5)
    base: float | None = Field(default=None, description="The score before context moved it")
    notes: list[str] = Field(
        default_factory=list, description="Why context moved the score, e.g. '-1: ...'"
    )


class RankedModel(BaseModel):
    model_config = _OUT

    model: EngagementModel
    score: Annotated[float, Field(ge=0.0, le=5.0)]
    factors: dict[str, FactorCell]
    fit: str = Field(default="", description="One line on why this model fits or not")


class Recommendation(BaseModel):
    model_config = _OUT

    model: EngagementModel
    ranking: list[RankedModel]
    rationale: list[str]
    close_call: list[EngagementModel] = Field(
        default_factory=list,
        description="When the top models are too close to call: them, best first; else empty",
    )
    drivers: list[Evidence] = Field(
        default_factory=list,
        description="The answers that gave the model its lead, strongest first",
    )


class Mismatch(BaseModel):
    model_config = _OUT

    stated: EngagementModel
    recommended: EngagementModel
    why: str
    fields: list[str] = Field(default_factory=list, description="Answers behind the mismatch")


class Risk(BaseModel):
    model_config = _OUT

    id: RiskId
    why: str
    fields: list[str] = Field(default_factory=list, description="Answers that raised this risk")


class Assessment(BaseModel):
    """The verdict. Every conclusion carries the answers that drove it."""

    model_config = _OUT

    engagement: str
    stated_need: StatedNeed
    bottleneck: Bottleneck
    symptoms: list[SymptomFinding]
    recommendation: Recommendation
    mismatch: Mismatch | None
    risks: list[Risk]
    next_steps: list[str]


# --------------------------------------------------------------------------- follow-ups


class Trend(StrEnum):
    IMPROVING = "improving"
    WORSENING = "worsening"
    STABLE = "stable"
    MIXED = "mixed"


class Change(BaseModel):
    """One answer that moved between the baseline and a follow-up."""

    model_config = _OUT

    field: str
    before: AnswerValue
    after: AnswerValue
    why: str


class Shift(BaseModel):
    model_config = _OUT

    before: str
    after: str


class Comparison(BaseModel):
    model_config = _OUT

    improved: list[Change]
    worsened: list[Change]
    changed: list[Change] = Field(
        default_factory=list, description="Moved, but neither better nor worse in itself"
    )
    trend: Trend
    bottleneck_shift: Shift | None
    model_shift: Shift | None
    summary: str
    follow_up: Assessment
