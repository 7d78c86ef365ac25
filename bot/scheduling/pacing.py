"""Pacing posts: Slack allows about one message per second per channel, and a number a
minute per workspace.

A worker that fires ten due check-ins at one channel at once gets nine 429s. The pacer keeps
that from happening in the first place: a job that wants a channel gets either "go now" or
the time its turn comes, and waits for it in the queue (``Deferred``), not in a thread.

* One post per channel in flight at a time; the next may start ``interval`` after the
  previous one *started*, or when it finished if that took longer. (Two requests can then
  reach Slack a few milliseconds closer than ``interval``; the runner's interval carries a
  small margin for that.)
* Jobs that find a channel busy get consecutive turns (``tail``), so ten queued jobs are
  each deferred once, to their own turn, instead of all retrying every tick.
* A 429's ``Retry-After`` pushes the channel's next turn out (``block``).
* A job that takes its turn a few milliseconds late (a thread waking up, the GIL) does not
  push the rest of its channel's line back by as much: up to ``absorb`` of lateness is taken
  out of the next interval, so a busy channel keeps its timetable instead of drifting.

:class:`WorkspacePacer` adds the workspace as a whole: posts in one workspace go out at its
known rate (one slot every ``60 / per_minute`` seconds, after a short burst), a job that
finds the workspace's slots taken books the next free one (at or after its channel's next
turn) and comes back then, so a busy workspace defers each waiting job once instead of
every job retrying every second. A 429 blocks the workspace (every channel) until its
``Retry-After`` and slows it down (``slow_down``); it speeds up again after a minute
without one.

It is per process: a workspace is run by the one worker that owns its shard
(``bot.db.shards``), so its pacer sees every post to that workspace; Slack's 429 (handled
by the runner) remains the backstop. Times come from the caller; nothing here reads the
clock.
"""

from __future__ import annotations

import math
import threading
from datetime import datetime, timedelta

PRUNE_AT = 20_000  # channels remembered before idle ones are forgotten
DEFAULT_INTERVAL = timedelta(seconds=0.2)  # a workspace's pace from its first 429, if unknown
SAME_429 = timedelta(milliseconds=500)  # 429s this close together are one event
HANDOVER = timedelta(seconds=3)  # after taking a workspace over, a 429 is the channel's


