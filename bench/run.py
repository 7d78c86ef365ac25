"""Benchmarks, side by side with a bare Bolt app, in one run: ``python -m bench.run``.

Everything runs on 127.0.0.1: the fake Slack from tests/, the product bot, the bare app
(for the HTTP benchmark the bot and the bare app run as processes of their own, see
bench/procs.py; BENCH_PROFILE=<dir> samples them with py-spy).
Request loops are bounded by count and time. Prints tables; nothing here asserts.

Options: --quick (smaller counts), --only http|submit|home|scheduler|memory|anchor
(anchor: bare Bolt at its best, ../shared/bench-anchor, see bench/anchor.py). The scheduler
part starts a throwaway PostgreSQL cluster of its own (bench/scheduler.py).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import http.client
import json
import os
import platform
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


from bench import procs  # noqa: E402
from bench.anchor import bench_anchor  # noqa: E402
from bench.procs import AppProcess, product_web_threads  # noqa: E402
from bench.scheduler import bench_scheduler  # noqa: E402
from tests.fakeslack.client import command_fields, signature  # noqa: E402
from tests.fakeslack.server import FakeSlack  # noqa: E402
from tests.support import scenarios  # noqa: E402
from tests.support.harness import SECRET, TOKEN, start_bot  # noqa: E402

MAX_SECONDS_PER_RUN = 60.0


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def signed(body: str, secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    """A form-encoded request signed as Slack signs it: v0 HMAC-SHA256 over
    ``v0:<timestamp>:<body>`` with the signing secret, timestamped now."""
    ts = str(int(time.time()))
    return body.encode(), {"Content-Type": "application/x-www-form-urlencoded",
                           "X-Slack-Request-Timestamp": ts,
                           "X-Slack-Signature": signature(secret, ts, body)}


def signed_command(secret: str, trigger_id: str) -> tuple[bytes, dict[str, str]]:
    """A /engagement slash command (no text: opens the questionnaire), signed."""
    return signed(urlencode(command_fields("", user_id="U1", channel_id="C1", team_id="T1",
                                           trigger_id=trigger_id)), secret)


def post(port: int, body: bytes, headers: dict[str, str]) -> int:
    """One request on a fresh connection (as a webhook sender does), 10 s timeout."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", "/slack/events", body=body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


Request = Callable[[str], tuple[bytes, dict[str, str]]]


def command_request(trigger: str) -> tuple[bytes, dict[str, str]]:
    return signed_command(SECRET, trigger)


def signed_interaction(payload: dict[str, Any]) -> Request:
    """An interaction request (``payload=<json>``), signed afresh each time it is sent."""
    body = urlencode({"payload": json.dumps(payload)})
    return lambda _trigger: signed(body)


def load(app: AppProcess, fake: FakeSlack, *, concurrency: int, count: int,
         request: Request = command_request) -> dict[str, Any]:
    """Send at most `count` signed requests (by default /engagement commands) to `app`,
    `concurrency` at a time, for at most MAX_SECONDS_PER_RUN; then wait (bounded) for the
    views.open calls of the commands' trigger_ids."""
    opens_expected = request is command_request
    sent: dict[str, float] = {}
    acks: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + MAX_SECONDS_PER_RUN

    def one(i: int) -> None:
        if time.monotonic() > deadline:
            return
        trigger = f"{i}.{uuid.uuid4().hex}"
        body, headers = request(trigger)
        start = time.monotonic()
        with lock:
            sent[trigger] = start
        try:
            status = post(app.port, body, headers)
        except OSError:
            status = 0
        took = time.monotonic() - start
        with lock:
            if status == 200:
                acks.append(took)
            else:
                errors[0] += 1

    fake.reset()
    gc.collect()
    cpu0, log0 = app.cpu_seconds(), app.log_lines()
    own0 = time.process_time()
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(count)))
    wall = time.monotonic() - began
    if opens_expected:
        with contextlib.suppress(AssertionError):  # bounded wait for the views.open calls
            fake.wait_for("views.open", count=len(acks), timeout=30)
    cpu = app.cpu_seconds() - cpu0
    own = time.process_time() - own0  # load generator + fake Slack
    opens = [c.received_at - sent[c.args["trigger_id"]] for c in fake.calls_to("views.open")
             if c.args.get("trigger_id") in sent]
    return {"acks": acks, "opens": opens, "wall": wall, "cpu": cpu, "own_cpu": own,
            "errors": errors[0], "log_lines": app.log_lines() - log0}


