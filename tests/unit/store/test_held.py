"""The newest month an InfluxDB writer holds of each series, kept as it holds periods: the store's
``latest`` asks it at every batch of new series."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest

from kernel.types import HOUR_NS, Reading, SeriesKey
from store.errors import StoreRejected, StoreUnavailable
from store.influx.dirty import Dirty
from store.influx.held import HeldRollups
from store.influx.lineprotocol import SeriesPrefixes, timestamp
from store.influx.open_hours import HourKey, HourStats

MONTH_NS = 30 * 24 * HOUR_NS


def periods(hour: int) -> tuple[int, int]:
    """A toy calendar: days of 24 hours, months of 30 days, from the epoch."""
    return hour - hour % (24 * HOUR_NS), hour - hour % MONTH_NS


def held() -> tuple[HeldRollups, list[list[str]]]:
    written: list[list[str]] = []

    def settle(dirty: Dirty) -> None:
        pass

    return HeldRollups(written.append, SeriesPrefixes(), 100, settle, periods), written


def stats() -> HourStats:
    return HourStats(1, None, 1.0, 1.0, 1.0, 1.0, 1.0)


def reading(eui: str, ns: int) -> Reading:
    return Reading(eui, "temperature", 1.0, "degC", "instantaneous", datetime.fromtimestamp(ns / 1e9, UTC))


def test_the_newest_month_of_each_series_held_folded_or_to_recompute() -> None:
    rollups, written = held()
    a, b = "00000000000000aa", "00000000000000bb"
    rollups.hold("rollup_1mo", {(a, "temperature", "", 3 * MONTH_NS): stats()})
    rollups.hold("rollup_1mo", {(a, "temperature", "", 2 * MONTH_NS): stats()})  # a late month
    rollups.hold("rollup_1h", {(b, "temperature", "", 9 * MONTH_NS): stats()})  # not a month
    late = 5 * MONTH_NS + 7 * HOUR_NS
    rollups.defer([reading(b, late)], [])
    assert rollups.newest_months([a, b, "00000000000000cc"]) == {
        SeriesKey(a, "temperature", ""): 3 * MONTH_NS,
        SeriesKey(b, "temperature", ""): 5 * MONTH_NS,
    }
    assert timestamp(reading(b, late).ts) == late
    rollups.flush()
    assert written  # written, the months are still known (the store holds them now)
    assert rollups.newest_months(None) == rollups.newest_months([a, b])
    assert len(rollups.newest_months(None)) == 2

    rollups.forget_months(a)  # its points were deleted
    assert list(rollups.newest_months(None)) == [SeriesKey(b, "temperature", "")]
    rollups.hold("rollup_1mo", {(a, "temperature", "", 4 * MONTH_NS): stats()})
    rollups.forget_months()  # any points deleted: what is held now, and only that
    assert rollups.newest_months(None) == {SeriesKey(a, "temperature", ""): 4 * MONTH_NS}


def test_a_month_still_held_stays_known_when_its_device_is_forgotten() -> None:
    rollups, _ = held()
    a, b = "00000000000000aa", "00000000000000bb"
    month = {(a, "temperature", "", 3 * MONTH_NS): stats()}
    rollups.hold("rollup_1mo", month)
    rollups.hold("rollup_1mo", {(b, "temperature", "", 2 * MONTH_NS): stats()})
    rollups.forget_months(a)
    rollups.hold("rollup_1mo", dict(month))  # held again, as every batch of the series holds it
    assert rollups.newest_months([a, b]) == {
        SeriesKey(a, "temperature", ""): 3 * MONTH_NS,
        SeriesKey(b, "temperature", ""): 2 * MONTH_NS,
    }


def lines_of(written: list[list[str]]) -> list[str]:
    return [line for request in written for line in request]


def test_a_chunked_flush_writes_every_period_once_and_a_newer_value_after_the_older() -> None:
    rollups, written = held()  # 100 points a request
    euis = [f"{n:016x}" for n in range(90)]
    for measurement, at in (("rollup_1h", 5 * HOUR_NS), ("rollup_1d", 0), ("rollup_1mo", 0)):
        rollups.hold(measurement, {(eui, "temperature", "", at): stats() for eui in euis})
    assert rollups.count() == 270
    assert not rollups.flush(limit=120)  # sealed: 270 points, 120 of them sent
    newer = HourStats(2, None, 1.0, 3.0, 4.0, 1.0, 3.0)
    rollups.hold("rollup_1h", {(euis[0], "temperature", "", 5 * HOUR_NS): newer})  # after the seal
    assert not rollups.flush(limit=120)  # those 120 written, 120 more sent
    assert rollups.count() == 151
    assert not rollups.flush(limit=120)  # the last 30 sent
    assert rollups.flush(limit=120)  # the sealed ones are all written: done
    assert [len(request) for request in written] == [100, 20, 100, 20, 30]
    sealed = lines_of(written)
    assert len(sealed) == 270 == len(set(sealed))
    order = ["rollup_1h"] * 90 + ["rollup_1d"] * 90 + ["rollup_1mo"] * 90
    assert [line.split(",")[0] for line in sealed] == order
    assert rollups.count() == 1
    rollups.flush()
    last = lines_of(written)[-1]
    assert last.startswith(f"rollup_1h,dev_eui={euis[0]},quantity=temperature count=2i")
    assert rollups.count() == 0 and rollups.flush(limit=120)


def test_what_is_taken_is_what_was_held_sealed_or_not() -> None:
    rollups, _ = held()
    a = ("00000000000000aa", "temperature", "", 5 * HOUR_NS)
    b = ("00000000000000bb", "temperature", "", 5 * HOUR_NS)
    rollups.hold("rollup_1h", {a: stats()})
    assert not rollups.flush(limit=0)  # sealed, nothing sent yet
    rollups.hold("rollup_1h", {b: stats()})
    rollups.hold("rollup_1d", {a: stats()})
    taken = rollups.take()
    assert {m: set(points) for m, points in taken.items()} == {"rollup_1h": {a, b}, "rollup_1d": {a}}
    assert rollups.count() == 0


def test_a_chunk_is_written_while_the_caller_goes_on_and_a_failed_one_is_sent_again() -> None:
    """A chunked flush's points go to InfluxDB from the writer's thread: the bridge processes its
    next batch meanwhile. A chunk InfluxDB did not take is told at the next call, and sent again."""
    gate, written, failures = threading.Event(), [], [StoreUnavailable("InfluxDB is restarting")]

    def write(lines: list[str]) -> None:
        assert gate.wait(10)
        if failures:
            raise failures.pop()
        written.append(lines)

    rollups = HeldRollups(write, SeriesPrefixes(), 100, lambda _dirty: None, periods)
    points = {(f"{n:016x}", "temperature", "", 5 * HOUR_NS): stats() for n in range(50)}
    rollups.hold("rollup_1h", points)
    began = time.monotonic()
    assert not rollups.flush(limit=100)  # sent: the write waits for the gate, the caller does not
    assert time.monotonic() - began < 5
    assert rollups.count() == 50  # held until written
    gate.set()
    with pytest.raises(StoreUnavailable):
        rollups.flush(limit=100)
    assert rollups.count() == 50 and written == []
    assert not rollups.flush(limit=100)  # sent again
    assert rollups.flush(limit=100)
    assert len(lines_of(written)) == 50 and rollups.count() == 0
    rollups.close()


def held_at(now: int, settled: list[Dirty] | None = None) -> tuple[HeldRollups, list[list[str]]]:
    """Held rollups whose clock reads ``now`` (ns); each settle recorded in ``settled``."""
    written: list[list[str]] = []
    record = settled if settled is not None else []
    return HeldRollups(written.append, SeriesPrefixes(), 100, record.append, periods, lambda: now), written


def times_of(written: list[list[str]], measurement: str) -> list[int]:
    return sorted(
        int(line.rsplit(" ", 1)[1]) for line in lines_of(written) if line.startswith(measurement + ",")
    )


def test_a_flush_without_periods_leaves_the_current_day_and_month_held() -> None:
    day, now = 40 * 24 * HOUR_NS, 40 * 24 * HOUR_NS + 10 * HOUR_NS  # day 40 (month 1), 10:00
    rollups, written = held_at(now)
    a = "00000000000000aa"

    def hold_all() -> None:
        rollups.hold(
            "rollup_1h",
            {(a, "temperature", "", now - HOUR_NS): stats(), (a, "temperature", "", now): stats()},
        )
        rollups.hold(
            "rollup_1d",
            {(a, "temperature", "", day - 24 * HOUR_NS): stats(), (a, "temperature", "", day): stats()},
        )
        rollups.hold(
            "rollup_1mo", {(a, "temperature", "", 0): stats(), (a, "temperature", "", MONTH_NS): stats()}
        )

    hold_all()
    for limit in (None, 100):  # whole or chunked
        written.clear()
        assert rollups.flush(limit, periods=False) or rollups.flush(limit, periods=False)
        rollups.close()
        # The hours, yesterday and last month written; today and this month held, still counted.
        assert times_of(written, "rollup_1h") == [now - HOUR_NS, now]
        assert times_of(written, "rollup_1d") == [day - 24 * HOUR_NS]
        assert times_of(written, "rollup_1mo") == [0]
        assert rollups.count() == 2 and rollups.kept == 2
        assert rollups.flush(limit, periods=False)  # nothing else held: nothing written
        assert rollups.count() == 2 and len(lines_of(written)) == 4
        hold_all()
    written.clear()
    assert rollups.flush()  # with the periods: all of it
    assert times_of(written, "rollup_1d") == [day - 24 * HOUR_NS, day]
    assert times_of(written, "rollup_1mo") == [0, MONTH_NS]
    assert rollups.count() == 0 and rollups.kept == 0


def test_periods_to_recompute_are_recomputed_after_every_period_held_is_written() -> None:
    """A day recomputed from what is stored (a replay) must not be overwritten later by the
    value held before: a flush with periods to recompute writes the current ones too, first."""
    now = 40 * 24 * HOUR_NS + 10 * HOUR_NS
    settled: list[Dirty] = []
    rollups, written = held_at(now, settled)
    a = "00000000000000aa"
    rollups.hold("rollup_1d", {(a, "temperature", "", now - 10 * HOUR_NS): stats()})
    rollups.defer([reading(a, now + 60)], [])
    for limit in (None, 100):
        written.clear()
        settled.clear()
        assert rollups.flush(limit, periods=False) or rollups.flush(limit, periods=False)
        assert times_of(written, "rollup_1d") == [now - 10 * HOUR_NS]  # written, then settled
        assert len(settled) == 1 and settled[0].hours
        assert rollups.count() == 0
        rollups.hold("rollup_1d", {(a, "temperature", "", now - 10 * HOUR_NS): stats()})
        rollups.defer([reading(a, now + 60)], [])
        written.clear()
    rollups.close()


def test_a_closed_hour_is_held_as_its_line_fields_and_written_the_same() -> None:
    """A backlog holds up to 160,000 closed hours between flushes: each is kept as the fields
    of its line, written as its rollup would have been."""
    rollups, written = held()
    plain, plain_written = held()
    eui = "00000000000000aa"
    over, again, replaced = ((eui, q, "", 5 * HOUR_NS) for q in ("temperature", "humidity", "co2"))
    values = {over: HourStats(4, None, 17.0, 17.3, 68.6, 17.3, 17.0)}
    values[again] = HourStats(2, 0.5, 1.0, 2.0, 3.0, 1.0, 2.0)
    values[replaced] = HourStats(1, None, 400.0, 400.0, 400.0, 400.0, 400.0)
    for target in (rollups, plain):
        target.hold("rollup_1h", values)
    newer = HourStats(2, None, 400.0, 410.0, 810.0, 400.0, 410.0)
    for target in (rollups, plain):
        target.hold("rollup_1h", {replaced: newer})  # a late point recomputed it meanwhile
    rollups.closed([(over, values[over]), (again, values[again]), (replaced, values[replaced])])
    kept = rollups._held["rollup_1h"]
    assert kept[over] == "count=4i,first=17.3,last=17.0,max=17.3,min=17.0,sum=68.6"
    assert kept[again] == "count=2i,consumption=0.5,first=1.0,last=2.0,max=2.0,min=1.0,sum=3.0"
    assert kept[replaced] is newer  # not the closed value: left as held
    rollups.flush()
    plain.flush()
    assert sorted(line for request in written for line in request) == sorted(
        line for request in plain_written for line in request
    )
    assert len([line for request in written for line in request]) == 3
    rollups.closed([(over, values[over])])  # written since: nothing held to replace
    assert "rollup_1h" not in rollups._held or over not in rollups._held["rollup_1h"]


def test_a_closed_hour_that_overflows_stays_a_rollup_and_its_flush_rejects_it() -> None:
    rollups, _ = held()
    key = ("00000000000000aa", "water_volume", "", 5 * HOUR_NS)
    huge = HourStats(2, float("inf"), 1.0, 2.0, 3.0, 1.0, 2.0)
    rollups.hold("rollup_1h", {key: huge})
    rollups.closed([(key, huge)])
    assert rollups._held["rollup_1h"][key] is huge
    with pytest.raises(StoreRejected):
        rollups.flush()


def closed_hours(rollups: HeldRollups, euis: list[str], hour: int) -> dict[HourKey, HourStats]:
    """Hold an hour of each of these series, then close it (its series moved on)."""
    values = {(eui, "temperature", "", hour): HourStats(2, None, 1.0, 2.0, 3.0, 1.0, 2.0) for eui in euis}
    rollups.hold("rollup_1h", values)
    rollups.closed(list(values.items()))
    return values


def test_closed_hours_past_the_bound_are_written_at_once_and_not_again() -> None:
    """A backlog closes hours by the hundred thousand between flushes: past ``early_after`` they
    are written in the writer's thread at once, not held until the flush."""
    written: list[list[str]] = []
    rollups = HeldRollups(
        written.append, SeriesPrefixes(), 100, lambda _dirty: None, periods, early_after=150
    )
    euis = [f"{n:016x}" for n in range(100)]
    closed_hours(rollups, euis, 5 * HOUR_NS)
    assert written == [] and rollups.count() == 100  # under the bound: held
    rollups.hold("rollup_1h", {(eui, "temperature", "", 6 * HOUR_NS): stats() for eui in euis})  # open
    closed_hours(rollups, euis[:50], 7 * HOUR_NS)  # 150 closed: written
    rollups.reap()
    deadline = time.monotonic() + 10
    while rollups.count() > 100 and time.monotonic() < deadline:
        time.sleep(0.01)
        rollups.reap()
    assert rollups.count() == 100  # the open hours only
    early = lines_of(written)
    assert len(early) == 150 and [len(request) for request in written] == [100, 50]
    assert all(line.split(" ")[1].startswith("count=2i") for line in early)
    assert rollups.flush()
    assert all(" count=1i" in line for line in lines_of(written)[150:])  # the open hours, once each
    assert len(lines_of(written)) == 250 and rollups.count() == 0
    rollups.close()


