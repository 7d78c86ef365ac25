"""The public scenarios and held-out cases from the same framework, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bot.cli import main

SHARED = Path(__file__).resolve().parents[3] / "shared"
SCENARIOS = sorted((SHARED / "scenarios").glob("*.yaml"))
EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))


def run_cli(tmp_path: Path, answers: dict, capsys: pytest.CaptureFixture[str]) -> dict:
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(answers))
    assert main(["triage", str(path), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_public_scenario(path: Path, tmp_path: Path, capsys) -> None:
    data = yaml.safe_load(path.read_text())
    expect = data.pop("expect")
    result = run_cli(tmp_path, data, capsys)
    if "bottleneck" in expect:
        assert result["bottleneck"]["kind"] == expect["bottleneck"]
    assert result["recommendation"]["model"] == expect["model"]
    assert (result["mismatch"] is not None) == expect["mismatch"]
    assert result["bottleneck"]["evidence"], "a verdict must name the answers behind it"


def test_scenario_one_report_names_the_mismatch(tmp_path: Path, capsys) -> None:
    data = yaml.safe_load((SHARED / "scenarios" / "01_wants_hands_needs_owner.yaml").read_text())
    data.pop("expect")
    path = tmp_path / "a.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["triage", str(path)]) == 0
    out = capsys.readouterr().out
    assert "OWNERSHIP" in out and "product delivery" in out and "MISMATCH" in out
    assert "blocked_on_product" in out  # the evidence is shown


BASE_SIGNALS = dict(roadmap_clear=3, leadership_active=3, process_stable=3,
                    need_senior_capacity=3, outcome_led_scope=3, design_engineering_together=3,
                    steering_bandwidth_limited=3, need_fast_decisions=3)


def case(**kw) -> dict:
    signals = {**BASE_SIGNALS, **kw.pop("signals", {})}
    return {"signals": signals, **kw}


HELD_OUT = {
    "devops_migration": (
        case(stated_need="more_engineers", slowdown="skill_gap", duration="quarter",
             signals=dict(roadmap_clear=5, leadership_active=5, process_stable=4,
                          need_senior_capacity=5, outcome_led_scope=2,
                          steering_bandwidth_limited=2, need_fast_decisions=2)),
        "capacity", "staff_augmentation", False,
    ),
    "sprawl_needs_governance": (
        case(stated_need="not_sure", slowdown="execution_capacity", duration="long_term",
             signals=dict(roadmap_clear=4, leadership_active=3, process_stable=3,
                          need_senior_capacity=4, steering_bandwidth_limited=4),
             symptoms=dict(contractor_sprawl="constantly", knowledge_drain="often",
                           access_risk="often"),
             priorities=dict(governance_risk="high", knowledge_retention="high",
                             process_maturity="high", flexibility="high")),
        None, "managed_marketplace", False,
    ),
    "core_product_outsourced": (
        case(stated_need="outsource_function", slowdown="unclear_decisions",
             duration="long_term", strategic_importance="core",
             signals=dict(roadmap_clear=2, leadership_active=2, outcome_led_scope=5,
                          design_engineering_together=4, steering_bandwidth_limited=5,
                          need_fast_decisions=4),
             symptoms=dict(unclear_tickets="often", blocked_on_product="often")),
        "ownership", "product_delivery", True,
    ),
    "well_led_team_asks_for_owner": (
        case(stated_need="own_outcome", slowdown="execution_capacity",
             signals=dict(roadmap_clear=5, leadership_active=5, process_stable=5,
                          need_senior_capacity=5, outcome_led_scope=2,
                          design_engineering_together=2, steering_bandwidth_limited=1,
                          need_fast_decisions=2)),
        "capacity", "staff_augmentation", True,
    ),
    "neutral_answers": (
        case(stated_need="not_sure", slowdown="other"), "unclear", None, False,
    ),
    "both_gaps": (
        case(stated_need="more_engineers", slowdown="execution_capacity",
             signals=dict(roadmap_clear=4, leadership_active=4, process_stable=4,
                          need_senior_capacity=5, outcome_led_scope=5,
                          design_engineering_together=5, steering_bandwidth_limited=5,
                          need_fast_decisions=5),
             symptoms=dict(unclear_tickets="often", blocked_on_product="often",
                           decisions_bouncing="sometimes")),
        "mixed", None, None,
    ),
}


@pytest.mark.parametrize("name", HELD_OUT)
def test_held_out_case(name: str, tmp_path: Path, capsys) -> None:
    answers, kind, model, mismatch = HELD_OUT[name]
    result = run_cli(tmp_path, answers, capsys)
    if kind:
        assert result["bottleneck"]["kind"] == kind
    if model:
        assert result["recommendation"]["model"] == model
    if mismatch is not None:
        assert (result["mismatch"] is not None) == mismatch


def test_unclear_case_has_low_confidence(tmp_path, capsys) -> None:
    result = run_cli(tmp_path, HELD_OUT["neutral_answers"][0], capsys)
    assert result["bottleneck"]["confidence"] < 0.5
    assert result["mismatch"] is None  # not_sure never mismatches


def test_sprawl_case_raises_sprawl_and_access_risks(tmp_path, capsys) -> None:
    result = run_cli(tmp_path, HELD_OUT["sprawl_needs_governance"][0], capsys)
    ids = {r["id"] for r in result["risks"]}
    assert {"contractor_sprawl", "security_access", "knowledge_drain"} <= ids


def test_core_product_outsourced_warns_black_box(tmp_path, capsys) -> None:
    result = run_cli(tmp_path, HELD_OUT["core_product_outsourced"][0], capsys)
    black_box = [r for r in result["risks"] if r["id"] == "black_box"]
    assert black_box and "strategic_importance" in black_box[0]["fields"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_are_valid(path: Path, capsys) -> None:
    assert main(["triage", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["recommendation"]["ranking"]
