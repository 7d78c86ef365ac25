"""Scenario files: answers plus an ``expect`` block (the verdict's headline).

The project's own live in ``tests/scenarios/``; every test runs on them. The public ones in
``../shared/scenarios/`` (or ``$ENGAGEMENT_SHARED_DIR/scenarios``) are an extra check when
that folder is there (CI has it); nothing depends on it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
OWN_DIR = ROOT / "tests" / "scenarios"

# The three canonical cases of the framework, in the project's own words: the e2e tests and
# the unit tests that need "a typical case of each kind" use these.
OWNER_GAP = OWN_DIR / "owner_gap_asks_for_hands.yaml"
NEEDS_HANDS = OWN_DIR / "steady_team_short_of_seniors.yaml"
COMMODITY = OWN_DIR / "commodity_function_to_hand_off.yaml"
CANONICAL = (OWNER_GAP, NEEDS_HANDS, COMMODITY)


def shared_dir() -> Path:
    env = os.environ.get("ENGAGEMENT_SHARED_DIR")
    return Path(env) if env else ROOT.parent / "shared"


def own() -> list[Path]:
    return sorted(OWN_DIR.glob("*.yaml"))


def public() -> list[Path]:
    """The public scenarios when ``../shared`` is there (empty otherwise)."""
    return sorted((shared_dir() / "scenarios").glob("*.yaml"))


def load(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(answers, expect) of a scenario file."""
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    expect: dict[str, Any] = data.pop("expect")
    return data, expect


def answers(path: Path = OWNER_GAP) -> dict[str, Any]:
    return load(path)[0]
