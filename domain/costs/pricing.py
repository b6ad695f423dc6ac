"""Cost of consumption under tariffs: pure functions over hourly slices, no I/O.

Consumption arrives as hourly slices per meter register (channel). Each slice is priced by the
tariff in force on its local day (the latest ``valid_from`` not after it) and, within that
tariff, by the first period whose ``channel`` is the slice's register, else the period whose
local clock ``hours`` hold the slice's start hour, else the tariff's base price. The fixed
monthly part accrues per local day (a month's part spread evenly over its days, a day's share
over its real length, 23 or 25 hours at daylight-saving changes), so that the cost of every
window, empty or not, adds up to the total.
"""

from __future__ import annotations

import calendar
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.costs.tariffs import Period, Tariff

BASE = "base"


@dataclass(frozen=True, slots=True)
class Slice:
    """What one register of one meter counted in the hour starting at ``start``."""

    start: datetime
    channel: str
    consumption: float


@dataclass(slots=True)
class PointCost:
    """The cost of one window: None when some of its consumption has no tariff."""

    cost: float | None
    periods: dict[str, float] = field(default_factory=dict)
    unpriced: float = 0.0


def tariff_at(tariffs: Sequence[Tariff], day: date) -> Tariff | None:
    """The tariff in force on ``day``: the latest ``valid_from`` on or before it (None: always)."""
    best: Tariff | None = None
    for t in tariffs:
        start = t.valid_from or date.min
        if start <= day and (best is None or start >= (best.valid_from or date.min)):
            best = t
    return best


def in_hours(hours: Sequence[tuple[int, int]], hour: int) -> bool:
    """Whether a local clock ``hour`` falls in one of the [start, end) ranges (wrapping at 24)."""
    for start, end in hours:
        if (start < end and start <= hour < end) or (start > end and (hour >= start or hour < end)):
            return True
    return False


def period_of(tariff: Tariff, channel: str, local_hour: int) -> tuple[str, float]:
    """The period name and price of a slice: by its register first, then by the clock."""
    for p in tariff.periods:
        if p.channel is not None and p.channel == channel:
            return p.name, p.price_per_unit
    for p in tariff.periods:
        if p.hours is not None and in_hours(p.hours, local_hour):
            return p.name, p.price_per_unit
    return BASE, tariff.price_per_unit


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def fixed_share(tariffs: Sequence[Tariff], start: datetime, end: datetime, zone: ZoneInfo) -> float | None:
    """The fixed monthly parts owed over [start, end); None when no tariff covers any of it."""
    # In UTC: the difference of two times that share a ZoneInfo is wall-clock, blind to DST.
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    total = 0.0
    covered = False
    day = start.astimezone(zone).date()
    while (day_start := _midnight(day, zone)) < end:
        day_end = _midnight(day + timedelta(days=1), zone)
        overlap = min(end, day_end) - max(start, day_start)
        tariff = tariff_at(tariffs, day)
        if tariff is not None and overlap > timedelta(0):
            covered = True
            days_in_month = calendar.monthrange(day.year, day.month)[1]
            total += tariff.fixed_per_month / days_in_month * (overlap / (day_end - day_start))
        day += timedelta(days=1)
    return total if covered else None


def price(
    tariffs: Sequence[Tariff],
    slices: Sequence[Slice],
    windows: Sequence[tuple[datetime, datetime]],
    tz: str,
) -> list[PointCost]:
    """The cost and the per-period consumption of each window (windows sorted, not overlapping)."""
    zone = ZoneInfo(tz)
    energy = [0.0] * len(windows)
    unpriced = [0.0] * len(windows)
    periods: list[dict[str, float]] = [{} for _ in windows]
    starts = [w[0] for w in windows]
    for s in slices:
        i = _window_index(windows, starts, s.start)
        if i is None:
            continue
        local = s.start.astimezone(zone)
        tariff = tariff_at(tariffs, local.date())
        if tariff is None:
            unpriced[i] += s.consumption
            continue
        name, unit_price = period_of(tariff, s.channel, local.hour)
        periods[i][name] = periods[i].get(name, 0.0) + s.consumption
        energy[i] += s.consumption * unit_price
    costs: list[PointCost] = []
    for i, (w_start, w_end) in enumerate(windows):
        fixed = fixed_share(tariffs, w_start, w_end, zone)
        rounded = {name: round(v, 9) for name, v in sorted(periods[i].items())}
        if unpriced[i] or (fixed is None and not periods[i]):
            costs.append(PointCost(None, rounded, round(unpriced[i], 9)))
        else:
            costs.append(PointCost(round(energy[i] + (fixed or 0.0), 9), rounded))
    return costs


def _window_index(
    windows: Sequence[tuple[datetime, datetime]], starts: Sequence[datetime], at: datetime
) -> int | None:
    # The last window starting at or before ``at``; windows may leave gaps between them.
    i = bisect_right(starts, at) - 1
    if i >= 0 and at < windows[i][1]:
        return i
    return None


def total_cost(points: Sequence[PointCost]) -> float:
    """The sum of the windows' costs (those that have one)."""
    return round(sum(p.cost for p in points if p.cost is not None), 9)


__all__ = [
    "BASE",
    "Period",
    "PointCost",
    "Slice",
    "Tariff",
    "fixed_share",
    "period_of",
    "price",
    "tariff_at",
    "total_cost",
]
