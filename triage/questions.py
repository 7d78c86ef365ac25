"""What the questionnaire and the verdict say to people: labels, hints and option wording.

Plain tables, one per question group, and three functions the Slack views and the report
use so that no field path or raw value ever reaches a person: :func:`label`,
:func:`value_label` and :func:`answer_text`. The ids and values are the contract in
``shared/spec/intake.md``; only the words are ours to change.
"""

from __future__ import annotations

from typing import Final, NamedTuple

# ---------------------------------------------------------------- the questions
# field path: (label, hint or "" for none). Labels are at most 2,000 characters in Slack;
# keep them short enough to read on a phone.
FIELD_QUESTIONS: Final[dict[str, tuple[str, str]]] = {
    "engagement": ("What should we call this piece of work?",
                   "A short name, like Checkout revamp."),
    "stated_need": ("What kind of help are you thinking of?", ""),
    "slowdown": ("What slows the path from a decision to shipped value?",
                 "The one that costs you most today."),
    "duration": ("How long do you expect to need help?", ""),
    "strategic_importance": ("How central is this work to your product?", ""),
    "teams": ("How many teams will work with the outside help?", ""),
    "vendors_in_use": ("How many outside agencies, contractors or platforms do you use today?",
                       "Count every supplier of people or of a service."),
    "requirements": ("How settled is what must be built?", ""),
    "notes": ("Anything else I should know?",
              "Kept with the verdict, for you and whoever reads it later."),
}

