"""The real bot behind its real HTTP server, talking to the fake Slack, with a test clock."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.app import create_app
from bot.db.migrate import upgrade
from bot.deps import Deps, build_deps
from bot.settings import Settings
from bot.transport.client import make_client
from bot.transport.web import make_front
from bot.transport.workers import ThreadedServer
from tests.fakeslack.client import SlackSender, fill
from tests.fakeslack.server import FakeSlack
from tests.support.postgres import KINDS

SECRET = "test-signing-secret"
TOKEN = "xoxb-test-token"


class Clock:
    """A clock the tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now


@dataclass
class Bot:
    deps: Deps
    server: ThreadedServer
    slack: SlackSender
    fake: FakeSlack
    clock: Clock
    app: Any

    def runner(self, **kw: Any) -> Any:
        from bot.scheduling.runner import SchedulerRunner

        return SchedulerRunner(self.deps, make_client(TOKEN, self.deps, wait_on_rate_limit=False),
                               **kw)

    def last_view(self) -> dict[str, Any]:
        """The modal as Slack now shows it (after opens, updates and response_action updates)."""
        opened = self.fake.calls_to("views.open") + self.fake.calls_to("views.update")
        opened.sort(key=lambda c: c.received_at)
        return self.fake.views[opened[-1].response["view"]["id"]]

    def submit(self, view: dict[str, Any], answers: dict[str, Any], user_id: str = "U1"
               ) -> Any:
        """Submit a modal step. A response_action=update replaces the view, like Slack does."""
        resp = self.slack.view_submission(view, fill(view, answers), user_id=user_id)
        body = resp.json() if resp.body else None
        if resp.status == 200 and body and body.get("response_action") == "update":
            self.fake.views[view["id"]] = dict(body["view"], id=view["id"],
                                               hash=view["hash"] + "+")
        return resp


def settings_for(fake: FakeSlack, db_url: str, **overrides: Any) -> Settings:
    values = dict(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
                  SLACK_API_URL=fake.base_url, DATABASE_URL=db_url, SLACK_TIMEOUT_SECONDS=3,
                  ENGAGEMENT_SCHEDULER_INTERVAL=3600)
    values.update(overrides)
    return Settings(_env_file=None, **values)


def start_bot(fake: FakeSlack, db_url: str, **overrides: Any) -> Bot:
    upgrade(db_url)
    clock = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    settings = settings_for(fake, db_url, **overrides)
    deps = build_deps(settings, clock=clock)
    app = create_app(deps)
    # the production front (bot.transport), served by uvicorn in a thread of this process
    server = ThreadedServer(make_front(app, deps), settings=settings).start()
    sender = SlackSender(server.url + "/slack/events", SECRET, response_url=fake.response_url)
    return Bot(deps=deps, server=server, slack=sender,
               fake=fake, clock=clock, app=app)


def check_answers(bot: Bot, node_id: str) -> None:
    """What the bot's own HTTP answers showed (slash command replies, modal steps sent
    back in the ack): valid Block Kit, and no contract id in them."""
    from tests.fakeslack import schemas
    from tests.support import surfaces

    shown = surfaces.answered(bot.slack.responses)
    surfaces.dump(node_id + "-answers", shown)
    for kind, payload in shown:
        if kind.endswith((":update", ":push")):
            schemas.validate_modal(payload)
        elif payload.get("blocks"):
            schemas.validate_blocks_message(payload)
    problems = surfaces.check(shown)
    assert problems == [], "a person would read contract ids:\n" + "\n".join(problems[:20])


@pytest.fixture
def bot(fake_slack: FakeSlack, tmp_path: Any, request: pytest.FixtureRequest) -> Iterator[Bot]:
    running = start_bot(fake_slack, f"sqlite:///{tmp_path}/bot.db")
    yield running
    running.server.stop()
    check_answers(running, request.node.nodeid)


@pytest.fixture(params=KINDS)
def db_bot(request: pytest.FixtureRequest, fake_slack: FakeSlack, tmp_path: Any
           ) -> Iterator[Bot]:
    """The bot on a fresh database of each kind (SQLite, PostgreSQL). A test may set more
    settings with ``@pytest.mark.settings(NAME=value, ...)``."""
    url = (f"sqlite:///{tmp_path}/bot.db" if request.param == "sqlite"
           else request.getfixturevalue("pg_cluster").fresh_database())
    marker = request.node.get_closest_marker("settings")
    running = start_bot(fake_slack, url, **(marker.kwargs if marker else {}))
    yield running
    running.server.stop()
    check_answers(running, request.node.nodeid)
