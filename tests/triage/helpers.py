"""Shared answers for the triage tests."""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path
from typing import Any

import yaml

from triage import assess, parse_intake
from triage.models import Assessment

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
SCENARIOS = sorted((SHARED / "scenarios").glob("*.yaml"))
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))

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
    """A public scenario's answers, without its expect block."""
    path = next(p for p in SCENARIOS if p.stem.startswith(stem))
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    data.pop("expect", None)
    return data


def case(**kw: Any) -> dict[str, Any]:
    """Answers with neutral (3) signals unless given; other fields as passed."""
    data = {"stated_need": "not_sure", "slowdown": "other", **deepcopy(kw)}
    data["signals"] = {**NEUTRAL, **kw.get("signals", {})}
    return data


def verdict(data: dict[str, Any]) -> Assessment:
    return assess(parse_intake(data))
