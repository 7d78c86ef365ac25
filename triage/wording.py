"""Every sentence the verdict writes, in the product's own words. No numbers that decide
anything live here (those are in ``scoring.py``); labels of questions and answers are in
``questions.py``. Rules are the typed conditions of ``rules.py``; ``tables.check_tables()``
(run at import) rejects one that names what the contract does not know.
"""

# fmt: off
from __future__ import annotations

from typing import Final

from triage.models import (
    OWNERSHIP_SYMPTOMS,
    BottleneckKind,
    Duration,
    Importance,
    Level,
    Requirements,
    RiskId,
    Slowdown,
    Teams,
    VendorsInUse,
)
from triage.rules import (
    Agrees,
    CloseCall,
    Disagrees,
    InPlay,
    Is,
    KindIs,
    Not,
    Raised,
    Recommended,
    Rule,
    Seen,
    Stated,
)
from triage.scoring import MM, MS, PD, SA

OWN, CAP = BottleneckKind.OWNERSHIP, BottleneckKind.CAPACITY
MIXED, UNCLEAR = BottleneckKind.MIXED, BottleneckKind.UNCLEAR
LONG = Is("duration", (Duration.LONG_TERM,))
WEEKS = Is("duration", (Duration.WEEKS,))
CORE = Is("strategic_importance", (Importance.CORE,))
COMMODITY = Is("strategic_importance", (Importance.COMMODITY,))
EVOLVING = Is("requirements", (Requirements.EVOLVING,))
SEVERAL_TEAMS = Is("teams", (Teams.SEVERAL,))
SEVERAL_VENDORS = Is("vendors_in_use", (VendorsInUse.SEVERAL,))
HAS_VENDORS = Is("vendors_in_use", (VendorsInUse.ONE, VendorsInUse.SEVERAL))
SKILL_GAP = Is("slowdown", (Slowdown.SKILL_GAP,))
SPRAWL = Seen(("contractor_sprawl",))
# Symptoms that can only show up where outside people already work.
OUTSIDERS_SEEN = Seen(("contractor_sprawl", "skill_mismatch", "access_risk", "black_box_vendor"))

# ============================================================ 1. THE DIAGNOSIS
KIND_SUMMARY: Final[dict[str, str]] = {
    "ownership": "Work is waiting on decisions, not on hands: nobody owns turning a goal into "
    "a shipped slice.",
    "capacity": "The delivery machine works; it needs more (or more senior) hands to go "
    "faster.",
    "capacity_skill": "The delivery machine works; what is missing is a skill the team does "
    "not have, for a bounded time.",
    "capacity_function": "What must be done is settled and the process holds; the gap is "
    "capacity to run it, not ownership.",
    "mixed": "Both gaps show: the team is short of hands and of someone who owns the outcome.",
    "unclear": "The answers do not point clearly to either gap yet.",
}

# field: (why when the answer leans to its statement's side, why when it leans away)
EVIDENCE_WHY: Final[dict[str, tuple[str, str]]] = {
    "signals.roadmap_clear": ("a clear roadmap means whoever does the work knows what to build",
                              "an unclear roadmap means someone must first decide what to "
                              "build"),
    "signals.leadership_active": ("engineering leads with time can direct more people",
                                  "leads without time cannot direct more people"),
    "signals.process_stable": ("a stable process can take on more work",
                               "an unsettled process will not take on more work"),
    "signals.need_senior_capacity": ("the team says it needs senior execution capacity", ""),
    "signals.outcome_led_scope": ("the work is an outcome to reach, not a backlog to execute",
                                  "the work is a backlog others can execute"),
    "signals.design_engineering_together": ("design and engineering must move together",
                                            "design and engineering can work apart"),
    "signals.steering_bandwidth_limited": ("there is little time inside to steer the work",
                                           "there is time inside to steer the work"),
    "signals.need_fast_decisions": ("the work needs faster decisions",
                                    "decision speed is not the constraint"),
    "symptoms.unclear_tickets": ("tickets arrive unclear: nobody owns the details", ""),
    "symptoms.blocked_on_product": ("developers wait for product answers", ""),
    "symptoms.decisions_bouncing": ("decisions bounce between overloaded people", ""),
    "symptoms.alignment_over_building": ("more time goes to aligning than to building", ""),
    "slowdown": ("named as what slows the path from decision to shipped value", ""),
}
WISH_WHY: Final = ("they want senior hands, but with ownership symptoms present that says more "
                   "about the wish than about where work waits")

