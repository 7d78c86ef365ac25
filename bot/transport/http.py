"""The HTTP side: a WSGI app around Bolt, served by waitress (a production WSGI server).

Routes: ``POST /slack/events`` (commands, interactivity, events), ``GET /healthz``
(liveness), ``GET /readyz`` (database reachable), and the OAuth install routes when
OAuth is configured.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from waitress import wasyncore
from waitress.channel import HTTPChannel

from bot.transport.request import BoltRequestHandler, SlackRequestHandler

log = logging.getLogger("bot.http")

MAX_BODY_BYTES = 1_000_000  # Slack payloads are small; anything larger is refused with 413.

StartResponse = Callable[..., Any]


class WsgiApp:
    def __init__(self, app: App, ready_check: Callable[[], bool] | None = None, *,
                 handler: type[SlackRequestHandler] = BoltRequestHandler) -> None:
        self._bolt = handler(app, path="/slack/events")
        self._ready_check = ready_check
        # an app that logs each request it dispatches (LoggedApp) needs no second line here
        self._app_logs = bool(getattr(app, "logs_requests", False))

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        status_holder: list[str] = []
        logged = False

        def _start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status_holder.append(status)
            return start_response(status, headers, exc_info) if exc_info else start_response(
                status, headers
            )

        try:
            if path == "/healthz":
                return _json(_start, "200 OK", {"ok": True})
            if path == "/readyz":
                ok = self._ready_check() if self._ready_check else True
                return _json(_start, "200 OK" if ok else "503 Service Unavailable", {"ok": ok})
            length = int(environ.get("CONTENT_LENGTH") or 0)
            if length > MAX_BODY_BYTES:
                return _json(_start, "413 Payload Too Large", {"ok": False,
                                                              "error": "body too large"})
            try:
                response = self._bolt(environ, _start)
                # Bolt's dispatch logged this one (bot.requests: kind, team, user, what,
                # status, latency); a second line per Slack request would only cost time
                logged = self._app_logs and path == "/slack/events" and method == "POST"
                return response
            except (ValueError, AttributeError, TypeError, KeyError):
                # a body Bolt cannot make sense of (malformed JSON, a list for a payload)
                log.warning("refused a request whose body does not parse")
                return _json(_start, "400 Bad Request", {"ok": False, "error": "bad request"})
        finally:
            if not logged:
                log.info(
                    "http %s %s %s %.1fms",
                    method,
                    path,
                    (status_holder[0].split(" ", 1)[0] if status_holder else "-"),
                    (time.perf_counter() - started) * 1000,
                )


def _json(start_response: StartResponse, status: str, payload: dict[str, Any]) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(body)))])
    return [body]


class HttpServer:
    """waitress in a thread you can start and stop (tests, ``run``) or block on (``serve``)."""

    def __init__(self, wsgi: WsgiApp, *, host: str, port: int, threads: int) -> None:
        from waitress.server import create_server

        self._server = create_server(
            wsgi,
            host=host,
            port=port,
            threads=threads,
            ident="engagement-bot",
            max_request_body_size=MAX_BODY_BYTES,
            clear_untrusted_proxy_headers=True,
            channel_timeout=30,
        )
        self._thread: threading.Thread | None = None
        self._stopping = False

    @property
    def port(self) -> int:
        port: int = self._server.effective_port  # type: ignore[union-attr]
        return port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve_forever(self) -> None:
        self._server.run()

    def _run(self) -> None:
        try:
            self._server.run()
        except OSError:
            if not self._stopping:  # closing the socket under the loop ends it this way
                raise

    def start(self) -> HttpServer:
        self._thread = threading.Thread(target=self._run, name="http", daemon=True)
        self._thread.start()
        return self

    def _in_loop(self, fn: Callable[[], None], timeout: float) -> None:
        """Run ``fn`` in the server's own loop thread (waitress's sockets are not
        thread-safe), or here when that loop is not running."""
        if self._thread is None or not self._thread.is_alive():
            fn()
            return
        ran = threading.Event()

        def thunk() -> None:
            try:
                fn()
            finally:
                ran.set()

        self._server.trigger.pull_trigger(thunk)  # type: ignore[union-attr]
        ran.wait(timeout)

    def _stop_listening(self) -> None:
        # the listening socket only: the loop keeps serving the connections it has
        wasyncore.dispatcher.close(self._server)  # type: ignore[arg-type]

    def _busy(self) -> int:
        """Connections with a request being received, queued, handled, or a response not
        yet sent in full."""
        server: Any = self._server
        channels = [c for c in list(server._map.values()) if isinstance(c, HTTPChannel)]
        return sum(1 for c in channels if c.connected and (
            c.requests or c.request is not None or c.total_outbufs_len))

    def _close_all(self) -> None:
        server: Any = self._server
        for channel in list(server._map.values()):
            channel.close()  # idle keep-alive connections and the trigger; the loop ends

    def stop(self, timeout: float = 10.0) -> None:
        """Graceful: stop listening at once (new connections are refused), let requests
        already received finish and their responses go out (up to ``timeout`` seconds),
        then close the remaining connections and end the loop."""
        self._stopping = True
        deadline = time.monotonic() + timeout
        self._in_loop(self._stop_listening, timeout)
        if busy := self._busy():
            log.info("stopped listening; finishing %d request(s) in flight", busy)
        while (busy := self._busy()) and time.monotonic() < deadline:
            time.sleep(0.02)
        if busy:
            log.warning("stopping with %d request(s) unfinished after %.0fs", busy, timeout)
        else:
            log.info("no requests in flight; closing")
        # types-waitress says int; waitress only adds the timeout to time.time()
        self._server.task_dispatcher.shutdown(
            cancel_pending=True, timeout=max(deadline - time.monotonic(), 0.1))  # type: ignore[arg-type]
        self._in_loop(self._close_all, 1.0)
        if self._thread:
            self._thread.join(timeout=max(deadline - time.monotonic(), 1.0))
