"""Every number and sentence the triage uses, in plain tables.

Tune here; the logic in ``engine.py`` only reads these tables. Scores are 1 (poor) to 5
(strong) from the leader's point of view: for ``management_burden`` a 5 means "takes the
most load off your managers"; for ``cost_predictability`` a 5 means "the bill is the
easiest to predict".
"""

from __future__ import annotations

from typing import Final

# --------------------------------------------------------------------- diagnosis
# How far each answer moves the balance. A signal is read as (rating - 3): agreeing
# (4, 5) pushes towards the side in ``leans_if_agree``; disagreeing (1, 2) pushes towards
# ``leans_if_disagree``. Points per step away from 3.
SIGNAL_WEIGHTS: Final[dict[str, tuple[str, float, str | None, float]]] = {
    # signal:                      (leans if agree, per step, leans if disagree, per step)
    "roadmap_clear":               ("capacity", 1.0, "ownership", 1.0),
    "leadership_active":           ("capacity", 1.0, "ownership", 1.0),
    "process_stable":              ("capacity", 1.0, "ownership", 0.75),
    "need_senior_capacity":        ("capacity", 0.5, None, 0.0),
    "outcome_led_scope":           ("ownership", 1.0, "capacity", 0.5),
    "design_engineering_together": ("ownership", 1.0, "capacity", 0.5),
    "steering_bandwidth_limited":  ("ownership", 1.0, "capacity", 0.5),
    "need_fast_decisions":         ("ownership", 1.0, "capacity", 0.5),
}

# Ownership symptoms push towards ownership by how often they show up.
SYMPTOM_POINTS: Final[dict[str, float]] = {
    "never": 0.0, "sometimes": 0.75, "often": 1.5, "constantly": 2.25,
}

# The answer to "what slows the path from a decision to shipped value?"
SLOWDOWN_POINTS: Final[dict[str, tuple[str | None, float]]] = {
    "execution_capacity": ("capacity", 3.0),
    "skill_gap":          ("capacity", 2.0),
    "unclear_decisions":  ("ownership", 3.0),
    "quality_risk":       (None, 0.0),
    "other":              (None, 0.0),
}

# Deciding the kind from the two normalised scores (0..1).
THRESHOLDS: Final[dict[str, float]] = {
    "weak": 0.25,          # below this on both sides: unclear
    "margin": 0.15,        # a lead smaller than this: mixed (or unclear if both weak)
    "mixed_floor": 0.35,   # both sides at least this strong and close: mixed
}

# --------------------------------------------------------------------- decision matrix
MODELS: Final[tuple[str, ...]] = (
    "staff_augmentation", "product_delivery", "managed_services", "managed_marketplace",
)
FIT_FACTOR: Final = "bottleneck_fit"

PRIORITY_WEIGHT: Final[dict[str, float]] = {"low": 1.0, "medium": 2.0, "high": 4.0}
# The fit row's weight grows with how sure the diagnosis is.
FIT_WEIGHT_BASE: Final = 2.0
FIT_WEIGHT_PER_CONFIDENCE: Final = 4.0

BASE_SCORES: Final[dict[str, dict[str, int]]] = {
    #                       staff_aug  product_del  managed_svc  marketplace
    "cost_predictability":   dict(zip(MODELS, (2, 3, 5, 3), strict=True)),
    "speed_to_productivity": dict(zip(MODELS, (3, 4, 2, 3), strict=True)),
    "governance_risk":       dict(zip(MODELS, (1, 3, 4, 5), strict=True)),
    "flexibility":           dict(zip(MODELS, (5, 3, 1, 4), strict=True)),
    "knowledge_retention":   dict(zip(MODELS, (1, 3, 2, 4), strict=True)),
    "process_maturity":      dict(zip(MODELS, (2, 4, 3, 5), strict=True)),
    "strategic_control":     dict(zip(MODELS, (5, 3, 1, 4), strict=True)),
    "management_burden":     dict(zip(MODELS, (1, 5, 5, 3), strict=True)),
}

