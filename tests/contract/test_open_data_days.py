"""The open data's days on both stores: the same rows, whole days of the town's calendar without
today, and the same temporal coverage (the catalog's first and last day, found by months then
days) on SQLite and on a real InfluxDB."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.consumption.open_days import open_days
from domain.consumption.opendata import coverage, daily_rows, published_quantities
from kernel.types import Reading
from registry import Device, Site
from store import Store

TZ = "Europe/Paris"
ZONE = ZoneInfo(TZ)


def _hourly(
    eui: str, quantity: str, unit: str, first: datetime, hours: int, per_hour: float
) -> list[Reading]:
    start = first.astimezone(UTC)
    readings = [Reading(eui, quantity, 10.0, unit, "cumulative", start)]
    for h in range(1, hours + 1):
        ts = start + timedelta(hours=h) - timedelta(seconds=1)
        readings.append(Reading(eui, quantity, 10.0 + h * per_hour, unit, "cumulative", ts, delta=per_hour))
    return readings


def test_rows_and_coverage_are_the_towns_whole_days_on_both_stores(store: Store) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.astimezone(ZONE).date()
    june = datetime(today.year - 1, 6, 10, tzinfo=ZONE)
    recent = datetime.combine(today - timedelta(days=2), datetime.min.time(), ZONE)
    hours_since = int((now - recent.astimezone(UTC)).total_seconds() // 3600)
    site = Site(1, 1, "mairie", "Mairie", use="office", open_data=True)
    water = Device("a000000000000001", 1, "eau", "netvox/r718h", site_id=1, metering_point="eau")
    power = Device("a000000000000002", 1, "élec", "netvox/r718h", site_id=1, metering_point="élec")
    store.write(
        [
            *_hourly(water.dev_eui, "water_volume", "m3", june, 48, 0.5),
            *_hourly(water.dev_eui, "water_volume", "m3", recent, hours_since, 0.5),
            *_hourly(power.dev_eui, "energy_import", "kWh", recent, hours_since, 2.0),
        ]
    )
    sites = [(site, [water, power])]
    assert published_quantities(store, sites) == ["water_volume", "energy_import"]

    found = coverage(store, sites, ["water_volume", "energy_import"], TZ, now)
    assert found is not None
    assert (found.first_day, found.last_day) == (june.date(), today - timedelta(days=1))
    assert found.modified <= datetime.combine(today, datetime.min.time(), ZONE)

    first, last = open_days((today - timedelta(days=2)).isoformat(), None, TZ, now)
    rows = daily_rows(store, sites, ["water_volume", "energy_import"], first, last, TZ)
    days = [today - timedelta(days=2), today - timedelta(days=1)]
    assert [(r.day, r.quantity, r.unit) for r in rows] == [
        (day, quantity, unit)
        for day in days
        for quantity, unit in (("water_volume", "m3"), ("energy_import", "kWh"))
    ]
    for row in rows:
        hours = _hours_in(row.day)
        assert row.consumption == pytest.approx(hours * (0.5 if row.quantity == "water_volume" else 2.0))
    june_rows = daily_rows(
        store, sites, ["water_volume"], *open_days(f"{june.year}-06-01", f"{june.year}-06-30", TZ, now), TZ
    )
    assert [(r.day, r.consumption) for r in june_rows] == [
        (date(june.year, 6, 10), 12.0),
        (date(june.year, 6, 11), 12.0),
    ]


def _hours_in(day: date) -> int:
    start = datetime.combine(day, datetime.min.time(), ZONE).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), ZONE).astimezone(UTC)
    return int((end - start).total_seconds() // 3600)
