"""A slack_sdk ``WebClient`` that keeps its HTTP connections open.

slack_sdk's ``WebClient`` sends every call through ``urllib.request.urlopen``: a new TCP
(and TLS) connection per call. A worker fanning out thousands of check-ins pays a handshake
for each one. This client keeps one persistent HTTP/1.1 connection per thread and host and
reuses it (``_Connection``: a socket and httptools' response parser); everything else
(argument handling, retry handlers for 429/5xx/connection errors, ``SlackApiError``) is
slack_sdk's own code, because only the lowest transport step
(``_perform_urllib_http_request_internal``) is replaced.

Safety of reuse:

* Before a connection is reused it is checked for a close from the server's side (an idle
  keep-alive timeout); a dropped connection is replaced *before* sending, so a request is
  never sent twice by this layer.
* Any error while sending or reading closes the connection and is raised unchanged, so
  slack_sdk's connection-error retry handler (and our job retries) decide what happens.
* HTTP errors are raised as ``urllib.error.HTTPError`` exactly like ``urlopen`` does, so a
  429 still carries its ``Retry-After`` header to the rate-limit handling.
* With a proxy configured, the stock urllib path is used.
"""

from __future__ import annotations

import http.client
import io
import logging
import select
import socket
import ssl
import threading
from http.client import RemoteDisconnected
from typing import TYPE_CHECKING, Any
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import Request

import httptools
from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

if TYPE_CHECKING:
    from bot.deps import Deps


def _dropped(conn: _Connection) -> bool:
    """True when the server closed (or sent garbage on) an idle connection."""
    sock = conn.sock
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)  # an idle HTTP connection has nothing to read unless it closed


