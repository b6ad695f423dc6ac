"""The newest month an InfluxDB writer holds of each series, kept as it holds periods: the store's
``latest`` asks it at every batch of new series."""

from __future__ import annotations

from datetime import UTC, datetime

from kernel.types import HOUR_NS, Reading, SeriesKey
from store.influx.dirty import Dirty
from store.influx.held import HeldRollups
from store.influx.lineprotocol import SeriesPrefixes, timestamp
from store.influx.open_hours import HourStats

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
