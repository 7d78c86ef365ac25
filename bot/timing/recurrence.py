"""When a recurring health check runs next: local wall-clock time, correct across DST.

APScheduler's CronTrigger does the calendar maths in the check's own time zone (zoneinfo),
so 09:00 on Mondays in Europe/Berlin stays 09:00 local when the clocks change.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

CADENCES = ("weekly", "biweekly", "monthly")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class RecurrenceError(ValueError):
    pass


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RecurrenceError(f"'{name[:40]}' is not a time zone; use an IANA name such as "
                              "Europe/Berlin or America/New_York") from None


def parse_time(text: str) -> tuple[int, int]:
    try:
        hour, minute = (int(p) for p in text.split(":"))
    except ValueError:
        raise RecurrenceError(f"'{text[:10]}' is not a time; use HH:MM") from None
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise RecurrenceError(f"'{text[:10]}' is not a time of day")
    return hour, minute


def _trigger(cadence: str, weekday: int, local_time: str, tz: ZoneInfo) -> CronTrigger:
    hour, minute = parse_time(local_time)
    day = DAYS[weekday]
    if cadence == "monthly":
        return CronTrigger(day=f"1st {day}", hour=hour, minute=minute, timezone=tz)
    return CronTrigger(day_of_week=day, hour=hour, minute=minute, timezone=tz)


def next_run(after: datetime, *, cadence: str, weekday: int, local_time: str, timezone: str,
             skip_weekends: bool, anchor: datetime) -> datetime:
    """The first run strictly after ``after`` (UTC in, UTC out)."""
    if cadence not in CADENCES:
        raise RecurrenceError(f"cadence must be one of {', '.join(CADENCES)}")
    tz = zone(timezone)
    trigger = _trigger(cadence, weekday, local_time, tz)
    moment = after
    for _ in range(60):
        fire: datetime | None = trigger.get_next_fire_time(None, moment + timedelta(seconds=1))
        assert fire is not None
        local = fire.astimezone(tz)
        if cadence == "biweekly":
            weeks = (local.date() - anchor.astimezone(tz).date()).days // 7
            if weeks % 2:
                moment = fire
                continue
        if skip_weekends and local.weekday() >= 5:
            local = local + timedelta(days=7 - local.weekday())  # the Monday after
            hour, minute = parse_time(local_time)
            local = datetime(local.year, local.month, local.day, hour, minute, tzinfo=tz)
        return local.astimezone(UTC)
    raise RecurrenceError("no run found in the next 60 occurrences")
