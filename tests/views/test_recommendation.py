"""The verdict in Slack: parent message, the two thread replies, the Details modal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.views.ids import Action, BlockId
from bot.views.recommendation import (
    MAX_REPLIES,
    PAGES,
    STATUS_BLOCK,
    details_modal,
    matrix_blocks,
    parent_message,
    thread_replies,
    with_status,
)
from tests.fakeslack.schemas import validate_blocks_message, validate_modal
from tests.support.surfaces import shown_texts
from tests.views.fixtures import FACTORS, assessment
from triage import questions as Q
from triage.models import Assessment, BottleneckKind, EngagementModel

STATUS = "Check-ins after 2 weeks and 6 weeks."
EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))


def parent(a: Assessment, status: str = STATUS) -> dict[str, Any]:
    return parent_message(a, owner_id="U42", assessment_id=17, status_line=status)


def replies(a: Assessment) -> list[dict[str, Any]]:
    return thread_replies(a, 17, parent(a))


def shown(payload: dict[str, Any]) -> str:
    return "\n".join(shown_texts(payload))


def mrkdwn_texts(blocks: list[dict[str, Any]]) -> list[str]:
    out = []
    for b in blocks:
        if b.get("text", {}).get("type") == "mrkdwn":
            out.append(b["text"]["text"])
        out += [f["text"] for f in b.get("fields", [])]
        out += [e["text"] for e in b.get("elements", []) if e.get("type") == "mrkdwn"]
    return out


def by_id(msg: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in msg["blocks"] if "block_id" in b}


def check_message(msg: dict[str, Any]) -> None:
    validate_blocks_message(msg)
    assert msg["text"].strip() and len(msg["blocks"]) <= 50


def pages(a: Assessment) -> list[dict[str, Any]]:
    return [details_modal(a, 17, n) for n in range(len(PAGES))]


@pytest.mark.parametrize("mismatch", [True, False])
def test_parent_message_at_a_glance(mismatch: bool) -> None:
    msg = parent(assessment(mismatch=mismatch))
    check_message(msg)
    blocks = by_id(msg)
    head = msg["blocks"][0]
    assert head["type"] == "header"
    assert head["text"]["text"] == "Checkout revamp: Product delivery"  # name and model
    assert (BlockId.ASSESSMENT_MISMATCH.value in blocks) is mismatch
    verdict = blocks[BlockId.ASSESSMENT_VERDICT.value]["text"]["text"]
    assert "Ownership bottleneck" in verdict and "high confidence" in verdict
    assert "%" not in verdict  # the word, not the number
    assert "Product delivery" in blocks[BlockId.ASSESSMENT_MODEL.value]["text"]["text"]
    assert "<@U42>" in str(blocks[BlockId.ASSESSMENT_ASKED_BY.value])
    status = blocks[STATUS_BLOCK]
    assert status["type"] == "context" and status["elements"][0]["text"] == STATUS
    buttons = {e["action_id"]: e for e in blocks[BlockId.ASSESSMENT_ACTIONS.value]["elements"]}
    assert set(buttons) == {Action.RETAKE.value, Action.SHOW_MATRIX.value}
    assert buttons[Action.SHOW_MATRIX.value]["text"]["text"] == "Details"
    assert {e["value"] for e in buttons.values()} == {"17"}
    assert (":rotating_light:" in msg["text"]) is mismatch
    assert "Ownership bottleneck" in msg["text"] and "Product delivery" in msg["text"]


def test_mismatch_is_one_loud_sentence() -> None:
    msg = parent(assessment(mismatch=True, why="nobody owns the outcome. Second sentence."))
    block = by_id(msg)[BlockId.ASSESSMENT_MISMATCH.value]["text"]["text"]
    assert block.startswith(":rotating_light:")
    assert "Mismatch: nobody owns the outcome." in block and "Second sentence" not in block
    assert shown(msg).count("You asked") <= 1
    # it comes before the verdict, right under the header
    assert msg["blocks"][1]["block_id"] == BlockId.ASSESSMENT_MISMATCH.value


def test_a_close_call_names_both_models_in_the_header() -> None:
    a = assessment(mismatch=False, close_call=2)
    head = parent(a)["blocks"][0]["text"]["text"]
    assert head == "Checkout revamp: Product delivery or Managed marketplace"
    assert "Too close to call" in shown(parent(a))
    everyone = assessment(mismatch=False, close_call=4)
    assert "no model stands out" in parent(everyone)["blocks"][0]["text"]["text"]
    assert "Too close to call" in shown(parent(everyone))


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


def test_thread_has_reasons_ranking_and_three_steps() -> None:
    a = assessment()
    posted = replies(a)
    assert len(posted) == MAX_REPLIES
    for r in posted:
        check_message(r)
    why, steps = (shown(r) for r in posted)
    # the strongest reasons, in the intake's labels and values, never ids or raw values
    assert "The roadmap for this work is clear: *Strongly disagree*" in why
    assert "signals." not in why and "1 ·" not in why
    for model in EngagementModel:
        assert Q.MODELS[model.value] in why
    assert "1. Product delivery · 4.0" in why
    assert "1. Step 0" in steps and "3. Step 2" in steps and "4. Step 3" not in steps
    assert "1 more step" in steps  # and where the rest is
    for risk in a.risks:
        assert Q.RISKS[risk.id.value] in steps
    buttons = [e for b in posted[1]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [(Action.SHOW_MATRIX.value, "17")]


def test_empty_sections_are_not_posted() -> None:
    a = assessment(symptoms=False, risks=False, next_steps=0, evidence=0)
    posted = replies(a)
    assert len(posted) == 1  # the ranking alone: no steps, no risks, so no second reply
    text = shown(posted[0])
    assert "How the models rank" in text and "strongest reasons" not in text
    for r in posted:
        check_message(r)


def test_replies_give_way_to_the_word_budget() -> None:
    """Over the budget, the risk names and the pointer to Details leave the thread (both
    are in Details); the three steps stay."""
    long = "word " * 40
    a = assessment(why=long, next_steps=10)
    full = thread_replies(a, 17)
    trimmed = thread_replies(a, 17, parent(a))
    assert "Risks to watch" in shown(full[1]) and "Risks to watch" not in shown(trimmed[1])
    assert "3. Step 2" in shown(trimmed[1])


def test_details_pages_hold_every_piece_of_evidence() -> None:
    a = assessment(evidence=30)
    why, matrix, risks = pages(a)
    for modal in (why, matrix, risks):
        validate_modal(modal)
        assert modal["title"]["text"] == "Verdict details"
        nav = next(b for b in modal["blocks"] if b.get("block_id") == "details_pages")
        assert [e["action_id"] for e in nav["elements"]] == [p.value for p, _ in PAGES]
        assert all(e["value"] == "17" for e in nav["elements"])
    assert [sum(e.get("style") == "primary" for e in b["elements"])
            for m in (why, matrix, risks) for b in m["blocks"]
            if b.get("block_id") == "details_pages"] == [1, 1, 1]
    text = shown(why)
    assert "high confidence (78%)" in text
    assert text.count("because the answers say so") >= 30  # every answer, not a dozen
    assert Q.SYMPTOM_GROUPS["ownership"] in text and Q.SYMPTOM_GROUPS["risk"] in text
    m = shown(matrix)
    for model in EngagementModel:
        assert Q.MODELS[model.value] in m
    for factor in FACTORS:
        assert Q.FACTORS[factor] in m
    assert "Why this order" in m and "What your answers moved" in m
    r = shown(risks)
    for risk in a.risks:
        assert Q.RISKS[risk.id.value] in r
    assert "1. Step 0" in r and "4. Step 3" in r


def test_matrix_is_one_section_per_model_with_a_field_per_factor() -> None:
    a = assessment()
    blocks = matrix_blocks(a)
    models = [b for b in blocks if str(b.get("block_id", "")).startswith("matrix_model_")]
    assert [b["text"]["text"].split("*")[1] for b in models] == [
        "1. Product delivery", "2. Managed marketplace", "3. Managed services",
        "4. Staff augmentation"]
    for b in models:
        assert len(b["fields"]) == len(FACTORS) <= 10
    moved = [f["text"] for b in models for f in b["fields"] if "↑" in f["text"] or
             "↓" in f["text"]]
    assert moved  # the fixture moves some cells
    weights = next(b for b in blocks if b.get("block_id") == "matrix_weights")
    assert {f["text"].split("\n")[1] for f in weights["fields"]} <= {
        "Low", "Medium", "High", "Very high"}  # words, never the weight itself


def test_typed_text_cannot_ping_or_link() -> None:
    a = assessment(engagement="<!channel> ping & <@U999|boss> <https://evil|x>")
    outputs = [parent(a), *replies(a)]
    texts = [t for m in outputs for t in mrkdwn_texts(m["blocks"])] + \
        [m["text"] for m in outputs] + \
        [t for p in pages(a) for t in mrkdwn_texts(p["blocks"])]
    for t in texts:
        assert "<!channel>" not in t and "<@U999" not in t and "<https://evil" not in t
    head = parent(a)["blocks"][0]
    assert head["type"] == "header" and "<!channel>" in head["text"]["text"]  # plain text


long_text = st.text(st.characters(codec="utf-8"), min_size=1, max_size=600)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(why=long_text, evidence=st.integers(0, 40), steps=st.integers(0, 12),
       name=st.text(min_size=1, max_size=80).filter(str.strip))
def test_long_and_odd_text_stays_within_slack_limits(why: str, evidence: int, steps: int,
                                                     name: str) -> None:
    a = assessment(why=why, evidence=evidence, next_steps=steps, engagement=name)
    check_message(parent(a))
    for r in replies(a):
        check_message(r)
    for modal in pages(a):
        validate_modal(modal)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_real_verdicts_from_the_engine(path: Path) -> None:
    from triage import assess, load_intake

    a = assess(load_intake(path.read_text()))
    msg = parent(a)
    check_message(msg)
    assert (BlockId.ASSESSMENT_MISMATCH.value in by_id(msg)) is (a.mismatch is not None)
    for r in replies(a):
        check_message(r)
    for modal in pages(a):
        validate_modal(modal)
    assert all(Q.MODELS[m.value] in json.dumps(pages(a)[1]) for m in EngagementModel)