# ============================================================ 2. THE MATRIX
# Why context moved a cell: one line per move in scoring.MOVES.
MOVES_WHY: Final[dict[str, str]] = {
    "sa_leads_direct": "extra people need leads with time to direct them",
    "sa_no_steering": "nobody inside has time to direct extra people",
    "sa_leads_onboard": "new people become productive as fast as leads can onboard them",
    "sa_process_absorbs": "new engineers contribute as quickly as the process lets them",
    "sa_waits_on_answers": "new people wait on the same unanswered questions",
    "sa_your_process": "added engineers work inside your process, as mature as it is",
    "sa_bounded": "bounded work leaves little knowledge to lose",
    "sa_drain": "over a long engagement, knowledge leaves when contractors do",
    "sa_hidden_costs": "hidden costs (churn, onboarding, oversight) pile up over a long "
    "engagement",
    "sa_short_push": "a short, bounded push is where augmentation shines",
    "sa_long_drain": "a long engagement builds a dependency on contractors",
    "sa_sprawl": "teams already hire contractors on their own; more of the same adds to it",
    "sa_unvetted": "outsiders already reach systems unvetted; more contractors widen it",
    "sa_walks_out": "knowledge already leaves with people; contractors leave by design",
    "ms_commodity": "a commodity function is what managed services are for",
    "ms_core": "a core product under a vendor's fixed scope risks a black box",
    "ms_stable": "settled requirements fit a service level",
    "ms_evolving": "changing requirements fight a fixed contract",
    "ms_short": "a service contract takes longer to set up than the need lasts",
    "ms_quarter": "a service contract takes months to negotiate and hand over",
    "ms_ramp_up": "a vendor's ramp-up eats a short window",
    "ms_core_control": "a core product under a vendor's process leaves you little say",
    "ms_rigid": "changing requirements are costly to renegotiate",
    "ms_lock_in": "over a long contract the vendor becomes the one who knows the function",
    "pd_ambiguity": "changing requirements need someone who reduces ambiguity end to end",
    "mm_short": "a governance layer is not worth setting up for a few weeks",
    "mm_quarter": "a governance layer pays off over longer horizons",
    "mm_long": "a long-running need can use a governed pool of teams",
    "mm_evolving": "evolving needs can use teams that come and go under one contract",
    "mm_teams": "several teams need outside help under one set of rules",
    "mm_vendors": "several outside suppliers already need one governance layer",
    "mm_sprawl": "contractors already spread across teams need one governance layer",
    "mm_short_window": "matching and onboarding a governed team eats a short window",
    "mm_still_steer": "vetted teams still need someone inside to steer them",
}
SIDE_WHY: Final[dict[str, str]] = {
    "ownership": "the ownership gap in your answers",
    "capacity": "the capacity gap in your answers",
}
STATED_WHY: Final = "you asked for it, and you know the team"
PRIORITY_WHY: Final[dict[str, str]] = {
    "high": "you rated {factor} high, and {model} is stronger there",
    "low": "you rated {factor} low, which is where {other} is strongest",
}
SYMPTOM_WEIGHT_WHY: Final = "seeing this makes {factor} matter more, and {model} is stronger there"

# ============================================================ 3. MISMATCH
# The first rule that holds explains the mismatch; otherwise MISMATCH_GENERIC.
MISMATCH_RULES: Final[tuple[tuple[Rule, str], ...]] = (
    ((Stated(SA), KindIs((OWN,))),
     "You asked for more engineers, but the gap is ownership, not hands: work is waiting on "
     "decisions nobody owns. Adding people to this team will slow it down - more questions, "
     "more alignment, the same bottleneck. Name an owner for the outcome first."),
    ((Stated(SA), KindIs((MIXED,))),
     "You asked for more engineers, but part of the slowdown is ownership. Extra hands alone "
     "will queue behind the same unanswered questions."),
    ((Stated(MS), CORE),
     "You want to hand this to a vendor, but it is a core, customer-facing product. A fixed "
     "scope run by someone else's process can meet the contract and still miss the market."),
    ((Stated(MS), KindIs((OWN, MIXED))),
     "You want to outsource the function, but the gap is ownership of the outcome. A vendor "
     "working to a fixed scope will not close it."),
    ((Stated(MS), EVOLVING),
     "You want to hand this to a vendor, but what must be built is still changing; a fixed "
     "contract follows the letter of its scope, not the moving target."),
    ((Stated(PD), KindIs((CAP,))),
     "You asked for a team to own the outcome, but your roadmap, leads and process already "
     "work; what is missing is capacity. Handing over ownership adds handoffs you do not "
     "need."),
    ((Stated(SA), Recommended(MM), SEVERAL_TEAMS),
     "You asked for more engineers, but several teams bringing in contractors one by one turn "
     "into sprawl. A governed pool keeps access and knowledge in view."),
    ((Stated(SA), Recommended(MM), SEVERAL_VENDORS),
     "You asked for more engineers, but with several agencies already in use, contractors "
     "hired one by one turn into sprawl across teams. A governed pool keeps access and "
     "knowledge in view."),
    ((Stated(SA), Recommended(MM), Seen(("contractor_sprawl", "access_risk", "knowledge_drain"))),
     "You asked for more engineers, but outside access and knowledge leaving are already "
     "problems; more contractors hired one by one add to both. A governed pool keeps them in "
     "view."),
    ((Stated(SA), Recommended(MS), COMMODITY),
     "You asked for more engineers, but this is a commodity function: a vendor running it "
     "under a service level takes it off your managers altogether."),
)
MISMATCH_GENERIC: Final = ("You asked for {stated}, but your answers rank {recommended} first "
                           "({best:.1f} against {stated_score:.1f} of 5).")
