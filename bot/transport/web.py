"""The HTTP front: an ASGI app around the Bolt app, served by uvicorn.

Routes: ``POST /slack/events`` (commands, interactivity, events), ``GET /healthz``
(liveness), ``GET /readyz`` (database reachable), ``GET /metrics`` (Prometheus), and the
OAuth install routes (``/slack/install``, ``/slack/oauth_redirect``) when OAuth is
configured.

A Slack request is checked here before Bolt sees it, cheaply and in this order: its size
(413 from ``Content-Length`` alone, or as soon as the body grows past the limit), its
timestamp (digits, within 5 minutes) and its signature (HMAC-SHA256 of the raw bytes).
Anything unsigned is answered 401 and logged as ``unverified`` with its size only: never
parsed, never handed to Bolt (whose own check would log the whole body at INFO). A signed
body that does not parse (bad JSON, JSON nested too deep, not UTF-8) is a 400. Then the
body is parsed once (``bot.transport.request.parse_body``) and dispatched to Bolt's sync
``App``: on the event loop itself when every listener's ack is pure CPU (one workspace:
the bot token was checked at start-up, so authorising a request calls nobody), on a
thread pool when acks may wait on the network (OAuth mode: Bolt checks each request's
token with ``auth.test``). Coroutines the listeners deferred (``bot.transport.aio``) start
once the response is written; other work after the ack runs on Bolt's listener pool as
before.

Opening a modal (``/engagement`` → ``views.open``) is started at once, right after the
listener acked, and the ack response waits for it, at most ``WEB_ACK_WAIT`` seconds
(default 1; 0: the ack goes first). Slack sees the same two things (the ack well within its
3 seconds, the modal within the 3 seconds of its ``trigger_id``); what changes is that a
worker whose Slack calls are slow stops taking on more of them: acks slow down, and the
sender (Slack, or a benchmark's closed loop) with them, instead of a backlog of
``views.open`` calls piling up behind a slow Web API, each nearer its trigger's expiry.
Measured on 2 cores against the bench-anchor mock: with the ack first, a ~120 ms stall of
the mock's process put every command acked meanwhile behind it, and the
trigger→``views.open`` p99 was 64-104 ms at c=8 (185 ms at c=32); waiting, 8-11 ms at c=8
(bare Bolt with ``process_before_response``: 14-19 ms in the same runs).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context
from slack_bolt.response import BoltResponse

from bot.transport import aio
from bot.transport.request import parse_body

log = logging.getLogger("bot.http")
requests_log = logging.getLogger("bot.requests")

MAX_BODY_BYTES = 1_000_000  # Slack payloads are small; anything larger is refused with 413
MAX_CLOCK_SKEW = 60 * 5  # Slack's rule: a timestamp more than 5 minutes away is refused
SLACK_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Observer = Callable[[dict[str, Any]], None]

JSON = [(b"content-type", b"application/json")]
# a parse failure of a signed body: JSON nested past the recursion limit raises
# RecursionError, bytes that are not UTF-8 UnicodeDecodeError (a ValueError), a list where
# Bolt expects an object AttributeError/TypeError/KeyError
BAD_BODY = (ValueError, AttributeError, TypeError, KeyError, RecursionError)


def signed(secret: bytes, headers: dict[bytes, bytes], body: bytes, now: float) -> bool:
    """Slack's v0 signature over the raw bytes, with a timestamp within 5 minutes."""
    ts = headers.get(b"x-slack-request-timestamp", b"")
    sig = headers.get(b"x-slack-signature", b"")
    if not ts.isdigit() or len(ts) > 12 or not sig:
        return False
    if abs(now - int(ts)) > MAX_CLOCK_SKEW:
        return False
    expected = b"v0=" + hmac.new(secret, b"v0:" + ts + b":" + body,
                                 hashlib.sha256).hexdigest().encode()
    return hmac.compare_digest(expected, sig)


def log_request(fields: dict[str, Any]) -> None:
    """The one line per Slack request (the same shape ``LoggedApp`` writes)."""
    if requests_log.isEnabledFor(logging.INFO):
        requests_log.info("slack %s", json.dumps(fields, separators=(",", ":")),
                          extra={"fields": fields})


