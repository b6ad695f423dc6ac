"""The hourly, daily and monthly rollups a writer can keep up to date without asking the store.

Recomputing the hours, days and months a batch touched from what is stored costs store queries
per batch, and was most of the bridge's time. When a series' points arrive in time order from
one writer (the bridge draining a queue), the writer already knows the hour, the day and the
month it last wrote: the next points are folded into them in memory (a period's rollup of points
in time order is its earlier rollup plus the new points). Anything else (a point at or before
the last one written, a series not seen lately, an hour the store had more points in than this
writer wrote) goes back to the store's own recomputation, which also seeds the cache. Entries
expire after ``ttl_s`` without a point, and ``forget`` drops them when another process edited
the store (a reprocess, an erasure, an import: see ``Registry.store_epoch``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ingest.lineprotocol import timestamp
from releve.types import Reading

HOUR_NS = 3600 * 1_000_000_000

SeriesKey = tuple[str, str, str]  # dev_eui, quantity, channel
HourKey = tuple[str, str, str, int]  # ... and the period's start in ns (hour, local day or month)
Periods = Callable[[int], tuple[int, int]]  # an hour's start -> its local day's and month's starts


@dataclass(slots=True)
class HourStats:
    """One hour of one series, as InfluxDB's rollup point holds it."""

    count: int
    consumption: float | None
    min: float
    max: float
    total: float
    first: float
    last: float

    def add(self, value: float, delta: float | None) -> None:
        self.count += 1
        self.min = min(self.min, value)
        self.max = max(self.max, value)
        self.total += value
        self.last = value
        if delta is not None:
            self.consumption = (self.consumption or 0.0) + delta


def _added(stats: HourStats | None, value: float, delta: float | None) -> HourStats:
    if stats is None:
        return HourStats(1, delta, value, value, value, value, value)
    stats.add(value, delta)
    return stats


@dataclass(slots=True)
class _Open:
    hour: int
    stats: HourStats
    last_ns: int
    seen: float
    # The local day and month of ``hour`` and their rollups so far; day == -1: not known yet.
    day: int = -1
    day_stats: HourStats | None = None
    month: int = -1
    month_stats: HourStats | None = None


@dataclass
class Folded:
    """What ``fold`` did with a batch."""

    hours: dict[HourKey, HourStats] = field(default_factory=dict)
    days: dict[HourKey, HourStats] = field(default_factory=dict)
    months: dict[HourKey, HourStats] = field(default_factory=dict)
    # Readings whose hours the store must recompute (and then their days and months).
    rest: list[Reading] = field(default_factory=list)
    # Readings folded into their hours here whose days and months the store must recompute.
    days_unknown: list[Reading] = field(default_factory=list)


class OpenHours:
    """The latest hour of each series this process wrote, while it is the only writer in sight."""

    def __init__(
        self,
        ttl_s: float = 6 * 3600.0,
        max_series: int = 200_000,
        clock: Callable[[], float] = time.monotonic,
        periods: Periods | None = None,
    ) -> None:
        """``periods``: the local day and month of an hour; without it days and months are left
        to the store."""
        self._ttl = ttl_s
        self._max = max_series
        self._clock = clock
        self._periods = periods
        self._open: dict[SeriesKey, _Open] = {}

    def fold(self, batch: Sequence[Reading]) -> Folded:
        """Split a batch: rollups updated here, and the readings whose periods the store must recompute."""
        now = self._clock()
        by_series: dict[SeriesKey, list[tuple[int, Reading]]] = {}
        for r in batch:
            by_series.setdefault((r.dev_eui, r.quantity, r.channel), []).append((timestamp(r.ts), r))
        out = Folded()
        for key, points in by_series.items():
            points.sort(key=lambda p: p[0])
            state = self._open.get(key)
            if state is None or now - state.seen > self._ttl or points[0][0] <= state.last_ns:
                self._open.pop(key, None)
                out.rest.extend(r for _, r in points)
                continue
            known = state.day != -1 and self._periods is not None
            for ns, r in points:
                hour = ns - ns % HOUR_NS
                value = float(r.value)
                if hour != state.hour:  # a later hour: this writer's points are its first ones
                    state.hour = hour
                    state.stats = HourStats(1, r.delta, value, value, value, value, value)
                    if known:
                        self._move_periods(state, hour)
                else:
                    state.stats.add(value, r.delta)
                state.last_ns = ns
                out.hours[(*key, hour)] = state.stats
                if known:
                    state.day_stats = _added(state.day_stats, value, r.delta)
                    state.month_stats = _added(state.month_stats, value, r.delta)
                    out.days[(*key, state.day)] = state.day_stats
                    out.months[(*key, state.month)] = state.month_stats
            if not known:
                out.days_unknown.extend(r for _, r in points)
            state.seen = now
        return out

    def _move_periods(self, state: _Open, hour: int) -> None:
        assert self._periods is not None
        day, month = self._periods(hour)
        if day != state.day:
            state.day, state.day_stats = day, None
        if month != state.month:
            state.month, state.month_stats = month, None

    def seed_periods(self, days: dict[HourKey, HourStats], months: dict[HourKey, HourStats]) -> None:
        """Remember the days and months the store just recomputed for series held here: their
        rollups so far, which this writer's next points in time order extend."""
        if self._periods is None:
            return
        for (eui, quantity, channel, day), day_stats in days.items():
            state = self._open.get((eui, quantity, channel))
            if state is None or state.day != -1:
                continue
            state_day, month = self._periods(state.hour)
            month_stats = months.get((eui, quantity, channel, month))
            if state_day == day and month_stats is not None:
                state.day, state.day_stats = day, _copy(day_stats)
                state.month, state.month_stats = month, _copy(month_stats)

    def seed(
        self,
        readings: Sequence[Reading],
        recomputed: dict[HourKey, HourStats],
        newest: dict[SeriesKey, int] | None = None,
    ) -> None:
        """Remember the hours just recomputed by the store, where this writer holds all their points
        and (given ``newest``, each series' newest stored point) where they end their series: a
        late batch followed by points already stored is not an hour to fold into."""
        now = self._clock()
        latest: dict[SeriesKey, list[int]] = {}
        for r in readings:
            latest.setdefault((r.dev_eui, r.quantity, r.channel), []).append(timestamp(r.ts))
        if len(self._open) + len(latest) > self._max:
            self._open.clear()
        for key, stamps in latest.items():
            last = max(stamps)
            hour = last - last % HOUR_NS
            stats = recomputed.get((*key, hour))
            mine = sum(1 for ns in stamps if ns - ns % HOUR_NS == hour)
            # More points in the store than in this batch: some may be later than ours.
            ends_series = newest is None or newest.get(key, last) == last
            if stats is not None and stats.count == mine and ends_series:
                self._open[key] = _Open(hour, stats, last, now)
            else:
                self._open.pop(key, None)

    def forget(self, dev_eui: str | None = None) -> None:
        """Drop what is known of a device (its points were deleted), or of every series."""
        if dev_eui is None:
            self._open.clear()
        else:
            for key in [k for k in self._open if k[0] == dev_eui]:
                del self._open[key]


def _copy(stats: HourStats) -> HourStats:
    return HourStats(
        stats.count, stats.consumption, stats.min, stats.max, stats.total, stats.first, stats.last
    )
