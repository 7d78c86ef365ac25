"""Bad answers: exit 2, one message naming every bad field, never a traceback."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from triage import IntakeError, load_intake, parse_intake
from triage.cli import run

GOOD = Path(__file__).resolve().parents[2] / "examples" / "mature_team_needs_capacity.yaml"
EXE = Path(sys.executable).with_name("engagement-bot")


def cli(
    tmp_path: Path, content: bytes | str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    path = tmp_path / "answers.yaml"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    code = main(["triage", str(path), "--json"])
    captured = capsys.readouterr()
    assert captured.out == "", "nothing on stdout when the answers are invalid"
    return code, captured.err


def with_change(old: str, new: str) -> str:
    text = GOOD.read_text()
    assert old in text
    return text.replace(old, new)


def problems(text: str) -> dict[str, str]:
    with pytest.raises(IntakeError) as info:
        load_intake(text)
    return {p.field: str(p) for p in info.value.problems}


CASES = [
    (
        with_change("stated_need: more_engineers\n", ""),
        [
            "stated_need: missing; allowed: more_engineers, own_outcome, outsource_function, "
            "not_sure"
        ],
    ),
    (
        with_change("roadmap_clear: 5", "roadmap_clear: 7"),
        ["signals.roadmap_clear: got 7", "allowed: an integer from 1 to 5"],
    ),
    (with_change("roadmap_clear: 5", "roadmap_clear: 0"), ["signals.roadmap_clear: got 0"]),
    (
        with_change("roadmap_clear: 5", "roadmap_clear: '3'"),
        ["signals.roadmap_clear: got '3'", "whole number"],
    ),
    (with_change("roadmap_clear: 5", "roadmap_clear: 3.5"), ["signals.roadmap_clear: got 3.5"]),
    (with_change("roadmap_clear: 5", "roadmap_clear: 3.0"), ["signals.roadmap_clear: got 3.0"]),
    (with_change("roadmap_clear: 5", "roadmap_clear: true"), ["signals.roadmap_clear: got True"]),
    (with_change("  process_stable: 5\n", ""), ["signals.process_stable: missing"]),
    (
        with_change("duration: quarter", "duration: forever"),
        ["duration: got 'forever'", "weeks, quarter, long_term"],
    ),
    (
        with_change("speed_to_productivity: high", "speed_to_productivity: urgent"),
        ["priorities.speed_to_productivity: got 'urgent'", "low, medium, high"],
    ),
    (
        with_change("slowdown:", "slowdwn:"),
        ["slowdwn: unknown field (did you mean slowdown?)", "allowed fields:", "slowdown: missing"],
    ),
    (
        GOOD.read_text() + "symptoms:\n  unclear_tcikets: often\n",
        ["symptoms.unclear_tcikets: unknown field (did you mean unclear_tickets?)"],
    ),
    (
        with_change("  roadmap_clear: 5", "  roadmap_clear: 5\n  roadmap: 5"),
        ["signals.roadmap: unknown field"],
    ),
    (
        GOOD.read_text() + "symptoms:\n  unclear_tickets: always\n",
        ["symptoms.unclear_tickets: got 'always'", "never, sometimes, often, constantly"],
    ),
    (GOOD.read_text() + "symptoms: often\n", ["symptoms: got 'often'", "mapping"]),
    (GOOD.read_text() + "teams: many\n", ["teams: got 'many'", "allowed: one, several"]),
    (
        GOOD.read_text() + "vendors_in_use: 2\n",
        ["vendors_in_use: got 2", "allowed: none, one, several"],
    ),
    (
        GOOD.read_text() + "requirements: fixed\n",
        ["requirements: got 'fixed'", "allowed: stable, evolving"],
    ),
    (
        GOOD.read_text() + "team: one\n",
        ["team: unknown field (did you mean teams?)", "vendors_in_use, requirements"],
    ),
    (
        with_change("engagement: Ledger service rewrite", "engagement: '" + "x" * 81 + "'"),
        ["engagement: got 'xxx", "1 to 80"],
    ),
    (with_change("engagement: Ledger service rewrite", "engagement: '   '"), ["engagement"]),
    (GOOD.read_text() + "notes: " + "n" * 3001 + "\n", ["notes", "3000"]),
    (
        with_change("  roadmap_clear: 5", "  roadmap_clear: 5\n  roadmap_clear: 4"),
        ["'roadmap_clear' twice", "only once"],
    ),
    ('{"stated_need": "not_sure", "stated_need": "x"}', ["'stated_need' twice"]),
    ('{"stated_need": "not_sure", "slowdown": 3', ["cannot be read as YAML or JSON"]),
    ("", ["empty"]),
    ("   \n# only a comment\n", ["empty"]),
    ("null\n", ["empty"]),
    ("- a\n- b\n", ["(answers): got a list", "mapping"]),
    ("[]", ["a list"]),
    ("just a sentence", ["got a piece of text: 'just a sentence'", "mapping"]),
    ("42", ["(answers): got a number: 42", "mapping"]),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00binary", ["binary"]),
    (b"\xff\xfe\xfa garbage", ["UTF-8"]),
    ("stated_need: [unclosed", ["cannot be read as YAML or JSON", "line 1"]),
    ('{"stated_need": "not_sure",', ["cannot be read as YAML or JSON"]),
    ("[" * 5000, ["(file)"]),
    ("when: 2024-13-45\n", ["cannot be read"]),
    ("a: " + "[" * 800 + "]" * 800, ["nested too deeply"]),
    ("? [1, 2]\n: 3\n", ["cannot be read"]),
    (
        "".join(
            f"{k}: &{k} [{', '.join([f'*{p}' if p else '1'] * 9)}]\n"
            for p, k in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
        )
        + "stated_need: *i\n",
        ["expand to a huge document"],
    ),
]


@pytest.mark.parametrize(("content", "needles"), CASES)
def test_bad_answers_exit_2_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | bytes, needles: list[str]
) -> None:
    code, err = cli(tmp_path, content, capsys)
    assert code == 2
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, f"{needle!r} not in: {err}"


def test_json_escapes_for_emoji_are_read_exactly() -> None:
    import json

    data = yaml.safe_load(GOOD.read_text())
    data["engagement"] = "Launch \U0001f680"
    assert load_intake(json.dumps(data)).engagement == "Launch \U0001f680"


def test_yaml_flow_mapping_that_looks_like_json_is_still_read() -> None:
    data = yaml.safe_load(GOOD.read_text())
    flow = "{" + ", ".join(f"{k}: {json_flow(v)}" for k, v in data.items()) + "}"
    assert load_intake(flow) == load_intake(GOOD.read_text())


def json_flow(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    return str(value)


def test_the_three_optional_answers_may_be_left_out_or_null() -> None:
    data = yaml.safe_load(GOOD.read_text())
    assert load_intake(GOOD.read_text()).teams is None
    stored = parse_intake({**data, "teams": None, "vendors_in_use": None, "requirements": None})
    assert stored == parse_intake(data)  # a stored intake (nulls) reads back the same
    answered = parse_intake({**data, "teams": "several", "vendors_in_use": "none",
                             "requirements": "evolving"})
    assert (answered.teams, answered.vendors_in_use, answered.requirements) == (
        "several", "none", "evolving")


def test_new_fields_are_listed_with_the_others_at_once() -> None:
    text = with_change("duration: quarter", "duration: soon") + "teams: 3\nrequirements: maybe\n"
    assert set(problems(text)) == {"teams", "requirements", "duration"}


def test_every_bad_field_is_listed_at_once() -> None:
    text = (
        with_change("roadmap_clear: 5", "roadmap_clear: 0")
        .replace("duration: quarter", "duration: soon")
        .replace("stated_need: more_engineers\n", "")
    )
    found = problems(text)
    assert set(found) == {"signals.roadmap_clear", "duration", "stated_need"}
    with pytest.raises(IntakeError) as info:
        load_intake(text)
    message = str(info.value)
    assert message.startswith("The answers have 3 problems")
    assert all(line in message for line in found.values())


def test_problem_fields_for_programs() -> None:
    with pytest.raises(IntakeError) as info:
        parse_intake({"stated_need": "x", "slowdown": "other", "signals": {}})
    by_field = {p.field: p for p in info.value.problems}
    assert by_field["stated_need"].value == "'x'"
    assert by_field["stated_need"].allowed.startswith("more_engineers")
    assert by_field["signals.roadmap_clear"].value is None
    assert len(by_field) == 9  # stated_need and all eight signals


def test_long_bad_values_are_truncated() -> None:
    with pytest.raises(IntakeError) as info:
        parse_intake({"stated_need": "y" * 500, "slowdown": "other", "signals": {}})
    [problem] = [p for p in info.value.problems if p.field == "stated_need"]
    assert problem.value is not None and len(problem.value) < 60


def test_intake_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="mapping"):
        parse_intake(["not", "a", "mapping"])
    with pytest.raises(IntakeError, match="got nothing"):
        parse_intake(None)


def test_expect_block_is_rejected_by_the_library_but_ignored_by_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GOOD.read_text() + "expect:\n  model: staff_augmentation\n"
    assert list(problems(text)) == ["expect"]
    path = tmp_path / "with_expect.yaml"
    path.write_text(text)
    assert main(["triage", str(path), "--json"]) == 0
    assert '"ranking"' in capsys.readouterr().out


def test_missing_file_and_directory_are_clear_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["triage", str(tmp_path / "nope.yaml")]) == 2
    err = capsys.readouterr().err
    assert "Cannot read answers" in err and "nope.yaml" in err and "Traceback" not in err
    assert main(["triage", str(tmp_path)]) == 2
    assert "directory" in capsys.readouterr().err


def test_run_reads_stdin_bytes() -> None:
    out, err = io.StringIO(), io.StringIO()
    stdin = io.BytesIO(GOOD.read_bytes())
    assert run("-", True, stdin=stdin, stdout=out, stderr=err) == 0
    assert '"recommendation"' in out.getvalue() and err.getvalue() == ""
    out, err = io.StringIO(), io.StringIO()
    assert run("-", False, stdin=io.BytesIO(b"roadmap: [1"), stdout=out, stderr=err) == 2
    assert out.getvalue() == "" and "stdin" in err.getvalue()


def test_stdin_in_a_real_process() -> None:
    ok = subprocess.run(
        [str(EXE), "triage", "-", "--json"],
        input=GOOD.read_bytes(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert ok.returncode == 0 and b'"ranking"' in ok.stdout
    bad = subprocess.run(
        [str(EXE), "triage", "-"],
        input=b"\x00\x01\x02",
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2 and b"Traceback" not in bad.stderr and b"binary" in bad.stderr
    assert bad.stdout == b""