class ChannelPacer:
    def __init__(self, interval: timedelta = timedelta(seconds=1),
                 absorb: timedelta = timedelta(0)) -> None:
        self.interval = interval
        self.absorb = absorb
        self._lock = threading.Lock()
        self._free_at: dict[str, datetime] = {}  # when the channel may be posted to again
        self._tail: dict[str, datetime] = {}  # the last turn handed out
        self._busy: set[str] = set()  # a post is in flight
        self._turns: dict[int, datetime] = {}  # job id -> its turn, once deferred

    def acquire(self, channel: str, job_id: int, now: datetime, team: str | None = None
                ) -> datetime | None:
        """None: post now (and call :meth:`release` afterwards). Otherwise the time to
        come back; the job keeps its place in the line. (``team``: see WorkspacePacer.)"""
        if self.interval <= timedelta(0):
            return None
        with self._lock:
            planned = self._turns.pop(job_id, None)
            had_turn = planned is not None
            free = self._free_at.get(channel)
            idle = channel not in self._busy and (free is None or free <= now)
            if idle and (had_turn or self._tail.get(channel, now) <= now):
                self._busy.add(channel)
                # a turn taken a little late keeps the channel's line on its timetable
                # (up to ``absorb``), rather than pushing every later turn back by as much
                start = now if planned is None else max(planned, now - self.absorb)
                self._free_at[channel] = start + self.interval
                return None
            # not yet: take the next turn (a job that had one goes first when it's late)
            if had_turn:
                turn = max(free or now, now) + (self.interval if channel in self._busy
                                                else timedelta(0))
            else:
                turn = max(self._tail.get(channel, now), free or now, now)
                if channel in self._busy and turn <= now:
                    turn = now + self.interval
                self._tail[channel] = turn + self.interval
            self._turns[job_id] = turn
            return turn

    def release(self, channel: str, now: datetime) -> None:
        """The post to ``channel`` finished (whatever the result) at ``now``."""
        with self._lock:
            self._busy.discard(channel)
            self._free_at[channel] = max(self._free_at.get(channel, now), now)
            if len(self._free_at) > PRUNE_AT:
                self._prune(now)

    def next_turn(self, channel: str, now: datetime) -> datetime:
        """The earliest a new job could post in ``channel`` (nothing is booked)."""
        with self._lock:
            turn = max(self._tail.get(channel, now), self._free_at.get(channel, now), now)
            if channel in self._busy and turn <= now:
                turn = now + self.interval
            return turn

    def book(self, channel: str, job_id: int, at: datetime) -> None:
        """Give ``job_id`` the turn at ``at`` (planned ahead: ``WorkspacePacer.reserve``)."""
        with self._lock:
            self._turns[job_id] = at
            self._tail[channel] = max(self._tail.get(channel, at), at + self.interval)

    def block(self, channel: str, until: datetime, team: str | None = None) -> None:
        """Slack said wait (429 with Retry-After)."""
        with self._lock:
            self._free_at[channel] = max(self._free_at.get(channel, until), until)
            self._tail[channel] = max(self._tail.get(channel, until), until)

    def blocked_until(self, channel: str, now: datetime) -> datetime | None:
        with self._lock:
            free = self._free_at.get(channel)
            return free if free is not None and free > now else None

    def forget(self, job_id: int) -> None:
        with self._lock:
            self._turns.pop(job_id, None)

    def _prune(self, now: datetime) -> None:
        for channel in [c for c, t in self._free_at.items()
                        if t <= now and c not in self._busy and self._tail.get(c, now) <= now]:
            self._free_at.pop(channel, None)
            self._tail.pop(channel, None)
        stale = now - timedelta(hours=1)
        for job_id in [j for j, t in self._turns.items() if t < stale]:
            del self._turns[job_id]


class _Workspace:
    """One workspace's slots: slot ``k`` starts at ``epoch + k * interval``."""

    __slots__ = ("adopted_at", "blocked_until", "booked", "epoch", "interval", "last_429",
                 "taken", "tokens", "tokens_at")

    def __init__(self, interval: timedelta, now: datetime) -> None:
        self.interval = interval
        self.epoch = now
        self.taken: dict[int, int] = {}  # slot -> the job that has it
        self.booked: dict[int, int] = {}  # job -> its slot, until it posts
        self.blocked_until: datetime | None = None
        self.last_429: datetime | None = None
        self.adopted_at: datetime | None = None  # taken over from another worker then
        # posts actually made: a token bucket at the same rate. A worker running behind
        # its timetable (busy CPU) finds many slots come at once; these keep the posts
        # themselves to the rate, so lateness never turns into a burst.
        self.tokens: float | None = None
        self.tokens_at = now

    def wait_for_token(self, now: datetime, capacity: int) -> timedelta:
        """How long until a post may go out (0: now); nothing is spent."""
        if self.tokens is None:
            self.tokens = float(capacity)
        if now > self.tokens_at:
            self.tokens = min(float(capacity), self.tokens + (now - self.tokens_at)
                              / self.interval)
            self.tokens_at = now
        return timedelta(0) if self.tokens >= 1.0 else (1.0 - self.tokens) * self.interval

    def spend(self) -> None:
        self.tokens = (self.tokens or 0.0) - 1.0

    def index(self, when: datetime) -> int:
        """The slot ``when`` falls in (a turn handed out is never taken for the one before
        it by rounding)."""
        return math.floor((when - self.epoch) / self.interval + 1e-6)

    def time(self, slot: int) -> datetime:
        return self.epoch + slot * self.interval

    def free_from(self, slot: int) -> int:
        while slot in self.taken:
            slot += 1
        return slot

    def book(self, job_id: int, slot: int) -> None:
        self.unbook(job_id)
        self.taken[slot] = job_id
        self.booked[job_id] = slot

    def unbook(self, job_id: int) -> None:
        old = self.booked.pop(job_id, None)
        if old is not None and self.taken.get(old) == job_id:
            del self.taken[old]

    def prune(self, now: datetime) -> None:
        if len(self.taken) > 4 * (len(self.booked) + 16):
            past = self.index(now) - 2
            for slot in [k for k in self.taken if k < past]:
                job = self.taken.pop(slot)
                if self.booked.get(job) == slot:
                    del self.booked[job]


