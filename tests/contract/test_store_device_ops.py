"""The store operations behind export, erasure and usage, on each backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kernel.types import Reading
from store import Store, Window
from store.rollup import HourRollup, SeriesHour

EUI = "0102030405060708"
OTHER = "a0a0a0a0a0a0a0a0"
T0 = datetime(2026, 5, 10, 6, 0, tzinfo=UTC)
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def series(eui: str, hours: int, channel: str = "") -> list[Reading]:
    return [
        Reading(
            eui,
            "water_volume",
            100 + h * 0.5,
            "m3",
            "cumulative",
            T0 + timedelta(minutes=30 * h),
            channel,
            delta=None if h == 0 else 0.5,
        )
        for h in range(hours)
    ]


def test_hourly_lists_every_rollup_of_a_device(store: Store) -> None:
    store.write([*series(EUI, 6), *series(EUI, 2, "t2"), *series(OTHER, 4)])
    hours = store.hourly(EUI)
    assert [(h.rollup.hour, h.quantity, h.channel) for h in hours] == [
        (T0, "water_volume", ""),
        (T0, "water_volume", "t2"),
        (T0 + timedelta(hours=1), "water_volume", ""),
        (T0 + timedelta(hours=2), "water_volume", ""),
    ]
    first = hours[0].rollup
    assert (first.count, first.consumption, first.min, first.max, first.first, first.last) == (
        2,
        0.5,
        100.0,
        100.5,
        100.0,
        100.5,
    )
    assert store.hourly("ffffffffffffffff") == []


def test_restored_rollups_are_aggregated_like_computed_ones(store: Store) -> None:
    day = T0 - timedelta(days=400)
    store.restore_hourly(
        EUI,
        [
            SeriesHour(
                "water_volume", "", HourRollup(day + timedelta(hours=h), 4, 2.0, 1.0, 3.0, 8.0, 1.0, 3.0)
            )
            for h in range(3)
        ],
    )
    (bucket,) = store.aggregate(EUI, "water_volume", day, day + timedelta(days=1), Window.DAY, "UTC")
    assert (bucket.count, bucket.consumption, bucket.mean) == (12, 6.0, 2.0)
    assert len(store.hourly(EUI)) == 3


def test_count_per_device_in_a_range(store: Store) -> None:
    store.write([*series(EUI, 6), *series(OTHER, 3)])
    assert store.count([EUI, OTHER, "ffffffffffffffff"], *EVER) == {EUI: 6, OTHER: 3}
    assert store.count([EUI], T0 + timedelta(hours=1), T0 + timedelta(hours=2)) == {EUI: 2}
    assert store.count([], *EVER) == {}


def test_erase_removes_a_device_and_nothing_else(store: Store) -> None:
    store.write([*series(EUI, 6), *series(OTHER, 3)])
    assert store.erase(EUI) == 6
    assert store.query(EUI, *EVER) == []
    assert store.hourly(EUI) == []
    assert store.aggregate(EUI, "water_volume", *EVER, Window.YEAR, "UTC") == []
    assert [r.dev_eui for r in store.latest()] == [OTHER]
    assert len(store.query(OTHER, *EVER)) == 3
    assert store.erase(EUI) == 0
