"""A tenant's export imported into another instance reproduces every reading, on each store backend."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from domain.alerts.thresholds import ThresholdBook
from domain.climate.weather import Observation, WeatherBook, WeatherSource
from domain.costs.tariffs import Period, Tariff, TariffBook
from domain.portability.export import export_tenant
from domain.portability.restore import import_archive
from ingest.archive import Archive
from ingest.pipeline import Ingestor
from kernel.types import Lns, Reading, Uplink
from registry import Device, Registry, open_registry
from registry.archive_keys import dedup_key
from store import Store
from store.sqlite import SqliteStore
from tests.contract.conftest import StoreFactory

T0 = datetime(2026, 3, 1, 7, 3, tzinfo=UTC)
WATER = "0102030405060708"
POWER = "0102030405060709"
OTHER = "b0b0b0b0b0b0b0b0"
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def r718h(pulses: int) -> bytes:
    """A Netvox R718H pulse report (port 6): battery 3.6 V, 16-bit counter."""
    return bytes([0x01, 0x1F, 0x01, 36]) + (pulses % 65536).to_bytes(2, "big") + bytes(5)


def uplink(eui: str, f_cnt: int, pulses: int, at: datetime) -> Uplink:
    return Uplink(eui, 6, f_cnt, r718h(pulses), at, Lns.CHIRPSTACK_V4, dev_addr="0a0b0c0d")


@pytest.fixture
def registries(tmp_path: Path) -> Iterator[tuple[Registry, Registry]]:
    source = open_registry(f"sqlite:///{tmp_path / 'source.db'}")
    target = open_registry(f"sqlite:///{tmp_path / 'target.db'}")
    yield source, target
    source.close()
    target.close()


def seed(registry: Registry, store: Store) -> None:
    """Two tenants; the town's devices get three days of real uplinks through the pipeline."""
    town = registry.owner_tenant()
    hlm = registry.ensure_tenant("hlm", "Bailleur")
    school = registry.ensure_site(town.id, "ecole", "École", latitude=48.1, longitude=-1.6, open_data=True)
    gym = registry.ensure_site(town.id, "gymnase", "Gymnase", floor_area_m2=900.0)
    flats = registry.ensure_site(hlm.id, "residence", "Résidence")
    registry.add_devices(
        [
            Device(
                WATER,
                town.id,
                "eau école",
                "netvox/r718h",
                site_id=school.id,
                metering_point="eau",
                pulse_quantity="water_volume",
                pulse_weight=0.001,
                register_max=65536,
                tags={"floor": "0"},
                purpose="suivi de la consommation d'eau",
                operated_by="Régie des eaux",
                installed_at=date(2025, 9, 1),
            ),
            Device(
                POWER,
                town.id,
                "élec gymnase",
                "netvox/r718h",
                site_id=gym.id,
                metering_point="elec",
                pulse_quantity="energy_import",
                pulse_weight=0.5,
                register_max=65536,
            ),
            Device(OTHER, hlm.id, "eau bât A", "netvox/r718h", site_id=flats.id),
        ]
    )
    ingestor = Ingestor(registry, Archive(registry.engine), store)
    for eui, per_frame in ((WATER, 37), (POWER, 3), (OTHER, 5)):
        # A wrap of the 16-bit counter on the way, and one frame delivered twice.
        frames = [uplink(eui, n, 65000 + n * per_frame, T0 + timedelta(minutes=15 * n)) for n in range(300)]
        ingestor.process(ingestor.accept([(f, "town") for f in [*frames, frames[10]]]))
    registry.add_replacement(WATER, "water_volume", T0 + timedelta(days=2), 70.1, 0.0, note="compteur neuf")
    tariffs = TariffBook(registry.engine)
    tariffs.replace(town.id, None, [Tariff("water_volume", 4.12, fixed_per_month=8.5)])
    hc_hp = (Period("HC", 0.18, hours=((22, 6),)), Period("HP", 0.24, channel="HCHP"))
    tariffs.replace(
        town.id, gym.id, [Tariff("energy_import", 0.21, valid_from=date(2026, 1, 1), periods=hc_hp)]
    )
    ThresholdBook(registry.engine).update(school.id, {"leak_min_flow_m3h": 0.02, "temperature_min": 19.0})
    weather = WeatherBook(registry.engine)
    weather.import_observations(
        town.id, "rennes", [Observation(T0 + timedelta(hours=h), 3.5 + h / 4) for h in range(48)]
    )
    weather.import_observations(hlm.id, "hlm-roof", [Observation(T0, 9.0)])
    weather.set_source(gym.id, WeatherSource(station="rennes"))
    store.write(
        [
            Reading(
                WATER, "temperature", 12.5 + i / 7, "degC", "instantaneous", T0 + timedelta(hours=i), "t1"
            )
            for i in range(30)
        ]
    )


