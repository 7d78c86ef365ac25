"""A worker process for the multi-process queue tests.

usage: python -m tests.db.claim_worker URL WORKER_ID OUT_DIR NOW_ISO [options]

Claims due jobs in batches and "delivers" each one by appending its id to
``OUT_DIR/delivered.WORKER_ID`` (flushed and fsynced before the job is completed), then
completes it. Waits for ``OUT_DIR/go`` before the first claim so that all workers start
claiming at the same moment. Options:

--limit N             batch size (default 5)
--lease-seconds S     lease length (default 300)
--hang-after-claim    claim one batch, write its ids to OUT_DIR/claimed.WORKER_ID, then hang
                      (the test kills it with SIGKILL: crashed before delivering)
--hang-after-deliver K
                      claim one batch, deliver all of it, complete only the first K, write
                      OUT_DIR/claimed.WORKER_ID, then hang (crashed between delivering and
                      completing: the at-least-once edge)
--idempotent          on a retried job, look for an earlier delivery first (like the check-in
                      handler looks for its marker in the Slack thread) and do not deliver
                      twice; skipped ids go to OUT_DIR/skipped.WORKER_ID
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import datetime, timedelta
from pathlib import Path

from bot.db import queue
from bot.db.session import make_engine, make_session_factory


def _append(path: Path, ids: list[int]) -> None:
    with open(path, "a") as fh:
        fh.write("".join(f"{i}\n" for i in ids))
        fh.flush()
        os.fsync(fh.fileno())


def _delivered_anywhere(out: Path) -> set[int]:
    return {int(x) for f in out.glob("delivered.*") for x in f.read_text().split()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("worker")
    ap.add_argument("out", type=Path)
    ap.add_argument("now")
    ap.add_argument("--limit", type=int, default=5)
    ap.add_argument("--lease-seconds", type=float, default=300)
    ap.add_argument("--hang-after-claim", action="store_true")
    ap.add_argument("--hang-after-deliver", type=int, default=None)
    ap.add_argument("--idempotent", action="store_true")
    args = ap.parse_args()

    now = datetime.fromisoformat(args.now)
    lease = timedelta(seconds=args.lease_seconds)
    out: Path = args.out
    delivered = out / f"delivered.{args.worker}"
    engine = make_engine(args.url)
    sessions = make_session_factory(engine)
    with engine.connect():
        pass  # connect before the start signal
    (out / f"ready.{args.worker}").touch()
    while not (out / "go").exists():
        time.sleep(0.005)

    while True:
        jobs = queue.claim_due(sessions, now=now, worker_id=args.worker, lease=lease,
                               limit=args.limit)
        if not jobs:
            return
        if args.hang_after_claim:
            _append(out / f"claimed.{args.worker}", [j.id for j in jobs])
            time.sleep(3600)
        to_complete = jobs
        if args.hang_after_deliver is not None:
            _append(delivered, [j.id for j in jobs])
            to_complete = jobs[: args.hang_after_deliver]
        for job in to_complete:
            if args.hang_after_deliver is None:
                if args.idempotent and job.is_retry and job.id in _delivered_anywhere(out):
                    _append(out / f"skipped.{args.worker}", [job.id])
                else:
                    _append(delivered, [job.id])
            with sessions.begin() as session:
                assert queue.complete(session, job.id, args.worker, now=now)
        if args.hang_after_deliver is not None:
            _append(out / f"claimed.{args.worker}", [j.id for j in jobs])
            time.sleep(3600)


if __name__ == "__main__":
    main()
