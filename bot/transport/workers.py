"""Serving the HTTP front: several worker processes (``serve``), one process (``run``), or
a thread (tests).

``serve`` runs gunicorn's arbiter with uvicorn workers (``uvicorn_worker.UvicornWorker``):
``WEB_CONCURRENCY`` processes (default: the CPU count), each an event loop (uvloop,
httptools) with its own Bolt app. gunicorn restarts a worker that dies or stops
heartbeating (``WEB_WORKER_TIMEOUT``), and its SIGTERM is the graceful stop we need, through
its public interface: the arbiter closes the listening socket first (new connections are
refused at once), then each worker stops accepting, finishes the requests it has (up to
``WEB_GRACEFUL_TIMEOUT``), lets the work after the ack finish (the ASGI lifespan shutdown,
``SlackAsgi.drain``) and exits; the arbiter exits 0.

The listening socket is bound here, before the workers start, and handed to gunicorn as
``fd://N``: ``PORT=0`` then works and the log can say which port it got.

``run`` (web and scheduler in one process, the embedded SQLite default) serves the same
ASGI app with ``uvicorn.Server`` in the main thread; ``ThreadedServer`` does the same in a
thread for the in-process test harness.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger as GunicornLogger
from uvicorn_worker import UvicornWorker

from bot.settings import Settings
from bot.transport.metrics import remove_at_exit
from bot.transport.protocol import deadline_protocol
from bot.transport.web import SLACK_PATH, SlackAsgi

log = logging.getLogger("bot")


def raise_open_files_limit() -> int:
    """Every connection is a file descriptor: take the hard limit (a soft 1024 would cap
    connections far below what the event loops can hold)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = max(soft, 65536)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft


REUSE_PORT = sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def bind(host: str, port: int, backlog: int, *, reuse_port: bool = False,
         listen: bool = True) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    if listen:
        sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def _closed_slow(phase: str) -> None:
    from bot.transport import metrics

    metrics.web().slow_client(phase)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """What each event loop runs with (``uvicorn.Config`` keyword arguments)."""
    return {
        "loop": "uvloop",
        "http": deadline_protocol(settings.web_header_timeout, settings.web_body_timeout,
                                  _closed_slow),
        "lifespan": "on",
        "access_log": False,  # the app writes its own line per request
        "log_config": None,
        "timeout_keep_alive": settings.web_keepalive,
        "timeout_graceful_shutdown": settings.web_graceful_timeout,
        # connections (and requests) one worker holds before answering 503: far above
        # anything Slack sends, bounded so a flood cannot exhaust file descriptors
        "limit_concurrency": settings.web_max_connections,
        "backlog": settings.web_backlog,
        "server_header": False,
    }


