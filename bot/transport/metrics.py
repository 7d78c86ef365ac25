"""Prometheus metrics, right with several worker processes.

Each web worker counts in its own process; a scrape of ``/metrics`` on any of them has to
see them all. prometheus_client's multiprocess mode does that: every process writes its
values to memory-mapped files in one directory (``PROMETHEUS_MULTIPROC_DIR``) and a scrape
adds them up. The directory must be set before prometheus_client is first imported (its
value class is chosen then), so the process that starts the workers calls
``use_multiprocess_dir()`` first thing; a worker that exits is marked dead
(``worker_exited``) so its live gauges drop out. A single process (``run``, tests, a
scheduler worker) needs none of it: without the variable the default registry is used.

The scheduler worker exposes its own metrics the same way on a port of its own
(``ENGAGEMENT_METRICS_PORT``): ``serve_metrics(port)`` starts the small HTTP server, and
job metrics are declared with prometheus_client as usual (``Counter``, ``Histogram``;
a ``Gauge`` needs ``multiprocess_mode`` when several processes set it, e.g. "livemax").

Web metrics (names start with ``engagement_``):

* ``engagement_slack_requests_total{kind,status}``: Slack requests by kind (command,
  block_actions, view_submission, event_callback, ..., or why the front refused one:
  unverified, unparsed, too_large) and HTTP status;
* ``engagement_slack_ack_seconds{kind}``: from the request reaching Bolt (or the front) to
  the ack response, a histogram;
* ``engagement_http_closed_slow_total{phase}``: connections closed because their headers
  or body did not arrive in time.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from typing import Any

ENV = "PROMETHEUS_MULTIPROC_DIR"
ACK_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 5.0)


def use_multiprocess_dir() -> str:
    """Make the directory every process of this server writes its values to (or empty the
    one ``PROMETHEUS_MULTIPROC_DIR`` names); call before anything imports
    prometheus_client. Removed at exit when made here."""
    path = os.environ.get(ENV)
    if path:  # given: emptied of an earlier run's values (they would be added in)
        os.makedirs(path, exist_ok=True)
        for name in os.listdir(path):
            if name.endswith(".db"):
                os.remove(os.path.join(path, name))
        return path
    path = tempfile.mkdtemp(prefix="engagement-metrics-")
    os.environ[ENV] = path
    remove_at_exit(path)
    return path


def remove_at_exit(path: str) -> None:
    """Remove ``path`` when this process exits, not when a child forked from it does (a
    gunicorn worker leaves through ``sys.exit``, which runs the handlers it inherited)."""
    owner = os.getpid()

    def remove() -> None:
        if os.getpid() == owner:
            shutil.rmtree(path, ignore_errors=True)

    atexit.register(remove)


def worker_exited(pid: int) -> None:
    if os.environ.get(ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def registry() -> Any:
    """What a scrape reads: every process's values in multiprocess mode, else this one's."""
    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess

    if not os.environ.get(ENV):
        return REGISTRY
    collected = CollectorRegistry()
    multiprocess.MultiProcessCollector(collected)  # type: ignore[no-untyped-call]
    return collected


def render() -> tuple[bytes, str]:
    """The text exposition format and its content type (for ``GET /metrics``)."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return generate_latest(registry()), CONTENT_TYPE_LATEST


def serve_metrics(port: int, addr: str = "0.0.0.0") -> Any:
    """A small HTTP server for ``/metrics`` in a thread (the scheduler worker's port)."""
    from prometheus_client import start_http_server

    server, _thread = start_http_server(port, addr=addr, registry=registry())
    return server


class WebMetrics:
    """The web front's metrics, observed from the request line's fields."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Histogram

        self.requests = Counter("engagement_slack_requests", "Slack requests by kind and "
                                "HTTP status", ["kind", "status"])
        self.ack = Histogram("engagement_slack_ack_seconds", "From a Slack request reaching "
                             "the app to its ack response", ["kind"], buckets=ACK_BUCKETS)
        self.closed_slow = Counter("engagement_http_closed_slow", "Connections closed because "
                                   "a request's headers or body came too slowly", ["phase"])
        self._children: dict[tuple[str, str], tuple[Any, Any]] = {}

    def observe(self, fields: dict[str, Any]) -> None:
        kind = str(fields.get("kind"))
        status = str(fields.get("status"))
        children = self._children.get((kind, status))
        if children is None:
            if len(self._children) > 1000:  # kinds come from request bodies: bound them
                kind = "other"
            children = (self.requests.labels(kind, status), self.ack.labels(kind))
            self._children[(kind, status)] = children
        children[0].inc()
        ms = fields.get("ms")
        if isinstance(ms, int | float):
            children[1].observe(ms / 1000)

    def slow_client(self, phase: str) -> None:
        self.closed_slow.labels(phase).inc()


_web: WebMetrics | None = None


def web() -> WebMetrics:
    """This process's web metrics (declared once: prometheus_client refuses duplicates)."""
    global _web
    if _web is None:
        _web = WebMetrics()
    return _web
