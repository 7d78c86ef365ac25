"""Shared answers for the triage tests."""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path
from typing import Any

from tests.support import scenarios
from triage import assess, parse_intake
from triage.models import Assessment

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = scenarios.own()
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
# the canonical cases by the number the tests know them by
CANONICAL = {"01": scenarios.OWNER_GAP, "02": scenarios.NEEDS_HANDS, "03": scenarios.COMMODITY}

NEUTRAL = dict(
    roadmap_clear=3,
    leadership_active=3,
    process_stable=3,
    need_senior_capacity=3,
    outcome_led_scope=3,
    design_engineering_together=3,
    steering_bandwidth_limited=3,
    need_fast_decisions=3,
)


def scenario(stem: str) -> dict[str, Any]:
    """A canonical case's answers (01 owner gap, 02 needs hands, 03 commodity), without
    its expect block."""
    return scenarios.answers(CANONICAL[stem])


def case(**kw: Any) -> dict[str, Any]:
    """Answers with neutral (3) signals unless given; other fields as passed."""
    data = {"stated_need": "not_sure", "slowdown": "other", **deepcopy(kw)}
    data["signals"] = {**NEUTRAL, **kw.get("signals", {})}
    return data


def verdict(data: dict[str, Any]) -> Assessment:
    return assess(parse_intake(data))
