"""A writer's meter state: the last stored point of each index series, and the consumption deltas
a batch of readings gets from it.

A batch's deltas are *planned* against the state without changing it; the plan's new last points
are *committed* only once the store has taken the batch. A failed or partial write (store refused,
timed out, locked, killed) leaves the state as it was, so the retry computes the same deltas as an
uninterrupted run: remembering the last points before the write made every retried reading's delta
reach back to the point stored before the batch, and a month's consumption grew by half.

Readings at or before their series' last point (a replay after a crash, a late reading, a history
frame) are placed among what the store holds around them, asked once per batch for all of them
(``Store.neighbours``): a stored point a new reading lands before gets a new delta too.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from operator import attrgetter
from typing import Protocol

from decoders import Kind
from ingest.meter import Point, Step, delta_step, index_step
from kernel.types import MAX_SERIES, Reading, Replacement, SeriesKey
from registry import Device
from store import Store
from store.protocol import Neighbourhood, SeriesSpan

# How far before a late reading its predecessor is looked for (and after it, its successor).
LATE_REACH = timedelta(days=62)

_TIME = attrgetter("ts")  # a reading's time (a lambda costs a Python call per reading)


@dataclass
class DeltaPlan:
    """A batch's readings with their deltas, and what the state becomes once they are stored."""

    readings: list[Reading] = field(default_factory=list)
    anomalies: list[tuple[Reading, str]] = field(default_factory=list)
    last: dict[SeriesKey, Point] = field(default_factory=dict)


class Devices(Protocol):
    """What the meter state needs to know of devices (the ingest pipeline's device cache)."""

    def get(self, dev_eui: str) -> Device | None: ...

    def replacements(self, dev_eui: str) -> dict[tuple[str, str], tuple[Replacement, ...]]: ...


# For each device on a metering point, the other devices on it (one registry query for them all).
Siblings = Callable[[Collection[Device]], dict[str, list[str]]]


