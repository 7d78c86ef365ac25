"""Every number the triage uses, each with the passage behind it: data only. The sentences
are in ``wording.py``, the types of these entries in ``rules.py``, and
``tables.check_tables()`` (run at import) rejects an entry the contract does not know.

Sources: **000** is the article comparing staff augmentation with product delivery (sections
"when your system already works", "when ownership is the bottleneck", "the mistake that
burns time", "the right question"). **004** is a managed-marketplace vendor's guide to staff
augmentation, managed services and its own model (sections on each model, the comparison
table, the failure patterns, the decision matrix, next steps). 004 is marketing for the
marketplace: what it says about the marketplace is a claim, not evidence, so those scores
are discounted (see docs/engine.md); what it concedes about the other models is used.

Scale of a cell: 1 poor ... 3 depends / the articles say nothing ... 5 strong, always from
the leader's side (``management_burden`` 5 = takes the most load off the managers).
"""

# fmt: off
from __future__ import annotations

from typing import Final

from triage.models import (
    OWNERSHIP_SYMPTOMS,
    BottleneckKind,
    Duration,
    EngagementModel,
    Importance,
    Level,
    Requirements,
    Slowdown,
    Teams,
    VendorsInUse,
    Weight,
)
from triage.rules import Is, Move, PerLevel, PerNotch, Reading, Row, When

SA, PD, MS, MM = (EngagementModel.STAFF_AUGMENTATION, EngagementModel.PRODUCT_DELIVERY,
                  EngagementModel.MANAGED_SERVICES, EngagementModel.MANAGED_MARKETPLACE)
MODELS: Final = (SA, PD, MS, MM)   # column order, and the tie-break on equal scores
FIT: Final = "bottleneck_fit"      # the matrix row for fit with the diagnosis and the work

# ============================================================ 1. DIAGNOSIS
# Scores are counted in *notches*: one step of agreement (3 -> 4) with one statement. A side
# reads clear at CLEAR (3.2 notches of NOTCH each: e.g. agreeing with all four of its
# statements, or with two plus naming it as the slowdown). 000 lists four signals per side.
NOTCH: Final = 0.125


SIGNALS: Final[dict[str, Reading]] = {
    # 000 "choose staff augmentation when": roadmap clear, leadership active, process
    # stable, "you mainly need more senior execution capacity". An unclear roadmap or absent
    # leads also say someone must first decide (cross); an unstable process says only that
    # the machine does not work yet.
    "roadmap_clear":               Reading(BottleneckKind.CAPACITY,  1.0, 0.5, 0.5),
    "leadership_active":           Reading(BottleneckKind.CAPACITY,  1.0, 0.5, 0.5),
    "process_stable":              Reading(BottleneckKind.CAPACITY,  1.0, 0.0, 0.5),
    "need_senior_capacity":        Reading(BottleneckKind.CAPACITY,  1.0, 0.0, 0.0),
    # 000 "product delivery is stronger when": outcome-led scope, design and engineering
    # together, limited steering bandwidth, fast decisions over coordination. A backlog-led
    # scope or time to steer also say the machine can take direction (cross).
    "outcome_led_scope":           Reading(BottleneckKind.OWNERSHIP, 1.0, 0.5, 0.5),
    "design_engineering_together": Reading(BottleneckKind.OWNERSHIP, 1.0, 0.0, 0.5),
    "steering_bandwidth_limited":  Reading(BottleneckKind.OWNERSHIP, 1.0, 0.5, 0.5),
    "need_fast_decisions":         Reading(BottleneckKind.OWNERSHIP, 1.0, 0.0, 0.5),
}
# 000 "the mistake": a company says it wants staff augmentation but needs product
# leadership. With ownership symptoms present, "we need seniors" says more about the wish
# than about where work waits: it keeps 1 - WISH_DISCOUNT * min(1, symptom notches / 2).
WISH_SIGNAL: Final = "need_senior_capacity"
WISH_DISCOUNT: Final = 0.75

