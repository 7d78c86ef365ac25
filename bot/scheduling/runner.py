"""The clock and the dispatcher of due work.

The database is the source of truth for what is due (``bot.db.queue``); APScheduler only
drives the clock: one interval job, coalesced, never two at once. Each tick claims due jobs
atomically (so two workers never take the same one), hands them to a small thread pool, and
writes back the whole batch (done, retried later, or failed, with each handler's own
writes) in one transaction. Jobs whose claim died with a crashed worker come back as soon as
the worker is known to be dead (``bot.db.shards``), else when their lease runs out.

Several workers share the work by workspace: a started runner joins the scheduler's
members and claims only jobs of the shards it owns (``bot.db.shards``; a thread of its own
rebalances every ``shards.REBALANCE`` seconds and wakes the clock when it gains shards).
Slack's posting limits are honoured per channel and per workspace: the pacer hands out
turns (one post per channel per second, the workspace's posts a minute), and a 429 blocks
the channel and slows its workspace down. Every other method keeps to its tier's budget
(``bot.scheduling.limits``); a job that would exceed it is tried later.

Delivery is at least once: a worker can die after Slack accepted a post and before the batch
was written back. Every job makes the retry harmless (see ``bot.jobs.context``).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections import OrderedDict
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.db import queue, shards
from bot.db.states import JobKind
from bot.deps import Deps
from bot.jobs.context import Deferred, Handler, JobContext, PermanentFailure, Writes
from bot.scheduling import giveup, metrics
from bot.scheduling.limits import LimitedClient, TierLimiter
from bot.scheduling.pacing import ChannelPacer, WorkspacePacer
from bot.scheduling.registry import HANDLERS, PREFETCH
from bot.services.slack_io import SlackBusy, WorkspaceGone, retry_after, slack_error

log = logging.getLogger(__name__)

BATCH = 500
_FEED = 4  # jobs claimed ahead per job thread, so the pool never waits for a claim
_FLUSH_EVERY = 0.1  # seconds a finished job waits at most for its batch's write-back
JOB_ID = "due-work"
# kinds whose job posts a message: paced per workspace before they run (a kind missing
# here is still paced when it posts, in JobContext.use_channel)
POSTS = frozenset({JobKind.CHECKIN_POST, JobKind.CHECKIN_NUDGE, JobKind.HEALTH_POST,
                   JobKind.HEALTH_CLOSE})


class _SkipBusyTick(logging.Filter):
    """A tick that outlasts the interval (a long drain, paced channels) is expected: it
    keeps going by itself, so APScheduler's "skipped: maximum number of running instances
    reached" warning, written every interval meanwhile, says nothing worth a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


_SKIP_BUSY_TICK = _SkipBusyTick()
# Slack: about one message per second per channel; 30 ms of margin for network jitter
CHANNEL_INTERVAL = timedelta(seconds=1.03)
# Claim jobs falling due this soon, and start each at its due time: a paced channel's next
# turn is then taken on time instead of when a tick next comes round (which, in a busy
# drain, adds some milliseconds to every turn of every channel).
LOOKAHEAD = timedelta(milliseconds=50)
# Lateness of a turn taken out of the next interval (posts then start at least
# CHANNEL_INTERVAL - CHANNEL_ABSORB apart, still over Slack's one second).
CHANNEL_ABSORB = timedelta(milliseconds=15)
MAX_CLIENTS = 1000  # per-workspace clients kept (each holds its keep-alive connections)
MAX_TEAMS = 100_000  # teams whose org is remembered
_UNKNOWN = object()
RETRY_BACKOFF = (timedelta(seconds=5), timedelta(seconds=30), timedelta(minutes=2),
                 timedelta(minutes=10), timedelta(hours=1))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Result(StrEnum):
    DONE = "done"
    RETRY = "retry"  # again later (deferred when the attempt does not count)
    FAILED = "failed"


@dataclass
class Outcome:
    """What became of one claimed job; written back in one transaction per batch."""

    status: Result
    error: str | None = None
    retry_at: datetime | None = None
    count_attempt: bool = True
    record: Writes | None = None  # the handler's own writes, applied with the completion
    team_gone: str | None = None  # stop this workspace's schedules (token revoked ...)
    told: bool = False  # a failure its owner already heard about

    def gives_up(self, job: queue.ClaimedJob) -> bool:
        """Is this the end of the job (failed, or a counted retry with no attempts left)?"""
        if self.team_gone or self.told:
            return False
        return self.status == Result.FAILED or (
            self.status == Result.RETRY and self.count_attempt
            and job.attempts >= job.max_attempts)


