"""Per-channel pacing: Slack allows about one message per second per channel.

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

It is per process: one worker leads the scheduler at a time (``bot.db.leader``), so its
pacer sees every post; Slack's 429 (handled by the runner) remains the backstop. Times come
from the caller; nothing here reads the clock.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

PRUNE_AT = 20_000  # channels remembered before idle ones are forgotten


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

    def acquire(self, channel: str, job_id: int, now: datetime) -> datetime | None:
        """None: post now (and call :meth:`release` afterwards). Otherwise the time to
        come back; the job keeps its place in the line."""
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

    def block(self, channel: str, until: datetime) -> None:
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
