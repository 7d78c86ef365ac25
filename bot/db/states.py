"""Every state a row can be in, and every kind of due job, as named values.

The columns stay strings (no migration, readable in SQL); these enums are the only place
their values are spelled. ``StrEnum`` members are ``str``: they compare equal to the stored
text and are stored as it.
"""

from __future__ import annotations

from enum import StrEnum


class AssessmentStatus(StrEnum):
    """Where the verdict is: stored, posted, or refused by Slack (answers kept)."""

    PENDING_POST = "pending_post"
    POSTED = "posted"
    POST_FAILED = "post_failed"


class FollowupsStatus(StrEnum):
    """An assessment's check-ins as a whole."""

    ACTIVE = "active"
    PAUSED = "paused"  # the channel is unavailable; resumes by itself when it is back
    STOPPED = "stopped"


class CheckinStatus(StrEnum):
    SCHEDULED = "scheduled"
    SNOOZED = "snoozed"
    POSTED = "posted"
    ANSWERED = "answered"
    MISSED = "missed"
    STOPPED = "stopped"
    FAILED = "failed"  # its post was given up (the owner was told)


class HealthCheckStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"


class HealthRunStatus(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    FAILED = "failed"


class JobStatus(StrEnum):
    """A job's life: see ``bot.db.queue``."""

    PENDING = "pending"
    CLAIMED = "claimed"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    PAUSED = "paused"


class JobKind(StrEnum):
    """What a due job does; each kind has one handler (``bot.scheduling.registry``)."""

    CHECKIN_POST = "checkin_post"
    CHECKIN_NUDGE = "checkin_nudge"
    CHECKIN_MISS = "checkin_miss"
    HEALTH_POST = "health_post"
    HEALTH_CLOSE = "health_close"
    # outboxes: written with what was stored in a request, done right after its ack by the
    # process that acked, and by the scheduler if that process died first
    ASSESSMENT_POST = "assessment_post"  # post a verdict (parent and thread)
    CHECKIN_REPORT = "checkin_report"  # post a check-in's comparison, edit the parent
    HEALTH_COUNT = "health_count"  # edit a run's "N answered" line (one per run and slot)
    HOUSEKEEPING = "housekeeping"  # daily: purge what is kept only for a while (no team)


# the kinds that belong to one check-in (its ref_id is the check-in's id)
CHECKIN_JOBS = (JobKind.CHECKIN_POST, JobKind.CHECKIN_NUDGE, JobKind.CHECKIN_MISS)
