"""Every number and every sentence the triage uses, in plain tables.

Tune here; the logic (``diagnose.py``, ``matrix.py``, ``engine.py``, ``compare.py``) only
reads these tables, and ``check_tables()`` (run once at import) rejects a table that names
an unknown model, factor, signal, symptom, risk or condition.

Reading the tables:

* Models, factors, signals, symptoms and risks are the contract ids in ``models.py``.
* Matrix scores are 1 (poor) to 5 (strong) *from the leader's point of view*: for
  ``management_burden`` a 5 means "takes the most load off your managers"; for
  ``cost_predictability`` a 5 means "the bill is the easiest to predict".
* A *condition* is a small tuple that asks about the answers or the verdict:

    ("signal", "leadership_active", ">=", "4")   a signal compared with a number
    ("symptom", "access_risk", ">=", "often")    a symptom compared with a level
    ("ownership_symptoms", ">=", "often")        the strongest ownership symptom
    ("duration", "long_term")                    ("importance", "core")
    ("slowdown", "skill_gap")                    ("priority", "governance_risk", "high")
    ("kind", "ownership")                        the diagnosed bottleneck kind
    ("model", "stated" | "recommended" | "either", "staff_augmentation")
    ("risk", "skill_mismatch")                   a risk already raised (next steps only)
    ("always",)

  A rule holds when *all* its conditions hold.
"""

# fmt: off
from __future__ import annotations

from typing import Final

Condition = tuple[str, ...]
Rule = tuple[Condition, ...]

MODELS: Final[tuple[str, ...]] = (
    "staff_augmentation", "product_delivery", "managed_services", "managed_marketplace",
)
# Order of the columns and the tie-break: on equal scores the earlier model ranks first.

# ============================================================== 1. DIAGNOSIS
# Each signal is read as (rating - 3). Agreeing (4, 5) pushes towards the side in column
# one by "points per step"; disagreeing (1, 2) pushes towards the side in column three.
SIGNAL_WEIGHTS: Final[dict[str, tuple[str, float, str | None, float]]] = {
    # signal:                       agree ->   pts   disagree ->  pts
    "roadmap_clear":               ("capacity",  1.0, "ownership", 1.0),
    "leadership_active":           ("capacity",  1.0, "ownership", 1.0),
    "process_stable":              ("capacity",  1.0, "ownership", 0.75),
    "need_senior_capacity":        ("capacity",  0.5, None,        0.0),
    "outcome_led_scope":           ("ownership", 1.0, "capacity",  0.5),
    "design_engineering_together": ("ownership", 1.0, "capacity",  0.5),
    "steering_bandwidth_limited":  ("ownership", 1.0, "capacity",  0.5),
    "need_fast_decisions":         ("ownership", 1.0, "capacity",  0.5),
}

# "We need senior hands" says what the leader wants, not where work waits. When ownership
# symptoms show up at least this often, that answer counts for only this share.
WANTS_HANDS: Final[dict[str, str | float]] = {
    "signal": "need_senior_capacity",
    "discount_when_ownership_symptoms_at": "often",
    "share": 0.25,
}

# Ownership symptoms push towards ownership by how often they show up.
SYMPTOM_POINTS: Final[dict[str, float]] = {
    "never": 0.0, "sometimes": 0.75, "often": 1.5, "constantly": 2.25,
}

# The answer to "what slows the path from a decision to shipped value?"
SLOWDOWN_POINTS: Final[dict[str, tuple[str | None, float]]] = {
    "execution_capacity": ("capacity",  3.0),
    "skill_gap":          ("capacity",  2.0),
    "unclear_decisions":  ("ownership", 3.0),
    "quality_risk":       (None,        0.0),   # could be either: rework from specs or skills
    "other":              (None,        0.0),
}

