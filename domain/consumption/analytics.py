"""Consumption series for a device or a site, read from the store's rollups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import orjson
from pydantic import BaseModel, Field

from decoders import CANONICAL_UNITS, METERING_QUANTITIES, Kind, Quantity
from domain.consumption.bounds import MAX_RANGE, check_range, check_windows
from domain.consumption.errors import InvalidRange, InvalidTime, NoConsumption, UnknownQuantity
from kernel.types import Reading
from registry import Device
from store import Bucket, StoreReader, Window
from store.rollup import window_key, window_start, zone_window_end


class ConsumptionPoint(BaseModel):
    start: datetime
    end: datetime
    consumption: float | None = Field(description="in the quantity's unit; null when not measurable")
    readings: int


class ConsumptionSeries(BaseModel):
    quantity: str
    unit: str
    window: str
    timezone: str
    points: list[ConsumptionPoint]
    total: float


_DEFAULT_SPAN = {
    Window.HOUR: timedelta(days=2),
    Window.DAY: timedelta(days=31),
    Window.WEEK: timedelta(days=7 * 13),
    Window.MONTH: timedelta(days=366),
    Window.YEAR: timedelta(days=366 * 5),
}
# Times outside these bounds are refused: far enough for any meter, and no window arithmetic
# (a year added to 9999-12-31, an offset taken from 0001-01-01) can overflow.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
METERED = {Kind.CUMULATIVE.value, Kind.DELTA.value}
CONSUMPTION_QUANTITIES = {q.value for q in METERING_QUANTITIES}


def time_range(
    window: Window,
    start: datetime | None,
    end: datetime | None,
    default_span: timedelta | None = None,
    max_span: timedelta = MAX_RANGE,
) -> tuple[datetime, datetime]:
    """Defaults: ``default_span`` (else the window's usual span) up to now. Rejects naive,
    inverted or absurd ranges, times outside 1970-2200 before any arithmetic on them, and ranges
    of more windows than a series holds (``domain.consumption.bounds``), before anything is read."""
    for value in (start, end):
        if value is not None and value.tzinfo is None:
            raise InvalidTime("times need a UTC offset, e.g. 2026-01-01T00:00:00+01:00")
        if value is not None and not EARLIEST <= value <= LATEST:
            raise InvalidTime(f"times go from {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d}")
    end = end or datetime.now(UTC)
    start = start or end - (default_span or _DEFAULT_SPAN[window])
    if start >= end:
        raise InvalidRange("start must be before end")
    check_range(start, end, max_span)
    check_windows(window, start, end)
    return start, end


def latest_of(store: StoreReader, devices: Sequence[Device]) -> list[Reading]:
    """The latest readings of these devices, read once: for ``metered_quantities``, ``pick_quantity``."""
    return store.latest([d.dev_eui for d in devices])


def metered_quantities(
    store: StoreReader, devices: Sequence[Device], latest: Sequence[Reading] | None = None
) -> list[str]:
    """The consumption quantities these devices report, from their latest readings."""
    found = {
        r.quantity
        for r in (latest_of(store, devices) if latest is None else latest)
        if r.kind in METERED and r.quantity in CONSUMPTION_QUANTITIES
    }
    return sorted(found)


def pick_quantity(
    store: StoreReader,
    devices: Sequence[Device],
    quantity: str | None,
    what: str,
    latest: Sequence[Reading] | None = None,
) -> str:
    """The asked quantity, or the first consumption quantity these devices report."""
    if quantity is not None:
        return quantity
    found = metered_quantities(store, devices, latest)
    if not found:
        raise NoConsumption(f"{what} has no metering readings yet")
    return found[0]


def unit_of(quantity: str) -> str:
    try:
        return CANONICAL_UNITS[Quantity(quantity)]
    except ValueError:
        raise UnknownQuantity(f"unknown quantity {quantity!r}") from None


def consumption(
    store: StoreReader,
    devices: Sequence[Device],
    quantity: str,
    window: Window,
    start: datetime,
    end: datetime,
    tz: str,
) -> ConsumptionSeries:
    """Sum the consumption of ``devices`` per window; totals equal the sum of their points."""
    return report(store, {"": devices}, quantity, window, start, end, tz)[""]


def consumption_json(
    store: StoreReader,
    devices: Sequence[Device],
    quantity: str,
    window: Window,
    start: datetime,
    end: datetime,
    tz: str,
) -> bytes:
    """``consumption`` as its JSON document (the ConsumptionSeries schema), without building
    models: for the hot path of dashboards (a site's daily consumption), serialized by orjson."""
    series = report_rows(store, {"": devices}, quantity, window, start, end, tz)[""]
    return series.json()


@dataclass(frozen=True, slots=True)
class SeriesRows:
    """A consumption series as plain values: what ``ConsumptionSeries`` holds."""

    quantity: str
    unit: str
    window: str
    timezone: str
    # (start, end, consumption or None, readings) per window, in time order
    points: list[tuple[datetime, datetime, float | None, int]]
    total: float

    def model(self) -> ConsumptionSeries:
        # Built from the store's own typed values: no validation needed (a tenth of a report's time).
        points = [
            ConsumptionPoint.model_construct(start=s, end=e, consumption=c, readings=n)
            for s, e, c, n in self.points
        ]
        return ConsumptionSeries.model_construct(
            quantity=self.quantity,
            unit=self.unit,
            window=self.window,
            timezone=self.timezone,
            points=points,
            total=self.total,
        )

    def json(self) -> bytes:
        """The same document as ``self.model()`` serialized by FastAPI (times with their offset,
        UTC as Z, as pydantic writes them)."""
        return orjson.dumps(
            {
                "quantity": self.quantity,
                "unit": self.unit,
                "window": self.window,
                "timezone": self.timezone,
                "points": [
                    {"start": s, "end": e, "consumption": c, "readings": n} for s, e, c, n in self.points
                ],
                "total": self.total,
            },
            option=orjson.OPT_UTC_Z,
        )


def report(
    store: StoreReader,
    groups: Mapping[str, Sequence[Device]],
    quantity: str,
    window: Window,
    start: datetime,
    end: datetime,
    tz: str,
) -> dict[str, ConsumptionSeries]:
    """One consumption series per group of devices (a site, a meter, a tenant), read at once.

    Only the metering registers of ``quantity`` count (see ``metered_buckets``); the store reads
    them for every device in one go (``Store.aggregate_many``).
    """
    rows = report_rows(store, groups, quantity, window, start, end, tz)
    return {name: series.model() for name, series in rows.items()}


def metered_buckets(
    store: StoreReader,
    euis: Sequence[str],
    quantity: str,
    window: Window,
    start: datetime,
    end: datetime,
    tz: str,
) -> dict[tuple[str, str], list[Bucket]]:
    """The windows of every metering register (device, channel) of ``quantity`` among ``euis``,
    sorted by register, read in one go.

    A metering register is one with a consumption in the range: its readings are cumulative or
    delta. Gauges of the same quantity (a tank's volume) have none and are left out. Deciding
    from what is read, not from each register's latest reading, spares the store a second query
    (on InfluxDB over a year, the larger part of a report's time).
    """
    buckets = store.aggregate_many(sorted(set(euis)), quantity, start, end, window, tz) if euis else {}
    return {
        register: found
        for register, found in sorted(buckets.items())
        if any(b.consumption is not None for b in found)
    }


def windows_between(
    first: datetime, last: datetime, window: Window, zone: ZoneInfo
) -> tuple[tuple[datetime, datetime], ...]:
    """The local windows (start, end) from the one starting at ``first`` to the one starting at
    ``last``, both window starts in ``zone``. Every request of a dashboard asks the same ones:
    spans of up to about a thousand windows are cached."""
    if last - first <= (_CACHED_HOURS if window is Window.HOUR else _CACHED_DAYS):
        return _cached_windows(first, last, window, zone)
    return _windows(first, last, window, zone)


_CACHED_HOURS, _CACHED_DAYS = timedelta(days=42), timedelta(days=1000)


@lru_cache(maxsize=256)
def _cached_windows(
    first: datetime, last: datetime, window: Window, zone: ZoneInfo
) -> tuple[tuple[datetime, datetime], ...]:
    return _windows(first, last, window, zone)


def _windows(
    first: datetime, last: datetime, window: Window, zone: ZoneInfo
) -> tuple[tuple[datetime, datetime], ...]:
    found = []
    begin = first
    while begin <= last:
        finish = zone_window_end(begin, window, zone)
        found.append((begin, finish))
        begin = finish
    return tuple(found)


def report_rows(
    store: StoreReader,
    groups: Mapping[str, Sequence[Device]],
    quantity: str,
    window: Window,
    start: datetime,
    end: datetime,
    tz: str,
) -> dict[str, SeriesRows]:
    """``report`` as plain values."""
    unit = unit_of(quantity)
    euis = sorted({d.dev_eui for members in groups.values() for d in members})
    by_device: dict[str, list[Bucket]] = {}
    for (eui, _), found in metered_buckets(store, euis, quantity, window, start, end, tz).items():
        by_device.setdefault(eui, []).extend(found)
    # Every window of the range is listed: one without readings is a visible gap (readings 0,
    # consumption null); what was consumed during a gap lands in the window of the next reading.
    zone = ZoneInfo(tz)
    empty: dict[tuple[datetime, int], tuple[datetime, float | None, int]] = {
        window_key(begin): (finish, None, 0)
        for begin, finish in windows_between(
            window_start(start, window, zone), window_start(end, window, zone), window, zone
        )
        if begin < end
    }
    out = {}
    for name, members in groups.items():
        # window start -> (end, consumption (None while no bucket had one), readings)
        merged = dict(empty)
        for eui in sorted({d.dev_eui for d in members}):
            for bucket in by_device.get(eui, ()):
                key = window_key(bucket.start)
                _, total, count = merged.get(key, (bucket.end, None, 0))
                if bucket.consumption is not None:
                    total = (total or 0.0) + bucket.consumption
                merged[key] = (bucket.end, total, count + bucket.count)
        points = [
            (start_, end_, None if total is None else round(total, 9), count)
            for (start_, _), (end_, total, count) in sorted(merged.items())
        ]
        out[name] = SeriesRows(
            quantity=quantity,
            unit=unit,
            window=window.value,
            timezone=tz,
            points=points,
            total=round(sum(p[2] or 0.0 for p in points), 9),
        )
    return out
