"""Bad answers: exit 2, one message naming every bad field, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from triage import IntakeError, load_intake

GOOD = Path(__file__).resolve().parents[2] / "examples" / "mature_team_needs_capacity.yaml"


def run(tmp_path: Path, content: bytes | str, capsys) -> tuple[int, str]:
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


@pytest.mark.parametrize(
    ("content", "names"),
    [
        (with_change("stated_need: more_engineers\n", ""), ["stated_need", "required",
                                                             "more_engineers"]),
        (with_change("roadmap_clear: 5", "roadmap_clear: 6"), ["signals.roadmap_clear", "6",
                                                               "1 to 5"]),
        (with_change("roadmap_clear: 5", "roadmap_clear: '5'"), ["signals.roadmap_clear"]),
        (with_change("roadmap_clear: 5", "roadmap_clear: 4.5"), ["signals.roadmap_clear"]),
        (with_change("roadmap_clear: 5", "roadmap_clear: true"), ["signals.roadmap_clear"]),
        (with_change("  process_stable: 5\n", ""), ["signals.process_stable", "required"]),
        (with_change("duration: quarter", "duration: forever"), ["duration", "forever",
                                                                 "long_term"]),
        (with_change("speed_to_productivity: high", "speed_to_productivity: urgent"),
         ["priorities.speed_to_productivity", "urgent", "low, medium, high"]),
        (with_change("slowdown:", "slowdwn:"), ["slowdwn", "unknown field", "slowdown"]),
        (GOOD.read_text() + "symptoms:\n  unclear_tikets: often\n",
         ["symptoms.unclear_tikets", "unknown field"]),
        (GOOD.read_text() + "symptoms:\n  unclear_tickets: always\n",
         ["symptoms.unclear_tickets", "never, sometimes, often, constantly"]),
        (with_change("engagement: Ledger service rewrite", "engagement: '" + "x" * 81 + "'"),
         ["engagement", "1 to 80"]),
        ("", ["empty"]),
        ("   \n", ["empty"]),
        ("- a\n- b\n", ["mapping", "list"]),
        ("just a sentence", ["mapping"]),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00binary", ["binary"]),
        (b"\xff\xfe\xfa garbage", ["UTF-8"]),
        ("stated_need: [unclosed", ["syntax"]),
    ],
)
def test_bad_answers_exit_2_naming_the_field(tmp_path, capsys, content, names) -> None:
    code, err = run(tmp_path, content, capsys)
    assert code == 2
    assert "Traceback" not in err
    for name in names:
        assert name in err, f"{name!r} not in: {err}"


def test_every_bad_field_is_listed_at_once() -> None:
    text = with_change("roadmap_clear: 5", "roadmap_clear: 0").replace(
        "duration: quarter", "duration: soon")
    with pytest.raises(IntakeError) as info:
        load_intake(text)
    fields = {p.field for p in info.value.problems}
    assert fields == {"signals.roadmap_clear", "duration"}


def test_expect_block_is_not_an_answer() -> None:
    with pytest.raises(IntakeError) as info:
        load_intake(GOOD.read_text() + "expect:\n  model: x\n")
    assert [p.field for p in info.value.problems] == ["expect"]


def test_missing_file_is_a_clear_error(tmp_path, capsys) -> None:
    assert main(["triage", str(tmp_path / "nope.yaml")]) == 2
    assert "Cannot read answers file" in capsys.readouterr().err


def test_stdin_and_real_process() -> None:
    exe = Path(sys.executable).with_name("engagement-bot")
    ok = subprocess.run([str(exe), "triage", "-", "--json"], input=GOOD.read_bytes(),
                        capture_output=True, timeout=60)
    assert ok.returncode == 0 and b'"ranking"' in ok.stdout
    bad = subprocess.run([str(exe), "triage", "-"], input=b"\x00\x01\x02", capture_output=True,
                         timeout=60)
    assert bad.returncode == 2 and b"Traceback" not in bad.stderr and b"binary" in bad.stderr
