"""The vocabulary every job and the scheduler share: what a job is handed, what it may
raise, and what it gives back. A leaf: it imports neither the scheduler nor the services,
so the job code lives next to what it does (``bot.services.checkin_jobs``,
``bot.services.health_jobs``) and the scheduler (``bot.scheduling``) depends on it, never
the reverse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from slack_sdk import WebClient
from sqlalchemy import Executable
from sqlalchemy.orm import Session

from bot.db.queue import ClaimedJob
from bot.db.states import JobKind
from bot.deps import Deps

__all__ = ["ClaimedJob", "Deferred", "GiveUp", "Handler", "JobContext", "JobKind",
           "PermanentFailure", "Prefetch", "Writes"]

# a turn only this far away is waited for in the thread rather than going round the queue
SHORT_WAIT = timedelta(milliseconds=50)


class Deferred(Exception):
    """Try this job again at ``until`` without counting an attempt (e.g. channel rate limit)."""

    def __init__(self, until: datetime, reason: str) -> None:
        super().__init__(reason)
        self.until = until
        self.reason = reason


class PermanentFailure(Exception):
    """Retrying will not help; the job is marked failed. ``told``: the owner already heard
    about it (otherwise the runner tells them, through the kind's give-up hook)."""

    def __init__(self, reason: str, *, told: bool = False) -> None:
        super().__init__(reason)
        self.told = told


@dataclass
class Writes:
    """A handler's database writes, applied by the runner in the transaction that marks the
    job done (so "posted" and "done" are recorded together). The runner batches them with
    the other jobs': statements shared by many jobs run as one executemany."""

    statements: list[tuple[Executable, dict[str, Any]]] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)  # queue.job_row(...) rows


class Pacer(Protocol):
    """Hands out turns to post in a channel of a workspace (``bot.scheduling.pacing``)."""

    def acquire(self, channel: str, job_id: int, now: datetime, team: str | None = None
                ) -> datetime | None: ...


@dataclass
class JobContext:
    deps: Deps
    client: WebClient
    job: ClaimedJob
    now: datetime
    pacer: Pacer
    prefetched: Any = None  # what the kind's prefetch loaded for this job, if it has one
    channel: str | None = field(default=None)
    posting: str | None = field(default=None)  # the channel whose turn this job holds
    # waits up to this many seconds unless the worker is stopping (then False)
    wait: Callable[[float], bool] | None = None

    def use_channel(self, channel: str) -> None:
        """Declare the channel this job posts to and wait for its turn: defers the job when
        the channel was posted to less than a second ago, its workspace's posts are used up
        for now, or Slack asked us to wait. A turn
        only milliseconds away is waited for here: going round the queue for it would make
        the turn late, and every later turn in that channel with it."""
        self.channel = channel
        if self.posting == channel:
            return
        team = getattr(self.job, "team_id", None)
        turn = self.pacer.acquire(channel, self.job.id, self.now, team)
        if (turn is not None and self.wait is not None and turn - self.now <= SHORT_WAIT
                and self.wait((turn - self.now).total_seconds())):
            self.now = max(self.deps.clock(), turn)  # (a test clock may stand still)
            turn = self.pacer.acquire(channel, self.job.id, self.now, team)
        if turn is not None:
            raise Deferred(turn, f"waiting for a turn in {channel}")
        self.posting = channel


Handler = Callable[[JobContext], Writes | None]
Prefetch = Callable[[Session, list[ClaimedJob]], dict[int, Any]]
# told when a job is given up for good: (deps, client, job, error)
GiveUp = Callable[[Deps, WebClient, ClaimedJob, str], None]
