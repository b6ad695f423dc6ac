"""A benchmark fleet: N index meters on S sites, every 15 minutes, played by the simulator's engine.

The readings come from the simulator (its consumption profiles, its report schedule with a phase
per device, in time order across the fleet like ``releve simulate --mode backfill``); what a
meter shows is its index in litres or Wh, and the consumption of a reading is its difference with
the previous one (ingest's ``index_step``), exactly what the bridge writes for such a meter.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from ingest.meter import Point, index_step
from kernel.types import Reading
from simulator.engine import DeviceSim
from simulator.fleet import DeviceSpec, Fleet, SiteSpec

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2025, 12, 1, tzinfo=PARIS)
USES: tuple[Literal["office", "school", "gym", "library", "housing"], ...] = (
    "office",
    "school",
    "gym",
    "library",
    "housing",
)


def bench_fleet(meters: int, sites: int, start: datetime = START, interval_s: int = 900) -> Fleet:
    """``meters`` meters spread over ``sites`` sites: two water meters for one electricity meter."""
    specs: list[SiteSpec] = []
    for s in range(sites):
        devices = []
        for m in range(s, meters, sites):
            water = m % 3 != 2
            devices.append(
                DeviceSpec(
                    dev_eui=f"70b3d5e75e{m:06x}",
                    name=f"meter {m}",
                    model="axioma/qalcosonic-w1" if water else "milesight-iot/em300-di",
                    meter="water" if water else "electricity",
                    base=0.002 if water else 0.3,
                    peak=0.03 if water else 2.0,
                    heating=0.0 if water else 0.05,
                    interval_s=interval_s,
                )
            )
        specs.append(
            SiteSpec(slug=f"site-{s:03d}", name=f"Site {s}", use=USES[s % len(USES)], devices=devices)
        )
    return Fleet(seed=9, start=start, timezone="Europe/Paris", sites=specs)


def readings(fleet: Fleet, end: datetime) -> Iterator[Reading]:
    """Every meter's index reading in [fleet.start, end), in time order across the fleet."""
    sims = [DeviceSim(fleet, site, device) for site, device in fleet.devices()]
    previous: list[Point | None] = [None] * len(sims)
    streams = [_numbered(sim.report_times(fleet.start, end), i) for i, sim in enumerate(sims)]
    for ts, i in heapq.merge(*streams):
        sim = sims[i]
        quantity = sim.device.quantity or "water_volume"
        unit = "m3" if quantity == "water_volume" else "kWh"
        shown = math.floor(sim.index_at(ts) * 1000 + 1e-9) / 1000  # litres, Wh
        point = Point(ts, shown)
        step = index_step(previous[i], point)
        previous[i] = point
        yield Reading(sim.device.dev_eui, quantity, shown, unit, "cumulative", ts, f_cnt=0, delta=step.delta)


def _numbered(times: Iterator[datetime], i: int) -> Iterator[tuple[datetime, int]]:
    for ts in times:
        yield ts, i


def span_end(fleet: Fleet, days: float) -> datetime:
    return fleet.start + timedelta(days=days)