class MeterState:
    """Each index series' last stored point (bounded LRU), and the planning of a batch's deltas."""

    def __init__(self, store: Store, devices: Devices, siblings: Siblings, *, shared: bool = False) -> None:
        """``shared``: other writers write the same series, so the last points are read from the
        store for every batch instead of trusted from this writer's memory."""
        self._store = store
        self._devices = devices
        self._siblings = siblings
        self._shared = shared
        self._last: OrderedDict[SeriesKey, Point] = OrderedDict()
        # Series the store had nothing for when last asked (a new meter): not asked again one by one.
        self._no_history: set[SeriesKey] = set()

    def forget(self) -> None:
        """Another process edited the store: what is held of its series may be stale."""
        self._last.clear()
        self._no_history.clear()

    def commit(self, plan: DeltaPlan) -> None:
        """The store took ``plan.readings``: their series' last points move on."""
        for key, point in plan.last.items():
            self._remember(key, point)

    def _remember(self, key: SeriesKey, point: Point) -> None:
        self._no_history.discard(key)
        self._last[key] = point
        self._last.move_to_end(key)
        if len(self._last) > MAX_SERIES:
            self._last.popitem(last=False)

    def plan(self, readings: Sequence[Reading]) -> DeltaPlan:
        """Each metering reading's consumption delta, in reading-time order per series; the state
        is not changed (``commit`` once the store took the plan's readings)."""
        self._prefetch_latest(readings)
        inherited = self._inherited(
            {r.series for r in readings if r.kind == Kind.CUMULATIVE and r.series not in self._last}
        )
        plan = DeltaPlan()
        late: dict[SeriesKey, list[Reading]] = {}
        for reading in sorted(readings, key=_TIME):
            if reading.kind == Kind.DELTA:
                self._add(plan, reading, delta_step(reading.value))
            elif reading.kind == Kind.CUMULATIVE:
                key = reading.series
                last = plan.last.get(key) or self._last.get(key)
                if last is None and key not in plan.last:
                    last = inherited.get(key)
                if last is not None and reading.ts <= last.ts:
                    late.setdefault(key, []).append(reading)
                    continue
                cur = Point(reading.ts, reading.value)
                plan.last[key] = cur
                self._add(plan, reading, index_step(last, cur, self._wraps_at(reading), self._swaps(key)))
            else:
                plan.readings.append(reading)
        if late:
            self._place_late(plan, late)
        return plan

    def _add(self, plan: DeltaPlan, reading: Reading, step: Step) -> None:
        if step.anomaly:
            plan.anomalies.append((reading, step.anomaly))
        plan.readings.append(reading.with_delta(step.delta))

    def _place_late(self, plan: DeltaPlan, late: dict[SeriesKey, list[Reading]]) -> None:
        """Readings at or before their series' last point, among the stored points around them:
        each gets its delta from its true predecessor, and a stored point whose predecessor
        changed is rewritten with its new delta (a replay changes nothing)."""
        spans = [SeriesSpan(*key, rs[0].ts, rs[-1].ts) for key, rs in late.items()]
        around = self._store.neighbours(spans, LATE_REACH)
        for key, rs in late.items():
            near = around.get(key, Neighbourhood(None, (), None))
            new = {r.ts: r for r in rs}  # the later of two readings of one time wins, as in the store
            stored = {r.ts: r for r in near.inside if r.ts not in new}
            wraps, swaps = self._wraps_at(rs[0]), self._swaps(key)
            before = near.before
            prev = Point(before.ts, before.value) if before else self._sibling_point(key, rs[0])
            for ts in sorted({*new, *stored}):
                reading = new.get(ts) or stored[ts]
                cur = Point(ts, reading.value)
                step = index_step(prev, cur, wraps, swaps)
                if ts in new:
                    self._add(plan, reading, step)
                elif step.delta != reading.delta:
                    plan.readings.append(reading.with_delta(step.delta))
                prev = cur
            if near.after is not None:
                step = index_step(prev, Point(near.after.ts, near.after.value), wraps, swaps)
                if step.delta != near.after.delta:
                    plan.readings.append(near.after.with_delta(step.delta))
            # A corrected value at the series' last time is its last point from now on.
            last = plan.last.get(key) or self._last.get(key)
            if last is not None and last.ts in new and key not in plan.last:
                plan.last[key] = Point(last.ts, new[last.ts].value)

    def _prefetch_latest(self, readings: Iterable[Reading]) -> None:
        """One store query for every index series of the batch not known here.

        Asked one device at a time, a batch of a thousand new devices (a restart, a backlog) was
        a thousand store round trips. What it finds is what the store holds: kept at once.
        """
        if len(self._no_history) > MAX_SERIES:
            self._no_history.clear()
        missing = {
            key
            for key in (r.series for r in readings if r.kind == Kind.CUMULATIVE)
            if self._shared or (key not in self._last and key not in self._no_history)
        }
        if not missing:
            return
        if self._shared:
            for key in missing:
                self._last.pop(key, None)
        found = {r.series: r for r in self._store.latest({k.dev_eui for k in missing})}
        for key in missing:
            hit = found.get(key)
            if hit is None:
                self._no_history.add(key)
            else:
                self._remember(key, Point(hit.ts, hit.value))

    def _inherited(
        self, keys: Collection[SeriesKey], before: Reading | None = None
    ) -> dict[SeriesKey, Point]:
        """For index series the store holds nothing of (a new meter, or a new radio device on an
        existing metering point, which reads the same meter), the newest point of the same
        quantity from the devices that were on their metering point: one registry query and one
        store query for the batch, not one of each per new series."""
        if not keys:
            return {}
        devices = {key.dev_eui: self._devices.get(key.dev_eui) for key in keys}
        peers = self._siblings([d for d in devices.values() if d is not None and d.metering_point])
        if not any(peers.values()):
            return {}
        newest = {r.series: r for r in self._store.latest({e for euis in peers.values() for e in euis})}
        out: dict[SeriesKey, Point] = {}
        for key in keys:
            same = [
                newest[peer]
                for eui in peers.get(key.dev_eui, [])
                if (peer := SeriesKey(eui, key.quantity, key.channel)) in newest
                and (before is None or newest[peer].ts < before.ts)
            ]
            if same:
                last = max(same, key=lambda r: r.ts)
                out[key] = Point(last.ts, last.value)
        return out

    def _sibling_point(self, key: SeriesKey, before: Reading) -> Point | None:
        """``_inherited`` of one series, before ``before`` (a late reading with no stored predecessor)."""
        return self._inherited([key], before).get(key)

    def _wraps_at(self, reading: Reading) -> float | None:
        return register_max(self._devices.get(reading.dev_eui), reading.quantity)

    def _swaps(self, key: SeriesKey) -> tuple[Replacement, ...]:
        return self._devices.replacements(key.dev_eui).get((key.quantity, key.channel), ())


def register_max(device: Device | None, quantity: str) -> float | None:
    """Where a device's register for ``quantity`` wraps (pulses scaled to the quantity)."""
    if device is None or device.register_max is None:
        return None
    if quantity == device.pulse_quantity and device.pulse_weight:
        return device.register_max * device.pulse_weight
    return device.register_max