def test_closed_hours_written_early_that_failed_are_held_again_for_the_flush() -> None:
    failures = [StoreUnavailable("InfluxDB is restarting")]
    written: list[list[str]] = []

    def write(lines: list[str]) -> None:
        if failures:
            raise failures.pop()
        written.append(lines)

    rollups = HeldRollups(write, SeriesPrefixes(), 100, lambda _dirty: None, periods, early_after=10)
    values = closed_hours(rollups, [f"{n:016x}" for n in range(10)], 5 * HOUR_NS)
    assert rollups.count() == 10  # sent, not yet known written
    assert rollups.flush()  # waits for them: refused, held again and written by the flush
    assert sorted(line.split(" ")[0] for line in lines_of(written)) == sorted(
        f"rollup_1h,dev_eui={key[0]},quantity=temperature" for key in values
    )
    assert rollups.count() == 0
    rollups.close()


def test_an_hour_written_early_comes_after_its_older_value_of_a_chunked_flush() -> None:
    """An hour still open when a chunked flush took it, closed while that chunk is on its way:
    the writer's one thread writes the chunk first, then the hour's final value."""
    gate, written = threading.Event(), []

    def write(lines: list[str]) -> None:
        assert gate.wait(10)
        written.append(lines)

    rollups = HeldRollups(write, SeriesPrefixes(), 100, lambda _dirty: None, periods, early_after=1)
    key = ("00000000000000aa", "temperature", "", 5 * HOUR_NS)
    first = stats()
    rollups.hold("rollup_1h", {key: first})
    assert not rollups.flush(limit=100)  # its open value sent, waiting at the gate
    final = HourStats(2, None, 1.0, 5.0, 6.0, 1.0, 5.0)
    rollups.hold("rollup_1h", {key: final})
    rollups.closed([(key, final)])  # written early, behind the chunk
    gate.set()
    assert rollups.flush(limit=100)
    rollups.close()
    values = [line.split(" ")[1] for line in lines_of(written)]
    assert values[0].startswith("count=1i") and values[-1].startswith("count=2i,first=1.0,last=5.0")


def test_what_is_taken_includes_the_hours_written_early() -> None:
    """An edit by another process: the hours written early are recomputed with the rest (one
    may have reached InfluxDB after the edit)."""
    written: list[list[str]] = []
    rollups = HeldRollups(written.append, SeriesPrefixes(), 100, lambda _dirty: None, periods, early_after=5)
    values = closed_hours(rollups, [f"{n:016x}" for n in range(5)], 5 * HOUR_NS)
    taken = rollups.take()
    assert set(taken["rollup_1h"]) == set(values)
    assert rollups.count() == 0
    rollups.close()