# 000 "the symptoms are predictable": unclear tickets, blocked developers, bouncing
# decisions, aligning over building. All four "often" (4 notches) is a clear case alone.
SYMPTOM_NOTCHES: Final[dict[Level, float]] = {
    Level.NEVER: 0.0, Level.SOMETIMES: 0.5, Level.OFTEN: 1.0, Level.CONSTANTLY: 1.5,
}
# 000 "the right question": what slows the path from decision to shipped value? Execution
# capacity -> augmentation; fragmented ownership -> delivery. Counts as much as strongly
# agreeing with one statement; a missing skill is capacity (004: a niche skill for a
# bounded time), a little less direct. Quality and "other" could be either.
SLOWDOWN_NOTCHES: Final[dict[Slowdown, tuple[BottleneckKind | None, float]]] = {
    Slowdown.EXECUTION_CAPACITY: (BottleneckKind.CAPACITY,  2.0),
    Slowdown.SKILL_GAP:          (BottleneckKind.CAPACITY,  1.5),
    Slowdown.UNCLEAR_DECISIONS:  (BottleneckKind.OWNERSHIP, 2.0),
    Slowdown.QUALITY_RISK:       (None, 0.0),
    Slowdown.OTHER:              (None, 0.0),
}
CLEAR: Final = 0.4        # a side at least this strong reads as that bottleneck; both: mixed
FULL: Final = 0.8         # confidence stops growing here
# confidence: unclear 0.20..0.45 (grows with the stronger side); one side or mixed 0.50..0.95
CONFIDENCE: Final = {"unclear_low": 0.2, "unclear_high": 0.45, "low": 0.5, "high": 0.95}

# ============================================================ 2. DECISION MATRIX
# 004 "decision matrix": rate each factor Low / Medium / High and weight the scores.
PRIORITY_WEIGHT: Final[dict[Weight, float]] = {Weight.LOW: 1.0, Weight.MEDIUM: 2.0,
                                               Weight.HIGH: 3.0}
# The fit row weighs as much as three average factors, whatever the priorities' level.
FIT_SHARE: Final = 3.0
# A symptom already seen makes its factor matter more, even if not rated high: + per level.
SYMPTOM_WEIGHT: Final[dict[str, tuple[str, float]]] = {
    "access_risk":       ("governance_risk",     0.5),  # 004: unvetted access, security
    "contractor_sprawl": ("governance_risk",     0.5),  # 004: "no central governance"
    "knowledge_drain":   ("knowledge_retention", 0.5),  # 004: knowledge walks out the door
    "skill_mismatch":    ("process_maturity",    0.5),  # 004: superficial vetting, rework
    "black_box_vendor":  ("strategic_control",   0.5),  # 004: little insight, lost control
}


# Every row sums to 24 (mean 3): with no priority raised, no model wins by default.
BASE: Final[dict[str, Row]] = {
    "cost_predictability": Row(2, 3, 5, 3,
        "SA 004 TCO: low rate, high hidden costs | PD 000 silent | MS 004: predictable, "
        "fixed price or retainer | MM 004 self-claim 'transparent pricing', unproven"),
    "speed_to_productivity": Row(3, 3, 2, 3,
        "SA 004: fast to hire, slow to productivity (moved by leads and process, below) | "
        "PD 000: its speed is ambiguity reduction, in the fit row | MS 004: slow ramp-up, "
        "contract negotiation | MM 004 self-claim 'fastest', unproven"),
    "governance_risk": Row(2, 3, 3, 4,
        "SA 004: client carries quality, security, compliance risk | PD 000: one accountable "
        "team | MS 004: risk moved into SLAs, but the black box adds risk | MM 004: a vetting "
        "and governance layer is what the model is (its 'very high' discounted one step)"),
    "flexibility": Row(5, 3, 2, 3,
        "SA 004 (a competitor conceding it): unmatched, scale up or down quickly | PD 000 "
        "silent | MS 004: rigid long-term contracts | MM 004 self-claim, paired with "
        "'long-term governed partnerships' and standard contracts: midpoint"),
    "knowledge_retention": Row(2, 2, 2, 2,
        "SA 004: knowledge leaves with contractors (by duration, below) | PD: the outside "
        "team owning the slice holds what it learned | MS 004: retained by the vendor, "
        "lock-in | MM 004: retained 'within the ecosystem', i.e. with the vendor"),
    "process_maturity": Row(3, 3, 3, 3,
        "SA 000: they plug into your ceremonies and release flow, so your process (moved "
        "by process_stable, below) | PD 000: the team brings its own flow; silent on "
        "maturity | MS 004: variable, depends on the vendor | MM 004 self-claim 'high and "
        "enforced': ask for the certificates"),
    "strategic_control": Row(5, 3, 2, 3,
        "SA 004: you keep full control of direction and tasks | PD 000: you set the "
        "commercial goal, the team owns the slice | MS 004: loss of control and visibility | "
        "MM 004 FAQ: you keep direction, under its governance layer"),
    "management_burden": Row(2, 4, 5, 3,
        "SA 004: onboarding and managing temporary staff is substantial overhead | PD 000: "
        "for limited steering bandwidth, fewer handoffs | MS 004: the biggest benefit is "
        "less management | MM 004 FAQ: you still manage the roadmap and backlog"),
}



