"""Wiring shared by every surface: what a listener needs (``deps_of``), and work that runs
right after the ack, on Bolt's listener thread pool (``after_ack``).

Bolt's lazy listeners do this too, at a price paid on the request thread before the ack
goes out: each gets a deep copy of the whole request (client and context included) and has
its arguments re-injected by introspection. For a modal step or a button that is most of
the CPU a request costs. Here the work is handed only what it reads (``deps``, ``body``,
and any of ``action``, ``event``, ``view``, ``context``) and a client for the request's bot
token, on the same pool (``app.listener_runner.listener_executor``), so a graceful shutdown
still lets it finish; it runs ``guarded``, so a failure is told to the person
(``bot.listeners.errors``).

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

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.db import queue
from bot.deps import Deps
from bot.listeners.errors import guarded
from bot.transport.client import KeepAliveWebClient

MAX_CLIENTS = 256  # bot tokens with a client kept (one per workspace in OAuth mode)
PASSED = ("action", "event", "view", "context")  # besides deps, body and client, when asked


def keepalive_clients(base: WebClient) -> Callable[[str | None], WebClient]:
    """A keep-alive client per bot token, configured like ``base`` (the app's client)."""

    @functools.lru_cache(maxsize=MAX_CLIENTS)
    def for_token(token: str | None) -> WebClient:
        return KeepAliveWebClient.like(base, token=token)

    return for_token


class Later:
    """Runs work after the ack on Bolt's listener pool. One per app, in every request's
    context (``context["later"]``, set by the app factory)."""

    def __init__(self, app: App) -> None:
        self._executor = app.listener_runner.listener_executor
        self.client_for = keepalive_clients(app.client)

    def run(self, work: Callable[..., Any], *, client: WebClient, **kwargs: Any) -> None:
        """Run ``work`` (already ``guarded``) with ``kwargs`` and a keep-alive client."""
        self._executor.submit(work, client=self.client_for(client.token), **kwargs)

    def submit(self, fn: Callable[[], Any]) -> None:
        self._executor.submit(fn)

    def run_async(self, work: Callable[..., Awaitable[Any]], *, client: WebClient,
                  **kwargs: Any) -> bool:
        """Run the coroutine function ``work`` on the web front's event loop once the ack is
        out (``bot.transport.aio``), with an async client for the same token. False when
        this request did not come through that front: run the synchronous work instead."""
        from bot.transport import aio

        return aio.defer(work, client=client, **kwargs)


def deps_of(context: BoltContext) -> Deps:
    deps = context.get("deps")
    assert isinstance(deps, Deps), "the app factory puts deps in every request's context"
    return deps


def later_of(context: BoltContext) -> Later:
    later = context.get("later")
    assert isinstance(later, Later), "the app factory puts Later in every request's context"
    return later


def run_after_ack(context: BoltContext, work: Callable[..., Any], *, client: WebClient,
                  **kwargs: Any) -> None:
    """Run ``work`` (a module-level function taking ``deps`` and the given keywords) after
    the ack, guarded."""
    later_of(context).run(guarded(work), client=client, deps=deps_of(context), **kwargs)


def first_click(deps: Deps, body: dict[str, Any]) -> bool:
    """False for a button click seen before: the same request replayed (same signed bytes,
    so the same ``action_ts``). A second, real click has its own ``action_ts``; what it
    would change twice is guarded where it changes it (e.g. a snooze)."""
    if body.get("type") != "block_actions":
        return True
    actions = body.get("actions") or [{}]
    team = (body.get("team") or {}).get("id") or ""
    key = (f"click:{team}:{(body.get('user') or {}).get('id')}:"
           f"{actions[0].get('action_id')}:{actions[0].get('action_ts')}")
    with deps.sessions.begin() as session:
        return queue.remember_once(session, key[:200], str(team), now=deps.clock())


def after_ack(work: Callable[..., Any], *, remember: bool = True) -> Callable[..., None]:
    """A Bolt listener that acks, then runs ``work`` after the ack. ``work`` is a
    module-level function taking ``deps``, ``body`` and ``client``, and any of ``action``,
    ``event``, ``view``, ``context``. ``remember=False``: the click is not recorded
    (``first_click``), for work that is idempotent by itself and whose click must leave
    no trace (a health-check rating: the key would name who chose which colour)."""
    wanted = [name for name in PASSED if name in inspect.signature(work).parameters]

    def once(*, deps: Deps, body: dict[str, Any], **kwargs: Any) -> Any:
        if remember and not first_click(deps, body):
            return None  # the same signed click again (a replay): it had its effect
        return work(deps=deps, body=body, **kwargs)

    once.__name__ = getattr(work, "__name__", "after_ack")
    safe = guarded(once)

    def listener(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext,
                 **given: Any) -> None:
        ack()
        given["context"] = context
        later_of(context).run(safe, client=client, deps=deps_of(context), body=body,
                              **{name: given.get(name) for name in wanted})

    # Bolt injects arguments by parameter name: declare exactly those needed
    params = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD)
              for name in dict.fromkeys(("ack", "body", "client", "context", *wanted))]
    listener.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    listener.__name__ = getattr(work, "__name__", "after_ack")
    return listener
