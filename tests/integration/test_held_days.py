"""A crash while the bridge holds today's days and months (written less often than the hours)
changes no number: the uplinks behind them are not marked, and processed again they give the
rollups of an uninterrupted run, against a real InfluxDB."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ingest.archive import Archive
from ingest.flushing import FlushPolicy
from ingest.pipeline import Ingestor
from kernel.types import Lns, Uplink
from registry import Device, Registry, open_registry
from store.influx.store import InfluxStore
from tests.influx_server import influxd

pytestmark = pytest.mark.integration

TZ = "Europe/Paris"
METERS = [f"01020304050607{n:02x}" for n in range(3)]


@pytest.fixture(scope="module")
def influx_url() -> Iterator[str]:
    with influxd() as url:
        yield url


def r718h(pulses: int) -> bytes:
    """A Netvox R718H pulse report (port 6, type 0x01): battery byte, 16-bit counter."""
    return bytes([0x01, 0x1F, 0x01, 36]) + pulses.to_bytes(2, "big") + bytes(5)


def traffic() -> list[list[Uplink]]:
    """Each meter every 10 minutes over the last 30 hours (yesterday and today), in batches."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    uplinks = [
        Uplink(
            dev_eui=eui,
            f_port=6,
            f_cnt=i,
            payload=r718h(100 + 3 * i + n * (i % 5)),
            received_at=now - timedelta(minutes=10 * (180 - i)),
            lns=Lns.CHIRPSTACK_V4,
            dev_addr="0a0b0c0d",
        )
        for i in range(180)
        for n, eui in enumerate(METERS)
    ]
    return [uplinks[i : i + 30] for i in range(0, len(uplinks), 30)]


def registry_in(path: Path) -> Registry:
    registry = open_registry(f"sqlite:///{path}")
    town = registry.owner_tenant()
    registry.add_devices(
        [
            Device(eui, town.id, "eau", "netvox/r718h", pulse_quantity="water_volume", pulse_weight=0.001)
            for eui in METERS
        ]
    )
    return registry


def run(ingestor: Ingestor, batches: list[list[Uplink]]) -> None:
    for batch in batches:
        ingestor.process(ingestor.accept([(u, "test") for u in batch]))


def rollups(store: InfluxStore) -> dict[str, Any]:
    """Every hourly, daily and monthly rollup as stored."""
    out: dict[str, Any] = {}
    for measurement in ("rollup_1h", "rollup_1d", "rollup_1mo"):
        found = store.client.query(f'SELECT * FROM "{store.client.rollup_rp}"."{measurement}" GROUP BY *')
        out[measurement] = {
            (tuple(sorted(s.get("tags", {}).items())), row[0]): tuple(row[1:])
            for s in found
            for row in s["values"]
        }
    return out


def test_a_crash_while_today_is_held_changes_no_rollup(influx_url: str, tmp_path: Path) -> None:
    batches = traffic()
    # Every batch flushed, the current days and months held for an hour: nothing marked.
    holding = FlushPolicy(every_s=1e-9, periods_every_s=3600)

    clean_registry = registry_in(tmp_path / "clean.db")
    clean_store = InfluxStore(influx_url, "held_clean", timezone=TZ)
    clean = Ingestor(clean_registry, Archive(clean_registry.engine), clean_store, flush=holding)
    clean.hold()
    run(clean, batches)
    clean.release()

    registry = registry_in(tmp_path / "crash.db")
    archive = Archive(registry.engine)
    first_store = InfluxStore(influx_url, "held_crash", timezone=TZ)
    first = Ingestor(registry, archive, first_store, flush=holding)
    first.hold()
    run(first, batches[:12])
    assert first_store.held() > 0  # today's days and months, not written
    assert len(archive.pending()) == 12 * 30  # and no uplink marked
    first_store.close()  # killed: what it held is lost

    store = InfluxStore(influx_url, "held_crash", timezone=TZ, create=False)
    reborn = Ingestor(registry, archive, store, flush=holding)
    reborn.hold()
    assert reborn.recover() == 12 * 30
    run(reborn, batches[12:])
    reborn.release()
    assert archive.pending() == []

    got, want = rollups(store), rollups(clean_store)
    assert len(want["rollup_1d"]) >= 6 and len(want["rollup_1h"]) > 60
    for measurement in want:
        assert got[measurement].keys() == want[measurement].keys()
        for key, fields in want[measurement].items():
            assert got[measurement][key] == pytest.approx(fields), (measurement, key)
    for s in (store, clean_store):
        s.close()
    registry.close()
    clean_registry.close()
