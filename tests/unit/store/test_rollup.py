"""Local windows cut from UTC hours: DST days of 23 and 25 hours, half-hour zones, folding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from store import Window
from store.influx.lineprotocol import timestamp
from store.rollup import (
    HourRollup,
    Plan,
    ceil_hour,
    ceil_hour_ns,
    day_hours,
    day_of,
    fold,
    plan,
    window_end,
    window_start,
)

PARIS = ZoneInfo("Europe/Paris")


def hour(ts: datetime, consumption: float | None = 1.0, value: float = 10.0) -> HourRollup:
    return HourRollup(ts, 1, consumption, value, value, value, value, value)


def hours_between(start: datetime, end: datetime) -> float:
    return (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 3600


@pytest.mark.parametrize(
    ("day", "length"),
    [((2026, 3, 29), 23), ((2026, 10, 25), 25), ((2026, 6, 1), 24)],
)
def test_paris_day_lengths(day: tuple[int, int, int], length: int) -> None:
    start = window_start(datetime(*day, 12, tzinfo=UTC), Window.DAY, PARIS)
    assert start == datetime(*day, tzinfo=PARIS)
    assert hours_between(start, window_end(start, Window.DAY, PARIS)) == length


def test_week_month_and_year_windows() -> None:
    ts = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 1 January 2027 in Paris
    assert window_start(ts, Window.YEAR, PARIS) == datetime(2027, 1, 1, tzinfo=PARIS)
    assert window_start(ts, Window.WEEK, PARIS) == datetime(2026, 12, 28, tzinfo=PARIS)  # Monday
    december = datetime(2026, 12, 1, tzinfo=PARIS)
    assert window_end(december, Window.MONTH, PARIS) == datetime(2027, 1, 1, tzinfo=PARIS)
    march = datetime(2026, 3, 1, tzinfo=PARIS)
    assert hours_between(march, window_end(march, Window.MONTH, PARIS)) == 31 * 24 - 1


def test_hours_at_the_october_change_are_two_distinct_windows() -> None:
    first = window_start(datetime(2026, 10, 25, 0, 0, tzinfo=UTC), Window.HOUR, PARIS)
    second = window_start(datetime(2026, 10, 25, 1, 0, tzinfo=UTC), Window.HOUR, PARIS)
    assert first.hour == second.hour == 2 and first.utcoffset() != second.utcoffset()
    assert window_end(first, Window.HOUR, PARIS) == second


def test_fold_paris_dst_day_sums_23_hours() -> None:
    start = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # Paris midnight on 29 March (UTC+1)
    days = list(fold((hour(start + timedelta(hours=h)) for h in range(48)), Window.DAY, "Europe/Paris"))
    assert [d.consumption for d in days] == [23.0, 24.0, 1.0]
    assert days[0].count == 23 and days[0].start == datetime(2026, 3, 29, tzinfo=PARIS)


def test_fold_half_hour_zone_counts_a_straddling_hour_where_it_starts() -> None:
    # India is UTC+5:30: the UTC hour 18:00-19:00 is 23:30-00:30 local, counted in the first day.
    start = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)
    days = list(fold([hour(start), hour(start + timedelta(hours=1))], Window.DAY, "Asia/Kolkata"))
    assert [(d.start.day, d.consumption) for d in days] == [(1, 1.0), (2, 1.0)]


def test_fold_statistics_and_unknown_consumption() -> None:
    t = datetime(2026, 5, 1, 8, tzinfo=UTC)
    rollups = [
        HourRollup(t, 2, None, 18.0, 22.0, 40.0, 18.0, 22.0),
        HourRollup(t + timedelta(hours=1), 2, None, 15.0, 25.0, 40.0, 25.0, 15.0),
    ]
    (day,) = fold(rollups, Window.DAY, "UTC")
    assert (day.count, day.min, day.max, day.mean, day.first, day.last) == (4, 15.0, 25.0, 20.0, 18.0, 15.0)
    assert day.consumption is None
    mixed = [hour(t, None), hour(t + timedelta(hours=1), 2.5)]
    assert [b.consumption for b in fold(mixed, Window.DAY, "UTC")] == [2.5]
    assert list(fold([], Window.DAY, "UTC")) == []


# -- plan: which part of a range the daily rollups serve -------------------------------------------

_P = ZoneInfo("Europe/Paris")


def _utc(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def test_plan_whole_days_and_ragged_ends() -> None:
    p = plan(
        datetime(2026, 3, 27, 10, 17, tzinfo=_P),
        datetime(2026, 3, 30, 15, 42, tzinfo=_P),
        Window.MONTH,
        "Europe/Paris",
        "Europe/Paris",
    )
    # 10:17 Paris (UTC+1) is 09:17 UTC: the hour of 09:00 UTC is in; the days from the 28th
    assert p.head == (_utc(2026, 3, 27, 9), _utc(2026, 3, 27, 23))
    assert p.days == (datetime(2026, 3, 28, tzinfo=_P), datetime(2026, 3, 30, tzinfo=_P))
    # 30 March is summer time (UTC+2): its first hour is 22:00 UTC on the 29th; 15:42 -> 13:42 UTC
    assert p.tail == (_utc(2026, 3, 29, 22), _utc(2026, 3, 30, 14))


def test_plan_without_whole_days_or_in_another_time_zone() -> None:
    start, end = datetime(2026, 5, 1, 8, tzinfo=_P), datetime(2026, 5, 2, 7, tzinfo=_P)
    assert plan(start, end, Window.DAY, "Europe/Paris", "Europe/Paris") == Plan(
        (_utc(2026, 5, 1, 6), _utc(2026, 5, 2, 5)), None, None
    )
    whole = (datetime(2026, 5, 1, tzinfo=_P), datetime(2026, 6, 1, tzinfo=_P))
    assert plan(*whole, Window.MONTH, "UTC", "Europe/Paris").days is None
    assert plan(*whole, Window.HOUR, "Europe/Paris", "Europe/Paris").days is None
    assert plan(*whole, Window.MONTH, "Europe/Paris", "Europe/Paris") == Plan(None, whole, None)
    assert plan(end, start, Window.DAY, "Europe/Paris", "Europe/Paris") == Plan(None, None, None)


def test_days_of_a_half_hour_time_zone_start_at_the_first_whole_hour() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")  # UTC+5:30: midnight is 18:30 UTC
    day = datetime(2026, 5, 2, tzinfo=kolkata)
    assert day_hours(day, kolkata) == (_utc(2026, 5, 1, 19), _utc(2026, 5, 2, 19))
    assert day_of(_utc(2026, 5, 1, 18), kolkata) == datetime(2026, 5, 1, tzinfo=kolkata)
    # A range from local midnight covers the hour that holds it (18:00 UTC, in the day before,
    # like the hourly rollups it comes from): that hour is a ragged head.
    p = plan(day, day + timedelta(days=2), Window.DAY, "Asia/Kolkata", "Asia/Kolkata")
    assert p == Plan((_utc(2026, 5, 1, 18), _utc(2026, 5, 1, 19)), (day, day + timedelta(days=2)), None)


def test_plan_reads_the_days_a_writer_may_still_hold_from_their_hours() -> None:
    start, end = datetime(2026, 3, 27, 10, tzinfo=_P), datetime(2026, 3, 31, tzinfo=_P)
    paris = ("Europe/Paris", "Europe/Paris")
    # Settled before 29 March, 05:00 (Paris): the days before the 29th from their rollups, the
    # 29th and 30th (summer time from the 29th, 02:00) from their hours, folded.
    p = plan(start, end, Window.WEEK, *paris, settled_before=datetime(2026, 3, 29, 5, tzinfo=_P))
    assert p == Plan(
        (_utc(2026, 3, 27, 9), _utc(2026, 3, 27, 23)),
        (datetime(2026, 3, 28, tzinfo=_P), datetime(2026, 3, 29, tzinfo=_P)),
        None,
        (_utc(2026, 3, 28, 23), _utc(2026, 3, 30, 22)),
    )
    # Settled after the range: as without; settled before its first whole day: all hours.
    assert plan(start, end, Window.WEEK, *paris, settled_before=end) == plan(start, end, Window.WEEK, *paris)
    early = datetime(2026, 3, 28, 12, tzinfo=_P)
    assert plan(start, end, Window.DAY, *paris, settled_before=early) == Plan(
        (_utc(2026, 3, 27, 9), _utc(2026, 3, 30, 22)), None, None
    )


@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 3, 29, tzinfo=PARIS),  # on the hour
        datetime(2026, 3, 29, tzinfo=ZoneInfo("Asia/Kolkata")),  # a half-hour zone's midnight
        datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Kathmandu")),  # a quarter-hour one's
        datetime(2026, 6, 1, 10, 0, 0, 1, tzinfo=UTC),  # a microsecond past
    ],
)
def test_ceil_hour_in_ns_is_ceil_hour(start: datetime) -> None:
    assert ceil_hour_ns(timestamp(start)) == timestamp(ceil_hour(start))
