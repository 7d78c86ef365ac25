"""The verdict as people read it, for every scenario: within the word budget at post time,
no contract id anywhere (Slack or the CLI's report), and a matrix that fits a phone.

The budgets: the parent and the replies posted with it, at most ``MAX_REPLIES``, together
at most ``VERDICT_WORD_BUDGET`` (250) words, counted as a reader counts them
(``tests/support/surfaces.words``). A matrix line fits a 390 px phone:
``PHONE_LINE_CHARS`` (44) characters across, ``PHONE_FIELD_CHARS`` (22) in a field (the
derivation is in ``bot/views/recommendation.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from bot.views import recommendation as rec
from tests.fakeslack.schemas import validate_blocks_message, validate_modal
from tests.support import scenarios
from tests.support.surfaces import code_lines, leaks, too_wide, word_count
from tests.views.fixtures import answers
from triage import assess, parse_intake
from triage.models import Assessment
from triage.report import render

ROOT = Path(__file__).resolve().parents[2]
CASES = scenarios.own() + scenarios.public()
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
STATUS = "Check-ins after 2 weeks and 6 weeks."


def verdict(path: Path) -> Assessment:
    data = scenarios.load(path)[0] if path in CASES else __import__("yaml").safe_load(
        path.read_text())
    data.pop("expect", None)
    return assess(parse_intake(data))


def posted(a: Assessment) -> list[dict[str, Any]]:
    """What a verdict posts at once: the parent, then its replies."""
    parent = rec.parent_message(a, owner_id="U42", assessment_id=17, status_line=STATUS)
    return [parent, *rec.thread_replies(a, 17, parent)]


def details(a: Assessment) -> list[dict[str, Any]]:
    return [rec.details_modal(a, 17, n) for n in range(len(rec.PAGES))]


def budget_problems(a: Assessment) -> list[str]:
    messages = posted(a)
    words = sum(word_count(m) for m in messages)
    problems = []
    if len(messages) - 1 > rec.MAX_REPLIES:
        problems.append(f"{len(messages) - 1} replies at post time")
    if words > rec.VERDICT_WORD_BUDGET:
        problems.append(f"{words} words at post time")
    return problems


@pytest.mark.parametrize("path", CASES + EXAMPLES, ids=lambda p: p.stem)
def test_the_verdict_reads_in_ten_seconds(path: Path) -> None:
    a = verdict(path)
    assert budget_problems(a) == []
    for m in posted(a):
        validate_blocks_message(m)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers())
def test_any_answers_stay_within_the_budget(nested: dict[str, Any]) -> None:
    assert budget_problems(assess(parse_intake(nested))) == []


@pytest.mark.parametrize("path", CASES + EXAMPLES, ids=lambda p: p.stem)
def test_no_contract_id_reaches_a_person(path: Path) -> None:
    a = verdict(path)
    for surface in (*posted(a), *details(a)):
        assert leaks(surface) == []
    assert leaks({"text": render(a)}) == []  # the CLI's human report too


@pytest.mark.parametrize("path", CASES + EXAMPLES, ids=lambda p: p.stem)
def test_the_matrix_fits_a_phone(path: Path) -> None:
    a = verdict(path)
    page = rec.details_modal(a, 17, 1)
    validate_modal(page)
    table = [b for b in page["blocks"] if str(b.get("block_id", "")).startswith(
        ("matrix_model_", "matrix_weights"))]
    assert len(table) == 1 + len(a.recommendation.ranking)
    assert too_wide(table, line_chars=rec.PHONE_LINE_CHARS,
                    field_chars=rec.PHONE_FIELD_CHARS) == []
    # and nothing anywhere in the verdict is a monospace table wider than a phone
    for surface in (*posted(a), *details(a)):
        assert [line for line in code_lines(surface) if len(line) > rec.PHONE_LINE_CHARS] == []


def test_the_checks_fail_where_they_should() -> None:
    """Each check above catches what it is for: the 77-column matrix, a field path, an
    over-long thread."""
    wide = {"type": "section", "block_id": "matrix_model_1",
            "text": {"type": "mrkdwn", "text": "*1. Product delivery*"},
            "fields": [{"type": "mrkdwn", "text": "Speed to productivity and more\n3"}]}
    assert too_wide([wide], line_chars=44, field_chars=22) == [
        "Speed to productivity and more"]
    old_matrix = {"text": "x", "blocks": [{"type": "section", "text": {
        "type": "mrkdwn", "text": "```\n" + "Factor".ljust(29) + "Product del" * 4 + "\n```"}}]}
    assert [line for line in code_lines(old_matrix) if len(line) > 44]
    said = {"text": "x", "blocks": [{"type": "section", "text": {
        "type": "mrkdwn", "text": "• slowdown = unclear_decisions · "
                                  "signals.design_engineering_together = 5, weight 5.76"}}]}
    assert {found for found, _ in leaks(said)} >= {
        "unclear_decisions", "signals.design_engineering_together", "weight 5.76"}
    long_step = "word " * 120
    a = verdict(scenarios.OWNER_GAP)
    a = a.model_copy(update={"next_steps": [long_step] * 3})
    assert any("words at post time" in p for p in budget_problems(a))
