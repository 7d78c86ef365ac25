"""pytest fixtures: a fake Slack per test, and the real bot wired to it.

The fake enforces Slack's rate limits (``Limits``: every method's tier per workspace, the
workspace-wide posting limit), so a test whose bot calls Slack too often gets 429s as it
would from Slack; and a test fails when the fake answered any such 429 (injected faults
aside), so none passes by ignoring one. A test that expects them says so with
``@pytest.mark.rate_limited``; ``@pytest.mark.slack_limits(factor)`` tightens (< 1) or
loosens (> 1) every limit, ``slack_limits(None)`` turns them off.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakeslack.server import FakeSlack, Limits
from tests.support import surfaces


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_schema_errors: the test sends invalid blocks")
    config.addinivalue_line("markers", "settings(**values): settings of the db_bot fixture")
    config.addinivalue_line("markers", "rate_limited: the fake's rate limits may answer 429")
    config.addinivalue_line("markers", "slack_limits(factor): scale the fake's rate limits "
                                       "(None: off)")


def limits_for(request: pytest.FixtureRequest) -> Limits | None:
    marker = request.node.get_closest_marker("slack_limits")
    if marker is None:
        return Limits()
    factor = marker.args[0] if marker.args else 1.0
    return None if factor is None else Limits().scaled(float(factor))


@pytest.fixture
def fake_slack(request: pytest.FixtureRequest) -> Iterator[FakeSlack]:
    """A fake Slack with Slack's rate limits; after the test, every surface the bot showed
    through it (messages, modals, Home views, ephemerals, file comments) is checked for
    contract ids, and saved under $ENGAGEMENT_SURFACES_DIR when that is set. Block Kit
    itself is checked on the way in (slack_sdk's models, and the JSON schemas when
    ../shared is there)."""
    from bot.services.slack_io import forget_users

    forget_users()  # a user's cached zone and admin flag belong to the last test's fake
    fake = FakeSlack(limits=limits_for(request)).start()
    yield fake
    fake.stop()
    if request.node.get_closest_marker("allow_schema_errors") is None:
        assert fake.schema_errors == [], "the bot sent invalid Block Kit"
    if request.node.get_closest_marker("rate_limited") is None:
        assert fake.rate_limited == 0, f"Slack's rate limits were exceeded: {fake.limited}"
    shown = surfaces.captured(list(fake.calls))
    surfaces.dump(request.node.nodeid, shown)
    problems = surfaces.check(shown)
    assert problems == [], "a person would read contract ids:\n" + "\n".join(problems[:20])
