"""The words people read: a label for every field and value, and the strongest reasons."""

from __future__ import annotations

import re

import pytest

from tests.support import scenarios
from tests.triage.helpers import case, verdict
from triage import Reason, reasons
from triage import questions as Q
from triage.models import (
    PRIORITY_IDS,
    SIGNAL_IDS,
    SYMPTOM_IDS,
    Duration,
    Importance,
    Level,
    Requirements,
    Slowdown,
    StatedNeed,
    Teams,
    VendorsInUse,
    Weight,
)

FIELDS = {
    "stated_need": StatedNeed, "slowdown": Slowdown, "duration": Duration,
    "strategic_importance": Importance, "teams": Teams, "vendors_in_use": VendorsInUse,
    "requirements": Requirements,
}


def test_label_and_value_label_of_the_issue_examples() -> None:
    assert Q.label("symptoms.blocked_on_product") == "Developers wait for answers from product"
    assert Q.value_label("symptoms.blocked_on_product", "often") == "Often"
    assert Q.value_label("symptoms.blocked_on_product", "constantly") == "All the time"
    assert Q.value_label("signals.roadmap_clear", 2) == "Disagree"
    assert Q.value_label("signals.roadmap_clear", 5) == "Strongly agree"
    assert Q.answer_text("priorities.flexibility", "high") == "Scaling up or down easily: High"
    assert Q.value_label("teams", None) == "Not answered"
    assert Q.value_label("recommendation.model", "managed_marketplace") == "Managed marketplace"


@pytest.mark.parametrize("path", [*FIELDS, *(f"signals.{s}" for s in SIGNAL_IDS),
                                  *(f"symptoms.{s}" for s in SYMPTOM_IDS),
                                  *(f"priorities.{p}" for p in PRIORITY_IDS)])
def test_every_field_and_value_has_words_not_ids(path: str) -> None:
    label = Q.label(path)
    assert label and "_" not in label and "." not in label
    group = path.split(".")[0]
    values: list[object] = (
        [1, 2, 3, 4, 5] if group == "signals" else
        [e.value for e in Level] if group == "symptoms" else
        [e.value for e in Weight] if group == "priorities" else
        [e.value for e in FIELDS[path]]
    )
    for value in values:
        words = Q.value_label(path, value)
        assert words and "_" not in words and words != value, (path, value)


def test_new_optional_answers_have_questions_and_options() -> None:
    for field, enum in (("teams", Teams), ("vendors_in_use", VendorsInUse),
                        ("requirements", Requirements)):
        question, _hint = Q.FIELD_QUESTIONS[field]
        assert question.endswith("?")
        options = {"teams": Q.TEAMS, "vendors_in_use": Q.VENDORS_IN_USE,
                   "requirements": Q.REQUIREMENTS}[field]
        assert set(options) == {e.value for e in enum}


def test_statements_say_one_thing_each() -> None:
    """No double-barrelled statement (two claims joined by and/or/but) and no comparison
    of two things ("more than"), so that agreeing means one thing."""
    for sid, text in Q.SIGNALS.items():
        assert not re.search(r"\b(or|but|not|more than|rather than)\b", text), sid
        if sid != "design_engineering_together":  # one claim: that the two move together
            assert " and " not in text, sid
    for sid, text in Q.SYMPTOMS.items():
        assert not re.search(r"\b(or|but)\b", text), sid


def test_unknown_paths_come_back_in_words() -> None:
    assert Q.label("something_new") == "Something new"


def test_reasons_are_the_strongest_answers_in_words() -> None:
    result = verdict(scenarios.answers(scenarios.OWNER_GAP))
    found = reasons(result)
    assert len(found) == 3 and all(isinstance(r, Reason) for r in found)
    assert [r.strength for r in found] == [d.weight for d in result.recommendation.drivers[:3]]
    for r in found:
        assert r.label == Q.label(r.field) and r.value_label == Q.value_label(r.field, r.value)
        assert r.text.startswith(f"{r.label}: {r.value_label}")
        assert "." not in r.label


def test_reasons_of_a_governance_verdict_name_the_risk_symptoms() -> None:
    result = verdict(case(
        stated_need="more_engineers", slowdown="execution_capacity", duration="long_term",
        teams="several", vendors_in_use="several",
        signals={"roadmap_clear": 4, "leadership_active": 4, "need_senior_capacity": 4},
        symptoms={"contractor_sprawl": "often", "access_risk": "often"}))
    assert result.recommendation.model.value == "managed_marketplace"
    fields = [r.field for r in reasons(result, limit=4)]
    assert "symptoms.contractor_sprawl" in fields and "symptoms.access_risk" in fields


def test_reasons_of_an_assessment_stored_before_drivers_existed() -> None:
    old = verdict(scenarios.answers(scenarios.NEEDS_HANDS))
    stored = old.model_copy(update={"recommendation": old.recommendation.model_copy(
        update={"drivers": [], "close_call": []})})
    found = reasons(stored)
    assert found and all(r.field.startswith(("signals.", "slowdown")) for r in found)