class SlackAsgi:
    """ASGI app: Slack's requests to Bolt, plus health, readiness and metrics."""

    def __init__(self, app: App, *, signing_secret: str | None,
                 ready_check: Callable[[], bool] | None = None,
                 inline: bool = True, threads: int = 16,
                 metrics: Callable[[], tuple[bytes, str]] | None = None,
                 observers: list[Observer] | None = None,
                 drain_timeout: float = 20.0, ack_wait: float = 0.0) -> None:
        self.app = app
        self._secret = signing_secret.encode() if signing_secret else None
        self._ready_check = ready_check
        self._inline = inline
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="web")
        self._metrics = metrics
        self._observers = observers or []
        self._drain_timeout = drain_timeout
        self._ack_wait = ack_wait
        self._listener_pool = app.listener_runner.listener_executor
        self.loop_work = aio.LoopWork(app.client, self._listener_pool)
        oauth = app.oauth_flow
        self._install = oauth.install_path if oauth is not None else None
        self._redirect = oauth.redirect_uri_path if oauth is not None else None

    # ASGI entry point
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.loop_work.open()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.drain()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def drain(self) -> None:
        """After the last response: let the work after the ack finish (coroutines on this
        loop, then Bolt's listener pool), bounded by ``drain_timeout``."""
        deadline = time.monotonic() + self._drain_timeout
        await self.loop_work.close(timeout=self._drain_timeout)
        pools = (self._listener_pool, self._pool)
        try:
            await asyncio.wait_for(asyncio.to_thread(_shutdown, pools),
                                   timeout=max(deadline - time.monotonic(), 0.1))
        except TimeoutError:
            log.warning("work after the ack still running after %.0fs; exiting anyway",
                        self._drain_timeout)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        method: str = scope["method"]
        if method == "POST" and path == SLACK_PATH:
            await self._slack(scope, receive, send)
            return
        started = time.perf_counter()
        status = 404
        try:
            if path == "/healthz":
                status = await _json(send, 200, {"ok": True})
            elif path == "/readyz":
                ok = True
                if self._ready_check is not None:
                    ok = await asyncio.get_running_loop().run_in_executor(self._pool,
                                                                          self._ready_check)
                status = await _json(send, 200 if ok else 503, {"ok": ok})
            elif path == "/metrics" and self._metrics is not None:
                body, ctype = await asyncio.get_running_loop().run_in_executor(
                    self._pool, self._metrics)
                status = await _respond(send, 200, [(b"content-type", ctype.encode())], body)
            elif method == "GET" and path in (self._install, self._redirect):
                request = BoltRequest(body="", query=scope["query_string"].decode("latin-1"),
                                      headers=_bolt_headers(scope))
                oauth = self.app.oauth_flow
                assert oauth is not None
                handle = oauth.handle_installation if path == self._install \
                    else oauth.handle_callback
                response = await asyncio.get_running_loop().run_in_executor(
                    self._pool, handle, request)
                status = await _bolt_response(send, response)
            else:
                status = await _respond(send, 404, [(b"content-type", b"text/plain")],
                                        b"Not Found")
        finally:
            if log.isEnabledFor(logging.INFO):
                log.info("http %s %s %s %.1fms", method, path, status,
                         (time.perf_counter() - started) * 1000)

    async def _slack(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"0")
        # (each refusal is logged before its answer goes out, as Bolt's own line is)
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            status = 413 if length.isdigit() else 400
            self._refused("too_large" if status == 413 else "bad_request", status, 0, started)
            await _json(send, status, {"ok": False, "error": "body too large"
                                       if status == 413 else "bad request"})
            return
        body = await _read_body(receive, MAX_BODY_BYTES)
        if body is None:  # the client went away, or the body grew past the limit
            self._refused("too_large", 413, 0, started)
            await _json(send, 413, {"ok": False, "error": "body too large"})
            return
        if self._secret is None or not signed(self._secret, headers, body, time.time()):
            self._refused("unverified", 401, len(body), started)
            await _json(send, 401, {"error": "invalid request"})
            return
        try:
            request = self._bolt_request(scope, headers, body)
        except BAD_BODY:
            log.warning("refused a signed request whose body does not parse (%d bytes)",
                        len(body))
            self._refused("unparsed", 400, len(body), started)
            await _json(send, 400, {"ok": False, "error": "bad request"})
            return
        with aio.collecting() as pending:
            try:
                if self._inline:
                    response = self.app.dispatch(request)
                else:
                    response = await asyncio.get_running_loop().run_in_executor(
                        self._pool, _in_context(self.app.dispatch), request)
            except BAD_BODY:
                log.warning("refused a request Bolt could not make sense of")
                await _json(send, 400, {"ok": False, "error": "bad request"})
                return
        if pending:
            started_work = self.loop_work.start(pending)
            if started_work and self._ack_wait > 0:
                # the ack waits (bounded) for the work it started, a modal being opened:
                # see the module's docstring
                await asyncio.wait(started_work, timeout=self._ack_wait)
        await _bolt_response(send, response)

    def _bolt_request(self, scope: Scope, headers: dict[bytes, bytes],
                      body: bytes) -> BoltRequest:
        raw = body.decode("utf-8")
        request = BoltRequest(body="", query=scope["query_string"].decode("latin-1"),
                              headers=_bolt_headers(scope))
        request.raw_body = raw  # what Bolt checks the signature against
        request.body = parse_body(raw, request.content_type)
        if not isinstance(request.body, dict):
            raise TypeError("a Slack request body is an object")
        request.context = build_context(BoltContext({}), request.body)
        return request

    def _refused(self, kind: str, status: int, size: int, started: float) -> None:
        fields = {"kind": kind, "bytes": size, "ms": round((time.perf_counter() - started)
                                                          * 1000, 1), "status": status}
        log_request(fields)
        for observe in self._observers:
            observe(fields)


