"""Graceful shutdown of the real processes: `engagement-bot serve` finishes the request it
is handling when SIGTERM arrives (and refuses new connections meanwhile); `engagement-bot
worker` never leaves a job claimed behind it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation

from bot.db import models as m
from bot.db.migrate import upgrade
from bot.db.session import make_engine, make_session_factory
from bot.transport.oauth import make_stores
from tests.e2e.test_workers import seed
from tests.fakeslack.client import SlackSender
from tests.fakeslack.server import FakeSlack

EXE = str(Path(sys.executable).with_name("engagement-bot"))
SECRET = "shutdown-signing-secret"
KEY = Fernet.generate_key().decode()
CLIENT_ID = "111.222"
SLACK_DELAY = 2.0  # how long the fake Slack sits on the call the request waits for
EXIT_BOUND = 10.0  # seconds from SIGTERM to exit, beyond the slow call itself


class Proc:
    """A bot process with its stderr collected line by line (the listen address is there)."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.popen = subprocess.Popen([EXE, *args], env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stderr is not None
        for line in self.popen.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for_line(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                found = re.search(pattern, line)
                if found:
                    return found
            if self.popen.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r}; stderr:\n" + self.log())

    def log(self) -> str:
        if self.popen.poll() is not None:
            self._reader.join(timeout=1)
        return "\n".join(self.lines[-60:])

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(timeout=10)


def env_for(fake: FakeSlack, url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ, SLACK_API_URL=fake.base_url, DATABASE_URL=url, LOG_LEVEL="INFO",
               SLACK_TIMEOUT_SECONDS="10", **extra)
    for name in ("SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET",
                 "ENGAGEMENT_ENCRYPTION_KEY"):
        if name not in extra:
            env.pop(name, None)
    return env


def install_team(url: str, team_id: str = "T1") -> None:
    """The workspace as an OAuth install leaves it: its bot token, encrypted, in the store."""
    store, _ = make_stores(make_engine(url), client_id=CLIENT_ID, encryption_key=KEY)
    store.save(Installation(app_id="A1", enterprise_id=None, team_id=team_id,
                            bot_token=f"xoxb-{team_id}-installed", bot_id="B1",
                            bot_user_id="UBOT", bot_scopes="commands,chat:write",
                            user_id="UINSTALLER", installed_at=time.time()))


def refused(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


def sigterm_waits_for_the_slow_call(proc: Proc, fault: Any) -> None:
    """Once the bot is on the call ``fault`` sits on, SIGTERM: the process waits for that
    call to finish, then exits 0."""
    taken(fault)
    signalled = time.monotonic()
    proc.popen.send_signal(signal.SIGTERM)
    code = proc.popen.wait(timeout=SLACK_DELAY + EXIT_BOUND)
    assert code == 0, proc.log()
    assert time.monotonic() - signalled >= SLACK_DELAY - 0.5  # it waited for the call


def taken(fault: Any, timeout: float = 10.0) -> None:
    """Wait until the fake Slack has received the call it was told to sit on."""
    deadline = time.monotonic() + timeout
    while fault.times > 0:
        assert time.monotonic() < deadline, "the bot never made the slow call"
        time.sleep(0.01)


@pytest.mark.parametrize("command", ["serve", "run"])
def test_sigterm_finishes_the_request_in_flight(fake_slack: FakeSlack, tmp_path: Path,
                                                command: str) -> None:
    url = f"sqlite:///{tmp_path}/bot.db"
    upgrade(url)
    install_team(url)
    # OAuth (multi-workspace) mode: before Bolt acks a request it checks the team's token
    # with auth.test, so the HTTP response waits on the fake Slack
    proc = Proc([command], env_for(fake_slack, url, SLACK_SIGNING_SECRET=SECRET,
                                   SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET="shh",
                                   ENGAGEMENT_ENCRYPTION_KEY=KEY, HOST="127.0.0.1", PORT="0"))
    try:
        port = int(proc.wait_for_line(r"listening on http://127\.0\.0\.1:(\d+)/").group(1))
        sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", SECRET,
                             response_url=fake_slack.response_url)
        assert sender.command("help").status == 200  # up and serving

        fault = fake_slack.inject("auth.test", delay=SLACK_DELAY)
        answer: dict[str, Any] = {}
        in_flight = threading.Thread(
            target=lambda: answer.update(resp=sender.command("help", timeout=30)))
        in_flight.start()
        taken(fault)
        signalled = time.monotonic()
        proc.popen.send_signal(signal.SIGTERM)

        # shutdown has begun: new connections are refused while the request is in flight
        while not refused(port):
            assert time.monotonic() - signalled < 1.0, "still accepting connections"
            time.sleep(0.02)
        refused_after = time.monotonic() - signalled
        assert in_flight.is_alive(), "the slow request ended before the check"

        in_flight.join(timeout=SLACK_DELAY + EXIT_BOUND)
        resp = answer["resp"]
        answered_after = time.monotonic() - signalled
        assert resp.status == 200, resp
        assert "Engagement triage" in resp.body  # the help text, answered in the ack

        code = proc.popen.wait(timeout=SLACK_DELAY + EXIT_BOUND)
        exited_after = time.monotonic() - signalled
        assert code == 0, proc.log()
        print(f"\n{command}: refused new connections {refused_after:.2f}s after SIGTERM, "
              f"answered the request in flight after {answered_after:.2f}s, "
              f"exited after {exited_after:.2f}s")
        assert exited_after < SLACK_DELAY + EXIT_BOUND
    finally:
        proc.stop()