# From the two scores (each side's points / its maximum, 0..1) to a kind and confidence.
THRESHOLDS: Final[dict[str, float]] = {
    "weak": 0.25,            # both sides below this: unclear
    "balance": 0.5,          # weaker side at least this share of the stronger: balanced
    "mixed_floor": 0.3,      # balanced and both at least this strong: mixed (else unclear)
    "full_strength": 0.6,    # a side this strong counts as fully supported
    "base_confidence": 0.35,
    "confidence_span": 0.6,  # confidence = base + span * clarity * strength
    "unclear_ceiling": 0.45,  # an unclear verdict is never more confident than this
}

# ============================================================== 2. DECISION MATRIX
PRIORITY_WEIGHT: Final[dict[str, float]] = {"low": 1.0, "medium": 2.0, "high": 4.0}

# Base scores, read off the comparison in the source material (very low 1, low 2,
# variable 2-3, high 4, very high 5) and the two-model comparison for product delivery.
BASE_SCORES: Final[dict[str, tuple[int, int, int, int]]] = {
    #                        staff_aug  product_del  managed_svc  marketplace
    "cost_predictability":   (2,        3,           5,           3),
    "speed_to_productivity": (3,        4,           2,           3),
    "governance_risk":       (1,        3,           4,           5),
    "flexibility":           (5,        3,           2,           4),
    "knowledge_retention":   (1,        3,           2,           4),
    "process_maturity":      (2,        4,           3,           5),
    "strategic_control":     (5,        3,           2,           4),
    "management_burden":     (2,        5,           5,           3),
}

# Context moves single cells: when all conditions hold, add delta (result kept in 1..5).
ADJUSTMENTS: Final[tuple[tuple[Rule, str, str, int, str], ...]] = (
    # (conditions, model, factor, delta, why)
    ((("importance", "core"),), "managed_services", "strategic_control", -1,
     "a core product under a vendor's process leaves you little say"),
    ((("importance", "core"),), "managed_services", "flexibility", -1,
     "a core product must change course faster than a fixed contract allows"),
    ((("importance", "commodity"),), "managed_services", "speed_to_productivity", 1,
     "vendors run commodity functions with a process they already have"),
    ((("signal", "steering_bandwidth_limited", ">=", "4"),),
     "staff_augmentation", "management_burden", -1,
     "nobody inside has time to direct extra people"),
    ((("signal", "steering_bandwidth_limited", ">=", "4"),),
     "managed_marketplace", "management_burden", -1,
     "vetted teams still need someone inside to steer them"),
    ((("signal", "leadership_active", ">=", "4"),),
     "staff_augmentation", "management_burden", 1,
     "engaged leads can direct extra people"),
    ((("signal", "leadership_active", ">=", "4"), ("signal", "process_stable", ">=", "4")),
     "staff_augmentation", "speed_to_productivity", 1,
     "active leads and a stable process let new engineers contribute quickly"),
    ((("signal", "leadership_active", ">=", "4"), ("signal", "process_stable", ">=", "4")),
     "staff_augmentation", "process_maturity", 2,
     "added engineers work inside a process that already holds"),
    ((("signal", "leadership_active", "<=", "2"),),
     "staff_augmentation", "speed_to_productivity", -1,
     "without leads to onboard them, new people take long to become useful"),
    ((("ownership_symptoms", ">=", "often"),),
     "staff_augmentation", "speed_to_productivity", -1,
     "new people wait on the same unanswered questions"),
    ((("duration", "weeks"),), "staff_augmentation", "knowledge_retention", 2,
     "bounded work leaves little knowledge to lose"),
    ((("duration", "quarter"),), "staff_augmentation", "knowledge_retention", 1,
     "a few months of work leaves limited knowledge to lose"),
    ((("duration", "long_term"),), "staff_augmentation", "cost_predictability", -1,
     "hidden costs (churn, onboarding, oversight) pile up over a long engagement"),
    ((("duration", "weeks"),), "managed_services", "cost_predictability", -2,
     "a long contract makes a short need expensive"),
    ((("duration", "weeks"),), "managed_marketplace", "cost_predictability", -1,
     "governance overhead is poor value for a short push"),
    ((("duration", "weeks"),), "managed_marketplace", "speed_to_productivity", -1,
     "matching and onboarding a governed team eats much of a short window"),
)

