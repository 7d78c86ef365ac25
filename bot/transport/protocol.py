"""uvicorn's httptools protocol with deadlines for slow clients.

uvicorn bounds how long a keep-alive connection may sit idle (``timeout_keep_alive``), but
it restarts that timer on every byte received and has no bound on how long a request's
headers or body may take (uvicorn issue #157), so a client sending one byte every second
holds its connection for ever. Here each connection gets a deadline:

* ``header_timeout`` seconds from the connection being accepted (or from the previous
  response having gone out, on a kept-alive connection) to the end of the next request's
  headers;
* ``body_timeout`` seconds from the end of the headers to the end of the body.

A connection that misses its deadline is closed; a request whose body was still arriving
sees ``http.disconnect`` and gets no answer. Nothing else changes: the class is given to
uvicorn as its ``http`` protocol (``Config(http=...)``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("bot.http")


class _OneWriteTransport:
    """The connection's transport, except that a response's status line and headers are
    held back until its body is written, and both go out in one ``write``: one system call
    and one segment instead of two (uvicorn writes them separately). Should no body follow
    in this turn of the loop, the headers go out on their own."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None
        self.hold_next = False

    def write(self, data: bytes) -> None:
        if self.hold_next:
            self.hold_next = False
            self._held = data
            self._loop.call_soon(self.flush)
            return
        if self._held is not None:
            data = self._held + data
            self._held = None
        self._transport.write(data)

    def flush(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            if not self._transport.is_closing():
                self._transport.write(held)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class DeadlineProtocol(HttpToolsProtocol):
    header_timeout: float = 5.0
    body_timeout: float = 10.0
    on_expired: Any = None  # called with "headers" or "body" when a deadline closes a connection

    _deadline: asyncio.TimerHandle | None = None

    def _arm(self, seconds: float, what: str) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expire, what)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self, what: str) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        log.info("closed a connection whose request %s did not arrive in time", what)
        if self.on_expired is not None:
            self.on_expired(what)
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._one_write = _OneWriteTransport(transport, self.loop)
        super().connection_made(self._one_write)  # type: ignore[arg-type]
        self._arm(self.header_timeout, "headers")

    def on_headers_complete(self) -> None:
        self._arm(self.body_timeout, "body")
        if not self.pipeline and (self.cycle is None or self.cycle.response_complete):
            self._one_write.hold_next = True  # this request's response starts next
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.pipeline and not self.transport.is_closing():  # idle until the next one
            self._arm(self.header_timeout, "headers")

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def deadline_protocol(header_timeout: float, body_timeout: float,
                      on_expired: Any = None) -> type[DeadlineProtocol]:
    """A ``DeadlineProtocol`` subclass with these deadlines (uvicorn makes the instances)."""
    return type("DeadlineProtocol", (DeadlineProtocol,),
                {"header_timeout": header_timeout, "body_timeout": body_timeout,
                 "on_expired": staticmethod(on_expired) if on_expired else None})
