"""OpenHours: which hourly rollups a writer may fold in memory, and which the store must recompute."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from kernel.types import HOUR_NS, Reading, SeriesKey
from store.influx.lineprotocol import timestamp
from store.influx.open_hours import HourKey, HourStats, OpenHours, Rollup, value_of

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
    folded = cache.fold(first)
    assert folded.hours == {} and folded.rest == first  # nothing known yet: the store recomputes
    key = ("0102030405060708", "water_volume", "", hour(0))
    cache.seed(folded.rest, {key: HourStats(2, 1.0, 10.0, 11.0, 21.0, 10.0, 11.0)})
    return cache


def test_points_after_the_last_one_are_folded_in_memory_across_hours() -> None:
    clock = Clock()
    cache = seeded(clock)
    folded = cache.fold([reading(30, 12.5, 1.5), reading(75, 13.0, 0.5)])
    stats, rest = folded.hours, folded.rest
    assert rest == []
    eui = "0102030405060708"
    assert stats[(eui, "water_volume", "", hour(0))] == HourStats(3, 2.5, 10.0, 12.5, 33.5, 10.0, 12.5)
    # 11:15 opens a new hour: this writer's point is its first one
    assert stats[(eui, "water_volume", "", hour(75))] == HourStats(1, 0.5, 13.0, 13.0, 13.0, 13.0, 13.0)


def test_two_points_of_a_batch_at_one_time_are_the_later_one() -> None:
    """InfluxDB keeps one point per series and time, the later written: the hour counts it once."""
    cache = seeded(Clock())
    folded = cache.fold([reading(30, 12.0, 1.0), reading(30, 12.5, 1.5)])
    assert folded.rest == []
    key = ("0102030405060708", "water_volume", "", hour(0))
    assert folded.hours[key] == HourStats(3, 2.5, 10.0, 12.5, 33.5, 10.0, 12.5)


def test_a_late_or_repeated_point_goes_back_to_the_store() -> None:
    clock = Clock()
    cache = seeded(clock)
    late = [reading(5, 10.5, 0.5)]
    assert cache.fold(late).rest == late
    # and the series is forgotten until the store has recomputed it again
    after = [reading(45, 12.0, 1.0)]
    assert cache.fold(after).rest == after
    assert cache.fold([reading(15, 11.0, 1.0)]).rest  # the same point again (a replay)


def test_an_expired_or_forgotten_series_goes_back_to_the_store() -> None:
    clock = Clock()
    cache = seeded(clock)
    clock.now = 61.0  # another process may have written meanwhile
    assert cache.fold([reading(30, 12.0)]).rest
    cache = seeded(Clock())
    cache.forget("0102030405060708")
    assert cache.fold([reading(30, 12.0)]).rest


def test_an_hour_the_store_holds_more_points_of_is_not_cached() -> None:
    cache = OpenHours(clock=Clock())
    batch = [reading(30, 12.0)]
    key = ("0102030405060708", "water_volume", "", hour(30))
    # the store counts 3 points in that hour, this writer wrote 1: others may be later than it
    cache.seed(batch, {key: HourStats(3, None, 10.0, 12.0, 33.0, 10.0, 12.0)})
    assert cache.fold([reading(45, 12.5)]).rest


def test_an_hour_whose_newest_stored_point_is_this_writers_is_cached() -> None:
    """A catch-up after an outage replays what was written before it: the store holds more points
    of the hour than the replay wrote, but none later than the writer's newest, so the next
    points extend the recomputed hour instead of sending the series back to the store again."""
    cache = OpenHours(clock=Clock())
    batch = [reading(30, 12.0)]
    key = ("0102030405060708", "water_volume", "", hour(30))
    series = SeriesKey(*key[:3])
    stats = {key: HourStats(3, None, 10.0, 12.0, 33.0, 10.0, 12.0)}
    cache.seed(batch, stats, {series: timestamp(T0 + timedelta(minutes=30))})
    folded = cache.fold([reading(45, 12.5, 0.5)])
    assert folded.rest == []
    assert folded.hours == {key: HourStats(4, 0.5, 10.0, 12.5, 45.5, 10.0, 12.5)}


def test_a_late_batch_followed_by_stored_points_is_not_cached() -> None:
    """Late points of 10:00-10:15 written after 12:00 was already stored: the next point (a rewrite
    of 12:00, say) must be recomputed by the store, not folded into 10:00's hour as if it were new."""
    cache = OpenHours(clock=Clock())
    late = [reading(0, 10.0), reading(15, 11.0, 1.0)]
    key = ("0102030405060708", "water_volume", "", hour(0))
    series = SeriesKey(*key[:3])
    stats = {key: HourStats(2, 1.0, 10.0, 11.0, 21.0, 10.0, 11.0)}
    cache.seed(late, stats, {series: timestamp(T0 + timedelta(minutes=120))})
    assert cache.fold([reading(120, 14.0, 3.0)]).rest
    # when the batch is the end of its series, its hour is cached
    cache.seed(late, stats, {series: timestamp(T0 + timedelta(minutes=15))})
    assert cache.fold([reading(30, 12.0, 1.0)]).rest == []


