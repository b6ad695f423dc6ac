"""The days an open-data request asks for: whole days of the town's calendar, never today's.

Re-users write dates as they read them, ``start=2026-12-01&end=2026-12-31``, in the town's time
zone: a date needs no offset, and an ``end`` date is included (the 31st is in the answer). A time
(``2026-12-01T06:00:00+01:00``, or without offset in the town's time zone) is accepted too, and
the range is narrowed to the whole days it holds: the open files hold one row per whole day,
never a part of one. Today is never published (its consumption is still growing): ``end`` stops
at the last local midnight at the latest. (The first day of a meter's history counts from its
first reading, as every consumption releve reports does.)
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.consumption.analytics import EARLIEST, LATEST
from domain.consumption.bounds import check_range
from domain.consumption.errors import InvalidRange, InvalidTime

DEFAULT_DAYS = 31
# What the parameters look like (the API documents and checks it; the parser checks the values).
DAY_OR_TIME = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$"


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The local start of ``day`` (the first instant of the day where midnight is skipped)."""
    return datetime.combine(day, time(0), tzinfo=zone)


def today_start(now: datetime, tz: str) -> datetime:
    """The local midnight that begins today: the end of what is published."""
    zone = ZoneInfo(tz)
    return midnight(now.astimezone(zone).date(), zone)


def _parse(value: str, zone: ZoneInfo, is_end: bool) -> tuple[datetime, datetime]:
    """The instant asked, and the bound of the whole days it gives. A date is its day's start
    (the next day's for an ``end`` date: it is included); a time after midnight gives, for a
    ``start``, the next day's start, and for an ``end``, its own day's (that day is left out)."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if not EARLIEST.date() <= day < LATEST.date():
                raise InvalidTime(f"dates go from {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d}")
            bound = midnight(day + timedelta(days=1) if is_end else day, zone)
            return bound, bound
        moment = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError as exc:
        if isinstance(exc, InvalidTime):
            raise
        raise InvalidTime(
            f"{value!r} is not a date (YYYY-MM-DD) nor a time (YYYY-MM-DDTHH:MM:SS+01:00)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    if not EARLIEST <= moment <= LATEST:
        raise InvalidTime(f"times go from {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d}")
    day_start = midnight(moment.astimezone(zone).date(), zone)
    if is_end or moment <= day_start:
        return moment, day_start
    return moment, midnight(day_start.date() + timedelta(days=1), zone)


def open_days(start: str | None, end: str | None, tz: str, now: datetime) -> tuple[datetime, datetime]:
    """The whole local days [start, end) a request asks for, today left out: an empty range
    (start == end) when it holds no whole day before today. By default the last 31 days."""
    zone = ZoneInfo(tz)
    today = today_start(now, tz)
    asked_end, last = _parse(end, zone, is_end=True) if end is not None else (now, today)
    asked_start, first = (
        _parse(start, zone, is_end=False)
        if start is not None
        else (midnight(last.date() - timedelta(days=DEFAULT_DAYS), zone),) * 2
    )
    if asked_start >= asked_end:
        raise InvalidRange("start must be before end (an end date is included)")
    check_range(asked_start, asked_end)
    last = min(last, today)
    return first, max(first, last)