def lineage(registry: Registry, store: Store, eui: str) -> list[tuple[Reading, str | None]]:
    """Every reading with its uplink's dedup key instead of the instance's uplink id."""
    keys = {a.id: dedup_key(a.uplink) for a, *_ in Archive(registry.engine).select(dev_eui=eui, limit=10**6)}
    return [
        (
            Reading(r.dev_eui, r.quantity, r.value, r.unit, r.kind, r.ts, r.channel, r.f_cnt, None, r.delta),
            keys.get(r.uplink_id) if r.uplink_id is not None else None,
        )
        for r in store.query(eui, *EVER)
    ]


def test_round_trip_reproduces_every_reading_and_is_idempotent(
    store_factory: StoreFactory, registries: tuple[Registry, Registry], tmp_path: Path
) -> None:
    source, target = registries
    src_store, dst_store = store_factory(None), store_factory(None)
    seed(source, src_store)
    archive = tmp_path / "town.tar.gz"
    with archive.open("wb") as out:
        manifest = export_tenant(source, src_store, "town", out)
    assert manifest["counts"]["devices"] == 2 and manifest["counts"]["uplinks"] == 600

    report = import_archive(target, dst_store, archive)
    assert report.new_uplinks == 600
    for eui in (WATER, POWER):
        before = lineage(source, src_store, eui)
        assert len(before) > 300 and all(key for r, key in before if r.quantity != "temperature")
        assert lineage(target, dst_store, eui) == before
        assert dst_store.hourly(eui) == src_store.hourly(eui)
    assert target.find_device(OTHER) is None
    moved = target.get_device(WATER)
    assert (moved.purpose, moved.operated_by, moved.installed_at) == (
        "suivi de la consommation d'eau",
        "Régie des eaux",
        date(2025, 9, 1),
    )
    assert target.get_site(moved.site_id or 0).latitude == 48.1
    assert target.replacements(WATER) == source.replacements(WATER)
    assert_same_settings(source, target)

    again = import_archive(target, dst_store, archive)
    assert again.new_uplinks == 0 and again.counts == report.counts
    assert lineage(target, dst_store, WATER) == lineage(source, src_store, WATER)
    assert len(target.replacements(WATER)[("water_volume", "")]) == 1
    assert [d.dev_eui for d in target.list_devices()] == [WATER, POWER]
    assert_same_settings(source, target)


def assert_same_settings(source: Registry, target: Registry) -> None:
    """Tariffs, thresholds, weather sources and the town's own weather observations came along."""
    town_a, town_b = source.owner_tenant(), target.owner_tenant()
    sites_a = {s.slug: s.id for s in source.list_sites(town_a.id)}
    sites_b = {s.slug: s.id for s in target.list_sites(town_b.id)}
    tariffs_a, tariffs_b = TariffBook(source.engine), TariffBook(target.engine)
    assert tariffs_b.read(town_b.id, None) == tariffs_a.read(town_a.id, None) != []
    for slug in sites_a:
        assert tariffs_b.read(town_b.id, sites_b[slug]) == tariffs_a.read(town_a.id, sites_a[slug])
        assert ThresholdBook(target.engine).overrides(sites_b[slug]) == ThresholdBook(
            source.engine
        ).overrides(sites_a[slug])
        assert WeatherBook(target.engine).source(sites_b[slug]) == WeatherBook(source.engine).source(
            sites_a[slug]
        )
    weather_a, weather_b = WeatherBook(source.engine), WeatherBook(target.engine)
    assert weather_b.observations(town_b.id, "rennes", *EVER) == weather_a.observations(
        town_a.id, "rennes", *EVER
    )
    assert [s[0] for s in weather_b.stations(town_b.id)] == ["rennes"]  # never the landlord's station


def test_rollups_of_pruned_readings_survive_the_move(
    registries: tuple[Registry, Registry], tmp_path: Path
) -> None:
    source, target = registries
    src_store = SqliteStore(tmp_path / "a.db", raw_retention_days=30)
    dst_store = SqliteStore(tmp_path / "b.db")
    seed(source, src_store)
    pruned = src_store.prune(T0 + timedelta(days=32))
    assert pruned > 0
    archive = tmp_path / "town.tar.gz"
    with archive.open("wb") as out:
        export_tenant(source, src_store, "town", out)
    import_archive(target, dst_store, archive)
    assert dst_store.hourly(WATER) == src_store.hourly(WATER) != []
    assert dst_store.query(WATER, *EVER) == src_store.query(WATER, *EVER)
    src_store.close()
    dst_store.close()