# How well each model answers each kind of bottleneck (the fit row, before context).
FIT_BY_KIND: Final[dict[str, dict[str, int]]] = {
    "ownership": dict(zip(MODELS, (1, 5, 2, 2), strict=True)),
    "capacity":  dict(zip(MODELS, (5, 2, 3, 3), strict=True)),
    "mixed":     dict(zip(MODELS, (2, 4, 2, 4), strict=True)),
    "unclear":   dict(zip(MODELS, (3, 3, 3, 3), strict=True)),
}

# Context adjustments: when every condition holds, add delta to (model, factor).
# Conditions use the small language in CONDITIONS below.
Condition = tuple[str, ...]
ADJUSTMENTS: Final[tuple[tuple[tuple[Condition, ...], str, str, int, str], ...]] = (
    # (conditions, model, factor, delta, why)
    ((("signal", "leadership_active", ">=", "4"), ("signal", "process_stable", ">=", "4")),
     "staff_augmentation", "speed_to_productivity", 1,
     "active leads and a stable process let added engineers contribute quickly"),
    ((("signal", "leadership_active", ">=", "4"), ("signal", "process_stable", ">=", "4")),
     "staff_augmentation", "process_maturity", 2,
     "added engineers work inside a process that already holds"),
    ((("signal", "leadership_active", ">=", "4"),),
     "staff_augmentation", "management_burden", 1,
     "engaged leads can direct extra people"),
    ((("duration", "weeks"),), "staff_augmentation", "knowledge_retention", 2,
     "bounded work leaves little knowledge to lose"),
    ((("duration", "quarter"),), "staff_augmentation", "knowledge_retention", 1,
     "a few months of work leaves limited knowledge to lose"),
    ((("signal", "steering_bandwidth_limited", ">=", "4"),),
     "managed_marketplace", "management_burden", -1,
     "vetted teams still need someone inside to steer them"),
    ((("ownership_symptoms", ">=", "often"),), "staff_augmentation", "speed_to_productivity", -1,
     "new people wait on the same unanswered questions"),
    ((("importance", "commodity"),), "managed_services", "speed_to_productivity", 1,
     "vendors run commodity functions with a process they already have"),
    ((("duration", "weeks"),), "managed_services", "cost_predictability", -2,
     "long contracts make a short need expensive"),
    ((("duration", "weeks"),), "managed_marketplace", "cost_predictability", -1,
     "governance overhead is poor value for a short push"),
)

FIT_ADJUSTMENTS: Final[tuple[tuple[tuple[Condition, ...], str, int, str], ...]] = (
    # (conditions, model, delta, why)
    ((("importance", "commodity"),), "managed_services", 2,
     "a stable, non-core function is what managed services are for"),
    ((("importance", "commodity"),), "product_delivery", -1,
     "an outcome team is more than a commodity function needs"),
    ((("importance", "core"),), "managed_services", -2,
     "outsourcing a core product risks a black box"),
    ((("duration", "long_term"),), "managed_marketplace", 1,
     "long-term, evolving needs suit a governed pool of teams"),
    ((("duration", "long_term"),), "staff_augmentation", -1,
     "long engagements lose knowledge when contractors leave"),
    ((("duration", "weeks"),), "staff_augmentation", 1, "a short, bounded push"),
    ((("duration", "weeks"),), "managed_marketplace", -1,
     "governance overhead is not worth it for a few weeks"),
    ((("duration", "weeks"),), "managed_services", -1, "contracts take longer than the need"),
    ((("duration", "quarter"),), "managed_marketplace", -1,
     "a governed marketplace pays off over longer horizons"),
    ((("slowdown", "skill_gap"),), "staff_augmentation", 1,
     "one niche skill for a bounded time is classic augmentation"),
    ((("symptom", "contractor_sprawl", ">=", "sometimes"),), "managed_marketplace", 1,
     "contractors already spread across teams need one governance layer"),
)

