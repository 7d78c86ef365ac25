"""The keep-alive WebClient: reuses connections, and behaves like slack_sdk's on errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.transport.client import KeepAliveWebClient
from tests.fakeslack.server import FakeSlack


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as f:
        yield f


def post(client: WebClient, n: int) -> None:
    for i in range(n):
        client.chat_postMessage(channel="C1", text=f"hello {i}")


def test_reuses_one_connection_where_the_stock_client_opens_one_per_call(
        fake: FakeSlack) -> None:
    post(WebClient(token="xoxb-1", base_url=fake.base_url), 5)
    stock = fake.connections
    assert stock == 5
    post(KeepAliveWebClient(token="xoxb-1", base_url=fake.base_url), 5)
    assert fake.connections == stock + 1
    assert len(fake.calls_to("chat.postMessage")) == 10


def test_a_connection_the_server_dropped_is_replaced_before_sending(fake: FakeSlack) -> None:
    client = KeepAliveWebClient(token="xoxb-1", base_url=fake.base_url, retry_handlers=[])
    post(client, 1)
    fake.inject("chat.postMessage", reset=True)  # the server closes mid-request
    with pytest.raises(Exception):  # noqa: B017 - the transport error, whatever its type
        post(client, 1)
    post(client, 2)  # a fresh connection, nothing sent twice
    ok = fake.calls_to("chat.postMessage")
    assert [c.args["text"] for c in ok] == ["hello 0", "hello 0", "hello 1"]


def test_429_carries_retry_after_like_the_stock_client(fake: FakeSlack) -> None:
    client = KeepAliveWebClient(token="xoxb-1", base_url=fake.base_url, retry_handlers=[])
    fake.inject("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as info:
        post(client, 1)
    assert info.value.response.status_code == 429
    assert info.value.response.headers.get("Retry-After") in ("7", ["7"])
    post(client, 1)  # the connection is still usable after an error answer


def test_retry_handlers_still_apply(fake: FakeSlack) -> None:
    client = KeepAliveWebClient(token="xoxb-1", base_url=fake.base_url,
                                retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    fake.inject("chat.postMessage", status=429, retry_after=0)
    post(client, 1)
    assert len(fake.calls_to("chat.postMessage")) == 1


def test_slack_errors_are_raised_as_usual(fake: FakeSlack) -> None:
    client = KeepAliveWebClient(token="xoxb-1", base_url=fake.base_url)
    fake.inject("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError) as info:
        post(client, 1)
    assert info.value.response["error"] == "channel_not_found"


def test_like_copies_settings(fake: FakeSlack) -> None:
    stock = WebClient(token="xoxb-1", base_url=fake.base_url, timeout=7)
    copy = KeepAliveWebClient.like(stock, token="xoxb-2")
    assert (copy.base_url, copy.timeout, copy.token) == (fake.base_url, 7, "xoxb-2")
    assert copy.retry_handlers == stock.retry_handlers


def test_an_idle_connection_closed_by_the_server_counts_as_dropped() -> None:
    import socket

    from bot.transport.client import _Connection, _dropped

    ours, theirs = socket.socketpair()
    conn = _Connection("http", "127.0.0.1", 80, 5, None)
    conn.sock = ours
    assert not _dropped(conn)
    theirs.close()  # the server's keep-alive timeout
    assert _dropped(conn)
    conn.close()
    assert _dropped(conn)


def test_answers_split_across_reads_and_chunked_bodies_are_read_whole() -> None:
    """The transport's own parser: headers and body arriving in pieces, a chunked body, a
    charset other than UTF-8, and an answer with ``Connection: close``."""
    import socket
    import threading

    latin = '{"ok": true, "x": "\xe9t\xe9"}'.encode("latin-1")
    answers = [
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=latin-1\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(latin), latin),
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked"
        b"\r\n\r\n5\r\n{\"ok\"\r\n7\r\n: true}\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n"
        b"Connection: close\r\n\r\n{\"ok\": true}",
    ]
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[int] = []

    def serve() -> None:
        while answers:
            conn, _ = server.accept()
            accepted.append(1)
            with conn:
                while answers:
                    if not conn.recv(65536):
                        break
                    answer = answers.pop(0)
                    for i in range(0, len(answer), 7):  # in pieces of 7 bytes
                        conn.sendall(answer[i:i + 7])
                    if b"Connection: close" in answer:
                        break

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    port = server.getsockname()[1]
    client = KeepAliveWebClient(token="xoxb-1", base_url=f"http://127.0.0.1:{port}/api/",
                                retry_handlers=[])
    first = client.api_call("auth.test")
    assert first["x"] == "\xe9t\xe9"
    assert client.api_call("auth.test")["ok"] is True
    assert client.api_call("auth.test")["ok"] is True
    assert len(accepted) == 1  # all three on one connection
    assert client._local.pool[("http", "127.0.0.1", port)].sock is None  # closed as told
    server.close()
