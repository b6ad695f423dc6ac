"""One contract for every store backend: what the bridge writes, the API reads back, exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kernel.types import Reading
from store import Store, Window
from store.errors import StoreRejected
from tests.contract.conftest import StoreFactory

PARIS = ZoneInfo("Europe/Paris")
EUI = "0102030405060708"
OTHER = "a0a0a0a0a0a0a0a0"


def water(ts: datetime, value: float, delta: float | None, eui: str = EUI, **kw: object) -> Reading:
    return Reading(eui, "water_volume", value, "m3", "cumulative", ts, delta=delta, **kw)  # type: ignore[arg-type]


def temp(ts: datetime, value: float, eui: str = EUI, channel: str = "") -> Reading:
    return Reading(eui, "temperature", value, "degC", "instantaneous", ts, channel=channel)


def hourly_index(start: datetime, hours: int, per_hour: float = 0.5, eui: str = EUI) -> list[Reading]:
    return [
        water(start + timedelta(hours=h), 100 + h * per_hour, None if h == 0 else per_hour, eui)
        for h in range(hours)
    ]


T0 = datetime(2026, 5, 10, 6, 0, tzinfo=UTC)


def test_round_trip_keeps_every_field(store: Store) -> None:
    r = Reading(
        EUI,
        "energy_import",
        1234.5678,
        "kWh",
        "cumulative",
        T0 + timedelta(microseconds=123),
        channel="T1",
        f_cnt=42,
        uplink_id=7,
        delta=0.25,
    )
    store.write([r])
    (got,) = store.query(EUI, T0, T0 + timedelta(seconds=1))
    assert got == r


def test_ranges_are_half_open_and_may_be_empty(store: Store) -> None:
    store.write([temp(T0, 20.0), temp(T0 + timedelta(minutes=15), 21.0)])
    assert [r.value for r in store.query(EUI, T0, T0 + timedelta(minutes=15))] == [20.0]
    assert store.query(EUI, T0 + timedelta(hours=5), T0 + timedelta(hours=6)) == []
    assert store.query(OTHER, T0, T0 + timedelta(hours=1)) == []
    assert store.query(EUI, T0, T0 + timedelta(hours=1), quantities=[]) == []
    huge = store.query(EUI, datetime(1971, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    assert len(huge) == 2


def test_time_zones_are_respected(store: Store) -> None:
    store.write([temp(T0, 20.0)])
    start = T0.astimezone(PARIS)
    assert [r.ts for r in store.query(EUI, start, start + timedelta(seconds=1))] == [T0]
    with pytest.raises((ValueError, TypeError)):
        store.query(EUI, datetime(2026, 5, 10), datetime(2026, 5, 11))


def test_same_point_twice_is_one_point(store: Store) -> None:
    store.write([water(T0, 10.0, None), water(T0 + timedelta(hours=1), 11.0, 1.0)])
    store.write([water(T0 + timedelta(hours=1), 11.0, 1.0)])
    got = store.query(EUI, T0, T0 + timedelta(days=1))
    assert [(r.value, r.delta) for r in got] == [(10.0, None), (11.0, 1.0)]
    (day,) = store.aggregate(EUI, "water_volume", T0, T0 + timedelta(days=1), Window.DAY, "UTC")
    assert day.consumption == 1.0 and day.count == 2


def test_out_of_order_writes_read_back_in_order(store: Store) -> None:
    points = hourly_index(T0, 6)
    store.write([points[i] for i in (5, 1, 3, 0, 4, 2)])
    assert [r.ts for r in store.query(EUI, T0, T0 + timedelta(days=1))] == [p.ts for p in points]


def test_late_reading_updates_its_hour_and_day(store: Store) -> None:
    store.write(hourly_index(T0, 3))
    before = store.aggregate(EUI, "water_volume", T0, T0 + timedelta(days=1), Window.DAY, "UTC")
    assert before[0].consumption == 1.0
    late = water(T0 + timedelta(hours=1, minutes=30), 100.75, 0.25)
    fixed_next = water(T0 + timedelta(hours=2), 101.0, 0.25)
    store.write([late, fixed_next])
    hours = store.aggregate(EUI, "water_volume", T0, T0 + timedelta(days=1), Window.HOUR, "UTC")
    assert [(h.start.astimezone(UTC).hour, h.consumption, h.count) for h in hours] == [
        (6, None, 1),
        (7, 0.75, 2),
        (8, 0.25, 1),
    ]
    (day,) = store.aggregate(EUI, "water_volume", T0, T0 + timedelta(days=1), Window.DAY, "UTC")
    assert day.consumption == pytest.approx(1.0)


def test_paris_days_are_23_and_25_hours_at_dst_changes(store: Store) -> None:
    for first_day in (datetime(2026, 3, 28, tzinfo=PARIS), datetime(2026, 10, 24, tzinfo=PARIS)):
        start = first_day.astimezone(UTC)
        store.write(hourly_index(start, 72, per_hour=1.0))
        days = store.aggregate(
            EUI, "water_volume", first_day, first_day + timedelta(days=3), Window.DAY, "Europe/Paris"
        )
        lengths = [(d.end.astimezone(UTC) - d.start.astimezone(UTC)).total_seconds() / 3600 for d in days]
        consumption = [d.consumption for d in days]
        if first_day.month == 3:
            assert lengths == [24, 23, 24] and consumption[1] == 23.0
        else:
            assert lengths == [24, 25, 24] and consumption[1] == 25.0
        assert days[0].start == first_day


def test_paris_hours_at_dst_changes_are_each_one_hour(store: Store) -> None:
    # The night the clocks go back, 02:00-03:00 comes twice: two windows, each of one hour and
    # its own readings; the night they go forward it does not exist.
    for night in (datetime(2026, 3, 29, 1, tzinfo=PARIS), datetime(2026, 10, 25, 1, tzinfo=PARIS)):
        start = night.astimezone(UTC) - timedelta(hours=1)
        store.write(hourly_index(start, 8, per_hour=1.0))
        end = night.replace(hour=5)
        hours = store.aggregate(EUI, "water_volume", night, end, Window.HOUR, "Europe/Paris")
        spans = [(h.end.astimezone(UTC) - h.start.astimezone(UTC)) / timedelta(hours=1) for h in hours]
        starts = [h.start.astimezone(UTC) for h in hours]
        assert spans == [1.0] * len(hours) and starts == sorted(set(starts))
        assert [h.consumption for h in hours] == [1.0] * len(hours) and [h.count for h in hours] == [1] * len(
            hours
        )
        assert len(hours) == (3 if night.month == 3 else 5)
        assert [(h.start.hour, h.start.fold) for h in hours] == (
            [(1, 0), (3, 0), (4, 0)] if night.month == 3 else [(1, 0), (2, 0), (2, 1), (3, 0), (4, 0)]
        )


def test_week_month_year_windows(store: Store) -> None:
    start = datetime(2026, 1, 30, tzinfo=PARIS)
    store.write(hourly_index(start.astimezone(UTC), 24 * 5, per_hour=0.5))
    end = start + timedelta(days=10)
    months = store.aggregate(EUI, "water_volume", start, end, Window.MONTH, "Europe/Paris")
    assert [(m.start.month, m.consumption) for m in months] == [(1, 23.5), (2, 36.0)]
    weeks = store.aggregate(EUI, "water_volume", start, end, Window.WEEK, "Europe/Paris")
    assert weeks[0].start == datetime(2026, 1, 26, tzinfo=PARIS)  # Monday
    (year,) = store.aggregate(EUI, "water_volume", start, end, Window.YEAR, "Europe/Paris")
    assert year.consumption == 59.5 and year.start == datetime(2026, 1, 1, tzinfo=PARIS)


def test_instantaneous_statistics(store: Store) -> None:
    store.write([temp(T0 + timedelta(minutes=15 * i), v) for i, v in enumerate([19.0, 21.0, 20.0, 24.0])])
    (hour,) = store.aggregate(EUI, "temperature", T0, T0 + timedelta(hours=1), Window.HOUR, "UTC")
    assert (hour.count, hour.min, hour.max, hour.first, hour.last, hour.consumption) == (
        4,
        19,
        24,
        19,
        24,
        None,
    )
    assert hour.mean == pytest.approx(21.0)


def test_latest_per_device_quantity_and_channel(store: Store) -> None:
    store.write(
        [
            temp(T0, 18.0),
            temp(T0 + timedelta(hours=1), 19.0),
            temp(T0, 5.0, channel="external"),
            temp(T0 - timedelta(hours=1), 30.0, eui=OTHER),
            *hourly_index(T0, 3),
        ]
    )
    latest = {(r.dev_eui, r.quantity, r.channel): (r.ts, r.value) for r in store.latest()}
    assert latest == {
        (EUI, "temperature", ""): (T0 + timedelta(hours=1), 19.0),
        (EUI, "temperature", "external"): (T0, 5.0),
        (EUI, "water_volume", ""): (T0 + timedelta(hours=2), 101.0),
        (OTHER, "temperature", ""): (T0 - timedelta(hours=1), 30.0),
    }
    assert {r.dev_eui for r in store.latest([OTHER])} == {OTHER}
    assert store.latest([]) == []


def test_latest_of_series_silent_for_weeks_beside_recent_ones(store: Store) -> None:
    """InfluxDB asks the newest shards first: a series silent for weeks (a broken probe) is still
    found, beside its device's recent series, and so are a point in the future and a channel
    whose name needs escaping in the line protocol."""
    now = datetime.now(UTC).replace(microsecond=0)
    third = "b0b0b0b0b0b0b0b0"
    store.write(
        [
            temp(now - timedelta(days=40), 17.0, channel="probe 2, hall=B"),
            temp(now - timedelta(hours=1), 21.0),
            water(now - timedelta(days=400), 5.0, None),
            water(now - timedelta(days=30), 7.0, None, eui=OTHER),
            temp(now + timedelta(days=2), 3.0, eui=third),
            temp(now - timedelta(days=20), 4.0, eui=third),
        ]
    )
    latest = {(r.dev_eui, r.quantity, r.channel): (r.ts, r.value) for r in store.latest([EUI, OTHER, third])}
    assert latest == {
        (EUI, "temperature", "probe 2, hall=B"): (now - timedelta(days=40), 17.0),
        (EUI, "temperature", ""): (now - timedelta(hours=1), 21.0),
        (EUI, "water_volume", ""): (now - timedelta(days=400), 5.0),
        (OTHER, "water_volume", ""): (now - timedelta(days=30), 7.0),
        (third, "temperature", ""): (now + timedelta(days=2), 3.0),
    }
    assert {(r.dev_eui, r.quantity, r.channel) for r in store.latest()} == set(latest)


def test_many_devices(store: Store) -> None:
    euis = [f"{i:016x}" for i in range(1, 301)]
    store.write([r for eui in euis for r in hourly_index(T0, 3, eui=eui)])
    assert len(store.latest(euis)) == 300
    (day,) = store.aggregate(euis[-1], "water_volume", T0, T0 + timedelta(days=1), Window.DAY, "UTC")
    assert day.consumption == 1.0


def test_delete_points_and_their_rollups(store: Store) -> None:
    points = hourly_index(T0, 3)
    store.write([*points, temp(T0, 20.0)])
    store.delete(EUI, [("water_volume", "", points[2].ts), ("temperature", "", T0)])
    assert [r.value for r in store.query(EUI, T0, T0 + timedelta(days=1))] == [100.0, 100.5]
    hours = store.aggregate(EUI, "water_volume", T0, T0 + timedelta(days=1), Window.HOUR, "UTC")
    assert [h.count for h in hours] == [1, 1]
    assert store.aggregate(EUI, "temperature", T0, T0 + timedelta(days=1), Window.HOUR, "UTC") == []
    latest = {(r.quantity, r.ts) for r in store.latest([EUI])}
    assert latest == {("water_volume", points[1].ts)}


def test_prune_keeps_rollups(store_factory: StoreFactory) -> None:
    store = store_factory(3650)
    old = datetime(2020, 1, 1, 12, tzinfo=UTC)
    store.write(hourly_index(old, 3))
    # SQLite deletes raw points past ten years here; InfluxDB's retention policy does it itself.
    assert store.prune(datetime(2031, 1, 1, tzinfo=UTC)) in (0, 3)
    (day,) = store.aggregate(EUI, "water_volume", old, old + timedelta(days=1), Window.DAY, "UTC")
    assert day.consumption == 1.0 and day.count == 3


def test_readings_beyond_the_raw_retention_are_not_kept(store_factory: StoreFactory) -> None:
    store = store_factory(30)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    # Three hours inside one UTC day, whatever the hour the test runs at.
    old, recent = now - timedelta(days=60), (now - timedelta(days=2)).replace(hour=6)
    store.write([*hourly_index(old, 3), *hourly_index(recent, 3)])  # one batch, no error
    store.prune(now)
    assert store.query(EUI, old - timedelta(days=1), old + timedelta(days=1)) == []
    assert len(store.query(EUI, recent, now)) == 3
    (day,) = store.aggregate(EUI, "water_volume", recent, now, Window.DAY, "UTC")
    assert day.consumption == 1.0
    assert {r.ts for r in store.latest([EUI])} == {recent + timedelta(hours=2)}


def test_huge_and_empty_aggregates(store: Store) -> None:
    store.write(hourly_index(T0, 3))
    epoch, far = datetime(1970, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    assert len(store.query(EUI, epoch, far)) == 3
    (year,) = store.aggregate(EUI, "water_volume", epoch, far, Window.YEAR, "Europe/Paris")
    assert year.consumption == 1.0 and year.count == 3
    assert store.aggregate(EUI, "water_volume", epoch, T0, Window.DAY, "UTC") == []
    assert store.aggregate(EUI, "temperature", epoch, far, Window.DAY, "UTC") == []
    assert store.aggregate(EUI, "water_volume", epoch, far, Window.DAY, "UTC", channel="T1") == []
    with pytest.raises((ValueError, TypeError)):
        store.aggregate(EUI, "water_volume", datetime(2026, 5, 10), far, Window.DAY, "UTC")


def test_writing_nothing_and_closing(store_factory: StoreFactory) -> None:
    store = store_factory(None)
    store.write([])
    store.delete(EUI, [])
    assert store.latest() == []
    store.close()


def test_awkward_channel_names_round_trip(store: Store) -> None:
    channels = ["a b", "x,y=z", "back\\slash", 'quo"te', "it's", "é"]
    store.write([temp(T0, float(i), channel=ch) for i, ch in enumerate(channels)])
    got = store.query(EUI, T0, T0 + timedelta(seconds=1))
    assert sorted(r.channel for r in got) == sorted(channels)
    for i, ch in enumerate(channels):
        (hour,) = store.aggregate(
            EUI, "temperature", T0, T0 + timedelta(hours=1), Window.HOUR, "UTC", channel=ch
        )
        assert hour.last == float(i)


def test_a_reading_that_cannot_be_stored_is_rejected(store: Store) -> None:
    with pytest.raises(StoreRejected):
        store.write([temp(T0, float("nan"))])
    assert store.query(EUI, T0, T0 + timedelta(hours=1)) == []


def test_a_store_that_answers_is_reachable(store: Store) -> None:
    assert store.reachable()


def test_an_influxdb_that_does_not_answer_is_not_reachable() -> None:
    import socket

    from store.influx.store import InfluxStore

    with socket.socket() as free:  # a port nobody listens on once closed
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    gone = InfluxStore.from_url(f"influxdb://127.0.0.1:{port}/releve?create=false", timeout=1.0)
    try:
        assert not gone.reachable()
    finally:
        gone.close()