def listening(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"listening on http://{shown}:{port}{SLACK_PATH}" + (
        f" (all interfaces: {host})" if host != shown else "")


class _Logs(GunicornLogger):  # type: ignore[misc]
    """gunicorn's own lines go to the root logger (our format, text or JSON)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
            logger.propagate = True


class _Worker(UvicornWorker):  # type: ignore[misc]
    OPTIONS: dict[str, Any] = {}
    OWN_SOCKET: tuple[str, int, int] | None = None  # (host, port, backlog): see ``serve``
    sockets: list[Any]

    def init_process(self) -> None:
        if self.OWN_SOCKET is not None:
            host, port, backlog = self.OWN_SOCKET
            for inherited in self.sockets:  # the arbiter's placeholder: not served here
                inherited.close()
            self.sockets = [bind(host, port, backlog, reuse_port=True)]
        super().init_process()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, **self.OPTIONS}
        super().__init__(*args, **kwargs)
        logger = logging.getLogger("uvicorn.error")  # to the root logger, our format
        logger.handlers = []
        logger.propagate = True
        logger = logging.getLogger("uvicorn.access")  # off: the app logs each request
        logger.handlers = []
        logger.propagate = False


class _Arbiter(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any], factory: Callable[[], Any]) -> None:
        self._options = options
        self._factory = factory
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self) -> Any:
        return self._factory()


def serve(settings: Settings, factory: Callable[[], SlackAsgi],
          on_worker_exit: Callable[[int], None] | None = None) -> int:
    """``engagement-bot serve``: gunicorn with ``settings.web_concurrency`` uvicorn workers,
    each building its app with ``factory`` once it has forked. Blocks until SIGTERM/SIGINT
    (graceful) and returns the exit code."""
    raise_open_files_limit()
    workers = settings.web_concurrency or os.cpu_count() or 1
    attrs: dict[str, Any] = {"OPTIONS": uvicorn_options(settings)}
    if REUSE_PORT:
        # Each worker listens on a socket of its own (SO_REUSEPORT): the kernel spreads new
        # connections over them. On one shared socket, a uvloop worker woken by the first
        # connection of a burst accepts every one queued, and often all of them land in
        # one process (measured: 8 connections opened at once went 8/0 in 4 of 6 tries,
        # 32 went 32/0). This socket, bound but not listening, only holds the port (for
        # PORT=0 too); gunicorn's own listener is a placeholder nobody connects to.
        holder = bind(settings.host, settings.port, settings.web_backlog, reuse_port=True,
                      listen=False)
        port = holder.getsockname()[1]
        attrs["OWN_SOCKET"] = (settings.host, port, settings.web_backlog)
        placeholder = tempfile.mkdtemp(prefix="engagement-bot-")
        remove_at_exit(placeholder)
        bind_to = f"unix:{placeholder}/placeholder.sock"
    else:
        sock = bind(settings.host, settings.port, settings.web_backlog)
        port = sock.getsockname()[1]
        bind_to = f"fd://{sock.detach()}"  # gunicorn owns the socket from here on
    worker = type("Worker", (_Worker,), attrs)
    line = listening(settings.host, port)

    def when_ready(_arbiter: Any) -> None:
        if not REUSE_PORT:
            log.info("%s with %d worker processes", line, workers)

    def post_worker_init(child: Any) -> None:
        if REUSE_PORT:  # this worker's own socket is listening now
            log.info("%s (worker %d of %d)", line, child.age, workers)

    def child_exit(_arbiter: Any, child: Any) -> None:
        if on_worker_exit is not None:
            on_worker_exit(child.pid)

    options = {
        "bind": [bind_to],
        "workers": workers,
        "worker_class": worker,
        "logger_class": _Logs,
        "graceful_timeout": int(settings.web_graceful_timeout) + 5,  # the worker's own, then KILL
        "timeout": settings.web_worker_timeout,
        "keepalive": max(1, round(settings.web_keepalive)),
        "backlog": settings.web_backlog,
        "proc_name": "engagement-bot",
        "control_socket_disable": True,
        "when_ready": when_ready,
        "post_worker_init": post_worker_init,
        "child_exit": child_exit,
        "loglevel": settings.log_level.lower(),
        "errorlog": "-",
    }
    try:
        _Arbiter(options, factory).run()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def run_in_process(settings: Settings, front: SlackAsgi) -> None:
    """``engagement-bot run``: one event loop in the main thread. Blocks until SIGTERM or
    SIGINT, then stops gracefully (uvicorn's own signal handling)."""
    raise_open_files_limit()
    sock = bind(settings.host, settings.port, settings.web_backlog)
    log.info(listening(settings.host, sock.getsockname()[1]))
    options = uvicorn_options(settings)
    server = uvicorn.Server(uvicorn.Config(front, **options))
    server.run(sockets=[sock])


class ThreadedServer:
    """The same server in a thread of this process (tests, benchmarks): ``start()``,
    ``stop()``, ``port``, ``url``, like ``bot.transport.http.HttpServer``."""

    def __init__(self, front: SlackAsgi, *, host: str = "127.0.0.1", port: int = 0,
                 settings: Settings | None = None, **overrides: Any) -> None:
        self.front = front
        self._sock = bind(host, port, 2048)
        options = uvicorn_options(settings or Settings(_env_file=None))
        options.update(overrides)
        self._server = uvicorn.Server(uvicorn.Config(front, **options))
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        port: int = self._sock.getsockname()[1]
        return port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> ThreadedServer:
        self._thread = threading.Thread(target=self._run, name="http", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the HTTP server did not start")
            time.sleep(0.01)
        return self

    def _run(self) -> None:
        import uvloop

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(self._server.serve(sockets=[self._sock]))

    def stop(self, timeout: float = 10.0) -> None:
        """Graceful, as on SIGTERM: stop listening, finish the requests in flight and the
        work after their acks, then end the loop."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=timeout)
