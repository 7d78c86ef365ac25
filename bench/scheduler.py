"""Scheduler drain benchmark: N check-ins due at once over C channels (``--only scheduler``)."""

from __future__ import annotations

import os
import resource
import tempfile
import time
from datetime import datetime, timedelta

from tests.fakeslack.server import FakeSlack
from tests.support.harness import TOKEN, start_bot


def bench_scheduler(quick: bool) -> list[str]:
    """N check-ins due at once over C channels, the fake enforcing ~1 msg/s/channel."""
    from collections import Counter

    from bot.db import models as m
    from bot.db import queue

    n, channels = (2000, 200) if quick else (10_000, 1000)
    lines = []
    with FakeSlack(validate=False) as fake, tempfile.TemporaryDirectory() as tmp:
        bot = start_bot(fake, f"sqlite:///{tmp}/sched.db")
        bot.server.stop()
        now = bot.clock()
        with bot.deps.sessions.begin() as s:
            for i in range(n):
                ch = f"C{i % channels:05d}"
                a = m.Assessment(team_id="T1", user_id="U1", channel_id=ch,
                                 message_ts=f"1.{i}", engagement=f"E{i}", answers={},
                                 verdict={}, bottleneck_kind="ownership",
                                 model="product_delivery", confidence=0.9, status="posted",
                                 followups_status="active", created_at=now, updated_at=now)
                s.add(a)
                s.flush()
                c = m.Checkin(team_id="T1", assessment_id=a.id, seq=1, of_total=1,
                              due_at=now, status="scheduled", created_at=now)
                s.add(c)
                s.flush()
                queue.enqueue(s, team_id="T1", kind="checkin_post", due_at=now,
                              idempotency_key=f"checkin_post:{c.id}", ref_id=c.id, now=now)
        fake.rate_limit_per_channel(None if os.environ.get("BENCH_NO_RATE") else 1.0)
        per_channel = n / channels
        floor = per_channel - 1  # first message at t=0, then one a second
        real_start = time.monotonic()

        def clock() -> datetime:  # the test clock, moving at wall-clock speed from `now`
            return now + timedelta(seconds=time.monotonic() - real_start)

        from dataclasses import replace

        from bot.app import make_client
        from bot.scheduling.runner import SchedulerRunner

        deps = replace(bot.deps, clock=clock)
        runner = SchedulerRunner(deps, make_client(TOKEN, deps, wait_on_rate_limit=False),
                                 threads=int(os.environ.get("BENCH_WORKER_THREADS", "8")))
        deadline = real_start + floor * 4 + 60
        while time.monotonic() < deadline:
            runner.tick()
            with bot.deps.sessions() as s:
                left = s.query(m.Job).filter(m.Job.kind == "checkin_post",
                                             m.Job.status.in_(("pending", "claimed"))).count()
            if left == 0:
                break
            time.sleep(0.05)
        drain = time.monotonic() - real_start
        runner.stop()
        posts = [c for c in fake.calls_to("chat.postMessage")
                 if "checkin_actions" in str(c.args.get("blocks"))]
        ids = Counter(str(c.args["blocks"]).split("'value': '")[1].split("'")[0] for c in posts)
        with bot.deps.sessions() as s:
            failed = s.query(m.Job).filter(m.Job.status == "failed").count()
        if os.environ.get("BENCH_DEBUG"):
            from collections import defaultdict
            per: dict[str, list[float]] = defaultdict(list)
            for c in posts:
                per[c.args["channel"]].append(c.received_at)
            gaps = sorted(b - a for ts in per.values() for a, b in zip(ts, ts[1:], strict=False))
            t0 = min(c.received_at for c in posts)
            hist = Counter(int(c.received_at - t0) for c in posts)
            print("gaps p50/p90/max", gaps[len(gaps) // 2], gaps[int(len(gaps) * .9)], gaps[-1])
            print("posts per second", sorted(hist.items()))
        lost = n - len(ids)
        dup = sum(v - 1 for v in ids.values())
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        lines += [
            f"## Scheduler: {n} check-ins due at once over {channels} channels, 1 msg/s/channel",
            f"drain {drain:.1f}s vs rate-limit floor {floor:.0f}s = {drain / floor:.2f}x; "
            f"delivered {len(ids)}, lost {lost}, duplicated {dup}, failed {failed}, "
            f"429s answered by the fake {fake.rate_limited}; peak RSS of this process "
            f"(fake + worker) {rss:.0f} MB",
        ]
    return lines
