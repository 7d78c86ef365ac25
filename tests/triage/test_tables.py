"""The tables are the tuning surface: consistent, sourced, and a bad edit is caught."""

from __future__ import annotations

import re

import pytest

from triage import scoring as S
from triage import tables as T
from triage import wording as W
from triage.models import Duration, Importance, Level, RiskId
from triage.rules import Agrees, Is, Move, PerNotch, Row, Seen, Stated, When


def test_shipped_tables_are_consistent() -> None:
    T.check_tables()


def test_every_base_score_names_its_passage() -> None:
    for factor, row in S.BASE.items():
        parts = row.source.split("|")
        assert len(parts) == 4, f"{factor}: one passage per model"
        for part, model in zip(parts, ("SA", "PD", "MS", "MM"), strict=True):
            assert part.strip().startswith(model), f"{factor}: {part!r}"
        # product delivery comes from article 000, which is the one that describes it
        pd = parts[1]
        assert "000" in pd or "silent" in pd or "outside team" in pd, f"{factor}: {pd!r}"


def test_marketplace_row_does_not_win_by_default() -> None:
    totals = {name: sum(getattr(row, name) for row in S.BASE.values())
              for name in ("sa", "pd", "ms", "mm")}
    assert len(set(totals.values())) == 1, totals
    # the vendor's own claims are discounted: no marketplace cell above 4
    assert max(row.mm for row in S.BASE.values()) <= 4


def test_every_move_has_a_source_and_words() -> None:
    for move in S.MOVES:
        assert re.search(r"\b(000|004|domain)\b", move.source), move.id
        assert W.MOVES_WHY[move.id]


@pytest.mark.parametrize(
    ("module", "name", "value"),
    [
        (S, "BASE", {**S.BASE, "flexibility": Row(5, 3, 9, 3, "x | y | z | w")}),
        (S, "BASE", {**S.BASE, "flexibility": Row(4, 3, 2, 3, "uneven totals")}),
        (S, "MOVES", (*S.MOVES, Move("typo", S.SA, "flexibility",
                                       PerNotch("roadmap_clearr", 1.0), "000: x"))),
        (S, "MOVES", (*S.MOVES, Move("wrong_enum", S.SA, "flexibility",
                                       When(Is("duration", (Importance.CORE,)), 1.0),
                                       "004: x"))),
        (S, "MOVES", (*S.MOVES, Move("no_factor", S.SA, "speed",
                                       When(Is("duration", (Duration.WEEKS,)), 1.0),
                                       "004: x"))),
        (S, "SIGNALS", {k: v for k, v in S.SIGNALS.items() if k != "roadmap_clear"}),
        (W, "RISK_RULES", {**W.RISK_RULES,
                           RiskId.BLACK_BOX: (((Seen(("black_box_vendr",), Level.OFTEN),), "x"),)}),
        (W, "MISMATCH_RULES", (((Agrees("roadmap", 4),), "x"),)),
        (W, "MOVES_WHY", {k: v for k, v in W.MOVES_WHY.items() if k != "sa_bounded"}),
    ],
)
def test_a_bad_table_edit_is_rejected(
    monkeypatch: pytest.MonkeyPatch, module: object, name: str, value: object
) -> None:
    monkeypatch.setattr(module, name, value)
    with pytest.raises(RuntimeError, match="inconsistent"):
        T.check_tables()


def test_conditions_are_typed_values() -> None:
    rules = [r for r, _ in W.MISMATCH_RULES] + [r for entries in W.RISK_RULES.values()
                                               for r, _ in entries]
    for rule in rules:
        for cond in rule:
            assert not isinstance(cond, str | tuple), cond
    assert Stated(S.SA) in W.MISMATCH_RULES[0][0]


def test_one_place_names_a_model() -> None:
    from triage import questions as Q

    assert set(Q.MODEL_WORDS) == {m.value for m in S.MODELS}
    assert {m: w.name for m, w in Q.MODEL_WORDS.items()} == Q.MODELS
    assert T.MODEL_SHORT is Q.MODEL_SHORT and T.FACTOR_LABELS is Q.FACTORS


def test_wording_has_no_placeholders_left_unfilled() -> None:
    from tests.support.scenarios import answers
    from tests.triage.helpers import SCENARIOS, verdict

    for path in SCENARIOS:
        result = verdict(answers(path))
        text = result.model_dump_json()
        assert "{" not in text.replace('{"', "").replace("{}", "")
