"""Run the fake Slack Web API as its own process (benchmarks: it then has a core of its own
instead of sharing the app's GIL).

    python -m tests.fakeslack.serve [--rate-limit PER_SECOND] [--validate]
        [--limits] [--workspace-posts-per-minute N] [--workspace-burst N]

Prints its base URL on the first line of stdout, then serves until stdin closes or SIGTERM.
``GET /_fake/summary`` answers with what was recorded: calls per method, 429s answered, and
every accepted ``chat.postMessage`` as ``[channel, metadata payload, received_at, team]``.
``--rate-limit`` is the per-channel posting limit; ``--limits`` turns on Slack's tier and
workspace limits (``tests.fakeslack.server.Limits``), ``--workspace-*`` change the latter.
"""

from __future__ import annotations

import argparse
import gc
import signal
import sys
import threading
import time
from typing import Any

from tests.fakeslack.server import FakeSlack, Limits, team_of


def summary(fake: FakeSlack) -> dict[str, Any]:
    with fake._cond:
        calls = list(fake.calls)
    methods: dict[str, int] = {}
    posts, limited = [], []
    for c in calls:
        methods[c.method] = methods.get(c.method, 0) + 1
        if c.method == "chat.postMessage" and c.response.get("ok") and not c.injected:
            meta = c.args.get("metadata") or {}
            posts.append([c.args.get("channel"), meta.get("event_payload"), c.received_at,
                          team_of(c.token)])
        elif c.method == "chat.postMessage" and c.response.get("error") == "ratelimited":
            meta = c.args.get("metadata") or {}
            limited.append([c.args.get("channel"), meta.get("event_payload"), c.received_at])
    return {"cpu_seconds": time.process_time(), "methods": methods,
            "rate_limited": fake.rate_limited, "posts": posts, "limited": limited,
            "limited_by": {f"{m} ({which})": n for (m, which), n in fake.limited.items()},
            "connections": fake.connections}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate-limit", type=float, default=None)
    parser.add_argument("--validate", action="store_true")
    parser.add_argument("--limits", action="store_true")
    parser.add_argument("--workspace-posts-per-minute", type=float, default=None)
    parser.add_argument("--workspace-burst", type=int, default=None)
    args = parser.parse_args()
    limits = None
    if args.limits:
        limits = Limits()
        if args.workspace_posts_per_minute is not None:
            limits.workspace_posts_per_minute = args.workspace_posts_per_minute
        if args.workspace_burst is not None:
            limits.workspace_post_burst = args.workspace_burst
    # The fake keeps every call it answered (tens of thousands in a benchmark); a full
    # collection of all that pauses it for tens of milliseconds, during which requests wait
    # unanswered and then reach the per-channel rate limiter bunched up, as if the client had
    # sent them too close together. Real Slack has no such pauses; reference counting still
    # frees everything that is not a cycle.
    gc.disable()
    fake = FakeSlack(validate=args.validate, limits=limits).start()
    fake.summary_provider = lambda: summary(fake)
    fake.rate_limit_per_channel(args.rate_limit)
    print(fake.base_url, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    done.wait()
    fake.stop()


if __name__ == "__main__":
    main()