class _Connection:
    """One HTTP/1.1 keep-alive connection, one request at a time, the response parsed by
    httptools (uvicorn's parser, also under the web front's ``loop_client``).

    ``http.client`` parses a response's headers with the ``email`` package: measured in a
    worker draining 22,000 posts (py-spy, GIL samples), its ``getresponse`` and request
    building were two thirds of the transport's CPU and about 12% of the worker's. The
    errors raised are those ``http.client`` raises (``RemoteDisconnected`` for a close
    before the answer, ``TimeoutError``, ``OSError``), which slack_sdk's retry handlers and
    our job retries know."""

    def __init__(self, scheme: str, host: str, port: int, timeout: float,
                 context: ssl.SSLContext | None) -> None:
        self.scheme, self.host, self.port = scheme, host, port
        self.timeout, self.context = timeout, context
        self.sock: socket.socket | None = None
        self.parser: httptools.HttpResponseParser | None = None
        self.headers: dict[str, str] = {}
        self.body: list[bytes] = []
        self.done = False
        self.keep = False

    def connect(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.scheme == "https":
            context = self.context or ssl.create_default_context()
            sock = context.wrap_socket(sock, server_hostname=self.host)
        self.sock = sock
        return sock

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1")] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        assert self.parser is not None  # (keep-alive is not known once the message ends)
        self.keep = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.done = True

    def exchange(self, raw: bytes) -> tuple[int, dict[str, str], bytes, bool]:
        """Send ``raw``, read the answer: (status, headers, body, keep the connection)."""
        sock = self.sock or self.connect()
        self.headers, self.body, self.done, self.keep = {}, [], False, False
        self.parser = parser = httptools.HttpResponseParser(self)
        sock.sendall(raw)
        while not self.done:
            data = sock.recv(65536)
            if not data:
                raise RemoteDisconnected("Remote end closed connection without response")
            try:
                parser.feed_data(data)
            except httptools.HttpParserError as exc:
                raise http.client.BadStatusLine(str(exc)) from exc
        return parser.get_status_code(), self.headers, b"".join(self.body), self.keep


def request_bytes(verb: str, target: str, netloc: str, headers: dict[str, str],
                  body: bytes) -> bytes:
    """An HTTP/1.1 request as it goes on the wire (keep-alive: no ``Connection``)."""
    head = [f"{verb} {target} HTTP/1.1", f"Host: {netloc}", f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in headers.items()
             if k.lower() not in ("host", "content-length", "connection")]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip('"')
    return "utf-8"


class KeepAliveWebClient(WebClient):
    """``WebClient`` with one persistent connection per (thread, scheme, host, port)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._local = threading.local()

    @classmethod
    def like(cls, client: WebClient, *, token: str | None = None) -> KeepAliveWebClient:
        """A keep-alive copy of ``client`` (same base URL, timeout, retry handlers, logger)."""
        return cls(token=token if token is not None else client.token,
                   base_url=client.base_url, timeout=client.timeout, ssl=client.ssl,
                   proxy=client.proxy, headers=dict(client.headers),
                   retry_handlers=list(client.retry_handlers), logger=client.logger)

    def _connection(self, scheme: str, host: str, port: int) -> _Connection:
        pool: dict[tuple[str, str, int], _Connection] | None = getattr(
            self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
        key = (scheme, host, port)
        conn = pool.get(key)
        if conn is not None and conn.sock is not None and _dropped(conn):
            conn.close()
        if conn is None:
            conn = pool[key] = _Connection(scheme, host, port, self.timeout, self.ssl)
        return conn

    def close(self) -> None:
        """Close this thread's connections (others close when their threads end)."""
        pool = getattr(self._local, "pool", None) or {}
        for conn in pool.values():
            conn.close()
        pool.clear()

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        parts = urlsplit(url)
        if self.proxy is not None or parts.scheme not in ("http", "https"):
            if not url.lower().startswith("http"):
                raise SlackRequestError(f"Invalid URL detected: {url}")
            return super()._perform_urllib_http_request_internal(url, req)
        host = parts.hostname or ""
        conn = self._connection(parts.scheme, host,
                                parts.port or (443 if parts.scheme == "https" else 80))
        body = req.data if isinstance(req.data, bytes) else b""
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        raw = request_bytes(req.get_method(), target, parts.netloc, dict(req.header_items()),
                            body)
        try:
            status, headers, data, keep = conn.exchange(raw)
        except BaseException:
            conn.close()
            raise
        if not keep:
            conn.close()
        if status >= 400:
            message = http.client.HTTPMessage()  # what urlopen's errors carry
            for key, value in headers.items():
                message[key] = value
            raise HTTPError(url, status, http.client.responses.get(status, ""), message,
                            io.BytesIO(data))
        ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        if ctype.split(";")[0].strip().lower() == "application/gzip":
            return {"status": status, "headers": headers, "body": data}
        return {"status": status, "headers": headers, "body": data.decode(_charset(ctype))}


# The logger every WebClient (and the client Bolt makes for each request) is given.
# slack_sdk decides whether to build its DEBUG messages -- the whole request, a modal's
# JSON included, and the whole response -- from ``logger.level``, the logger's *own*
# level, so a logger left at NOTSET (slack_sdk's default) has them formatted on every call
# only for logging to drop them: about as much CPU as sending the modal. Its level is set
# explicitly in ``make_client`` instead.
SDK_LOG = logging.getLogger("bot.slack_api")


def _pin_sdk_log_level() -> None:
    """Give SDK_LOG the level in effect for ``slack_sdk`` (never below INFO: at DEBUG the
    SDK logs request bodies; ``bot.cli.configure_logging`` keeps it at INFO too)."""
    level = max(logging.INFO, logging.getLogger("slack_sdk").getEffectiveLevel())
    if SDK_LOG.level != level:
        SDK_LOG.setLevel(level)


def make_client(token: str | None, deps: Deps, *, wait_on_rate_limit: bool = True
                ) -> WebClient:
    """A Web API client that retries 5xx and dropped connections, and (for request
    handling) waits out 429s. The scheduler's client does not wait: it defers only the
    rate-limited channel and carries on with the others."""
    _pin_sdk_log_level()
    client = WebClient(
        token=token,
        base_url=deps.settings.slack_api_url,
        timeout=int(deps.settings.slack_timeout_seconds),
        logger=SDK_LOG,
    )
    client.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=2))
    if wait_on_rate_limit:
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    if not any(isinstance(h, ConnectionErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(ConnectionErrorRetryHandler(max_retry_count=2))
    return client
