"""Export, import, erasure, audit and usage counters with the registry on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.portability.erasure import erase_device_data
from domain.portability.export import export_tenant
from domain.portability.restore import import_archive
from domain.portability.usage import RequestCounter, usage
from ingest.archive import Archive
from ingest.pipeline import Ingestor
from kernel.types import Lns, Uplink
from registry import Device, Registry, audit, open_registry
from store.sqlite import SqliteStore
from tests.servers import fresh_database

pytestmark = pytest.mark.integration

EUI = "0102030405060708"
T0 = datetime(2026, 4, 1, tzinfo=UTC)
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


@pytest.fixture
def registries(postgres_url: str) -> Iterator[tuple[Registry, Registry]]:
    source = open_registry(fresh_database(postgres_url, "portability"))
    target = open_registry(fresh_database(postgres_url, "portability"))
    yield source, target
    source.close()
    target.close()


def r718h(pulses: int) -> bytes:
    return bytes([0x01, 0x1F, 0x01, 36]) + pulses.to_bytes(2, "big") + bytes(5)


def test_the_whole_charter_on_postgresql(registries: tuple[Registry, Registry], tmp_path: Path) -> None:
    source, target = registries
    store = SqliteStore(tmp_path / "a.db")
    moved = SqliteStore(tmp_path / "b.db")
    town = source.owner_tenant()
    site = source.ensure_site(town.id, "mairie", "Mairie")
    source.add_devices(
        [
            Device(
                EUI,
                town.id,
                "eau",
                "netvox/r718h",
                site_id=site.id,
                pulse_quantity="water_volume",
                pulse_weight=0.001,
            )
        ]
    )
    ingestor = Ingestor(source, Archive(source.engine), store)
    frames = [
        Uplink(EUI, 6, n, r718h(500 + n), T0 + timedelta(minutes=20 * n), Lns.CHIRPSTACK_V4)
        for n in range(60)
    ]
    ingestor.process(ingestor.accept([(f, "town") for f in frames]))

    path = tmp_path / "town.tar.gz"
    with path.open("wb") as out:
        export_tenant(source, store, "town", out)
    assert import_archive(target, moved, path).new_uplinks == 60
    assert import_archive(target, moved, path).new_uplinks == 0
    assert [(r.ts, r.value, r.delta) for r in moved.query(EUI, *EVER)] == [
        (r.ts, r.value, r.delta) for r in store.query(EUI, *EVER)
    ]

    counter = RequestCounter(flush_every=3)
    hour = datetime(2026, 4, 1, 10, 30, tzinfo=UTC)
    assert [counter.add(town.id, hour) for _ in range(3)] == [False, False, True]
    counter.add("town", hour)
    counter.add("nobody", hour)
    assert counter.flush(source.engine) == 5
    counter.add(town.id, hour)
    assert counter.flush(source.engine) == 1
    (row,) = usage(source.engine, store, T0, T0 + timedelta(days=1))
    readings = len(store.query(EUI, *EVER))
    assert (row.api_requests, row.uplinks, row.readings, row.payload_bytes) == (5, 60, readings, 60 * 11)

    entry = erase_device_data(source.engine, store, source.get_device(EUI), actor="cli", note="test")
    assert entry.counts == {"readings": readings, "uplinks": 60, "alarms": 0}
    entries, total = audit.entries(source.engine, town.id)
    assert total == 1 and entries[0].target == EUI and entries[0].actor == "cli"
    (after,) = usage(source.engine, store, T0, T0 + timedelta(days=1))
    assert (after.uplinks, after.readings) == (0, 0)
    store.close()
    moved.close()
