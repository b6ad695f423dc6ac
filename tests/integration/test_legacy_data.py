"""An existing ``./data`` written by earlier code opens and upgrades with today's: the registry
and readings databases of the layout before issue 23 (commit 1f185f3, schema version 7), and a
registry of the first schema version (dfff3c6). See tests/data/legacy/README.md."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from domain.alerts.thresholds import ThresholdBook
from domain.climate.weather import WeatherBook, WeatherSource
from domain.costs.tariffs import TariffBook
from ingest.archive import Archive
from kernel.types import Reading
from registry import Registry, open_registry, schema, store_edits
from registry.migrations import LATEST, current_version
from store import Window
from store.sqlite import SqliteStore
from tests.integration.test_migrations import shape, todays_shape

pytestmark = pytest.mark.integration

LEGACY = Path(__file__).resolve().parents[1] / "data" / "legacy"
TOKEN_1F185F3 = "rlv_c6d61059_9CfdkMfwoijyQf2j-V9-NhjTolqVIf4V-hRv8WyBQpA"
TOKEN_V1 = "rlv_1618cdf5_YB290gjCRcnSTpL77I-HjtJV8LvH_aqPbMhHSDrLBnU"
WATER = "a81758fffe0a0001"
START = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)


def restore(dump: str, path: Path) -> Path:
    """The database the dump was made of, as a file."""
    conn = sqlite3.connect(path)
    try:
        conn.executescript((LEGACY / dump).read_text(encoding="utf-8"))
    finally:
        conn.close()
    return path


def opened(path: Path) -> Registry:
    url = f"sqlite:///{path}"
    registry = open_registry(url)
    with registry.engine.connect() as conn:
        assert current_version(conn) == LATEST
    assert shape(registry.engine) == todays_shape(f"sqlite:///{path.with_name('today.db')}")
    return registry


def count(registry: Registry, table: str) -> int:
    with registry.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(schema.metadata.tables[table])).scalar_one())


def test_the_registry_of_the_previous_layout_opens_with_its_data(tmp_path: Path) -> None:
    registry = opened(restore("registry-1f185f3.dump", tmp_path / "registry.db"))
    try:
        key = registry.authenticate(TOKEN_1F185F3)
        assert key is not None and key.sees_all_tenants
        town = registry.owner_tenant()
        assert [d.dev_eui for d in registry.list_devices(town.id)][:1] == [WATER]
        assert registry.count_devices(town.id) == 4
        (site,) = registry.list_sites(town.id)
        assert [t.quantity for t in TariffBook(registry.engine).read(town.id, None)] == [
            "energy_import",
            "water_volume",
        ]
        assert ThresholdBook(registry.engine).overrides(site.id) == {"co2_max": 1400.0}
        assert WeatherBook(registry.engine).source(site.id) == WeatherSource(station="lyon-bron")
        archive = Archive(registry.engine)
        assert archive.pending() == [] and count(registry, "uplinks") > 0
        archived = archive.select(dev_eui=WATER, limit=1000)
        assert {row[1] for row in archived} == {"decoded"}
        # The keys were rewritten as the bridge makes them now: a copy of an archived frame is known.
        copies = [(row[0].uplink, "other") for row in archived[:5]]
        assert archive.store(copies) == [] and archive.duplicates_total() == 5
        assert count(registry, "alerts") == count(registry, "audit_log") == count(registry, "api_usage") == 1
        assert store_edits.current(registry.engine) == 1
    finally:
        registry.close()


def test_a_version_1_registry_upgrades_through_every_step(tmp_path: Path) -> None:
    registry = opened(restore("registry-v1-dfff3c6.dump", tmp_path / "registry.db"))
    try:
        assert registry.authenticate(TOKEN_V1) is not None
        water = registry.get_device(WATER)
        assert (water.pulse_weight, water.purpose, water.installed_at) == (0.001, None, None)
        assert len(Archive(registry.engine).pending()) == 4
        for table in ("alerts", "meter_replacements", "tariffs", "site_weather", "audit_log"):
            assert count(registry, table) == 0
        assert store_edits.current(registry.engine) == 0
    finally:
        registry.close()
    open_registry(f"sqlite:///{tmp_path / 'registry.db'}").close()  # opening again changes nothing


def test_the_readings_of_the_previous_layout_open_and_take_new_ones(tmp_path: Path) -> None:
    path = restore("readings-1f185f3.dump", tmp_path / "readings.db")
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        before = conn.exec_driver_sql("SELECT count(*) FROM rollup_1d").scalar_one()
    engine.dispose()
    store = SqliteStore(path, timezone="Europe/Paris")
    try:
        readings = store.query(WATER, START, START + timedelta(hours=3))
        assert readings and all(r.dev_eui == WATER for r in readings)
        water = [r for r in readings if r.quantity == "water_volume"]
        (day,) = store.aggregate(
            WATER, "water_volume", START, START + timedelta(hours=3), Window.DAY, "Europe/Paris"
        )
        assert day.count == len(water) and day.consumption is not None
        assert day.consumption == pytest.approx(sum(r.delta or 0.0 for r in water))
        last = max(water, key=lambda r: r.ts)
        assert any(r.quantity == "water_volume" and r.ts == last.ts for r in store.latest([WATER]))
        later = Reading(
            WATER,
            "water_volume",
            last.value + 0.5,
            "m3",
            "cumulative",
            last.ts + timedelta(minutes=15),
            delta=0.5,
        )
        store.write([later])
        (day_after,) = store.aggregate(
            WATER, "water_volume", START, START + timedelta(hours=4), Window.DAY, "Europe/Paris"
        )
        assert day_after.consumption == pytest.approx(day.consumption + 0.5)
    finally:
        store.close()
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM rollup_1d").scalar_one() == before
    engine.dispose()
