"""Socket Mode end to end: the real ``engagement-bot serve`` (one workspace, SLACK_BOT_TOKEN +
SLACK_APP_TOKEN, no signing secret, no public URL) opens a WebSocket to the fake Slack,
answers envelopes in its acks, calls the Web API with the bot token, and on SIGTERM closes
the socket and exits 0.

The fake side: ``apps.connections.open`` on the fake Web API hands out a single-use
``ws://`` URL of a ``FakeSocketMode`` (tests/fakeslack/socket_mode.py), which sends Slack's
hello, pushes envelopes and records the acks.
"""

from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.db.migrate import upgrade
from bot.views.ids import Callback
from tests.e2e.test_shutdown import Proc, env_for, sigterm_waits_for_the_slow_call
from tests.fakeslack import schemas
from tests.fakeslack.client import command_fields, fill, view_submission_payload
from tests.fakeslack.server import FakeSlack
from tests.fakeslack.socket_mode import Connection, FakeSocketMode

BOT_TOKEN = "xoxb-socket-mode-test"
APP_TOKEN = "xapp-1-A1-socket-mode-test"
CONNECT_BOUND = 30.0  # start-up (imports, auth.test) to the open WebSocket
ACK_BOUND = 3.0  # Slack's limit for an ack
EXIT_BOUND = 10.0  # SIGTERM to exit
SLACK_DELAY = 2.0  # how long the fake Slack sits on the call the bot waits for
HOLD_AFTER_SIGTERM = 1.5  # the envelope in flight still has time to be acked within 3 s


@pytest.fixture
def socket_mode(fake_slack: FakeSlack) -> Iterator[FakeSocketMode]:
    server = fake_slack.attach_socket_mode(FakeSocketMode().start())
    yield server
    server.stop()
    assert server.errors == [], "the bot broke the WebSocket protocol or the ack format"


def serve(fake: FakeSlack, tmp_path: Path, command: str = "serve") -> Proc:
    url = f"sqlite:///{tmp_path}/bot.db"
    upgrade(url)  # `serve` does not migrate; `run` does
    env = env_for(fake, url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN)
    env.pop("SLACK_SIGNING_SECRET", None)  # Socket Mode needs none
    return Proc([command], env)


def slash(fake: FakeSlack, text: str, *, user_id: str = "U1", channel_id: str = "C1"
          ) -> dict[str, Any]:
    """A slash command's fields, as the payload of a slash_commands envelope."""
    fields = command_fields(text, user_id=user_id, channel_id=channel_id, team_id="T1",
                            trigger_id=None)
    fields["response_url"] = fake.response_url
    return fields


def connected(server: FakeSocketMode, proc: Proc) -> Connection:
    """Wait for the bot's WebSocket (and the ping slack_sdk sends right after the handshake)."""
    try:
        conn = server.wait_for_connection(timeout=CONNECT_BOUND)
    except AssertionError:
        raise AssertionError("no WebSocket from the bot; stderr:\n" + proc.log()) from None
    deadline = time.monotonic() + 5
    while not conn.pings:
        assert time.monotonic() < deadline, "the bot never pinged"
        time.sleep(0.02)
    return conn