# --------------------------------------------------------------------- risks
# A risk is raised when any of its triggers holds (a trigger holds when all its
# conditions hold). "model" conditions: stated | recommended | either.
RISK_TRIGGERS: Final[dict[str, tuple[tuple[Condition, ...], ...]]] = {
    "contractor_sprawl": (
        (("symptom", "contractor_sprawl", ">=", "sometimes"),),
        (("model", "either", "staff_augmentation"), ("duration", "long_term")),
    ),
    "black_box": (
        (("symptom", "black_box_vendor", ">=", "sometimes"),),
        (("model", "either", "managed_services"), ("importance", "core")),
    ),
    "knowledge_drain": (
        (("symptom", "knowledge_drain", ">=", "sometimes"),),
        (("model", "either", "staff_augmentation"), ("duration", "long_term")),
    ),
    "skill_mismatch": (
        (("symptom", "skill_mismatch", ">=", "sometimes"),),
        (("slowdown", "skill_gap"), ("model", "either", "staff_augmentation")),
    ),
    "security_access": (
        (("symptom", "access_risk", ">=", "sometimes"),),
        (("model", "either", "staff_augmentation"), ("priority", "governance_risk", "high")),
    ),
    "vendor_lock_in": (
        (("model", "either", "managed_services"), ("duration", "long_term")),
        (("symptom", "black_box_vendor", ">=", "often"),),
    ),
    "management_overhead": (
        (("model", "either", "staff_augmentation"),
         ("signal", "steering_bandwidth_limited", ">=", "4")),
        (("model", "either", "staff_augmentation"), ("signal", "leadership_active", "<=", "2")),
        (("model", "either", "staff_augmentation"), ("priority", "management_burden", "high")),
    ),
}

RISK_WORDING: Final[dict[str, str]] = {
    "contractor_sprawl": "Contractors hired team by team, from different agencies, end up as a "
    "shadow organisation: nobody has the full list of who can reach what, and what they "
    "learned stays with them.",
    "black_box": "A vendor working to a fixed scope on a product your customers touch can "
    "deliver exactly what was written and still miss what the market needed.",
    "knowledge_drain": "When outside engineers roll off, what they knew walks out with them "
    "unless someone makes handover part of the work from day one.",
    "skill_mismatch": "A skill gap filled in a hurry is often discovered weeks in, after the "
    "rework has piled up. Check the match on real work before committing.",
    "security_access": "Outside people with access to sensitive systems, without the vetting "
    "and obligations your staff have, widen what can go wrong.",
    "vendor_lock_in": "Over a long contract the vendor becomes the only one who understands "
    "the function, which makes leaving slow and expensive.",
    "management_overhead": "Extra people have to be onboarded, directed and reviewed by leads "
    "who are already short of time; that cost rarely shows in the rate card.",
}

# --------------------------------------------------------------------- next steps
# (triggers, text): a step is proposed when any trigger holds; order is the display order.
NEXT_STEPS: Final[tuple[tuple[tuple[tuple[Condition, ...], ...], str], ...]] = (
    (((("kind", "ownership"),), (("kind", "mixed"),)),
     "Before adding anyone, name one person who owns each outcome end to end and can answer "
     "product questions the same day."),
    (((("ownership_symptoms", ">=", "sometimes"),),),
     "For two weeks, count tickets sent back for clarification and hours developers spend "
     "waiting on answers. That is your baseline for the check-ins."),
    (((("model", "recommended", "product_delivery"),),),
     "Write the outcome you want as a commercial goal with a date, not a backlog, and ask a "
     "delivery team how they would ship a first slice of it."),
    (((("model", "either", "staff_augmentation"),),),
     "Add up the manager hours that recruiting, onboarding and directing contractors will "
     "really take, and put them next to the hourly rate."),
    (((("model", "recommended", "staff_augmentation"),),),
     "Write down the exact skills and seniority you need, and test candidates on a real "
     "piece of your work in the first week."),
    (((("risk", "skill_mismatch"),),),
     "Count the rework that skill mismatches caused in past engagements, so the real cost is "
     "visible when you compare offers."),
    (((("risk", "security_access"),), (("risk", "contractor_sprawl"),)),
     "List the systems and data where access by unvetted people would be unacceptable, and "
     "who outside the company can reach them today."),
    (((("model", "recommended", "managed_services"),), (("model", "recommended",
                                                           "managed_marketplace"),)),
     "Ask each vendor for evidence of process maturity (CMMI level, ISO 27001, SOC 2 "
     "reports) and for references from work like yours."),
    (((("model", "recommended", "managed_services"),),),
     "Define service levels you can measure and an exit plan with knowledge handover before "
     "signing."),
    (((("risk", "knowledge_drain"),), (("risk", "vendor_lock_in"),)),
     "Make documentation and handover part of the contract, with a named internal person who "
     "learns the system alongside the outside team."),
    (((("always",),),),
     "Pilot the chosen model with one team first, and compare the symptoms at the check-ins "
     "before rolling it out further."),
    (((("kind", "unclear"),),),
     "The answers do not point clearly either way: talk to two developers and one product "
     "person about where work waits, then take the questionnaire again."),
)

