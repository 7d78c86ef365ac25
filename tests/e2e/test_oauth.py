"""Multi-workspace install through Slack's OAuth flow, against the fake Slack."""

from __future__ import annotations

import re
from urllib.request import Request, urlopen

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from bot.oauth import TokenCipher
from tests.fakeslack.server import FakeSlack
from tests.support.harness import Bot, start_bot

KEY = Fernet.generate_key().decode()


@pytest.fixture
def oauth_bot(fake_slack: FakeSlack, tmp_path):
    bot = start_bot(fake_slack, f"sqlite:///{tmp_path}/oauth.db", SLACK_BOT_TOKEN="",
                    SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="shh",
                    ENGAGEMENT_ENCRYPTION_KEY=KEY)
    yield bot
    bot.server.stop()


def install(bot: Bot, code: str = "T2-code") -> int:
    """Like a browser: open the install page (it sets a state cookie), then come back.
    The cookie is marked Secure (production is https), so the test sends it by hand."""
    page = urlopen(bot.server.url + "/slack/install", timeout=10).read().decode()
    state = re.search(r"state=([A-Za-z0-9_\-]+)", page).group(1)
    req = Request(f"{bot.server.url}/slack/oauth_redirect?code={code}&state={state}",
                  headers={"Cookie": f"slack-app-oauth-state={state}"})
    with urlopen(req, timeout=10) as resp:
        return resp.status


def test_install_stores_an_encrypted_token_and_serves_the_team(oauth_bot: Bot) -> None:
    assert oauth_bot.deps.settings.oauth
    assert install(oauth_bot) == 200
    oauth_bot.fake.wait_for("oauth.v2.access")
    with oauth_bot.deps.sessions() as s:
        stored = [r[0] for r in s.execute(text("SELECT bot_token FROM slack_bots"))]
    assert stored and all(t.startswith("enc:") and "xoxb" not in t for t in stored)
    assert TokenCipher(KEY).decrypt(stored[0]) == "xoxb-T2-installed"
    # a command from that workspace is authorised with its own token
    oauth_bot.slack.command("", team_id="T2")
    opened = oauth_bot.fake.wait_for("views.open")[-1]
    assert opened.token == "xoxb-T2-installed"


def test_unknown_workspace_is_not_served(oauth_bot: Bot) -> None:
    resp = oauth_bot.slack.command("", team_id="T404")
    assert resp.status == 200
    told = oauth_bot.fake.wait_for("response_url")[-1]  # Bolt tells the user it isn't installed
    assert told.args.get("text")
    assert oauth_bot.fake.calls_to("views.open") == []


def test_bad_code_and_bad_state_are_refused(oauth_bot: Bot) -> None:
    from urllib.error import HTTPError

    with pytest.raises(HTTPError):
        urlopen(f"{oauth_bot.server.url}/slack/oauth_redirect?code=T2-code&state=forged",
                timeout=10)
    with oauth_bot.deps.sessions() as s:
        assert s.execute(text("SELECT count(*) FROM slack_bots")).scalar() == 0


def test_uninstall_deletes_the_teams_tokens(oauth_bot: Bot) -> None:
    install(oauth_bot)
    oauth_bot.fake.wait_for("oauth.v2.access")
    resp = oauth_bot.slack.event({"type": "app_uninstalled"}, team_id="T2", event_id="EvX")
    assert resp.status == 200
    with oauth_bot.deps.sessions() as s:
        assert s.execute(text("SELECT count(*) FROM slack_bots")).scalar() == 0
        assert s.execute(text("SELECT count(*) FROM slack_installations")).scalar() == 0
