"""pytest fixtures: a fake Slack per test, and the real bot wired to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakeslack.server import FakeSlack
from tests.support import surfaces


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_schema_errors: the test sends invalid blocks")
    config.addinivalue_line("markers", "settings(**values): settings of the db_bot fixture")


@pytest.fixture
def fake_slack(request: pytest.FixtureRequest) -> Iterator[FakeSlack]:
    """A fake Slack; after the test, every surface the bot showed through it (messages,
    modals, Home views, ephemerals, file comments) is checked for contract ids, and saved
    under $ENGAGEMENT_SURFACES_DIR when that is set. Block Kit itself is checked on the way
    in (slack_sdk's models, and the JSON schemas when ../shared is there)."""
    fake = FakeSlack().start()
    yield fake
    fake.stop()
    if request.node.get_closest_marker("allow_schema_errors") is None:
        assert fake.schema_errors == [], "the bot sent invalid Block Kit"
    shown = surfaces.captured(list(fake.calls))
    surfaces.dump(request.node.nodeid, shown)
    problems = surfaces.check(shown)
    assert problems == [], "a person would read contract ids:\n" + "\n".join(problems[:20])
