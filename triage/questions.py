"""What the questionnaire and the verdict say to people: labels, hints and option wording.

Plain tables, one per question group. The ids and values are the contract in
``shared/spec/intake.md``; only the words are ours to change.
"""

from __future__ import annotations

from typing import Final

# ---------------------------------------------------------------- the questions
# field path: (label, hint or "" for none). Labels are at most 2,000 characters in Slack;
# keep them short enough to read on a phone.
FIELD_QUESTIONS: Final[dict[str, tuple[str, str]]] = {
    "engagement": ("What should we call this piece of work?",
                   "Optional. A short name, like Checkout revamp."),
    "stated_need": ("What kind of help are you thinking of?", ""),
    "slowdown": ("What slows the path from a decision to shipped value?",
                 "The one that costs you most today. This answer weighs the most."),
    "duration": ("How long do you expect to need help?", ""),
    "strategic_importance": ("How central is this work to your product?", ""),
    "notes": ("Anything else I should know?",
              "Optional. Kept with the verdict, for you and whoever reads it later."),
}

# The same fields, named in a few words (in the verdict's evidence).
FIELD_SHORT: Final[dict[str, str]] = {
    "engagement": "Name",
    "stated_need": "Help you asked for",
    "slowdown": "What slows you down",
    "duration": "How long",
    "strategic_importance": "How central the work is",
    "notes": "Notes",
}

# The two inputs on step 1 that are not answers: where to post, and when to check in.
POST_CHANNEL_QUESTION: Final = ("Where should I post the verdict?",
                                "Anyone in that channel can read it. The details go in a thread.")
CADENCE_QUESTION: Final = ("When should I check in on how it's going?", "")
CADENCE_CUSTOM_QUESTION: Final = (
    "Your own check-in times",
    "Only used with \"My own times\". Time after the verdict, with commas: 7d, 30d "
    "(units: s, m, h, d, w).",
)
# "{default}" is filled in with the deployment's default offsets, e.g. "2 weeks and 6 weeks".
CADENCES: Final[dict[str, str]] = {
    "default": "After {default}",
    "none": "Don't check in",
    "custom": "My own times (below)",
}

STATED_NEED: Final[dict[str, str]] = {
    "more_engineers": "More engineers on the team",
    "own_outcome": "A team that owns an outcome end to end",
    "outsource_function": "Hand a whole function to a vendor",
    "not_sure": "Not sure yet",
}

SLOWDOWN: Final[dict[str, str]] = {
    "execution_capacity": "Not enough hands to build what is already decided",
    "unclear_decisions": "Decisions: what to build is unclear or slow to settle",
    "skill_gap": "A skill we don't have in the team",
    "quality_risk": "Quality problems and rework",
    "other": "Something else",
}

DURATION: Final[dict[str, str]] = {
    "weeks": "A few weeks (under 3 months)",
    "quarter": "A quarter or two (3 to 6 months)",
    "long_term": "Long term (over 6 months)",
}

IMPORTANCE: Final[dict[str, str]] = {
    "core": "Core: it sets us apart, customers see it",
    "supporting": "Supporting: needed, not a differentiator",
    "commodity": "Commodity: any competent vendor could run it",
}

# Statements rated 1 (strongly disagree) .. 5 (strongly agree).
SIGNALS: Final[dict[str, str]] = {
    "roadmap_clear": "The roadmap for this work is clear",
    "leadership_active": "Engineering leads have time to direct extra people",
    "process_stable": "Planning, rituals and releases run smoothly",
    "need_senior_capacity": "What we lack most is senior people who execute",
    "outcome_led_scope": "We know the outcome we want, not the backlog to get there",
    "design_engineering_together": "Design and engineering have to move together",
    "steering_bandwidth_limited": "Nobody inside has much time to steer this work",
    "need_fast_decisions": "We need faster decisions more than more coordination",
}
SIGNAL_SCALE: Final[dict[int, str]] = {
    1: "1 · Strongly disagree", 2: "2 · Disagree", 3: "3 · Neither", 4: "4 · Agree",
    5: "5 · Strongly agree",
}

