"""Tariffs stored on SQLite and on a real PostgreSQL; migration step 4 on a version-3 database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, insert, inspect

from domain.costs.tariffs import Period, Tariff, TariffBook
from registry import Registry, migrations, open_registry, schema
from registry.schema import tariffs

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Registry]:
    if request.param == "sqlite":
        reg = open_registry(f"sqlite:///{tmp_path / 'registry.db'}")
    else:
        reg = open_registry(request.getfixturevalue("postgres_url"))
    yield reg
    # Leave the shared PostgreSQL as other tests expect it: no rows that reference their tenants.
    with reg.engine.begin() as conn:
        conn.execute(delete(tariffs))
    reg.close()


def test_tariffs_round_trip_per_site_and_tenant(registry: Registry) -> None:
    tenant = registry.ensure_tenant("tariff-town", "Tariff town")
    other = registry.ensure_tenant("tariff-hlm", "Tariff landlord")
    site = registry.ensure_site(tenant.id, "ecole", "École")
    book = TariffBook(registry.engine)
    linky = Tariff(
        "energy_import",
        0.25,
        fixed_per_month=12.5,
        valid_from=date(2026, 1, 1),
        periods=(
            Period("HC", 0.2, channel="HCHC", hours=((22, 6),)),
            Period("HP", 0.3, channel="HCHP", hours=((6, 22),)),
        ),
    )
    water = Tariff("water_volume", 4.1)
    book.replace(tenant.id, site.id, [linky])
    book.replace(tenant.id, None, [water, Tariff("energy_import", 0.5)])
    book.replace(other.id, None, [Tariff("water_volume", 9.0)])
    assert book.read(tenant.id, site.id) == [linky]
    assert book.read(tenant.id, None) == [Tariff("energy_import", 0.5), water]
    # The site's own tariff wins for its quantity; the tenant's default fills the others.
    assert book.effective(tenant.id, site.id, "energy_import") == [linky]
    assert book.effective(tenant.id, site.id, "water_volume") == [water]
    assert book.effective(tenant.id, site.id, "gas_volume") == []
    book.replace(tenant.id, site.id, [])
    assert book.read(tenant.id, site.id) == []
    assert book.read(other.id, None) == [Tariff("water_volume", 9.0)]


def test_step_4_adds_the_tariffs_table_to_a_version_3_database(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        schema.metadata.create_all(
            conn, tables=[t for t in schema.metadata.sorted_tables if t is not tariffs]
        )
        conn.execute(
            insert(schema.schema_version),
            [{"version": v, "applied_at": datetime.now(UTC)} for v in (1, 2, 3)],
        )
    with engine.begin() as conn:
        assert not inspect(conn).has_table("tariffs")
        assert migrations.apply(conn) >= 4
        assert inspect(conn).has_table("tariffs")
        assert migrations.current_version(conn) >= 4
    engine.dispose()
