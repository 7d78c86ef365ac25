"""Pieces of the HTTP front: the loop's Web API client, eager starts, JSON logs, metrics
labels, optional Sentry."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)

from bot.transport.aio import start_eagerly
from bot.transport.logs import JsonFormatter
from bot.transport.loop_client import LoopWebClient, _Pool
from bot.transport.web import signed


class Scripted:
    """A loopback HTTP server answering each request with the next scripted action:
    (status, headers, body), or "drop" to close the connection without answering."""

    def __init__(self, script: list[Any]) -> None:
        self.script = list(script)
        self.requests: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while self.script:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length")))
            self.requests.append(head + await reader.readexactly(length))
            action = self.script.pop(0)
            if action == "drop":
                writer.close()
                return
            status, headers, body = action
            raw = body.encode()
            lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(raw)}",
                     "Content-Type: application/json", *[f"{k}: {v}" for k, v in headers.items()]]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + raw)
            await writer.drain()
        writer.close()


def call(script: list[Any], **client_kw: Any) -> tuple[Any, Scripted]:
    server = Scripted(script)

    async def main() -> Any:
        srv = await asyncio.start_server(server.handle, "127.0.0.1", 0)
        port = srv.sockets[0].getsockname()[1]
        pool = _Pool()
        client = LoopWebClient(token="xoxb-t", base_url=f"http://127.0.0.1:{port}/api/",
                               pool=pool, timeout=2, **client_kw)
        try:
            return await client.views_open(trigger_id="T", view={"type": "modal"})
        finally:
            pool.close()
            srv.close()

    return asyncio.run(main()), server


OK = (200, {}, json.dumps({"ok": True, "view": {"id": "V1"}}))


def test_the_loop_client_posts_json_with_the_token() -> None:
    resp, server = call([OK])
    assert resp["view"]["id"] == "V1"
    [raw] = server.requests
    assert raw.startswith(b"POST /api/views.open HTTP/1.1\r\n")
    assert b"Authorization: Bearer xoxb-t" in raw
    # the view goes as the JSON-encoded string Slack's reference describes (one value for
    # the receiver to hold, not a tree of ~300 objects per modal)
    assert raw.endswith(b'{"trigger_id":"T","view":"{\\"type\\":\\"modal\\"}"}')
    body = json.loads(raw.split(b"\r\n\r\n", 1)[1])
    assert json.loads(body["view"]) == {"type": "modal"}


def test_the_loop_client_retries_as_the_sync_client_does() -> None:
    handlers = [AsyncServerErrorRetryHandler(max_retry_count=2),
                AsyncRateLimitErrorRetryHandler(max_retry_count=3),
                AsyncConnectionErrorRetryHandler(max_retry_count=2)]
    # slack_sdk's handlers share one attempt count: 2 retries in all here
    resp, server = call([(503, {}, "{}"), "drop", OK], retry_handlers=handlers)
    assert resp["ok"] and len(server.requests) == 3
    resp, server = call([(429, {"Retry-After": "0"}, '{"ok": false}'), OK],
                        retry_handlers=handlers)
    assert resp["ok"] and len(server.requests) == 2


def test_the_loop_client_raises_slack_errors_and_gives_up() -> None:
    with pytest.raises(SlackApiError):
        call([(200, {}, json.dumps({"ok": False, "error": "expired_trigger_id"}))])
    with pytest.raises(SlackApiError):  # no retry handler: the 500 is the answer
        call([(500, {}, '{"ok": false}')])
    with pytest.raises(Exception, match=r"reset|isconnected"):
        call(["drop"])


def test_start_eagerly_runs_to_the_first_wait_at_once() -> None:
    steps: list[str] = []

    async def work(fail: bool) -> None:
        steps.append("before")
        await asyncio.sleep(0.01)
        steps.append("after")
        if fail:
            raise RuntimeError("boom")

    async def main() -> None:
        task = start_eagerly(work(False))
        assert steps == ["before"] and task is not None  # ran before anything was awaited
        await task
        assert steps == ["before", "after"]
        failing = start_eagerly(work(True))
        assert failing is not None
        with pytest.raises(RuntimeError):
            await failing
        slow = start_eagerly(work(False))
        assert slow is not None
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow

    async def instant() -> None:
        steps.append("instant")

    asyncio.run(main())

    async def none_needed() -> None:
        assert start_eagerly(instant()) is None

    asyncio.run(none_needed())
    assert steps[-1] == "instant"


def test_signature_check_takes_only_digits_within_five_minutes() -> None:
    from tests.fakeslack.client import signature

    body, now = b"a=1", 1_700_000_000.0
    ts = str(int(now))
    good = {b"x-slack-request-timestamp": ts.encode(),
            b"x-slack-signature": signature("s", ts, body.decode()).encode()}
    assert signed(b"s", good, body, now)
    assert not signed(b"t", good, body, now)
    assert not signed(b"s", good, body + b"x", now)
    assert not signed(b"s", good, body, now + 301)
    for bad in (b"", b"abc", b"1e9", b" 1", b"-1", b"9" * 40):
        assert not signed(b"s", {**good, b"x-slack-request-timestamp": bad}, body, now)


def test_json_logs_carry_the_request_fields() -> None:
    record = logging.LogRecord("bot.requests", logging.INFO, __file__, 1, "slack %s",
                               ('{"kind":"command"}',), None)
    record.fields = {"kind": "command", "status": 200, "message": "not this"}
    out = json.loads(JsonFormatter().format(record))
    assert out["kind"] == "command" and out["status"] == 200
    assert out["message"] == 'slack {"kind":"command"}' and out["level"] == "INFO"
    try:
        raise ValueError("x")
    except ValueError:
        record = logging.LogRecord("bot", logging.ERROR, __file__, 1, "failed", (),
                                   sys.exc_info())
    assert "ValueError" in json.loads(JsonFormatter().format(record))["exc_info"]


def test_sentry_is_not_imported_without_a_dsn() -> None:
    code = ("import sys; from bot.settings import Settings; "
            "from bot.transport import errors_report; "
            "assert errors_report.init(Settings(_env_file=None)) is False; "
            "assert 'sentry_sdk' not in sys.modules")
    env = {"PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_a_dsn_without_the_extra_warns_and_goes_on(caplog: pytest.LogCaptureFixture,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.transport import errors_report

    monkeypatch.setitem(sys.modules, "sentry_sdk", None)  # as if not installed
    caplog.set_level(logging.WARNING)

    class S:
        sentry_dsn = "https://key@sentry.invalid/1"

    assert errors_report.init(S()) is False
    assert "not installed" in caplog.text


def _command_request(team: str = "T1") -> Any:
    from slack_bolt import BoltRequest

    return BoltRequest(body=f"command=%2Fengagement&text=&team_id={team}&user_id=U1"
                            "&channel_id=C1&trigger_id=1.2.x",
                       headers={"content-type": ["application/x-www-form-urlencoded"]})


def test_one_workspace_requests_share_the_apps_client_oauth_ones_get_their_token() -> None:
    """LoggedApp gives each request ``app.client`` itself when there is one bot token
    (no per-request copy); with OAuth, each request's client carries its own token."""
    from slack_bolt.authorization import AuthorizeResult
    from slack_sdk import WebClient

    from bot.transport.logged_app import LoggedApp

    seen: list[WebClient] = []

    def listener(ack: Any, client: WebClient) -> None:
        seen.append(client)
        ack()

    single = LoggedApp(client=WebClient(token="xoxb-one"), signing_secret="s",
                       token_verification_enabled=False, request_verification_enabled=False)
    single._middleware_list.clear()  # no auth.test: this is about the context's client
    single.command("/engagement")(listener)
    for _ in range(2):
        assert single.dispatch(_command_request()).status == 200
    assert seen == [single.client, single.client] and seen[0].token == "xoxb-one"

    seen.clear()
    multi = LoggedApp(signing_secret="s", request_verification_enabled=False,
                      authorize=lambda team_id, **_: AuthorizeResult(
                          enterprise_id=None, team_id=team_id, bot_token=f"xoxb-{team_id}",
                          bot_user_id="UB", bot_id="B"))
    multi.command("/engagement")(listener)
    for team in ("T1", "T2"):
        assert multi.dispatch(_command_request(team)).status == 200
    assert [c.token for c in seen] == ["xoxb-T1", "xoxb-T2"]
    assert seen[0] is not multi.client