DAY_NS = 24 * HOUR_NS


def utc_periods(hour_ns: int) -> tuple[int, int]:
    """Days and months in UTC (the store passes its town's time zone)."""
    day = hour_ns - hour_ns % DAY_NS
    at = datetime.fromtimestamp(day / 1e9, UTC)
    return day, timestamp(at.replace(day=1))


EUI = "0102030405060708"


def with_periods(start: datetime) -> OpenHours:
    """A cache that recomputed the hour, day and month of ``start`` (one point of 10.0 this
    writer wrote; the day held 3 points before it, the month 30)."""
    cache = OpenHours(clock=Clock(), periods=utc_periods)
    first = [Reading(EUI, "water_volume", 10.0, "m3", "cumulative", start, delta=1.0)]
    ns = timestamp(start)
    hour_ns = ns - ns % HOUR_NS
    day, month = utc_periods(hour_ns)
    cache.seed(first, {(EUI, "water_volume", "", hour_ns): HourStats(1, 1.0, 10.0, 10.0, 10.0, 10.0, 10.0)})
    folded = cache.fold(
        [Reading(EUI, "water_volume", 10.5, "m3", "cumulative", start + timedelta(minutes=1))]
    )
    assert folded.days == {} and len(folded.days_unknown) == 1  # the store must compute the day
    # The rows the store merged: the day's earlier hours and this hour; the month's earlier days
    # and this day (5 points, 4.0 consumed, 45.5 summed; the month 32, 40.0, 200.0).
    cache.seed_periods(
        {
            (EUI, "water_volume", "", day): [
                (hour_ns - HOUR_NS, HourStats(3, 3.0, 7.0, 9.0, 25.0, 7.0, 9.0)),
                (hour_ns, HourStats(2, 1.0, 10.0, 10.5, 20.5, 10.0, 10.5)),
            ]
        },
        {
            (EUI, "water_volume", "", month): [
                (day - DAY_NS, HourStats(27, 36.0, 1.0, 9.0, 154.5, 1.0, 9.0)),
                (day, HourStats(5, 4.0, 7.0, 10.5, 45.5, 7.0, 10.5)),
            ]
        },
    )
    return cache


def values(rows: Mapping[HourKey, Rollup]) -> dict[HourKey, HourStats | str]:
    return {key: value_of(rollup) for key, rollup in rows.items()}


def at(start: datetime, minutes: float, value: float, delta: float) -> Reading:
    return Reading(
        EUI, "water_volume", value, "m3", "cumulative", start + timedelta(minutes=minutes), delta=delta
    )


def test_days_and_months_are_folded_after_the_store_seeded_them() -> None:
    start = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    cache = with_periods(start)
    folded = cache.fold([at(start, 30, 11.0, 0.5), at(start, 90, 12.0, 1.0)])
    day, month = utc_periods(hour(0))
    assert folded.rest == [] and folded.days_unknown == []
    assert values(folded.days) == {
        (EUI, "water_volume", "", day): HourStats(7, 5.5, 7.0, 12.0, 68.5, 7.0, 12.0)
    }
    assert values(folded.months) == {
        (EUI, "water_volume", "", month): HourStats(34, 41.5, 1.0, 12.0, 223.0, 1.0, 12.0)
    }


def test_a_new_day_and_a_new_month_start_from_this_writers_points() -> None:
    start = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)  # the last hour of November
    cache = with_periods(start)
    folded = cache.fold([at(start, 30, 11.0, 0.5), at(start, 70, 12.0, 1.0)])  # 23:30, then 00:10
    nov30, november = utc_periods(timestamp(start))
    dec1, december = utc_periods(timestamp(start + timedelta(hours=1)))
    key = (EUI, "water_volume", "")
    # the finished day and month get their last point; the new ones hold just 00:10
    assert value_of(folded.days[(*key, nov30)]) == HourStats(6, 4.5, 7.0, 11.0, 56.5, 7.0, 11.0)
    assert value_of(folded.days[(*key, dec1)]) == HourStats(1, 1.0, 12.0, 12.0, 12.0, 12.0, 12.0)
    assert value_of(folded.months[(*key, november)]) == HourStats(33, 40.5, 1.0, 11.0, 211.0, 1.0, 11.0)
    assert value_of(folded.months[(*key, december)]) == HourStats(1, 1.0, 12.0, 12.0, 12.0, 12.0, 12.0)
    # a later point of the same day extends it
    later = cache.fold([at(start, 80, 12.5, 0.5)])
    assert values(later.days) == {(*key, dec1): HourStats(2, 1.5, 12.0, 12.5, 24.5, 12.0, 12.5)}
    # the open day and month are written with their value at the flush (``OpenPeriod``); the
    # finished ones keep theirs
    assert value_of(folded.days[(*key, dec1)]) == HourStats(2, 1.5, 12.0, 12.5, 24.5, 12.0, 12.5)
    assert value_of(folded.months[(*key, november)]) == HourStats(33, 40.5, 1.0, 11.0, 211.0, 1.0, 11.0)


