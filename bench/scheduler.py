"""Scheduler fan-out benchmark (``python -m bench.run --only scheduler``).

A Monday 09:00 in a hosted, multi-workspace deployment: W workspaces of C channels each,
N check-ins and H health-check runs falling due at the same moment, spread evenly over
the workspaces and their channels. Real ``engagement-bot worker`` processes (OAuth mode,
one installed token per workspace) drain the queue from a throwaway PostgreSQL cluster
(as the tests start one, ``tests/support/postgres.py``). The fake Slack runs as its own
process with Slack's limits (``python -m tests.fakeslack.serve --rate-limit 1 --limits``):
one post a second per channel, 300 posts a minute per workspace with a burst of 10, and
every other method's tier per workspace, each answered with 429 + Retry-After.

Reported for 1, 2 and 4 workers: the drain time (first post to last) against the floor
the limits set (the slowest workspace's queue: its burst of 10, then 5 a second; or the
slowest channel's: one a second), delivered, lost and duplicated (by the check-in or run
id in each post's metadata), 429s per method, each worker's CPU seconds and peak RSS.
Then: SIGKILL one of four workers mid-drain (how long its workspaces went without a post,
and whether anything was lost or doubled), and one workspace with 2,000 channels.

``--quick``: 20 workspaces of 20 channels, 2,000 check-ins and 200 runs (a few minutes in
all). ``BENCH_WORKERS=1,2,4`` chooses the worker counts, ``BENCH_WORKER_THREADS`` (8) the
threads of each.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.procs import cpu_seconds, peak_rss_mb

REPO = Path(__file__).resolve().parents[1]
BURST, PER_SECOND = 10, 5.0  # the fake's workspace limit: 300 a minute, a burst of 10
CLIENT_ID = "111.222"
KINDS = ("checkin_post", "health_post")


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _team(i: int) -> str:
    return f"T{i:04d}"


def seed(url: str, key: str, workspaces: int, channels: int, checkins: int, runs: int,
         now: datetime) -> dict[str, int]:
    """Installs, check-ins and health checks; returns posts due per workspace."""
    from slack_sdk.oauth.installation_store import Installation
    from sqlalchemy import insert, select

    from bot.db import models as m
    from bot.db.migrate import upgrade
    from bot.db.queue import shard_of
    from bot.deps import build_deps
    from bot.settings import Settings

    upgrade(url)
    deps = build_deps(Settings(_env_file=None, SLACK_CLIENT_ID=CLIENT_ID,
                               SLACK_CLIENT_SECRET="x", ENGAGEMENT_ENCRYPTION_KEY=key,
                               DATABASE_URL=url))
    for w in range(workspaces):
        team = _team(w)
        deps.installation_store.save(Installation(
            app_id="A1", enterprise_id=None, team_id=team, bot_token=f"xoxb-{team}-installed",
            bot_id=f"B{team}", bot_user_id="UBOT", bot_scopes="chat:write",
            user_id="UINSTALLER"))
    engine = deps.sessions.kw["bind"]
    due: Counter[str] = Counter()
    common = {"created_at": now}
    with engine.begin() as conn:
        rows = []
        for i in range(checkins):
            team, channel = _team(i % workspaces), f"C{(i // workspaces) % channels:05d}"
            rows.append({**common, "team_id": team, "user_id": "U1",
                         "channel_id": f"{channel}{team}", "message_ts": f"1.{i}",
                         "engagement": f"E{i}", "answers": {}, "verdict": {},
                         "bottleneck_kind": "ownership", "model": "product_delivery",
                         "confidence": 0.9, "status": "posted", "followups_status": "active",
                         "updated_at": now})
            due[team] += 1
        for start in range(0, len(rows), 5000):
            conn.execute(insert(m.Assessment), rows[start:start + 5000])
        assessments = conn.execute(select(m.Assessment.id, m.Assessment.team_id)
                                   .order_by(m.Assessment.id)).all()
        for start in range(0, len(assessments), 5000):
            conn.execute(insert(m.Checkin), [
                {**common, "team_id": t, "assessment_id": a, "seq": 1, "of_total": 1,
                 "due_at": now, "status": "scheduled"}
                for a, t in assessments[start:start + 5000]])
        checkin_rows = conn.execute(select(m.Checkin.id, m.Checkin.team_id)
                                    .order_by(m.Checkin.id)).all()
        jobs = [{"team_id": t, "shard": shard_of(t), "kind": "checkin_post", "ref_id": c,
                 "payload": None,
                 "due_at": now, "status": "pending", "idempotency_key": f"checkin_post:{c}",
                 "attempts": 0, "max_attempts": 8, "created_at": now, "updated_at": now}
                for c, t in checkin_rows]
        hcs = []
        for i in range(runs):
            team = _team(i % workspaces)
            channel = f"C{(channels - 1 - (i // workspaces) % channels):05d}{team}"
            hcs.append({"team_id": team, "channel_id": channel, "creator_id": "U1",
                        "cadence": "weekly", "weekday": now.weekday(),
                        "local_time": f"{now:%H:%M}", "timezone": "UTC",
                        "skip_weekends": False, "window_seconds": 86400, "min_responses": 3,
                        "status": "active", "next_run_at": now, "anchor_at": now,
                        "created_at": now, "updated_at": now})
            due[team] += 1
        if hcs:
            conn.execute(insert(m.HealthCheck), hcs)
        for hc_id, t in conn.execute(select(m.HealthCheck.id, m.HealthCheck.team_id)):
            jobs.append({"team_id": t, "shard": shard_of(t), "kind": "health_post",
                         "ref_id": hc_id, "payload": {"at": now.isoformat()}, "due_at": now,
                         "status": "pending",
                         "idempotency_key": f"health_post:{hc_id}:{now.isoformat()}",
                         "attempts": 0, "max_attempts": 8, "created_at": now,
                         "updated_at": now})
        for start in range(0, len(jobs), 5000):
            conn.execute(insert(m.Job), jobs[start:start + 5000])
    engine.dispose()
    return dict(due)


def _left(url: str, now: datetime) -> int:
    """Seeded jobs not done yet (a posted run schedules next week's: not counted)."""
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        row = conn.execute("SELECT count(*) FROM jobs WHERE kind IN ('checkin_post', "
                           "'health_post') AND status IN ('pending', 'claimed') AND "
                           "created_at <= %s", (now,)).fetchone()
    return int(row[0]) if row else 0


def _owned_teams(url: str, pid: int, teams: list[str]) -> set[str]:
    """The workspaces whose shards the worker ``pid`` owns now."""
    import psycopg

    from bot.db.queue import shard_of

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        owned = {s for s, o in conn.execute("SELECT shard, owner FROM scheduler_shards")
                 if o and o.split(":")[1] == str(pid)}
    return {t for t in teams if shard_of(t) in owned}


def floor_of(due: dict[str, int], per_channel_max: int) -> float:
    slowest_ws = max(max(0, n - BURST) / PER_SECOND for n in due.values())
    return max(slowest_ws, per_channel_max - 1.0)


def run(cluster: Any, *, workspaces: int, channels: int, checkins: int, runs: int,
        workers: int, threads: int, kill_at: float | None = None) -> dict[str, Any]:
    url = cluster.fresh_database()
    key = _fernet_key()
    now = datetime.now(UTC)
    due = seed(url, key, workspaces, channels, checkins, runs, now)
    per_channel = Counter()
    for i in range(checkins):
        per_channel[(i % workspaces, (i // workspaces) % channels)] += 1
    for i in range(runs):
        per_channel[(i % workspaces, channels - 1 - (i // workspaces) % channels)] += 1
    floor = floor_of(due, max(per_channel.values()))
    fake = subprocess.Popen([sys.executable, "-m", "tests.fakeslack.serve", "--rate-limit",
                             "1", "--limits"], cwd=REPO, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert fake.stdout is not None
    base_url = fake.stdout.readline().strip()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET="x", SLACK_API_URL=base_url,
               ENGAGEMENT_ENCRYPTION_KEY=key, DATABASE_URL=url, LOG_LEVEL="WARNING",
               ENGAGEMENT_SCHEDULER_INTERVAL="0.1", ENGAGEMENT_WORKER_THREADS=str(threads))
    exe = str(Path(sys.executable).with_name("engagement-bot"))
    started = time.monotonic()
    procs = [subprocess.Popen([exe, "worker"], env=env, stdout=subprocess.DEVNULL)
             for _ in range(workers)]
    peaks = [0] * workers
    cpu = [0.0] * workers
    killed: dict[str, Any] = {}
    deadline = started + 4 * floor + 180
    try:
        while time.monotonic() < deadline:
            time.sleep(0.25)
            for i, proc in enumerate(procs):
                if proc.poll() is None:
                    peaks[i] = max(peaks[i], peak_rss_mb(proc.pid))
                    cpu[i] = max(cpu[i], cpu_seconds(proc.pid))
            if kill_at is not None and not killed and time.monotonic() - started >= kill_at:
                victim = procs[0]
                teams = _owned_teams(url, victim.pid, [_team(w) for w in range(workspaces)])
                victim.send_signal(signal.SIGKILL)
                killed = {"at": time.monotonic(), "teams": teams}
                victim.wait(timeout=10)
            if _left(url, now) == 0:
                break
        wall = time.monotonic() - started
        with urllib.request.urlopen(base_url.replace("/api/", "/_fake/summary")) as resp:
            summary = json.loads(resp.read())
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)
        assert fake.stdin is not None
        fake.stdin.close()
        fake.wait(timeout=30)
    keys: Counter[str] = Counter()
    times, by_team = [], defaultdict(list)
    for _channel, payload, received, team in summary["posts"]:
        payload = payload or {}
        ident = (f"c{payload['checkin_id']}" if "checkin_id" in payload
                 else f"r{payload['run_id']}" if "run_id" in payload else None)
        if ident is None:
            continue
        keys[ident] += 1
        times.append(received)
        by_team[team].append(received)
    times.sort()
    total = checkins + runs
    posts = sum(keys.values())
    result: dict[str, Any] = {
        "workers": workers, "floor": floor,
        "drain": times[-1] - times[0] if times else float("nan"), "wall": wall,
        "delivered": len(keys), "lost": total - len(keys),
        "dup": sum(v - 1 for v in keys.values()), "posts": posts,
        "limited": summary.get("limited_by", {}), "limited_total": summary["rate_limited"],
        "peaks": peaks, "cpu": cpu, "fake_cpu": summary["cpu_seconds"],
    }
    t0 = times[0] if times else 0.0
    ends = sorted(max(v) - t0 for v in by_team.values() if v)
    starts = sorted(min(v) - t0 for v in by_team.values() if v)
    result["ws_end"] = (ends[len(ends) // 2], ends[-1]) if ends else (0.0, 0.0)
    result["ws_start_max"] = starts[-1] if starts else 0.0
    if killed:
        gaps = []
        for team in killed["teams"]:
            ts = sorted(by_team[team])
            after = [t for t in ts if t > killed["at"]]
            before = [t for t in ts if t <= killed["at"]]
            if after:
                gaps.append(after[0] - (before[-1] if before else killed["at"]))
        result["killed_teams"] = len(killed["teams"])
        result["resume_max"] = max(gaps) if gaps else float("nan")
        result["resume_after_kill"] = max(
            (min(t for t in by_team[team] if t > killed["at"]) - killed["at"])
            for team in killed["teams"] if any(t > killed["at"] for t in by_team[team])
        ) if killed["teams"] else float("nan")
    return result


def _limited_text(r: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(r["limited"].items())) or "none"


def _spread(r: dict[str, Any]) -> str:
    median, last = r["ws_end"]
    return (f"workspaces' last post: median {median:.1f} s, slowest {last:.1f} s after the "
            f"first post; the last workspace to start started at {r['ws_start_max']:.1f} s")


def _row(r: dict[str, Any]) -> str:
    ratio = r["drain"] / r["floor"] if r["floor"] else float("nan")
    per_post = r["limited_total"] / max(r["posts"], 1)
    return (f"| {r['workers']} | {r['drain']:.1f} | {r['floor']:.1f} | {ratio:.2f}x | "
            f"{r['wall']:.1f} | {r['delivered']:,} | {r['lost']} | {r['dup']} | "
            f"{r['limited_total']} ({per_post:.3f}/post: {_limited_text(r)}) | "
            f"{' / '.join(f'{c:.1f}' for c in r['cpu'])} | "
            f"{' / '.join(str(p) for p in r['peaks'])} | {r['fake_cpu']:.1f} |")


HEADER = ("| workers | drain s | floor s | ratio | wall s | delivered | lost | dup | 429s | "
          "worker CPU s | peak RSS MB | fake CPU s |\n"
          "| --: | --: | --: | --: | --: | --: | --: | --: | --- | --: | --: | --: |")


def bench_scheduler(quick: bool) -> list[str]:
    from tests.support.postgres import Cluster

    workspaces, channels, checkins, runs = (20, 20, 2000, 200) if quick else \
        (100, 100, 20_000, 2000)
    big_channels, big_posts = (2000, 300) if quick else (2000, 1000)
    threads = int(os.environ.get("BENCH_WORKER_THREADS", "8"))
    counts = [int(w) for w in os.environ.get("BENCH_WORKERS", "1,2,4").split(",")]
    cluster = Cluster()
    cluster.start()
    lines = [f"## Scheduler: {workspaces} workspaces x {channels} channels, {checkins:,} "
             f"check-ins + {runs:,} health-check runs due at once (PostgreSQL; fake Slack "
             "with its limits, in its own process)", HEADER]
    spreads: list[str] = []
    try:
        for workers in counts:
            r = run(cluster, workspaces=workspaces, channels=channels, checkins=checkins,
                    runs=runs, workers=workers, threads=threads)
            lines.append(_row(r))
            spreads.append(f"{workers} worker(s): {_spread(r)}")
            print(lines[-1], spreads[-1], flush=True)
        lines += ["", *spreads]
        r = run(cluster, workspaces=workspaces, channels=channels, checkins=checkins,
                runs=runs, workers=4, threads=threads, kill_at=12.0)
        lines += ["", "### SIGKILL one of four workers 12 s after they start", HEADER,
                  _row(r),
                  f"killed worker's workspaces: {r.get('killed_teams')}; longest gap "
                  f"between two posts in one of them across the kill "
                  f"{r.get('resume_max', float('nan')):.2f} s; first post in each after "
                  f"the kill within {r.get('resume_after_kill', float('nan')):.2f} s"]
        print("\n".join(lines[-4:]), flush=True)
        r = run(cluster, workspaces=1, channels=big_channels, checkins=big_posts, runs=0,
                workers=1, threads=threads)
        lines += ["", f"### One workspace, {big_channels:,} channels, {big_posts:,} "
                      "check-ins due at once (1 worker)", HEADER, _row(r)]
        print(lines[-1], flush=True)
    finally:
        cluster.stop()
    return lines
