"""What ``engagement-bot serve`` and ``run`` start over HTTP (``bot.cli`` calls these)."""

from __future__ import annotations

import gc
import logging
import signal
from typing import Any

from bot.settings import Settings

log = logging.getLogger("bot")


def serve_http(settings: Settings) -> int:
    """``serve``: the web side alone, in ``WEB_CONCURRENCY`` worker processes. Each worker
    builds its own deps and Bolt app after the fork (no database connection or client is
    shared across processes)."""
    from bot.transport import metrics

    metrics.use_multiprocess_dir()  # before anything imports prometheus_client

    def factory() -> Any:
        from bot.app import create_app
        from bot.deps import build_deps
        from bot.transport import errors_report
        from bot.transport.web import make_front

        errors_report.init(settings)
        deps = build_deps(settings)
        front = make_front(create_app(deps), deps)
        # what start-up allocated lives as long as the worker: keep it out of the cyclic
        # collector's full passes, which stall the event loop for tens of milliseconds
        gc.freeze()
        return front

    from bot.transport.workers import serve

    return serve(settings, factory, on_worker_exit=metrics.worker_exited)


def run_http(settings: Settings, app: Any, deps: Any) -> None:
    """``run``: the same front in this process (its scheduler runs beside it). Returns
    after SIGTERM/SIGINT once requests in flight and the work after their acks are done."""
    from bot.transport import errors_report
    from bot.transport.web import make_front
    from bot.transport.workers import run_in_process

    errors_report.init(settings)
    front = make_front(app, deps)
    # uvicorn handles the signal, shuts down gracefully, then raises it again for the
    # handler it found: that one only notes it, so the caller goes on to stop the rest
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: log.info("signal %s: stopped", signum))
    gc.freeze()
    run_in_process(settings, front)
