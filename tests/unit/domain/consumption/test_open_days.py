"""The days an open-data request asks for: dates of the town's calendar, whole days, never today."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.consumption.errors import AnswerTooLarge, InvalidRange, InvalidTime
from domain.consumption.open_days import open_days

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 5, 10, 30, tzinfo=UTC)  # 11:30 in Paris


def local(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=PARIS)


def days(start: str | None, end: str | None, tz: str = "Europe/Paris") -> tuple[datetime, datetime]:
    return open_days(start, end, tz, NOW)


def test_a_date_without_offset_is_a_day_of_the_towns_calendar_and_an_end_date_is_included() -> None:
    assert days("2026-12-01", "2026-12-03") == (local(2026, 12, 1), local(2026, 12, 4))
    assert days("2026-12-01", "2026-12-01") == (local(2026, 12, 1), local(2026, 12, 2))
    # the same dates in another town: its own midnights
    first, last = days("2026-12-01", "2026-12-01", "America/Cayenne")
    assert (first.isoformat(), last.isoformat()) == ("2026-12-01T00:00:00-03:00", "2026-12-02T00:00:00-03:00")


def test_today_is_never_published() -> None:
    assert days(None, None) == (local(2026, 11, 4), local(2026, 12, 5))  # the last 31 whole days
    assert days("2026-12-01", None) == (local(2026, 12, 1), local(2026, 12, 5))
    assert days("2026-12-01", "2026-12-31") == (local(2026, 12, 1), local(2026, 12, 5))
    first, last = days("2026-12-05", None)  # only today asked: nothing yet, not an error
    assert first == last == local(2026, 12, 5)


def test_times_are_narrowed_to_the_whole_days_they_hold() -> None:
    assert days("2026-12-01T00:00:00+01:00", "2026-12-03T00:00:00+01:00") == (
        local(2026, 12, 1),
        local(2026, 12, 3),
    )
    # 06:00 starts the next day; noon ends the day before: no day is published half measured
    assert days("2026-12-01T06:00:00+01:00", "2026-12-03T12:00:00+01:00") == (
        local(2026, 12, 2),
        local(2026, 12, 3),
    )
    # a time without offset is the town's; UTC midnight is 01:00 in Paris
    assert days("2026-12-01T00:00", "2026-12-02T00:00") == (local(2026, 12, 1), local(2026, 12, 2))
    assert days("2026-11-30T23:00:00Z", "2026-12-02T23:00:00Z") == (local(2026, 12, 1), local(2026, 12, 3))
    first, last = days("2026-12-01T06:00", "2026-12-01T18:00")  # no whole day in it
    assert first >= last


def test_the_days_of_a_clock_change_are_whole_days() -> None:
    first, last = days("2026-10-25", "2026-10-25")  # 25 hours in Paris
    assert (first.isoformat(), last.isoformat()) == ("2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00")
    assert last.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=25)


@pytest.mark.parametrize(
    ("start", "end", "error", "says"),
    [
        ("2026-13-01", None, InvalidTime, "is not a date"),
        ("01/12/2026", None, InvalidTime, "is not a date"),
        ("9999-12-31", "9999-12-31", InvalidTime, "dates go from 1970-01-01 to 2200-01-01"),
        (None, "9999-12-31T23:59:59Z", InvalidTime, "times go from 1970-01-01 to 2200-01-01"),
        ("2026-12-02", "2026-12-01", InvalidRange, "start must be before end"),
        ("2026-12-06", None, InvalidRange, "start must be before end"),
        ("1970-01-01", "2100-01-01", AnswerTooLarge, "ask a shorter one"),
    ],
)
def test_bad_days_are_refused_with_a_reason(
    start: str | None, end: str | None, error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=says):
        days(start, end)