# The diagnosis as a row of the matrix: how well each model answers the bottleneck.
FIT_FACTOR: Final = "bottleneck_fit"
# Its weight grows with the diagnosis confidence: base + per_confidence * confidence.
FIT_WEIGHT: Final[dict[str, float]] = {"base": 2.0, "per_confidence": 4.0}

FIT_BY_KIND: Final[dict[str, tuple[int, int, int, int]]] = {
    #             staff_aug  product_del  managed_svc  marketplace
    "ownership":  (1,        5,           2,           2),
    "capacity":   (5,        2,           3,           3),
    "mixed":      (2,        4,           2,           3),
    "unclear":    (3,        3,           3,           3),
}

FIT_ADJUSTMENTS: Final[tuple[tuple[Rule, str, int, str], ...]] = (
    # (conditions, model, delta, why)
    ((("importance", "commodity"),), "managed_services", 2,
     "a stable, non-core function is what managed services are for"),
    ((("importance", "commodity"),), "product_delivery", -1,
     "an outcome team is more than a commodity function needs"),
    ((("importance", "commodity"),), "managed_marketplace", -1,
     "a commodity function should not need teams you steer yourself"),
    ((("importance", "core"),), "managed_services", -2,
     "handing a core product to a vendor under a fixed scope risks a black box"),
    ((("duration", "long_term"),), "managed_marketplace", 1,
     "long-running, evolving needs suit a governed pool of teams"),
    ((("duration", "long_term"),), "staff_augmentation", -1,
     "over a long engagement, knowledge leaves when contractors do"),
    ((("duration", "weeks"),), "staff_augmentation", 1,
     "a short, bounded push is where augmentation shines"),
    ((("duration", "weeks"),), "managed_marketplace", -2,
     "a governance layer is not worth setting up for a few weeks"),
    ((("duration", "weeks"),), "managed_services", -1,
     "a service contract takes longer to set up than the need lasts"),
    ((("duration", "quarter"),), "managed_marketplace", -1,
     "a governed marketplace pays off over longer horizons"),
    ((("slowdown", "skill_gap"),), "staff_augmentation", 1,
     "one niche skill for a bounded time is classic augmentation"),
    ((("symptom", "contractor_sprawl", ">=", "sometimes"),), "managed_marketplace", 1,
     "contractors already spread across teams need one governance layer"),
)

# ============================================================== 3. MISMATCH
# The first rule that holds explains the mismatch; otherwise MISMATCH_GENERIC.
MISMATCH_RULES: Final[tuple[tuple[Rule, str], ...]] = (
    ((("model", "stated", "staff_augmentation"), ("kind", "ownership")),
     "You asked for more engineers, but the gap is ownership, not hands: work is waiting on "
     "decisions nobody owns. Adding people to this team will slow it down - more questions, "
     "more alignment, the same bottleneck. Name an owner for the outcome first."),
    ((("model", "stated", "staff_augmentation"), ("kind", "mixed")),
     "You asked for more engineers, but part of the slowdown is ownership. Extra hands alone "
     "will queue behind the same unanswered questions."),
    ((("model", "stated", "managed_services"), ("importance", "core")),
     "You want to hand this to a vendor, but it is a core, customer-facing product. A fixed "
     "scope run by someone else's process can meet the contract and still miss the market."),
    ((("model", "stated", "managed_services"), ("kind", "ownership")),
     "You want to outsource the function, but the gap is ownership of the outcome. A vendor "
     "working to a fixed scope will not close it."),
    ((("model", "stated", "product_delivery"), ("kind", "capacity")),
     "You asked for a team to own the outcome, but your roadmap, leads and process already "
     "work; what is missing is capacity. Handing over ownership adds handoffs you do not "
     "need."),
    ((("model", "stated", "staff_augmentation"), ("duration", "long_term"),
      ("model", "recommended", "managed_marketplace")),
     "You asked for more engineers, but for a long-running need across teams, contractors "
     "hired one by one turn into sprawl. A governed pool keeps access and knowledge in view."),
)
MISMATCH_GENERIC: Final = (
    "You asked for {stated}, but your answers rank {recommended} first ({best:.2f} against "
    "{stated_score:.2f} of 5, on the factors you weighted and the fit with the diagnosis). "
    "{summary}"
)

