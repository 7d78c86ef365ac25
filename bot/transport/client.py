"""A slack_sdk ``WebClient`` that keeps its HTTP connections open.

slack_sdk's ``WebClient`` sends every call through ``urllib.request.urlopen``: a new TCP
(and TLS) connection per call. A worker fanning out thousands of check-ins pays a handshake
for each one. This client keeps one persistent HTTP/1.1 connection per thread and host and
reuses it; everything else (argument handling, retry handlers for 429/5xx/connection errors,
``SlackApiError``) is slack_sdk's own code, because only the lowest transport step
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
import threading
from typing import TYPE_CHECKING, Any
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

if TYPE_CHECKING:
    from bot.deps import Deps


def _dropped(conn: http.client.HTTPConnection) -> bool:
    """True when the server closed (or sent garbage on) an idle connection."""
    sock = conn.sock
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)  # an idle HTTP connection has nothing to read unless it closed


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

    def _connection(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        pool: dict[tuple[str, str], http.client.HTTPConnection] | None = getattr(
            self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
        key = (scheme, netloc)
        conn = pool.get(key)
        if conn is not None and conn.sock is not None and _dropped(conn):
            conn.close()
        if conn is None:
            if scheme == "https":
                conn = http.client.HTTPSConnection(netloc, timeout=self.timeout,
                                                   context=self.ssl)
            else:
                conn = http.client.HTTPConnection(netloc, timeout=self.timeout)
            pool[key] = conn
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
        conn = self._connection(parts.scheme, parts.netloc)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = dict(req.header_items())
        headers.setdefault("Host", parts.netloc)
        try:
            conn.request(req.get_method(), path, body=req.data, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
        except BaseException:
            conn.close()
            raise
        if resp.will_close:
            conn.close()
        if resp.status >= 400:
            raise HTTPError(url, resp.status, resp.reason, resp.headers, io.BytesIO(body))
        if resp.headers.get_content_type() == "application/gzip":
            return {"status": resp.status, "headers": resp.headers, "body": body}
        charset = resp.headers.get_content_charset() or "utf-8"
        return {"status": resp.status, "headers": resp.headers, "body": body.decode(charset)}


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