def summarize(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Several runs of one app at one concurrency, pooled."""
    acks = [a for r in runs for a in r["acks"]]
    opens = [o for r in runs for o in r["opens"]]
    wall = sum(r["wall"] for r in runs)
    n = len(acks)
    return {
        "n": n, "rps": n / wall if wall else 0.0, "errors": sum(r["errors"] for r in runs),
        "ack_p50": pct(acks, 50) * 1000, "ack_p95": pct(acks, 95) * 1000,
        "ack_p99": pct(acks, 99) * 1000, "ack_max": max(acks) * 1000 if acks else 0.0,
        "open_p50": pct(opens, 50) * 1000, "open_p99": pct(opens, 99) * 1000,
        "opened": len(opens),
        "cpu_ms": sum(r["cpu"] for r in runs) / n * 1000 if n else float("nan"),
        "bench_cpu_ms": sum(r["own_cpu"] for r in runs) / n * 1000 if n else float("nan"),
        "log_per_req": sum(r["log_lines"] for r in runs) / n if n else float("nan"),
    }


def submission(app: AppProcess, fake: FakeSlack) -> Request:
    """The product's first modal step, submitted with valid answers: the view as the fake
    recorded it when the product opened it, filled in as a person would. Both apps get
    this same payload (Slack sends the whole view back with every submission)."""

    from tests.e2e.flow import answers_by_step
    from tests.fakeslack.client import fill, view_submission_payload

    load(app, fake, concurrency=1, count=1)  # one /engagement: the modal it opens
    view = fake.calls_to("views.open")[-1].response["view"]
    scenario = scenarios.answers(scenarios.OWNER_GAP)
    step0 = answers_by_step(scenario)[0]
    return signed_interaction(view_submission_payload(view, fill(view, step0), user_id="U1",
                                                      team_id="T1"))


def bench_interactions(apps: dict[str, AppProcess], fake: FakeSlack, counts: dict[int, int],
                       rounds: int) -> list[str]:
    """A modal step submitted (``view_submission``, the same ~8 KB payload to both): the
    product validates the step and answers with the next one (``response_action:
    update``); bare Bolt acks with an update echoing the view. Same rounds and pooling as
    the commands."""
    request = submission(apps["bot"], fake)
    lines = ["## Interactions: view_submission of the first modal step, ack (ms)",
             f"{'c':>3} {'app':>5} {'n':>5} {'req/s':>8} {'ack p50':>8} {'p95':>7} "
             f"{'p99':>7} {'max':>7} {'cpu/req':>8}"]
    for c, n in counts.items():
        runs: dict[str, list[dict[str, Any]]] = {"bare": [], "bot": []}
        for rnd in range(rounds):
            for name in ("bare", "bot") if rnd % 2 == 0 else ("bot", "bare"):
                runs[name].append(load(apps[name], fake, concurrency=c, count=n,
                                       request=request))
        results = {name: summarize(r) for name, r in runs.items()}
        for name, r in results.items():
            lines.append(f"{c:>3} {name:>5} {r['n']:>5} {r['rps']:>8.0f} {r['ack_p50']:>8.2f} "
                         f"{r['ack_p95']:>7.2f} {r['ack_p99']:>7.2f} {r['ack_max']:>7.2f} "
                         f"{r['cpu_ms']:>8.2f}"
                         + (f"  ({r['errors']} errors)" if r["errors"] else ""))
        b, p = results["bare"], results["bot"]
        lines.append(f"{c:>3} ratio bot/bare: req/s {p['rps'] / b['rps']:.2f}x, "
                     f"ack p99 {p['ack_p99'] / b['ack_p99']:.2f}x, "
                     f"cpu/req {p['cpu_ms'] / b['cpu_ms']:.2f}x")
        print("\n".join(lines[-3:]), file=sys.stderr, flush=True)
    return lines


def bench_http(quick: bool) -> list[str]:
    """Bare Bolt vs the product, each in its own process (``engagement-bot serve`` and
    ``python -m bench.bare_app``, same server and thread count), loaded one at a time from
    this process, which also holds the fake Slack and the load generator.

    Each concurrency is measured in rounds of one run per app, alternating which goes first
    (bare, bot, bot, bare, ...), and the samples of all rounds are pooled, so drift during
    the run favours neither app. The spread line gives the lowest and highest bot/bare ratio
    of single rounds, to show how much one round can be trusted."""
    counts = {1: 150, 8: 600, 32: 1200} if not quick else {1: 60, 8: 240, 32: 480}
    rounds = 6 if not quick else 2
    threads = product_web_threads()
    lines: list[str] = []
    with FakeSlack(validate=False) as fake, tempfile.TemporaryDirectory() as tmp:
        log_dir = Path(tmp)
        apps = {
            "bare": procs.start_bare(api_url=fake.base_url, token=TOKEN, secret=SECRET,
                                     threads=threads, log_dir=log_dir),
            "bot": procs.start_bot(api_url=fake.base_url, token=TOKEN, secret=SECRET,
                                   db_url=f"sqlite:///{tmp}/bench.db", log_dir=log_dir),
        }
        try:
            for app in apps.values():  # warm up both (imports, first auth.test, pools)
                load(app, fake, concurrency=4, count=100)
            lines.append(f"## /engagement: ack and trigger→views.open (ms); each app in its "
                         f"own process, {threads} server threads, loaded one at a time, "
                         f"{rounds} rounds pooled")
            lines.append(f"{'c':>3} {'app':>5} {'n':>5} {'req/s':>8} {'ack p50':>8} "
                         f"{'p95':>7} {'p99':>7} {'max':>7} {'open p50':>9} {'p99':>7} "
                         f"{'cpu/req':>8} {'bench':>6} {'log/req':>7}")
            for c, n in counts.items():
                runs: dict[str, list[dict[str, Any]]] = {"bare": [], "bot": []}
                for rnd in range(rounds):
                    for name in ("bare", "bot") if rnd % 2 == 0 else ("bot", "bare"):
                        with apps[name].profiled(f"c{c}-r{rnd}"):
                            runs[name].append(load(apps[name], fake, concurrency=c, count=n))
                results = {name: summarize(r) for name, r in runs.items()}
                for name, r in results.items():
                    lines.append(
                        f"{c:>3} {name:>5} {r['n']:>5} {r['rps']:>8.0f} {r['ack_p50']:>8.2f} "
                        f"{r['ack_p95']:>7.2f} {r['ack_p99']:>7.2f} {r['ack_max']:>7.2f} "
                        f"{r['open_p50']:>9.2f} {r['open_p99']:>7.2f} {r['cpu_ms']:>8.2f} "
                        f"{r['bench_cpu_ms']:>6.2f} {r['log_per_req']:>7.1f}"
                        + (f"  ({r['errors']} errors)" if r["errors"] else "")
                        + (f"  ({r['n'] - r['opened']} not opened)"
                           if r["opened"] != r["n"] else ""))
                b, p = results["bare"], results["bot"]
                lines.append(f"{c:>3} ratio bot/bare: req/s {p['rps'] / b['rps']:.2f}x, "
                             f"open p99 {p['open_p99'] / b['open_p99']:.2f}x, "
                             f"ack p99 {p['ack_p99'] / b['ack_p99']:.2f}x, "
                             f"cpu/req {p['cpu_ms'] / b['cpu_ms']:.2f}x")
                pairs = [(summarize([x]), summarize([y]))
                         for x, y in zip(runs["bare"], runs["bot"], strict=True)]
                rps = sorted(q["rps"] / a["rps"] for a, q in pairs)
                opn = sorted(q["open_p99"] / a["open_p99"] for a, q in pairs)
                lines.append(f"{c:>3} single rounds: req/s {rps[0]:.2f}x..{rps[-1]:.2f}x, "
                             f"open p99 {opn[0]:.2f}x..{opn[-1]:.2f}x")
                print("\n".join(lines[-4:]), file=sys.stderr, flush=True)
            lines += bench_interactions(apps, fake, counts, rounds)
        finally:
            for app in apps.values():
                app.stop()
    return lines


def bench_submit(quick: bool) -> list[str]:
    """Final intake submission → the parent posted, then the whole thread, unloaded."""

    from tests.e2e.flow import answers_by_step
    from tests.fakeslack.client import fill

    scenario = scenarios.answers(scenarios.OWNER_GAP)
    steps = answers_by_step(scenario)
    acks: list[float] = []
    parents: list[float] = []
    posted: list[float] = []
    with FakeSlack(validate=False) as fake, tempfile.TemporaryDirectory() as tmp:
        bot = start_bot(fake, f"sqlite:///{tmp}/bench.db")
        try:
            for _ in range(15 if quick else 60):
                fake.reset()
                bot.slack.command("")
                fake.wait_for("views.open")
                view = bot.last_view()
                for step in steps[:3]:
                    bot.submit(view, step)
                    view = fake.views[view["id"]]
                values = fill(view, steps[3])
                start = time.monotonic()
                resp = bot.slack.view_submission(view, values)
                acks.append(time.monotonic() - start)
                assert resp.status == 200
                # the modal's "posted" update comes after the last reply
                fake.wait_for("views.update",
                              predicate=lambda c, v=view: c.args.get("view_id") == v["id"])
                calls = fake.calls_to("chat.postMessage")
                parents.append(calls[0].received_at - start)
                posted.append(calls[-1].received_at - start)
        finally:
            bot.server.stop()
    return [
        "## Final submission (unloaded, ms)",
        f"ack p50 {pct(acks, 50) * 1000:.1f}  p99 {pct(acks, 99) * 1000:.1f}   "
        f"parent posted p50 {pct(parents, 50) * 1000:.1f}  p99 {pct(parents, 99) * 1000:.1f}   "
        f"parent+thread posted p50 {pct(posted, 50) * 1000:.1f}  "
        f"p99 {pct(posted, 99) * 1000:.1f}   (n={len(acks)})",
    ]


def bench_home(quick: bool) -> list[str]:
    """App Home render (query + build + views.publish) with many assessments in one team."""
    from bot.db import models as m
    from bot.services import home
    from bot.transport.client import make_client

    n = 2000 if quick else 10_000
    times = []
    with FakeSlack(validate=False) as fake, tempfile.TemporaryDirectory() as tmp:
        bot = start_bot(fake, f"sqlite:///{tmp}/home.db")
        bot.server.stop()
        now = bot.clock()
        with bot.deps.sessions.begin() as s:
            for i in range(n):
                a = m.Assessment(team_id="T1", user_id="U1" if i % 2 else f"U{i}",
                                 channel_id="C1", engagement=f"E{i}", answers={}, verdict={},
                                 bottleneck_kind="ownership", model="product_delivery",
                                 confidence=0.9, created_at=now + timedelta(seconds=i),
                                 updated_at=now)
                s.add(a)
                s.flush()
                for seq in (1, 2):
                    s.add(m.Checkin(team_id="T1", assessment_id=a.id, seq=seq, of_total=2,
                                    due_at=now + timedelta(days=14 * seq), status="scheduled",
                                    created_at=now))
        client = make_client(TOKEN, bot.deps)
        for page in [0] * 30 + [n // 20]:
            start = time.monotonic()
            home.publish(client, bot.deps, team_id="T1", user_id="U1", page=page)
            times.append(time.monotonic() - start)
    return [f"## App Home with {n} assessments in one workspace ({n // 2} of them the user's)",
            f"render+publish p50 {pct(times, 50) * 1000:.1f} ms, p99 {pct(times, 99) * 1000:.1f}"
            f" ms (n={len(times)}, includes users.info and views.publish round trips)"]


def bench_memory(quick: bool) -> list[str]:
    """Peak memory of a real `engagement-bot worker` process with 100,000 pending jobs,
    1,000 of them due now (posted through the fake Slack)."""
    import subprocess

    from sqlalchemy import insert

    from bot.db import models as m
    from bot.db.migrate import upgrade
    from bot.db.session import make_engine

    pending, due = (20_000, 200) if quick else (100_000, 1_000)
    with FakeSlack(validate=False) as fake, tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/mem.db"
        upgrade(url)
        now = datetime.now(UTC)
        engine = make_engine(url)
        with engine.begin() as conn:
            rows = [{"team_id": "T1", "kind": "checkin_miss", "ref_id": i,
                     "due_at": now + (timedelta(seconds=-1) if i < due else timedelta(days=30)),
                     "status": "pending", "idempotency_key": f"mem:{i}", "attempts": 0,
                     "max_attempts": 8, "created_at": now, "updated_at": now}
                    for i in range(pending)]
            conn.execute(insert(m.Job), rows)
        engine.dispose()
        env = dict(os.environ, SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=fake.base_url,
                   DATABASE_URL=url, ENGAGEMENT_SCHEDULER_INTERVAL="0.2", LOG_LEVEL="WARNING")
        exe = str(Path(sys.executable).with_name("engagement-bot"))
        proc = subprocess.Popen([exe, "worker"], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        peak = 0
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                time.sleep(0.5)
                peak = max(peak, procs.peak_rss_mb(proc.pid))
                with make_engine(url).connect() as conn:
                    from sqlalchemy import text

                    done = conn.execute(text("SELECT count(*) FROM jobs WHERE status='done'")
                                        ).scalar()
                if done and done >= due:
                    break
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return [f"## Worker memory: {pending:,} pending jobs, {due:,} due now",
            f"peak RSS of the `engagement-bot worker` process {peak} MB (target < 150 MB); "
            f"{done} due jobs done"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=["http", "submit", "home", "scheduler", "memory",
                                           "anchor"])
    args = parser.parse_args()
    out = [f"# Benchmarks {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
           f"({os.cpu_count()} cores, Python {platform.python_version()})"]
    for name, fn in (("http", bench_http), ("submit", bench_submit), ("home", bench_home),
                     ("scheduler", bench_scheduler), ("memory", bench_memory),
                     ("anchor", bench_anchor)):
        if args.only in (None, name):
            out += fn(args.quick)
            print("\n".join(out), flush=True)
            out = []



if __name__ == "__main__":
    main()
