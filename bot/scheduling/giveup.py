"""When the scheduler gives a job up for good, the person it was for hears about it.

A job is given up when retrying cannot help (``PermanentFailure``) or its attempts ran out
(Slack kept failing for longer than the backoff covers). Nothing is dropped silently: the
owner of the assessment, or the creator of the health check, gets a DM saying what was not
posted, where, and why, and what happens next. Failures whose owner was already told (a
channel archived or closed to the bot pauses its follow-ups and says so) and workspaces
that are gone (uninstalled, token revoked) are not reported again.

Each kind's hook (``registry.GIVE_UP``, written next to the job it reports on) runs after
the job's failure is recorded and may itself fail (Slack still down): that is logged and
does not touch the queue.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.db import queue
from bot.deps import Deps
from bot.scheduling.registry import GIVE_UP

log = logging.getLogger(__name__)


def report(deps: Deps, client: WebClient, job: queue.ClaimedJob, error: str) -> None:
    log.warning("job %s (%s, team %s) given up after %d attempt(s): %s", job.id, job.kind,
                job.team_id, job.attempts, error)
    hook = GIVE_UP.get(job.kind)
    if hook is None:
        return
    try:
        hook(deps, client, job, error)
    except Exception:
        log.exception("telling the owner that job %s (%s) failed did not work", job.id,
                      job.kind)
