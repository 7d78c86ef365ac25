"""Run the fake Slack Web API as its own process (benchmarks: it then has a core of its own
instead of sharing the app's GIL).

    python -m tests.fakeslack.serve [--rate-limit PER_SECOND] [--validate]

Prints its base URL on the first line of stdout, then serves until stdin closes or SIGTERM.
``GET /_fake/summary`` answers with what was recorded: calls per method, 429s answered, and
every accepted ``chat.postMessage`` as ``[channel, metadata payload, received_at]``.
"""

from __future__ import annotations

import argparse
import gc
import signal
import sys
import threading
import time
from typing import Any

from tests.fakeslack.server import FakeSlack


def summary(fake: FakeSlack) -> dict[str, Any]:
    with fake._cond:
        calls = list(fake.calls)
    methods: dict[str, int] = {}
    posts, limited = [], []
    for c in calls:
        methods[c.method] = methods.get(c.method, 0) + 1
        if c.method == "chat.postMessage" and c.response.get("ok") and not c.injected:
            meta = c.args.get("metadata") or {}
            posts.append([c.args.get("channel"), meta.get("event_payload"), c.received_at])
        elif c.method == "chat.postMessage" and c.response.get("error") == "ratelimited":
            meta = c.args.get("metadata") or {}
            limited.append([c.args.get("channel"), meta.get("event_payload"), c.received_at])
    return {"cpu_seconds": time.process_time(), "methods": methods,
            "rate_limited": fake.rate_limited, "posts": posts, "limited": limited,
            "connections": fake.connections}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate-limit", type=float, default=None)
    parser.add_argument("--validate", action="store_true")
    args = parser.parse_args()
    # The fake keeps every call it answered (tens of thousands in a benchmark); a full
    # collection of all that pauses it for tens of milliseconds, during which requests wait
    # unanswered and then reach the per-channel rate limiter bunched up, as if the client had
    # sent them too close together. Real Slack has no such pauses; reference counting still
    # frees everything that is not a cycle.
    gc.disable()
    fake = FakeSlack(validate=args.validate).start()
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
