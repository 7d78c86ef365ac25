"""Multi-workspace install through Slack's OAuth flow, against the fake Slack."""

from __future__ import annotations

import re
from urllib.request import Request, urlopen

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from bot.transport.oauth import TokenCipher
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


def test_org_wide_install_serves_a_workspace_of_the_org(oauth_bot: Bot) -> None:
    """Enterprise Grid: one org-wide install serves every workspace of the org; the
    workspace's org is recorded from its signed requests, for the scheduler."""
    assert install(oauth_bot, code="E1-org") == 200
    oauth_bot.fake.wait_for("oauth.v2.access")
    oauth_bot.slack.command("", team_id="T3", enterprise_id="E1", org_install=True)
    opened = oauth_bot.fake.wait_for("views.open")[-1]
    assert opened.token == "xoxb-E1-org"
    from bot.services import workspaces

    assert workspaces.enterprise_of(oauth_bot.deps, "T3") == "E1"


def _install(store, *, team_id: str | None, enterprise_id: str | None, token: str) -> None:
    from slack_sdk.oauth.installation_store import Installation

    store.save(Installation(app_id="A1", enterprise_id=enterprise_id, team_id=team_id,
                            bot_token=token, bot_id="B" + token[-4:], bot_user_id="UBOT",
                            bot_scopes="chat:write", user_id="UINSTALLER",
                            is_enterprise_install=team_id is None))


def _due_checkin(sessions, team_id: str, channel: str, now) -> None:
    from bot.db import models as m
    from bot.db import queue

    with sessions.begin() as s:
        a = m.Assessment(team_id=team_id, user_id="U1", channel_id=channel, message_ts="1.0001",
                         engagement="E", answers={}, verdict={}, bottleneck_kind="ownership",
                         model="product_delivery", confidence=0.9, status="posted",
                         followups_status="active", created_at=now, updated_at=now)
        s.add(a)
        s.flush()
        c = m.Checkin(team_id=team_id, assessment_id=a.id, seq=1, of_total=1, due_at=now,
                      status="scheduled", created_at=now)
        s.add(c)
        s.flush()
        queue.enqueue(s, team_id=team_id, kind="checkin_post", due_at=now,
                      idempotency_key=f"checkin_post:{c.id}", ref_id=c.id, now=now)


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_worker_in_oauth_mode_posts_for_each_installed_workspace(
        fake_slack: FakeSlack, tmp_path, request, db: str) -> None:
    """The Procfile deployment in multi-workspace mode: `engagement-bot worker` with the
    OAuth client and the encryption key, no bot token, posts the due check-in of a workspace
    with its own install and of a workspace of a Grid org (the org-wide install's token)."""
    import os
    import signal
    import subprocess
    import sys
    from datetime import UTC, datetime
    from pathlib import Path

    from bot.db.migrate import upgrade
    from bot.deps import build_deps
    from bot.services import workspaces
    from bot.settings import Settings

    url = (f"sqlite:///{tmp_path}/oauth.db" if db == "sqlite"
           else request.getfixturevalue("pg_cluster").fresh_database())
    upgrade(url)
    env = dict(SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="shh",
               ENGAGEMENT_ENCRYPTION_KEY=KEY, SLACK_API_URL=fake_slack.base_url,
               DATABASE_URL=url)
    deps = build_deps(Settings(_env_file=None, **env))
    _install(deps.installation_store, team_id="T2", enterprise_id=None,
             token="xoxb-T2-installed")
    _install(deps.installation_store, team_id=None, enterprise_id="E1", token="xoxb-E1-org")
    workspaces.record(deps, team_id="T3", enterprise_id="E1")  # as its requests would
    now = datetime.now(UTC)
    _due_checkin(deps.sessions, "T2", "C2", now)
    _due_checkin(deps.sessions, "T3", "C3", now)

    exe = str(Path(sys.executable).with_name("engagement-bot"))
    proc_env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    proc = subprocess.Popen([exe, "worker"], env={**proc_env, **env,
                                                   "ENGAGEMENT_SCHEDULER_INTERVAL": "0.2"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        posts = fake_slack.wait_for("chat.postMessage", count=2, timeout=30)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert {(p.args["channel"], p.token) for p in posts} == {
        ("C2", "xoxb-T2-installed"), ("C3", "xoxb-E1-org")}
    with deps.sessions() as s:  # the Grid workspace was not taken for uninstalled
        assert s.execute(text("SELECT count(*) FROM jobs WHERE status = 'cancelled'")
                         ).scalar() == 0


def test_rotate_keys_reencrypts_every_token_with_the_first_key(tmp_path) -> None:
    """`engagement-bot rotate-keys` with ENGAGEMENT_ENCRYPTION_KEY=new,old: afterwards the
    new key alone reads every token, and the old one reads none."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from slack_sdk.oauth.installation_store import Installation

    from bot.db.migrate import upgrade
    from bot.db.session import make_engine
    from bot.transport.oauth import make_stores

    url = f"sqlite:///{tmp_path}/rotate.db"
    upgrade(url)
    old, new = KEY, Fernet.generate_key().decode()
    store, _ = make_stores(make_engine(url), client_id="111.222", encryption_key=old)
    for team in ("T2", "T3"):
        store.save(Installation(app_id="A1", enterprise_id=None, team_id=team,
                                bot_token=f"xoxb-{team}", bot_id="B1", bot_user_id="UBOT",
                                user_id="UINSTALLER", user_token=f"xoxp-{team}"))
    exe = str(Path(sys.executable).with_name("engagement-bot"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ENGAGEMENT_"))}
    done = subprocess.run([exe, "rotate-keys"], env={**env, "DATABASE_URL": url,
                                                     "ENGAGEMENT_ENCRYPTION_KEY": f"{new},{old}"},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    with make_engine(url).connect() as conn:
        stored = [t for row in conn.execute(text(
            "SELECT bot_token FROM slack_bots UNION ALL "
            "SELECT bot_token FROM slack_installations UNION ALL "
            "SELECT user_token FROM slack_installations")) for t in row]
    assert len(stored) == 6
    assert sorted(TokenCipher(new).decrypt(t) or "" for t in stored) == sorted(
        ["xoxb-T2", "xoxb-T3"] * 2 + ["xoxp-T2", "xoxp-T3"])
    assert all(TokenCipher(old).decrypt(t) is None for t in stored)
    # a token no key decrypts: refused, one clear line, nothing changed
    done = subprocess.run([exe, "rotate-keys"], env={**env, "DATABASE_URL": url,
                                                     "ENGAGEMENT_ENCRYPTION_KEY": old},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "does not decrypt" in done.stderr
    assert "Traceback" not in done.stderr
