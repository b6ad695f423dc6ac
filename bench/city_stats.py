"""The arithmetic of bench.city, kept apart from its processes: pacing, CPU share, latency.

- ``due``: a fixed-rate schedule on a monotonic clock (uplink ``i`` is due ``i / rate`` seconds
  after the start, whatever the previous ones cost: no drift, and no burst unless the publisher
  itself fell behind, which ``lateness`` shows).
- ``stat_ticks`` and ``cpu_share``: CPU time of a process from ``/proc/<pid>/stat`` (user and
  system time of all its threads, plus those of its waited-for children) over wall time.
- ``Readability``: which uplinks are readable, from counts of the readings of the devices of
  the oldest uplinks not yet seen readable (a query on a few hundred series, whatever the fleet).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass


def due(t0: float, i: int, rate: float) -> float:
    """When uplink ``i`` of a schedule started at ``t0`` at ``rate`` per second is due."""
    return t0 + i / rate


def lateness(t0: float, rate: float, sent: Sequence[float]) -> list[float]:
    """How late each publish was against the schedule (0 if on time)."""
    return [max(0.0, t - due(t0, i, rate)) for i, t in enumerate(sent)]


def stat_ticks(stat: str) -> int:
    """utime + stime + cutime + cstime (clock ticks) from the text of ``/proc/<pid>/stat``.

    The process name (field 2) is in parentheses and may hold spaces or parentheses itself: the
    fields are counted after its last ``)``. utime and stime cover every thread of the process;
    cutime and cstime the children it has waited for.
    """
    fields = stat[stat.rindex(")") + 2 :].split()
    # fields[0] is the state (field 3); utime is field 14, so fields[11] .. fields[14]
    return sum(int(v) for v in fields[11:15])


@dataclass(frozen=True)
class CpuSample:
    """CPU ticks of a process tree at a moment of the monotonic clock, and its memory."""

    wall: float
    ticks: int
    rss_mb: float = 0.0
    hwm_mb: float = 0.0
    label: str = ""
    server_ticks: int | None = None  # InfluxDB's, for comparison (None while it is down)


def cpu_share(a: CpuSample, b: CpuSample, hz: int) -> float:
    """Share of one core used between two samples (0.05 is 5 % of a core)."""
    span = b.wall - a.wall
    return (b.ticks - a.ticks) / hz / span if span > 0 else math.nan


def server_share(a: CpuSample, b: CpuSample, hz: int) -> float:
    """InfluxDB's share of a core between two samples (NaN if it was down or restarted)."""
    if a.server_ticks is None or b.server_ticks is None or b.server_ticks < a.server_ticks:
        return math.nan
    span = b.wall - a.wall
    return (b.server_ticks - a.server_ticks) / hz / span if span > 0 else math.nan


def cpu_shares(samples: Sequence[CpuSample], hz: int) -> list[float]:
    """The share of a core in each interval between consecutive samples."""
    return [cpu_share(a, b, hz) for a, b in itertools.pairwise(samples)]


def quantiles(values: Sequence[float]) -> tuple[float, float, float]:
    """(p50, p99, max), nearest-rank; NaNs when empty."""
    if not values:
        return math.nan, math.nan, math.nan
    ordered = sorted(values)

    def rank(q: float) -> float:
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    return rank(0.50), rank(0.99), ordered[-1]


@dataclass(frozen=True)
class Probe:
    """A question for InfluxDB: readings per device among ``devices`` in [first, last] (data time)."""

    devices: list[str]
    first: float
    last: float
    uplinks: list[int]  # the pending uplinks it is about


class Readability:
    """Which uplinks are readable, from counts of the readings of a few devices at a time.

    Each probe asks about the oldest ``size`` published uplinks not yet seen readable: how many
    readings each of their devices has between the earliest and the latest of their data times.
    A device's count covers its uplinks of that span in publish order (all its readings are at
    its uplink's time): an uplink is readable when the count covers it and those of the same
    device before it in the span. One such query reads a few hundred series, whatever the fleet.
    """

    def __init__(self, devices: Sequence[str], times: Sequence[float], points: Sequence[int]) -> None:
        if not len(devices) == len(times) == len(points):
            raise ValueError("one device, time and point count per uplink")
        self.devices, self.times, self.points = list(devices), list(times), list(points)
        self.by_device: dict[str, list[int]] = {}
        for i, eui in enumerate(devices):
            self.by_device.setdefault(eui, []).append(i)
        self.seen = bytearray(len(devices))
        self.oldest = 0  # every uplink before it is readable

    def __len__(self) -> int:
        return len(self.devices)

    def done(self, upto: int) -> bool:
        """Are the first ``upto`` uplinks all readable?"""
        return self.oldest >= upto

    def probe(self, published: int, size: int) -> Probe | None:
        """The next question about the oldest pending uplinks of the first ``published``."""
        waiting = (i for i in range(self.oldest, published) if not self.seen[i])
        pending = list(itertools.islice(waiting, size))
        if not pending:
            return None
        span = [self.times[i] for i in pending]
        return Probe(sorted({self.devices[i] for i in pending}), min(span), max(span), pending)

    def answer(self, probe: Probe, counts: dict[str, int]) -> list[int]:
        """Mark what the counts (readings per device in the probe's span) cover; returns those."""
        asked = set(probe.uplinks)
        found = []
        for eui in probe.devices:
            covered = counts.get(eui, 0)
            for i in self.by_device[eui]:
                if not probe.first <= self.times[i] <= probe.last:
                    continue
                covered -= self.points[i]
                if covered < 0:
                    break
                if i in asked and not self.seen[i]:
                    self.seen[i] = 1
                    found.append(i)
        while self.oldest < len(self.seen) and self.seen[self.oldest]:
            self.oldest += 1
        return sorted(found)
