"""Simulated meters walking through time: what each device measures when it reports.

A meter's true index is the running sum of its 15-minute slot consumptions since the fleet's
start (linear within a slot), so it is a pure function of time and can be resumed after a
restart. What the meter shows can differ: a pulse counter only counts whole pulses, and its
register wraps.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from simulator.fleet import (
    BackwardsEvent,
    BatteryDeathEvent,
    DeviceSpec,
    Fleet,
    GatewayOutageEvent,
    LeakEvent,
    LightingStuckEvent,
    OverconsumptionEvent,
    RejoinEvent,
    ReplacementEvent,
    SilenceEvent,
    SiteSpec,
    TamperEvent,
)
from simulator.profiles import (
    DEFAULT_PLACE,
    SLOT,
    Profile,
    indoor_climate,
    noise,
    occupancy,
    outdoor_climate,
    slot_consumption,
)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one device measures at one report."""

    ts: datetime
    f_cnt: int
    index: float | None = None  # true index, canonical unit (m3, kWh)
    shown: float | None = None  # what the meter shows (whole pulses x weight), not wrapped
    pulses: int | None = None  # the raw pulse register, wrapped at register_max
    temperature: float | None = None
    humidity: float | None = None
    co2: float | None = None
    illuminance: float | None = None
    motion: int | None = None
    battery_v: float | None = None
    battery_pct: float | None = None
    rate: float | None = None  # consumption per hour now (kW for energy, m3/h for volumes)
    # For meters that send their recent history: (time, true index, shown index), oldest first.
    history: tuple[tuple[datetime, float, float], ...] = ()
    # ... and, for pulse counters among them, the raw pulse register at each of those times.
    pulse_history: tuple[tuple[datetime, int], ...] = ()


# Meters whose frame carries their recent history: how many indexes, how far apart, the newest at
# the report. The Axioma sends a day of hourly indexes; the nke Watteco pulse counters send batch
# reports, here a quarter of an hour of indexes 5 minutes apart.
HISTORY: dict[str, tuple[int, timedelta]] = {
    "axioma/qalcosonic-w1": (24, timedelta(hours=1)),
    "watteco/flasho": (3, timedelta(minutes=5)),
    "watteco/pulse-senso": (3, timedelta(minutes=5)),
}