def test_a_day_and_a_month_held_open_keep_their_final_values_once_closed() -> None:
    """A flush under way may write a period held while it was open after the series moved on:
    it writes the closed period's value, not the next one's."""
    start = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)  # the last hour of November
    cache = with_periods(start)
    nov30, november = utc_periods(timestamp(start))
    key = (EUI, "water_volume", "")
    held = cache.fold([at(start, 30, 11.0, 0.5)])  # 23:30, held open
    assert value_of(held.days[(*key, nov30)]) == HourStats(6, 4.5, 7.0, 11.0, 56.5, 7.0, 11.0)
    cache.fold([at(start, 70, 12.0, 1.0), at(start, 80, 12.5, 0.5)])  # 00:10 and 00:20 on Dec 1
    assert value_of(held.days[(*key, nov30)]) == HourStats(6, 4.5, 7.0, 11.0, 56.5, 7.0, 11.0)
    assert value_of(held.months[(*key, november)]) == HourStats(33, 40.5, 1.0, 11.0, 211.0, 1.0, 11.0)


def test_a_series_back_from_the_store_needs_its_periods_again() -> None:
    start = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    cache = with_periods(start)
    late = [at(start, -30, 9.0, 0.5)]
    assert cache.fold(late).rest == late
    key = (EUI, "water_volume", "", hour(-30))
    cache.seed(late, {key: HourStats(1, 0.5, 9.0, 9.0, 9.0, 9.0, 9.0)})
    folded = cache.fold([at(start, -20, 9.5, 0.5)])
    assert folded.days == {} and folded.days_unknown  # the day is the store's to recompute


def test_a_series_the_store_holds_nothing_of_is_folded_from_its_first_point() -> None:
    """A new meter (or a backlog's first batch): its hour, day and month hold only these points."""
    start = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    cache = OpenHours(clock=Clock(), periods=utc_periods)
    key = SeriesKey(EUI, "water_volume", "")
    batch = [at(start, 5, 10.0, 0.5), at(start, 70, 11.0, 1.0)]
    assert cache.unknown([key]) == {key}
    folded = cache.fold(batch, {key: None})
    day, month = utc_periods(hour(0))
    assert folded.rest == [] and folded.days_unknown == []
    assert folded.hours == {
        (*key, hour(0)): HourStats(1, 0.5, 10.0, 10.0, 10.0, 10.0, 10.0),
        (*key, hour(60)): HourStats(1, 1.0, 11.0, 11.0, 11.0, 11.0, 11.0),
    }
    assert values(folded.days) == {(*key, day): HourStats(2, 1.5, 10.0, 11.0, 21.0, 10.0, 11.0)}
    assert values(folded.months) == {(*key, month): HourStats(2, 1.5, 10.0, 11.0, 21.0, 10.0, 11.0)}
    assert cache.unknown([key]) == set()


def test_a_stored_point_in_the_hour_or_the_day_leaves_them_to_the_store() -> None:
    start = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    key = SeriesKey(EUI, "water_volume", "")
    batch = [at(start, 30, 10.0, 0.5)]
    # a point stored earlier in the same hour: the hour is recomputed from the store
    cache = OpenHours(clock=Clock(), periods=utc_periods)
    assert cache.fold(batch, {key: hour(0) + 60 * 10**9}).rest == batch
    # earlier the same day: the hour holds only this point, the day and month are the store's
    cache = OpenHours(clock=Clock(), periods=utc_periods)
    folded = cache.fold(batch, {key: hour(-120)})
    assert folded.rest == [] and folded.days_unknown == batch
    assert folded.hours == {(*key, hour(0)): HourStats(1, 0.5, 10.0, 10.0, 10.0, 10.0, 10.0)}
    # last month: everything is this writer's
    cache = OpenHours(clock=Clock(), periods=utc_periods)
    folded = cache.fold(batch, {key: timestamp(start - timedelta(days=40))})
    assert folded.rest == [] and folded.days_unknown == [] and len(folded.months) == 1
    # shared writers fold nothing, whatever the store holds
    assert OpenHours(ttl_s=-1.0, clock=Clock(), periods=utc_periods).unknown([key]) == set()