SHOWN_BY: Final = "Shown by: {answers}."

# ============================================================ 4. RISKS
# A risk is raised when any of its rules holds; each rule brings its own reason, and the
# answers that made it hold are named after it.
RISK_RULES: Final[dict[RiskId, tuple[tuple[Rule, str], ...]]] = {
    RiskId.CONTRACTOR_SPRAWL: (
        ((SPRAWL,), "teams already bring in contractors on their own"),
        ((SEVERAL_TEAMS, SEVERAL_VENDORS),
         "several teams already work with several outside suppliers"),
        ((InPlay(SA), SEVERAL_TEAMS),
         "several teams would each bring in contractors of their own"),
        ((InPlay(SA), SEVERAL_VENDORS),
         "contractors would join several suppliers already in use"),
    ),
    RiskId.BLACK_BOX: (
        ((Seen(("black_box_vendor",)),), "you already see vendor work you cannot look into"),
        ((InPlay(MS), CORE), "a core, customer-facing product would sit under a vendor's "
         "fixed scope"),
        ((InPlay(MS), EVOLVING), "what must be built keeps changing, which a fixed contract "
         "cannot follow"),
    ),
    RiskId.KNOWLEDGE_DRAIN: (
        ((Seen(("knowledge_drain",)),), "knowledge already leaves when people roll off"),
        ((InPlay(SA), LONG), "a long engagement builds up knowledge contractors take with them"),
        ((InPlay(SA), SKILL_GAP), "a skill bought from outside leaves with the specialist, "
         "and the team must maintain what was built"),
    ),
    RiskId.SKILL_MISMATCH: (
        ((Seen(("skill_mismatch",)),), "skill mismatches have already shown up"),
        ((InPlay(SA), SKILL_GAP), "a niche skill bought in a hurry is often checked only on "
         "paper"),
    ),
    RiskId.SECURITY_ACCESS: (
        ((Seen(("access_risk",)),), "outside people already reach sensitive systems without "
         "full vetting"),
        ((Seen(("contractor_sprawl",), Level.OFTEN),),
         "with contractors spread across teams, nobody can list who reaches what"),
    ),
    RiskId.VENDOR_LOCK_IN: (
        ((InPlay(MS), LONG), "a long service contract makes the vendor the only one who knows "
         "the function"),
        ((Seen(("black_box_vendor",), Level.OFTEN),), "vendor work is already opaque, which "
         "makes taking it back hard"),
    ),
    RiskId.MANAGEMENT_OVERHEAD: (
        ((InPlay(SA), Agrees("steering_bandwidth_limited")),
         "there is little time inside to steer extra people"),
        ((InPlay(SA), Disagrees("leadership_active")),
         "engineering leads have no time to direct extra people"),
    ),
}
RISK_WORDING: Final[dict[RiskId, str]] = {
    RiskId.CONTRACTOR_SPRAWL: "Contractors hired team by team, from different agencies, "
    "become a shadow organisation: nobody has the full list of who can reach what, and what "
    "they learned stays with them.",
    RiskId.BLACK_BOX: "A vendor working to a fixed scope on work that matters or moves can "
    "deliver exactly what was written and still miss what was needed.",
    RiskId.KNOWLEDGE_DRAIN: "When outside engineers roll off, what they knew goes with them "
    "unless handover is part of the work from day one.",
    RiskId.SKILL_MISMATCH: "A gap filled in a hurry is often found to be the wrong fit weeks "
    "in, after the rework has piled up.",
    RiskId.SECURITY_ACCESS: "Outside people with access to sensitive systems, without the "
    "vetting and obligations your staff have, widen what can go wrong.",
    RiskId.VENDOR_LOCK_IN: "Over a long contract the vendor becomes the only one who "
    "understands the function, which makes leaving slow and expensive.",
    RiskId.MANAGEMENT_OVERHEAD: "Extra people must be onboarded, directed and reviewed by "
    "leads who are already short of time; that cost never shows on the rate card.",
}
RISK_BECAUSE: Final = "Here: {reasons}."
RISK_ANSWERS: Final = "From your answers: {answers}."

