"""slack_sdk's ``AsyncWebClient`` whose request goes on the wire in the caller's own step.

With aiohttp under it (slack_sdk's default), a call passes through several suspensions
before its bytes are written (the connector, the request writer task). On a loaded event
loop each of them waits behind the requests that arrived meanwhile: measured on 2 cores,
a ``views.open`` started right after an ack left 15-20 ms later under back-to-back
commands, and over 100 ms at times. Here the transport step (``_request``) is replaced:
one keep-alive HTTP/1.1 connection per (scheme, host, port) in a small pool, the request
written with ``transport.write`` before the first ``await`` (a pooled connection is
ready), the response parsed by httptools (uvicorn's parser). Everything above it is
slack_sdk's: argument handling, ``AsyncSlackResponse`` and ``SlackApiError``, and the
async retry handlers, which get the aiohttp error types they know
(``ServerDisconnectedError``, ``ClientOSError``) for connection failures, and the status
and headers (``Retry-After``) of 429 and 5xx answers.

Files and proxies use slack_sdk's own aiohttp path.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl as ssl_module
from collections import defaultdict
from typing import Any
from urllib.parse import urlencode, urlsplit

import httptools
import orjson
from aiohttp import ClientOSError, ServerDisconnectedError
from slack_sdk.http_retry.request import HttpRequest as RetryHttpRequest
from slack_sdk.http_retry.response import HttpResponse as RetryHttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.transport.client import request_bytes

log = logging.getLogger(__name__)

MAX_IDLE_PER_HOST = 32


def dumps(payload: Any) -> bytes:
    """A request's JSON, compact (a modal is ~6 KB, and both ends pay per byte) and UTF-8.
    orjson writes it about ten times faster than ``json`` (measured: 5 µs against 57 µs
    for the first questionnaire page); what it refuses (keys that are not strings, integers
    past 64 bits) goes through ``json``, as slack_sdk would send it."""
    try:
        return orjson.dumps(payload)
    except TypeError:
        return json.dumps(payload, separators=(",", ":")).encode()


def request_body(args: dict[str, Any]) -> bytes:
    """A JSON request body, with a ``view`` as the JSON-encoded string Slack's reference
    describes for that argument (``views.open`` / ``push`` / ``update`` / ``publish``)
    rather than a nested object. Slack accepts both; the string is one value for the
    receiver to hold, where a 6 KB modal as an object is about 300. Measured against the
    bench anchor's Web API mock, which parses and keeps every call it gets: as objects,
    our modals grew its heap by ~600,000 objects per 2,000 commands and its full garbage
    collections paused it 40-100 ms in the middle of a run, which is where the
    trigger→``views.open`` p99 at c=32 came from (docs/benchmarks.md)."""
    view = args.get("view")
    if isinstance(view, dict):
        args = {**args, "view": dumps(view).decode()}
    return dumps(args)


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 client connection; one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[tuple[int, dict[str, str], bytes]] | None = None
        self.headers: dict[str, str] = {}
        self.body: list[bytes] = []
        self.closed = False
        self.keep_alive = True

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(ServerDisconnectedError(f"unparsable response: {exc}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(ClientOSError(*exc.args) if isinstance(exc, OSError)
                   else ServerDisconnectedError())

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result((self.parser.get_status_code(), self.headers,
                               b"".join(self.body)))

    # use
    def send(self, data: bytes) -> asyncio.Future[tuple[int, dict[str, str], bytes]]:
        assert self.transport is not None
        self.headers, self.body = {}, []
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return self.waiter

    def _fail(self, exc: Exception) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class _Pool:
    def __init__(self) -> None:
        self._idle: dict[tuple[str, str, int], list[_Connection]] = defaultdict(list)

    async def connection(self, scheme: str, host: str, port: int,
                         context: ssl_module.SSLContext | None) -> _Connection:
        idle = self._idle[(scheme, host, port)]
        while idle:
            conn = idle.pop()
            if not conn.closed and conn.transport is not None \
                    and not conn.transport.is_closing():
                return conn
        loop = asyncio.get_running_loop()
        try:
            if scheme == "https":
                _, conn = await loop.create_connection(
                    _Connection, host, port,
                    ssl=context or ssl_module.create_default_context(), server_hostname=host)
            else:
                _, conn = await loop.create_connection(_Connection, host, port)
        except OSError as exc:
            raise ClientOSError(*exc.args) from exc
        return conn

    def release(self, scheme: str, host: str, port: int, conn: _Connection) -> None:
        idle = self._idle[(scheme, host, port)]
        if conn.keep_alive and not conn.closed and len(idle) < MAX_IDLE_PER_HOST:
            idle.append(conn)
        else:
            conn.close()

    def close(self) -> None:
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()


class LoopWebClient(AsyncWebClient):
    """``AsyncWebClient`` over ``_Pool`` (share one pool per event loop)."""

    def __init__(self, *args: Any, pool: _Pool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pool = pool

    async def _request(self, *, http_verb: str, api_url: str,
                       req_args: dict[str, Any]) -> dict[str, Any]:
        if req_args.get("files") or self.proxy:
            return await super()._request(http_verb=http_verb, api_url=api_url,
                                          req_args=req_args)
        url = urlsplit(api_url)
        scheme = url.scheme
        host = url.hostname or ""
        port = url.port or (443 if scheme == "https" else 80)
        query = url.query
        if req_args.get("params"):
            query = "&".join(q for q in (query, urlencode(req_args["params"])) if q)
        target = (url.path or "/") + (f"?{query}" if query else "")
        headers = dict(req_args.get("headers") or {})
        if req_args.get("json") is not None:
            body = request_body(req_args["json"])
            headers["Content-Type"] = "application/json;charset=utf-8"
        elif req_args.get("data"):
            body = urlencode(req_args["data"]).encode()
        else:
            body = b""
        raw = request_bytes(http_verb, target, url.netloc, headers, body)

        retry_request = RetryHttpRequest(method=http_verb, url=api_url, headers=headers,
                                         body_params=req_args.get("params"),
                                         data=req_args.get("data"))
        state = RetryState()
        for _attempt in range(100):
            state.next_attempt_requested = False
            try:
                status, resp_headers, data = await self._exchange(scheme, host, port, raw)
            except (ClientOSError, ServerDisconnectedError) as exc:
                if not await self._retry(state, retry_request, None, exc):
                    raise
                continue
            parsed: Any = data
            ctype = resp_headers.get("content-type", "")
            if "json" in ctype or data.startswith(b"{"):
                parsed = orjson.loads(data) if data else {}
            elif ctype.startswith("text/"):
                parsed = data.decode("utf-8", "replace")
            retry_response = RetryHttpResponse(
                status_code=status, headers=resp_headers,  # type: ignore[arg-type]
                body=parsed if isinstance(parsed, dict) else None,
                data=data)
            if await self._retry(state, retry_request, retry_response, None):
                continue
            return {"data": parsed, "headers": resp_headers, "status_code": status}
        raise ServerDisconnectedError("too many retries")

    async def _exchange(self, scheme: str, host: str, port: int,
                        raw: bytes) -> tuple[int, dict[str, str], bytes]:
        conn = await self._pool.connection(scheme, host, port, self.ssl)
        waiter = conn.send(raw)  # on the wire now, before anything else runs on the loop
        loop = asyncio.get_running_loop()
        timer = loop.call_later(self.timeout, conn._fail, TimeoutError(
            f"no answer from {host} within {self.timeout}s"))
        try:
            result = await waiter
        except BaseException:
            conn.close()
            raise
        finally:
            timer.cancel()
        self._pool.release(scheme, host, port, conn)
        return result

    async def _retry(self, state: RetryState, request: RetryHttpRequest,
                     response: RetryHttpResponse | None, error: Exception | None) -> bool:
        for handler in self.retry_handlers:
            if await handler.can_retry_async(state=state, request=request, response=response,
                                             error=error):
                await handler.prepare_for_next_attempt_async(state=state, request=request,
                                                             response=response, error=error)
                return True
        return False
