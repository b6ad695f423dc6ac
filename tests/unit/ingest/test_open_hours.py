"""OpenHours: which hourly rollups a writer may fold in memory, and which the store must recompute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ingest.lineprotocol import timestamp
from ingest.open_hours import HOUR_NS, HourStats, OpenHours
from releve.types import Reading

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def reading(
    minutes: float, value: float, delta: float | None = None, eui: str = "0102030405060708"
) -> Reading:
    return Reading(
        eui, "water_volume", value, "m3", "cumulative", T0 + timedelta(minutes=minutes), delta=delta
    )


def hour(minutes: float) -> int:
    ns = timestamp(T0 + timedelta(minutes=minutes))
    return ns - ns % HOUR_NS


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def seeded(clock: Clock) -> OpenHours:
    """A cache that recomputed 10:00-10:15 from the store, where this writer wrote both points."""
    cache = OpenHours(ttl_s=60, clock=clock)
    first = [reading(0, 10.0), reading(15, 11.0, 1.0)]
    stats, rest = cache.fold(first)
    assert stats == {} and rest == first  # nothing known yet: the store recomputes
    key = ("0102030405060708", "water_volume", "", hour(0))
    cache.seed(rest, {key: HourStats(2, 1.0, 10.0, 11.0, 21.0, 10.0, 11.0)})
    return cache


def test_points_after_the_last_one_are_folded_in_memory_across_hours() -> None:
    clock = Clock()
    cache = seeded(clock)
    stats, rest = cache.fold([reading(30, 12.5, 1.5), reading(75, 13.0, 0.5)])
    assert rest == []
    eui = "0102030405060708"
    assert stats[(eui, "water_volume", "", hour(0))] == HourStats(3, 2.5, 10.0, 12.5, 33.5, 10.0, 12.5)
    # 11:15 opens a new hour: this writer's point is its first one
    assert stats[(eui, "water_volume", "", hour(75))] == HourStats(1, 0.5, 13.0, 13.0, 13.0, 13.0, 13.0)


def test_a_late_or_repeated_point_goes_back_to_the_store() -> None:
    clock = Clock()
    cache = seeded(clock)
    late = [reading(5, 10.5, 0.5)]
    assert cache.fold(late) == ({}, late)
    # and the series is forgotten until the store has recomputed it again
    after = [reading(45, 12.0, 1.0)]
    assert cache.fold(after) == ({}, after)
    assert cache.fold([reading(15, 11.0, 1.0)])[1]  # the same point again (a replay)


def test_an_expired_or_forgotten_series_goes_back_to_the_store() -> None:
    clock = Clock()
    cache = seeded(clock)
    clock.now = 61.0  # another process may have written meanwhile
    assert cache.fold([reading(30, 12.0)])[1]
    cache = seeded(Clock())
    cache.forget("0102030405060708")
    assert cache.fold([reading(30, 12.0)])[1]


def test_an_hour_the_store_holds_more_points_of_is_not_cached() -> None:
    cache = OpenHours(clock=Clock())
    batch = [reading(30, 12.0)]
    key = ("0102030405060708", "water_volume", "", hour(30))
    # the store counts 3 points in that hour, this writer wrote 1: others may be later than it
    cache.seed(batch, {key: HourStats(3, None, 10.0, 12.0, 33.0, 10.0, 12.0)})
    assert cache.fold([reading(45, 12.5)])[1]


def test_a_late_batch_followed_by_stored_points_is_not_cached() -> None:
    """Late points of 10:00-10:15 written after 12:00 was already stored: the next point (a rewrite
    of 12:00, say) must be recomputed by the store, not folded into 10:00's hour as if it were new."""
    cache = OpenHours(clock=Clock())
    late = [reading(0, 10.0), reading(15, 11.0, 1.0)]
    key = ("0102030405060708", "water_volume", "", hour(0))
    series = key[:3]
    stats = {key: HourStats(2, 1.0, 10.0, 11.0, 21.0, 10.0, 11.0)}
    cache.seed(late, stats, {series: timestamp(T0 + timedelta(minutes=120))})
    assert cache.fold([reading(120, 14.0, 3.0)])[1]
    # when the batch is the end of its series, its hour is cached
    cache.seed(late, stats, {series: timestamp(T0 + timedelta(minutes=15))})
    assert cache.fold([reading(30, 12.0, 1.0)])[1] == []
