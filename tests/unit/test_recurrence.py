from datetime import UTC, datetime

import pytest

from bot.timing.recurrence import RecurrenceError, next_run

ANCHOR = datetime(2026, 3, 1, tzinfo=UTC)


def runs(start: datetime, n: int, **kw) -> list[datetime]:
    out, t = [], start
    for _ in range(n):
        t = next_run(t, anchor=ANCHOR, **kw)
        out.append(t)
    return out


def test_monday_0900_berlin_stays_0900_local_across_dst() -> None:
    kw = dict(cadence="weekly", weekday=0, local_time="09:00", timezone="Europe/Berlin",
              skip_weekends=True)
    # clocks go forward on Sunday 29 March 2026
    got = runs(datetime(2026, 3, 17, tzinfo=UTC), 3, **kw)
    assert got == [datetime(2026, 3, 23, 8, 0, tzinfo=UTC),   # CET, UTC+1
                   datetime(2026, 3, 30, 7, 0, tzinfo=UTC),   # CEST, UTC+2
                   datetime(2026, 4, 6, 7, 0, tzinfo=UTC)]
    # and back on Sunday 25 October 2026
    got = runs(datetime(2026, 10, 20, tzinfo=UTC), 2, **kw)
    assert got == [datetime(2026, 10, 26, 8, 0, tzinfo=UTC),
                   datetime(2026, 11, 2, 8, 0, tzinfo=UTC)]


def test_biweekly_skips_every_other_week() -> None:
    got = runs(datetime(2026, 3, 1, tzinfo=UTC), 3, cadence="biweekly", weekday=2,
               local_time="10:30", timezone="UTC", skip_weekends=False)
    assert [(g - got[0]).days for g in got] == [0, 14, 28]


def test_monthly_first_weekday() -> None:
    got = runs(datetime(2026, 3, 1, tzinfo=UTC), 2, cadence="monthly", weekday=0,
               local_time="09:00", timezone="America/New_York", skip_weekends=False)
    assert [g.day for g in got] == [2, 6] and got[0].hour == 14  # 09:00 EST = 14:00 UTC


def test_skip_weekends_moves_to_monday() -> None:
    [got] = runs(datetime(2026, 3, 1, tzinfo=UTC), 1, cadence="weekly", weekday=5,
                 local_time="09:00", timezone="UTC", skip_weekends=True)
    assert got.weekday() == 0


@pytest.mark.parametrize(("tz", "time"), [("Mars/Olympus", "09:00"), ("UTC", "25:00"),
                                          ("UTC", "nine")])
def test_bad_input_is_explained(tz: str, time: str) -> None:
    with pytest.raises(RecurrenceError):
        next_run(ANCHOR, cadence="weekly", weekday=0, local_time=time, timezone=tz,
                 skip_weekends=False, anchor=ANCHOR)
