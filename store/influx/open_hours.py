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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from kernel.types import HOUR_NS, MAX_SERIES, Reading, SeriesKey
from store.influx.lineprotocol import timestamp

HourKey = tuple[str, str, str, int]  # ... and the period's start in ns (hour, local day or month)
Periods = Callable[[int], tuple[int, int]]  # an hour's start -> its local day's and month's starts
Row = tuple[int, "HourStats"]  # a period's start in ns and its rollup


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


@dataclass(slots=True, eq=False)
class _Sums:
    """A series' open hour, and the rollups of its day's hours before it and of its month's days
    before that day. A day is its hours merged in time order and a month its days, as the store
    merges them (``merged``): whether a period was folded here or recomputed by the store, its
    sums are the same to the last bit. (Apart from ``_Open``, so that the ``OpenPeriod`` values
    held for a flush point at it, not at the state that holds them: no reference cycle per
    series, whose dropped states would wait for the cyclic collector.)"""

    stats: HourStats
    day_closed: HourStats | None = None
    month_closed: HourStats | None = None


@dataclass(slots=True)
class _Open:
    hour: int
    sums: _Sums
    last_ns: int
    seen: float
    # The local day and month of ``hour``; day == -1: not known yet.
    day: int = -1
    month: int = -1
    # The open day's and month's values as held for the flush (``OpenPeriod``), while they are open.
    day_value: OpenPeriod | None = None
    month_value: OpenPeriod | None = None


@dataclass(slots=True, eq=False)
class OpenPeriod:
    """A series' open day or month, its value computed when it is written (``value``) rather than
    at every batch: the day is the day's closed hours and the open hour merged, the month the
    month's closed days and that day. Once the series moves on to the next period, ``final``
    holds the closed period's value."""

    sums: _Sums
    month: bool
    final: HourStats | None = None

    def value(self) -> HourStats:
        if self.final is not None:
            return self.final
        day = merged(self.sums.day_closed, self.sums.stats)
        return merged(self.sums.month_closed, day) if self.month else day


# A period's rollup held for writing: its value, its value still open, or (a closed hour: its
# value is final) its fields in line protocol (``HeldRollups.closed``).
Rollup = HourStats | OpenPeriod | str


def value_of(rollup: Rollup) -> HourStats | str:
    """A held rollup's value now."""
    return rollup.value() if isinstance(rollup, OpenPeriod) else rollup


def merged(a: HourStats | None, b: HourStats) -> HourStats:
    """Two consecutive periods' rollups as one (a new object: ``b`` may still grow)."""
    if a is None:
        return _copy(b)
    if b.consumption is None or a.consumption is None:
        consumption = a.consumption if b.consumption is None else b.consumption
    else:
        consumption = a.consumption + b.consumption
    low, high = min(a.min, b.min), max(a.max, b.max)
    return HourStats(a.count + b.count, consumption, low, high, a.total + b.total, a.first, b.last)


def merge_all(rows: Sequence[HourStats]) -> HourStats | None:
    """Periods' rollups in time order as one, merged left to right (``merged``)."""
    out: HourStats | None = None
    for row in rows:
        out = merged(out, row)
    return out


@dataclass
class Folded:
    """What ``fold`` did with a batch."""

    hours: dict[HourKey, HourStats] = field(default_factory=dict)
    days: dict[HourKey, Rollup] = field(default_factory=dict)
    months: dict[HourKey, Rollup] = field(default_factory=dict)
    # Readings whose hours the store must recompute (and then their days and months).
    rest: list[Reading] = field(default_factory=list)
    # Readings folded into their hours here whose days and months the store must recompute.
    days_unknown: list[Reading] = field(default_factory=list)
    # The hours this batch closed (their series moved on to a later hour): their rollups are final.
    closed: list[tuple[HourKey, HourStats]] = field(default_factory=list)


