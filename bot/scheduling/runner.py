"""The clock and the dispatcher of due work.

The database is the source of truth for what is due (``bot.db.queue``); APScheduler only
drives the clock: one interval job, coalesced, never two at once. Each tick claims due jobs
atomically (so two workers never take the same one), hands them to a small thread pool, and
marks each done, retried later, or failed. Jobs whose claim died with a crashed worker come
back when their lease runs out. Slack's per-channel rate limit is honoured per channel: a
429 in one channel defers that channel's jobs without stalling the others.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.db import queue
from bot.deps import Deps
from bot.scheduling.handlers import HANDLERS, Deferred, Handler, JobContext, PermanentFailure
from bot.services.slack_io import WorkspaceGone, slack_error

log = logging.getLogger(__name__)

BATCH = 200
RETRY_BACKOFF = (timedelta(seconds=5), timedelta(seconds=30), timedelta(minutes=2),
                 timedelta(minutes=10), timedelta(hours=1))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class SchedulerRunner:
    def __init__(
        self,
        deps: Deps,
        client: WebClient,
        *,
        worker_id: str | None = None,
        handlers: dict[str, Handler] | None = None,
        threads: int = 8,
        lease: timedelta | None = None,
    ) -> None:
        self.deps = deps
        self.client = client
        self.worker_id = worker_id or worker_name()
        self.handlers = handlers if handlers is not None else HANDLERS
        self.lease = lease or deps.settings.job_lease
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="job")
        self._scheduler: BackgroundScheduler | None = None
        self._lock = threading.Lock()
        # channel -> when Slack lets us post there again (from Retry-After)
        self._channel_blocked_until: dict[str, datetime] = {}

    # ------------------------------------------------------------------ clock
    def start(self) -> None:
        self._scheduler = BackgroundScheduler(timezone=UTC)
        self._scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.deps.settings.scheduler_interval_seconds,
            id="due-work",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            next_run_time=datetime.now(UTC),
        )
        self._scheduler.start()
        log.info("scheduler started as %s", self.worker_id)

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
        self._pool.shutdown(wait=True)
        with self.deps.sessions.begin() as session:
            released = queue.release(session, self.worker_id)
        log.info("scheduler stopped; released %s claimed job(s)", released)

    # ------------------------------------------------------------------ work
    def tick(self) -> int:
        """Claim and run everything due now. Returns how many jobs were run."""
        total = 0
        while True:
            now = self.deps.clock()
            claimed = queue.claim_due(
                self.deps.sessions, now=now, worker_id=self.worker_id, lease=self.lease,
                limit=BATCH,
            )
            if not claimed:
                return total
            futures = [self._pool.submit(self._run_one, job) for job in claimed]
            for future in futures:
                future.result()
            total += len(claimed)

    def _run_one(self, job: queue.ClaimedJob) -> None:
        handler = self.handlers.get(job.kind)
        now = self.deps.clock()
        if handler is None:
            self._finish(job, error=f"no handler for job kind {job.kind!r}", retry_at=None)
            return
        try:
            ctx = JobContext(deps=self.deps, client=self.client_for(job.team_id), job=job,
                             now=now, channel_blocked_until=self._blocked_until)
            handler(ctx)
        except Deferred as d:
            self._finish(job, error=d.reason, retry_at=d.until, count_attempt=False)
        except WorkspaceGone as gone:
            from bot.services import workspaces

            workspaces.stop_team(self.deps, job.team_id, reason=gone.error, now=now)
            self._finish(job, error=f"workspace gone: {gone.error}", retry_at=None)
        except PermanentFailure as failure:
            self._finish(job, error=str(failure), retry_at=None)
        except SlackApiError as exc:
            error = slack_error(exc)
            retry_after = _retry_after(exc)
            if retry_after is not None:
                channel = ctx.channel
                until = now + retry_after
                if channel:
                    self._block(channel, until)
                self._finish(job, error="ratelimited", retry_at=until, count_attempt=False)
            else:
                self._finish(job, error=error, retry_at=self._backoff(job, now))
        except Exception as exc:
            log.exception("job %s (%s) failed", job.id, job.kind)
            self._finish(job, error=f"{type(exc).__name__}: {exc}"[:500],
                         retry_at=self._backoff(job, now))
        else:
            with self.deps.sessions.begin() as session:
                queue.complete(session, job.id, self.worker_id, now=self.deps.clock())

    def client_for(self, team_id: str) -> WebClient:
        """The shared client (single workspace), or one with the team's installed token."""
        store = self.deps.installation_store
        if store is None:
            return self.client
        bot = store.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise WorkspaceGone("not_installed")
        client = WebClient(token=bot.bot_token, base_url=self.client.base_url,
                           timeout=self.client.timeout)
        client.retry_handlers = list(self.client.retry_handlers)
        return client

    def _finish(self, job: queue.ClaimedJob, *, error: str, retry_at: datetime | None,
                count_attempt: bool = True) -> None:
        with self.deps.sessions.begin() as session:
            queue.fail(session, job.id, self.worker_id, error, retry_at,
                       count_attempt=count_attempt)

    def _backoff(self, job: queue.ClaimedJob, now: datetime) -> datetime:
        step = RETRY_BACKOFF[min(max(job.attempts - 1, 0), len(RETRY_BACKOFF) - 1)]
        return now + step

    def _block(self, channel: str, until: datetime) -> None:
        with self._lock:
            current = self._channel_blocked_until.get(channel)
            if current is None or until > current:
                self._channel_blocked_until[channel] = until

    def _blocked_until(self, channel: str, now: datetime) -> datetime | None:
        with self._lock:
            until = self._channel_blocked_until.get(channel)
            if until is not None and until <= now:
                del self._channel_blocked_until[channel]
                return None
            return until


def _retry_after(exc: SlackApiError) -> timedelta | None:
    resp = exc.response
    if resp is None or getattr(resp, "status_code", None) != 429:
        return None
    headers: Any = getattr(resp, "headers", {}) or {}
    raw = None
    for key, value in dict(headers).items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
    try:
        seconds = float(raw) if raw is not None else 1.0
    except ValueError:
        seconds = 1.0
    return timedelta(seconds=max(seconds, 0.0))


RunnerFactory = Callable[[Deps, WebClient], SchedulerRunner]
