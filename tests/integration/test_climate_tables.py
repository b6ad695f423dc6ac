"""The climate tables (stations, site weather sources, per-site thresholds) on SQLite and PostgreSQL,
and migration step 5 on a registry created before it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, inspect, select, text

from domain.alerts.thresholds import ThresholdBook, ThresholdError
from domain.climate.weather import Observation, WeatherBook, WeatherSource
from registry import Registry, open_registry, schema
from registry.migrations import current_version
from registry.schema import site_thresholds, site_weather, weather_observations

pytestmark = pytest.mark.integration
MINE = (site_thresholds, site_weather, weather_observations)


def _clear(reg: Registry) -> None:
    with reg.engine.begin() as conn:
        for table in MINE:
            conn.execute(delete(table))


@pytest.fixture(params=["sqlite", "postgresql"])
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Registry]:
    if request.param == "sqlite":
        reg = open_registry(f"sqlite:///{tmp_path / 'registry.db'}")
    else:
        reg = open_registry(request.getfixturevalue("postgres_url"))
        _clear(reg)
    yield reg
    _clear(reg)  # the other suites clear sites and tenants, which these rows refer to
    reg.close()


def test_station_observations_and_site_sources(registry: Registry) -> None:
    town = registry.owner_tenant()
    other = registry.ensure_tenant("climate-hlm", "Bailleur")
    site = registry.ensure_site(town.id, "climate-mairie", "Mairie")
    book = WeatherBook(registry.engine)
    t0 = datetime(2026, 1, 5, tzinfo=UTC)
    rows = [Observation(t0 + timedelta(hours=h), float(h)) for h in range(3)]
    assert book.import_observations(town.id, "lyon-bron", rows) == 3
    # a second import replaces what it repeats and keeps the rest
    book.import_observations(
        town.id, "lyon-bron", [Observation(t0, -2.5), Observation(t0 + timedelta(hours=5), 9.0)]
    )
    book.import_observations(other.id, "lyon-bron", [Observation(t0, 30.0)])
    got = book.observations(town.id, "lyon-bron", t0, t0 + timedelta(days=1))
    assert got == [
        (t0, -2.5),
        (t0 + timedelta(hours=1), 1.0),
        (t0 + timedelta(hours=2), 2.0),
        (t0 + timedelta(hours=5), 9.0),
    ]
    assert all(ts.tzinfo is not None for ts, _ in got)
    assert book.has_station(other.id, "lyon-bron") and not book.has_station(other.id, "paris")
    assert book.stations(town.id) == [("lyon-bron", 4, t0, t0 + timedelta(hours=5))]
    assert book.source(site.id) == WeatherSource()
    book.set_source(site.id, WeatherSource(station="lyon-bron"))
    book.set_source(site.id, WeatherSource(dev_eui="0102030405060708"))
    assert book.source(site.id) == WeatherSource(dev_eui="0102030405060708")


def test_threshold_overrides_round_trip(registry: Registry) -> None:
    town = registry.owner_tenant()
    site = registry.ensure_site(town.id, "climate-ecole", "École")
    book = ThresholdBook(registry.engine)
    assert book.overrides(site.id) == {}
    assert book.update(site.id, {"leak_nights": 4, "co2_max": 1500.0}) == {
        "leak_nights": 4,
        "co2_max": 1500.0,
    }
    assert book.update(site.id, {"leak_nights": None}) == {"co2_max": 1500.0}
    with pytest.raises(ThresholdError):
        book.update(site.id, {"temperature_min": 29.0})  # above the default maximum of 26
    assert book.all_overrides() == {site.id: {"co2_max": 1500.0}}


def test_step_5_adds_the_tables_to_an_older_registry(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    reg = open_registry(url)
    with reg.engine.begin() as conn:
        for table in MINE:
            table.drop(conn)
        conn.execute(delete(schema.schema_version).where(schema.schema_version.c.version > 3))
        assert current_version(conn) == 3
    reg.close()
    reg = open_registry(url)
    with reg.engine.connect() as conn:
        assert current_version(conn) >= 5  # later steps (6: the charter) run too
        assert {t.name for t in MINE} <= set(inspect(conn).get_table_names())
        assert conn.execute(select(text("count(*)")).select_from(site_thresholds)).scalar_one() == 0
    reg.close()
