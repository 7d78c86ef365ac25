"""The scheduler worker's Prometheus metrics (served on ``ENGAGEMENT_METRICS_PORT``).

What an operator asks of a worker: is it keeping up (the backlog and its age), what
becomes of the jobs (done, deferred, retried, failed), how long they take and how late
they start, what Slack answers (every call by method and outcome, 429s included), and how
the work is shared (shards owned, workers alive). Names start with ``engagement_``:

* ``engagement_jobs_total{kind,result}``: jobs finished a run: ``done``, ``deferred`` (to
  a later turn, the attempt not counted: paced, busy, rate limited), ``retry`` (a counted
  failed attempt, to be tried again), ``failed`` (given up or refused for good);
* ``engagement_job_seconds{kind}``: a handler's run time, a histogram;
* ``engagement_job_lateness_seconds{kind}``: from a job's due time to its start;
* ``engagement_slack_calls_total{method,outcome}``: the worker's Web API calls: ``ok``,
  ``ratelimited`` (Slack's 429), ``busy`` (held back here to keep to the method's tier,
  never sent), ``error`` (any other Slack error), ``unreachable`` (no answer);
* ``engagement_scheduler_shards_owned`` and ``engagement_scheduler_members``: this
  worker's share of the ``bot.db.shards.SHARDS`` shards and how many workers share them;
* ``engagement_jobs_due{kind}`` and ``engagement_jobs_due_oldest_seconds{kind}``: pending
  jobs already due, in every shard, and how long the oldest has waited, read from the
  database when scraped (the database is what says what is due).

The counters are updated whether or not anything scrapes them (a lock and an add each);
the backlog is read only on a scrape, and only where ``serve_metrics`` registered it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)

SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
LATE = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 21600.0)
MAX_METHODS = 200  # method names come from our own calls; bound them all the same


class SchedulerMetrics:
    def __init__(self) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        self.jobs = Counter("engagement_jobs", "Scheduler jobs by kind and what became of "
                            "the run", ["kind", "result"])
        self.run = Histogram("engagement_job_seconds", "A job handler's run time", ["kind"],
                             buckets=SECONDS)
        self.late = Histogram("engagement_job_lateness_seconds", "From a job's due time to "
                              "its start", ["kind"], buckets=LATE)
        self.calls = Counter("engagement_slack_calls", "The scheduler's Slack Web API calls "
                             "by method and outcome", ["method", "outcome"])
        self.owned = Gauge("engagement_scheduler_shards_owned", "Shards this worker owns",
                           multiprocess_mode="livesum")
        self.members = Gauge("engagement_scheduler_members", "Scheduler workers alive",
                             multiprocess_mode="livemax")
        self._methods: set[str] = set()
        self._lock = threading.Lock()

    def finished(self, kind: str, result: str) -> None:
        self.jobs.labels(kind, result).inc()

    def timed(self, kind: str, lateness: float, seconds: float) -> None:
        self.late.labels(kind).observe(max(lateness, 0.0))
        self.run.labels(kind).observe(seconds)

    def slack_call(self, method: str, outcome: str) -> None:
        with self._lock:
            if method not in self._methods:
                if len(self._methods) >= MAX_METHODS:
                    method = "other"
                else:
                    self._methods.add(method)
        self.calls.labels(method, outcome).inc()

    def shards(self, owned: int, members: int) -> None:
        self.owned.set(owned)
        self.members.set(members)


_metrics: SchedulerMetrics | None = None
_metrics_lock = threading.Lock()


def scheduler() -> SchedulerMetrics:
    """This process's scheduler metrics (declared once: prometheus_client refuses
    duplicates)."""
    global _metrics
    with _metrics_lock:
        if _metrics is None:
            _metrics = SchedulerMetrics()
        return _metrics


class BacklogCollector:
    """``engagement_jobs_due`` and ``engagement_jobs_due_oldest_seconds``, read from the
    database on each scrape (``read`` returns ``bot.db.queue.backlog``'s rows)."""

    def __init__(self, read: Callable[[datetime], list[tuple[str, int, datetime]]],
                 clock: Callable[[], datetime]) -> None:
        self.read = read
        self.clock = clock

    def describe(self) -> list[Any]:
        return []  # (collected on scrape only: nothing to check at registration)

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        due = GaugeMetricFamily("engagement_jobs_due", "Pending jobs already due (every "
                                "shard)", labels=["kind"])
        oldest = GaugeMetricFamily("engagement_jobs_due_oldest_seconds", "How long the "
                                   "oldest pending job has been due", labels=["kind"])
        now = self.clock()
        try:
            rows = self.read(now)
        except Exception:  # a scrape must not fail for a database that is away a moment
            log.warning("metrics: the backlog could not be read", exc_info=True)
            rows = []
        for kind, count, earliest in rows:
            due.add_metric([kind], count)
            oldest.add_metric([kind], max((now - earliest).total_seconds(), 0.0))
        yield due
        yield oldest
