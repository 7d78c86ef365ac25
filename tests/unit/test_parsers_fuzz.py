"""Property tests of the parsers that read what Slack sends back: modal state, private
metadata and slash-command text never crash, whatever arrives."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.listeners.command_text import parse_command_text
from bot.views import followups as fu_views
from bot.views import health as health_views
from bot.views.intake import STEP_COUNT, parse_step
from bot.views.metadata import IntakeState, MetadataError

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                           lambda c: st.lists(c, max_size=3) | st.dictionaries(
                               st.text(max_size=10), c, max_size=3), max_leaves=10)
state_values = st.dictionaries(st.text(max_size=30), st.dictionaries(
    st.text(max_size=30), json_values, max_size=3), max_size=6)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, STEP_COUNT - 1), state_values)
def test_parse_step_never_raises(step: int, values: dict) -> None:
    try:
        _partial, errors = parse_step(step, values)
    except (AttributeError, TypeError):
        pytest.fail("parse_step crashed on malformed state")
    assert isinstance(errors, dict)


@settings(max_examples=200, deadline=None)
@given(state_values)
def test_checkin_and_setup_parsers_never_raise(values: dict) -> None:
    try:
        fu_views.parse_checkin(values)
        health_views.parse_setup(values)
    except (AttributeError, TypeError):
        pytest.fail("parser crashed on malformed state")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_metadata_decode_raises_only_its_own_error(text: str) -> None:
    with contextlib.suppress(MetadataError):
        IntakeState.decode(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=500))
def test_command_text_parser_is_total(text: str) -> None:
    parsed = parse_command_text(text)
    assert len(parsed.arg) <= 200 and "\n" not in parsed.raw