SYMPTOMS: Final[dict[str, str]] = {
    "unclear_tickets": "Tickets arrive unclear or half-specified",
    "blocked_on_product": "Developers wait for answers from product",
    "decisions_bouncing": "Decisions bounce between busy people",
    "alignment_over_building": "More time goes to aligning than to building",
    "contractor_sprawl": "Teams hire contractors on their own, from many agencies",
    "knowledge_drain": "Knowledge leaves when people roll off",
    "black_box_vendor": "A vendor delivers, but we can't see how",
    "skill_mismatch": "Outside people turned out to lack the skills we needed",
    "access_risk": "Outsiders have access we can't fully account for",
}
LEVELS: Final[dict[str, str]] = {
    "never": "Never", "sometimes": "Sometimes", "often": "Often", "constantly": "All the time",
}

PRIORITIES: Final[dict[str, str]] = {
    "cost_predictability": "A predictable bill",
    "speed_to_productivity": "Useful output quickly",
    "governance_risk": "Governance, security and compliance",
    "flexibility": "Scaling up or down easily",
    "knowledge_retention": "Keeping the knowledge in-house",
    "process_maturity": "Proven process and quality",
    "strategic_control": "Keeping control of direction",
    "management_burden": "Taking load off our managers",
}
WEIGHTS: Final[dict[str, str]] = {"low": "Low", "medium": "Medium", "high": "High"}

# ---------------------------------------------------------------- the verdict's words
# (factor labels and short model names for tables live in triage/tables.py)
MODELS: Final[dict[str, str]] = {
    "staff_augmentation": "Staff augmentation",
    "product_delivery": "Product delivery",
    "managed_services": "Managed services",
    "managed_marketplace": "Managed marketplace",
}
KINDS: Final[dict[str, str]] = {
    "ownership": "Ownership bottleneck",
    "capacity": "Capacity bottleneck",
    "mixed": "Ownership and capacity",
    "unclear": "No clear bottleneck yet",
}
RISKS: Final[dict[str, str]] = {
    "contractor_sprawl": "Contractor sprawl",
    "black_box": "Black box",
    "knowledge_drain": "Knowledge drain",
    "skill_mismatch": "Skill mismatch",
    "security_access": "Access exposure",
    "vendor_lock_in": "Vendor lock-in",
    "management_overhead": "Management overhead",
}

SYMPTOM_GROUPS: Final[dict[str, str]] = {
    "ownership": "Signs that nobody owns the outcome",
    "risk": "Signs of trouble with outside help",
}
# Which way an answer pushed the verdict (Evidence.leans).
LEANS: Final[dict[str, str]] = {
    "ownership": "points to ownership",
    "capacity": "points to capacity",
    "context": "context",
}

# ---------------------------------------------------------------- modal steps
STEP_TITLES: Final[tuple[str, ...]] = (
    "The work", "How the team runs", "What you see", "What matters most",
)
STEP_INTROS: Final[tuple[str, ...]] = (
    "Four short pages, about five minutes. First, the work itself and where the verdict "
    "should go.",
    "How much do you agree with each statement about this team, today?",
    "How often do you see these? Leave anything that never happens at *Never*.",
    "How much does each of these matter for this engagement?",
)

# ---------------------------------------------------------------- team health checks
# Each dimension mirrors one of the diagnosis's symptoms, so a trend here can send the
# team back to /engagement. "ownership" marks the dimensions of an ownership gap.
HEALTH_DIMENSIONS: Final[dict[str, tuple[str, str, bool]]] = {
    # id:        (label, what green looks like, ownership?)
    "clarity":   ("Clear tickets", "Work arrives clear enough to start on", True),
    "answers":   ("Product answers", "We get product answers without waiting", True),
    "decisions": ("Decision speed", "Decisions land quickly and stay made", True),
    "focus":     ("Building, not aligning", "Most of our time goes into building", True),
    "capacity":  ("Capacity", "We have the hands to deliver what we planned", False),
}
HEALTH_RATINGS: Final[dict[str, str]] = {
    "green": ":large_green_circle: Good", "yellow": ":large_yellow_circle: So-so",
    "red": ":red_circle: Bad",
}
HEALTH_CADENCES: Final[dict[str, str]] = {
    "weekly": "Every week", "biweekly": "Every two weeks", "monthly": "Once a month",
}
WEEKDAYS: Final[tuple[str, ...]] = (
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
)

# Short names of the ownership symptoms, for chart legends.
SYMPTOMS_SHORT: Final[dict[str, str]] = {
    "unclear_tickets": "Unclear tickets",
    "blocked_on_product": "Waiting on product",
    "decisions_bouncing": "Decisions bouncing",
    "alignment_over_building": "Aligning over building",
}