class WorkspacePacer:
    """Turns to post that keep to the channel's limit (a :class:`ChannelPacer`) and to the
    workspace's: ``per_minute`` posts a minute, ``burst`` of them ahead of time."""

    RECOVER = timedelta(minutes=1)  # back to the known rate after a minute without a 429
    SLOWER = 1.25  # each 429 stretches the workspace's interval by this much
    SLOWEST = timedelta(seconds=10)

    def __init__(self, channels: ChannelPacer, per_minute: float | None = 300.0,
                 burst: int = 5) -> None:
        self.channels = channels
        self.interval = channels.interval  # a channel's (tests step the clock by it)
        self.base = timedelta(seconds=60 / per_minute) if per_minute else None
        self.burst = burst
        self._lock = threading.Lock()
        self._teams: dict[str, _Workspace] = {}

    def _where(self, team: str, job_id: int, now: datetime
               ) -> tuple[_Workspace, int, int | None, bool]:
        """(the workspace's state, the slot of ``now``, the job's booked slot, whether a
        429 blocks the workspace now); under ``self._lock``."""
        ws = self._workspace(team, now)
        ws.prune(now)
        blocked = ws.blocked_until is not None and ws.blocked_until > now
        return ws, ws.index(now), ws.booked.get(job_id), blocked

    def _workspace(self, team: str, now: datetime) -> _Workspace:
        ws = self._teams.get(team)
        if ws is None:
            if len(self._teams) > PRUNE_AT:
                self._teams.clear()
            ws = self._teams[team] = _Workspace(self.base or DEFAULT_INTERVAL, now)
        elif (self.base is not None and ws.interval != self.base
              and ws.last_429 is not None and now - ws.last_429 >= self.RECOVER):
            self._rebase(ws, self.base, now)  # no 429 for a while: the known rate again
        return ws

    @staticmethod
    def _rebase(ws: _Workspace, interval: timedelta, now: datetime) -> None:
        """New slot length: the old bookings no longer fit, each waiting job books anew
        when it comes back (once)."""
        ws.interval, ws.epoch = interval, now
        ws.taken.clear()
        ws.booked.clear()

    def acquire(self, channel: str, job_id: int, now: datetime, team: str | None = None
                ) -> datetime | None:
        if team is None or self.channels.interval <= timedelta(0) or (
                self.base is None and team not in self._teams):
            return self.channels.acquire(channel, job_id, now)
        with self._lock:
            ws, here, booked, blocked = self._where(team, job_id, now)
            slot: int | None = None
            if not blocked:
                if booked is not None and booked <= here + self.burst:
                    slot = booked  # its turn has come (or is within the burst)
                elif booked is None:
                    first = ws.free_from(here)
                    slot = first if first <= here + self.burst else None
            if slot is not None:
                wait = ws.wait_for_token(now, self.burst + 1)
                if wait > timedelta(0):  # its turn, but posts are running ahead of the rate
                    ws.book(job_id, slot)
                    return now + wait
                turn = self.channels.acquire(channel, job_id, now)
                if turn is None:
                    ws.book(job_id, slot)
                    del ws.booked[job_id]  # used: the slot stays taken, the job is done
                    ws.spend()
                    return None
                # the workspace has room but the channel does not: a slot at its turn
                earliest = turn
            else:
                if booked is not None and booked > here and not blocked:
                    return ws.time(booked)  # early (claimed ahead): keep its slot
                earliest = max(ws.time(here + 1), self.channels.next_turn(channel, now))
                if blocked and ws.blocked_until is not None:
                    earliest = max(earliest, ws.blocked_until)
            ws.unbook(job_id)
            slot = ws.free_from(ws.index(earliest))
            ws.book(job_id, slot)
            return max(earliest, ws.time(slot))

    def reserve(self, team: str, job_id: int, now: datetime, channel: str | None = None
                ) -> datetime | None:
        """Before a job runs: None if its workspace (and ``channel``, when known) has a
        turn for it now, else the time of its turn; either way the turn is booked for it.
        Lets the runner send a job of a busy workspace straight back to the queue, at its
        turn, without running it. Without ``channel`` the channel is checked only when
        the job runs (``acquire``)."""
        if self.base is None and team not in self._teams:
            return None
        if self.channels.interval <= timedelta(0):
            return None
        with self._lock:
            ws, here, booked, blocked = self._where(team, job_id, now)
            if booked is not None and not blocked:
                return None if booked <= here + self.burst else ws.time(booked)
            earliest = ws.blocked_until if blocked and ws.blocked_until else now
            if channel is not None:
                earliest = max(earliest, self.channels.next_turn(channel, now))
            ws.unbook(job_id)
            slot = ws.free_from(ws.index(earliest))
            at = max(earliest, ws.time(slot))
            ws.book(job_id, slot)
            now_ok = not blocked and slot <= here + self.burst and earliest <= now
            if channel is not None:
                self.channels.book(channel, job_id, now if now_ok else at)
            return None if now_ok else at

    def release(self, channel: str, now: datetime) -> None:
        self.channels.release(channel, now)

    def block(self, channel: str, until: datetime, team: str | None = None) -> None:
        """A 429 on a post: the channel waits until ``until``, and so does the whole
        workspace (Slack does not say which limit it was). A second 429 within a minute
        slows the workspace down as well; a workspace with no known rate is paced from its
        first 429 on. The 429s of posts that were already on their way when the first one
        came count as one."""
        self.channels.block(channel, until)
        if team is None:
            return
        with self._lock:
            ws = self._teams.get(team)
            if (ws is not None and ws.adopted_at is not None
                    and until - ws.adopted_at < HANDOVER):
                # just taken over: most likely the channel's limit (this worker does not
                # know when the previous one last posted in each channel), not the
                # workspace's, which this worker has kept to from the start
                return
            if ws is None:
                ws = self._teams[team] = _Workspace(self.base or DEFAULT_INTERVAL, until)
            new = ws.last_429 is None or until > ws.last_429 + SAME_429
            again = ws.last_429 is not None and until - ws.last_429 < self.RECOVER
            ws.blocked_until = max(ws.blocked_until or until, until)
            ws.last_429 = until
            slower = min(ws.interval * self.SLOWER, self.SLOWEST)
            if new and (again or self.base is None) and slower != ws.interval:
                self._rebase(ws, slower, until)

    def adopt(self, waiting: list[tuple[str, int, datetime]], now: datetime) -> None:
        """Jobs (team, job id, due at) already given turns by another worker (a shard this
        one just took): their slots are booked here, so the workspace keeps the line the
        other worker set up instead of getting a second one on top of it."""
        with self._lock:
            for team, job_id, at in sorted(waiting, key=lambda w: w[2]):
                ws = self._workspace(team, now)
                ws.adopted_at = now
                if job_id not in ws.booked:
                    ws.book(job_id, ws.free_from(max(ws.index(at), ws.index(now))))

    def blocked_until(self, channel: str, now: datetime) -> datetime | None:
        return self.channels.blocked_until(channel, now)

    def forget(self, job_id: int) -> None:
        self.channels.forget(job_id)
        with self._lock:
            for ws in self._teams.values():
                ws.unbook(job_id)

    def rate(self, team: str) -> float | None:
        """Posts a minute this pacer now allows in ``team`` (None: not limited)."""
        with self._lock:
            ws = self._teams.get(team)
            interval = ws.interval if ws is not None else self.base
        return 60 / interval.total_seconds() if interval else None
