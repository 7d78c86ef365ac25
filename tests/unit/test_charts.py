"""The trend charts: PNG images with a text equivalent that carries every number."""

from __future__ import annotations

import sys

import pytest

from bot.services.health import summarize
from bot.views import charts
from triage import questions as Q

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _runs() -> list[tuple[str, dict]]:
    first = summarize([(f"h{i}", dim, "red") for i in range(3) for dim in Q.HEALTH_DIMENSIONS],
                      None, 3)
    second = summarize([("h0", "clarity", "green"), ("h1", "clarity", "yellow"),
                        ("h2", "clarity", "yellow"), ("h0", "capacity", "green"),
                        ("h1", "capacity", "green"), ("h2", "capacity", "red")], first, 3)
    return [("#1 9 Mar", first), ("#2 16 Mar", second)]


def test_health_series_has_each_dimension_per_run() -> None:
    labels, series = charts.health_series(_runs())
    assert labels == ["#1 9 Mar", "#2 16 Mar"]
    assert list(series) == list(Q.HEALTH_DIMENSIONS)
    assert series["clarity"] == [0.0, 0.667]
    assert series["capacity"] == [0.0, 0.667]
    # nobody rated it in the second run: a gap, not a number nobody gave
    assert series["focus"] == [0.0, None]


def test_health_series_leaves_a_gap_for_a_missing_dimension() -> None:
    runs = _runs()
    del runs[0][1]["dimensions"]["clarity"]
    _, series = charts.health_series(runs)
    assert series["clarity"] == [None, 0.667]
    assert "Clear tickets: – → 0.67" in charts.health_text(["a", "b"], series)
    assert charts.health_png(["a", "b"], series).startswith(PNG_SIGNATURE)


def test_health_text_gives_every_number() -> None:
    labels, series = charts.health_series(_runs())
    text = charts.health_text(labels, series, [3, 1])
    assert "#1 9 Mar (3 people), #2 16 Mar (1 person)" in text
    assert "from 0 (everyone said bad) to 1 (everyone said good)" in text
    for dim, (label, _, _) in Q.HEALTH_DIMENSIONS.items():
        numbers = " → ".join("–" if v is None else f"{v:.2f}" for v in series[dim])
        assert f"• {label}: {numbers}" in text
    assert "• Clear tickets: 0.00 → 0.67" in text


def test_health_png_is_a_small_deterministic_png() -> None:
    labels, series = charts.health_series(_runs())
    png = charts.health_png(labels, series)
    assert png.startswith(PNG_SIGNATURE)
    assert 2_000 < len(png) < 200_000
    assert charts.health_png(labels, series) == png  # same numbers, same picture
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (600, 300)


def test_symptom_chart_still_draws() -> None:
    labels, series = charts.symptom_series({"symptoms": {}}, [{"symptoms": {}}])
    assert charts.symptom_png(labels, series).startswith(PNG_SIGNATURE)
    assert "verdict, check-in 1" in charts.symptom_text(labels, series)


def test_symptom_trend_keeps_only_what_moved_in_the_intakes_words() -> None:
    labels, series = charts.symptom_series(
        {"symptoms": {"blocked_on_product": "constantly"}},
        [{"symptoms": {"blocked_on_product": "often"}}, {"symptoms": {}}])
    moved = charts.moved(series)
    assert list(moved) == ["blocked_on_product"]  # the flat rows say nothing
    text = charts.symptom_text(labels, moved)
    assert "Developers wait for answers from product: All the time → Often → Never" in text
    assert "constantly" not in text and "Tickets" not in text


def test_available_with_and_without_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    assert charts.available()  # the test extra installs the charts extra
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    assert not charts.available()
    # the text equivalents need nothing from it
    labels, series = charts.health_series(_runs())
    assert "• Clear tickets: 0.00 → 0.67" in charts.health_text(labels, series)
    labels, symptoms = charts.symptom_series({"symptoms": {}}, [{"symptoms": {}}])
    assert "verdict, check-in 1" in charts.symptom_text(labels, symptoms)
