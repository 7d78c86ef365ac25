"""The public scenarios and held-out cases from the same framework, through the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from tests.support import scenarios
from tests.triage.helpers import EXAMPLES, SCENARIOS, case

EXE = Path(sys.executable).with_name("engagement-bot")


def run_cli(tmp_path: Path, answers: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> Any:
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(answers))
    assert main(["triage", str(path), "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1, "one JSON object on one line"
    return json.loads(out)


def models_of(expected: str | list[str]) -> list[str]:
    """``model:`` names one model, or a list when the verdict may be a close call among them."""
    return [expected] if isinstance(expected, str) else list(expected)


def check_expectation(path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The ``expect`` block of a scenario file, as the command line's JSON shows it.

    Keys: ``bottleneck``, ``model`` (a model, or a list of the models a close call may put
    first), ``mismatch``; and for the project's own scenarios also ``close_call_includes``,
    ``not_model``, ``risks`` (exactly these raised), ``risk_fields`` (risk: answers its
    ``fields`` must name), ``first_step_contains``, ``steps_include``, ``steps_exclude``,
    ``summary_excludes``, ``mismatch_contains`` and ``reasons_include`` (answers among the
    verdict's strongest reasons).
    """
    data, expect = scenarios.load(path)
    result = run_cli(tmp_path, data, capsys)
    name = path.name
    rec = result["recommendation"]
    if "bottleneck" in expect:
        assert result["bottleneck"]["kind"] == expect["bottleneck"], name
    assert rec["model"] in models_of(expect["model"]), name
    assert (result["mismatch"] is not None) == expect["mismatch"], name
    assert result["bottleneck"]["evidence"] or rec.get("close_call"), (
        f"{name}: a verdict names the answers behind it, or says it is a close call"
    )
    if "close_call_includes" in expect:
        assert set(expect["close_call_includes"]) <= set(rec.get("close_call") or []), name
    if "not_model" in expect:
        assert rec["model"] != expect["not_model"], name
    raised = {r["id"]: r for r in result["risks"]}
    if "risks" in expect:
        assert set(raised) == set(expect["risks"]), name
    for rid, fields in expect.get("risk_fields", {}).items():
        assert set(fields) <= set(raised[rid]["fields"]), name
    steps = result["next_steps"]
    if "first_step_contains" in expect:
        assert expect["first_step_contains"] in steps[0], name
    for needle in expect.get("steps_include", []):
        assert any(needle in s for s in steps), f"{name}: no step with {needle!r}"
    for needle in expect.get("steps_exclude", []):
        assert not any(needle in s for s in steps), f"{name}: a step says {needle!r}"
    for needle in expect.get("summary_excludes", []):
        shown = [result["bottleneck"]["summary"], *rec["rationale"]]
        assert not any(needle in line for line in shown), f"{name}: {needle!r} in {shown}"
    if "mismatch_contains" in expect:
        assert expect["mismatch_contains"] in result["mismatch"]["why"], name
    if "reasons_include" in expect:
        from triage import reasons  # the strongest reasons, as the Slack views show them

        fields = {r.field for r in reasons(load_assessment(result), limit=4)}
        assert set(expect["reasons_include"]) <= fields, f"{name}: {fields}"
    if not expect["mismatch"] and result["mismatch"] is None and "risks" in expect:
        assert all(r["why"] and r["fields"] for r in result["risks"]), name