# ============================================================== 4. RISKS
# A risk is raised when any of its rules holds; each rule brings its own reason.
RISK_RULES: Final[dict[str, tuple[tuple[Rule, str], ...]]] = {
    "contractor_sprawl": (
        ((("symptom", "contractor_sprawl", ">=", "sometimes"),),
         "teams already bring in contractors on their own"),
        ((("model", "either", "staff_augmentation"), ("duration", "long_term")),
         "staff augmentation over more than six months tends to multiply, team by team"),
    ),
    "black_box": (
        ((("symptom", "black_box_vendor", ">=", "sometimes"),),
         "you already see vendor work you cannot look into"),
        ((("model", "either", "managed_services"), ("importance", "core")),
         "a core, customer-facing product would sit under a vendor's fixed scope"),
        ((("model", "either", "managed_services"), ("signal", "outcome_led_scope", ">=", "4")),
         "the scope is an outcome that will keep moving, which a fixed contract cannot follow"),
    ),
    "knowledge_drain": (
        ((("symptom", "knowledge_drain", ">=", "sometimes"),),
         "knowledge already leaves when people roll off"),
        ((("model", "either", "staff_augmentation"), ("duration", "long_term")),
         "a long engagement builds up knowledge that contractors take with them"),
        ((("model", "either", "staff_augmentation"),
          ("priority", "knowledge_retention", "high")),
         "you rate knowledge retention high, and augmented staff keep what they learn"),
    ),
    "skill_mismatch": (
        ((("symptom", "skill_mismatch", ">=", "sometimes"),),
         "skill mismatches have already shown up"),
        ((("slowdown", "skill_gap"), ("model", "either", "staff_augmentation")),
         "a niche skill bought in a hurry is often checked only on paper"),
    ),
    "security_access": (
        ((("symptom", "access_risk", ">=", "sometimes"),),
         "outside people already reach sensitive systems without full vetting"),
        ((("symptom", "contractor_sprawl", ">=", "often"),),
         "with contractors spread across teams, nobody can list who reaches what"),
        ((("model", "either", "staff_augmentation"), ("priority", "governance_risk", "high")),
         "you rate governance and risk high, and individual contractors are vetted least"),
    ),
    "vendor_lock_in": (
        ((("model", "either", "managed_services"), ("duration", "long_term")),
         "a long service contract makes the vendor the only one who knows the function"),
        ((("symptom", "black_box_vendor", ">=", "often"),),
         "vendor work is already opaque, which makes taking it back hard"),
    ),
    "management_overhead": (
        ((("model", "either", "staff_augmentation"),
          ("signal", "steering_bandwidth_limited", ">=", "4")),
         "there is little time inside to steer extra people"),
        ((("model", "either", "staff_augmentation"),
          ("signal", "leadership_active", "<=", "2")),
         "engineering leads have no time to direct extra people"),
        ((("model", "either", "staff_augmentation"),
          ("priority", "management_burden", "high")),
         "taking load off managers matters to you, and augmented staff add to it"),
    ),
}
RISK_WORDING: Final[dict[str, str]] = {
    "contractor_sprawl": "Contractors hired team by team, from different agencies, become a "
    "shadow organisation: nobody has the full list of who can reach what, and what they "
    "learned stays with them.",
    "black_box": "A vendor working to a fixed scope on something your customers touch can "
    "deliver exactly what was written and still miss what the market needed.",
    "knowledge_drain": "When outside engineers roll off, what they knew goes with them unless "
    "handover is part of the work from day one.",
    "skill_mismatch": "A gap filled in a hurry is often found to be the wrong fit weeks in, "
    "after the rework has piled up.",
    "security_access": "Outside people with access to sensitive systems, without the vetting "
    "and obligations your staff have, widen what can go wrong.",
    "vendor_lock_in": "Over a long contract the vendor becomes the only one who understands "
    "the function, which makes leaving slow and expensive.",
    "management_overhead": "Extra people must be onboarded, directed and reviewed by leads "
    "who are already short of time; that cost never shows on the rate card.",
}
RISK_BECAUSE: Final = "Here: {reasons}."

