"""Work after the ack as coroutines on the web worker's event loop.

The hot path of the app is a slash command whose ack goes out at once and whose
``views.open`` must reach Slack within the 3 seconds a ``trigger_id`` lives. Run on a
thread pool (``bot.listeners.after_ack``), that call competes with the event loop thread
for the GIL: a thread woken by its socket waits up to the interpreter's switch interval
(5 ms) while the loop parses and dispatches the next requests, several times per call.
Here it runs on the loop itself, after the response has been written, with slack_sdk's
``AsyncWebClient`` over keep-alive connections that write the request at once
(``bot.transport.loop_client``): no thread hop, no GIL hand-off, no new TCP (and TLS)
connection per call.

How a listener uses it: ``AfterAck.run_async(work, ...)`` (``bot.listeners.after_ack``)
hands a coroutine function to ``defer``. While the web front dispatches a request it
collects those (``collecting``) and starts them once its response is out (``start``);
anywhere else (Socket Mode, tests calling Bolt directly) ``defer`` says no and the
listener runs its work on the thread pool as before. A failure is told to the user the
same way ``bot.errors.guarded`` does, from the thread pool (telling is itself a Slack
call made with the synchronous client).

Same base URL, timeout, retry handlers (their async twins, same counts) and logger as the
app's client.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from concurrent.futures import Executor
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.transport.loop_client import LoopWebClient, _Pool

log = logging.getLogger(__name__)

Work = Callable[..., Awaitable[Any]]
Deferred = tuple[Work, WebClient, dict[str, Any]]

_collected: contextvars.ContextVar[list[Deferred] | None] = contextvars.ContextVar(
    "after_response", default=None)

ASYNC_TWIN: dict[type, type[AsyncRetryHandler]] = {
    ConnectionErrorRetryHandler: AsyncConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler: AsyncRateLimitErrorRetryHandler,
    ServerErrorRetryHandler: AsyncServerErrorRetryHandler,
}
MAX_CLIENTS = 256  # bot tokens with a client kept (one per workspace in OAuth mode)


def async_retry_handlers(client: WebClient) -> list[AsyncRetryHandler]:
    """The async twins of ``client``'s retry handlers, with the same retry counts."""
    handlers: list[AsyncRetryHandler] = []
    for handler in client.retry_handlers:
        twin = ASYNC_TWIN.get(type(handler))
        if twin is not None:
            handlers.append(twin(max_retry_count=handler.max_retry_count))
    return handlers


def defer(work: Work, *, client: WebClient, **kwargs: Any) -> bool:
    """Run ``work(client=<async client>, **kwargs)`` on the loop once the response to the
    request being dispatched is out. False when no web front is collecting (the caller then
    runs its synchronous work instead)."""
    pending = _collected.get()
    if pending is None:
        return False
    pending.append((work, client, kwargs))
    return True


@contextlib.contextmanager
def collecting() -> Iterator[list[Deferred]]:
    """While dispatching one request: gather what its listeners defer."""
    pending: list[Deferred] = []
    token = _collected.set(pending)
    try:
        yield pending
    finally:
        _collected.reset(token)


class _Resume:
    """Awaiting this waits for ``future`` without taking its result (the coroutine that
    first awaited it takes that when resumed)."""

    def __init__(self, future: Any) -> None:
        self.future = future

    def __await__(self) -> Any:
        if self.future is not None and not self.future.done():
            self.future._asyncio_future_blocking = True
            yield self.future
        elif self.future is None:
            yield  # a bare yield (asyncio.sleep(0)): give the loop one turn


def start_eagerly(coro: Coroutine[Any, Any, None]) -> asyncio.Task[None] | None:
    """Run ``coro`` now up to its first suspension, then as a task (what Python 3.12's
    eager tasks do). None when it finished without waiting."""
    try:
        first = coro.send(None)
    except StopIteration:
        return None

    async def rest(waiting: Any) -> None:
        while True:
            try:
                await _Resume(waiting)
            except BaseException as exc:  # cancelled: pass it into the coroutine
                try:
                    waiting = coro.throw(exc)
                except StopIteration:
                    return
                continue
            try:
                waiting = coro.send(None)
            except StopIteration:
                return

    return asyncio.get_running_loop().create_task(rest(first))


class LoopWork:
    """The after-ack coroutines of one event loop, their clients and their session."""

    def __init__(self, base: WebClient, executor: Executor) -> None:
        self._base = base
        self._executor = executor  # where failures are told to the user
        self._pool = _Pool()
        self._clients: dict[str | None, AsyncWebClient] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def open(self) -> None:
        self._pool = _Pool()

    def client_for(self, token: str | None) -> AsyncWebClient:
        client = self._clients.get(token)
        if client is None:
            if len(self._clients) >= MAX_CLIENTS:
                self._clients.clear()
            base = self._base
            client = LoopWebClient(token=token, base_url=base.base_url, timeout=base.timeout,
                                   ssl=base.ssl, proxy=base.proxy, pool=self._pool,
                                   headers=dict(base.headers), logger=base.logger,
                                   retry_handlers=async_retry_handlers(base))
            self._clients[token] = client
        return client

    def start(self, pending: list[Deferred]) -> list[asyncio.Task[None]]:
        """Start the deferred work of a request whose response has been sent: each runs
        here, at once, up to its first wait (for ``views.open``: the view is built and the
        request written), and goes on as a task from there. A task's first step would
        otherwise wait behind every request the loop has ready."""
        started = []
        for work, client, kwargs in pending:
            task = start_eagerly(self._run(work, client, kwargs))
            if task is not None:
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                started.append(task)
        return started

    async def _run(self, work: Work, client: WebClient, kwargs: dict[str, Any]) -> None:
        try:
            await work(client=self.client_for(client.token), **kwargs)
        except Exception as exc:  # told to the person, through the one error path
            from bot.listeners.errors import report

            body = kwargs.get("body") or {}
            self._executor.submit(report, exc, body, client, kwargs.get("deps"))

    @property
    def busy(self) -> int:
        return len(self._tasks)

    async def close(self, timeout: float) -> None:
        """Let the work already started finish (up to ``timeout`` seconds), then close."""
        if self._tasks:
            log.info("finishing %d piece(s) of work after the ack", len(self._tasks))
            _, late = await asyncio.wait(set(self._tasks), timeout=timeout)
            for task in late:
                task.cancel()
            if late:
                log.warning("cancelled %d piece(s) of work after the ack at shutdown", len(late))
        self._pool.close()