# The same fields, named in a few words (in the verdict's evidence).
FIELD_SHORT: Final[dict[str, str]] = {
    "engagement": "Name",
    "stated_need": "Help you asked for",
    "slowdown": "What slows you down",
    "duration": "How long",
    "strategic_importance": "How central the work is",
    "teams": "Teams involved",
    "vendors_in_use": "Outside suppliers today",
    "requirements": "What must be built",
    "notes": "Notes",
    "recommendation.model": "Recommended model",
    "bottleneck.kind": "Bottleneck",
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
    "execution_capacity": "Not enough people to build what is already decided",
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

TEAMS: Final[dict[str, str]] = {
    "one": "One team",
    "several": "Several teams",
}

VENDORS_IN_USE: Final[dict[str, str]] = {
    "none": "None",
    "one": "One",
    "several": "Several",
}

REQUIREMENTS: Final[dict[str, str]] = {
    "stable": "Settled: it will not change much",
    "evolving": "Still changing as we learn",
}

# Statements rated 1 (strongly disagree) .. 5 (strongly agree). Each says one thing, and
# agreeing always means what the id says (agreeing with steering_bandwidth_limited means
# there is little time to steer).
SIGNALS: Final[dict[str, str]] = {
    "roadmap_clear": "The roadmap for this work is clear",
    "leadership_active": "Engineering leads have time to direct extra people",
    "process_stable": "Our delivery process, from planning to release, is stable",
    "need_senior_capacity": "What we lack most is senior engineering capacity",
    "outcome_led_scope": "The work is defined by an outcome we want to reach",
    "design_engineering_together": "Design and engineering have to move together",
    "steering_bandwidth_limited": "The people who would steer this work have little time "
                                  "for it",
    "need_fast_decisions": "This work needs faster decisions",
}
SIGNAL_SCALE: Final[dict[int, str]] = {
    1: "1 · Strongly disagree", 2: "2 · Disagree", 3: "3 · Neither", 4: "4 · Agree",
    5: "5 · Strongly agree",
}
# The same scale in words only, for sentences ("Disagree → Agree").
AGREEMENT: Final[dict[int, str]] = {
    1: "Strongly disagree", 2: "Disagree", 3: "Neither agree nor disagree", 4: "Agree",
    5: "Strongly agree",
}

SYMPTOMS: Final[dict[str, str]] = {
    "unclear_tickets": "Tickets arrive unclear",
    "blocked_on_product": "Developers wait for answers from product",
    "decisions_bouncing": "Decisions bounce between busy people",
    "alignment_over_building": "More time goes to aligning than to building",
    "contractor_sprawl": "Teams bring in contractors on their own",
    "knowledge_drain": "Knowledge leaves when people roll off",
    "black_box_vendor": "We cannot see how a vendor's work gets done",
    "skill_mismatch": "Outside people turned out to lack the skills we needed",
    "access_risk": "Outsiders have access we cannot fully account for",
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


class ModelWords(NamedTuple):
    name: str    # in headings and sentences ("Staff augmentation")
    short: str   # a matrix column ("Staff aug")
    fit: str     # one line on what the model is for


# The one place a model is named.
MODEL_WORDS: Final[dict[str, ModelWords]] = {
    "staff_augmentation": ModelWords(
        "Staff augmentation", "Staff aug",
        "Adds senior hands inside your existing planning, process and leadership."),
    "product_delivery": ModelWords(
        "Product delivery", "Product del",
        "One accountable team turns a goal into shipped slices, with fewer handoffs."),
    "managed_services": ModelWords(
        "Managed services", "Managed svc",
        "A vendor runs a well-defined function against service levels, with its own process."),
    "managed_marketplace": ModelWords(
        "Managed marketplace", "Marketplace",
        "Vetted teams under a shared governance layer, for long-running needs across teams."),
}
MODELS: Final[dict[str, str]] = {m: w.name for m, w in MODEL_WORDS.items()}
MODEL_SHORT: Final[dict[str, str]] = {m: w.short for m, w in MODEL_WORDS.items()}

# The rows of the decision matrix: the eight factors and the fit row.
FACTORS: Final[dict[str, str]] = {
    "cost_predictability": "Cost predictability",
    "speed_to_productivity": "Speed to productivity",
    "governance_risk": "Governance & risk",
    "flexibility": "Flexibility",
    "knowledge_retention": "Knowledge retention",
    "process_maturity": "Process maturity",
    "strategic_control": "Strategic control",
    "management_burden": "Load off managers",
    "bottleneck_fit": "Fit with your case",
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

# How much a factor counts, in words (the matrix shows these, never the weight itself).
IMPORTANCE_WORDS: Final[tuple[tuple[float, str], ...]] = (
    (1.5, "Low"), (2.5, "Medium"), (3.5, "High"), (float("inf"), "Very high"),
)


def importance_word(weight: float) -> str:
    """"Low" / "Medium" / "High" / "Very high" for a factor's weight in the matrix."""
    return next(word for limit, word in IMPORTANCE_WORDS if weight < limit)


# ---------------------------------------------------------------- labels by field path
_OPTIONS: Final[dict[str, dict[str, str]]] = {
    "stated_need": STATED_NEED,
    "slowdown": SLOWDOWN,
    "duration": DURATION,
    "strategic_importance": IMPORTANCE,
    "teams": TEAMS,
    "vendors_in_use": VENDORS_IN_USE,
    "requirements": REQUIREMENTS,
    "recommendation.model": MODELS,
    "bottleneck.kind": KINDS,
}
_GROUPS: Final[dict[str, dict[str, str]]] = {
    "signals": SIGNALS, "symptoms": SYMPTOMS, "priorities": PRIORITIES,
}
_NOT_ANSWERED: Final = "Not answered"


def _humanized(text: str) -> str:
    return text.rsplit(".", 1)[-1].replace("_", " ").capitalize()


def label(path: str) -> str:
    """The human label of an answer's field path: ``label("symptoms.blocked_on_product")``
    is "Developers wait for answers from product"; ``label("duration")`` is "How long".
    An unknown path comes back in words, never as the raw id."""
    group, _, sub = path.partition(".")
    if sub and group in _GROUPS:
        return _GROUPS[group].get(sub, _humanized(path))
    return FIELD_SHORT.get(path, _humanized(path))


def value_label(path: str, value: object) -> str:
    """The human wording of one answer's value: ``value_label("symptoms.unclear_tickets",
    "constantly")`` is "All the time"; a signal's 2 is "Disagree"; a priority's "high" is
    "High"; ``None`` (an optional answer left out) is "Not answered"."""
    if value is None:
        return _NOT_ANSWERED
    group, _, sub = path.partition(".")
    if sub and group == "signals" and isinstance(value, int):
        return AGREEMENT.get(value, str(value))
    if sub and group == "symptoms":
        return LEVELS.get(str(value), _humanized(str(value)))
    if sub and group == "priorities":
        return WEIGHTS.get(str(value), _humanized(str(value)))
    options = _OPTIONS.get(path)
    if options is not None:
        return options.get(str(value), _humanized(str(value)))
    return str(value)


def answer_text(path: str, value: object) -> str:
    """One answer as a person reads it: "Developers wait for answers from product: Often"."""
    return f"{label(path)}: {value_label(path, value)}"


# ---------------------------------------------------------------- modal steps
STEP_TITLES: Final[tuple[str, ...]] = (
    "The work", "How the team runs", "What you see", "What matters most",
)
STEP_INTROS: Final[tuple[str, ...]] = (
    # {estimate} is the time and the clicks the questionnaire takes (bot.views.intake counts)
    "{estimate} First, the work itself and where the verdict should go.",
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
