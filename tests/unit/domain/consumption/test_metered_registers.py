"""Which registers a consumption report sums: those with a consumption in the range (cumulative
or delta readings), decided from the windows the store reads, without asking for latest readings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.consumption.analytics import consumption, consumption_json, metered_buckets, report
from kernel.types import Reading
from registry import Device
from store import Window
from store.sqlite import SqliteStore

TZ = "Europe/Paris"
T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "readings.db", timezone=TZ)
    yield store
    store.close()


def water(
    eui: str, hour: int, value: float, kind: str, channel: str = "", delta: float | None = None
) -> Reading:
    return Reading(eui, "water_volume", value, "m3", kind, T0 + timedelta(hours=hour), channel, delta=delta)


def test_a_gauge_of_the_same_quantity_is_not_summed(store: SqliteStore) -> None:
    store.write(
        [
            # the building's meter: an index, consumption 0.1 then 0.2 m3
            water("a1", 0, 10.0, "cumulative"),
            water("a1", 1, 10.1, "cumulative", delta=0.1),
            water("a1", 2, 10.3, "cumulative", delta=0.2),
            # a rain tank's content, also in m3: a level, not a consumption
            water("a1", 0, 4.0, "instantaneous", "tank"),
            water("a1", 1, 3.5, "instantaneous", "tank"),
            water("a1", 2, 3.0, "instantaneous", "tank"),
            # a pulse counter's litres per report
            water("b2", 1, 0.05, "delta", delta=0.05),
            water("b2", 2, 0.07, "delta", delta=0.07),
        ]
    )
    start, end = T0, T0 + timedelta(hours=3)
    found = metered_buckets(store, ["b2", "a1", "a1"], "water_volume", Window.HOUR, start, end, TZ)
    assert list(found) == [("a1", ""), ("b2", "")]
    devices = [Device("a1", 1, "Mairie", "m"), Device("b2", 1, "École", "m")]
    series = consumption(store, devices, "water_volume", Window.HOUR, start, end, TZ)
    assert series.total == pytest.approx(0.42)
    assert [p.readings for p in series.points] == [1, 2, 2]  # the tank's readings are not counted
    by_group = report(
        store, {"mairie": devices[:1], "école": devices[1:]}, "water_volume", Window.DAY, start, end, TZ
    )
    assert by_group["mairie"].total == pytest.approx(0.3) and by_group["école"].total == pytest.approx(0.12)


def test_no_devices_or_no_readings_read_nothing(store: SqliteStore) -> None:
    start, end = T0, T0 + timedelta(days=1)
    assert metered_buckets(store, [], "water_volume", Window.DAY, start, end, TZ) == {}
    store.write([water("a1", 0, 4.0, "instantaneous", "tank")])
    assert metered_buckets(store, ["a1", "zz"], "water_volume", Window.DAY, start, end, TZ) == {}
    series = consumption(store, [Device("a1", 1, "Mairie", "m")], "water_volume", Window.DAY, start, end, TZ)
    assert series.total == 0 and {(p.consumption, p.readings) for p in series.points} == {(None, 0)}


def test_the_hour_the_clocks_go_back_is_listed_twice(store: SqliteStore) -> None:
    night = datetime(2026, 10, 24, 23, tzinfo=UTC)  # 01:00 in Paris, summer time
    store.write(
        [
            Reading("a1", "water_volume", 10.0 + h, "m3", "cumulative", night + timedelta(hours=h), delta=1.0)
            for h in range(6)
        ]
    )
    start, end = night, night + timedelta(hours=5)  # 01:00 to 05:00 in Paris, winter time
    series = consumption(store, [Device("a1", 1, "Mairie", "m")], "water_volume", Window.HOUR, start, end, TZ)
    assert [(p.start.hour, p.start.fold) for p in series.points] == [(1, 0), (2, 0), (2, 1), (3, 0), (4, 0)]
    assert [p.consumption for p in series.points] == [1.0] * 5 and series.total == 5.0
    assert series.model_dump_json().count('"start":"2026-10-25T02:00:00') == 2
    fast = consumption_json(
        store, [Device("a1", 1, "Mairie", "m")], "water_volume", Window.HOUR, start, end, TZ
    )
    assert b'"start":"2026-10-25T02:00:00+02:00"' in fast and b'"start":"2026-10-25T02:00:00+01:00"' in fast
