"""A worker process for the exactly-once tests: claims due jobs and records deliveries.

usage: python -m tests.db.claim_worker URL WORKER_ID OUT_FILE NOW_ISO [--die-after-claim]
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timedelta

from bot.db import queue
from bot.db.session import make_engine, make_session_factory


def main() -> None:
    url, worker, out, now_iso = sys.argv[1:5]
    die = "--die-after-claim" in sys.argv
    now = datetime.fromisoformat(now_iso)
    sessions = make_session_factory(make_engine(url))
    with open(out, "a", buffering=1) as fh:
        while True:
            jobs = queue.claim_due(sessions, now=now, worker_id=worker,
                                   lease=timedelta(minutes=5), limit=7)
            if not jobs:
                return
            if die:
                os.kill(os.getpid(), 9)  # crash holding the claim, before delivering
            for job in jobs:
                fh.write(f"{job.id}\n")  # the "delivery"
                with sessions.begin() as session:
                    assert queue.complete(session, job.id, worker, now=now)


if __name__ == "__main__":
    main()