DONE = Outcome(Result.DONE)


def result_label(job: queue.ClaimedJob, outcome: Outcome) -> str:
    """What became of a run, for ``engagement_jobs_total``'s ``result`` label."""
    if outcome.status == Result.DONE:
        return "done"
    if outcome.status == Result.RETRY and not outcome.count_attempt:
        return "deferred"
    return "failed" if outcome.gives_up(job) or outcome.status == Result.FAILED else "retry"


class SchedulerRunner:
    def __init__(
        self,
        deps: Deps,
        client: WebClient,
        *,
        worker_id: str | None = None,
        handlers: dict[str, Handler] | None = None,
        threads: int | None = None,
        lease: timedelta | None = None,
        pace: timedelta = CHANNEL_INTERVAL,
        workspace_rate: float | None = None,
    ) -> None:
        self.deps = deps
        self.limiter = TierLimiter()
        # one persistent connection per thread instead of a handshake per post
        self.client = LimitedClient.limited(client, self.limiter) \
            if type(client) is WebClient else client
        self.worker_id = worker_id or worker_name()
        self.handlers = handlers if handlers is not None else HANDLERS
        self.lease = lease or deps.settings.job_lease
        rate = deps.settings.workspace_posts_per_minute if workspace_rate is None \
            else workspace_rate
        self.pacer = WorkspacePacer(ChannelPacer(pace, absorb=CHANNEL_ABSORB),
                                    per_minute=rate or None)
        self._threads = threads or deps.settings.worker_threads
        self._pool = ThreadPoolExecutor(max_workers=self._threads, thread_name_prefix="job")
        self._scheduler: BackgroundScheduler | None = None
        self._clients: OrderedDict[str, WebClient] = OrderedDict()
        # team -> its Enterprise Grid org (None: not in one); never changes for a team
        self._enterprises: dict[str, object] = {}
        self._clients_lock = threading.Lock()
        self._stopping = threading.Event()
        # shards (bot.db.shards): only when started; tick() called directly claims any job
        self.membership: shards.Membership | None = None
        self._members_thread: threading.Thread | None = None
        self.metrics = metrics.scheduler()

    # ------------------------------------------------------------------ clock
    def start(self) -> None:
        logging.getLogger("apscheduler.scheduler").addFilter(_SKIP_BUSY_TICK)  # once: a set
        engine = self.deps.sessions.kw["bind"]
        self.membership = shards.Membership(engine, self.deps.sessions, self.worker_id,
                                            stale=self.deps.settings.leader_lease)
        joined = self.membership.join(self.deps.clock())  # own a share before the first tick
        self.metrics.shards(len(joined.owned), len(joined.members))
        self._adopt(joined.taken)
        log.info("scheduler worker %s joined: %d member(s), owns %d of %d shards",
                 self.worker_id, len(joined.members), len(joined.owned), shards.SHARDS)
        self._scheduler = BackgroundScheduler(timezone=UTC)
        self._scheduler.add_job(
            self._scheduled_tick,
            "interval",
            seconds=self.deps.settings.scheduler_interval_seconds,
            id=JOB_ID,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            next_run_time=datetime.now(UTC),
        )
        self._scheduler.start()
        self._members_thread = threading.Thread(target=self._members_loop, daemon=True,
                                                name="scheduler-members")
        self._members_thread.start()
        log.info("scheduler started as %s", self.worker_id)

    def stop(self) -> None:
        self._stopping.set()
        if self._members_thread is not None:
            self._members_thread.join(timeout=30)
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
        self._pool.shutdown(wait=True)
        with self.deps.sessions.begin() as session:
            released = queue.release(session, self.worker_id)
        if self.membership is not None:
            self.membership.leave(self.deps.clock())
            log.info("handed this worker's shards over")
        log.info("scheduler stopped; released %s claimed job(s)", released)

    # ------------------------------------------------------------------ shards
    @property
    def owner(self) -> str | None:
        """Whose shards the claims are limited to (None: not started, any job)."""
        return self.worker_id if self.membership is not None else None

    def owns_work(self) -> bool:
        return self.membership is None or bool(self.membership.owned)

    def _members_loop(self) -> None:
        """Heartbeat and rebalance every ``shards.REBALANCE`` seconds; gaining shards (a
        worker died or left) wakes the clock at once instead of at its next interval."""
        assert self.membership is not None
        while not self._stopping.wait(shards.REBALANCE):
            try:
                result = self.membership.rebalance(self.deps.clock())
            except Exception:
                log.exception("scheduler rebalancing failed; trying again")
                continue
            self.metrics.shards(len(result.owned), len(result.members))
            if result.taken or result.given_up:
                log.info("shards: took %s, gave up %s (%d member(s), %d owned)",
                         result.taken, result.given_up, len(result.members),
                         len(result.owned))
            if result.taken:
                self._adopt(result.taken)
                self.wake()

    def _adopt(self, taken: list[int]) -> None:
        """Keep the turns the previous owner of ``taken`` handed out (``pacer.adopt``)."""
        if not taken:
            return
        now = self.deps.clock()
        try:
            with self.deps.sessions() as session:
                waiting = queue.waiting_in(session, taken, POSTS, now=now)
        except Exception:
            log.exception("could not read the turns of the shards taken over")
            return
        self.pacer.adopt(waiting, now)

    def wake(self) -> None:
        """Run the tick now (it keeps going while work is due)."""
        scheduler = self._scheduler
        if scheduler is None or self._stopping.is_set():
            return
        try:
            scheduler.modify_job(JOB_ID, next_run_time=datetime.now(UTC))
        except Exception:  # shutting down (the job is gone)
            log.debug("could not wake the scheduler", exc_info=True)

    def _scheduled_tick(self) -> None:
        """Run what is due; while more falls due before the next regular tick (a paced turn
        in a busy channel, a quick retry), wait for it here instead of a whole interval.
        (Calling back into APScheduler from its own job can deadlock with shutdown.)"""
        interval = self.deps.settings.scheduler_interval_seconds
        while not self._stopping.is_set() and self.owns_work():
            self.tick()
            with self.deps.sessions() as session:
                upcoming = queue.next_due(session, self.owner)
            if upcoming is None:
                return
            wait = (upcoming - LOOKAHEAD - self.deps.clock()).total_seconds()
            if wait >= interval:
                return
            self._stopping.wait(min(max(wait, 0.01), interval))

    # ------------------------------------------------------------------ work
    def tick(self) -> int:
        """Claim and run everything due now; returns how many jobs were run. Claiming and
        writing back happen on this thread while the pool runs the jobs claimed before:
        the pool is kept fed (``_FEED`` jobs ahead) and finished jobs are written back a
        batch at a time (``BATCH`` jobs or ``_FLUSH_EVERY`` seconds), so no job waits for the
        slowest of its batch, and no post waits for a write-back. Everything claimed has
        been written back when this returns."""
        feed = max(1, self._threads) * _FEED
        running: dict[Future[Outcome], queue.ClaimedJob] = {}
        finished: list[tuple[queue.ClaimedJob, Outcome]] = []
        try:
            return self._pipeline(feed, running, finished)
        except BaseException:
            # (a claim or prefetch failed) what is running still finishes and is recorded
            for future in list(running):
                finished.append((running.pop(future), future.result()))
            if finished:
                self._finish(finished)
            raise

    def _pipeline(self, feed: int, running: dict[Future[Outcome], queue.ClaimedJob],
                  finished: list[tuple[queue.ClaimedJob, Outcome]]) -> int:
        total, oldest, more = 0, 0.0, True
        while True:
            claim = more and len(running) < feed and not self._stopping.is_set() \
                and self.owns_work()
            if claim:
                now = self.deps.clock()
                claimed = queue.claim_due(
                    self.deps.sessions, now=now, worker_id=self.worker_id, lease=self.lease,
                    limit=BATCH, horizon=LOOKAHEAD, owner=self.owner,
                )
                more = len(claimed) == BATCH
                if claimed:
                    prefetched = self._prefetch(claimed)
                    waiting, ready = self._wait_for_workspace(claimed, prefetched, now)
                    if waiting and not finished:
                        oldest = time.monotonic()
                    finished += waiting
                    for job in ready:
                        running[self._pool.submit(self._run_one, job,
                                                  prefetched.get(job.id))] = job
            if finished and (not running or len(finished) >= BATCH
                             or time.monotonic() - oldest >= _FLUSH_EVERY):
                total += self._finish(finished)
                finished.clear()
                more = True  # what was written back may have made more due
                continue
            if not running:
                if claim and more:
                    continue
                return total
            done, _ = wait(running, timeout=_FLUSH_EVERY, return_when=FIRST_COMPLETED)
            if done and not finished:
                oldest = time.monotonic()
            for future in done:
                finished.append((running.pop(future), future.result()))

    def _finish(self, outcomes: list[tuple[queue.ClaimedJob, Outcome]]) -> int:
        self._write_back(outcomes)
        for job, outcome in outcomes:
            self.metrics.finished(job.kind, result_label(job, outcome))
        return sum(1 for _, o in outcomes if o.status != Result.RETRY or o.count_attempt)

    def _wait_for_workspace(self, claimed: list[queue.ClaimedJob], prefetched: dict[int, Any],
                            now: datetime) -> tuple[list[tuple[queue.ClaimedJob, Outcome]],
                                                    list[queue.ClaimedJob]]:
        """Jobs that post, of a workspace with no turn free now, go straight back to the
        queue at their turn, not run (when hundreds fall due in one workspace at once,
        most wait: they cost a claim and a write-back, not a handler each). The channel
        is planned for too when the kind's prefetch names it (``.channel``)."""
        waiting: list[tuple[queue.ClaimedJob, Outcome]] = []
        ready: list[queue.ClaimedJob] = []
        for job in claimed:
            channel = getattr(prefetched.get(job.id), "channel", None)
            turn = self.pacer.reserve(job.team_id, job.id, now,
                                      channel if isinstance(channel, str) else None) \
                if job.kind in POSTS else None
            if turn is None:
                ready.append(job)
            else:
                waiting.append((job, Outcome(Result.RETRY, error="waiting for the "
                                             "workspace's turn", retry_at=turn,
                                             count_attempt=False)))
        return waiting, ready

    def _prefetch(self, claimed: list[queue.ClaimedJob]) -> dict[int, Any]:
        """Load what each kind of job needs for the whole batch, a few queries per kind, in
        one transaction (a kind may also make the rows its jobs need: health runs)."""
        found: dict[int, Any] = {}
        by_kind: dict[str, list[queue.ClaimedJob]] = {}
        for job in claimed:
            if job.kind in PREFETCH:
                by_kind.setdefault(job.kind, []).append(job)
        if by_kind:
            with self.deps.sessions.begin() as session:
                for kind, jobs in by_kind.items():
                    found.update(PREFETCH[kind](session, jobs))
        return found

    def _run_one(self, job: queue.ClaimedJob, prefetched: Any = None) -> Outcome:
        handler = self.handlers.get(job.kind)
        now = self.deps.clock()
        if handler is None:
            return Outcome(Result.FAILED, error=f"no handler for job kind {job.kind!r}")
        ahead = (job.due_at - now).total_seconds()  # claimed up to LOOKAHEAD early
        if ahead > 0:
            self._stopping.wait(ahead)
            now = max(self.deps.clock(), job.due_at)  # (a test clock may stand still)
        if self._stopping.is_set():  # shutting down: hand back what has not started
            return Outcome(Result.RETRY, error="worker stopped before running it", retry_at=now,
                           count_attempt=False)
        ctx: JobContext | None = None
        started = time.perf_counter()
        try:
            ctx = JobContext(deps=self.deps, client=self.client_for(job.team_id), job=job,
                             now=now, pacer=self.pacer, prefetched=prefetched,
                             wait=lambda seconds: not self._stopping.wait(seconds))
            record = handler(ctx)
        except Deferred as d:
            return Outcome(Result.RETRY, error=d.reason, retry_at=d.until, count_attempt=False)
        except WorkspaceGone as gone:
            return Outcome(Result.FAILED, error=f"workspace gone: {gone.error}",
                           team_gone=gone.error)
        except PermanentFailure as failure:
            return Outcome(Result.FAILED, error=str(failure), told=failure.told)
        except SlackBusy as busy:  # a lookup or another call over its tier: later
            return Outcome(Result.RETRY, error=str(busy), count_attempt=False,
                           retry_at=now + timedelta(seconds=max(busy.seconds, 0.05)))
        except SlackApiError as exc:
            wait = retry_after(exc)
            if wait is not None:  # a post refused: the channel and its workspace wait
                until = now + timedelta(seconds=wait)
                if ctx is not None and ctx.channel:
                    self.pacer.block(ctx.channel, until, job.team_id)
                return Outcome(Result.RETRY, error="ratelimited", retry_at=until,
                               count_attempt=False)
            return Outcome(Result.RETRY, error=slack_error(exc), retry_at=self._backoff(job, now))
        except Exception as exc:
            log.exception("job %s (%s) failed", job.id, job.kind)
            return Outcome(Result.RETRY, error=f"{type(exc).__name__}: {exc}"[:500],
                           retry_at=self._backoff(job, now))
        finally:
            if ctx is not None and ctx.posting:
                self.pacer.release(ctx.posting, self.deps.clock())
            self.metrics.timed(job.kind, (now - job.due_at).total_seconds(),
                               time.perf_counter() - started)
        return Outcome(Result.DONE, record=record) if record is not None else DONE

    def _write_back(self, outcomes: list[tuple[queue.ClaimedJob, Outcome]]) -> None:
        """Complete, defer, retry or fail the batch in one transaction, the handlers' own
        writes batched by statement. If that transaction fails, each job is written back
        on its own so one bad row cannot hold up the others."""
        now = self.deps.clock()
        try:
            with self.deps.sessions.begin() as session:
                self._apply(session, outcomes, now)
        except Exception:
            log.exception("writing back a batch of %d job(s) failed; one at a time now",
                          len(outcomes))
            for job, outcome in outcomes:
                try:
                    with self.deps.sessions.begin() as session:
                        self._apply(session, [(job, outcome)], now)
                except Exception as exc:
                    log.exception("job %s (%s): recording its result failed", job.id, job.kind)
                    with self.deps.sessions.begin() as session:
                        queue.fail(session, job.id, self.worker_id,
                                   f"{type(exc).__name__}: {exc}", self._backoff(job, now),
                                   now=now)
        for job, outcome in outcomes:
            if outcome.gives_up(job):
                try:
                    client = self.client_for(job.team_id)
                except WorkspaceGone:
                    continue
                giveup.report(self.deps, client, job, outcome.error or Result.FAILED)
        gone = {job.team_id: o.team_gone for job, o in outcomes if o.team_gone}
        for team_id, reason in gone.items():
            from bot.services import workspaces

            workspaces.stop_team(self.deps, team_id, reason=reason, now=now)

    def _apply(self, session: Session, outcomes: list[tuple[queue.ClaimedJob, Outcome]],
               now: datetime) -> None:
        done: list[int] = []
        deferred: list[tuple[int, datetime, str]] = []
        grouped: dict[int, tuple[Any, list[dict[str, Any]]]] = {}
        new_jobs: list[dict[str, Any]] = []
        for job, outcome in outcomes:
            if outcome.status == Result.DONE:
                done.append(job.id)
                if outcome.record is not None:
                    for stmt, params in outcome.record.statements:
                        grouped.setdefault(id(stmt), (stmt, []))[1].append(params)
                    new_jobs += outcome.record.jobs
            elif (outcome.status == Result.RETRY and not outcome.count_attempt
                  and outcome.retry_at is not None):
                deferred.append((job.id, outcome.retry_at, outcome.error or "deferred"))
            else:
                queue.fail(session, job.id, self.worker_id, outcome.error or Result.FAILED,
                           outcome.retry_at if outcome.status == Result.RETRY else None,
                           count_attempt=outcome.count_attempt, now=now)
        for stmt, batch in grouped.values():
            session.execute(stmt, batch)
        queue.enqueue_many(session, new_jobs)
        queue.complete_many(session, done, self.worker_id, now=now)
        queue.defer_many(session, deferred, self.worker_id, now=now)

    def client_for(self, team_id: str) -> WebClient:
        """The shared client (single workspace), or one with the team's installed token. A
        job of no workspace (``team_id`` "", housekeeping) gets the shared client."""
        if self.deps.installation_store is None or not team_id:
            return self.client
        from bot.services import workspaces

        with self._clients_lock:
            enterprise = self._enterprises.get(team_id, _UNKNOWN)
        if enterprise is _UNKNOWN:
            enterprise = workspaces.enterprise_of(self.deps, team_id)
            with self._clients_lock:
                if len(self._enterprises) > MAX_TEAMS:
                    self._enterprises.clear()
                self._enterprises[team_id] = enterprise
        bot = workspaces.find_bot(self.deps, team_id, enterprise)  # type: ignore[arg-type]
        if bot is None or not bot.bot_token:
            raise WorkspaceGone("not_installed")
        token = bot.bot_token
        with self._clients_lock:
            client = self._clients.get(token)
            if client is None:
                client = self._clients[token] = LimitedClient.limited(self.client, self.limiter,
                                                                      token=token)
                if len(self._clients) > MAX_CLIENTS:
                    self._clients.popitem(last=False)
            else:
                self._clients.move_to_end(token)
        return client

    def _backoff(self, job: queue.ClaimedJob, now: datetime) -> datetime:
        step = RETRY_BACKOFF[min(max(job.attempts - 1, 0), len(RETRY_BACKOFF) - 1)]
        return now + step
