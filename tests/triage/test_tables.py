"""The tables are the tuning surface: they must be consistent, and a bad edit must be caught."""

from __future__ import annotations

import pytest

from triage import tables as T


def test_shipped_tables_are_consistent() -> None:
    T.check_tables()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BASE_SCORES", {**T.BASE_SCORES, "flexibility": (5, 3, 9, 4)}),
        (
            "ADJUSTMENTS",
            (
                (
                    (
                        (("signal", "roadmap_clearr", ">=", "4"),),
                        "staff_augmentation",
                        "flexibility",
                        1,
                        "typo",
                    ),
                )
            ),
        ),
        ("FIT_ADJUSTMENTS", (((("duration", "forever"),), "staff_augmentation", 1, "x"),)),
        (
            "RISK_RULES",
            {**T.RISK_RULES, "black_box": (((("model", "either", "outsourcing"),), "x"),)},
        ),
        ("SIGNAL_WEIGHTS", {k: v for k, v in T.SIGNAL_WEIGHTS.items() if k != "roadmap_clear"}),
        ("MODEL_NAMES", {**T.MODEL_NAMES, "freelancers": "x"}),
    ],
)
def test_a_bad_table_edit_is_rejected(
    monkeypatch: pytest.MonkeyPatch, name: str, value: object
) -> None:
    monkeypatch.setattr(T, name, value)
    with pytest.raises(RuntimeError, match="inconsistent"):
        T.check_tables()


def test_wording_has_no_placeholders_left_unfilled() -> None:
    from tests.support.scenarios import answers
    from tests.triage.helpers import SCENARIOS, verdict

    for path in SCENARIOS:
        result = verdict(answers(path))
        text = result.model_dump_json()
        assert "{" not in text.replace('{"', "").replace("{}", "")