# ============================================================== 5. NEXT STEPS
# (rules, text): proposed when any rule holds; listed in this order.
NEXT_STEPS: Final[tuple[tuple[tuple[Rule, ...], str], ...]] = (
    (((("kind", "unclear"),),),
     "The answers do not point clearly either way. Ask two developers and one product person "
     "where work waits this week, then answer the questions again."),
    (((("kind", "ownership"),), (("kind", "mixed"),)),
     "Before adding anyone, name one person per outcome who owns it end to end and can answer "
     "product questions the same day."),
    (((("kind", "mixed"),),),
     "Split the work in two: what is decided and ready to build, and what still waits on "
     "decisions. Extra hands go only to the first part."),
    (((("ownership_symptoms", ">=", "sometimes"),),),
     "For two weeks, count tickets sent back for clarification and hours developers spend "
     "waiting for answers. That is the baseline the check-ins compare against."),
    (((("model", "recommended", "product_delivery"),),),
     "Write the outcome as a business goal with a date, not a backlog, and ask a delivery team "
     "how they would ship a first slice of it."),
    (((("model", "either", "staff_augmentation"),), (("symptom", "contractor_sprawl", ">=",
                                                       "sometimes"),)),
     "Audit how many manager hours go to recruiting, onboarding and directing contractors, "
     "and put that next to the hourly rates."),
    (((("model", "recommended", "staff_augmentation"),),),
     "Write down the exact skills and seniority you need, and test each candidate on a real "
     "piece of your work in the first week."),
    (((("model", "recommended", "staff_augmentation"), ("duration", "weeks")),
      (("model", "recommended", "staff_augmentation"), ("duration", "quarter"))),
     "Agree an end date and what done means up front, so the engagement stays bounded."),
    (((("risk", "skill_mismatch"),),),
     "Count the rework that skill mismatches caused in earlier engagements, so the real cost "
     "is on the table when you compare offers."),
    (((("risk", "security_access"),), (("risk", "contractor_sprawl"),)),
     "List the systems and data where access by unvetted people is unacceptable, and who "
     "outside the company can reach them today."),
    (((("model", "recommended", "managed_marketplace"), ("symptom", "contractor_sprawl", ">=",
                                                         "sometimes")),),
     "Make one inventory of every contractor, agency and access grant across teams, then "
     "move teams under one governance layer one at a time."),
    (((("model", "recommended", "managed_services"),),
      (("model", "recommended", "managed_marketplace"),)),
     "Ask each vendor for evidence of process maturity (CMMI level, ISO 27001 certificate, "
     "SOC 2 report) and for references from work like yours."),
    (((("model", "recommended", "managed_services"),),),
     "Agree measurable service levels and an exit plan with knowledge handover before "
     "signing."),
    (((("risk", "knowledge_drain"),), (("risk", "vendor_lock_in"),)),
     "Make documentation and handover part of the contract, with a named person inside who "
     "learns the system alongside the outside team."),
    (((("always",),),),
     "Pilot the chosen model with one team first, and compare the symptoms at the check-ins "
     "before rolling it out further."),
)

# ============================================================== 6. WORDING
KIND_SUMMARY: Final[dict[str, str]] = {
    "ownership": "Work is waiting on decisions, not on hands: nobody owns turning a goal into "
    "a shipped slice.",
    "capacity": "The delivery machine works; it needs more (or more senior) hands to go "
    "faster.",
    "mixed": "Both gaps show: the team is short of hands and of someone who owns the outcome.",
    "unclear": "The answers do not point clearly to either gap yet.",
}

