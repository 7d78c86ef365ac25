"""The checks every e2e test's surfaces go through (tests/fakeslack/plugin.py and the bot
fixture) can fail: a contract id in a message, a modal, a Home view, an ack or an
ephemeral is caught; the intake's own words pass."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.support import surfaces


def call(method: str, **args: object) -> SimpleNamespace:
    return SimpleNamespace(method=method, args=args)


def section(text: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


@pytest.mark.parametrize("text", [
    "slowdown = unclear_decisions",
    "signals.design_engineering_together = 5",
    "counts with weight 5.76",
    "Recommended: staff_augmentation",
    "Risks: security_access",
    "How long: long_term",
])
def test_ids_paths_and_weights_are_caught(text: str) -> None:
    assert surfaces.contract_ids_in(text)


@pytest.mark.parametrize("text", [
    "What slows you down: *Decisions: what to build is unclear or slow to settle*",
    "The roadmap for this work is clear: Disagree → *Agree*",
    ":large_green_circle: Good · :rotating_light: mismatch",
    "Staff aug, fit with your case −0.5: a long engagement builds a dependency",
    "How much each factor counts: Very high",
])
def test_the_intakes_words_pass(text: str) -> None:
    assert surfaces.contract_ids_in(text) == []


def test_every_kind_of_surface_is_read() -> None:
    leak = "slowdown = unclear_decisions"
    calls = [
        call("chat.postMessage", text="ok", blocks=[section(leak)]),
        call("chat.postEphemeral", text=leak),
        call("views.open", view={"type": "modal", "title": {"type": "plain_text",
                                                             "text": "T"},
                                 "blocks": [{"type": "input", "label": {
                                     "type": "plain_text", "text": leak}}]}),
        call("views.publish", view={"type": "home", "blocks": [{
            "type": "actions", "elements": [{"type": "overflow", "options": [
                {"text": {"type": "plain_text", "text": leak}, "value": "a:1"}]}]}]}),
        call("files.completeUploadExternal", blocks=[section(leak)]),
        call("response_url", text=leak),
    ]
    shown = surfaces.captured(calls)
    assert [m for m, _ in shown] == [c.method for c in calls]
    assert len(surfaces.check(shown)) == len(calls)
    acks = surfaces.answered([("ack", {"response_action": "errors",
                                       "errors": {"duration": "Allowed: long_term"}}),
                              ("command", {"response_type": "ephemeral", "text": leak})])
    assert len(surfaces.check(acks)) == 2


def test_values_and_ids_people_never_see_are_not_read() -> None:
    shown = surfaces.shown_texts({"text": "ok", "blocks": [{
        "type": "input", "block_id": "signals.roadmap_clear",
        "label": {"type": "plain_text", "text": "The roadmap for this work is clear"},
        "element": {"type": "radio_buttons", "action_id": "signals.roadmap_clear",
                    "options": [{"text": {"type": "plain_text", "text": "Agree"},
                                 "value": "4"}]}}]})
    assert shown == ["ok", "The roadmap for this work is clear", "Agree"]


def test_words_count_as_a_reader_counts() -> None:
    assert surfaces.words("*Asked by* <@U42> · :rotating_light: 3.5 of 5") == 6
    assert surfaces.words("<https://x.example|open it> now") == 3
