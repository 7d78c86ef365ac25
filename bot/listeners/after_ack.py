"""Work that runs right after the ack, on Bolt's listener thread pool.

Bolt's lazy listeners do this too, at a price paid on the request thread before the ack
goes out: each gets a deep copy of the whole request (client and context included) and has
its arguments re-injected by introspection. For a modal step or a button that is most of
the CPU a request costs. Here the work is handed only what it reads (``body``, ``action``
or ``event``, ``view``, ``context``) and a client for the request's bot token, on the same
pool (``app.listener_runner.listener_executor``), so a graceful shutdown still lets it
finish; it runs ``guarded``, so a failure is told to the user.

The client keeps its connection to Slack open (``KeepAliveWebClient``, one connection per
pool thread, one client per bot token): a ``views.open`` that has to land within the 3
seconds of a trigger_id does not pay a new TCP and TLS handshake each time. Same base URL,
timeout, retry handlers and logger as the app's client.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.errors import guarded
from bot.slack_client import KeepAliveWebClient

MAX_CLIENTS = 256  # bot tokens with a client kept (one per workspace in OAuth mode)
PASSED = ("action", "event", "view", "context")  # besides body and client, when asked for


def keepalive_clients(base: WebClient) -> Callable[[str | None], WebClient]:
    """A keep-alive client per bot token, configured like ``base`` (the app's client)."""

    @functools.lru_cache(maxsize=MAX_CLIENTS)
    def for_token(token: str | None) -> WebClient:
        return KeepAliveWebClient.like(base, token=token)

    return for_token


class AfterAck:
    def __init__(self, app: App) -> None:
        self._executor = app.listener_runner.listener_executor
        self.client_for = keepalive_clients(app.client)

    def run(self, work: Callable[..., Any], *, client: WebClient, **kwargs: Any) -> None:
        """Run ``work`` (already ``guarded``) with ``kwargs`` and a keep-alive client."""
        self._executor.submit(work, client=self.client_for(client.token), **kwargs)

    def run_async(self, work: Callable[..., Awaitable[Any]], *, client: WebClient,
                  **kwargs: Any) -> bool:
        """Run the coroutine function ``work`` on the web front's event loop once the ack is
        out (``bot.transport.aio``), with an async client for the same token. False when
        this request did not come through that front: run the synchronous work instead."""
        from bot.transport import aio

        return aio.defer(work, client=client, **kwargs)

    def listener(self, work: Callable[..., Any]) -> Callable[..., None]:
        """A Bolt listener that acks, then runs ``work`` after the ack. ``work`` takes
        ``body`` and ``client``, and any of ``action``, ``event``, ``view``, ``context``."""
        wanted = [name for name in PASSED if name in inspect.signature(work).parameters]
        safe = guarded(work)

        def listener(ack: Ack, body: dict[str, Any], client: WebClient,
                     **given: Any) -> None:
            ack()
            self.run(safe, client=client, body=body,
                     **{name: given.get(name) for name in wanted})

        # Bolt injects arguments by parameter name: declare exactly those needed
        params = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                  for name in ("ack", "body", "client", *wanted)]
        listener.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        listener.__name__ = getattr(work, "__name__", "after_ack")
        return listener