class DeviceSim:
    """One device: its report schedule and what it measures at each report."""

    def __init__(self, fleet: Fleet, site: SiteSpec, device: DeviceSpec) -> None:
        self.fleet = fleet
        self.site = site
        self.device = device
        self.tz = ZoneInfo(fleet.timezone)
        self.start = fleet.start
        # Devices do not all report at the same second: a fixed phase per device.
        self.phase = timedelta(seconds=int(noise(fleet.seed, device.dev_eui, -1) * device.interval_s))
        self._profile = Profile(
            kind=device.meter,
            use=site.use,
            base=device.base,
            peak=device.peak,
            heating=device.heating,
            latitude=site.latitude if site.latitude is not None else DEFAULT_PLACE[0],
            longitude=site.longitude if site.longitude is not None else DEFAULT_PLACE[1],
        )
        mine = [
            e for e in fleet.events if not isinstance(e, GatewayOutageEvent) and e.dev_eui == device.dev_eui
        ]
        self._leaks = [e for e in mine if isinstance(e, LeakEvent)]
        self._replacements = sorted(
            (e for e in mine if isinstance(e, ReplacementEvent)), key=lambda e: e.start
        )
        self._battery_deaths = [e for e in mine if isinstance(e, BatteryDeathEvent)]
        self._silences = [e for e in mine if isinstance(e, SilenceEvent)]
        self._tampers = [e for e in mine if isinstance(e, TamperEvent)]
        self._surges = [e for e in mine if isinstance(e, OverconsumptionEvent)]
        self._backwards = [e for e in mine if isinstance(e, BackwardsEvent)]
        self._stuck = [e for e in mine if isinstance(e, LightingStuckEvent)]
        self._rejoins = sorted(e.start for e in mine if isinstance(e, RejoinEvent))
        self._outages = [e for e in fleet.events if isinstance(e, GatewayOutageEvent) and e.site == site.slug]
        self._base: dict[datetime, float] = {}  # true index at each replacement
        self._slot = 0  # slots fully summed so far
        self._cum = 0.0  # consumption of those slots

    def report_times(self, start: datetime, end: datetime) -> Iterator[datetime]:
        """Report times in [start, end), on this device's schedule."""
        first = self.start + self.phase
        step = timedelta(seconds=self.device.interval_s)
        n = max(0, math.ceil((start - first) / step))
        ts = first + n * step
        while ts < end:
            yield ts
            ts += step

    def f_cnt(self, ts: datetime) -> int:
        """Frames sent since the last join (a re-join restarts the counter at 0)."""
        since = self.start + self.phase
        for rejoin in self._rejoins:
            if rejoin <= ts:
                since = rejoin
        first = self.start + self.phase
        step = timedelta(seconds=self.device.interval_s)
        # reports on the schedule in [since, ts): the first one after a join is frame 0
        return (int((ts - first) // step) - math.ceil((since - first) / step)) % 2**32

    def dev_addr(self, ts: datetime) -> str:
        """The session's device address: a new one at each join."""
        joins = sum(1 for rejoin in self._rejoins if rejoin <= ts)
        return f"{(int(self.device.dev_eui[-8:], 16) + joins * 0x01000000) % 2**32:08x}"

    def slot_value(self, slot: int) -> float:
        ts = self.start + slot * SLOT
        stuck = any(e.active(ts) for e in self._stuck)
        value = slot_consumption(
            self._profile, self.fleet.seed, self.device.dev_eui, slot, ts.astimezone(self.tz), stuck
        )
        for surge in self._surges:
            if surge.active(ts):
                value *= surge.factor
        for leak in self._leaks:
            if leak.active(ts):
                value += leak.flow_m3h * SLOT.total_seconds() / 3600
        return value

    def silent(self, ts: datetime) -> bool:
        """Whether nothing of this device reaches the network server at ``ts``."""
        if any(e.active(ts) for e in self._silences) or any(e.active(ts) for e in self._outages):
            return True
        # dead from the day the battery is empty until it is replaced (the event's end)
        return any(
            e.start + timedelta(days=e.days) <= ts and (e.end is None or ts < e.end)
            for e in self._battery_deaths
        )

    def tampered(self, after: datetime, until: datetime) -> bool:
        """Whether a tamper event happened in (after, until]."""
        return any(after < e.start <= until for e in self._tampers)

    def battery(self, ts: datetime) -> tuple[float, float]:
        """Battery (volts, percent): slow ageing, or a fast drain during a battery-death event."""
        age_days = (ts - self.start).total_seconds() / 86400
        volts, pct = 3.6 - 0.0004 * age_days, 100 - age_days / 36.5
        for e in self._battery_deaths:
            if e.start <= ts and (e.end is None or ts < e.end):
                frac = min(1.0, (ts - e.start).total_seconds() / 86400 / e.days)
                volts, pct = min(volts, 3.6 - 1.2 * frac), min(pct, 100 * (1 - frac))
        return round(volts, 1), max(0.0, min(100.0, float(round(pct))))

    def _index_fresh(self, ts: datetime) -> float:
        elapsed = (ts - self.start) / SLOT
        whole = math.floor(elapsed)
        return sum(self.slot_value(k) for k in range(whole)) + (elapsed - whole) * self.slot_value(whole)

    def _index_cached(self, ts: datetime) -> float:
        if ts not in self._base:
            self._base[ts] = self._index_fresh(ts)
        return self._base[ts]

    def shown_at(self, ts: datetime, index: float) -> float:
        """What the meter displays: after a replacement, the new meter's index; what it counted
        down while running backwards is missing twice (once not added, once taken away)."""
        shown = index
        current = [r for r in self._replacements if r.start <= ts]
        if current:
            last = current[-1]
            shown = last.new_initial + index - self._index_cached(last.start)
        for event in self._backwards:
            if event.start <= ts:
                upto = index if event.end is None or ts < event.end else self._index_cached(event.end)
                shown -= 2 * (upto - self._index_cached(event.start))
        return shown

    def index_at(self, ts: datetime) -> float:
        """The true index at ``ts`` (times must not go backwards between calls much: it walks)."""
        elapsed = (ts - self.start) / SLOT
        whole = math.floor(elapsed)
        if whole < self._slot:
            self._slot, self._cum = 0, 0.0  # rewind: recompute from the start
        while self._slot < whole:
            self._cum += self.slot_value(self._slot)
            self._slot += 1
        return self._cum + (elapsed - whole) * self.slot_value(whole)

    def snapshot(self, ts: datetime) -> Snapshot:
        device = self.device
        f_cnt = self.f_cnt(ts)
        slot = int((ts - self.start) / SLOT)
        battery_v, battery_pct = self.battery(ts)
        if device.meter == "outdoor":
            temp, hum = outdoor_climate(self.fleet.seed, device.dev_eui, slot, ts.astimezone(self.tz))
            return Snapshot(
                ts=ts,
                f_cnt=f_cnt,
                temperature=temp,
                humidity=hum,
                battery_v=battery_v,
                battery_pct=battery_pct,
            )
        if device.meter == "comfort":
            local = ts.astimezone(self.tz)
            temp, hum, co2 = indoor_climate(self.site.use, self.fleet.seed, device.dev_eui, slot, local)
            occ = occupancy(self.site.use, local)
            lux = round(400 * occ + 20 * noise(self.fleet.seed, device.dev_eui + "l", slot))
            motion = round(12 * occ * noise(self.fleet.seed, device.dev_eui + "m", slot))
            return Snapshot(
                ts=ts,
                f_cnt=f_cnt,
                temperature=temp,
                humidity=hum,
                co2=co2,
                illuminance=lux,
                motion=motion,
                battery_v=battery_v,
                battery_pct=battery_pct,
            )
        history: tuple[tuple[datetime, float, float], ...] = ()
        pulse_history: tuple[tuple[datetime, int], ...] = ()
        if device.model in HISTORY:
            samples, step = HISTORY[device.model]
            # the index walk only goes forwards: take the older samples first
            rows = []
            for k in range(samples):
                t = ts - step * (samples - 1 - k)
                true_index = self.index_at(t)
                shown_then = self.shown_at(t, true_index)
                if device.pulse_weight:
                    counted = math.floor(shown_then / device.pulse_weight + 1e-9)
                    rows.append((t, true_index, counted * device.pulse_weight))
                    register = int(device.register_max) if device.register_max else None
                    pulse_history += ((t, counted % register if register else counted),)
                else:
                    litres = math.floor(shown_then * 1000 + 1e-9)  # the meter counts litres
                    rows.append((t, true_index, litres / 1000))
            history = tuple(rows)
        index = self.index_at(ts)
        shown = self.shown_at(ts, index)
        pulses = None
        if device.meter == "heat":
            shown = float(math.floor(shown + 1e-9))  # heat meters count whole kWh
        if device.pulse_weight:
            count = math.floor(shown / device.pulse_weight + 1e-9)
            shown = count * device.pulse_weight
            pulses = count % int(device.register_max) if device.register_max else count
        return Snapshot(
            ts=ts,
            f_cnt=f_cnt,
            index=index,
            shown=shown,
            pulses=pulses,
            temperature=round(18 + 3 * noise(self.fleet.seed, device.dev_eui + "t", slot), 1),
            humidity=float(round(50 + 10 * noise(self.fleet.seed, device.dev_eui + "h", slot))),
            battery_v=battery_v,
            battery_pct=battery_pct,
            history=history,
            pulse_history=pulse_history,
            rate=self.slot_value(slot) * 4,
        )


def simulators(fleet: Fleet) -> list[DeviceSim]:
    return [DeviceSim(fleet, site, device) for site, device in fleet.devices()]
