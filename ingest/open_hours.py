"""The hourly rollups a writer can keep up to date without asking the store again.

Recomputing the hours a batch touched from the raw points costs a store query per batch, and
was most of the bridge's time. When a series' points arrive in time order from one writer (the
bridge draining a queue), the writer already knows the hour it last wrote: the next points are
folded into it in memory. Anything else (a point at or before the last one written, a series
not seen lately, an hour the store had more points in than this writer wrote) goes back to the
store's own recomputation, which also seeds the cache. Entries expire after ``ttl_s``, so a
point written by another process (a reprocess, a second bridge) is taken into account within
that time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ingest.lineprotocol import timestamp
from releve.types import Reading

HOUR_NS = 3600 * 1_000_000_000

SeriesKey = tuple[str, str, str]  # dev_eui, quantity, channel
HourKey = tuple[str, str, str, int]  # ... and the hour's start in ns


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


@dataclass(slots=True)
class _Open:
    hour: int
    stats: HourStats
    last_ns: int
    seen: float


class OpenHours:
    """The latest hour of each series this process wrote, while it is the only writer in sight."""

    def __init__(
        self, ttl_s: float = 120.0, max_series: int = 200_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl_s
        self._max = max_series
        self._clock = clock
        self._open: dict[SeriesKey, _Open] = {}

    def fold(self, batch: Sequence[Reading]) -> tuple[dict[HourKey, HourStats], list[Reading]]:
        """Split a batch: rollups updated here, and the readings whose hours the store must recompute."""
        now = self._clock()
        by_series: dict[SeriesKey, list[tuple[int, Reading]]] = {}
        for r in batch:
            by_series.setdefault((r.dev_eui, r.quantity, r.channel), []).append((timestamp(r.ts), r))
        done: dict[HourKey, HourStats] = {}
        rest: list[Reading] = []
        for key, points in by_series.items():
            points.sort(key=lambda p: p[0])
            state = self._open.get(key)
            if state is None or now - state.seen > self._ttl or points[0][0] <= state.last_ns:
                self._open.pop(key, None)
                rest.extend(r for _, r in points)
                continue
            for ns, r in points:
                hour = ns - ns % HOUR_NS
                value = float(r.value)
                if hour != state.hour:  # a later hour: this writer's points are its first ones
                    state.hour = hour
                    state.stats = HourStats(1, r.delta, value, value, value, value, value)
                else:
                    state.stats.add(value, r.delta)
                state.last_ns = ns
                done[(*key, hour)] = state.stats
            state.seen = now
        return done, rest

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