MODEL_NAMES: Final[dict[str, str]] = {
    "staff_augmentation": "staff augmentation",
    "product_delivery": "product delivery",
    "managed_services": "managed services",
    "managed_marketplace": "a managed marketplace",
}
MODEL_SHORT: Final[dict[str, str]] = {
    "staff_augmentation": "Staff aug",
    "product_delivery": "Product del",
    "managed_services": "Managed svc",
    "managed_marketplace": "Marketplace",
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
FACTOR_LABELS: Final[dict[str, str]] = {
    "cost_predictability": "Cost predictability",
    "speed_to_productivity": "Speed to productivity",
    "governance_risk": "Governance & risk",
    "flexibility": "Flexibility",
    "knowledge_retention": "Knowledge retention",
    "process_maturity": "Process maturity",
    "strategic_control": "Strategic control",
    "management_burden": "Load off managers",
    "bottleneck_fit": "Fit with the bottleneck",
}

# field: (why when the answer leans to its "agree" side, why when it leans the other way)
EVIDENCE_WHY: Final[dict[str, tuple[str, str]]] = {
    "signals.roadmap_clear": ("a clear roadmap means extra hands know what to build",
                              "an unclear roadmap means someone must first decide what to "
                              "build"),
    "signals.leadership_active": ("active engineering leads can direct more people",
                                  "leads without time cannot direct more people"),
    "signals.process_stable": ("a stable process can absorb new people",
                               "an unsettled process will not absorb new people"),
    "signals.need_senior_capacity": ("the team says it needs senior execution capacity", ""),
    "signals.outcome_led_scope": ("the scope is an outcome, not a backlog",
                                  "the scope is a backlog others can execute"),
    "signals.design_engineering_together": ("design and engineering must move together",
                                            "design and engineering can work apart"),
    "signals.steering_bandwidth_limited": ("there is little time inside to steer the work",
                                           "there is time inside to steer the work"),
    "signals.need_fast_decisions": ("the product needs fast decisions more than coordination",
                                    "decision speed is not the constraint"),
    "symptoms.unclear_tickets": ("tickets arrive unclear: nobody owns the details", ""),
    "symptoms.blocked_on_product": ("developers wait for product answers", ""),
    "symptoms.decisions_bouncing": ("decisions bounce between overloaded people", ""),
    "symptoms.alignment_over_building": ("more time goes to aligning than to building", ""),
    "slowdown": ("named as what slows the path from decision to shipped value", ""),
}
WANTS_HANDS_WHY: Final = (
    "they want senior hands, but with ownership symptoms present that says more about the "
    "wish than about where work waits"
)

RATIONALE: Final[dict[str, str]] = {
    "drivers": "Driven most by: {drivers}.",
    "driver": "{field} = {value} ({why})",
    "winner": "{best} ranks first with {score:.2f} of 5, ahead of {runner_up} at "
    "{runner_score:.2f}. {fit_line}",
    "strong_on": "It scores well on what you marked as most important: {factors}.",
    "weak_on": "It is weaker on {factors}, which you also rated high; watch those.",
    "fit_note": "Fit for {model}, {note}.",
    "fit_weight": "The fit with the diagnosed bottleneck counts with weight {weight:g}, "
    "because the diagnosis is {confidence:.0%} confident.",
}

# ============================================================== 7. FOLLOW-UPS
# For comparing a check-in with the baseline: which way is better for each signal?
# +1: agreeing more is better; -1: agreeing less is better; 0: describes the work, neither.
SIGNAL_BETTER_WHEN: Final[dict[str, int]] = {
    "roadmap_clear": 1, "leadership_active": 1, "process_stable": 1,
    "need_senior_capacity": -1, "outcome_led_scope": 0, "design_engineering_together": 0,
    "steering_bandwidth_limited": -1, "need_fast_decisions": -1,
}
# Weight of one step of change when deciding the overall trend (symptoms are what must move).
TREND_STEP_WEIGHT: Final[dict[str, float]] = {"symptom": 1.0, "signal": 0.5}
# Both directions present: one side must outweigh the other this many times to win.
TREND_DOMINANCE: Final = 2.0

FIELD_LABELS: Final[dict[str, str]] = {
    "signals.roadmap_clear": "roadmap is clear",
    "signals.leadership_active": "leads have time to direct people",
    "signals.process_stable": "delivery process is stable",
    "signals.need_senior_capacity": "need for senior capacity",
    "signals.outcome_led_scope": "scope is outcome-led",
    "signals.design_engineering_together": "design and engineering move together",
    "signals.steering_bandwidth_limited": "little time to steer the work",
    "signals.need_fast_decisions": "need for fast decisions",
    "symptoms.unclear_tickets": "unclear tickets",
    "symptoms.blocked_on_product": "developers blocked on product",
    "symptoms.decisions_bouncing": "decisions bouncing",
    "symptoms.alignment_over_building": "aligning over building",
    "symptoms.contractor_sprawl": "contractor sprawl",
    "symptoms.knowledge_drain": "knowledge drain",
    "symptoms.black_box_vendor": "black-box vendor work",
    "symptoms.skill_mismatch": "skill mismatches",
    "symptoms.access_risk": "unvetted access",
}
CHANGE_WHY: Final[dict[str, str]] = {
    "symptom_better": "{label} shows up less: {before} -> {after}",
    "symptom_worse": "{label} shows up more: {before} -> {after}",
    "signal_better": "{label} moved the healthy way: {before} -> {after}",
    "signal_worse": "{label} moved the wrong way: {before} -> {after}",
    "signal_neutral": "{label} changed: {before} -> {after} (describes the work; neither "
    "better nor worse)",
}
TREND_SUMMARY: Final[dict[str, str]] = {
    "improving": "improving ({better} better, {worse} worse)",
    "worsening": "worsening ({worse} worse, {better} better)",
    "stable": "stable (nothing moved)",
    "mixed": "mixed ({better} better, {worse} worse)",
}
SHIFT_SUMMARY: Final[dict[str, str]] = {
    "model": "; the best fit is now {model}",
    "kind": "; the bottleneck now reads as {kind}",
}

# ============================================================== 8. INPUT ERRORS
LOAD_MESSAGES: Final[dict[str, str]] = {
    "missing": "required",
    "unknown_field": "unknown field",
    "not_mapping": "must be a mapping of field: value",
    "not_integer": "must be a whole number",
    "out_of_range": "out of range",
    "not_choice": "not one of the allowed values",
    "not_text": "must be text",
    "too_long": "too long",
    "too_short": "empty",
    "invalid": "invalid value",
    "did_you_mean": "did you mean {suggestion}?",
    "headline": "The answers have {count} problem{plural}",
    "empty_file": "no answers found (the input is empty)",
    "binary": "not a text file (binary data)",
    "undecodable": "not UTF-8 text",
    "too_large": "too large",
    "syntax": "cannot be read as YAML or JSON: {reason}",
    "too_deep": "nested too deeply to be answers",
    "duplicate": "each key may appear only once",
}
ALLOWED: Final[dict[str, str]] = {
    "signal": "an integer from 1 to 5 (1 strongly disagree ... 5 strongly agree)",
    "engagement": "text of 1 to 80 characters",
    "notes": "text of up to 3000 characters",
    "mapping": "a YAML or JSON mapping of field: value",
    "section": "a mapping of {section} ids to values",
    "file": "a YAML or JSON text file in UTF-8 holding one mapping",
}
TYPE_WORDS: Final[dict[str, str]] = {
    "list": "a list", "str": "a piece of text", "int": "a number", "float": "a number",
    "bool": "true/false", "date": "a date", "datetime": "a date",
}
# fmt: on


# ============================================================== validation
def check_tables() -> None:
    """Fail loudly if a table names something the contract does not know."""
    from triage import models as M

    problems: list[str] = []

    def need(ok: bool, what: str) -> None:
        if not ok:
            problems.append(what)

    need(set(MODELS) == {m.value for m in M.EngagementModel}, "MODELS")
    need(set(SIGNAL_WEIGHTS) == set(M.SIGNAL_IDS), "SIGNAL_WEIGHTS keys")
    need(set(SIGNAL_BETTER_WHEN) == set(M.SIGNAL_IDS), "SIGNAL_BETTER_WHEN keys")
    need(set(BASE_SCORES) == set(M.PRIORITY_IDS), "BASE_SCORES keys")
    need(set(FIT_BY_KIND) == {k.value for k in M.BottleneckKind}, "FIT_BY_KIND keys")
    need(set(SLOWDOWN_POINTS) == {s.value for s in M.Slowdown}, "SLOWDOWN_POINTS keys")
    need(set(SYMPTOM_POINTS) == {lv.value for lv in M.Level}, "SYMPTOM_POINTS keys")
    need(set(PRIORITY_WEIGHT) == {w.value for w in M.Weight}, "PRIORITY_WEIGHT keys")
    need(set(RISK_RULES) == set(RISK_WORDING) == {r.value for r in M.RiskId}, "risk tables")
    need(set(KIND_SUMMARY) == set(FIT_BY_KIND), "KIND_SUMMARY keys")
    need(set(FACTOR_LABELS) == {*M.PRIORITY_IDS, FIT_FACTOR}, "FACTOR_LABELS keys")
    need(
        set(FIELD_LABELS)
        == {*(f"signals.{s}" for s in M.SIGNAL_IDS), *(f"symptoms.{s}" for s in M.SYMPTOM_IDS)},
        "FIELD_LABELS",
    )
    for table in (MODEL_NAMES, MODEL_SHORT, MODEL_FIT_LINE):
        need(set(table) == set(MODELS), "model wording tables")
    for row in (*BASE_SCORES.values(), *FIT_BY_KIND.values()):
        need(all(1 <= s <= 5 for s in row), f"score out of 1..5 in {row}")
    need(WANTS_HANDS["signal"] in M.SIGNAL_IDS, "WANTS_HANDS signal")

    rules: list[Rule] = [r for r, *_ in ADJUSTMENTS] + [r for r, *_ in FIT_ADJUSTMENTS]
    rules += [r for r, _ in MISMATCH_RULES]
    rules += [r for entries in RISK_RULES.values() for r, _ in entries]
    rules += [r for triggers, _ in NEXT_STEPS for r in triggers]
    for rule in rules:
        for cond in rule:
            need(_condition_ok(cond), f"condition {cond!r}")
    for _r, model, factor, _d, _w in ADJUSTMENTS:
        need(model in MODELS and factor in BASE_SCORES, f"adjustment {model}/{factor}")
    for _r, model, _d, _w in FIT_ADJUSTMENTS:
        need(model in MODELS, f"fit adjustment {model}")
    if problems:
        raise RuntimeError("triage tables are inconsistent: " + "; ".join(problems))


def _condition_ok(cond: Condition) -> bool:
    from triage import models as M

    levels = {lv.value for lv in M.Level}
    ops = {">=", "<=", "=="}
    match cond:
        case ("always",):
            return True
        case ("signal", sid, op, value):
            return sid in M.SIGNAL_IDS and op in ops and value.isdigit()
        case ("symptom", sid, op, level):
            return sid in M.SYMPTOM_IDS and op in ops and level in levels
        case ("ownership_symptoms", op, level):
            return op in ops and level in levels
        case ("duration", value):
            return value in {d.value for d in M.Duration}
        case ("importance", value):
            return value in {i.value for i in M.Importance}
        case ("slowdown", value):
            return value in {s.value for s in M.Slowdown}
        case ("priority", pid, value):
            return pid in M.PRIORITY_IDS and value in {w.value for w in M.Weight}
        case ("kind", value):
            return value in {k.value for k in M.BottleneckKind}
        case ("model", which, model):
            return which in {"stated", "recommended", "either"} and model in MODELS
        case ("risk", rid):
            return rid in {r.value for r in M.RiskId}
    return False
