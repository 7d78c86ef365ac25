"""The fake Slack's rate limits: tiers per method and workspace, the workspace's posts."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakeslack.server import FakeSlack, Limits


def call(fake: FakeSlack, token: str, method: str, **args: str) -> int:
    client = WebClient(token=token, base_url=fake.base_url)
    try:
        client.api_call(method, json=args)
    except SlackApiError as exc:
        assert exc.response.status_code == 429
        assert int(exc.response.headers["Retry-After"]) >= 1
        return 429
    return 200


def test_a_tier_3_method_gets_its_burst_then_429_per_workspace() -> None:
    with FakeSlack(limits=Limits()) as fake:
        codes = [call(fake, "xoxb-T2-installed", "conversations.history", channel="C1")
                 for _ in range(16)]
        assert codes == [200] * 15 + [429]
        # another workspace, another method: their own budgets
        assert call(fake, "xoxb-T3-installed", "conversations.history", channel="C1") == 200
        assert call(fake, "xoxb-T2-installed", "conversations.replies", channel="C1",
                    ts="1.0") == 200
        assert fake.limited == {("conversations.history", "tier"): 1}


def test_posts_keep_to_the_workspace_limit_and_the_channel_limit() -> None:
    with FakeSlack(limits=Limits()) as fake:
        codes = [call(fake, "xoxb-T2-installed", "chat.postMessage", channel=f"C{i}",
                      text="hi") for i in range(11)]
        assert codes == [200] * 10 + [429]
        fake.rate_limit_per_channel(1.0)
        assert call(fake, "xoxb-T4-installed", "chat.postMessage", channel="C1",
                    text="hi") == 200
        assert call(fake, "xoxb-T4-installed", "chat.postMessage", channel="C1",
                    text="again") == 429
        assert fake.limited == {("chat.postMessage", "workspace"): 1,
                                ("chat.postMessage", "channel"): 1}


def test_limits_scale_and_switch_off() -> None:
    tight = Limits().scaled(0.5)
    assert tight.workspace_posts_per_minute == 150 and tight.tiers[3] == (25, 15)
    with FakeSlack() as fake:  # no limits unless asked (benchmarks of other things)
        fake.add_user("U1")
        assert all(call(fake, "xoxb-T2-installed", "users.info", user="U1") == 200
                   for _ in range(40))


@pytest.mark.slack_limits(None)
def test_a_test_can_turn_the_limits_off(fake_slack: FakeSlack) -> None:
    assert fake_slack.limits is None
