"""pytest fixtures: a fake Slack per test, and the real bot wired to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakeslack.server import FakeSlack


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_schema_errors: the test sends invalid blocks")
    config.addinivalue_line("markers", "settings(**values): settings of the db_bot fixture")


@pytest.fixture
def fake_slack(request: pytest.FixtureRequest) -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()
    if request.node.get_closest_marker("allow_schema_errors") is None:
        assert fake.schema_errors == [], "the bot sent invalid Block Kit"
