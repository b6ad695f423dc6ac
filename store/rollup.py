"""Rollups folded into the town's local windows (day, week, month, year), DST included.

Hourly rollups are kept in UTC hours; a local window holds the hours that start inside it, so a
Paris day is 23 or 25 hourly rollups at the daylight-saving changes. In a time zone whose offset
is not a whole number of hours, the hour that straddles midnight is attributed to the day in
which it starts. Daily rollups are those days of the store's time zone; ``plan`` splits a read
into the whole days they serve and the ragged ends that hourly rollups serve.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from kernel.types import HOUR_NS
from store import Bucket, Window


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


@lru_cache(maxsize=65_536)
def window_start(ts: datetime, window: Window, zone: ZoneInfo) -> datetime:
    """The local start of the window holding ``ts`` (cached: a report over many meters asks the
    same few thousand instants again and again)."""
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


def zone_window_end(start: datetime, window: Window, zone: ZoneInfo) -> datetime:
    """``window_end``, cached for a ``start`` in ``zone`` (as ``window_start`` gives): an API
    report asks the same window ends on every request."""
    if start.tzinfo is not zone:
        return window_end(start, window, zone)
    return _window_end_of(start.replace(tzinfo=None), start.fold, window, zone)


@lru_cache(maxsize=65_536)
def _window_end_of(wall: datetime, fold: int, window: Window, zone: ZoneInfo) -> datetime:
    # Keyed by wall clock (naive) and fold, not the aware datetime: aware datetimes of one
    # instant in different zones compare equal, but window_end adds to their wall clocks.
    return window_end(wall.replace(tzinfo=zone, fold=fold), window, zone)


def window_key(start: datetime) -> tuple[datetime, int]:
    """A window's start as a key that tells the two hours apart the night the clocks go back:
    local times of one zone compare and hash as wall clocks, so the fold goes with it."""
    return start, start.fold


def fold(hours: Iterable[HourRollup], window: Window, tz: str) -> Iterator[Bucket]:
    """Fold time-ordered hourly rollups into buckets of local windows (only windows with data)."""
    zone = ZoneInfo(tz)
    current: Bucket | None = None
    for h in hours:
        start = window_start(h.hour, window, zone)
        if current is not None and window_key(current.start) == window_key(start):
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


# -- daily rollups ---------------------------------------------------------------------------------
# A daily rollup is the merge of the hourly rollups of one local day of the store's time zone
# (the hours that start inside it: 23, 24 or 25), keyed by the instant of local midnight. Reads
# in that time zone take whole days from the daily rollups and the ragged ends of a range (a
# range that starts at 10:00) from the hourly ones; reads in another time zone fold hours.

_HOUR = timedelta(hours=1)


def floor_hour(ts: datetime) -> datetime:
    """The UTC hour that holds ``ts``."""
    utc = ts.astimezone(UTC)
    return utc.replace(minute=0, second=0, microsecond=0)


def ceil_hour(ts: datetime) -> datetime:
    """The first UTC hour that starts at or after ``ts``."""
    floor = floor_hour(ts)
    return floor if floor == ts else floor + _HOUR


def ceil_hour_ns(ns: int) -> int:
    """``ceil_hour`` of a time in ns since the epoch (the first hour of a local day or month, whose
    start is not on the hour in some time zones)."""
    return ns + (-ns) % HOUR_NS


def day_of(hour: datetime, zone: ZoneInfo) -> datetime:
    """The local midnight (as an aware local time) of the day an hour starting at ``hour`` counts in."""
    return window_start(hour, Window.DAY, zone)


def day_hours(day: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC hours [first, end) that count in the local day starting at ``day``."""
    return ceil_hour(day), ceil_hour(window_end(day, Window.DAY, zone))


@dataclass(frozen=True, slots=True)
class Plan:
    """How to read a range: whole local days from daily rollups, the ragged ends from hourly ones.

    ``head`` and ``tail`` are UTC hour ranges [first, end); ``days`` local midnights [first, end).
    In time order: head, days, tail. Without whole days, ``head`` is the whole range. ``recent``:
    the hours after the days that the daily rollups may not hold yet (``plan``'s
    ``settled_before``), over one or more days: in place of ``tail``, folded window by window.
    """

    head: tuple[datetime, datetime] | None
    days: tuple[datetime, datetime] | None
    tail: tuple[datetime, datetime] | None
    recent: tuple[datetime, datetime] | None = None


def plan(
    start: datetime,
    end: datetime,
    window: Window,
    tz: str,
    store_tz: str,
    settled_before: datetime | None = None,
) -> Plan:
    """Split a read so that the daily rollups serve every whole day they can, exactly.

    A range covers the hours that start in [floor_hour(start), end) (the hourly semantics); the
    daily rollups serve the local days all of whose hours are in it, when the read is in the
    store's time zone and the window is a day or longer. ``settled_before``: they serve only the
    days over by then (a writer may hold a day's rollup while it goes on: the InfluxDB store's
    ``HeldRollups``); the days after are read from their hours.
    """
    first, last = floor_hour(start), ceil_hour(end)
    if first >= last:
        return Plan(None, None, None)
    if window is Window.HOUR or tz != store_tz:
        return Plan((first, last), None, None)
    zone = ZoneInfo(tz)
    day_a = day_of(first, zone)
    if day_hours(day_a, zone)[0] < first:
        day_a = window_end(day_a, Window.DAY, zone)
    day_b = day_of(last, zone)
    recent = False
    if settled_before is not None:
        settled = day_of(floor_hour(settled_before), zone)
        recent = settled < day_b
        day_b = min(day_b, settled)
    if day_a >= day_b:
        return Plan((first, last), None, None)
    head, tail = day_hours(day_a, zone)[0], day_hours(day_b, zone)[0]
    return Plan(
        (first, head) if first < head else None,
        (day_a, day_b),
        None if recent else ((tail, last) if tail < last else None),
        (tail, last) if recent else None,
    )


Span = tuple[datetime, datetime]


def split_months(days: Span, zone: ZoneInfo) -> tuple[Span | None, Span | None, Span | None]:
    """Whole local days [first, end) as (days before the first whole month, whole months [first,
    end), days after them); without a whole month, (days, None, None)."""
    first = window_start(days[0], Window.MONTH, zone)
    if first < days[0]:
        first = window_end(first, Window.MONTH, zone)
    last = window_start(days[1], Window.MONTH, zone)
    if first >= last:
        return days, None, None
    return (
        (days[0], first) if days[0] < first else None,
        (first, last),
        (last, days[1]) if last < days[1] else None,
    )


def combine(buckets: Iterable[Bucket]) -> list[Bucket]:
    """Buckets of one series from several sources (the head hours, whole days, the tail hours),
    merged where they share a window; each source time-ordered and sources given in time order."""
    out: dict[tuple[datetime, int], Bucket] = {}
    for b in buckets:
        key = window_key(b.start)
        a = out.get(key)
        if a is None:
            out[key] = b
            continue
        count = a.count + b.count
        total = (a.mean or 0.0) * a.count + (b.mean or 0.0) * b.count
        consumption = a.consumption
        if b.consumption is not None:
            consumption = (consumption or 0.0) + b.consumption
        out[key] = Bucket(
            start=a.start,
            end=a.end,
            count=count,
            min=_pick(min, a.min, b.min),
            max=_pick(max, a.max, b.max),
            mean=total / count if count else None,
            first=a.first,
            last=b.last,
            consumption=consumption,
        )
    return [out[k] for k in sorted(out)]


def _pick(fn: Callable[[float, float], float], a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return fn(a, b)