def test_serve_connects_and_answers_help_in_the_ack(fake_slack: FakeSlack,
                                                    socket_mode: FakeSocketMode,
                                                    tmp_path: Path) -> None:
    started = time.monotonic()
    proc = serve(fake_slack, tmp_path)
    try:
        conn = connected(socket_mode, proc)
        connected_after = time.monotonic() - started
        opened = fake_slack.wait_for("apps.connections.open")
        assert [c.token for c in opened] == [APP_TOKEN]
        assert conn.ticket in opened[0].response["url"]
        assert conn.index == 0 and conn.open
        proc.wait_for_line(r"connecting to Slack in Socket Mode", timeout=5)
        rtt = socket_mode.ping(conn)  # the client answers pings too

        envelope_id = socket_mode.push_command(slash(fake_slack, "help"))
        ack = socket_mode.wait_for_ack(envelope_id, timeout=ACK_BOUND + 2)
        assert ack.after is not None and ack.after < ACK_BOUND, ack
        assert ack.connection == conn.index
        assert ack.payload is not None, ack.raw
        assert ack.payload["response_type"] == "ephemeral"
        assert "Engagement triage" in str(ack.payload["blocks"])
        assert ack.payload.get("text")
        schemas.validate_blocks_message(ack.payload)
        # answered in the ack only: nothing posted to the response_url or the Web API
        assert not fake_slack.calls_to("response_url")
        # every Web API call but apps.connections.open carries the bot token
        assert {c.token for c in fake_slack.calls if c.method != "apps.connections.open"} \
            <= {BOT_TOKEN}
        assert conn.open and len(socket_mode.connections) == 1
        print(f"\nconnected {connected_after:.2f}s after start, help acked in "
              f"{ack.after * 1000:.0f} ms, ping round trip {rtt * 1000:.1f} ms")
    finally:
        proc.stop()


def test_plain_command_opens_the_questionnaire(fake_slack: FakeSlack,
                                               socket_mode: FakeSocketMode,
                                               tmp_path: Path) -> None:
    proc = serve(fake_slack, tmp_path)
    try:
        connected(socket_mode, proc)
        fields = slash(fake_slack, "")
        envelope_id = socket_mode.push_command(fields)
        ack = socket_mode.wait_for_ack(envelope_id, timeout=ACK_BOUND + 2)
        assert ack.after is not None and ack.after < ACK_BOUND, ack
        assert ack.payload is None, ack.raw  # a bare ack: the modal says the rest

        opened = fake_slack.wait_for("views.open", timeout=10)
        assert len(opened) == 1
        call = opened[0]
        assert call.args["trigger_id"] == fields["trigger_id"]
        assert call.token == BOT_TOKEN
        assert call.received_at - socket_mode.pushed[envelope_id].sent_at < ACK_BOUND
        view = fake_slack.views[call.response["view"]["id"]]
        assert view["callback_id"] == Callback.INTAKE.value
        assert "Step 1 of 4" in str(view["blocks"][0])

        # the first step submitted empty through the socket: the errors come back in the ack
        payload = view_submission_payload(view, fill(view, {"post_channel": "C1"}),
                                          user_id="U1", team_id="T1")
        submitted = socket_mode.push_interactive(payload)
        ack = socket_mode.wait_for_ack(submitted, timeout=ACK_BOUND + 2)
        assert ack.after is not None and ack.after < ACK_BOUND, ack
        assert ack.payload is not None, ack.raw
        assert ack.payload["response_action"] == "errors"
        assert set(ack.payload["errors"]) == {"stated_need", "slowdown"}
    finally:
        proc.stop()


@pytest.mark.parametrize("command", ["serve", "run"])
def test_sigterm_closes_the_socket_and_exits_0(fake_slack: FakeSlack,
                                               socket_mode: FakeSocketMode,
                                               tmp_path: Path, command: str) -> None:
    proc = serve(fake_slack, tmp_path, command)
    try:
        conn = connected(socket_mode, proc)
        envelope_id = socket_mode.push_command(slash(fake_slack, "help"))
        socket_mode.wait_for_ack(envelope_id, timeout=ACK_BOUND + 2)  # up and serving

        signalled = time.monotonic()
        proc.popen.send_signal(signal.SIGTERM)
        socket_mode.wait_closed(conn, timeout=EXIT_BOUND)
        closed_after = time.monotonic() - signalled
        code = proc.popen.wait(timeout=EXIT_BOUND)
        exited_after = time.monotonic() - signalled
        assert code == 0, proc.log()
        assert exited_after < EXIT_BOUND
        assert conn.closed_how in ("close-frame", "eof"), conn.closed_how
        # it did not reconnect on the way out
        assert len(socket_mode.connections) == 1
        assert len(fake_slack.calls_to("apps.connections.open")) == 1
        print(f"\n{command}: socket closed ({conn.closed_how}, code {conn.close_code}) "
              f"{closed_after:.2f}s after SIGTERM, exited after {exited_after:.2f}s")
    finally:
        proc.stop()