def _shutdown(pools: tuple[Any, ...]) -> None:
    for pool in pools:
        pool.shutdown(wait=True)


def _in_context(fn: Callable[[BoltRequest], BoltResponse]) -> Callable[[BoltRequest],
                                                                        BoltResponse]:
    """``fn`` run in a copy of the caller's context (so ``aio.defer`` finds the request's
    list from a pool thread)."""
    import contextvars

    ctx = contextvars.copy_context()
    return lambda request: ctx.run(fn, request)


def _bolt_headers(scope: Scope) -> dict[str, str | Sequence[str]]:
    headers: dict[str, str | Sequence[str]] = {}
    for name, value in scope["headers"]:
        key = name.decode("latin-1")
        text = value.decode("latin-1")
        if key in headers:
            prev = headers[key]
            headers[key] = [prev, text] if isinstance(prev, str) else [*prev, text]
        else:
            headers[key] = text
    return headers


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def _respond(send: Send, status: int, headers: list[tuple[bytes, bytes]],
                   body: bytes) -> int:
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
    return status


async def _json(send: Send, status: int, payload: dict[str, Any]) -> int:
    return await _respond(send, status, JSON, json.dumps(payload).encode())


async def _bolt_response(send: Send, response: BoltResponse) -> int:
    headers = [(name.encode("latin-1"), value.encode("latin-1"))
               for name, values in response.headers.items() if name != "content-length"
               for value in values]
    body = response.body.encode("utf-8") if isinstance(response.body, str) else response.body
    return await _respond(send, response.status, headers, body)


def make_front(app: App, deps: Any, *, inline: bool | None = None) -> SlackAsgi:
    """The front for ``app`` as the settings configure it: readiness from the database,
    metrics, dispatch on the loop unless acks may wait on Slack (OAuth mode)."""
    from bot.deps import ready_check
    from bot.transport import metrics

    settings = deps.settings
    web_metrics = metrics.web()
    app.request_observers = (web_metrics.observe,)  # type: ignore[attr-defined]
    return SlackAsgi(app, signing_secret=settings.signing_secret,
                     ready_check=ready_check(deps),
                     inline=(not settings.oauth) if inline is None else inline,
                     threads=settings.web_threads, metrics=metrics.render,
                     observers=[web_metrics.observe],
                     drain_timeout=settings.web_graceful_timeout,
                     ack_wait=settings.web_ack_wait)
