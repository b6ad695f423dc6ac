"""The periods an InfluxDB writer holds to recompute from what is stored, at its next flush.

A writer folds the hours, days and months of the series it alone writes in time order
(``store.influx.open_hours``). Any other point (a replay after a crash, a late reading, a series not
seen lately) needs its hour recomputed from the stored points, then its day and month. Done at
each batch, a catch-up recomputed each series' hour, day and month in every one of its batches;
held here, each is recomputed once per flush. What the writer wrote of each series is counted,
so that it can fold into the series again where it wrote all of the hour's points.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kernel.types import HOUR_NS, Reading, SeriesKey
from store.influx.lineprotocol import timestamp
from store.influx.open_hours import HourKey

DayKey = tuple[str, str, str, tuple[int, int, int]]  # a series and its local day (start, first, end)


@dataclass
class Dirty:
    """Hours and days to recompute; per series, this writer's newest point and its points per hour."""

    hours: set[HourKey] = field(default_factory=set)
    days: set[DayKey] = field(default_factory=set)
    last: dict[SeriesKey, int] = field(default_factory=dict)
    counts: dict[HourKey, int] = field(default_factory=dict)

    def add(self, rest: Iterable[Reading], days: Iterable[tuple[Reading, tuple[int, int, int]]]) -> None:
        """Readings whose hours (and days) the store must recompute; readings folded into their
        hours whose days it must recompute (``days``: each with its local day)."""
        for r in rest:
            ns = timestamp(r.ts)
            key = r.series
            hour = (*key, ns - ns % HOUR_NS)
            self.hours.add(hour)
            self.counts[hour] = self.counts.get(hour, 0) + 1
            self.last[key] = max(self.last.get(key, ns), ns)
        for r, day in days:
            self.days.add((r.dev_eui, r.quantity, r.channel, day))

    def merge(self, other: Dirty) -> Dirty:
        """``other`` added to this one (returned)."""
        self.hours |= other.hours
        self.days |= other.days
        for key, ns in other.last.items():
            self.last[key] = max(self.last.get(key, ns), ns)
        for hour, n in other.counts.items():
            self.counts[hour] = self.counts.get(hour, 0) + n
        return self

    def written(self) -> dict[SeriesKey, tuple[int, int]]:
        """Per series: this writer's newest point, and how many points it wrote in that hour."""
        return {key: (ns, self.counts.get((*key, ns - ns % HOUR_NS), 0)) for key, ns in self.last.items()}

    def __len__(self) -> int:
        return len(self.hours) + len(self.days)
