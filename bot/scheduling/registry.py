"""Which code runs for each kind of due job, what it prefetches for a batch, and who hears
about it when it is given up. The scheduler depends on the services through this table;
the services know only the job vocabulary (``bot.jobs.context``)."""

from __future__ import annotations

from bot.db.states import JobKind
from bot.jobs.context import GiveUp, Handler, Prefetch
from bot.services import assessments, checkin_jobs, followups, health_jobs, housekeeping

HANDLERS: dict[str, Handler] = {
    JobKind.CHECKIN_POST: checkin_jobs.post,
    JobKind.CHECKIN_NUDGE: checkin_jobs.nudge,
    JobKind.CHECKIN_MISS: checkin_jobs.miss,
    JobKind.HEALTH_POST: health_jobs.post_run,
    JobKind.HEALTH_CLOSE: health_jobs.close_run,
    JobKind.ASSESSMENT_POST: assessments.post_job,
    JobKind.CHECKIN_REPORT: followups.report_job,
    JobKind.HEALTH_COUNT: health_jobs.update_count,
    JobKind.HOUSEKEEPING: housekeeping.run,
}

# loaded (health runs: made) for a whole claimed batch, in one transaction
PREFETCH: dict[str, Prefetch] = {
    JobKind.CHECKIN_POST: checkin_jobs.prefetch,
    JobKind.HEALTH_POST: health_jobs.prefetch,
}

# a missed nudge (a reminder) or a missed "missed" mark is only logged
GIVE_UP: dict[str, GiveUp] = {
    JobKind.CHECKIN_POST: checkin_jobs.given_up,
    JobKind.HEALTH_POST: health_jobs.post_given_up,
    JobKind.HEALTH_CLOSE: health_jobs.close_given_up,
    JobKind.ASSESSMENT_POST: assessments.post_given_up,
    JobKind.CHECKIN_REPORT: followups.report_given_up,
}
