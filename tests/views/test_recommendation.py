"""The verdict in Slack: parent message, thread, matrix modal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.views.ids import Action, BlockId
from bot.views.recommendation import (
    STATUS_BLOCK,
    matrix_modal,
    matrix_text,
    parent_message,
    thread_replies,
    with_status,
)
from tests.fakeslack.schemas import validate_blocks_message, validate_modal
from tests.views.fixtures import FACTORS, assessment
from triage import questions as Q
from triage import tables as T
from triage.models import Assessment, BottleneckKind, EngagementModel

STATUS = "Check-ins after 2 weeks and 6 weeks."
EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))


def parent(a: Assessment, status: str = STATUS) -> dict[str, Any]:
    return parent_message(a, owner_id="U42", assessment_id=17, status_line=status)


def mrkdwn_texts(blocks: list[dict[str, Any]]) -> list[str]:
    out = []
    for b in blocks:
        if b.get("text", {}).get("type") == "mrkdwn":
            out.append(b["text"]["text"])
        out += [e["text"] for e in b.get("elements", []) if e.get("type") == "mrkdwn"]
    return out


def by_id(msg: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in msg["blocks"] if "block_id" in b}


def check_message(msg: dict[str, Any]) -> None:
    validate_blocks_message(msg)
    assert msg["text"].strip() and len(msg["blocks"]) <= 50


@pytest.mark.parametrize("mismatch", [True, False])
def test_parent_message_at_a_glance(mismatch: bool) -> None:
    msg = parent(assessment(mismatch=mismatch))
    check_message(msg)
    blocks = by_id(msg)
    assert (BlockId.ASSESSMENT_MISMATCH.value in blocks) is mismatch
    verdict = blocks[BlockId.ASSESSMENT_VERDICT.value]["text"]["text"]
    assert "Ownership bottleneck" in verdict and "78% confident" in verdict
    assert "Product delivery" in blocks[BlockId.ASSESSMENT_MODEL.value]["text"]["text"]
    assert "<@U42>" in str(blocks[BlockId.ASSESSMENT_ASKED_BY.value])
    status = blocks[STATUS_BLOCK]
    assert status["type"] == "context" and status["elements"][0]["text"] == STATUS
    buttons = {e["action_id"]: e for e in blocks[BlockId.ASSESSMENT_ACTIONS.value]["elements"]}
    assert set(buttons) == {Action.RETAKE.value, Action.SHOW_MATRIX.value}
    assert {e["value"] for e in buttons.values()} == {"17"}
    assert ("Mismatch" in msg["text"]) is mismatch
    assert "Ownership bottleneck" in msg["text"] and "Product delivery" in msg["text"]


def test_mismatch_is_loud_and_says_why() -> None:
    msg = parent(assessment(mismatch=True, why="nobody owns the outcome"))
    block = by_id(msg)[BlockId.ASSESSMENT_MISMATCH.value]["text"]["text"]
    assert block.startswith(":rotating_light:")
    assert "You asked for staff augmentation" in block
    assert "point to product delivery" in block
    assert "nobody owns the outcome" in block
    # it comes before the verdict, right under the title
    assert msg["blocks"][1]["block_id"] == BlockId.ASSESSMENT_MISMATCH.value


def test_status_is_edited_in_place() -> None:
    msg = parent(assessment())
    edited = with_status(msg, "Check-in 1 of 2: improving")
    check_message(edited)
    assert by_id(edited)[STATUS_BLOCK]["elements"][0]["text"] == "Check-in 1 of 2: improving"
    assert [b.get("block_id") for b in edited["blocks"]] == \
        [b.get("block_id") for b in msg["blocks"]]
    check_message(parent(assessment(), status=""))


@pytest.mark.parametrize("kind", list(BottleneckKind))
def test_every_kind_has_words(kind: BottleneckKind) -> None:
    msg = parent(assessment(kind=kind))
    assert Q.KINDS[kind.value] in str(msg["blocks"])


def test_thread_has_evidence_matrix_symptoms_risks_and_next_steps() -> None:
    a = assessment()
    replies = thread_replies(a)
    assert len(replies) == 5
    for r in replies:
        check_message(r)
    evidence, matrix, symptoms, risks, steps = (str(r["blocks"]) for r in replies)
    assert "The roadmap for this work is clear" in evidence and "1 · Strongly disagree" in \
        evidence  # answers in words, not ids
    for model in EngagementModel:
        assert T.MODEL_SHORT[model.value] in matrix
    for factor in FACTORS:
        assert T.FACTOR_LABELS[factor] in matrix
    assert "Why this order" in matrix
    assert Q.SYMPTOM_GROUPS["ownership"] in symptoms and Q.SYMPTOM_GROUPS["risk"] in symptoms
    for risk in a.risks:
        assert Q.RISKS[risk.id.value] in risks
    assert "1. Step 0" in steps and "4. Step 3" in steps


def test_empty_symptoms_risks_and_steps_say_so() -> None:
    replies = thread_replies(assessment(symptoms=False, risks=False, next_steps=0, evidence=0))
    for r in replies:
        check_message(r)
    assert "None reported" in str(replies[2]["blocks"])
    assert "None of your answers raised one" in str(replies[3]["blocks"])


def test_matrix_table_is_aligned_and_marks_moved_scores() -> None:
    a = assessment()
    lines = matrix_text(a).strip("`\n").splitlines()
    assert len({len(line) for line in lines}) == 1
    assert len(lines) == 1 + len(FACTORS) + 1
    assert "*" in "".join(lines[1:-1])  # the fixture moves some cells
    assert "4.00" in lines[-1] and "1.90" in lines[-1]


def test_matrix_modal() -> None:
    modal = matrix_modal(assessment())
    validate_modal(modal)
    text = str(modal["blocks"])
    for model in EngagementModel:
        assert Q.MODELS[model.value] in text and T.MODEL_SHORT[model.value] in text
    assert modal["title"]["text"] == "Decision matrix"


def test_typed_text_cannot_ping_or_link() -> None:
    a = assessment(engagement="<!channel> ping & <@U999|boss> <https://evil|x>")
    outputs = [parent(a), *thread_replies(a)]
    texts = [t for m in outputs for t in mrkdwn_texts(m["blocks"])] + \
        [m["text"] for m in outputs] + mrkdwn_texts(matrix_modal(a)["blocks"])
    for t in texts:
        assert "<!channel>" not in t and "<@U999" not in t and "<https://evil" not in t
    header = parent(a)["blocks"][0]
    assert header["type"] == "header" and "<!channel>" in header["text"]["text"]  # plain text


long_text = st.text(st.characters(codec="utf-8"), min_size=1, max_size=600)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(why=long_text, evidence=st.integers(0, 30), steps=st.integers(0, 12),
       name=st.text(min_size=1, max_size=80).filter(str.strip))
def test_long_and_odd_text_stays_within_slack_limits(why: str, evidence: int, steps: int,
                                                     name: str) -> None:
    a = assessment(why=why, evidence=evidence, next_steps=steps, engagement=name)
    check_message(parent(a))
    for r in thread_replies(a):
        check_message(r)
    validate_modal(matrix_modal(a))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_real_verdicts_from_the_engine(path: Path) -> None:
    from triage import assess, load_intake

    a = assess(load_intake(path.read_text()))
    msg = parent(a)
    check_message(msg)
    assert (BlockId.ASSESSMENT_MISMATCH.value in by_id(msg)) is (a.mismatch is not None)
    for r in thread_replies(a):
        check_message(r)
    validate_modal(matrix_modal(a))
    assert all(Q.MODELS[m.value] in json.dumps(matrix_modal(a)) for m in EngagementModel)