def test_sigterm_lets_the_work_after_an_ack_finish(fake_slack: FakeSlack, tmp_path: Path
                                                  ) -> None:
    """A command is acked at once and its Slack calls run after the ack (a lazy listener):
    SIGTERM right then still lets the modal open before the process exits."""
    url = f"sqlite:///{tmp_path}/bot.db"
    upgrade(url)
    install_team(url)
    proc = Proc(["serve"], env_for(fake_slack, url, SLACK_SIGNING_SECRET=SECRET,
                                   SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET="shh",
                                   ENGAGEMENT_ENCRYPTION_KEY=KEY, HOST="127.0.0.1", PORT="0"))
    try:
        port = int(proc.wait_for_line(r"listening on http://127\.0\.0\.1:(\d+)/").group(1))
        sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", SECRET,
                             response_url=fake_slack.response_url)
        fault = fake_slack.inject("views.open", delay=SLACK_DELAY)
        assert sender.command("healthcheck", channel_id="C7").status == 200
        sigterm_waits_for_the_slow_call(proc, fault)
        opened = fake_slack.calls_to("views.open")
        assert len(opened) == 1 and opened[0].response["view"]["callback_id"] == \
            "healthcheck_setup"
    finally:
        proc.stop()


def test_worker_sigterm_never_leaves_a_job_claimed(fake_slack: FakeSlack, tmp_path: Path
                                                   ) -> None:
    url = f"sqlite:///{tmp_path}/worker.db"
    seed(url, n=1, channels=1)
    fault = fake_slack.inject("chat.postMessage", delay=SLACK_DELAY)
    proc = Proc(["worker"], env_for(fake_slack, url, SLACK_BOT_TOKEN="xoxb-test",
                                    ENGAGEMENT_SCHEDULER_INTERVAL="0.2",
                                    ENGAGEMENT_JOB_LEASE="10m"))
    sessions = make_session_factory(make_engine(url))
    try:
        taken(fault, timeout=30)  # the job is claimed and its post is on the wire
        with sessions() as s:
            job = s.query(m.Job).filter_by(kind="checkin_post").one()
            assert job.status == "claimed" and job.lease_owner
        signalled = time.monotonic()
        proc.popen.send_signal(signal.SIGTERM)
        code = proc.popen.wait(timeout=SLACK_DELAY + EXIT_BOUND)
        exited_after = time.monotonic() - signalled
        assert code == 0, proc.log()
    finally:
        proc.stop()
    with sessions() as s:
        job = s.query(m.Job).filter_by(kind="checkin_post").one()
        checkin = s.query(m.Checkin).one()
        assert job.lease_owner is None and job.lease_until is None
        posts = fake_slack.calls_to("chat.postMessage")
        if job.status == "done":  # it finished the post and recorded it
            assert len(posts) == 1 and checkin.status == "posted"
        else:  # handed back for the next worker, the attempt not counted
            assert job.status == "pending" and job.attempts == 0
    print(f"\nworker: exited {exited_after:.2f}s after SIGTERM, job {job.status}")
    assert exited_after < SLACK_DELAY + EXIT_BOUND


def test_worker_sigterm_hands_back_claimed_jobs_it_has_not_started(
        fake_slack: FakeSlack, tmp_path: Path) -> None:
    """32 due check-ins in 32 channels, Slack slow: at SIGTERM a post per worker thread (8)
    is on the wire and the rest of the claimed batch has not started. Those should go
    back to pending for the next worker instead of being worked through first."""
    url = f"sqlite:///{tmp_path}/batch.db"
    seed(url, n=32, channels=32)
    first = fake_slack.inject("chat.postMessage", delay=SLACK_DELAY)
    fake_slack.inject("chat.postMessage", delay=0.5, times=None)
    proc = Proc(["worker"], env_for(fake_slack, url, SLACK_BOT_TOKEN="xoxb-test",
                                    ENGAGEMENT_SCHEDULER_INTERVAL="0.2",
                                    ENGAGEMENT_JOB_LEASE="10m"))
    try:
        taken(first, timeout=30)
        proc.popen.send_signal(signal.SIGTERM)
        assert proc.popen.wait(timeout=60) == 0, proc.log()
    finally:
        proc.stop()
    with make_session_factory(make_engine(url))() as s:
        jobs = s.query(m.Job).filter_by(kind="checkin_post").all()
    assert all(j.status in ("done", "pending") and j.lease_owner is None for j in jobs)
    assert sum(j.status == "pending" for j in jobs) >= 16
