"""The human report: everything in the questions' words, the whole matrix, the close call."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support import scenarios
from tests.triage.helpers import EXAMPLES, SCENARIOS, case, verdict
from triage import questions as Q
from triage.models import (
    PRIORITY_IDS,
    SIGNAL_IDS,
    SYMPTOM_IDS,
    Duration,
    EngagementModel,
    Importance,
    Requirements,
    RiskId,
    Slowdown,
    StatedNeed,
    VendorsInUse,
)
from triage.report import render

# Contract ids a person must never see: field paths and the values with an underscore.
FIELD_PATH = re.compile(r"\b(signals|symptoms|priorities|recommendation|bottleneck)\.[a-z_]+")
IDS = {
    *(e.value for enum in (StatedNeed, Slowdown, Duration, Importance, EngagementModel,
                           RiskId, Requirements, VendorsInUse) for e in enum if "_" in e.value),
    *SIGNAL_IDS, *(s for s in SYMPTOM_IDS if "_" in s), *(p for p in PRIORITY_IDS if "_" in p),
    "bottleneck_fit", "strategic_importance", "stated_need", "vendors_in_use",
}


def leaks(text: str) -> list[str]:
    found = [m.group(0) for m in FIELD_PATH.finditer(text)]
    found += sorted(i for i in IDS if re.search(rf"\b{re.escape(i)}\b", text))
    found += re.findall(r"\bweight \d", text, flags=re.IGNORECASE)
    found += re.findall(r" = ", text)
    return found


@pytest.mark.parametrize("path", [*SCENARIOS, *EXAMPLES], ids=lambda p: p.stem)
def test_no_contract_id_or_weight_reaches_a_person(path: Path) -> None:
    data = scenarios.load(path)[0] if path.parent.name == "scenarios" else \
        __import__("yaml").safe_load(path.read_text())
    text = render(verdict(data))
    assert leaks(text) == [], path.name


def test_matrix_is_complete_and_readable() -> None:
    text = render(verdict(scenarios.answers(scenarios.OWNER_GAP)))
    for words in Q.MODEL_WORDS.values():
        assert words.short in text
    for label in Q.FACTORS.values():
        assert label in text
    table = text[text.index("Factor "):text.index("Symptoms reported")]
    assert max(len(line) for line in table.splitlines()) <= 92


def test_close_call_is_shown_with_both_models() -> None:
    result = verdict(case(stated_need="more_engineers"))
    assert result.recommendation.close_call
    text = render(result)
    first, second = (Q.MODELS[m.value] for m in result.recommendation.close_call[:2])
    assert "Too close to call" in text and first in text and second in text


def test_confidence_in_words_first() -> None:
    text = render(verdict(scenarios.answers(scenarios.NEEDS_HANDS)))
    assert re.search(r"\((high|medium|low) confidence, \d+%\)", text)
