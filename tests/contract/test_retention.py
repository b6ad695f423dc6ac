"""Retention and downsampling as docs/store.md says: raw readings go after N days, hourly and
daily rollups stay, and every day, week, month and year reads the same after the raw are gone.

SQLite: ``prune`` deletes them. InfluxDB: its retention service drops the raw retention policy's
expired shards (the test server checks every second); the rollups live in an infinite policy.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kernel.types import Reading
from store import Bucket, Store, Window
from store.influx.store import InfluxStore
from store.sqlite import SqliteStore

EUI = "0102030405060708"
TZ = "Europe/Paris"


def quarter_hours(start: datetime, hours: int) -> list[Reading]:
    return [
        Reading(
            EUI,
            "water_volume",
            10.0 + 0.25 * i,
            "m3",
            "cumulative",
            start + timedelta(minutes=15 * i),
            delta=None if i == 0 else 0.25,
        )
        for i in range(hours * 4)
    ]


def views(store: Store, start: datetime, end: datetime) -> dict[Window, list[Bucket]]:
    return {w: store.aggregate(EUI, "water_volume", start, end, w, TZ) for w in Window}


def test_sqlite_prune_keeps_what_analytics_read(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "readings.db", raw_retention_days=30, timezone=TZ)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    old, recent = now - timedelta(days=45), now - timedelta(days=2)
    store.write([*quarter_hours(old, 48), *quarter_hours(recent, 24)])
    span = (old - timedelta(days=1), now)
    before = views(store, *span)
    assert store.prune(now) == 48 * 4
    assert store.query(EUI, *span) == quarter_hours(recent, 24)
    assert views(store, *span) == before
    assert sum(b.count for b in before[Window.YEAR]) == 72 * 4
    store.close()


@pytest.mark.integration
def test_influx_retention_policy_expires_raw_points_and_keeps_rollups(influx_url: str) -> None:
    store = InfluxStore(influx_url, "retention", raw_retention_days=1, timezone=TZ)
    policies = {
        row[0]: (row[1], row[4])
        for s in store.client.query(f'SHOW RETENTION POLICIES ON "{store.client.database}"')
        for row in s["values"]
    }
    assert policies["raw"] == ("24h0m0s", True) and policies["rollups"] == ("0s", False)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = now - timedelta(hours=20)
    store.write(quarter_hours(start, 3))
    span = (start - timedelta(days=1), now + timedelta(hours=1))
    before = views(store, *span)
    assert len(store.query(EUI, *span)) == 12
    # Shorten the raw policy to one hour: InfluxDB's retention service now drops the shards
    # holding these points (shard groups of a one-day policy last an hour).
    store.client.query(f'ALTER RETENTION POLICY "raw" ON "{store.client.database}" DURATION 1h', write=True)
    deadline = time.monotonic() + 30
    while store.query(EUI, *span) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert store.query(EUI, *span) == []
    assert views(store, *span) == before
    assert sum(b.consumption or 0 for b in before[Window.DAY]) == 11 * 0.25
    store.close()