class OpenHours:
    """The latest hour of each series this process wrote, while it is the only writer in sight."""

    def __init__(
        self,
        ttl_s: float = 6 * 3600.0,
        max_series: int = MAX_SERIES,
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

    def unknown(self, keys: Iterable[SeriesKey]) -> set[SeriesKey]:
        """The series among ``keys`` this writer holds no open hour of (never seen, or expired)."""
        if self._ttl < 0:
            return set()  # shared writers fold nothing
        now = self._clock()
        return {k for k in keys if (state := self._open.get(k)) is None or now - state.seen > self._ttl}

    def fold(self, batch: Sequence[Reading], newest: Mapping[SeriesKey, int | None] | None = None) -> Folded:
        """Split a batch: rollups updated here, and the readings whose periods the store must recompute.

        ``newest``: for series this writer holds nothing of (``unknown``), the time of their newest
        stored point (None: none), asked before the batch was written. A series whose newest
        stored point is before the hour of its first new one starts that hour here: the hour
        holds nothing else, nor do its day and month when that point is before their start (a
        new meter, a backlog's first batch), and nothing is recomputed from the store for them.
        """
        return self.fold_series(by_series(batch), newest)

    def fold_series(
        self,
        series: Mapping[SeriesKey, dict[int, Reading]],
        newest: Mapping[SeriesKey, int | None] | None = None,
    ) -> Folded:
        """``fold`` of a batch grouped by series (``by_series``). (Per series and point: the
        names it uses are local, the bridge folds every reading here.)"""
        now, ttl, held, periods = self._clock(), self._ttl, self._open, self._periods is not None
        out = Folded()
        hours, days, months, closed = out.hours, out.days, out.months, out.closed
        for key, at in series.items():
            state = held.get(key)
            stale = state is None or now - state.seen > ttl
            if not stale and len(at) == 1 and state is not None and (periods and state.day != -1):
                # The common case, inlined: one new point, later than the series' last, in a
                # series whose hour, day and month are known here (per point: ``HourStats.add``
                # as a call, and the loop below, took a third of the fold).
                ((ns, r),) = at.items()
                if ns > state.last_ns:
                    hour, value, delta = ns - ns % HOUR_NS, float(r.value), r.delta
                    stats = state.sums.stats
                    if hour != state.hour:
                        closed.append(((*key, state.hour), stats))
                        self._close_hour(key, state, hour, out)
                        state.hour = hour
                        state.sums.stats = stats = HourStats(1, delta, value, value, value, value, value)
                    else:
                        stats.count += 1
                        if value < stats.min:
                            stats.min = value
                        if value > stats.max:
                            stats.max = value
                        stats.total += value
                        stats.last = value
                        if delta is not None:
                            stats.consumption = (stats.consumption or 0.0) + delta
                    state.last_ns = ns
                    hours[(*key, hour)] = stats
                    _hold_open(key, state, days, months)
                    state.seen = now
                    continue
            # (the times are distinct: the points are ordered by time alone)
            points = every = sorted(at.items()) if len(at) > 1 else list(at.items())
            if stale and newest is not None and key in newest:
                state = self._start(key, points[0], newest[key], now, out)
                stale = state is None
                if not stale:
                    points = points[1:]  # the first one started the hour
            if stale or state is None or (points and points[0][0] <= state.last_ns):
                held.pop(key, None)
                out.rest.extend(r for _, r in every)
                continue
            known = periods and state.day != -1
            stats, touched = state.sums.stats, False  # touched: the hour has points of this batch
            for ns, r in points:
                hour = ns - ns % HOUR_NS
                value = float(r.value)
                if hour != state.hour:  # a later hour: this writer's points are its first ones
                    over = (*key, state.hour)
                    if touched:
                        hours[over] = stats
                    closed.append((over, stats))
                    if known:
                        self._close_hour(key, state, hour, out)
                    state.hour = hour
                    state.sums.stats = stats = HourStats(1, r.delta, value, value, value, value, value)
                else:
                    stats.add(value, r.delta)
                touched = True
            if touched:
                state.last_ns = points[-1][0]
                hours[(*key, state.hour)] = stats
            if known:
                _hold_open(key, state, days, months)
            else:
                out.days_unknown.extend(r for _, r in every)
            state.seen = now
        return out

    def _start(
        self, key: SeriesKey, first: tuple[int, Reading], stored: int | None, now: float, out: Folded
    ) -> _Open | None:
        """A series' open hour started at its first new point, where the store holds nothing in
        that hour (its newest stored point, ``stored``, is older); its day and month are known
        (empty before it) where that point is older than the month too."""
        ns, r = first
        hour = ns - ns % HOUR_NS
        if (stored is not None and stored >= hour) or len(self._open) >= self._max:
            return None
        value = float(r.value)
        state = _Open(hour, _Sums(HourStats(1, r.delta, value, value, value, value, value)), ns, now)
        if self._periods is not None:
            day, month = self._periods(hour)
            if stored is None or stored < month:
                state.day, state.month = day, month
        self._open[key] = state
        out.hours[(*key, hour)] = state.sums.stats
        return state

    def _close_hour(self, key: SeriesKey, state: _Open, hour: int, out: Folded) -> None:
        """The series moves on to ``hour``: its last hour joins its day, a finished day its month."""
        assert self._periods is not None
        day, month = self._periods(hour)
        day_total = merged(state.sums.day_closed, state.sums.stats)
        if day == state.day:
            state.sums.day_closed = day_total
            return
        out.days[(*key, state.day)] = day_total
        month_total = merged(state.sums.month_closed, day_total)
        out.months[(*key, state.month)] = month_total
        # What was held of the closed periods (a flush under way may still write it) is final.
        if state.day_value is not None:
            state.day_value.final, state.day_value = day_total, None
        if month == state.month:
            state.sums.month_closed = month_total
        else:
            if state.month_value is not None:
                state.month_value.final, state.month_value = month_total, None
            state.month, state.sums.month_closed = month, None
        state.day, state.sums.day_closed = day, None

    def seed_periods(self, days: dict[HourKey, list[Row]], months: dict[HourKey, list[Row]]) -> None:
        """Remember the days and months the store just recomputed for series held here, from the
        rows it merged (each period's rows in time order): the hours of the day before the open
        hour, the days of the month before its day, which this writer's next points extend."""
        if self._periods is None:
            return
        for (eui, quantity, channel, day), hours in days.items():
            state = self._open.get(SeriesKey(eui, quantity, channel))
            if state is None or state.day != -1 or not hours or hours[-1][0] != state.hour:
                continue
            state_day, month = self._periods(state.hour)
            in_month = months.get((eui, quantity, channel, month))
            if state_day != day or not in_month or in_month[-1][0] != day:
                continue
            state.day, state.sums.day_closed = day, merge_all([h for _, h in hours[:-1]])
            state.month, state.sums.month_closed = month, merge_all([d for _, d in in_month[:-1]])

    def seed(
        self,
        readings: Sequence[Reading],
        recomputed: dict[HourKey, HourStats],
        newest: dict[SeriesKey, int] | None = None,
    ) -> None:
        """Remember the hours just recomputed by the store, where this writer holds all their points
        (``readings``, which it just wrote) and (given ``newest``, each series' newest stored
        point) where they end their series: a late batch followed by points already stored is
        not an hour to fold into."""
        latest: dict[SeriesKey, list[int]] = {}
        for r in readings:
            latest.setdefault(r.series, []).append(timestamp(r.ts))
        written: dict[SeriesKey, tuple[int, int]] = {}
        for key, stamps in latest.items():
            last = max(stamps)
            written[key] = (last, sum(1 for ns in stamps if ns - ns % HOUR_NS == last - last % HOUR_NS))
        self.seed_counted(written, recomputed, newest)

    def seed_counted(
        self,
        written: dict[SeriesKey, tuple[int, int]],
        recomputed: dict[HourKey, HourStats],
        newest: dict[SeriesKey, int] | None = None,
    ) -> None:
        """``seed``, given per series this writer's newest point and how many points it wrote in
        that point's hour."""
        now = self._clock()
        if len(self._open) + len(written) > self._max:
            self._open.clear()
        for key, (last, mine) in written.items():
            hour = last - last % HOUR_NS
            stats = recomputed.get((*key, hour))
            stored = None if newest is None else newest.get(key)
            # Given the store's newest point of the series, the hour is foldable when it is this
            # writer's newest: whoever wrote the hour's other points (this writer before an
            # outage or a crash, whose points a catch-up replays), none is later. Without it,
            # only an hour of this writer's points alone (more may be later than its own).
            foldable = stored == last if stored is not None else stats is not None and stats.count == mine
            if stats is not None and foldable:
                self._open[key] = _Open(hour, _Sums(stats), last, now)
            else:
                self._open.pop(key, None)

    def forget(self, dev_eui: str | None = None) -> None:
        """Drop what is known of a device (its points were deleted), or of every series."""
        if dev_eui is None:
            self._open.clear()
        else:
            for key in [k for k in self._open if k[0] == dev_eui]:
                del self._open[key]


def _hold_open(
    key: SeriesKey, state: _Open, days: dict[HourKey, Rollup], months: dict[HourKey, Rollup]
) -> None:
    """A series' open day and month, held for the flush as values computed when written."""
    if state.day_value is None:
        state.day_value = OpenPeriod(state.sums, month=False)
    if state.month_value is None:
        state.month_value = OpenPeriod(state.sums, month=True)
    days[(*key, state.day)] = state.day_value
    months[(*key, state.month)] = state.month_value


def by_series(
    batch: Sequence[Reading], stamps: Sequence[int] | None = None
) -> dict[SeriesKey, dict[int, Reading]]:
    """A batch's readings per series and time in ns (``stamps``, where the caller has them): one
    point per time, the later of the batch, as the store keeps it."""
    if stamps is None:
        stamps = [timestamp(r.ts) for r in batch]
    out: dict[SeriesKey, dict[int, Reading]] = {}
    for r, ns in zip(batch, stamps, strict=True):
        out.setdefault(r.series, {})[ns] = r
    return out


def _copy(stats: HourStats) -> HourStats:
    return HourStats(
        stats.count, stats.consumption, stats.min, stats.max, stats.total, stats.first, stats.last
    )
