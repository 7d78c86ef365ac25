"""Properties that must hold for every valid intake."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.triage.strategies import answers
from triage import assess, parse_intake
from triage.models import (
    OWNERSHIP_SYMPTOMS,
    STATED_MODEL,
    SYMPTOM_IDS,
    Assessment,
    EngagementModel,
    Level,
)

LEVELS = [lvl.value for lvl in Level]


@settings(max_examples=300, deadline=None)
@given(answers())
def test_assessment_is_valid_and_complete(data: dict) -> None:
    intake = parse_intake(data)
    result = assess(intake)
    # round-trips through its own schema
    assert Assessment.model_validate_json(result.model_dump_json()) == result
    ranking = result.recommendation.ranking
    assert {r.model for r in ranking} == set(EngagementModel)
    assert len(ranking) == 4
    assert [r.score for r in ranking] == sorted((r.score for r in ranking), reverse=True)
    assert ranking[0].model == result.recommendation.model
    assert all(0.0 <= r.score <= 5.0 for r in ranking)
    assert 0.0 <= result.bottleneck.confidence <= 1.0
    stated = STATED_MODEL[intake.stated_need]
    assert (result.mismatch is not None) == (stated is not None and stated != ranking[0].model)
    for risk in result.risks:
        assert risk.why and risk.fields
    assert result.next_steps
    shown = {s.id for s in result.symptoms}
    assert shown == {s for s in SYMPTOM_IDS if intake.symptom(s) != Level.NEVER}


@settings(max_examples=200, deadline=None)
@given(answers(), st.sampled_from(OWNERSHIP_SYMPTOMS), st.data())
def test_raising_an_ownership_symptom_never_lowers_ownership(data, symptom, draw) -> None:
    before = parse_intake(data)
    current = before.symptom(symptom).rank
    higher = draw.draw(st.sampled_from(LEVELS[current:]))
    raised = dict(data, symptoms={**data.get("symptoms", {}), symptom: higher})
    assert (assess(parse_intake(raised)).bottleneck.ownership_score
            >= assess(before).bottleneck.ownership_score)


@settings(max_examples=200, deadline=None)
@given(answers(), st.data())
def test_raising_roadmap_clear_never_raises_ownership(data, draw) -> None:
    value = data["signals"]["roadmap_clear"]
    higher = draw.draw(st.integers(value, 5))
    raised = dict(data, signals={**data["signals"], "roadmap_clear": higher})
    assert (assess(parse_intake(raised)).bottleneck.ownership_score
            <= assess(parse_intake(data)).bottleneck.ownership_score)


@settings(max_examples=100, deadline=None)
@given(answers())
def test_identical_answers_give_identical_output(data: dict) -> None:
    first = assess(parse_intake(data)).model_dump_json()
    second = assess(parse_intake(dict(data))).model_dump_json()
    assert first == second