# --------------------------------------------------------------------- wording
KIND_SUMMARY: Final[dict[str, str]] = {
    "ownership": "Work is waiting on decisions, not on hands: nobody owns turning a goal into "
    "a shipped slice.",
    "capacity": "The delivery machine works; it needs more (or more senior) hands to go faster.",
    "mixed": "Both gaps show: the team is short of hands and of someone who owns the outcome.",
    "unclear": "The answers do not point clearly to either gap yet.",
}

MODEL_FIT_LINE: Final[dict[str, str]] = {
    "staff_augmentation": "Adds senior hands inside your existing planning, process and "
    "leadership.",
    "product_delivery": "One accountable team turns a goal into shipped slices, with fewer "
    "handoffs.",
    "managed_services": "A vendor runs a well-defined function against service levels, with "
    "its own process.",
    "managed_marketplace": "Vetted teams under a shared governance layer, for long-running "
    "needs across teams.",
}

MODEL_NAMES: Final[dict[str, str]] = {
    "staff_augmentation": "staff augmentation",
    "product_delivery": "product delivery",
    "managed_services": "managed services",
    "managed_marketplace": "a managed marketplace",
}

MISMATCH_WHY: Final[dict[tuple[str, str], str]] = {
    # (stated model, diagnosed kind) -> why; falls back to the generic sentence.
    ("staff_augmentation", "ownership"): "You asked for more engineers, but your answers say "
    "the work is waiting on decisions and ownership, not on hands. Adding people to a team "
    "in that state makes it slower: more questions, more alignment, the same bottleneck.",
    ("staff_augmentation", "mixed"): "You asked for more engineers, but part of the slowdown "
    "is ownership. Extra hands alone will queue behind the same unanswered questions.",
    ("product_delivery", "capacity"): "You asked for a team to own an outcome, but your "
    "roadmap, leads and process already work; what is missing is capacity. Handing over "
    "ownership would add handoffs you do not need.",
    ("managed_services", "ownership"): "You asked to outsource a function, but the gap is "
    "ownership of the outcome. A vendor working to a fixed scope will not close it.",
}
MISMATCH_GENERIC: Final = (
    "You asked for {stated}, but the answers rank {recommended} first: {reason}"
)

EVIDENCE_WHY: Final[dict[str, tuple[str, str]]] = {
    # field: (why when it leans one way, why when it leans the other)
    "signals.roadmap_clear": ("a clear roadmap means extra hands know what to build",
                              "an unclear roadmap means someone must decide what to build"),
    "signals.leadership_active": ("active engineering leads can direct more people",
                                  "leads without time cannot direct more people"),
    "signals.process_stable": ("a stable process can absorb new people",
                               "an unsettled process will not absorb new people"),
    "signals.need_senior_capacity": ("the team says it needs senior execution capacity", ""),
    "signals.outcome_led_scope": ("the scope is an outcome, not a backlog",
                                  "the scope is a backlog others can execute"),
    "signals.design_engineering_together": ("design and engineering must move together",
                                            "design and engineering can work separately"),
    "signals.steering_bandwidth_limited": ("there is little time inside to steer the work",
                                           "there is time inside to steer the work"),
    "signals.need_fast_decisions": ("the product needs fast decisions more than coordination",
                                    "decision speed is not the constraint"),
    "symptoms.unclear_tickets": ("tickets arrive unclear: nobody owns the details", ""),
    "symptoms.blocked_on_product": ("developers wait for product answers", ""),
    "symptoms.decisions_bouncing": ("decisions bounce between overloaded people", ""),
    "symptoms.alignment_over_building": ("more time goes to aligning than to building", ""),
    "slowdown": ("you named it as what slows the path from decision to shipped value", ""),
}

TREND_WORDS: Final[dict[str, str]] = {
    "improving": "improving", "worsening": "getting worse", "stable": "no change",
    "mixed": "mixed",
}
