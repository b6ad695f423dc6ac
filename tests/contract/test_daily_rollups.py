"""Daily rollups (days of the store's time zone, Europe/Paris here) against the hourly truth.

Every read in the store's time zone takes whole days from the daily rollups and the ragged ends
of its range from the hourly ones; these tests compare it, window by window, with the hourly
rollups folded in Python (``store.rollup.fold``), through DST changes, late readings, deletes
and many devices at once.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kernel.types import Reading
from store import Bucket, Store, Window
from store.influx.lineprotocol import quote_str
from store.influx.store import InfluxStore
from store.rollup import HourRollup, SeriesHour, fold
from store.sqlite import SqliteStore

PARIS = ZoneInfo("Europe/Paris")
TZ = "Europe/Paris"
EUI, OTHER = "0102030405060708", "a0a0a0a0a0a0a0a0"


def index_series(
    eui: str, start: datetime, hours: float, step_min: int = 15, channel: str = ""
) -> list[Reading]:
    """An index that grows by a varying amount every ``step_min`` minutes (hand-checkable sums)."""
    out, value = [], 1000.0
    for i in range(int(hours * 60 / step_min)):
        used = float(1 + i % 7)
        value += used
        ts = start + timedelta(minutes=step_min * i)
        out.append(
            Reading(
                eui,
                "water_volume",
                value,
                "m3",
                "cumulative",
                ts,
                channel=channel,
                delta=None if i == 0 else used,
            )
        )
    return out


def from_hours(
    store: Store, eui: str, start: datetime, end: datetime, window: Window, channel: str = ""
) -> list[Bucket]:
    """What the window should be: the hourly rollups of the range folded in Python."""
    hours = [
        HourRollup(
            h.start,
            h.count,
            h.consumption,
            h.min or 0.0,
            h.max or 0.0,
            (h.mean or 0.0) * h.count,
            h.first or 0.0,
            h.last or 0.0,
        )
        for h in store.aggregate(eui, "water_volume", start, end, Window.HOUR, TZ, channel=channel)
    ]
    return list(fold(hours, window, TZ))


def same(got: list[Bucket], want: list[Bucket]) -> None:
    assert [(b.start, b.end, b.count) for b in got] == [(b.start, b.end, b.count) for b in want]
    for g, w in zip(got, want, strict=True):
        assert g.consumption == pytest.approx(w.consumption)
        assert (g.min, g.max, g.first, g.last) == (w.min, w.max, w.first, w.last)
        assert g.mean == pytest.approx(w.mean)


RANGES = [
    # whole local days, ragged ends, a range inside one day, a DST change in the middle
    (datetime(2026, 3, 27, tzinfo=PARIS), datetime(2026, 4, 3, tzinfo=PARIS)),
    (datetime(2026, 3, 26, 10, 17, tzinfo=PARIS), datetime(2026, 4, 2, 15, 42, tzinfo=PARIS)),
    (datetime(2026, 3, 29, 1, 0, tzinfo=PARIS), datetime(2026, 3, 29, 5, 0, tzinfo=PARIS)),
    (datetime(2026, 3, 20, tzinfo=UTC), datetime(2026, 4, 10, tzinfo=UTC)),
]


@pytest.mark.parametrize("window", [Window.DAY, Window.WEEK, Window.MONTH, Window.YEAR])
def test_whole_months_equal_folded_hours(store: Store, window: Window) -> None:
    """Ranges holding whole months (InfluxDB reads those from its monthly rollups), late data
    in the middle of one, and ragged ends on both sides."""
    store.write(index_series(EUI, datetime(2026, 1, 28, 6, tzinfo=UTC), 24 * 70, step_min=60))
    store.write(index_series(OTHER, datetime(2026, 2, 10, tzinfo=UTC), 24 * 3, step_min=30))
    store.write(
        [
            Reading(
                EUI,
                "water_volume",
                5.0,
                "m3",
                "cumulative",
                datetime(2026, 2, 14, 12, 7, tzinfo=UTC),
                delta=3.5,
            )
        ]
    )
    for start, end in [
        (datetime(2026, 1, 30, 13, 20, tzinfo=PARIS), datetime(2026, 4, 3, 9, 5, tzinfo=PARIS)),
        (datetime(2026, 2, 1, tzinfo=PARIS), datetime(2026, 4, 1, tzinfo=PARIS)),
        (datetime(2026, 1, 1, tzinfo=PARIS), datetime(2027, 1, 1, tzinfo=PARIS)),
    ]:
        for eui in (EUI, OTHER):
            same(
                store.aggregate(eui, "water_volume", start, end, window, TZ),
                from_hours(store, eui, start, end, window),
            )
    store.delete(EUI, [("water_volume", "", datetime(2026, 2, 14, 12, 7, tzinfo=UTC))])
    start, end = datetime(2026, 2, 1, tzinfo=PARIS), datetime(2026, 3, 1, tzinfo=PARIS)
    same(
        store.aggregate(EUI, "water_volume", start, end, window, TZ),
        from_hours(store, EUI, start, end, window),
    )


@pytest.mark.parametrize("window", [Window.DAY, Window.MONTH])
def test_a_series_written_batch_by_batch_in_time_order(store: Store, window: Window) -> None:
    """The bridge's way: small batches in time order, which a writer may fold into its days and
    months in memory; across a DST change and a month's end, with a late point and a replay."""
    series = index_series(EUI, datetime(2026, 3, 28, 18, 5, tzinfo=UTC), 24 * 5, step_min=20)
    other = index_series(OTHER, datetime(2026, 3, 28, 18, 5, tzinfo=UTC), 24 * 5, step_min=45)
    for i in range(0, len(series), 7):
        store.write(series[i : i + 7] + other[i // 2 : i // 2 + 3])
        if i == 140:
            store.write([series[100]])  # a replay of a point already written
            store.write([replace(series[60], value=series[60].value + 0.5, delta=4.0)])  # late
    for start, end in [
        (datetime(2026, 3, 28, tzinfo=PARIS), datetime(2026, 4, 3, tzinfo=PARIS)),
        (datetime(2026, 3, 1, tzinfo=PARIS), datetime(2026, 5, 1, tzinfo=PARIS)),
    ]:
        for eui in (EUI, OTHER):
            same(
                store.aggregate(eui, "water_volume", start, end, window, TZ),
                from_hours(store, eui, start, end, window),
            )


@pytest.mark.parametrize("window", [Window.DAY, Window.WEEK, Window.MONTH, Window.YEAR])
def test_windows_from_daily_rollups_equal_folded_hours(store: Store, window: Window) -> None:
    store.write(index_series(EUI, datetime(2026, 3, 25, 6, 5, tzinfo=UTC), 24 * 10))
    for start, end in RANGES:
        same(
            store.aggregate(EUI, "water_volume", start, end, window, TZ),
            from_hours(store, EUI, start, end, window),
        )


def test_autumn_day_has_25_hours_of_consumption(store: Store) -> None:
    day = datetime(2026, 10, 25, tzinfo=PARIS)
    store.write(index_series(EUI, day.astimezone(UTC) - timedelta(hours=2), 30, step_min=60))
    (got,) = store.aggregate(EUI, "water_volume", day, day + timedelta(days=1), Window.DAY, TZ)
    # hours 2..26 of the series (the first reading has no delta): 1+i%7 for i in 2..26
    assert got.count == 25 and got.consumption == sum(1 + i % 7 for i in range(2, 27))
    assert (got.end - got.start) == timedelta(days=1) and got.end.astimezone(UTC) - got.start.astimezone(
        UTC
    ) == timedelta(hours=25)


def test_late_and_rewritten_readings_update_their_day(store: Store) -> None:
    day = datetime(2026, 5, 12, tzinfo=PARIS)
    series = index_series(EUI, day.astimezone(UTC), 24)
    store.write(series[:50] + series[60:])
    (before,) = store.aggregate(EUI, "water_volume", day, day + timedelta(days=1), Window.DAY, TZ)
    store.write(series[50:60])  # arrive a day late
    (after,) = store.aggregate(EUI, "water_volume", day, day + timedelta(days=1), Window.DAY, TZ)
    assert after.count == before.count + 10 == 96 and after.consumption is not None
    assert after.consumption == pytest.approx(sum(r.delta or 0 for r in series))
    fixed = Reading(EUI, "water_volume", series[-1].value, "m3", "cumulative", series[-1].ts, delta=100.0)
    store.write([fixed])  # the same point again, with another delta: last write wins
    (again,) = store.aggregate(EUI, "water_volume", day, day + timedelta(days=1), Window.MONTH, TZ)
    assert again.consumption == pytest.approx(after.consumption - (series[-1].delta or 0) + 100.0)


def test_deleting_a_day_s_points_removes_the_day(store: Store) -> None:
    day = datetime(2026, 6, 1, tzinfo=PARIS)
    series = index_series(EUI, day.astimezone(UTC), 48, step_min=120)
    store.write(series)
    first_day = [r for r in series if r.ts < day + timedelta(days=1)]
    store.delete(EUI, [(r.quantity, r.channel, r.ts) for r in first_day])
    days = store.aggregate(EUI, "water_volume", day, day + timedelta(days=2), Window.DAY, TZ)
    assert [d.start for d in days] == [day + timedelta(days=1)]
    same(days, from_hours(store, EUI, day, day + timedelta(days=2), Window.DAY))


def test_aggregate_many_reads_every_device_and_channel(store: Store) -> None:
    start = datetime(2026, 1, 30, tzinfo=PARIS)
    euis = [f"{i:016x}" for i in range(1, 41)]
    store.write([r for eui in euis for r in index_series(eui, start.astimezone(UTC), 24 * 4, step_min=60)])
    store.write(index_series(EUI, start.astimezone(UTC), 24 * 4, step_min=60, channel="T2"))
    end = start + timedelta(days=4)
    found = store.aggregate_many([*euis, EUI, OTHER], "water_volume", start, end, Window.MONTH, TZ)
    assert set(found) == {(eui, "") for eui in euis} | {(EUI, "T2")}
    for (eui, channel), months in found.items():
        assert [m.start.month for m in months] == [1, 2]
        same(months, from_hours(store, eui, start, end, Window.MONTH, channel))
    only = store.aggregate_many([EUI, euis[0]], "water_volume", start, end, Window.YEAR, TZ, channel="T2")
    assert list(only) == [(EUI, "T2")]
    assert store.aggregate_many([], "water_volume", start, end, Window.DAY, TZ) == {}
    assert store.aggregate_many(euis, "temperature", start, end, Window.DAY, TZ) == {}


def test_another_time_zone_is_folded_from_hours(store: Store) -> None:
    start = datetime(2026, 2, 27, tzinfo=UTC)
    store.write(index_series(EUI, start, 24 * 4, step_min=60))
    days = store.aggregate(
        EUI, "water_volume", start, start + timedelta(days=4), Window.DAY, "America/New_York"
    )
    assert [d.start.tzinfo for d in days] == [ZoneInfo("America/New_York")] * len(days)
    assert sum(d.count for d in days) == 96 and days[0].start.hour == 0


def test_sqlite_builds_days_for_an_older_file_and_a_new_time_zone(tmp_path: Path) -> None:
    path = tmp_path / "readings.db"
    start = datetime(2026, 3, 27, tzinfo=PARIS)
    store = SqliteStore(path, timezone=TZ)
    store.write(index_series(EUI, start.astimezone(UTC), 24 * 4, step_min=60))
    want = store.aggregate(EUI, "water_volume", start, start + timedelta(days=4), Window.DAY, TZ)
    with sqlite3.connect(path) as conn:  # a file from before daily rollups
        conn.execute("DELETE FROM rollup_1d")
        conn.execute("DELETE FROM store_meta")
    store.close()
    store = SqliteStore(path, timezone=TZ)
    same(store.aggregate(EUI, "water_volume", start, start + timedelta(days=4), Window.DAY, TZ), want)
    store.close()
    tokyo = "Asia/Tokyo"
    store = SqliteStore(path, timezone=tokyo)  # the town's time zone changed: days are Tokyo's
    days = store.aggregate(EUI, "water_volume", start, start + timedelta(days=4), Window.DAY, tokyo)
    assert days[1].start == datetime(2026, 3, 28, tzinfo=ZoneInfo(tokyo)) and days[1].count == 24
    store.close()


@pytest.mark.integration
def test_influx_rebuilds_days_from_hours(influx_url: str) -> None:
    store = InfluxStore(influx_url, "rebuild_days", timezone=TZ)
    start = datetime(2026, 10, 23, tzinfo=PARIS)
    store.write(index_series(EUI, start.astimezone(UTC), 24 * 4, step_min=60))
    end = start + timedelta(days=4)
    want = store.aggregate(EUI, "water_volume", start, end, Window.MONTH, TZ)
    store.client.query('DROP MEASUREMENT "rollup_1d"', write=True)  # a database from before daily rollups
    assert store.aggregate(EUI, "water_volume", start, end, Window.MONTH, TZ) != want
    assert store.rebuild_days(start, end) == 4 + 1  # four days, and their month
    same(store.aggregate(EUI, "water_volume", start, end, Window.MONTH, TZ), want)
    store.close()


def hours_from_raw(store: Store, eui: str, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    counts: dict[datetime, int] = {}
    for r in store.query(eui, start, end, ["water_volume"]):
        hour = r.ts.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        counts[hour] = counts.get(hour, 0) + 1
    return sorted(counts.items())


def test_rollups_held_by_the_bridge_are_right_once_flushed(store: Store) -> None:
    """The bridge lets the store hold folded rollups for a few seconds: late data in between makes
    the store write what it held before recomputing; after ``flush`` every hour, day and month is
    what the raw points say."""
    store.hold_rollups(True)
    start = datetime(2026, 3, 30, 20, tzinfo=UTC)
    series = index_series(EUI, start, 24 * 3, step_min=20)
    for i in range(0, len(series), 5):
        store.write(series[i : i + 5])
        if i == 100:
            store.write([replace(series[30], value=series[30].value + 0.5, delta=4.0)])  # late
    store.flush()
    end = start + timedelta(days=3)
    hours = store.aggregate(EUI, "water_volume", start, end, Window.HOUR, TZ)
    assert [(h.start.astimezone(UTC), h.count) for h in hours] == hours_from_raw(store, EUI, start, end)
    for window in (Window.DAY, Window.MONTH):
        first, last = datetime(2026, 3, 1, tzinfo=PARIS), datetime(2026, 5, 1, tzinfo=PARIS)
        same(
            store.aggregate(EUI, "water_volume", first, last, window, TZ),
            from_hours(store, EUI, first, last, window),
        )
    store.hold_rollups(False)


def test_a_late_point_in_an_hour_still_held_is_counted(store: Store) -> None:
    """A late reading lands in an hour whose folded rollup is still held: the hour recomputed
    from the stored points is what gets written, not the value held before it."""
    store.hold_rollups(True)
    start = datetime(2026, 6, 2, 8, tzinfo=UTC)
    series = index_series(EUI, start, 4, step_min=20)
    for i in range(0, len(series), 3):
        store.write(series[i : i + 3])
    late = replace(series[4], ts=series[4].ts + timedelta(minutes=7))  # a new point, 08:27
    store.write([late])
    store.flush()
    end = start + timedelta(hours=4)
    hours = store.aggregate(EUI, "water_volume", start, end, Window.HOUR, TZ)
    assert [(h.start.astimezone(UTC), h.count) for h in hours] == hours_from_raw(store, EUI, start, end)
    store.hold_rollups(False)


def test_a_flush_in_chunks_with_writes_between_ends_right(store: Store) -> None:
    """The bridge writes a large flush a few points per batch: the periods folded meanwhile (the
    same hours, days and months, with newer values) wait for the next flush and win over the
    older values written in chunks."""
    store.hold_rollups(True)
    start = datetime(2026, 4, 10, 6, tzinfo=UTC)
    eui2 = EUI[:-1] + "9"
    series = sorted(
        index_series(EUI, start, 30, step_min=15) + index_series(eui2, start, 30, step_min=15),
        key=lambda r: r.ts,
    )
    for i in range(0, 40, 4):
        store.write(series[i : i + 4])
        if i == 0:  # the first batch's hours are recomputed at this flush, which seeds the series
            store.flush()  # the next batches are folded and held
    calls = 0
    done = False
    assert store.held() > 0 or not isinstance(store, InfluxStore)
    for i in range(40, 100, 4):
        if not done:
            held = store.held()
            done = store.flush(2)  # at most 2 points a call: the flush spans several batches
            calls += 1
            # what is written is no longer held: a call sends 2 points, counted written by the
            # next call (InfluxDB takes them while the caller goes on)
            assert done or store.held() == held - (2 if calls > 1 else 0)
        store.write(series[i : i + 4])
    assert done and (calls > 1 or not isinstance(store, InfluxStore))  # SQLite holds nothing
    store.flush(2)  # the next flush starts with what was folded meanwhile...
    for i in range(100, len(series), 4):
        store.write(series[i : i + 4])
    store.flush()  # ...and the bridge stops: the rest of it, then what is held
    assert store.held() == 0
    end = start + timedelta(days=2)
    for eui in (EUI, eui2):
        hours = store.aggregate(eui, "water_volume", start, end, Window.HOUR, TZ)
        assert [(h.start.astimezone(UTC), h.count) for h in hours] == hours_from_raw(store, eui, start, end)
        first, last = datetime(2026, 4, 1, tzinfo=PARIS), datetime(2026, 5, 1, tzinfo=PARIS)
        for window in (Window.DAY, Window.MONTH):
            same(
                store.aggregate(eui, "water_volume", first, last, window, TZ),
                from_hours(store, eui, first, last, window),
            )
    store.hold_rollups(False)


@pytest.mark.integration
def test_the_current_day_and_month_held_past_flushes_are_read_from_their_hours(influx_url: str) -> None:
    """The bridge writes each series' current day and month less often than its hours: in
    between, another process reads those days from the hours, and every window agrees with
    them; once written, the days agree too."""
    bridge = InfluxStore(influx_url, "held_today", timezone=TZ)
    api = InfluxStore(influx_url, "held_today", timezone=TZ, create=False)
    bridge.hold_rollups(True)
    try:
        now = datetime.now(UTC)
        start = (now - timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
        # Up to now, whatever the hour, and today (Paris) holds three points at least: three days
        # from the start hour end before now (in the hour after Paris's midnight, that left today
        # without a point), and in the first minutes of the day a point of today deleted left none
        # (a CI run at 00:05 Paris). Points a few minutes ahead of now are still today's.
        today = now.astimezone(PARIS).replace(hour=0, minute=0, second=0, microsecond=0)
        until = max(now, (today + timedelta(minutes=40)).astimezone(UTC))
        series = [r for r in index_series(EUI, start, 24 * 3 + 2, step_min=20) if r.ts <= until]
        other = [r for r in index_series(OTHER, start, 24 * 3 + 2, step_min=20) if r.ts <= until]
        for i in range(0, len(series), 12):
            bridge.write(series[i : i + 12] + other[i : i + 12])
            while not bridge.flush(50, periods=False):
                pass
        first, last = today - timedelta(days=4), today + timedelta(days=2)

        def days_written(eui: str = EUI) -> list[int]:
            """The daily rollups' counts, as stored."""
            return [
                int(v[1])
                for s in api.client.query(
                    f'SELECT "count" FROM {api.client.days} WHERE dev_eui = {quote_str(eui)} '
                    f"AND time >= {int(first.timestamp() * 1e9)}"
                )
                for v in s.get("values", [])
            ]

        def agree() -> None:
            for window in (Window.DAY, Window.WEEK, Window.MONTH):
                same(
                    api.aggregate(EUI, "water_volume", first, last, window, TZ),
                    from_hours(api, EUI, first, last, window),
                )

        assert bridge.held() > 0  # today's day and this month's, still held
        assert len(days_written()) == 3  # the three days before today, not today
        agree()
        # Another process deletes a point of today: the days held, of this series and of the others,
        # are recomputed from the hours.
        api.delete(EUI, [("water_volume", "", series[-1].ts)])
        bridge.forget()
        assert bridge.held() == 0
        hours = [b.count for b in from_hours(api, EUI, first, last, Window.DAY)]
        assert days_written() == hours and len(hours) == 4
        assert days_written(OTHER) == [b.count for b in from_hours(api, OTHER, first, last, Window.DAY)]
        agree()
        bridge.write(series[-1:])
        bridge.flush()
        assert days_written() == [*hours[:3], hours[3] + 1]
        agree()
    finally:
        bridge.close()
        api.close()


@pytest.mark.integration
@pytest.mark.parametrize("hold", [False, True])
def test_influx_writer_forgets_what_it_folds_when_another_process_edited(influx_url: str, hold: bool) -> None:
    """The bridge folds a series' hours, days and months in memory (and may hold them a few
    seconds); a point deleted meanwhile by another process (a reprocess) is announced
    (``Store.forget``), and the next write recomputes from what is stored instead of adding to a
    count that still holds the deleted point."""
    bridge = InfluxStore(influx_url, f"forget_edits_{hold}", timezone=TZ)
    other = InfluxStore(influx_url, f"forget_edits_{hold}", timezone=TZ, create=False)
    bridge.hold_rollups(hold)
    start = datetime(2026, 5, 4, 10, tzinfo=UTC)
    series = index_series(EUI, start, 3, step_min=15)  # 10:00-12:45, four points an hour
    bridge.write(series[:4])
    bridge.write(series[4:6])  # 11:00 and 11:15, folded in memory
    other.delete(EUI, [("water_volume", "", series[5].ts)])
    bridge.forget()  # the registry's edit counter moved
    bridge.write(series[6:8])
    bridge.flush()
    end = start + timedelta(hours=3)
    hours = bridge.aggregate(EUI, "water_volume", start, end, Window.HOUR, TZ)
    assert [(h.start.astimezone(UTC), h.count) for h in hours] == hours_from_raw(bridge, EUI, start, end)
    assert [h.count for h in hours] == [4, 3]
    day = datetime(2026, 5, 4, tzinfo=PARIS)
    same(
        bridge.aggregate(EUI, "water_volume", day, day + timedelta(days=1), Window.DAY, TZ),
        from_hours(bridge, EUI, day, day + timedelta(days=1), Window.DAY),
    )
    bridge.close()
    other.close()


def test_restored_hours_reach_days_and_months_and_erase_removes_them(store: Store) -> None:
    start = datetime(2025, 2, 26, tzinfo=PARIS)  # an export of hours whose raw points are gone
    hours = [
        SeriesHour(
            "water_volume",
            "",
            HourRollup(start.astimezone(UTC) + timedelta(hours=h), 2, 1.5, 1.0, 2.0, 3.0, 1.0, 2.0),
        )
        for h in range(24 * 40)
    ]
    store.restore_hourly(EUI, hours)
    store.write(index_series(OTHER, start.astimezone(UTC), 24 * 40, step_min=60))
    end = start + timedelta(days=40)
    for window in (Window.DAY, Window.MONTH, Window.YEAR):
        got = store.aggregate(EUI, "water_volume", start, end, window, TZ)
        same(got, from_hours(store, EUI, start, end, window))
        # 40 local days hold 959 hours: the spring change of 29 March is 23 hours long
        assert sum(b.consumption or 0 for b in got) == 1.5 * 959
    assert store.erase(EUI) == 0  # no raw readings, only rollups
    for window in (Window.DAY, Window.MONTH, Window.YEAR):
        assert store.aggregate(EUI, "water_volume", start, end, window, TZ) == []
        same(
            store.aggregate(OTHER, "water_volume", start, end, window, TZ),
            from_hours(store, OTHER, start, end, window),
        )
