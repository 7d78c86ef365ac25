"""Scheduler drain benchmark (``python -m bench.run --only scheduler``).

N check-ins fall due at once over C channels. The fake Slack runs as its own process and
answers a second post to a channel within a second with HTTP 429 (Slack allows about one
message per second per channel). Real ``engagement-bot worker`` processes drain the queue
from a SQLite file. Nothing shares a GIL with the worker.

Reported: the drain time from the first check-in posted to the last, against the floor the
rate limit allows ((N / C) - 1 seconds: one post per channel at t=0, then one a second),
and the wall time from starting the workers to the queue being empty (includes start-up);
how many check-ins were delivered, lost and duplicated (by the check-in id in each post's
metadata), the 429s answered, and each worker's peak RSS.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.procs import cpu_seconds, peak_rss_mb
from tests.support.harness import SECRET, TOKEN

REPO = Path(__file__).resolve().parents[1]


def _seed(url: str, n: int, channels: int, now: datetime) -> None:
    from sqlalchemy import insert, select

    from bot.db import models as m
    from bot.db.migrate import upgrade
    from bot.db.session import make_engine

    upgrade(url)
    engine = make_engine(url)
    common = {"team_id": "T1", "created_at": now}
    with engine.begin() as conn:
        conn.execute(insert(m.Assessment), [
            {**common, "user_id": "U1", "channel_id": f"C{i % channels:05d}",
             "message_ts": f"1.{i}", "engagement": f"E{i}", "answers": {}, "verdict": {},
             "bottleneck_kind": "ownership", "model": "product_delivery", "confidence": 0.9,
             "status": "posted", "followups_status": "active", "updated_at": now}
            for i in range(n)])
        ids = list(conn.scalars(select(m.Assessment.id).order_by(m.Assessment.id)))
        conn.execute(insert(m.Checkin), [
            {**common, "assessment_id": a, "seq": 1, "of_total": 1, "due_at": now,
             "status": "scheduled"} for a in ids])
        checkins = list(conn.scalars(select(m.Checkin.id).order_by(m.Checkin.id)))
        conn.execute(insert(m.Job), [
            {"team_id": "T1", "kind": "checkin_post", "ref_id": c, "due_at": now,
             "status": "pending", "idempotency_key": f"checkin_post:{c}", "attempts": 0,
             "max_attempts": 8, "created_at": now, "updated_at": now} for c in checkins])
    engine.dispose()


def _left(url: str) -> int:
    import sqlite3

    path = url.split("///", 1)[1]
    with sqlite3.connect(path, timeout=30) as conn:
        row = conn.execute("SELECT count(*) FROM jobs WHERE kind='checkin_post' AND status IN "
                           "('pending','claimed')").fetchone()
    return int(row[0])


def run(n: int, channels: int, workers: int, threads: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/sched.db"
        now = datetime.now(UTC)
        _seed(url, n, channels, now)
        fake = subprocess.Popen([sys.executable, "-m", "tests.fakeslack.serve",
                                 "--rate-limit", "1"], cwd=REPO, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        assert fake.stdout is not None
        base_url = fake.stdout.readline().strip()
        env = dict(os.environ, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
                   SLACK_API_URL=base_url, DATABASE_URL=url, LOG_LEVEL="WARNING",
                   ENGAGEMENT_SCHEDULER_INTERVAL="0.1", ENGAGEMENT_WORKER_THREADS=str(threads))
        exe = str(Path(sys.executable).with_name("engagement-bot"))
        started = time.monotonic()
        procs = [subprocess.Popen([exe, "worker"], env=env, stdout=subprocess.DEVNULL)
                 for _ in range(workers)]
        spy = None
        if os.environ.get("BENCH_PROFILE"):  # =file: GIL-holding stacks of the first worker
            spy = subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record",
                                    "--gil", "-r", "200", "-f", "raw", "-o",
                                    os.environ["BENCH_PROFILE"], "-p", str(procs[0].pid)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peaks = [0] * workers
        deadline = started + 4 * n / channels + 120
        try:
            while time.monotonic() < deadline:
                time.sleep(0.25)
                peaks = [max(p, peak_rss_mb(proc.pid)) for p, proc in zip(peaks, procs,
                                                                        strict=True)]
                if _left(url) == 0:
                    break
            wall = time.monotonic() - started
            cpu = [cpu_seconds(proc.pid) for proc in procs]
            with urllib.request.urlopen(base_url.replace("/api/", "/_fake/summary")) as resp:
                summary = json.loads(resp.read())
        finally:
            if spy is not None:  # first: a signal sent while py-spy has the worker stopped
                spy.send_signal(signal.SIGINT)  # is lost, and the worker would not exit
                spy.wait(timeout=60)
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=60)
            assert fake.stdin is not None
            fake.stdin.close()
            fake.wait(timeout=30)
    posts = [p for p in summary["posts"] if (p[1] or {}).get("checkin_id") is not None]
    ids = Counter(p[1]["checkin_id"] for p in posts)
    times = sorted(p[2] for p in posts)
    return {
        "drain": times[-1] - times[0] if times else float("nan"), "wall": wall,
        "delivered": len(ids), "lost": n - len(ids), "dup": sum(v - 1 for v in ids.values()),
        "rate_limited": summary["rate_limited"], "peaks": peaks, "cpu": cpu,
        "fake_cpu": summary["cpu_seconds"],
    }


def bench_scheduler(quick: bool) -> list[str]:
    n, channels = (2000, 200) if quick else (10_000, 1000)
    floor = n / channels - 1
    threads = int(os.environ.get("BENCH_WORKER_THREADS", "8"))
    lines = [f"## Scheduler: {n:,} check-ins due at once over {channels:,} channels, "
             f"1 msg/s/channel (fake Slack and workers in their own processes)",
             f"{'workers':>7} {'drain s':>8} {'floor s':>8} {'ratio':>6} {'wall s':>7} "
             f"{'delivered':>9} {'lost':>5} {'dup':>4} {'429s':>5} {'peak RSS MB':>12} "
             f"{'worker CPU s':>12} {'fake CPU s':>10}"]
    for workers in [int(w) for w in os.environ.get("BENCH_WORKERS", "1,2").split(",")]:
        r = run(n, channels, workers, threads)
        lines.append(
            f"{workers:>7} {r['drain']:>8.2f} {floor:>8.0f} {r['drain'] / floor:>5.2f}x "
            f"{r['wall']:>7.1f} {r['delivered']:>9} {r['lost']:>5} {r['dup']:>4} "
            f"{r['rate_limited']:>5} {'/'.join(str(p) for p in r['peaks']):>12} "
            f"{'/'.join(f'{c:.1f}' for c in r['cpu']):>12} {r['fake_cpu']:>10.1f}")
    return lines