def base_score(factor: str, model: EngagementModel) -> int:
    row = BASE[factor]
    return {SA: row.sa, PD: row.pd, MS: row.ms, MM: row.mm}[model]


# The fit row from the diagnosis (own, cap in 0..1): 3 + own * a + cap * (1 - own) * b.
# Capacity help only helps where ownership is not the gap (000: adding engineers to an
# ownership problem makes it slower).
FIT_BY_SIDE: Final[dict[EngagementModel, tuple[float, float]]] = {
    SA: (-2.0, 2.0),   # 000: "speed inside an existing machine"; wrong for ownership
    PD: (2.0, -1.0),   # 000: "one team accountable"; not for "better execution on a mature roadmap"
    MS: (-1.0, 1.0),   # domain: a fixed scope will not close an ownership gap; 004: capacity
                       # for a function handed over whole, not inside your machine
    MM: (-1.0, 1.0),   # 004 FAQ: you set vision and backlog, so ownership stays with you
}
# The leader's own request is evidence too (they know the team): the stated model's fit
# gets this much. Less than a quarter of the gap clear evidence opens, so it decides only
# where the other answers do not (and then as a close call, see CLOSE_CALL).
STATED_FIT: Final = 0.75


def _is(field: str, *values: Duration | Importance | Requirements | Teams | VendorsInUse) -> Is:
    return Is(field, values)


WEEKS, LONG = _is("duration", Duration.WEEKS), _is("duration", Duration.LONG_TERM)
QUARTER = _is("duration", Duration.QUARTER)
CORE, COMMODITY = (_is("strategic_importance", Importance.CORE),
                   _is("strategic_importance", Importance.COMMODITY))
STABLE, EVOLVING = (_is("requirements", Requirements.STABLE),
                    _is("requirements", Requirements.EVOLVING))

