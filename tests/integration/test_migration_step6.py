"""Migration step 6 brings a version-5 registry to the register columns, audit log and usage table,
on SQLite and on a real PostgreSQL, keeping the devices it holds."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from registry import Device, open_registry
from registry.migrations import current_version

pytestmark = pytest.mark.integration

_db = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.db'}"
        return
    server: str = request.getfixturevalue("postgres_url")
    name = f"step6_{next(_db)}"
    admin = create_engine(
        server.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    yield server.rsplit("/", 1)[0] + f"/{name}"


def downgrade_to_version_5(url: str) -> None:
    """The registry as releve left it before step 6: no register columns, no audit or usage tables."""
    registry = open_registry(url)
    town = registry.owner_tenant()
    with registry.engine.begin() as conn:
        for column in ("purpose", "operated_by", "installed_at"):
            conn.execute(text(f"ALTER TABLE devices DROP COLUMN {column}"))
        conn.execute(text("DROP TABLE audit_log"))
        conn.execute(text("DROP TABLE api_usage"))
        conn.execute(text("DELETE FROM schema_version WHERE version > 5"))
        conn.execute(
            text(
                "INSERT INTO devices (dev_eui, tenant_id, name, model, tags, status, created_at) "
                "VALUES ('0102030405060708', :tenant, 'eau', 'netvox/r718h', '{}', 'active', '2025-01-01')"
            ),
            {"tenant": town.id},
        )
    registry.close()


def test_step_6_adds_the_columns_and_tables_and_keeps_the_devices(url: str) -> None:
    downgrade_to_version_5(url)
    registry = open_registry(url)
    try:
        with registry.engine.connect() as conn:
            assert current_version(conn) >= 6
            columns = {c["name"] for c in inspect(conn).get_columns("devices")}
            tables = set(inspect(conn).get_table_names())
        assert {"purpose", "operated_by", "installed_at"} <= columns
        assert {"audit_log", "api_usage"} <= tables
        old = registry.get_device("0102030405060708")
        assert (old.name, old.purpose, old.installed_at) == ("eau", None, None)
        town = registry.owner_tenant()
        registry.add_devices(
            [
                Device(
                    "0102030405060709",
                    town.id,
                    "co2",
                    "netvox/r718h",
                    purpose="air",
                    operated_by="Atmo",
                    installed_at=date(2026, 3, 1),
                )
            ]
        )
        assert registry.get_device("0102030405060709").installed_at == date(2026, 3, 1)
    finally:
        registry.close()
    # Opening again is a no-op.
    open_registry(url).close()
