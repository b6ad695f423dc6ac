"""Hourly rollups folded into the town's local windows (day, week, month, year), DST included.

Hourly rollups are kept in UTC hours; a local window holds the hours that start inside it, so a
Paris day is 23 or 25 hourly rollups at the daylight-saving changes. In a time zone whose offset
is not a whole number of hours, the hour that straddles midnight is attributed to the day in
which it starts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ingest.store import Bucket, Window


@dataclass(frozen=True, slots=True)
class HourRollup:
    """One UTC hour of one series: statistics of the values and the sum of consumption deltas."""

    hour: datetime
    count: int
    consumption: float | None
    min: float
    max: float
    total: float
    first: float
    last: float


@dataclass(frozen=True, slots=True)
class SeriesHour:
    """One hourly rollup of one (quantity, channel) series of a device, as exported and restored."""

    quantity: str
    channel: str
    rollup: HourRollup


def window_start(ts: datetime, window: Window, zone: ZoneInfo) -> datetime:
    """The local start of the window holding ``ts``."""
    local = ts.astimezone(zone)
    if window is Window.HOUR:
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    if window is Window.WEEK:
        day -= timedelta(days=day.weekday())  # ISO weeks start on Monday
    elif window is Window.MONTH:
        day = day.replace(day=1)
    elif window is Window.YEAR:
        day = day.replace(month=1, day=1)
    return day.replace(tzinfo=zone)


def window_end(start: datetime, window: Window, zone: ZoneInfo) -> datetime:
    """The local end of the window that starts at ``start`` (wall-clock arithmetic, DST-safe)."""
    if window is Window.HOUR:
        return (start.astimezone(UTC) + timedelta(hours=1)).astimezone(zone)
    naive = start.replace(tzinfo=None)
    if window is Window.DAY:
        naive += timedelta(days=1)
    elif window is Window.WEEK:
        naive += timedelta(days=7)
    elif window is Window.MONTH:
        naive = naive.replace(year=naive.year + naive.month // 12, month=naive.month % 12 + 1)
    else:
        naive = naive.replace(year=naive.year + 1)
    return naive.replace(tzinfo=zone)


def fold(hours: Iterable[HourRollup], window: Window, tz: str) -> Iterator[Bucket]:
    """Fold time-ordered hourly rollups into buckets of local windows (only windows with data)."""
    zone = ZoneInfo(tz)
    current: Bucket | None = None
    for h in hours:
        start = window_start(h.hour, window, zone)
        if current is not None and current.start == start:
            current = _merge(current, h)
            continue
        if current is not None:
            yield current
        current = Bucket(
            start=start,
            end=window_end(start, window, zone),
            count=h.count,
            min=h.min,
            max=h.max,
            mean=h.total / h.count if h.count else None,
            first=h.first,
            last=h.last,
            consumption=h.consumption,
        )
    if current is not None:
        yield current


def _merge(b: Bucket, h: HourRollup) -> Bucket:
    count = b.count + h.count
    total = (b.mean or 0.0) * b.count + h.total
    consumption = b.consumption
    if h.consumption is not None:
        consumption = (consumption or 0.0) + h.consumption
    return Bucket(
        start=b.start,
        end=b.end,
        count=count,
        min=h.min if b.min is None else min(b.min, h.min),
        max=h.max if b.max is None else max(b.max, h.max),
        mean=total / count if count else None,
        first=b.first,
        last=h.last,
        consumption=consumption,
    )
