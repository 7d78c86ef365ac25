"""The fast form parser gives exactly what urllib's parse_qsl (Bolt's parser) gives."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode

from hypothesis import given, settings
from hypothesis import strategies as st
from slack_bolt.request.internals import parse_body as bolt_parse_body

from bot.transport.request import parse_body, parse_form

text = st.text(alphabet=st.characters(codec="utf-8"), max_size=60)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(text, text, max_size=6))
def test_encoded_forms_parse_like_parse_qsl(fields: dict[str, str]) -> None:
    raw = urlencode(fields)
    assert parse_form(raw) == dict(parse_qsl(raw, keep_blank_values=True)) == fields


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_any_body_parses_like_parse_qsl(raw: str) -> None:
    """Malformed escapes, stray backslashes, non-ASCII, bare keys: same answer."""
    assert parse_form(raw) == dict(parse_qsl(raw, keep_blank_values=True))


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | text,
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(text, inner, max_size=4), max_leaves=20))
def test_interaction_payloads_parse_like_bolt(payload: object) -> None:
    raw = urlencode({"payload": json.dumps(payload)})
    assert parse_body(raw, "application/x-www-form-urlencoded") == \
        bolt_parse_body(raw, "application/x-www-form-urlencoded")


def test_commands_json_and_empty_bodies_parse_like_bolt() -> None:
    for raw, ctype in [("", None), ('{"type": "url_verification"}', "application/json"),
                       ("command=%2Fengagement&text=history+%3C%40U1%3E&x=", None),
                       ("text=%E2%9C%93+done&bad=%ZZ%4", None), ("a=1&a=2&&b", None)]:
        assert parse_body(raw, ctype) == bolt_parse_body(raw, ctype), raw