def test_refresh_requested_reconnects(fake_slack: FakeSlack, socket_mode: FakeSocketMode,
                                      tmp_path: Path) -> None:
    """Slack asks for a fresh connection now and then (a disconnect message, reason
    refresh_requested): the bot opens a new one with a new URL and goes on answering on it."""
    proc = serve(fake_slack, tmp_path)
    try:
        first = connected(socket_mode, proc)
        socket_mode.disconnect("refresh_requested")
        second = socket_mode.wait_for_connection(2, timeout=10)
        assert second.ticket != first.ticket
        assert [c.token for c in fake_slack.wait_for("apps.connections.open", count=2)] == \
            [APP_TOKEN, APP_TOKEN]
        socket_mode.wait_closed(first, timeout=10)  # the client drops the old one itself
        envelope_id = socket_mode.push_command(slash(fake_slack, "help"))
        ack = socket_mode.wait_for_ack(envelope_id, timeout=ACK_BOUND + 2)
        assert ack.connection == second.index
        assert ack.payload is not None and ack.payload["response_type"] == "ephemeral"
        assert len(socket_mode.connections) == 2 and not socket_mode.rejected
    finally:
        proc.stop()


def test_sigterm_lets_the_work_after_an_ack_finish(fake_slack: FakeSlack,
                                                  socket_mode: FakeSocketMode,
                                                  tmp_path: Path) -> None:
    """`/engagement` is acked at once and the modal opens after the ack: SIGTERM right then
    still lets views.open finish before the process exits (as in HTTP mode)."""
    proc = serve(fake_slack, tmp_path)
    try:
        connected(socket_mode, proc)
        fault = fake_slack.inject("views.open", delay=SLACK_DELAY)
        fields = slash(fake_slack, "")
        socket_mode.wait_for_ack(socket_mode.push_command(fields), timeout=ACK_BOUND + 2)
        sigterm_waits_for_the_slow_call(proc, fault)
        opened = fake_slack.calls_to("views.open")
        assert [c.args["trigger_id"] for c in opened] == [fields["trigger_id"]]
    finally:
        proc.stop()



def test_sigterm_acks_the_envelope_in_flight(fake_slack: FakeSlack,
                                            socket_mode: FakeSocketMode,
                                            tmp_path: Path) -> None:
    """SIGTERM while an envelope is being handled: its ack still goes out before the socket
    closes (HTTP mode answers the request in flight the same way). The ack is held up by
    the database: the test holds SQLite's write lock, which `/engagement history` waits for
    (every transaction begins IMMEDIATE)."""
    proc = serve(fake_slack, tmp_path)
    db = sqlite3.connect(tmp_path / "bot.db", isolation_level=None)
    try:
        conn = connected(socket_mode, proc)
        db.execute("BEGIN IMMEDIATE")
        envelope_id = socket_mode.push_command(slash(fake_slack, "history"))
        time.sleep(0.3)  # the envelope reaches the bot and waits for the lock
        assert envelope_id not in socket_mode.acks
        signalled = time.monotonic()
        proc.popen.send_signal(signal.SIGTERM)
        time.sleep(HOLD_AFTER_SIGTERM)
        db.execute("ROLLBACK")
        released = time.monotonic() - signalled
        code = proc.popen.wait(timeout=EXIT_BOUND)
        exited_after = time.monotonic() - signalled
        closed_at = socket_mode.wait_closed(conn, timeout=1).closed_at or 0.0
        print(f"\nlock released {released:.2f}s after SIGTERM, socket closed "
              f"{closed_at - signalled:.2f}s after, exited after {exited_after:.2f}s, "
              f"acked: {envelope_id in socket_mode.acks}")
        assert code == 0, proc.log()
        ack = socket_mode.acks.get(envelope_id)
        assert ack is not None, "the envelope in flight was never acked; stderr:\n" + \
            proc.log()
        assert ack.after is not None and ack.after < ACK_BOUND
        assert "No assessments in this channel yet" in str(ack.payload)
    finally:
        db.close()
        proc.stop()