MOVES: Final[tuple[Move, ...]] = (
    # -- staff augmentation works inside your machine (000), at your managers' cost (004)
    Move("sa_leads_direct", SA, "management_burden", PerNotch("leadership_active", 0.25),
         "004: your leads direct the work | 004: managers already stretched thin"),
    Move("sa_no_steering", SA, "management_burden",
         PerNotch("steering_bandwidth_limited", -0.25, above_only=True),
         "000: limited steering bandwidth | 004: overhead of managing temporary staff"),
    Move("sa_leads_onboard", SA, "speed_to_productivity", PerNotch("leadership_active", 0.25),
         "000: speed inside an existing machine | 004: slow to productivity (onboarding)"),
    Move("sa_process_absorbs", SA, "speed_to_productivity", PerNotch("process_stable", 0.25),
         "000: engineers plug into planning, ceremonies and release flow"),
    Move("sa_waits_on_answers", SA, "speed_to_productivity",
         PerLevel(OWNERSHIP_SYMPTOMS, -0.25, cap=2.0),
         "000: blocked developers waiting for product answers"),
    Move("sa_your_process", SA, "process_maturity", PerNotch("process_stable", 0.5),
         "000: they follow your delivery process, so it is as mature as yours"),
    Move("sa_bounded", SA, "knowledge_retention", When(WEEKS, 1.0),
         "004: a temporary need, e.g. a three-month migration, leaves little to lose"),
    Move("sa_drain", SA, "knowledge_retention", When(LONG, -1.0),
         "004: the most significant long-term risk is knowledge drain"),
    Move("sa_hidden_costs", SA, "cost_predictability", When(LONG, -0.5),
         "004: the hourly rate masks management, churn and onboarding costs"),
    Move("sa_short_push", SA, FIT, When(WEEKS, 0.5),
         "004: contractors in weeks, for urgent deadlines and temporary needs"),
    Move("sa_long_drain", SA, FIT, When(LONG, -0.5),
         "004: knowledge drain and dependency grow with the term"),
    Move("sa_sprawl", SA, FIT, PerLevel(("contractor_sprawl",), -0.25),
         "004 'shadow IT': teams hiring contractors one by one is how sprawl starts"),
    Move("sa_unvetted", SA, "governance_risk", PerLevel(("access_risk",), -0.25),
         "004: contractors reach sensitive systems without an employee's vetting"),
    Move("sa_walks_out", SA, "knowledge_retention", PerLevel(("knowledge_drain",), -0.25),
         "004: when a contractor's term ends, the knowledge walks out the door"),
    # -- managed services: commodities with stable requirements, not the core (004)
    Move("ms_commodity", MS, FIT, When(COMMODITY, 1.0),
         "004: this model works best for functions that are commodities"),
    Move("ms_core", MS, FIT, When(CORE, -1.0),
         "004: not for the core, differentiating parts of your stack"),
    Move("ms_stable", MS, FIT, When(STABLE, 1.0),
         "004: for well-defined functions with stable requirements, highly effective"),
    Move("ms_evolving", MS, FIT, When(EVOLVING, -1.0),
         "004: when requirements change, adapting the contract is difficult and costly"),
    Move("ms_short", MS, FIT, When(WEEKS, -1.0),
         "004: contracts are long-term; lengthy negotiation before work starts"),
    Move("ms_quarter", MS, FIT, When(QUARTER, -0.25),
         "004: lengthy negotiation and knowledge transfer before work starts"),
    Move("ms_ramp_up", MS, "speed_to_productivity", When(WEEKS, -0.5),
         "004: slow initial ramp-up"),
    Move("ms_core_control", MS, "strategic_control", When(CORE, -1.0),
         "004 'black box': misaligned architecture, experience and product vision"),
    Move("ms_rigid", MS, "flexibility", When(EVOLVING, -1.0),
         "004: rigid contracts, costly to change when priorities pivot"),
    Move("ms_lock_in", MS, "knowledge_retention", When(LONG, -0.5),
         "004: over time the provider becomes the sole holder of knowledge"),
    # -- product delivery: outcome-led, ambiguity reduction (000)
    Move("pd_ambiguity", PD, FIT, When(EVOLVING, 0.5),
         "000: faster ambiguity reduction and end-to-end progress"),
    # -- managed marketplace: governance across teams and vendors (004, discounted by half)
    Move("mm_short", MM, FIT, When(WEEKS, -1.0),
         "domain: a governance layer is not worth it for a small, short push"),
    Move("mm_quarter", MM, FIT, When(QUARTER, -0.25),
         "domain: the governance layer pays off over longer horizons"),
    Move("mm_long", MM, FIT, When(LONG, 0.25),
         "004 self-claim: for long-term, evolving needs (discounted)"),
    Move("mm_evolving", MM, FIT, When(EVOLVING, 0.25),
         "004 self-claim: for long-term, evolving needs (discounted)"),
    Move("mm_teams", MM, FIT, When(_is("teams", Teams.SEVERAL), 0.5),
         "domain: many teams need external capacity"),
    Move("mm_vendors", MM, FIT, When(_is("vendors_in_use", VendorsInUse.SEVERAL), 0.5),
         "004 'shadow IT': contractors from multiple agencies, no central governance"),
    Move("mm_sprawl", MM, FIT, PerLevel(("contractor_sprawl",), 0.25),
         "004 'shadow IT': a governed, centralised way to acquire external talent"),
    Move("mm_short_window", MM, "speed_to_productivity", When(WEEKS, -0.5),
         "domain: matching and onboarding a governed team eats a short window"),
    Move("mm_still_steer", MM, "management_burden",
         PerNotch("steering_bandwidth_limited", -0.25, above_only=True),
         "004 FAQ: you define the roadmap and manage the backlog"),
)

# ============================================================ 3. CLOSE CALLS
# A lead of at most this much (of 5) is too close to call: about the size of one answer
# moving one notch, and finer than the 1-5 ratings behind the cells can carry.
CLOSE_CALL: Final = 0.25
# ============================================================ 4. FOLLOW-UPS
# Comparing a check-in with the baseline: which way is better for each signal? +1 agreeing
# more is better, -1 agreeing less is better, 0 describes the work (neither).
SIGNAL_BETTER_WHEN: Final[dict[str, int]] = {
    "roadmap_clear": 1, "leadership_active": 1, "process_stable": 1,
    "need_senior_capacity": -1, "outcome_led_scope": 0, "design_engineering_together": 0,
    "steering_bandwidth_limited": -1, "need_fast_decisions": -1,
}
# Weight of one step of change in the overall trend (symptoms are what must move, 000).
TREND_STEP_WEIGHT: Final[dict[str, float]] = {"symptom": 1.0, "signal": 0.5}
# Both directions present: one side must outweigh the other this many times to win.
TREND_DOMINANCE: Final = 2.0

# fmt: on
