"""The leak rule's nights (1:00-5:00 local) on the nights the clocks change: three hours in
spring, five in autumn. Every one of those hours must have flowed; none is asked that does not
exist. A leak must not vanish for three days after a change of time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.alerts.evaluate import leak_finding, night_minima
from domain.alerts.thresholds import Thresholds
from kernel.types import Reading
from registry import Device
from store import Store
from store.sqlite import SqliteStore
from tests.fakes import MemoryStore

TZ = "Europe/Paris"
PARIS = ZoneInfo(TZ)
METER = Device("0000000000000c01", 1, "Bibliothèque - eau", "netvox/r718h")
TH = Thresholds()
FLOW = 0.025  # m3 an hour, day and night


@pytest.fixture(params=["sqlite", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        sqlite = SqliteStore(tmp_path / "readings.db", timezone=TZ)
        yield sqlite
        sqlite.close()
    else:
        yield MemoryStore()


def leaking(
    store: Store, start: datetime, end: datetime, skip: tuple[datetime, datetime] | None = None
) -> None:
    """A reading every 15 minutes (UTC time) from ``start`` to ``end``, none within ``skip``."""
    readings: list[Reading] = []
    index, at = 100.0, start.astimezone(UTC)
    while at < end:
        if skip is None or not skip[0] <= at < skip[1]:
            delta = None if not readings else FLOW / 4 * (1 + len_gap(readings[-1].ts, at))
            index += delta or 0.0
            readings.append(
                Reading(METER.dev_eui, "water_volume", index, "m3", "cumulative", at, delta=delta)
            )
        at += timedelta(minutes=15)
    store.write(readings)


def len_gap(before: datetime, at: datetime) -> int:
    """How many 15-minute readings are missing between two readings."""
    return int((at - before) / timedelta(minutes=15)) - 1


@pytest.mark.parametrize(
    ("change", "hours"),
    [(date(2027, 3, 28), 3), (date(2027, 10, 31), 5), (date(2027, 6, 13), 4)],
)
def test_a_leak_is_seen_over_the_night_the_clocks_change(store: Store, change: date, hours: int) -> None:
    start = datetime.combine(change - timedelta(days=4), datetime.min.time(), PARIS)
    now = datetime.combine(change, datetime.min.time(), PARIS).replace(hour=6)
    leaking(store, start, now)
    nights = night_minima(store, METER, now, TZ, TH)
    assert [d for d, _ in nights] == [change - timedelta(days=2), change - timedelta(days=1), change]
    assert all(m == pytest.approx(FLOW) for _, m in nights)
    finding = leak_finding(METER, nights, TH)
    assert finding is not None and len(finding.evidence["night_min_flow_m3h"]) == 3
    first = datetime.combine(change, datetime.min.time(), PARIS).replace(hour=TH.night_start_hour)
    last = datetime.combine(change, datetime.min.time(), PARIS).replace(hour=TH.night_end_hour)
    assert (last.astimezone(UTC) - first.astimezone(UTC)) == timedelta(hours=hours)


def test_an_hour_without_readings_in_the_longest_night_is_a_gap(store: Store) -> None:
    change = date(2027, 10, 31)
    start = datetime.combine(change - timedelta(days=4), datetime.min.time(), PARIS)
    now = datetime.combine(change, datetime.min.time(), PARIS).replace(hour=6)
    # 02:00-03:00 comes twice that night: the second one (CET, 01:00-02:00 UTC) stays silent
    silent = (datetime(2027, 10, 31, 1, tzinfo=UTC), datetime(2027, 10, 31, 2, 15, tzinfo=UTC))
    leaking(store, start, now, skip=silent)
    nights = night_minima(store, METER, now, TZ, TH)
    assert nights[-1] == (change, None)
    assert leak_finding(METER, nights, TH) is None