def load_assessment(result: dict[str, Any]) -> Any:
    from triage.models import Assessment

    return Assessment.model_validate(result)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario(path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    check_expectation(path, tmp_path, capsys)


def test_public_scenarios_when_present(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """The public scenarios of ../shared (CI has them) on top of the project's own; without
    that folder, the project's three canonical cases stand in for them."""
    for path in scenarios.public() or list(scenarios.CANONICAL):
        check_expectation(path, tmp_path, capsys)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_public_scenario_file_as_is_in_a_real_process(path: Path) -> None:
    """The scenario files carry an expect block; the command line leaves it out."""
    expect = yaml.safe_load(path.read_text())["expect"]
    done = subprocess.run(
        [str(EXE), "triage", str(path), "--json"], capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["recommendation"]["model"] in models_of(expect["model"])
    assert result["recommendation"]["ranking"][0]["model"] == result["recommendation"]["model"]


def test_scenario_one_report_shouts_the_mismatch(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["triage", str(scenarios.OWNER_GAP)]) == 0
    out = capsys.readouterr().out
    assert "OWNERSHIP BOTTLENECK" in out and "MISMATCH" in out
    assert "slow it down" in out
    # the evidence is shown, in the questions' words
    assert "Developers wait for answers from product: All the time" in out
    assert "blocked_on_product" not in out
    for name in ("Staff aug", "Product del", "Managed svc", "Marketplace", "Matters"):
        assert name in out  # the whole matrix, not just the winner


HELD_OUT: dict[str, tuple[dict[str, Any], str | None, str | None, bool | None]] = {
    "devops_specialist_for_a_quarter": (
        case(
            stated_need="more_engineers",
            slowdown="skill_gap",
            duration="quarter",
            signals=dict(
                roadmap_clear=5,
                leadership_active=5,
                process_stable=4,
                need_senior_capacity=4,
                steering_bandwidth_limited=2,
            ),
        ),
        "capacity",
        "staff_augmentation",
        False,
    ),
    "devops_specialist_for_weeks": (
        case(
            stated_need="more_engineers",
            slowdown="skill_gap",
            duration="weeks",
            signals=dict(roadmap_clear=4, leadership_active=4, process_stable=4),
        ),
        "capacity",
        "staff_augmentation",
        False,
    ),
    "many_teams_need_governance": (
        case(
            stated_need="more_engineers",
            slowdown="execution_capacity",
            duration="long_term",
            signals=dict(roadmap_clear=4, need_senior_capacity=4, steering_bandwidth_limited=4),
            symptoms=dict(
                contractor_sprawl="constantly", knowledge_drain="often", access_risk="often"
            ),
            priorities=dict(
                governance_risk="high", knowledge_retention="high", process_maturity="high"
            ),
        ),
        "capacity",
        "managed_marketplace",
        True,
    ),
    "many_teams_not_sure": (
        case(
            slowdown="execution_capacity",
            duration="long_term",
            signals=dict(roadmap_clear=4, need_senior_capacity=4),
            symptoms=dict(contractor_sprawl="often", knowledge_drain="sometimes"),
            priorities=dict(governance_risk="high", knowledge_retention="high"),
        ),
        None,
        "managed_marketplace",
        False,
    ),
    "core_product_to_vendor_with_ownership_gap": (
        case(
            stated_need="outsource_function",
            slowdown="unclear_decisions",
            duration="long_term",
            strategic_importance="core",
            signals=dict(
                roadmap_clear=2,
                leadership_active=2,
                outcome_led_scope=5,
                design_engineering_together=4,
                steering_bandwidth_limited=5,
                need_fast_decisions=4,
            ),
            symptoms=dict(unclear_tickets="often", blocked_on_product="often"),
        ),
        "ownership",
        "product_delivery",
        True,
    ),
    "core_product_to_vendor_well_led": (
        case(
            stated_need="outsource_function",
            slowdown="execution_capacity",
            duration="long_term",
            strategic_importance="core",
            signals=dict(roadmap_clear=4, leadership_active=4, process_stable=4),
        ),
        "capacity",
        None,
        True,
    ),
    "well_led_team_asks_for_an_owner": (
        case(
            stated_need="own_outcome",
            slowdown="execution_capacity",
            signals=dict(
                roadmap_clear=5,
                leadership_active=5,
                process_stable=5,
                need_senior_capacity=5,
                outcome_led_scope=2,
                design_engineering_together=2,
                steering_bandwidth_limited=1,
                need_fast_decisions=2,
            ),
        ),
        "capacity",
        "staff_augmentation",
        True,
    ),
    "neutral_answers": (case(), "unclear", None, False),
    "both_gaps_at_once": (
        case(
            stated_need="more_engineers",
            slowdown="execution_capacity",
            signals=dict(
                roadmap_clear=4,
                leadership_active=4,
                process_stable=4,
                need_senior_capacity=5,
                outcome_led_scope=5,
                design_engineering_together=5,
                steering_bandwidth_limited=5,
                need_fast_decisions=5,
            ),
            symptoms=dict(
                unclear_tickets="often", blocked_on_product="often", decisions_bouncing="sometimes"
            ),
        ),
        "mixed",
        "product_delivery",
        True,
    ),
    "commodity_function_not_sure": (
        case(
            slowdown="execution_capacity",
            duration="long_term",
            strategic_importance="commodity",
            signals=dict(roadmap_clear=4, process_stable=4),
            priorities=dict(cost_predictability="high", management_burden="high"),
        ),
        "capacity",
        "managed_services",
        False,
    ),
}


@pytest.mark.parametrize("name", HELD_OUT)
def test_held_out_case(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers, kind, model, mismatch = HELD_OUT[name]
    result = run_cli(tmp_path, answers, capsys)
    if kind:
        assert result["bottleneck"]["kind"] == kind
    if model:
        assert result["recommendation"]["model"] == model
    if mismatch is not None:
        assert (result["mismatch"] is not None) == mismatch


def test_core_product_is_never_handed_to_managed_services(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("core_product_to_vendor_with_ownership_gap", "core_product_to_vendor_well_led"):
        result = run_cli(tmp_path, HELD_OUT[name][0], capsys)
        assert result["recommendation"]["model"] != "managed_services"
        black_box = [r for r in result["risks"] if r["id"] == "black_box"]
        assert black_box and "strategic_importance" in black_box[0]["fields"]
        assert "core" in result["mismatch"]["why"]


def test_unclear_case_has_low_confidence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(tmp_path, HELD_OUT["neutral_answers"][0], capsys)
    assert result["bottleneck"]["confidence"] < 0.5
    assert result["risks"] == []


def test_governance_case_raises_sprawl_access_and_drain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(tmp_path, HELD_OUT["many_teams_need_governance"][0], capsys)
    ids = {r["id"] for r in result["risks"]}
    assert {"contractor_sprawl", "security_access", "knowledge_drain"} <= ids
    assert any("inventory" in s for s in result["next_steps"])


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_are_valid_answers(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "expect" not in yaml.safe_load(path.read_text())
    assert main(["triage", str(path), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["recommendation"]["ranking"]) == 4


def test_examples_cover_every_model() -> None:
    from triage import load_intake
    from triage.engine import assess

    models = {assess(load_intake(p.read_bytes())).recommendation.model.value for p in EXAMPLES}
    assert models == {
        "staff_augmentation",
        "product_delivery",
        "managed_services",
        "managed_marketplace",
    }


def test_report_matrix_shows_weights_scores_and_adjustments() -> None:
    from tests.triage.helpers import scenario, verdict
    from triage.report import matrix_table

    result = verdict(scenario("03"))
    table = matrix_table(result)
    lines = table.splitlines()
    header = lines[0]
    assert header.index("Managed svc") < header.index("Staff aug")  # best first
    row = next(line for line in lines if line.startswith("Cost predictability"))
    assert row.split()[2:4] == ["High", "5"]  # rated high; managed services scores 5
    assert "moved by your answers" in table and "commodity" in table
    widths = {len(line) for line in lines[: lines.index("") if "" in lines else None]}
    assert len(widths) <= 2  # aligned columns (the score row may differ by a trailing space)