# ============================================================ 5. NEXT STEPS
# (rules, text): proposed when any rule holds; listed in this order.
NEXT_STEPS: Final[tuple[tuple[tuple[Rule, ...], str], ...]] = (
    (((KindIs((UNCLEAR,)),),),
     "Find out where the work waits before buying help: for one week, ask two developers and "
     "one product person where their work waited and on whom, then answer these questions "
     "again."),
    (((KindIs((OWN, MIXED)),),),
     "Before adding anyone, name one person per outcome who owns it end to end and can answer "
     "product questions the same day."),
    (((KindIs((MIXED,)),),),
     "Split the work in two: what is decided and ready to build, and what still waits on "
     "decisions. Extra hands go only to the first part."),
    (((Seen(OWNERSHIP_SYMPTOMS),),),
     "For two weeks, count tickets sent back for clarification and hours developers spend "
     "waiting for answers. That is the baseline the check-ins compare against."),
    (((CloseCall(),),),
     "The top models are too close to call on your answers: ask one provider of each how "
     "they would run the first month, and decide on the rows that matter most to you."),
    (((Recommended(PD),),),
     "Write the outcome as a business goal with a date, not a backlog, and ask a delivery team "
     "how they would ship a first slice of it."),
    (((HAS_VENDORS, InPlay(SA)), (HAS_VENDORS, InPlay(MM)), (OUTSIDERS_SEEN,)),
     "Audit how many manager hours go to recruiting, onboarding and directing contractors, "
     "and put that next to the hourly rates."),
    (((Recommended(SA), Not(SKILL_GAP)),),
     "Write down the exact skills and seniority you need, and test each candidate on a real "
     "piece of your work in the first week."),
    (((Recommended(SA), SKILL_GAP),),
     "Write down the one skill you are buying, test the specialist on a real task from the "
     "work in the first days, and pair someone inside with them from day one."),
    (((Recommended(SA), Not(LONG)),),
     "Agree an end date and what done means up front, so the engagement stays bounded."),
    (((Seen(("skill_mismatch",)),),),
     "Count the rework that skill mismatches caused in earlier engagements, so the real cost "
     "is on the table when you compare offers."),
    (((Raised(RiskId.SECURITY_ACCESS),), (Raised(RiskId.CONTRACTOR_SPRAWL),)),
     "List the systems and data where access by unvetted people is unacceptable, and who "
     "outside the company can reach them today."),
    (((Recommended(MM), SPRAWL), (Recommended(MM), SEVERAL_VENDORS)),
     "Make one inventory of every contractor, agency and access grant across teams, then "
     "move teams under one governance layer one at a time."),
    (((Recommended(MS),), (Recommended(MM),)),
     "Ask each vendor for evidence of process maturity (CMMI level, ISO 27001 certificate, "
     "SOC 2 report) and for references from work like yours."),
    (((Recommended(MS),),),
     "Agree measurable service levels and an exit plan with knowledge handover before "
     "signing."),
    (((Raised(RiskId.KNOWLEDGE_DRAIN),), (Raised(RiskId.VENDOR_LOCK_IN),)),
     "Make documentation and handover part of the contract, with a named person inside who "
     "learns the system alongside the outside team."),
    (((SEVERAL_TEAMS, Not(WEEKS)), (SPRAWL, Not(WEEKS))),
     "Start the chosen model with one team, compare its symptoms at the check-ins, then "
     "extend it team by team."),
    (((Not(SEVERAL_TEAMS), Not(SPRAWL)), (WEEKS,)),
     "At the first check-in, compare what you see with today's answers, and decide then "
     "whether to go on, change course or stop."),
)

# ============================================================ 6. RATIONALE
RATIONALE: Final[dict[str, str]] = {
    "drivers": "Driven most by: {drivers}.",
    "driver": "{answer} ({why})",
    "no_drivers": "No answer points clearly to an ownership or a capacity gap.",
    "winner": "{best} ranks first with {score:.1f} of 5, ahead of {runner_up} at "
    "{runner_score:.1f}. {fit_line}",
    "close_call": "Too close to call: {models} score within {margin:.1f} of each other on "
    "your answers, so {each} worth a conversation. {fit_line}",
    "strong_on": "It scores well on what you marked as most important: {factors}.",
    "weak_on": "It is weaker on {factors}, which you also rated high; watch those.",
}

# ============================================================ 7. FOLLOW-UPS
CHANGE_WHY: Final[dict[str, str]] = {
    "symptom_better": "{label} shows up less: {before} → {after}",
    "symptom_worse": "{label} shows up more: {before} → {after}",
    "signal_better": "{label} moved the healthy way: {before} → {after}",
    "signal_worse": "{label} moved the wrong way: {before} → {after}",
    "signal_neutral": "{label} changed: {before} → {after} (describes the work; neither "
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
SHIFT_KIND: Final[dict[str, str]] = {
    "ownership": "ownership", "capacity": "capacity", "mixed": "both ownership and capacity",
    "unclear": "unclear",
}
# fmt: on
